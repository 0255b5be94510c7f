"""One turn of a chat, independent of any UI: the request, and the answer as it arrives.

The app and `tui-chat ask` both use this, so an answer is recorded the same way however
it was asked for: text, reasoning, usage, finish reason, title and status.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .attachments import AttachmentRefused, prepare_attachment
from .providers.errors import ProviderError
from .providers.helpers import MediaItem, to_data_uri
from .record import field, record
from .store import Attachment, AttachmentLimits, Conversation, Message
from .store.conversations import MediaFile, provider_state_key

TEXT, REASONING, META, IGNORED, MEDIA = "text", "reasoning", "meta", "ignored", "media"

#: Debug events a g4f backend sends alongside every answer: skipped without a note.
DEBUG_EVENTS = frozenset({"parameters", "request", "headers", "response", "log"})


#: Images of earlier turns are sent again with every request (a follow-up question is
#: often about them), newest first: at most this many, and this many bytes in all.
HISTORY_IMAGES = 4
HISTORY_IMAGE_BYTES = 20 * 1024 * 1024


def request_messages(
    conversation: Conversation,
    upto: int | None = None,
    images: Mapping[str, Sequence[MediaItem]] | None = None,
) -> list[dict[str, Any]]:
    """The chat history to send, in the OpenAI shape, for the messages before `upto`.

    Failed answers with no text are left out (they are our notes, not the model's words);
    partial answers that were stopped are sent as they stand. `images` (by message id,
    see `earlier_images`) go into their messages as `image_url` parts.
    """
    history = conversation.messages if upto is None else conversation.messages[:upto]
    messages: list[dict[str, Any]] = []
    if conversation.system_prompt.strip():
        messages.append({"role": "system", "content": conversation.system_prompt})
    for message in history:
        if message.role not in ("user", "assistant", "system"):
            continue
        if message.role == "assistant" and not message.content:
            continue
        media = images.get(message.id) if images else None
        if media:
            parts: list[dict[str, Any]] = [{"type": "text", "text": message.content}]
            parts += [
                {"type": "image_url", "image_url": {"url": to_data_uri(data, name)}}
                for data, name in media
            ]
            messages.append({"role": message.role, "content": parts})
        else:
            messages.append({"role": message.role, "content": message.content})
    return messages


def earlier_images(
    messages: Sequence[Message], limits: AttachmentLimits, said: set[str] | None = None
) -> tuple[dict[str, list[MediaItem]], list[str]]:
    """The images of these (earlier) user messages to send again, by message id, newest
    first within `HISTORY_IMAGES` and `HISTORY_IMAGE_BYTES`; and what to tell the user
    about files that are gone or changed since (once each: `said` remembers them)."""
    chosen: dict[str, list[MediaItem]] = {}
    notes: list[str] = []
    count = size = 0
    for message in reversed(messages):
        if count >= HISTORY_IMAGES:
            break
        if message.role != "user" or not any(
            a.mime_type.startswith("image/") for a in message.attachments
        ):
            continue
        media, problems = reread_images(message, limits)
        for attachment, problem in problems:
            key = f"{attachment.path}\0{attachment.sha256}"
            if said is None or key not in said:
                notes.append(f"An image of an earlier message: {problem}")
                if said is not None:
                    said.add(key)
        for data, name in media:
            length = len(data) if isinstance(data, bytes) else 0
            if count >= HISTORY_IMAGES or size + length > HISTORY_IMAGE_BYTES:
                break
            chosen.setdefault(message.id, []).append((data, name))
            count, size = count + 1, size + length
    return chosen, notes


def request_params(conversation: Conversation, defaults: Any) -> dict[str, Any]:
    """Sampling parameters: the conversation's own, else the settings' defaults."""
    params: dict[str, Any] = {}
    for name in ("temperature", "max_tokens"):
        value = conversation.parameters.get(name, getattr(defaults, name, None))
        if value is not None and value != "":
            params[name] = value
    return params


def title_from(text: str, limit: int = 60) -> str:
    """A conversation title made from the first user message: its first line, shortened."""
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    line = " ".join(line.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


@record
class AnswerRecorder:
    """Folds a provider's outputs into an assistant `Message` as they arrive.

    Text is kept as a list of parts and joined on demand, so recording stays linear
    however long the answer grows.
    """

    message: Message
    conversation: Conversation | None = None
    parts: list[str] = field(default_factory=list)
    reasoning_parts: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    answered_by: str = ""
    preview: str = ""
    title: str = ""
    #: Whose conversation state a `ConversationState` event is (`provider_state_key`);
    #: "" means the conversation's own provider.
    state_key: str = ""
    #: The images announced and not fetched yet: each recorded one with its URL (a data
    #: URI's bytes live only here, until they are written to the media folder).
    media_sources: list[tuple[MediaFile, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.message.content:
            self.parts.append(self.message.content)
        if self.message.reasoning:
            self.reasoning_parts.append(self.message.reasoning)
        self.message.status = "streaming"
        self.message.error = ""

    @property
    def text(self) -> str:
        if len(self.parts) > 1:
            self.parts[:] = ["".join(self.parts)]
        return self.parts[0] if self.parts else ""

    @property
    def reasoning(self) -> str:
        if len(self.reasoning_parts) > 1:
            self.reasoning_parts[:] = ["".join(self.reasoning_parts)]
        return self.reasoning_parts[0] if self.reasoning_parts else ""

    def feed(self, item: object) -> str:
        """Record one output; returns what changed: TEXT, REASONING, META, MEDIA (an image
        recorded, `media_sources[-1]`) or IGNORED."""
        if isinstance(item, str):
            self.parts.append(item)
            return TEXT
        # (The events are imported with the first answer: see providers/backend_api.py.)
        from .providers.events import (
            ConversationState,
            FinishReason,
            MediaResponse,
            Notice,
            Preview,
            ProviderInfo,
            RawEvent,
            Reasoning,
            Title,
            Usage,
        )

        match item:
            case Reasoning(token=token, status=status, label=label):
                if token:
                    self.reasoning_parts.append(token)
                    return REASONING
                return META if (status or label) else IGNORED
            case Usage():
                self.message.usage = item.as_dict()
            case FinishReason(reason=reason):
                self.message.finish_reason = reason
            case ProviderInfo(name=name, label=label, model=model):
                self.answered_by = " ".join(part for part in (label or name, model) if part)
            case Title(title=title):
                self.title = title
                if self.conversation is not None and title.strip():
                    self.conversation.title = title.strip()
            case ConversationState(data=data):
                if self.conversation is not None:
                    key = self.state_key or conversation_state_key(self.conversation)
                    self.conversation.provider_state[key] = _without_none(data)
            case Notice(message=text):
                self.notices.append(text)
            case Preview(preview=text):
                self.preview = text
            case RawEvent(type=kind):
                # Said once per kind, so a stream of odd events is one note, not a flood.
                if kind in DEBUG_EVENTS:
                    return IGNORED
                note = (
                    f"Skipped a {kind!r} event this client does not understand."
                    if kind
                    else "Skipped an event without a type."
                )
                if note in self.notices:
                    return IGNORED
                self.notices.append(note)
            case MediaResponse(urls=urls, alt=alt):
                # Recorded as the answer's images, fetched into the media folder after
                # (session.fetch_media); a data URI's bytes stay out of the message.
                for url in urls:
                    media = MediaFile(source="data:" if url.startswith("data:") else url, alt=alt)
                    self.message.media.append(media)
                    self.media_sources.append((media, url))
                return MEDIA
            case _:
                return IGNORED
        return META

    def sync(self) -> Message:
        """Copy the gathered text into the message (before a save)."""
        self.message.content = self.text
        self.message.reasoning = self.reasoning
        return self.message

    def finish(self) -> Message:
        self.sync()
        self.message.status = "complete"
        return self.message

    def stop(self) -> Message:
        self.sync()
        self.message.status = "stopped"
        return self.message

    def fail(self, error: BaseException) -> Message:
        self.sync()
        self.message.status = "failed"
        self.message.error = describe_error(error)
        return self.message


def conversation_state_key(conversation: Conversation) -> str:
    """The state key of the provider a conversation was last talking to."""
    via = conversation.parameters.get("via", "")
    return provider_state_key(conversation.provider, via if isinstance(via, str) else "")


def describe_error(error: BaseException) -> str:
    """A sentence for any failure: provider errors carry their own words and hint."""
    if isinstance(error, ProviderError):
        text = str(error).strip()
        if not error.hint:
            return text
        if text and text[-1] not in ".!?…":
            text += "."
        return f"{text} {error.hint}"
    return f"Unexpected error ({type(error).__name__}): {error}"


def _without_none(value: Any) -> Any:
    # TOML has no null: drop None values so the state can be saved.
    if isinstance(value, dict):
        return {str(k): _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value if v is not None]
    return value


def last_index(messages: Iterable[Message], role: str) -> int | None:
    """Index of the last message with this role, or None."""
    # From the end: the footer asks after every change, and a conversation can hold
    # 100,000 messages.
    if not isinstance(messages, Sequence):
        messages = list(messages)
    for index in range(len(messages) - 1, -1, -1):
        if messages[index].role == role:
            return index
    return None


def reread_images(
    message: Message, limits: AttachmentLimits
) -> tuple[list[MediaItem], list[tuple[Attachment, str]]]:
    """The images a saved user message recorded, read again from disk to send again,
    checked against the recorded SHA-256; and each one that is gone or changed, with a
    sentence saying so. A changed image is not sent: it is not what the model saw."""
    media: list[MediaItem] = []
    problems: list[tuple[Attachment, str]] = []
    for attachment in message.attachments:
        if not attachment.mime_type.startswith("image/"):
            continue
        name = Path(attachment.path).name
        try:
            prepared = prepare_attachment(attachment.path, limits)
        except AttachmentRefused as refused:
            reason = refused.reason.rstrip(".")
            problems.append(
                (attachment, f"{name} is no longer available ({reason}); sent without it.")
            )
            continue
        if prepared.sha256 != attachment.sha256 or not prepared.is_image:
            problems.append((attachment, f"{name} changed since it was attached; sent without it."))
            continue
        media.append((prepared.data, prepared.name))
    return media, problems


def resend_media(message: Message, limits: AttachmentLimits) -> tuple[list[MediaItem], list[str]]:
    """The images of the last user message, for a retry or a continue, read again from
    disk; and warnings about its files that are gone or changed since (a text file lives
    in the message itself, so for one of those it is only said)."""
    media, problems = reread_images(message, limits)
    warnings = [problem for _attachment, problem in problems]
    for attachment in message.attachments:
        if attachment.mime_type.startswith("image/"):
            continue
        name = Path(attachment.path).name
        try:
            prepared = prepare_attachment(attachment.path, limits)
        except AttachmentRefused:
            warnings.append(
                f"{name} is no longer available; the message keeps the text it had when it "
                "was sent."
            )
            continue
        if prepared.sha256 != attachment.sha256:
            warnings.append(
                f"{name} changed since it was attached; the message keeps the version that "
                "was sent."
            )
    return media, warnings
