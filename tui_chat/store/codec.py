"""Conversation <-> TOML, header-only reads, and upgrades from older schemas.

File layout (schema 1), header keys first so a reader can stop at the first
`[[messages]]` line and still know the title, times and message count:

    schema = 1
    id = "…"
    title = "…"
    created = 2026-01-01T10:00:00.123456+00:00
    updated = …
    provider = "…"
    model = "…"
    system_prompt = "…"
    message_count = 2
    parameters = { temperature = 0.7 }
    backend_state = { … }
    provider_state = { "g4f via Alpha" = { … }, … }

    [[messages]]
    id = "…"
    role = "user"
    created = …
    status = "complete"
    content = "…"
    # only when set: provider, model, reasoning, usage = { … }, finish_reason,
    # error, attachments = [{ path = "…", mime_type = "…", size = 1, sha256 = "…" }]

Files from before `provider_state` kept one state in `backend_state`; it is read as the
state of the conversation's provider (and `backend_state` is kept as it was).

Schema 0 (files from before versioning) had no `schema` key, no message
ids, no message status, and a message time as `time` (epoch seconds or a
datetime) instead of `created`; upgrade() turns it into schema 1.
"""

from __future__ import annotations

import re
import weakref
from datetime import UTC, datetime
from functools import partial
from json.decoder import scanstring
from typing import Any

from tui_chat.store import lazy
from tui_chat.store import validate as v
from tui_chat.store.conversations import (
    ROLES,
    SCHEMA_VERSION,
    STATUSES,
    Attachment,
    Conversation,
    Message,
    provider_state_key,
)
from tui_chat.store.tomlread import SchemaError, decode_utf8, find_line, parse_toml
from tui_chat.store.tomlwrite import sanitize_surrogates, toml_datetime, toml_string, toml_value

# A line that opens the messages array; our writer puts nothing but this on it.
MESSAGES_HEADER = re.compile(rb"^[ \t]*\[\[[ \t]*messages[ \t]*\]\]", re.MULTILINE)


class NewerSchema(Exception):
    """The file was written by a newer tui-chat; it is fine, we just cannot read it."""

    def __init__(self, version: int) -> None:
        super().__init__(version)
        self.version = version


# --- writing -------------------------------------------------------------------------


def _drop_none(value: Any) -> Any:
    """TOML has no null; backends may send them, and absence means the same thing."""
    if isinstance(value, dict):
        return {str(k): _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_drop_none(item) for item in value if item is not None]
    return value


def _message_lines(m: Message, out: list[str]) -> None:
    out.append("\n[[messages]]")
    out.append(f"id = {toml_string(m.id)}")
    out.append(f"role = {toml_string(m.role)}")
    out.append(f"created = {toml_datetime(m.created)}")
    out.append(f"status = {toml_string(m.status)}")
    out.append(f"content = {toml_string(m.content)}")
    # Empty optional fields are left out: smaller files, faster saves, same meaning.
    if m.provider:
        out.append(f"provider = {toml_string(m.provider)}")
    if m.model:
        out.append(f"model = {toml_string(m.model)}")
    if m.reasoning:
        out.append(f"reasoning = {toml_string(m.reasoning)}")
    if m.usage:
        out.append(f"usage = {toml_value(m.usage)}")
    if m.finish_reason:
        out.append(f"finish_reason = {toml_string(m.finish_reason)}")
    if m.error:
        out.append(f"error = {toml_string(m.error)}")
    if m.attachments:
        items = ", ".join(
            toml_value(
                {"path": a.path, "mime_type": a.mime_type, "size": a.size, "sha256": a.sha256}
            )
            for a in m.attachments
        )
        out.append(f"attachments = [{items}]")


def _message_key(m: Message) -> tuple[object, ...]:
    """Everything of a message `_message_lines` writes; the mutable parts copied."""
    return (
        m.id, m.role, m.created, m.status, m.content, m.provider, m.model, m.reasoning,
        tuple(m.usage.items()), m.finish_reason, m.error,
        tuple((a.path, a.mime_type, a.size, a.sha256) for a in m.attachments),
    )  # fmt: skip


