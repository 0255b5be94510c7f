"""Conversation -> TOML bytes, each message's table kept while the message is unchanged.

The layout is described in codec.py, which also reads it back.
"""

from __future__ import annotations

import weakref
from functools import partial
from typing import Any

from tui_chat.store import lazy
from tui_chat.store.conversations import SCHEMA_VERSION, Conversation, MediaFile, Message
from tui_chat.store.tomlwrite import sanitize_surrogates, toml_datetime, toml_string, toml_value


def _drop_none(value: Any) -> Any:
    """TOML has no null; backends may send them, and absence means the same thing."""
    if isinstance(value, dict):
        return {str(k): _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_drop_none(item) for item in value if item is not None]
    return value


def _message_lines(m: Message, out: list[str], table: str = "messages") -> None:
    """The message's table; `table` is where it sits ("messages", or a hidden branch's
    "messages.variants.messages", nested as deep as branches branch)."""
    out.append(f"\n[[{table}]]")
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
    if m.variants:
        out.append(f"variant = {m.variant}")
    # Tables after every key of the message's own (a header line ends its table): its
    # images (paths and hashes, never bytes), then its hidden branches.
    for f in m.media:
        out.append(f"\n[[{table}.media]]")
        out.extend(_media_lines(f))
    if m.variants:
        # After every key of the message's own: a header line ends its table. The
        # variants nest under the message, so a reader that splits the file at its
        # `[[messages]]` lines (lazy.py) keeps each message whole.
        for branch in m.variants:
            out.append(f"\n[[{table}.variants]]")
            for hidden in branch:
                _message_lines(hidden, out, f"{table}.variants.messages")


def _media_lines(f: MediaFile) -> list[str]:
    lines = [f"source = {toml_string(f.source)}"]
    # Empty fields are left out, as the message's own: a pending image has only its source.
    for name in ("path", "sha256", "content_type", "alt", "error"):
        value = getattr(f, name)
        if value:
            lines.append(f"{name} = {toml_string(value)}")
    if f.size:
        lines.append(f"size = {int(f.size)}")
    return lines


def _message_key(m: Message) -> tuple[object, ...]:
    """Everything of a message `_message_lines` writes; the mutable parts copied."""
    return (
        m.id, m.role, m.created, m.status, m.content, m.provider, m.model, m.reasoning,
        tuple(m.usage.items()), m.finish_reason, m.error,
        tuple((a.path, a.mime_type, a.size, a.sha256) for a in m.attachments),
        m.variant,
        tuple(tuple(map(_message_key, branch)) for branch in m.variants),
        tuple(
            (f.path, f.sha256, f.content_type, f.size, f.source, f.alt, f.error) for f in m.media
        ),
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


def schema_for(c: Conversation) -> int:
    """The lowest schema that holds the conversation: 3 once a message has images, 2
    once one has variants, else 1 (a tui-chat that reads only an older schema would drop
    what it does not know, so it says the file is newer)."""
    schema = 1
    for m in c.messages:
        unread = lazy.unread_at(m)  # (asking an unread message would read it)
        schema = max(schema, unread[0].schema if unread is not None else _schema_of(m))
        if schema >= SCHEMA_VERSION:
            break
    return schema


def _schema_of(m: Message) -> int:
    if m.media:
        return 3
    schema = 2 if m.variants else 1
    for branch in m.variants:
        for hidden in branch:
            schema = max(schema, _schema_of(hidden))
    return schema


def encode(c: Conversation) -> bytes:
    """The TOML bytes for a conversation (always single-line strings; see tomlwrite)."""
    out = [
        f"schema = {schema_for(c)}",
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
