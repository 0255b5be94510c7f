"""The stream parser: line splitting (`LineSplitter`) and SSE/NDJSON framing (`EventFramer`)."""

from __future__ import annotations

import time

import pytest

from tui_chat.providers.errors import BadResponseError
from tui_chat.providers.http import EventFramer, LineSplitter, StreamItem

from .testkit import split_bytes


def lines_of(parts: list[bytes], **kwargs: int) -> list[str]:
    """The lines of a stream read in `parts`, as a provider sees them."""
    splitter = LineSplitter(**kwargs)
    lines = [line for part in parts for line in splitter.feed(part)]
    return lines + splitter.close()


def items_of(lines: list[str]) -> list[StreamItem]:
    """Fed one line at a time and all at once (reads of any size), then the stream ends:
    both ways give the same payloads."""
    framer = EventFramer()
    one_by_one = [item for line in lines for item in framer.feed([line])] + framer.close()
    framer = EventFramer()
    at_once = framer.feed(lines) + framer.close()
    assert at_once == one_by_one
    return one_by_one


BODY = 'data: {"a": 1}\n\nevent: x\ndata: é€😀\n\n{"bare": true}\nlast'
LINES = ['data: {"a": 1}', "", "event: x", "data: é€😀", "", '{"bare": true}', "last"]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("size", [1, 2, 3, 7, 10_000], ids=lambda n: f"reads-of-{n}")
def test_lines_any_line_end_any_read_size(newline: str, size: int) -> None:
    body = BODY.replace("\n", newline).encode()
    assert lines_of(split_bytes(body, size)) == LINES


def test_crlf_split_between_reads_is_one_line_end() -> None:
    assert lines_of([b"a\r", b"\nb\r", b"\n", b"\r\n", b"c"]) == ["a", "b", "", "c"]


def test_cr_then_cr_is_an_empty_line() -> None:
    assert lines_of([b"a\r", b"\r", b"b\r"]) == ["a", "", "b"]


def test_mixed_line_ends_in_one_read() -> None:
    assert lines_of([b"a\nb\r\nc\rd\n\n"]) == ["a", "b", "c", "d", ""]


def test_multibyte_character_split_across_reads() -> None:
    data = "ü€😀\n".encode()
    assert lines_of(split_bytes(data, 1)) == ["ü€😀"]


def test_invalid_utf8_becomes_replacement_characters() -> None:
    assert lines_of([b"ok \xff\xfe bad\n", b"\xc3(\n"]) == ["ok \ufffd\ufffd bad", "\ufffd("]


def test_empty_reads_are_ignored() -> None:
    assert lines_of([b"", b"a", b"", b"\n", b""]) == ["a"]


def test_line_of_several_megabytes_in_small_reads_is_linear() -> None:
    line = b"x" * (5 * 1024 * 1024)
    started = time.monotonic()
    result = lines_of([*split_bytes(line, 4096), b"\nnext\n"])
    assert time.monotonic() - started < 5
    assert [len(text) for text in result] == [len(line), 4]
    assert result[1] == "next"


def test_line_longer_than_the_limit_is_refused() -> None:
    with pytest.raises(BadResponseError, match="single line longer than 1 MB"):
        lines_of(split_bytes(b"y" * (2 * 1024 * 1024), 65536), max_line=1024 * 1024)


def test_sse_events_bare_lines_comments_and_fields() -> None:
    lines = [
        ": keep-alive comment",
        "event: content",
        'data: {"type": "content"}',
        "id: 7",
        "retry: 1000",
        "",
        "",  # extra blank lines dispatch nothing
        'data:{"no": "space"}',
        "",
        "data: first",
        "data: second",
        "",
        '{"type": "bare"}',
        "event: lonely",  # an event name with no data sends nothing
        "",
        "data: at eof",
    ]
    assert items_of(lines) == [
        StreamItem('{"type": "content"}', "content"),
        StreamItem('{"no": "space"}'),
        StreamItem("first\nsecond"),
        StreamItem('{"type": "bare"}'),
        StreamItem("at eof"),
    ]


def test_bare_line_while_an_event_is_open_ends_that_event() -> None:
    lines = ["event: a", "data: 1", '{"type": "bare"}', "data: 2", ""]
    assert items_of(lines) == [
        StreamItem("1", "a"),
        StreamItem('{"type": "bare"}'),
        StreamItem("2"),
    ]


def test_data_value_keeps_everything_after_one_space() -> None:
    assert items_of(["data:  two spaces", "", "data: a: b", ""]) == [
        StreamItem(" two spaces"),
        StreamItem("a: b"),
    ]