# Each message's [[messages]] table as last encoded, by the message object, reused while
# the message is unchanged: a conversation is saved every 2 s while an answer streams,
# and encoding all its messages again took ~20 ms for 1,000, of which only the answer
# being streamed had changed. Entries go when their message does (a weak reference).
_encoded: dict[int, tuple[weakref.ref[Message], tuple[object, ...], str]] = {}


def _forget(key: int, ref: weakref.ref[Message]) -> None:
    entry = _encoded.get(key)
    if entry is not None and entry[0] is ref:  # not a newer message that got the same id()
        del _encoded[key]


def _message_toml(m: Message) -> str:
    key = _message_key(m)
    entry = _encoded.get(id(m))
    if entry is not None and entry[0]() is m and entry[1] == key:
        return entry[2]
    lines: list[str] = []
    _message_lines(m, lines)
    text = "\n".join(lines)
    _encoded[id(m)] = (weakref.ref(m, partial(_forget, id(m))), key, text)
    return text


def _messages_toml(messages: list[Message]) -> list[str]:
    """Each message's table; those of a huge conversation not read yet (lazy.py) as they
    are in its file, a run of them read at once."""
    out: list[str] = []
    run: tuple[object, int, int] | None = None  # (source, first, last) of unread ones
    for m in messages:
        unread = lazy.unread_at(m)
        if unread is not None:
            source, position = unread
            if run is not None and run[0] is source and run[2] == position - 1:
                run = (source, run[1], position)
                continue
            if run is not None:
                out.append(run[0].tables(run[1], run[2]))  # type: ignore[attr-defined]
            run = (source, position, position)
            continue
        if run is not None:
            out.append(run[0].tables(run[1], run[2]))  # type: ignore[attr-defined]
            run = None
        kept = m.__dict__.get(lazy.UNREADABLE)
        out.append(kept if kept is not None else _message_toml(m))
    if run is not None:
        out.append(run[0].tables(run[1], run[2]))  # type: ignore[attr-defined]
    return out


def encode(c: Conversation) -> bytes:
    """The TOML bytes for a conversation (always single-line strings; see tomlwrite)."""
    out = [
        f"schema = {SCHEMA_VERSION}",
        f"id = {toml_string(c.id)}",
        f"title = {toml_string(c.title)}",
        f"created = {toml_datetime(c.created)}",
        f"updated = {toml_datetime(c.updated)}",
        f"provider = {toml_string(c.provider)}",
        f"model = {toml_string(c.model)}",
        f"system_prompt = {toml_string(c.system_prompt)}",
        f"message_count = {len(c.messages)}",
        f"parameters = {toml_value(_drop_none(c.parameters))}",
        f"backend_state = {toml_value(_drop_none(c.backend_state))}",
        f"provider_state = {toml_value(_drop_none(c.provider_state))}",
    ]
    out.extend(_messages_toml(c.messages))
    text = "\n".join(out) + "\n"
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates (undecodable bytes smuggled into a str) have no UTF-8 or
        # TOML form; U+FFFD keeps the rest of the text rather than failing the save.
        return sanitize_surrogates(text).encode("utf-8")


# --- reading -------------------------------------------------------------------------


def stable_message_id(conversation_id: str, position: int, role: str) -> str:
    """An id for a message from a file that had none; the same in every instance."""
    import hashlib  # only for files of schema 0

    return hashlib.sha1(f"{conversation_id}:{position}:{role}".encode()).hexdigest()[:32]


