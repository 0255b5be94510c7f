"""What reaches a terminal: model text neutralized there, untouched on a pipe."""

from __future__ import annotations

import io

from tui_chat.commands.terminal import TextOut, neutralize, one_line


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_neutralize_keeps_newlines_and_tabs_only() -> None:
    assert neutralize("a\tb\nc\x1b[2Jd\x07\x7f\x9b") == "a\tb\nc␛[2Jd␇␡\ufffd"
    assert neutralize("one\r\ntwo\rthree") == "one\ntwo␍three"


def test_a_terminal_gets_neutralized_text_and_a_split_crlf_is_one_newline() -> None:
    stream = FakeTTY()
    out = TextOut(stream)
    for piece in ("red \x1b[31m", "x\r", "\nnext"):
        out.write(piece)
    out.end_line()
    assert stream.getvalue() == "red ␛[31mx\nnext\n"


def test_a_pipe_gets_the_text_as_received() -> None:
    stream = io.StringIO()
    out = TextOut(stream, dim=True)
    out.write("a\x1b[1mb\r")
    out.end_line()
    assert stream.getvalue() == "a\x1b[1mb\r\n"


def test_dim_only_on_a_terminal_and_no_newline_added_after_one() -> None:
    stream = FakeTTY()
    out = TextOut(stream, dim=True)
    out.write("think\n")
    out.end_line()
    assert stream.getvalue() == "\x1b[2mthink\n\x1b[22m"


def test_messages_stay_on_one_line() -> None:
    assert one_line("bad\nthing \x1b[31m\r\n  here") == "bad thing ␛[31m here"
