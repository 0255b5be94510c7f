"""Terminal bytes and CPU while an answer streams at a normal speed, in a real terminal.

    python bench/bytes.py [--runs 3] [--sizes 100x30,200x50] [--chunks 1000] [--rate 50]
                          [--colors 256] [--ssh] [--kbps N] [--streams N] [--floor]

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

--streams N (2 to 4) also asks N models at once, the comparison, after each one-answer
run (so the machine's drift hits both alike): the models are marked as a user does (ctrl+o,
each name typed, Tab, then Enter), `doc:1000:50:1` … `:N`, the same answer from each. The
run ends when every answer is complete on screen: "streaming…" is gone from the screen
(the status line says it until the last answer ends) and a usage line is drawn (at
100x30 the answers are tabs, one drawn; at 200x50 side by side, all). The screen is
read from what the app wrote (bench/_screen.py). Printed: the bytes, per byte of one
answer and of all N, CPU, frames, and each run's bytes and CPU against the one-answer
run's just before it (target: 2.5 times at most, issue 22).

--floor also runs, after each tui-chat run, the least Textual app that shows the same
stream (bench/_floor_stream.py: Textual's Log, an Input and a footer; plain text appended
at tui-chat's paint rate, 15 a second, 7.5 with --ssh) in the same terminal, and prints
its bytes and CPU beside tui-chat's: what Textual itself costs for this answer here.
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
from _screen import Screen
from _servers import answer_text, start_server
from _startup_apps import ESCAPES

from tui_chat.ui.pacing import frame_rate

TARGET_BYTES = 10.0
TARGET_CPU = 5.0
DONE = "900 out tokens"  # the usage the bench server sends at the end, drawn by the app
USAGE = "12 in / 900 out tokens"  # (the same, as the line under an answer shows it)
#: Several answers at once against one: their bytes and CPU at most this many times.
TARGET_STREAMS = 2.5
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
        self.screen = Screen(cols, rows)  # what the terminal shows
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
        self.screen.feed(data)
        if not self.answered and b"\x1b[?2026$p" in self.raw:
            # As a terminal with synchronized output does (most current ones): the app
            # then brackets each frame, which counts them.
            self.write(b"\x1b[?2026;2$y")
            self.answered = True
        self.last_data = time.perf_counter()
        return True

    def wait_screen(self, needles: tuple[str, ...], timeout: float) -> None:
        """Until the screen shows every one of `needles`."""
        deadline = time.perf_counter() + timeout
        while not all(needle in self.screen.text() for needle in needles):
            if time.perf_counter() > deadline:
                shown = "\n".join(line.rstrip() for line in self.screen.lines())
                raise SystemExit(f"waited {timeout} s for {needles} on screen; it shows:\n{shown}")
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


def mark_models(term: Terminal, models: list[str]) -> None:
    """Ask these models at once from now on, as a user does: ctrl+o opens the model
    picker; each name typed (the loopback backend lists none of them: the picker offers
    "use NAME with bench"), Tab marks it, ctrl+u clears the field; Enter."""
    term.write(b"\x0f")  # ctrl+o
    term.wait_screen(("Switch model",), 10)
    for count, model in enumerate(models, start=1):
        term.write(model.encode())
        term.wait_screen((f"use {model}",), 10)
        term.wait_quiet(0.2, 5)  # the list filtered, the offer highlighted
        term.write(b"\t")
        term.wait_screen((f"Marked {count}/", f"bench › {model}"), 10)
        term.write(b"\x15")  # ctrl+u
        term.wait_quiet(0.2, 5)
    term.write(b"\r")
    term.wait_screen(("asking bench › " + models[0],), 10)


def all_done_on_screen(term: Terminal) -> bool:
    """Every answer complete, as the screen shows it: no "streaming…" anywhere (the status
    line says it until the last answer has ended, each answer under its text until it
    has) and the usage of at least one of them drawn (as tabs only the answer shown is)."""
    shown = term.screen.text()
    return USAGE in shown and "streaming…" not in shown


def run_once(
    url: str,
    model: str,
    cols: int,
    rows: int,
    args: argparse.Namespace,
    streams: int = 1,
    floor: bool = False,
) -> dict:
    answer = answer_text(args.chunks, "doc")
    suffix = f".{streams}streams" if streams > 1 else ""
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
        if floor:
            script = ROOT / "bench" / "_floor_stream.py"
            rate = frame_rate(env)  # tui-chat's paint rate in this environment (SSH: half)
            argv = [sys.executable, str(script), url, model, "--rate", f"{rate:g}"]
        elif args.profile:  # cProfile runs the app and writes its statistics when it ends
            argv[1:1] = ["-m", "cProfile", "-o", f"{args.profile}.{cols}x{rows}{suffix}"]
        term = Terminal(argv, env, cols, rows, args.kbps)
        try:
            # (The prompt's placeholder: at 80 columns the footer has no room for Quit.)
            term.wait_screen(("Type a message",), 30)
            term.wait_quiet(1.0, 10)  # the backend's models listed, the first frames out
            if streams > 1:  # the same answer from each, under a name of its own
                mark_models(term, [f"{model}:{n}" for n in range(1, streams + 1)])
                term.wait_quiet(0.5, 10)
            term.write(b"Write the long answer, please.")
            term.wait_quiet(0.5, 10)
            term.mark()
            cpu0 = cpu_seconds(term.pid)
            t0 = time.perf_counter()
            term.write(b"\r")
            deadline = t0 + args.chunks / args.rate * 3 + 30
            while not (all_done_on_screen(term) if streams > 1 else DONE in term.text(1 << 14)):
                if time.perf_counter() > deadline:
                    raise SystemExit(f"the answer did not complete; saw {term.text(600)!r}")
                term.pump(0.1)
            t1 = time.perf_counter()
            cpu1 = cpu_seconds(term.pid)
            term.wait_quiet(0.5, 10)  # the answer's last frames
            written = bytes(term.raw)
            if args.dump:
                Path(f"{args.dump}.{cols}x{rows}{suffix}").write_bytes(written)
                screen = "\n".join(line.rstrip() for line in term.screen.lines())
                Path(f"{args.dump}.{cols}x{rows}{suffix}.screen").write_text(screen + "\n")
            usages = term.screen.text().count(USAGE)
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
        "usages": usages,  # answers whose usage line is on screen at the end
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
        help="write what the app wrote from Enter on to FILE.COLSxROWS (and the screen at "
        "the end to FILE.COLSxROWS.screen)",
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        default="",
        help="run the app under cProfile, its statistics to FILE.COLSxROWS (pstats)",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also run a minimal Textual app showing the same stream (the floor)",
    )
    parser.add_argument(
        "--streams",
        type=int,
        default=1,
        metavar="N",
        help="also ask N models at once (the comparison), alternately with one",
    )
    args = parser.parse_args()
    if not 1 <= args.streams <= 4:
        parser.error("--streams: 1 to 4 models (the picker marks four at most)")
    sizes = [tuple(int(n) for n in size.split("x")) for size in args.sizes.split(",")]
    model = f"doc:{args.chunks}:{args.rate:g}"
    answer_bytes = len(answer_text(args.chunks, "doc").encode())
    results: dict[tuple[int, int], list[dict]] = {size: [] for size in sizes}
    several: dict[tuple[int, int], list[dict]] = {size: [] for size in sizes}
    floors: dict[tuple[int, int], list[dict]] = {size: [] for size in sizes}
    with start_server() as server:
        for _ in range(args.runs):  # sizes interleaved: the machine's drift hits both alike
            for cols, rows in sizes:
                results[(cols, rows)].append(run_once(server.url, model, cols, rows, args))
                if args.streams > 1:  # right after the one answer: a fair ratio
                    several[(cols, rows)].append(
                        run_once(server.url, model, cols, rows, args, args.streams)
                    )
                if args.floor:
                    floors[(cols, rows)].append(
                        run_once(server.url, model, cols, rows, args, floor=True)
                    )
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
        print(
            f"  {'bytes written, Enter -> answer complete':<52}{total / 1e6:10.2f} MB"
            "   (for information)"
        )
        print_frames(runs)
        print(
            f"  {'escape sequences, share of the bytes':<52}"
            f"{median([r['escape_share'] for r in runs]) * 100:10.0f} %    (for information)"
        )
        print(
            f"  {'Enter -> answer complete':<52}{median([r['seconds'] for r in runs]):10.1f} s"
            "    (for information)"
        )
        if several[(cols, rows)]:
            print_several(args.streams, runs, several[(cols, rows)])
        if floors[(cols, rows)]:
            print_floor(runs, floors[(cols, rows)])


def print_frames(runs: list[dict]) -> None:
    """The median count of frames (synchronized updates), where the terminal counted them."""
    frames = [r["frames"] for r in runs if r["frames"]]
    if frames:
        label = "frames (synchronized updates)"
        print(f"  {label:<52}{median(frames):10.0f}      (for information)")


def print_ratios(label: str, ratios: list[float], target: float | None = None) -> None:
    """The median of per-run ratios, against `target` if there is one, and the runs'."""
    ratio = median(ratios)
    if target is None:
        verdict = "(for information)"
    else:
        verdict = f"target <= {target:g} x    {'PASS' if ratio <= target else 'MISS'}"
    print(f"  {label:<52}{ratio:10.2f} x    {verdict}")
    print(f"  (runs: {', '.join(f'{x:.2f}' for x in ratios)} x)")


