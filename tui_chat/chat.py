"""One turn of a chat, independent of any UI: the request, and the answer as it arrives.

The app and `tui-chat ask` both use this, so an answer is recorded the same way however
it was asked for: text, reasoning, usage, finish reason, title and status.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .attachments import AttachmentRefused, prepare_attachment
from .providers import ProviderError
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
from .providers.helpers import MediaItem
from .store import AttachmentLimits, Conversation, Message

TEXT, REASONING, META, IGNORED = "text", "reasoning", "meta", "ignored"

#: Debug events a g4f backend sends alongside every answer: skipped without a note.
DEBUG_EVENTS = frozenset({"parameters", "request", "headers", "response", "log"})


def request_messages(conversation: Conversation, upto: int | None = None) -> list[dict[str, Any]]:
    """The chat history to send, in the OpenAI shape, for the messages before `upto`.

    Failed answers with no text are left out (they are our notes, not the model's words);
    partial answers that were stopped are sent as they stand.
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
        messages.append({"role": message.role, "content": message.content})
    return messages


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


@dataclass
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
        """Record one output; returns what changed: TEXT, REASONING, META or IGNORED."""
        if isinstance(item, str):
            self.parts.append(item)
            return TEXT
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
                    self.conversation.backend_state = _without_none(data)
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
                # Keep media in the answer itself so it is saved and shown as links.
                links = "".join(f"\n\n[{alt or 'media'}]({url})" for url in urls)
                self.parts.append(links)
                return TEXT
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
    found = None
    for index, message in enumerate(messages):
        if message.role == role:
            found = index
    return found


def resend_media(message: Message, limits: AttachmentLimits) -> tuple[list[MediaItem], list[str]]:
    """The images of a saved user message, read again from disk to send again.

    Only what was recorded is sent; a file that changed or vanished since is said so in
    the warnings (text files live in the message itself, so a change only warns).
    """
    media: list[MediaItem] = []
    warnings: list[str] = []
    for attachment in message.attachments:
        name = Path(attachment.path).name
        is_image = attachment.mime_type.startswith("image/")
        try:
            prepared = prepare_attachment(attachment.path, limits)
        except AttachmentRefused as refused:
            if is_image:
                warnings.append(
                    f"{name} is no longer available ({refused.reason.rstrip('.')}); "
                    "sent without it."
                )
            else:
                warnings.append(
                    f"{name} is no longer available; the message keeps the text "
                    "it had when it was sent."
                )
            continue
        if prepared.sha256 != attachment.sha256:
            if is_image:
                warnings.append(f"{name} changed since it was attached; sending it as it is now.")
            else:
                warnings.append(
                    f"{name} changed since it was attached; the message keeps the "
                    "version that was sent."
                )
        if is_image and prepared.is_image:
            media.append((prepared.data, prepared.name))
    return media, warnings
