"""The session ends under the app: SIGHUP (the terminal or SSH connection went away),
SIGTERM, SIGQUIT while an answer streams, and kill -9.

The real `tui-chat` runs in a pseudo-terminal this test owns (closing its master end is a
real hang-up: the kernel sends SIGHUP), against the in-repository model server whose
`slow` model sends a word every 0.5 s. Every word shown before the signal must be in the
conversation file, the answer marked stopped, the exit status 128 + the signal's number,
and the terminal given back (alternate screen left) where there still is one.
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import struct
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e.conftest import REPO, upstream, write_settings

from tui_chat.store import ConversationStore, Paths

__all__ = ["upstream"]  # the fixture

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX terminals only")

LEAVE_ALT_SCREEN = b"\x1b[?1049l"
#: Control sequences (colours, cursor moves) between the characters the app draws.
CSI = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]")
#: Cursor moves: the app writes only the cells that change, so what it draws after a
#: move is not next to what it drew before it (words side by side were drawn apart).
MOVE = re.compile(rb"\x1b\[[0-9;]*[HfABCDGd]")


class Terminal:
    """`tui-chat` in a pseudo-terminal of 100x30: what it wrote, and the keys sent to it."""

    def __init__(self, config: Path) -> None:
        self.output = b""
        pid, fd = pty.fork()
        if pid == 0:  # the child: the app, with nothing of the test's environment's size
            env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
            env.update(TERM="xterm-256color", PYTHONPATH=str(REPO))
            os.execve(
                sys.executable,
                [sys.executable, "-m", "tui_chat", "--config-dir", str(config)],
                env,
            )
        import fcntl
        import termios

        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        self.pid, self.fd = pid, fd

    def hang_up(self) -> None:
        """Close the terminal, as when an SSH connection drops: the kernel sends SIGHUP."""
        os.close(self.fd)
        self.fd = -1

    def read(self, seconds: float) -> None:
        if self.fd < 0:
            time.sleep(seconds)
            return
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                try:
                    self.output += os.read(self.fd, 1 << 16)
                except OSError:
                    return  # the app is gone

    def text(self) -> bytes:
        """What the app drew, without its control sequences (a cursor move between two
        runs of characters is a space)."""
        return CSI.sub(b"", MOVE.sub(b" ", self.output))

    def wait_for(self, pattern: bytes, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while pattern not in self.text():
            if time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} never appeared")
            self.read(0.05)

    def wait_words(self, count: int, timeout: float = 20.0) -> None:
        """Until `count` words of the answer were drawn. (Not a text search: the app sends
        the terminal only the cells that change, so a word and the blank after it need
        not arrive together.)"""
        deadline = time.monotonic() + timeout
        while self.words_shown() < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{count} words never appeared")
            self.read(0.05)

    def words_shown(self) -> int:
        return len(set(re.findall(rb"\bs(\d+)\b", self.text())))

    def exit_status(self, timeout: float = 10.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            self.read(0.05)
        os.kill(self.pid, signal.SIGKILL)
        raise AssertionError("tui-chat did not exit")


@pytest.fixture
def terminal(tmp_path: Path, upstream: str) -> Iterator[Terminal]:
    config = tmp_path / "config"
    write_settings(config, upstream, "slow")
    term = Terminal(config)
    term.config = config  # type: ignore[attr-defined]
    yield term
    try:
        os.kill(term.pid, signal.SIGKILL)
        os.waitpid(term.pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
    if term.fd >= 0:
        os.close(term.fd)


def answer_on_disk(config: Path):
    store = ConversationStore(Paths(config))
    summaries, problems = store.list()
    assert problems == []
    [summary] = summaries
    return store.load(summary.id).messages


def streaming_answer(term: Terminal) -> None:
    term.wait_for(b"Type a message")
    os.write(term.fd, b"stay with me\r")
    term.wait_words(5)  # two seconds of answer on screen


@pytest.mark.parametrize(
    ("how", "signum"),
    [("hang-up", signal.SIGHUP), ("SIGHUP", signal.SIGHUP), ("SIGTERM", signal.SIGTERM),
     ("SIGQUIT", signal.SIGQUIT)],
)  # fmt: skip
def test_a_signal_mid_answer_saves_every_word_and_exits_128_plus_n(terminal, how, signum):
    streaming_answer(terminal)
    shown = terminal.words_shown()
    if how == "hang-up":
        terminal.hang_up()
    else:
        os.kill(terminal.pid, signum)
    status = terminal.exit_status()
    assert status == 128 + signum
    user, answer = answer_on_disk(terminal.config)  # type: ignore[attr-defined]
    assert user.content == "stay with me"
    assert answer.status == "stopped"
    assert answer.content.startswith("s0 s1 s2 s3 s4 ")
    assert len(answer.content.split()) >= shown  # every word that was on screen
    conversations = terminal.config / "conversations"  # type: ignore[attr-defined]
    assert not list(conversations.glob("*.journal"))  # folded into the file
    if how != "hang-up":
        assert LEAVE_ALT_SCREEN in terminal.output  # the terminal is given back


def test_kill_9_loses_at_most_half_a_second_and_the_next_start_shows_it_stopped(terminal):
    streaming_answer(terminal)
    terminal.wait_words(7)
    shown = terminal.words_shown()
    os.kill(terminal.pid, signal.SIGKILL)
    assert terminal.exit_status() == -signal.SIGKILL
    config: Path = terminal.config  # type: ignore[attr-defined]
    # The journal is what kept the words: the conversation file was last written when the
    # question was sent.
    assert list((config / "conversations").glob("*.journal"))
    _user, answer = answer_on_disk(config)  # the next reader folds the journal in
    assert answer.status == "stopped"
    # The model sends a word every 0.5 s: at most one word shown may be missing.
    assert len(answer.content.split()) >= shown - 1, (answer.content, shown)
    assert not list((config / "conversations").glob("*.journal"))
    # (The next start showing it stopped, with ctrl+l to continue: test_kill9.py, in tmux.)
