"""Files attached to a message: the rules, without any UI.

`prepare_attachment(path, limits)` reads one file and decides how it is sent:

- an image (PNG, JPEG, GIF or WebP, recognised by its first bytes, whatever its name)
  goes to the provider as media, `(bytes, filename)`;
- a file of UTF-8 text is inlined into the user's message as a fenced block headed by
  its file name (`Prepared.inline_block()`, `compose_prompt()`);
- anything else is refused with `AttachmentRefused`, whose `str()` is a sentence a user
  understands: a folder, a missing file or broken link, a file that cannot be read, a
  binary that is neither an image nor text, a file over the size cap.

The saved message keeps `Prepared.attachment()` (path, MIME type, size, SHA-256): the
file is described, never copied. Nothing here imports Textual or touches the network,
so the app can use it as well as `tui-chat ask`.
"""

from __future__ import annotations

import mimetypes
import os
import re
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path

from tui_chat.providers.helpers import MediaItem, image_type
from tui_chat.record import record
from tui_chat.store import Attachment, AttachmentLimits

IMAGE, TEXT = "image", "text"

__all__ = [
    "IMAGE",
    "TEXT",
    "AttachmentRefused",
    "Prepared",
    "compose_prompt",
    "describe_size",
    "media_items",
    "path_in_text",
    "paths_in_text",
    "prepare_attachment",
    "prepare_attachments",
    "prepare_data",
]

# Enough to tell every image type image_type() knows.
_SNIFF = 16


class AttachmentRefused(ValueError):
    """A file that cannot be attached; `str()` says which file and why."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"Cannot attach {self.path}: {reason}")


# A frozen record (record.py): immutable, compared and printed alike, and made without
# compiling methods from source (a named tuple's class costs ~0.7 M instructions).
@record(frozen=True)
class Prepared:
    """One attachment, read and checked, ready to send."""

    path: Path  # absolute, as the user named it (symlinks not resolved)
    name: str  # the file name shown to the model and the user
    kind: str  # IMAGE or TEXT
    mime_type: str
    size: int
    sha256: str
    data: bytes
    text: str = ""  # the decoded text, for TEXT

    @property
    def is_image(self) -> bool:
        return self.kind == IMAGE

    def media(self) -> MediaItem | None:
        """`(bytes, filename)` for a provider's `media` argument; None for text."""
        return (self.data, self.name) if self.kind == IMAGE else None

    def inline_block(self) -> str:
        """The text as it goes into the message: the file name, then a fenced block.

        The fence is longer than any run of backticks in the text, so the text cannot
        close it early.
        """
        if self.kind != TEXT:
            return ""
        fence = "`" * max(3, _longest_backtick_run(self.text) + 1)
        body = self.text if self.text.endswith("\n") or not self.text else self.text + "\n"
        return f"{self.name}:\n{fence}\n{body}{fence}"

    def attachment(self) -> Attachment:
        """What the saved message records about the file."""
        return Attachment(
            path=str(self.path), mime_type=self.mime_type, size=self.size, sha256=self.sha256
        )


def prepare_attachment(path: str | os.PathLike[str], limits: AttachmentLimits) -> Prepared:
    """Read and check one file; raises `AttachmentRefused` with the reason."""
    shown = os.fspath(path)
    file = Path(os.path.abspath(os.path.expanduser(shown)))
    try:
        info = os.stat(file)
    except FileNotFoundError:
        if file.is_symlink():
            raise AttachmentRefused(shown, "it is a link to a file that does not exist.") from None
        raise AttachmentRefused(shown, "there is no such file.") from None
    except NotADirectoryError:
        raise AttachmentRefused(shown, "there is no such file.") from None
    except PermissionError:
        raise AttachmentRefused(shown, "it cannot be read (permission denied).") from None
    except OSError as error:
        raise AttachmentRefused(shown, f"it cannot be read ({_reason(error)}).") from None
    if stat.S_ISDIR(info.st_mode):
        raise AttachmentRefused(shown, "it is a folder; attach the files in it instead.")
    if not stat.S_ISREG(info.st_mode):
        raise AttachmentRefused(shown, "it is not a regular file.")
    try:
        with open(file, "rb") as f:
            head = f.read(_SNIFF)
            sniffed = image_type(head)
            cap = limits.max_image_bytes if sniffed else limits.max_text_bytes
            size = os.fstat(f.fileno()).st_size
            if size > cap:
                raise _too_big(shown, size, cap, sniffed)
            # Read at most one byte over the cap: a file growing meanwhile is still caught.
            data = head + f.read(cap + 1 - len(head))
    except AttachmentRefused:
        raise
    except PermissionError:
        raise AttachmentRefused(shown, "it cannot be read (permission denied).") from None
    except OSError as error:
        raise AttachmentRefused(shown, f"it cannot be read ({_reason(error)}).") from None
    if len(data) > cap:
        raise _too_big(shown, len(data), cap, sniffed)
    return _classify(data, file.name, file, shown)


