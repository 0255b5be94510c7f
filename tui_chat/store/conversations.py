"""The conversation data model, as the rest of the app sees it.

Files are handled elsewhere: codec.py turns these into TOML and back,
conversation_store.py reads, writes, lists and merges them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from tui_chat.record import field, record

# Bump when the file layout changes, and teach codec.upgrade() the old shape. A file
# is written with the lowest schema that holds it (encode.schema_for): one without
# answer variants stays readable by a tui-chat that knows only schema 1; one without
# images (schema 3) by one that knows schema 2 (which would drop their references).
SCHEMA_VERSION = 3

ROLES = ("user", "assistant", "system")
# "streaming" marks an answer saved while it was still arriving.
STATUSES = ("complete", "stopped", "failed", "streaming")


def _new_id() -> str:
    # 128 random bits as 32 hex digits, like uuid4().hex (ids are opaque), without
    # importing uuid (and platform) at start-up.
    return os.urandom(16).hex()


def _now() -> datetime:
    return datetime.now(UTC)


@record
class Attachment:
    """A file sent with a message: described, never copied (the bytes stay where they were)."""

    path: str
    mime_type: str
    size: int
    sha256: str


@record
class MediaFile:
    """An image of a message (a model's generated image, or one the user attached), as
    a copy in the media folder: never its bytes in the conversation file.

    While `path` and `error` are both empty it is still being fetched (tui_chat/media.py).
    """

    #: Relative to the data folder (the config folder): "media/<conversation>/<hash>.png".
    path: str = ""
    sha256: str = ""
    content_type: str = ""
    size: int = 0
    #: Where it came from: its URL, "data:" for a data URI (its bytes are not kept here),
    #: or the path of the file the user attached.
    source: str = ""
    alt: str = ""
    #: Why there is no file ("HTTP 404", "too large", "not an image"), when it failed.
    error: str = ""

    @property
    def pending(self) -> bool:
        return not self.path and not self.error


@record
class Message:
    """One message of a conversation, as the user typed it or the provider answered."""

    role: str
    content: str
    id: str = field(default_factory=_new_id)  # stable: two instances merge by it
    created: datetime = field(default_factory=_now)
    provider: str = ""  # who answered (assistant messages)
    model: str = ""
    reasoning: str = ""
    usage: dict[str, int] = field(default_factory=dict)
    finish_reason: str = ""
    status: str = "complete"
    error: str = ""  # why it failed, when status == "failed"
    attachments: list[Attachment] = field(default_factory=list)
    #: The other branches in this message's place (a retried answer, an edited question,
    #: the answers of several models asked at once), each the messages that followed
    #: there instead; the conversation shows this one (see tui_chat/branches.py).
    variants: list[list[Message]] = field(default_factory=list)
    #: Where the branch shown sits among all of them (0-based), when there are variants.
    variant: int = 0
    #: Images shown under the text: an answer's generated images, the user's attached
    #: ones, each a file in the media folder (or the reason it could not be had).
    media: list[MediaFile] = field(default_factory=list)

    # Written out, not made by `record`: messages are built by the hundred thousand when
    # a long conversation opens, and this is the fastest way to build one.
    def __init__(
        self,
        role: str,
        content: str,
        id: str | None = None,
        created: datetime | None = None,
        provider: str = "",
        model: str = "",
        reasoning: str = "",
        usage: dict[str, int] | None = None,
        finish_reason: str = "",
        status: str = "complete",
        error: str = "",
        attachments: list[Attachment] | None = None,
        variants: list[list[Message]] | None = None,
        variant: int = 0,
        media: list[MediaFile] | None = None,
    ) -> None:
        self.role = role
        self.content = content
        self.id = _new_id() if id is None else id
        self.created = _now() if created is None else created
        self.provider = provider
        self.model = model
        self.reasoning = reasoning
        self.usage = {} if usage is None else usage
        self.finish_reason = finish_reason
        self.status = status
        self.error = error
        self.attachments = [] if attachments is None else attachments
        self.variants = [] if variants is None else variants
        self.variant = variant
        self.media = [] if media is None else media


@record
class Conversation:
    """A conversation: its header (title, model, parameters) and its messages."""

    id: str = field(default_factory=_new_id)
    title: str = ""
    created: datetime = field(default_factory=_now)
    updated: datetime = field(default_factory=_now)
    provider: str = ""
    model: str = ""
    system_prompt: str = ""
    parameters: dict[str, float | int | str] = field(default_factory=dict)
    # The single state files before per-provider state kept (loaded, and written back as
    # it was, but no longer used: codec.py moves it into `provider_state`).
    backend_state: dict[str, Any] = field(default_factory=dict)
    #: Opaque state each provider asked to have sent back (g4f's "conversation" event),
    #: by `provider_state_key`: switching provider and back keeps each one's context.
    provider_state: dict[str, dict[str, Any]] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)


def all_messages(messages: Iterable[Message]) -> Iterator[Message]:
    """These messages and those of every branch hidden under them, depth first."""
    for m in messages:
        yield m
        for branch in m.variants:
            yield from all_messages(branch)


def provider_state_key(provider: str, via: str = "") -> str:
    """Whose state it is: a provider as configured ("g4f"), or a g4f backend's provider
    asked through it ("g4f via PollinationsAI"), which keeps a state of its own."""
    return f"{provider} via {via}" if via else provider


# A named tuple, not a dataclass (it is never changed): compared and printed alike, and
# made without compiling methods from source (~2 M instructions at start-up).
class ConversationSummary(NamedTuple):
    """What the conversation list shows, read without parsing any message."""

    id: str
    title: str
    created: datetime
    updated: datetime
    provider: str
    model: str
    message_count: int
    path: Path