def schema_of(data: dict[str, Any]) -> int:
    version = data.get("schema", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise v.fail(("schema",), "a schema version number", version)
    return version


def upgrade(data: dict[str, Any], conversation_id: str) -> dict[str, Any]:
    """Bring parsed TOML of any older schema up to SCHEMA_VERSION (in place, returned)."""
    version = schema_of(data)
    if version > SCHEMA_VERSION:
        raise NewerSchema(version)
    if version == 0:
        messages = data.get("messages", [])
        if isinstance(messages, list):
            for position, m in enumerate(messages):
                if not isinstance(m, dict):
                    continue  # decode() reports it with its position
                if "created" not in m and "time" in m:
                    when = m.pop("time")
                    if isinstance(when, int | float) and not isinstance(when, bool):
                        when = datetime.fromtimestamp(when, UTC)
                    m["created"] = when
                if "id" not in m:
                    m["id"] = stable_message_id(conversation_id, position, str(m.get("role")))
                if "status" not in m:
                    m["status"] = "failed" if m.get("error") else "complete"
        data["schema"] = 1
    return data


def _scalar_table(data: dict[str, Any], key: str, where: v.Where) -> dict[str, Any]:
    table = v.table(data, key, where)
    for name, value in table.items():
        if not isinstance(value, str | int | float):
            raise v.fail((*where, key, name), "a number or a string", value)
    return dict(table)


def _message(m: Any, position: int, conversation: Conversation) -> Message:
    where: v.Where = ("messages", position)
    if not isinstance(m, dict):
        raise v.fail(where, "a [[messages]] table", m)
    role = v.string(m, "role", where)
    if role not in ROLES:
        raise v.fail((*where, "role"), "one of " + ", ".join(ROLES), role)
    if "content" not in m:
        raise SchemaError((*where, "content"), f"messages[{position}] has no content")
    status = v.string(m, "status", where, "complete")
    if status not in STATUSES:
        raise v.fail((*where, "status"), "one of " + ", ".join(STATUSES), status)
    usage = v.table(m, "usage", where)
    for name, count in usage.items():
        if not isinstance(count, int) or isinstance(count, bool):
            raise v.fail((*where, "usage", name), "a whole number", count)
    raw_attachments = v.table_list(m, "attachments", where) or []
    attachments = []
    for i, a in enumerate(raw_attachments):
        aw: v.Where = (*where, "attachments", i)
        attachments.append(
            Attachment(
                path=v.string(a, "path", aw),
                mime_type=v.string(a, "mime_type", aw),
                size=v.integer(a, "size", aw, 0) or 0,
                sha256=v.string(a, "sha256", aw),
            )
        )
    message_id = v.string(m, "id", where, "") or stable_message_id(conversation.id, position, role)
    return Message(
        role=role,
        content=v.string(m, "content", where),
        id=message_id,
        created=v.timestamp(m, "created", where, conversation.created),
        provider=v.string(m, "provider", where),
        model=v.string(m, "model", where),
        reasoning=v.string(m, "reasoning", where),
        usage=dict(usage),
        finish_reason=v.string(m, "finish_reason", where),
        status=status,
        error=v.string(m, "error", where),
        attachments=attachments,
    )


def header_fields(data: dict[str, Any], conversation_id: str) -> Conversation:
    """The header part of a file as a Conversation without messages; raises SchemaError."""
    now = datetime.now(UTC)
    v.string(data, "id", (), conversation_id)  # type-checked, but the file name is the id
    created = v.timestamp(data, "created", (), now)
    conversation = Conversation(
        id=conversation_id,
        title=v.string(data, "title", ()),
        created=created,
        updated=v.timestamp(data, "updated", (), created),
        provider=v.string(data, "provider", ()),
        model=v.string(data, "model", ()),
        system_prompt=v.string(data, "system_prompt", ()),
        parameters=_scalar_table(data, "parameters", ()),
        backend_state=dict(v.table(data, "backend_state", ())),
    )
    conversation.provider_state = _provider_state(data, conversation)
    return conversation


def _provider_state(data: dict[str, Any], conversation: Conversation) -> dict[str, Any]:
    """Each provider's state; from an older file, its one state as its provider's.
    A state that is not a table is left out: it is the provider's, never the user's
    words, and the worst its loss does is start that provider's context afresh."""
    if "provider_state" not in data:
        if not conversation.backend_state:
            return {}
        via = conversation.parameters.get("via", "")
        key = provider_state_key(conversation.provider, via if isinstance(via, str) else "")
        return {key: dict(conversation.backend_state)}
    states = data["provider_state"]
    if not isinstance(states, dict):
        return {}
    return {str(key): dict(state) for key, state in states.items() if isinstance(state, dict)}


def decode(data: dict[str, Any], conversation_id: str, settle_streaming: bool) -> Conversation:
    """Parsed TOML -> Conversation; raises SchemaError or NewerSchema.

    With `settle_streaming`, an answer saved mid-stream becomes "stopped": whoever
    was streaming it is gone (a merge reads with it off, since the other instance
    may still be streaming).
    """
    data = upgrade(data, conversation_id)
    conversation = header_fields(data, conversation_id)
    if "messages" in data and not isinstance(data["messages"], list):
        raise v.fail(("messages",), "an array of [[messages]] tables", data["messages"])
    conversation.messages = [
        _message(m, i, conversation) for i, m in enumerate(data.get("messages", []))
    ]
    if settle_streaming:
        for m in conversation.messages:
            if m.status == "streaming":
                m.status = "stopped"
    return conversation


def split_header(raw: bytes) -> tuple[bytes, bool]:
    """(the bytes before the first [[messages]] line, whether such a line was found)."""
    found = MESSAGES_HEADER.search(raw)
    return (raw[: found.start()], True) if found else (raw, False)


def count_messages(raw: bytes) -> int:
    return len(MESSAGES_HEADER.findall(raw))


class Unreadable(Exception):
    """A conversation file that is corrupt: `reason` is a phrase, `line` where (if known)."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


def _parse_bytes(raw: bytes) -> tuple[dict[str, Any], str]:
    if not raw.strip():
        raise Unreadable("the file is empty")
    text, reason, line = decode_utf8(raw)
    if text is None:
        raise Unreadable(reason, line)
    data, reason, line = parse_toml(text)
    if data is None:
        raise Unreadable(reason, line)
    return data, text


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{6})?[+-]\d\d:\d\d")
# JSON string escapes that TOML does not have (\/) or reads differently (surrogate pairs).
_NOT_TOML_ESCAPE = re.compile(r"\\(?:/|u[dD][89a-fA-F])")


def _fast_value(value: str) -> Any:
    """One value as encode() writes it; ValueError for anything else."""
    if value[:1] == '"':
        # A basic string that is also a JSON string: read by the C scanner (strict: no
        # raw control characters). JSON-only escapes and a raw DEL are refused here.
        text, end = scanstring(value, 1, True)
        if (
            end != len(value)
            or "\x7f" in value
            or ("\\" in value and _NOT_TOML_ESCAPE.search(value))
        ):
            raise ValueError(value)
        return text
    if _DATETIME.fullmatch(value):
        return datetime.fromisoformat(value)
    if value.isascii() and value.isdigit() and (value == "0" or value[0] != "0"):
        return int(value)
    if value[:1] in "{[":
        # Inline tables and arrays (usage, parameters, attachments): small, so tomllib.
        parsed, _reason, _line = parse_toml("x = " + value)
        if parsed is None:
            raise ValueError(value)
        return parsed["x"]
    raise ValueError(value)


def _fast_document(text: str) -> dict[str, Any] | None:
    """A whole file exactly as encode() writes it, parsed without tomllib, or None.

    tomllib reads basic strings character by character in Python: a 10,000-message
    conversation (5 MB) took ~1 s to load. Our files are `key = value` lines with
    single-line values and `[[messages]]` headers, where every string is also a JSON
    string, so they are read line by line with the C JSON string scanner. Anything
    else (comments, other tables, multi-line values, dotted or quoted keys, escapes
    TOML and JSON read differently, duplicate keys) returns None and the caller
    parses with tomllib, which also words the error for a broken file.
    """
    top: dict[str, Any] = {}
    messages: list[dict[str, Any]] = []
    table = top
    try:
        for line in text.split("\n"):
            if not line:
                continue
            if line == "[[messages]]":
                table = {}
                messages.append(table)
                continue
            key, sep, value = line.partition(" = ")
            if not sep or key in table or not _BARE_KEY.fullmatch(key):
                return None
            table[key] = _fast_value(value)
    except ValueError:
        return None
    if messages:
        if "messages" in top:
            return None
        top["messages"] = messages
    return top


def parse_conversation(raw: bytes, conversation_id: str, settle_streaming: bool) -> Conversation:
    """File bytes -> Conversation; raises Unreadable (corrupt) or NewerSchema (not corrupt)."""
    fast = None
    if raw.strip():
        try:
            fast = _fast_document(raw.decode("utf-8"))
        except UnicodeDecodeError:
            fast = None
    if fast is not None:
        try:
            return decode(fast, conversation_id, settle_streaming)
        except SchemaError:
            pass  # tomllib again, for the line number of the error
    data, text = _parse_bytes(raw)
    try:
        return decode(data, conversation_id, settle_streaming)
    except SchemaError as exc:
        raise Unreadable(str(exc), find_line(text, exc.where)) from exc


_FAST_STR = frozenset({"id", "title", "provider", "model"})
_FAST_TIME = frozenset({"created", "updated"})
_FAST_INT = frozenset({"schema", "message_count"})


def _fast_header(head: bytes, conversation_id: str) -> tuple[Conversation, int] | None:
    """The summary fields from a header exactly as encode() writes it, or None.

    tomllib is pure Python and was ~60% of a cold listing of 2,000 files. Our
    header is one `key = value` per line with single-line values, where a basic
    string is also valid JSON, so the few fields a listing needs can be read
    with json/fromisoformat. Anything unexpected returns None and the caller
    uses tomllib, which also produces the proper error for a broken file.
    """
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    found: dict[str, Any] = {}
    for line in text.split("\n"):
        if not line:
            continue
        key, sep, value = line.partition(" = ")
        if not sep:
            return None  # a comment, a table, a multi-line value: not our layout
        try:
            if key in _FAST_STR:
                if not value.startswith('"'):
                    return None
                # The C string scanner behind json.loads, without its per-call overhead.
                found[key], end = scanstring(value, 1)
                if end != len(value):
                    return None
            elif key in _FAST_TIME:
                when = datetime.fromisoformat(value)
                if when.tzinfo is None:
                    return None
                found[key] = when
            elif key in _FAST_INT:
                if not value.isdigit():
                    return None
                found[key] = int(value)
                if key == "message_count":
                    break  # the rest (parameters, backend_state) is not listed
        except ValueError:
            return None
    if found.get("schema", 0) > SCHEMA_VERSION or not {"created", "message_count"} <= found.keys():
        return None
    header = Conversation(
        id=conversation_id,
        title=found.get("title", ""),
        created=found["created"],
        updated=found.get("updated", found["created"]),
        provider=found.get("provider", ""),
        model=found.get("model", ""),
    )
    return header, found["message_count"]


def parse_header(raw: bytes, conversation_id: str) -> tuple[Conversation, int]:
    """(header as a message-less Conversation, message count) reading only the header part.

    `raw` may be just the start of the file as long as it reaches the first
    `[[messages]]` line or the end. Files without a `message_count` key (hand
    edits, schema 0) fall back to counting the table headers.
    """
    head, _found = split_header(raw)
    fast = _fast_header(head, conversation_id)
    if fast is not None:
        return fast
    try:
        data, _text = _parse_bytes(head)
        schema_of(data)
        conversation = header_fields(data, conversation_id)
    except (Unreadable, SchemaError):
        # The cut may have landed inside a hand-written multi-line string: judge
        # the whole file instead, which raises Unreadable if it really is corrupt.
        full = parse_conversation(raw, conversation_id, settle_streaming=False)
        return full, len(full.messages)
    count = data.get("message_count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        count = count_messages(raw)
    return conversation, count