def print_floor(ones: list[dict], runs: list[dict]) -> None:
    """The floor's figures (a minimal Textual app, the same stream, the same terminal) and
    tui-chat's against them (each run against the floor's run just after it)."""
    info = "(for information)"
    print("\n  the floor: Textual's Log showing the same stream at tui-chat's paint rate")
    label = "terminal bytes per answer byte"
    print(f"  {label:<52}{median([r['per_byte'] for r in runs]):10.1f} x    {info}")
    label = "CPU of the app while it streams, % of one core"
    print(f"  {label:<52}{median([r['cpu'] for r in runs]):10.1f} %    {info}")
    print_frames(runs)
    for key, what in (("per_byte", "bytes"), ("cpu", "CPU")):
        ratios = [one[key] / r[key] for r, one in zip(runs, ones, strict=True)]
        print_ratios(f"{what}, tui-chat / the floor", ratios)


def print_several(streams: int, ones: list[dict], runs: list[dict]) -> None:
    """The figures of `streams` answers at once, and their ratios to one answer's (each
    run against the one-answer run just before it; the median of those)."""
    info = "(for information)"
    print(f"\n  {streams} answers at once (the comparison), the same answer from each:")
    total = median([r["bytes"] for r in runs])
    print(f"  {'bytes written, Enter -> all answers complete':<52}{total / 1e6:10.2f} MB   {info}")
    per_one = median([r["per_byte"] for r in runs])
    label = "terminal bytes per byte of one answer"
    print(f"  {label:<52}{per_one:10.1f} x    {info}")
    label = f"terminal bytes per byte of all {streams} answers"
    print(f"  {label:<52}{per_one / streams:10.1f} x    {info}")
    label = "CPU of the app while they stream, % of one core"
    print(f"  {label:<52}{median([r['cpu'] for r in runs]):10.1f} %    {info}")
    print_frames(runs)
    label = "Enter -> all answers complete"
    print(f"  {label:<52}{median([r['seconds'] for r in runs]):10.1f} s    {info}")
    for key, what in (("bytes", "bytes written"), ("cpu", "CPU")):
        ratios = [r[key] / one[key] for r, one in zip(runs, ones, strict=True)]
        print_ratios(f"{what}, {streams} answers / one answer", ratios, TARGET_STREAMS)
    shown = ", ".join(f"{r['per_byte']:.1f} x, {r['cpu']:.1f} %" for r in runs)
    print(f"  (runs, bytes per byte of one answer and CPU: {shown})")
    usages = ", ".join(str(r["usages"]) for r in runs)
    print(f"  (answers whose usage line is on screen at the end, each run: {usages})")


if __name__ == "__main__":
    main()
