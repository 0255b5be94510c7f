"""Start-up of the real `tui-chat` process, with 2,000 saved conversations.

    python bench/startup.py [--conversations 2000] [--runs 5] [--profile FILE] [--instructions]

Each run forks a pseudo-terminal (120x40, TERM=xterm-256color) and execs
`tui-chat --config-dir DIR` in it; the clock starts just before the fork. The parent
reads everything the app writes to the terminal, strips escape sequences, and notes
when these have all been drawn:

  first frame:    the prompt placeholder ("Type a message") and the footer ("Quit");
  complete frame: also the newest saved conversation's title in the sidebar list.

Then it sends ctrl+q and waits for the process to end. The config folder has
2,000 conversations of 2-40 messages (a few of 100-600) and the index a previous run
left; the only provider is a loopback backend (bench/_servers.py). Target: complete
frame 0.35 s or less (median of --runs).

Each run also starts a Textual hello world the same way (`_startup_apps.py hello`: a
prompt with the same placeholder, a label with the same title, a footer): the floor a
Textual app starts at on this machine. Wall-clock times here move by +-30 % between
sittings; --instructions adds one start of each under valgrind's callgrind, ended as soon
as its first complete frame is written, and prints the instructions each executed,
within ~2 % from run to run whatever else the machine is doing.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pty
import random
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import median, row, write_settings
from _servers import start_server
from _startup_apps import ESCAPES, NEWEST

TARGET = 0.35
# The app asks the terminal which graphics it draws before Textual starts (Primary Device
# Attributes, ui/graphics.py) and waits up to 2 s for the answer a terminal gives within
# milliseconds: the harness answers as an xterm without Sixel does.
DA1_QUERY, DA1_REPLY = b"\x1b[c", b"\x1b[?62;22c"
APPS = str(Path(__file__).with_name("_startup_apps.py"))


def populate(config: Path, count: int) -> None:
    from tui_chat.store import Conversation, ConversationStore, Message, Paths
    from tui_chat.store.codec import encode

    rng = random.Random(2000)
    paths = Paths.resolve(config)
    paths.ensure()
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for i in range(count):
        n = rng.choice([2, 4, 6, 10, 20, 40]) if rng.random() < 0.95 else rng.randrange(100, 600)
        when = start + timedelta(hours=i)
        messages = [
            Message(
                role="user" if k % 2 == 0 else "assistant",
                content=f"Message {k} about **topic {i}**.\n\n```python\nx = {k}\n```\n",
                created=when + timedelta(seconds=k),
            )
            for k in range(n)
        ]
        title = NEWEST if i == count - 1 else f"Conversation {i} about topic {rng.randrange(999)}"
        c = Conversation(
            title=title,
            created=when,
            updated=when + timedelta(seconds=n),
            provider="bench",
            model="m",
            messages=messages,
        )
        (paths.conversations_dir / f"{c.id}.toml").write_bytes(encode(c))
    ConversationStore(paths).list()  # leaves the index, as a previous session would


def run_once(argv: list[str], timeout: float = 20.0) -> tuple[float, float]:
    """(seconds to the first frame, seconds to the complete frame) of one start of argv."""
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="120", LINES="40")
    env.pop("TUI_CHAT_CONFIG_DIR", None)
    # The warm-up run must be able to write the .pyc files, as an installed app's are
    # there; with PYTHONDONTWRITEBYTECODE inherited every run compiled tui_chat again.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    t0 = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(argv[0], argv, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    seen = ""
    first = complete = 0.0
    try:
        while time.perf_counter() - t0 < timeout:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                continue
            try:
                data = os.read(fd, 1 << 16)
            except OSError:
                break
            if not data:
                break
            now = time.perf_counter()
            if DA1_QUERY in data:  # answered as a terminal does (ui/graphics.py asks)
                os.write(fd, DA1_REPLY)
            seen += ESCAPES.sub("", data.decode("utf-8", "replace"))
            if not first and "Type a message" in seen and "Quit" in seen:
                first = now - t0
            if first and NEWEST in seen:
                complete = now - t0
                break
        else:
            raise SystemExit(f"no complete frame within {timeout} s; saw: {seen[-400:]!r}")
        with contextlib.suppress(OSError):  # a process that ended by itself has no pty
            os.write(fd, b"\x11")  # ctrl+q
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                pid = 0
                break
            if select.select([fd], [], [], 0.05)[0]:
                try:
                    os.read(fd, 1 << 16)
                except OSError:
                    pass
    finally:
        if pid:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    return first, complete


def instructions(argv: list[str], out: Path) -> int:
    """Instructions executed by argv from exec to its first complete frame (callgrind)."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("--instructions needs valgrind (Debian package valgrind)")
    run_once([valgrind, "--tool=callgrind", f"--callgrind-out-file={out}", *argv], 600)
    totals = re.search(r"^(?:totals|summary): (\d+)", out.read_text(), re.MULTILINE)
    if totals is None:
        raise SystemExit(f"no totals in {out}")
    return int(totals.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--profile",
        metavar="FILE",
        default="",
        help="one more run under pyinstrument, its report written to FILE",
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count instructions to the first complete frame (callgrind)",
    )
    args = parser.parse_args()
    exe = shutil.which("tui-chat", path=str(Path(sys.executable).parent)) or shutil.which(
        "tui-chat"
    )
    if exe is None:
        raise SystemExit("tui-chat is not installed in this environment")
    hello = [sys.executable, APPS, "hello"]
    # The package the runs import: PYTHONPATH is passed on (a checkout's), else the installed.
    where = subprocess.run(
        [sys.executable, "-c", "import tui_chat; print(tui_chat.__path__[0])"],
        cwd=tempfile.gettempdir(), capture_output=True, text=True, check=True,
    )  # fmt: skip
    print(f"measuring {where.stdout.strip()}")
    with start_server() as server, tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        config = Path(tmp) / "config"
        write_settings(config, server.url, "m")
        populate(config, args.conversations)
        app = [exe, "--config-dir", str(config)]
        run_once(app)  # warm the OS file cache and the .pyc files
        run_once(hello)
        firsts, completes, floors = [], [], []
        for _ in range(args.runs):  # side by side: the machine's drift hits both alike
            first, complete = run_once(app)
            firsts.append(first)
            completes.append(complete)
            floors.append(run_once(hello)[1])
        if args.profile:  # pyinstrument runs the same script and writes its report there
            profiler = [sys.executable, "-m", "pyinstrument", "--show-all", "-i", "0.0005"]
            run_once([*profiler, "-o", args.profile, *app], 60)
            print(f"profile of one start (until ctrl+q): {args.profile}")
        counts: dict[str, int] = {}
        if args.instructions:
            for name, rest in (("app", ["--config-dir", str(config)]), ("hello", [])):
                argv = [sys.executable, APPS, name, "--exit-at-frame", *rest]
                counts[name] = instructions(argv, Path(tmp) / f"callgrind.{name}")
    print(
        f"\nstartup: `tui-chat` in a pty, {args.conversations:,} saved conversations "
        f"(median of {args.runs} runs)"
    )
    print(row("exec -> first frame (prompt and footer drawn)", median(firsts), None))
    print(row("exec -> complete frame (conversation list too)", median(completes), TARGET))
    print(f"  (runs: {', '.join(f'{c * 1000:.0f}' for c in completes)} ms)")
    print(row("Textual hello world, same harness (the floor)", median(floors), None))
    print(f"  (runs: {', '.join(f'{c * 1000:.0f}' for c in floors)} ms)")
    if counts:
        app_count, hello_count = counts["app"], counts["hello"]
        print("  instructions, exec -> complete frame (callgrind; within ~2% run to run):")
        print(
            f"    tui-chat {app_count / 1e9:.3f} G, Textual hello world "
            f"{hello_count / 1e9:.3f} G: {app_count / hello_count:.2f}x the floor"
        )


if __name__ == "__main__":
    main()
