"""The session ends under the app: SIGHUP (the terminal or SSH connection went away),
SIGTERM, SIGQUIT while an answer streams, and kill -9.

The real `tui-chat` runs in a pseudo-terminal this test owns (closing its master end is a
real hang-up: the kernel sends SIGHUP), against the in-repository model server whose
`slow` model sends a word every 0.5 s. Every word shown before the signal must be in the
conversation file, the answer marked stopped, the exit status 128 + the signal's number,
and the terminal given back (alternate screen left) where there still is one.
"""

from __future__ import annotations

import contextlib
import os
import pty
import re
import select
import signal
import struct
import sys
import time
from collections.abc import Callable, Iterator
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
def start_terminal(tmp_path: Path, upstream: str) -> Iterator[Callable[[str], Terminal]]:
    """Start `tui-chat` talking to one model of the upstream server; killed at the end."""
    started: list[Terminal] = []

    def start(model: str) -> Terminal:
        config = tmp_path / "config"
        write_settings(config, upstream, model)
        term = Terminal(config)
        term.config = config  # type: ignore[attr-defined]
        started.append(term)
        return term

    yield start
    for term in started:
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(term.pid, signal.SIGKILL)
            os.waitpid(term.pid, 0)
        if term.fd >= 0:
            os.close(term.fd)


@pytest.fixture
def terminal(start_terminal: Callable[[str], Terminal]) -> Terminal:
    return start_terminal("slow")


def answer_on_disk(config: Path):
    store = ConversationStore(Paths(config))
    summaries, problems = store.list()
    assert problems == []
    [summary] = summaries
    return store.load(summary.id).messages


def messages_on_disk(term: Terminal, count: int, timeout: float = 20.0) -> list:
    """The conversation's messages once the file holds `count` of them (or at `timeout`)."""
    store = ConversationStore(Paths(term.config))  # type: ignore[attr-defined]
    deadline = time.monotonic() + timeout
    while True:
        term.read(0.1)
        summaries, _ = store.list()
        messages = store.load(summaries[0].id).messages if summaries else []
        if len(messages) >= count or time.monotonic() > deadline:
            return messages


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


def test_sigcont_while_running_changes_nothing(start_terminal) -> None:
    """SIGCONT comes without a stop before it: bash and sshd send it with SIGHUP, anyone
    may send it. Textual took every SIGCONT for the end of a suspend and started the
    terminal again (a second input and output thread), from inside whatever the main
    thread was doing; in the middle of a frame's write that deadlocked the app (found as
    a process left spinning at 76 % of a core after its terminal was gone). Signals sent
    while a long answer is drawn: the answer completes, keys are echoed once, ctrl+q
    leaves with the terminal given back."""
    term = start_terminal("long-30000")
    term.wait_for(b"Type a message")
    os.write(term.fd, b"go\r")
    term.wait_for(b"streaming")
    for _ in range(300):  # spread over the answer's frames
        os.kill(term.pid, signal.SIGCONT)
        term.read(0.01)
    term.wait_for(b"30000 out tokens", timeout=60)
    # Keys typed after the signals arrive once each: the question sent lands on disk
    # as typed. (On screen each key may be drawn in a frame of its own, apart.)
    os.write(term.fd, b"abcxyz\r")
    messages = messages_on_disk(term, 3)
    assert [m.content for m in messages[:3]][::2] == ["go", "abcxyz"], messages[:3]
    os.write(term.fd, b"\x11")  # ctrl+q
    assert term.exit_status() == 0
    assert LEAVE_ALT_SCREEN in term.output


def test_a_hang_up_with_sigcont_after_it_still_saves_and_exits(terminal) -> None:
    """A terminal going away sends its session SIGHUP and SIGCONT (the kernel does, and
    a shell to its jobs): one more of each, at once, changes nothing."""
    streaming_answer(terminal)
    shown = terminal.words_shown()
    terminal.hang_up()
    os.kill(terminal.pid, signal.SIGHUP)
    os.kill(terminal.pid, signal.SIGCONT)
    assert terminal.exit_status() == 128 + signal.SIGHUP
    _user, answer = answer_on_disk(terminal.config)  # type: ignore[attr-defined]
    assert answer.status == "stopped"
    assert len(answer.content.split()) >= shown


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.2])
def test_the_terminal_gone_while_quitting_still_exits(terminal, delay: float) -> None:
    """ctrl+q, and the terminal closed while the app leaves (a tmux session or SSH window
    closed right after): the app exits, whatever it was doing then. (A process was left
    behind, its main thread waiting forever on a writer thread that had stopped.)"""
    streaming_answer(terminal)
    os.write(terminal.fd, b"\x11")  # ctrl+q
    time.sleep(delay)
    terminal.hang_up()
    assert terminal.exit_status() in (0, 128 + signal.SIGHUP)
    _user, answer = answer_on_disk(terminal.config)  # type: ignore[attr-defined]
    assert answer.status == "stopped"


def test_a_suspend_and_resume_still_give_the_terminal_back_and_take_it_again(terminal):
    """SIGTSTP (a job stopped from outside) leaves the alternate screen and stops the app;
    SIGCONT after it comes back: the screen drawn again, keys echoed, the answer going on."""
    streaming_answer(terminal)
    terminal.output = b""
    os.kill(terminal.pid, signal.SIGTSTP)
    deadline = time.monotonic() + 10
    while LEAVE_ALT_SCREEN not in terminal.output and time.monotonic() < deadline:
        terminal.read(0.05)
    assert LEAVE_ALT_SCREEN in terminal.output  # the terminal given back
    _, status = os.waitpid(terminal.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status)
    terminal.output = b""
    os.kill(terminal.pid, signal.SIGCONT)
    terminal.wait_for(b"Type a message")  # the whole screen drawn again
    before = terminal.words_shown()
    terminal.read(1.5)
    assert terminal.words_shown() > before  # the answer goes on
    # Keys reach the app: typed, the answer stopped (Esc), sent. (On screen each key may
    # be drawn in a frame of its own, between the answer's.)
    os.write(terminal.fd, b"back again")
    terminal.read(0.5)
    os.write(terminal.fd, b"\x1b")
    terminal.read(0.5)
    os.write(terminal.fd, b"\r")
    messages = messages_on_disk(terminal, 3)
    assert [m.content for m in messages[::2]][:2] == ["stay with me", "back again"], messages
