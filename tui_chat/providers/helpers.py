"""Helpers shared by providers: prompt flattening, data URIs, image sniffing."""

from __future__ import annotations

import base64
import mimetypes
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any, Union

#: One media item: (data, filename). Data is bytes, a path, a binary file object or a data URI.
MediaData = Union[bytes, bytearray, str, "os.PathLike[str]", IO[bytes]]
MediaItem = tuple[MediaData, str | None]
Message = Mapping[str, Any]

# Audio has no reliable magic we need; it is recognised by its extension, as g4f does.
_AUDIO_TYPES = {
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".flac": "audio/flac",
    ".m4a": "audio/mp4",
    ".webm": "audio/webm",
}


def image_type(data: bytes) -> str | None:
    """The MIME type of an image recognised by its first bytes, or None.

    Only the four types every vision model accepts: jpeg, png, gif, webp.
    """
    if data[:2] == b"\xff\xd8":
        return "image/jpeg"
    if data[:4] == b"\x89PNG":
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def is_image(data: bytes) -> bool:
    return image_type(data) is not None


def media_type(data: bytes, filename: str | None = None) -> str:
    """Best MIME type for bytes: sniffed image type, else audio/other by file extension."""
    sniffed = image_type(data)
    if sniffed:
        return sniffed
    if filename:
        suffix = Path(filename).suffix.lower()
        if suffix in _AUDIO_TYPES:
            return _AUDIO_TYPES[suffix]
        guessed, _ = mimetypes.guess_type(filename)
        if guessed:
            return guessed
    return "application/octet-stream"


def to_bytes(data: MediaData) -> bytes:
    """The raw bytes of a media item's data, whatever form it came in."""
    if isinstance(data, bytes):
        return data
    if isinstance(data, bytearray):
        return bytes(data)
    if isinstance(data, str):
        if data.startswith("data:"):
            _, _, payload = data.partition(",")
            header = data[: len(data) - len(payload)]
            if ";base64" in header:
                return base64.b64decode(payload)
            from urllib.parse import unquote_to_bytes

            return unquote_to_bytes(payload)
        return Path(data).read_bytes()
    if isinstance(data, os.PathLike):
        return Path(data).read_bytes()
    if hasattr(data, "read"):
        content = data.read()
        return content.encode() if isinstance(content, str) else bytes(content)
    raise TypeError(f"cannot read media data of type {type(data).__name__}")


def to_data_uri(data: MediaData, filename: str | None = None) -> str:
    """A `data:` URI for a media item. A `str` is taken to be a URI already and passes unchanged."""
    if isinstance(data, str):
        return data
    raw = to_bytes(data)
    encoded = base64.b64encode(raw).decode("ascii")
    return f"data:{media_type(raw, filename)};base64,{encoded}"


def message_text(content: Any) -> str:
    """The text of a message's content: a string, or the text parts of a list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, Iterable) and not isinstance(content, (bytes, Mapping)):
        texts = []
        for part in content:
            if isinstance(part, Mapping) and part.get("type") == "text":
                texts.append(str(part.get("text", "")))
            elif isinstance(part, str):
                texts.append(part)
        return "\n".join(texts)
    return "" if content is None else str(content)


def format_prompt(messages: list[Message]) -> str:
    """Flatten a chat into one string for providers that take a single prompt.

    One message gives its text alone; several give "Role: text" lines (blank messages
    skipped, only text parts of list content kept) ending with "\\nAssistant:".
    """
    if not messages:
        return ""
    if len(messages) == 1:
        return message_text(messages[0].get("content"))
    lines = []
    for message in messages:
        text = message_text(message.get("content"))
        if not text.strip():
            continue
        role = str(message.get("role", "user")).capitalize()
        lines.append(f"{role}: {text}")
    return "\n".join(lines) + "\nAssistant:"
