"""ui/graphics.py: which way images are drawn, asked of a terminal (a pty here) once,
before Textual starts; a late answer is read to its end, never left for the prompt."""

from __future__ import annotations

import os
import threading
import time

from tui_chat.chat import MEDIA, TEXT, AnswerRecorder
from tui_chat.providers.events import MediaResponse
from tui_chat.store import Message
from tui_chat.ui.graphics import choose, parse_replies, query_terminal


def test_choose_from_the_setting_and_tmux() -> None:
    assert choose("off", {}) == "off"
    assert choose("sixel", {"TMUX": "/tmp/x"}) == "sixel"  # the user's word wins
    assert choose("auto", {"TMUX": "/tmp/tmux-0/default,1,0"}) == "halfcell"
    assert choose("auto", {"TERM": "screen-256color"}) == "halfcell"
    assert choose("auto", {"TERM": "xterm-kitty"}) is None  # ask the terminal


def test_replies() -> None:
    assert parse_replies(b"\x1b_Gi=31;OK\x1b\\\x1b[?62;c") == "kitty"
    assert parse_replies(b"\x1b[?62;4;22c") == "sixel"
    assert parse_replies(b"\x1b[?62;22c") == "halfcell"
    assert parse_replies(b"") == "halfcell"


def terminal(reply: bytes, delay: float) -> tuple[int, int, threading.Thread]:
    """A pty whose far end answers the queries with `reply` after `delay` seconds."""
    master, slave = os.openpty()

    def answer() -> None:
        os.read(master, 1024)
        time.sleep(delay)
        os.write(master, reply)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    return master, slave, thread


def test_a_terminal_that_answers_at_once() -> None:
    master, slave, thread = terminal(b"\x1b[?62;4;22c", 0.0)
    with os.fdopen(slave, "rb", buffering=0, closefd=False) as end:
        assert query_terminal(end, end) == "sixel"
    thread.join()
    os.close(master)
    os.close(slave)


def test_a_late_answer_means_half_cell_and_leaves_nothing_to_read() -> None:
    master, slave, thread = terminal(b"\x1b_Gi=31;OK\x1b\\\x1b[?62;4c", 0.5)
    with os.fdopen(slave, "rb", buffering=0, closefd=False) as end:
        started = time.monotonic()
        assert query_terminal(end, end, timeout=0.2, drain=2.0) == "halfcell"
        assert time.monotonic() - started < 1.5
    thread.join()
    # Nothing of the answer is left for the app's input to read as typed text.
    import select

    assert select.select([slave], [], [], 0.2)[0] == []
    os.close(master)
    os.close(slave)


def test_the_recorder_keeps_images_out_of_the_text() -> None:
    recorder = AnswerRecorder(Message("assistant", ""))
    assert recorder.feed("Here: ") == TEXT
    uri = "data:image/png;base64,iVBORw0KGgo="
    assert recorder.feed(MediaResponse((uri, "/media/a.png"), "a cat")) == MEDIA
    message = recorder.finish()
    assert message.content == "Here: "
    assert [(m.source, m.alt, m.pending) for m in message.media] == [
        ("data:", "a cat", True),
        ("/media/a.png", "a cat", True),
    ]
    assert [url for _m, url in recorder.media_sources] == [uri, "/media/a.png"]
