"""A conversation as a Markdown document, for reading or sharing outside the app.

Only what the conversation holds goes out: messages, reasoning, usage, attachments by
name and size. API keys are never in a conversation; as a last guard, any key the caller
knows is masked if an error message ever quoted one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from .attachments import describe_size
from .providers.http import redact
from .store import Conversation, Message
from .store.conversations import MediaFile


def _when(value: datetime) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M")


def _fence(text: str) -> str:
    """A code fence longer than any backtick run in the text."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _speaker(message: Message) -> str:
    if message.role == "user":
        return "You"
    if message.role == "system":
        return "System"
    who = " › ".join(part for part in (message.provider, message.model) if part)
    return f"Assistant ({who})" if who else "Assistant"


def conversation_to_markdown(
    conversation: Conversation, secrets: Iterable[str] = (), data_dir: Path | None = None
) -> str:
    """The conversation as Markdown; its images as links to their files in the media
    folder under `data_dir` (absolute paths), or the reason one could not be had."""
    lines = [f"# {conversation.title or 'Untitled conversation'}", ""]
    model = " › ".join(p for p in (conversation.provider, conversation.model) if p)
    lines.append(f"- Created: {_when(conversation.created)}")
    lines.append(f"- Updated: {_when(conversation.updated)}")
    if model:
        lines.append(f"- Model: {model}")
    for name in ("temperature", "max_tokens"):
        if name in conversation.parameters:
            lines.append(
                f"- {name.replace('_', ' ').capitalize()}: {conversation.parameters[name]}"
            )
    lines.append(f"- Messages: {len(conversation.messages)}")
    if conversation.system_prompt.strip():
        lines += ["", "**System prompt:**", "", f"> {conversation.system_prompt.strip()}"]
    hidden: list[tuple[str, list[Message]]] = []
    _messages(conversation.messages, lines, "##", hidden, "", data_dir)
    if hidden:
        # Retried answers, edits and the other models' answers: after the conversation as
        # it was read, each with the messages that followed it there.
        lines += ["", "---", "", "## Other variants"]
    while hidden:
        where, branch = hidden.pop(0)
        lines += ["", "---", "", f"### {where}"]
        _messages(branch, lines, "####", hidden, where + " ›", data_dir)
    return redact("\n".join(lines).rstrip() + "\n", list(secrets))


def _messages(
    messages: list[Message],
    lines: list[str],
    heading: str,
    hidden: list[tuple[str, list[Message]]],
    trail: str,
    data_dir: Path | None = None,
) -> None:
    """The messages' sections; the variants hidden under them go to `hidden`, named."""
    for position, message in enumerate(messages):
        title = f"{_speaker(message)} · {_when(message.created)}"
        if message.variants:
            count = len(message.variants) + 1
            title += f" · variant {message.variant + 1} of {count}"
            others = [n for n in range(count) if n != message.variant]
            for number, branch in zip(others, message.variants, strict=True):
                where = f"{trail} Message {position + 1}, variant {number + 1} of {count}"
                hidden.append((where.strip(), branch))
        lines += ["", "---", "", f"{heading} {title}", ""]
        _message_body(message, lines, data_dir)


def _message_body(message: Message, lines: list[str], data_dir: Path | None = None) -> None:
    if message.reasoning.strip():
        fence = _fence(message.reasoning)
        lines += [
            "<details><summary>Reasoning</summary>", "", fence, message.reasoning.strip(),
            fence, "", "</details>", "",
        ]  # fmt: skip
    if message.content:
        lines.append(message.content)
    for media in message.media:
        lines += ["", _media_line(media, data_dir)]
    notes = []
    for attachment in message.attachments:
        notes.append(
            f"- Attachment: `{Path(attachment.path).name}` ({attachment.mime_type}, "
            f"{describe_size(attachment.size)}, sha256 {attachment.sha256[:12]}…)"
        )
    if message.status == "stopped":
        notes.append("- *Stopped before the end.*")
    elif message.status == "failed":
        notes.append(f"- *Failed: {message.error or 'unknown error'}*")
    if message.usage:
        counts = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in message.usage.items())
        notes.append(f"- Tokens: {counts}")
    if message.finish_reason and message.finish_reason != "stop":
        notes.append(f"- Finish reason: {message.finish_reason}")
    if notes:
        lines += ["", *notes]


def _media_line(media: MediaFile, data_dir: Path | None) -> str:
    """An image as Markdown: a link to its saved file, or why there is none."""
    alt = " ".join(media.alt.replace("]", " ").replace("[", " ").split()) or "image"
    if media.path:
        where = data_dir / media.path if data_dir is not None else Path(media.path)
        return f"![{alt}](<{where}>)"
    source = "" if media.source in ("", "data:") else f" ({media.source})"
    why = media.error or "not fetched yet"
    return f"*Image{source}: {why}*"


def export_filename(conversation: Conversation) -> str:
    """A file name for the export: the title's words, and the date."""
    words = re.sub(r"[^\w\- ]+", "", conversation.title or "conversation").strip()
    slug = re.sub(r"\s+", "-", words)[:50].strip("-").lower() or "conversation"
    return f"{slug}-{conversation.created.astimezone().strftime('%Y%m%d-%H%M')}.md"
