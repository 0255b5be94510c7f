"""Huge conversations, read as their messages are needed.

Parsing all of a 100,000-message conversation (50 MB) took 1.4 s and ~300 MB at its
peak, to show its last screenful. A file of at least `LAZY_BYTES` in the codec's layout
(a blank line before each [[messages]] table, as many tables as `message_count` says) is
read in chunks instead, only to find where each table starts; the header and the newest
`TAIL` messages are parsed at once (the log shows those first; they are checked as a
whole file would be), the others become `LazyMessage`s: a `Message` that reads its id and
role from its table's first lines when they are first asked for, the whole table the
first time another field is, and is a plain `Message` from then on. The file stays open
while such messages live: one replaced meanwhile by another process's save is read as it
was when the conversation was loaded.

Saving a conversation with messages still unread writes their tables as they were read
(codec.encode): saving neither reads them all nor changes them. A table that turns out
unreadable when it is finally read becomes a failed message saying so, and is written
back as it was: nothing is lost.
"""

from __future__ import annotations

import bisect
import os
import re
from itertools import accumulate
from operator import add
from typing import Any, BinaryIO

from tui_chat.store.conversations import Conversation, Message

#: Files at least this big are read lazily (~8,000 messages).
LAZY_BYTES = 4 * 1024 * 1024
#: The newest messages parsed at once.
TAIL = 300
_CHUNK = 1 << 20
#: Bytes kept from one chunk to the next: longer than anything searched for.
_OVERLAP = 64

_HEADER = b"\n\n[[messages]]\n"
# A table's first lines as the codec writes them.
_HEAD = re.compile(
    rb'\[\[messages\]\]\nid = "([^"\\\n]{1,100})"\nrole = "(user|assistant|system)"\n'
)
_HEAD_BYTES = 160
_ROLES = {b"user": "user", b"assistant": "assistant", b"system": "system"}
_STREAMING = b'\nstatus = "streaming"\n'

# Using one of these reads the table; the id and the role only its first lines (code
# looking for the last question goes through every message's role).
_READS = frozenset(
    ("content", "created", "provider", "model", "reasoning", "usage", "finish_reason",
     "status", "error", "attachments", "variants", "variant", "media", "__dict__")
)  # fmt: skip
_FIRST_LINES = frozenset(("id", "role"))


class _Source:
    """The open file unread messages are read from."""

    __slots__ = ("conversation_id", "created", "file", "path", "schema", "settle", "starts")

    def __init__(
        self, file: BinaryIO, path: str, conversation_id: str, created: Any,
        settle: bool, starts: list[int], schema: int = 1,
    ) -> None:  # fmt: skip
        self.file = file
        self.path = path
        self.conversation_id = conversation_id
        self.created = created
        self.settle = settle
        # Where each table starts (its "[[messages]]" line), then the end of the file.
        self.starts = starts
        # The file's schema: its unread tables are written back as they are, so a save
        # keeps it (encode.schema_for).
        self.schema = schema

    def __del__(self) -> None:
        file = getattr(self, "file", None)
        if file is not None:
            file.close()

    def tables(self, first: int, last: int) -> str:
        """Tables `first` to `last` (inclusive) as the codec writes them in a file
        (each after a newline, a blank line between two)."""
        start, end = self.starts[first], self.starts[last + 1]
        raw = os.pread(self.file.fileno(), end - start, start)
        return "\n" + raw.rstrip(b"\n").decode("utf-8", "surrogateescape")

    def first_lines(self, position: int) -> tuple[str, str] | None:
        """The id and the role of table `position`, from its first lines."""
        start = self.starts[position]
        size = min(_HEAD_BYTES, self.starts[position + 1] - start)
        found = _HEAD.match(os.pread(self.file.fileno(), size, start))
        if found is None:
            return None
        return found.group(1).decode("utf-8", "surrogateescape"), _ROLES[found.group(2)]


