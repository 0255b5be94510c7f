"""Start-up of the real `tui-chat` process, with 2,000 saved conversations.

    python bench/startup.py [--conversations 2000] [--runs 5] [--profile FILE]

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
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import random
import re
import select
import shutil
import signal
import struct
import sys
import tempfile
import termios
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import median, row, write_settings
from _servers import start_server

TARGET = 0.35
NEWEST = "Newest bench conversation"
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1bP[^\x1b]*\x1b\\|\x1b[@-Z\\-_]"
)


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
            Message(role="user" if k % 2 == 0 else "assistant",
                    content=f"Message {k} about **topic {i}**.\n\n```python\nx = {k}\n```\n",
                    created=when + timedelta(seconds=k))
            for k in range(n)
        ]
        title = NEWEST if i == count - 1 else f"Conversation {i} about topic {rng.randrange(999)}"
        c = Conversation(title=title, created=when, updated=when + timedelta(seconds=n),
                         provider="bench", model="m", messages=messages)
        (paths.conversations_dir / f"{c.id}.toml").write_bytes(encode(c))
    ConversationStore(paths).list()  # leaves the index, as a previous session would


def run_once(
    exe: str, config: Path, timeout: float = 20.0, profile: str = ""
) -> tuple[float, float]:
    """(seconds to the first frame, seconds to the complete frame) of one start."""
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="120", LINES="40")
    env.pop("TUI_CHAT_CONFIG_DIR", None)
    # The warm-up run must be able to write the .pyc files, as an installed app's are
    # there; with PYTHONDONTWRITEBYTECODE inherited every run compiled tui_chat again.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    t0 = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        argv = [exe, "--config-dir", str(config)]
        if profile:  # pyinstrument runs the same script and writes its report there
            argv = [sys.executable, "-m", "pyinstrument", "--show-all", "-i", "0.0005",
                    "-o", profile, *argv]
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
            seen += _ESCAPES.sub("", data.decode("utf-8", "replace"))
            if not first and "Type a message" in seen and "Quit" in seen:
                first = now - t0
            if first and NEWEST in seen:
                complete = now - t0
                break
        else:
            raise SystemExit(f"no complete frame within {timeout} s; saw: {seen[-400:]!r}")
        os.write(fd, b"\x11")  # ctrl+q
        deadline = time.perf_counter() + 5
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", metavar="FILE", default="",
                        help="one more run under pyinstrument, its report written to FILE")
    args = parser.parse_args()
    exe = shutil.which("tui-chat", path=str(Path(sys.executable).parent)) or shutil.which(
        "tui-chat"
    )
    if exe is None:
        raise SystemExit("tui-chat is not installed in this environment")
    with start_server() as server, tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        config = Path(tmp) / "config"
        write_settings(config, server.url, "m")
        populate(config, args.conversations)
        run_once(exe, config)  # warm the OS file cache and the .pyc files
        firsts, completes = [], []
        for _ in range(args.runs):
            first, complete = run_once(exe, config)
            firsts.append(first)
            completes.append(complete)
        if args.profile:
            run_once(exe, config, 60, args.profile)
            print(f"profile of one start (until ctrl+q): {args.profile}")
    print(f"\nstartup: `tui-chat` in a pty, {args.conversations:,} saved conversations "
          f"(median of {args.runs} runs)")
    print(row("exec -> first frame (prompt and footer drawn)", median(firsts), None))
    print(row("exec -> complete frame (conversation list too)", median(completes), TARGET))
    print(f"  (runs: {', '.join(f'{c * 1000:.0f}' for c in completes)} ms)")


if __name__ == "__main__":
    main()