def prepare_data(
    data: bytes, name: str, limits: AttachmentLimits, *, path: str | os.PathLike[str] = ""
) -> Prepared:
    """The same rules for bytes that are not a file (piped input, a paste): `name` is
    what the model is told, `path` what the saved message records (default: `name`)."""
    shown = os.fspath(path) or name
    sniffed = image_type(data[:_SNIFF])
    cap = limits.max_image_bytes if sniffed else limits.max_text_bytes
    if len(data) > cap:
        raise _too_big(shown, len(data), cap, sniffed)
    return _classify(bytes(data), name, Path(shown), shown)


def _classify(data: bytes, name: str, path: Path, shown: str) -> Prepared:
    import hashlib  # here, not at start-up (the app starts without it)

    digest = hashlib.sha256(data).hexdigest()
    sniffed = image_type(data[:_SNIFF])
    if sniffed:
        return Prepared(path, name, IMAGE, sniffed, len(data), digest, data)
    text = _as_text(data)
    if text is None:
        raise AttachmentRefused(
            shown, "it is neither an image (PNG, JPEG, GIF, WebP) nor UTF-8 text."
        )
    return Prepared(path, name, TEXT, _text_mime(name), len(data), digest, data, text)


def prepare_attachments(
    paths: Iterable[str | os.PathLike[str]], limits: AttachmentLimits
) -> list[Prepared]:
    """Every file, in order; the first refusal raises and nothing is kept."""
    return [prepare_attachment(path, limits) for path in paths]


def media_items(prepared: Iterable[Prepared]) -> list[MediaItem]:
    """The images, as a provider's `media` argument."""
    return [item for p in prepared if (item := p.media()) is not None]


def compose_prompt(question: str, prepared: Sequence[Prepared] = (), context: str = "") -> str:
    """The user message's text: piped `context` first, then text files, then the question.

    Parts are separated by a blank line; empty parts are left out. Images are not in
    the text (they go as media).
    """
    parts = [context.strip("\n")] if context.strip() else []
    parts.extend(p.inline_block() for p in prepared if p.kind == TEXT)
    if question.strip():
        parts.append(question.strip("\n"))
    return "\n\n".join(parts)


def path_in_text(text: str) -> Path | None:
    """The existing file a line of text names, as terminals paste a dropped file: maybe
    quoted, maybe a file:// URL, maybe with escaped spaces. None when it names none."""
    from urllib.parse import unquote, urlsplit

    text = text.strip()
    if "\n" in text or not text:
        return None
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    if text.startswith("file://"):
        text = unquote(urlsplit(text).path)
    path = Path(os.path.expanduser(text.replace("\\ ", " ")))
    try:
        return path if path.is_file() else None
    except OSError:
        return None


def paths_in_text(text: str) -> list[Path]:
    """The files named one per line, if every non-blank line names one; else none (the
    text is a message, not a list of files)."""
    paths = []
    for line in text.splitlines():
        if line.strip():
            path = path_in_text(line)
            if path is None:
                return []
            paths.append(path)
    return paths


def describe_size(size: int) -> str:
    """A size for people: "512 bytes", "12.5 KiB", "20.0 MiB"."""
    if size < 1024:
        return f"{size} byte" + ("" if size == 1 else "s")
    value = float(size)
    for unit in ("KiB", "MiB", "GiB"):
        value /= 1024
        if value < 1024 or unit == "GiB":
            break
    return f"{value:.1f} {unit}"


def _too_big(shown: str, size: int, cap: int, image: str | None) -> AttachmentRefused:
    what, setting = ("images", "max_image_bytes") if image else ("text files", "max_text_bytes")
    return AttachmentRefused(
        shown,
        f"it is {describe_size(size)}, over the {describe_size(cap)} limit for {what} "
        f"(attachments.{setting} in settings.toml).",
    )


def _as_text(data: bytes) -> str | None:
    if b"\x00" in data:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text.removeprefix("\ufeff")


def _text_mime(name: str) -> str:
    guessed, _ = mimetypes.guess_type(name)
    if guessed and (guessed.startswith("text/") or guessed.endswith(("json", "xml", "yaml"))):
        return guessed
    return "text/plain"


def _longest_backtick_run(text: str) -> int:
    return max(map(len, re.findall(r"`+", text)), default=0)


def _reason(error: OSError) -> str:
    return (error.strerror or type(error).__name__).lower()
