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

    [[messages.media]]          # its images, after its keys: never their bytes
    source = "https://…"        # or "data:", or the attached file's path
    path = "media/<conversation id>/<sha256[:16]>.png"   # relative to the data folder
    sha256 = "…"
    content_type = "image/png"
    size = 1234
    # alt, or error = "HTTP 404" in place of path/sha256 when it could not be had

Files from before `provider_state` kept one state in `backend_state`; it is read as the
state of the conversation's provider (and `backend_state` is kept as it was).

Schema 0 (files from before versioning) had no `schema` key, no message
ids, no message status, and a message time as `time` (epoch seconds or a
datetime) instead of `created`; upgrade() turns it into schema 1.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from tui_chat.store import validate as v
from tui_chat.store.conversations import (
    ROLES,
    SCHEMA_VERSION,
    STATUSES,
    Attachment,
    Conversation,
    MediaFile,
    Message,
    all_messages,
    provider_state_key,
)
from tui_chat.store.encode import encode
from tui_chat.store.fast_toml import fast_document, fast_header
from tui_chat.store.tomlread import SchemaError, decode_utf8, find_line, parse_toml

__all__ = ["NewerSchema", "Unreadable", "encode", "parse_conversation", "parse_header"]

# A line that opens the messages array; our writer puts nothing but this on it.
MESSAGES_HEADER = re.compile(rb"^[ \t]*\[\[[ \t]*messages[ \t]*\]\]", re.MULTILINE)


class NewerSchema(Exception):
    """The file was written by a newer tui-chat; it is fine, we just cannot read it."""

    def __init__(self, version: int) -> None:
        super().__init__(version)
        self.version = version


# --- reading -------------------------------------------------------------------------


def stable_message_id(conversation_id: str, position: int | tuple[object, ...], role: str) -> str:
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


def _message(
    m: Any, position: int, conversation: Conversation, where: v.Where | None = None
) -> Message:
    """One [[messages]] table (`where` is its place, when it is in a hidden branch)."""
    where = where or ("messages", position)
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
    message_id = v.string(m, "id", where, "") or stable_message_id(
        conversation.id, position if len(where) == 2 else where, role
    )
    variants = _variants(m, conversation, where)
    variant = v.integer(m, "variant", where, 0) or 0
    if not 0 <= variant <= len(variants):
        raise v.fail((*where, "variant"), f"a number from 0 to {len(variants)}", variant)
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
        variants=variants,
        variant=variant,
        media=_media(m, where),
    )


def _media(m: dict[str, Any], where: v.Where) -> list[MediaFile]:
    """A message's [[….media]] tables: each an image file in the media folder."""
    media = []
    for i, f in enumerate(v.table_list(m, "media", where) or []):
        fw: v.Where = (*where, "media", i)
        path = v.string(f, "path", fw)
        # Relative to the data folder and inside it: a file that names another place
        # (a hand edit, a file from elsewhere) must not make the app show or open it.
        if path.startswith(("/", "\\")) or ".." in path.replace("\\", "/").split("/"):
            raise v.fail((*fw, "path"), "a path inside the media folder", path)
        media.append(
            MediaFile(
                path=path,
                sha256=v.string(f, "sha256", fw),
                content_type=v.string(f, "content_type", fw),
                size=v.integer(f, "size", fw, 0) or 0,
                source=v.string(f, "source", fw),
                alt=v.string(f, "alt", fw),
                error=v.string(f, "error", fw),
            )
        )
    return media


def _variants(m: dict[str, Any], conversation: Conversation, where: v.Where) -> list[list[Message]]:
    """The hidden branches of a message: each a [[….variants]] table holding the
    messages of that branch (at least one)."""
    branches = []
    for i, branch in enumerate(v.table_list(m, "variants", where) or []):
        bw: v.Where = (*where, "variants", i)
        tables = v.table_list(branch, "messages", bw) or []
        if not tables:
            raise SchemaError((*bw, "messages"), f"variant {i + 1} has no messages")
        branches.append(
            [_message(t, j, conversation, (*bw, "messages", j)) for j, t in enumerate(tables)]
        )
    return branches


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
        for m in all_messages(conversation.messages):
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


def parse_conversation(raw: bytes, conversation_id: str, settle_streaming: bool) -> Conversation:
    """File bytes -> Conversation; raises Unreadable (corrupt) or NewerSchema (not corrupt)."""
    fast = None
    if raw.strip():
        try:
            fast = fast_document(raw.decode("utf-8"))
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


def parse_header(raw: bytes, conversation_id: str) -> tuple[Conversation, int]:
    """(header as a message-less Conversation, message count) reading only the header part.

    `raw` may be just the start of the file as long as it reaches the first
    `[[messages]]` line or the end. Files without a `message_count` key (hand
    edits, schema 0) fall back to counting the table headers.
    """
    head, _found = split_header(raw)
    fast = fast_header(head, conversation_id)
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