class LazyMessage(Message):
    """A message of a huge conversation, its table read when first needed."""

    def __getattribute__(self, name: str) -> Any:
        if name in _READS:
            _read(self)
        elif name in _FIRST_LINES:
            _read_first_lines(self)
        return object.__getattribute__(self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        _read(self)
        object.__setattr__(self, name, value)

    def __eq__(self, other: object) -> bool:
        _read(self)
        return self == other

    __hash__ = None  # type: ignore[assignment]  (as Message's)


def unread_at(message: Message) -> tuple[_Source, int] | None:
    """Where a message's table is in its file, while it has not been read."""
    if type(message) is not LazyMessage:
        return None
    state = object.__getattribute__(message, "__dict__")
    return state["_source"], state["_position"]


def _read_first_lines(message: LazyMessage) -> None:
    state = object.__getattribute__(message, "__dict__")
    if "id" in state:
        return
    try:
        first = state["_source"].first_lines(state["_position"])
    except OSError:
        first = None
    if first is None:
        _read(message)  # not as the codec writes it: the whole table says
    else:
        state["id"], state["role"] = first


def _read(message: Message) -> None:
    """Read the table into the message, which then becomes a plain Message."""
    if type(message) is not LazyMessage:
        return
    state = object.__getattribute__(message, "__dict__")
    source = state.pop("_source")
    position = state.pop("_position")
    known = state.get("id")
    state.update(_fields(source, position))
    if known is not None:
        state["id"] = known  # (the same, unless the table could not be read)
    object.__setattr__(message, "__class__", Message)


def _fields(source: _Source, position: int) -> dict[str, Any]:
    from tui_chat.store.codec import _message
    from tui_chat.store.fast_toml import fast_document
    from tui_chat.store.tomlread import SchemaError, parse_toml

    table = ""
    try:
        table = source.tables(position, position)
        parsed = fast_document(table)
        if parsed is None:  # not as the codec writes it (a hand edit): TOML still
            parsed, reason, _line = parse_toml(table)
            if parsed is None:
                raise ValueError(reason)
        if len(parsed.get("messages", ())) != 1 or len(parsed) != 1:
            raise ValueError("it is not one [[messages]] table")
        header = Conversation(id=source.conversation_id, created=source.created)
        message = _message(parsed["messages"][0], position, header)
    except (OSError, ValueError, SchemaError) as exc:
        # Shown as a failed message, and written back as it was (codec.encode).
        from tui_chat.store.codec import stable_message_id

        try:
            first = source.first_lines(position)
        except OSError:
            first = None
        return {
            **vars(Message("system", "")),
            "id": first[0] if first else stable_message_id(source.conversation_id, position, ""),
            "content": f"(Message {position + 1} could not be read from {source.path}: "
            f"{exc}. It is kept in the file as it is.)",
            "status": "failed",
            "error": str(exc),
            UNREADABLE: table,
        }
    if source.settle and message.status == "streaming":
        message.status = "stopped"
    return vars(message)


#: Where a message read from the file but not understood keeps its table, as it was.
UNREADABLE = "_unreadable_table"


# --- loading -----------------------------------------------------------------------------


def scan(file: BinaryIO) -> tuple[list[int], list[int], int]:
    """Where each table starts (its "[[messages]]" line), where a status says
    "streaming", and the file's size, from the file read in chunks."""
    starts: list[int] = []
    streaming: list[int] = []
    carry = b""
    base = 0  # where `carry` starts in the file
    done = 0  # where in `data` the tables not found yet can start
    while True:
        chunk = file.read(_CHUNK)
        data = carry + chunk
        pieces = data[done:].split(_HEADER)
        if len(pieces) > 1:
            # Header k starts after the pieces before it and k headers; its table two
            # bytes in (after the blank line).
            ends = accumulate(map(len, pieces[:-1]))
            first = base + done + 2
            steps = range(first, first + len(_HEADER) * (len(pieces) - 1), len(_HEADER))
            found = list(map(add, ends, steps))
            starts.extend(found)
            done = found[-1] - base
        if data.count(_STREAMING) > carry.count(_STREAMING):
            seen = streaming[-1] - base if streaming else -1
            at = data.find(_STREAMING)
            while at >= 0:
                if at > seen:
                    streaming.append(base + at)
                at = data.find(_STREAMING, at + 1)
        if not chunk:
            return starts, streaming, base + len(data)
        keep = max(0, len(data) - _OVERLAP)
        base += keep
        carry = data[keep:]
        done = max(0, done - keep)


def load(
    file: BinaryIO, path: str, conversation_id: str, settle_streaming: bool
) -> Conversation | None:
    """The conversation in `file` (open, at its start), its older messages unread; None
    when the file is not in the codec's layout or anything in it is unexpected (the
    caller then parses it whole, which also words what is wrong with it)."""
    from tui_chat.store.codec import NewerSchema, decode
    from tui_chat.store.fast_toml import fast_document
    from tui_chat.store.tomlread import SchemaError

    starts, streaming, size = scan(file)
    if len(starts) <= TAIL:
        return None
    file.seek(0)
    header = fast_document(file.read(starts[0]).decode("utf-8", "replace"))
    tail_from = len(starts) - TAIL
    file.seek(starts[tail_from])
    tail = file.read(size - starts[tail_from])
    parsed_tail = fast_document(tail.decode("utf-8", "replace"))
    if (
        header is None
        or "messages" in header
        or header.get("message_count") != len(starts)
        or parsed_tail is None
        or len(parsed_tail) != 1
        or not tail.endswith(b"\n")
    ):
        return None
    try:
        # The header and the newest messages checked as a whole file's would be.
        conversation = decode({**header, **parsed_tail}, conversation_id, settle_streaming)
    except (SchemaError, NewerSchema):
        return None
    source = _Source(
        file, path, conversation_id, conversation.created, settle_streaming, [*starts, size],
        header.get("schema", 1),
    )  # fmt: skip
    new, set_ = object.__new__, object.__setattr__
    messages: list[Message] = []
    append = messages.append
    for position in range(tail_from):
        message = new(LazyMessage)
        set_(message, "_source", source)
        set_(message, "_position", position)
        append(message)
    # Saved while streaming (a crash long ago): settled now, as a whole load would.
    for offset in streaming:
        position = bisect.bisect_right(starts, offset) - 1
        if 0 <= position < tail_from:
            _read(messages[position])
    conversation.messages = messages + conversation.messages
    return conversation
