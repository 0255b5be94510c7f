"""Terminal bytes and CPU while an answer streams at a normal speed, in a real terminal.

    python bench/bytes.py [--runs 3] [--sizes 100x30,200x50] [--chunks 1000] [--rate 50]
                          [--colors 256] [--ssh] [--kbps N]

Each run forks a pseudo-terminal of the given size (TERM=xterm-256color,
COLORTERM=truecolor) and execs `python -m tui_chat --config-dir DIR` in it (this
checkout's code). The only provider is the loopback backend (bench/_servers.py,
another process); its model `doc:1000:50` streams 21,400 bytes of Markdown (headings,
paragraphs with bold and inline code, lists, 22 Python code fences) in 1,000 chunks, 50 a
second: a 20 s answer. Once the app is up and quiet, a question is typed; from its Enter,
everything the app writes to the terminal is counted until the answer is complete on the
screen (its usage, "900 out tokens", is drawn under it) and the output has gone quiet.
The figure is those bytes divided by the answer's bytes. The app process's CPU time
(utime + stime from /proc/<pid>/stat, all its threads) from Enter to the answer complete
is divided by that wall time: % of one core. Medians of --runs per size.

--colors 256 leaves COLORTERM out (ssh does not pass it on unless told to): 256 colours.
--ssh sets SSH_CONNECTION in the app's environment (as sshd does). --kbps N reads the
terminal at N kilobytes a second at most (a slow link: the app's writes then block).
Targets: 10 bytes per answer byte, 5 % of a core.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

from _common import median, write_settings
from _servers import answer_text, start_server
from _startup_apps import ESCAPES

TARGET_BYTES = 10.0
TARGET_CPU = 5.0
DONE = "900 out tokens"  # the usage the bench server sends at the end, drawn by the app
ROOT = Path(__file__).resolve().parents[1]
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process so far (all its threads)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (fields 14 and 15)


class Terminal:
    """The app in a pty of ours: what it writes, read as a terminal would (or slower)."""

    def __init__(self, argv: list[str], env: dict[str, str], cols: int, rows: int, kbps: float):
        self.kbps = kbps
        pid, fd = pty.fork()
        if pid == 0:  # the child: the size is set before the app can ask for it
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.execve(argv[0], argv, env)
        self.pid, self.fd = pid, fd
        self.raw = bytearray()  # what the app wrote since `mark`
        self.last_data = time.perf_counter()
        self.answered = False

    def mark(self) -> None:
        self.raw.clear()

    def text(self, last: int = 0) -> str:
        """What was written since `mark` (its last `last` bytes), escape sequences
        stripped."""
        return ESCAPES.sub("", self.raw[-last:].decode("utf-8", "replace"))

    def pump(self, timeout: float) -> bool:
        """Read what the app wrote within `timeout`; whether anything came."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        size = 1 << 16
        if self.kbps:
            size = max(1, int(self.kbps * 1024 * 0.01))  # 10 ms worth of the link
        try:
            data = os.read(self.fd, size)
        except OSError:
            raise SystemExit(f"the app ended; it wrote: {self.text(600)!r}") from None
        if not data:
            raise SystemExit("the app closed its terminal")
        if self.kbps:
            time.sleep(len(data) / (self.kbps * 1024))
        self.raw += data
        if not self.answered and b"\x1b[?2026$p" in self.raw:
            # As a terminal with synchronized output does (most current ones): the app
            # then brackets each frame, which counts them.
            self.write(b"\x1b[?2026;2$y")
            self.answered = True
        self.last_data = time.perf_counter()
        return True

    def wait_for(self, needles: tuple[str, ...], timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        while not all(needle in self.text() for needle in needles):
            if time.perf_counter() > deadline:
                raise SystemExit(f"waited {timeout} s for {needles}; saw {self.text(600)!r}")
            self.pump(0.1)

    def wait_quiet(self, quiet: float, timeout: float) -> None:
        """Until the app has written nothing for `quiet` seconds."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() - self.last_data < quiet:
            if time.perf_counter() > deadline:
                return
            self.pump(0.05)

    def write(self, data: bytes) -> None:
        os.write(self.fd, data)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.write(b"\x11")  # ctrl+q
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline:
            done, _ = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.pid = 0
                break
            with contextlib.suppress(OSError, SystemExit):
                self.pump(0.05)
        if self.pid:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)


def run_once(url: str, model: str, cols: int, rows: int, args: argparse.Namespace) -> dict:
    answer = answer_text(args.chunks, "doc")
    with tempfile.TemporaryDirectory(prefix="bench-bytes-") as tmp:
        config = Path(tmp) / "config"
        write_settings(config, url, model)
        env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor")
        if args.colors == "256":
            del env["COLORTERM"]  # as over SSH, which does not pass it on by default
        for name in (
            "TUI_CHAT_CONFIG_DIR",
            "SSH_CONNECTION",
            "SSH_CLIENT",
            "SSH_TTY",
            "COLUMNS",
            "LINES",
            "PYTHONDONTWRITEBYTECODE",
            "TEXTUAL",
        ):
            env.pop(name, None)
        env["PYTHONPATH"] = str(ROOT)
        if args.ssh:
            env["SSH_CONNECTION"] = "127.0.0.1 50000 127.0.0.1 22"
        argv = [sys.executable, "-m", "tui_chat", "--config-dir", str(config)]
        if args.profile:  # cProfile runs the app and writes its statistics when it ends
            argv[1:1] = ["-m", "cProfile", "-o", f"{args.profile}.{cols}x{rows}"]
        term = Terminal(argv, env, cols, rows, args.kbps)
        try:
            term.wait_for(("Type a message", "Quit"), 30)
            term.wait_quiet(1.0, 10)  # the backend's models listed, the first frames out
            term.write(b"Write the long answer, please.")
            term.wait_quiet(0.5, 10)
            term.mark()
            cpu0 = cpu_seconds(term.pid)
            t0 = time.perf_counter()
            term.write(b"\r")
            deadline = t0 + args.chunks / args.rate * 3 + 30
            while DONE not in term.text(1 << 14):
                if time.perf_counter() > deadline:
                    raise SystemExit(f"the answer did not complete; saw {term.text(600)!r}")
                term.pump(0.1)
            t1 = time.perf_counter()
            cpu1 = cpu_seconds(term.pid)
            term.wait_quiet(0.5, 10)  # the answer's last frames
            written = bytes(term.raw)
            if args.dump:
                Path(f"{args.dump}.{cols}x{rows}").write_bytes(written)
        finally:
            term.close()
    text = ESCAPES.sub("", written.decode("utf-8", "replace"))
    last_words = answer.split()[-3:]
    if not all(word.strip("*`") in text for word in last_words):
        raise SystemExit(f"the answer's last words {last_words} were never drawn")
    frames = written.count(b"\x1b[?2026h") or None
    escapes = len(written) - len(text.encode())
    return {
        "bytes": len(written),
        "per_byte": len(written) / len(answer.encode()),
        "cpu": (cpu1 - cpu0) / (t1 - t0) * 100,
        "seconds": t1 - t0,
        "frames": frames,
        "escape_share": escapes / max(1, len(written)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="100x30,200x50")
    parser.add_argument("--chunks", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument(
        "--colors",
        choices=("truecolor", "256"),
        default="truecolor",
        help="256: no COLORTERM (as over SSH by default)",
    )
    parser.add_argument("--ssh", action="store_true", help="set SSH_CONNECTION for the app")
    parser.add_argument(
        "--kbps",
        type=float,
        default=0,
        help="read the terminal at this many kB/s at most (a slow link)",
    )
    parser.add_argument(
        "--dump",
        metavar="FILE",
        default="",
        help="write what the app wrote from Enter on to FILE.COLSxROWS",
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        default="",
        help="run the app under cProfile, its statistics to FILE.COLSxROWS (pstats)",
    )
    args = parser.parse_args()
    sizes = [tuple(int(n) for n in size.split("x")) for size in args.sizes.split(",")]
    model = f"doc:{args.chunks}:{args.rate:g}"
    answer_bytes = len(answer_text(args.chunks, "doc").encode())
    results: dict[tuple[int, int], list[dict]] = {size: [] for size in sizes}
    with start_server() as server:
        for _ in range(args.runs):  # sizes interleaved: the machine's drift hits both alike
            for cols, rows in sizes:
                results[(cols, rows)].append(run_once(server.url, model, cols, rows, args))
    how = (
        (", 256 colours" if args.colors == "256" else "")
        + (" over SSH (SSH_CONNECTION set)" if args.ssh else "")
        + (f", the terminal read at {args.kbps:g} kB/s" if args.kbps else "")
    )
    print(
        f"\nbytes: an answer of {answer_bytes:,} bytes in {args.chunks:,} chunks at "
        f"{args.rate:g}/s, `tui-chat` in a pty{how} (median of {args.runs} runs)"
    )
    for (cols, rows), runs in results.items():
        per_byte = median([r["per_byte"] for r in runs])
        cpu = median([r["cpu"] for r in runs])
        print(f"\n{cols}x{rows}:")
        label = "terminal bytes per answer byte"
        print(
            f"  {label:<52}{per_byte:10.1f} x    target <= {TARGET_BYTES:g} x     "
            f"{'PASS' if per_byte <= TARGET_BYTES else 'MISS'}"
        )
        label = "CPU of the app while it streams, % of one core"
        print(
            f"  {label:<52}{cpu:10.1f} %    target <= {TARGET_CPU:g} %     "
            f"{'PASS' if cpu <= TARGET_CPU else 'MISS'}"
        )
        shown_bytes = ", ".join(f"{r['per_byte']:.1f}" for r in runs)
        shown_cpu = ", ".join(f"{r['cpu']:.1f}" for r in runs)
        print(f"  (runs: {shown_bytes} x; {shown_cpu} %)")
        total = median([r["bytes"] for r in runs])
        frames = [r["frames"] for r in runs if r["frames"]]
        print(
            f"  {'bytes written, Enter -> answer complete':<52}{total / 1e6:10.2f} MB"
            "   (for information)"
        )
        if frames:
            print(
                f"  {'frames (synchronized updates)':<52}{median(frames):10.0f}"
                "      (for information)"
            )
        print(
            f"  {'escape sequences, share of the bytes':<52}"
            f"{median([r['escape_share'] for r in runs]) * 100:10.0f} %    (for information)"
        )
        print(
            f"  {'Enter -> answer complete':<52}{median([r['seconds'] for r in runs]):10.1f} s"
            "    (for information)"
        )


if __name__ == "__main__":
    main()
