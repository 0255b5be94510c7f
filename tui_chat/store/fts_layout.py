"""A conversation file's [[messages]] tables read as the codec lays them out, for the index."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from json.decoder import scanstring

from tui_chat.store.codec import NewerSchema, Unreadable, parse_conversation
from tui_chat.store.conversations import all_messages

_BLOCK = b"\n[[messages]]\n"
_CONTENT = b"\ncontent = "
_NO_ESCAPE_JSON_ONLY = re.compile(r"\\(?:/|u[dD][89a-fA-F])")
_CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")


def _string(value: bytes) -> str | None:
    """A basic string exactly as the codec writes it, or None."""
    if (
        value[:1] == b'"' and value[-1:] == b'"' and len(value) > 1
        and b"\\" not in value and b'"' not in value[1:-1] and not _CONTROL.search(value)
    ):  # fmt: skip
        try:
            return value[1:-1].decode("utf-8")  # nothing escaped: the text itself
        except UnicodeDecodeError:
            return None
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if text[:1] != '"' or "\x7f" in text:
        return None
    try:
        parsed, end = scanstring(text, 1, True)
    except ValueError:
        return None
    if end != len(text) or ("\\" in text and _NO_ESCAPE_JSON_ONLY.search(text)):
        return None
    return parsed


#: The start of a multi-line string, which could hold a line that looks like a header.
MULTI_LINE = re.compile(rb"""=[ \t]*(?:\"\"\"|''')""")


def _layout(raw: bytes) -> list[int] | None:
    """Where each [[messages]] table starts, and the end of the file; None when the file
    may not be in the codec's layout."""
    if MULTI_LINE.search(raw):
        return None
    starts = []
    at = raw.find(_BLOCK)
    while at >= 0:
        starts.append(at + 1)
        at = raw.find(_BLOCK, at + 1)
    starts.append(len(raw))
    return starts


# Lines that open a table: in the codec's layout (single-line strings) only headers do.
_HEADER_LINE = re.compile(rb"^\[.*$", re.MULTILINE)
_VARIANT_HEADER = re.compile(rb"\[\[messages(?:\.variants\.messages)*\.variants(?:\.messages)?\]\]")
_CONTENT_LINE = re.compile(rb"^content = (.*)$", re.MULTILINE)


def content_of(block: bytes) -> str | None:
    """The text of one [[messages]] table as the codec writes it, or None. A message
    with answer variants is searched with theirs: its text, then each variant's."""
    at = block.find(_CONTENT)
    if at < 0:
        return None
    if block.find(b"\n[", 1) < 0:
        start = at + len(_CONTENT)
        end = block.find(b"\n", start)
        return _string(block[start : end if end >= 0 else len(block)])
    if not all(_VARIANT_HEADER.fullmatch(h) for h in _HEADER_LINE.findall(block)[1:]):
        return None
    texts = [_string(value) for value in _CONTENT_LINE.findall(block)]
    if any(text is None for text in texts):
        return None
    return "\n\n".join(texts)  # type: ignore[arg-type]


# The lines of a [[messages]] table a result shows (each on one line in a file in the
# codec's layout, which is what the index reads this way).
_FIELD_LINES = re.compile(rb"^(id|role|provider|model|content) = (.*)$", re.MULTILINE)


def _fields_of(block: bytes) -> dict[str, str] | None:
    """The fields a result shows from one [[messages]] table, or None when it is not in
    the codec's layout."""
    if not block.startswith(b"[[messages]]\n"):
        return None
    found: dict[str, str] = {}
    own = block.find(b"\n[", 1)  # the message's own keys end where its variants begin
    for key, value in _FIELD_LINES.findall(block[: own if own >= 0 else len(block)]):
        text = _string(value)
        if text is None:
            return None
        found[key.decode("ascii")] = text
    if own >= 0:
        content = content_of(block)
        if content is None:
            return None
        found["content"] = content
    # (A file of schema 0 has no message ids: the codec makes them, so it is parsed.)
    return found if {"content", "id", "role"} <= found.keys() else None


def read_fields(fd: int, starts: Sequence[int], position: int) -> dict[str, str] | None:
    """The fields a result shows of the message at `position` of an open file whose tables
    start at `starts`; None when it cannot be read so."""
    if position + 1 >= len(starts):
        return None
    start = starts[position]
    try:
        block = os.pread(fd, starts[position + 1] - start, start)
    except OSError:
        return None
    return _fields_of(block)


def contents_of(raw: bytes, conversation_id: str) -> tuple[list[str], list[int] | None]:
    """A conversation file's messages' texts, and where their tables start when the file
    is in the codec's layout (None otherwise)."""
    starts = _layout(raw)
    if starts is not None:
        contents = []
        for i in range(len(starts) - 1):
            content = content_of(raw[starts[i] : starts[i + 1]])
            if content is None:
                starts = None
                break
            contents.append(content)
        if starts is not None:
            return contents, starts
    try:
        conversation = parse_conversation(raw, conversation_id, settle_streaming=False)
    except (Unreadable, NewerSchema):
        # Its messages cannot be searched (list() reports a broken file); its title can.
        return [], None
    return ["\n\n".join(x.content for x in all_messages([m])) for m in conversation.messages], None
