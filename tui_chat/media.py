"""Images of a conversation as files: a model's generated images fetched once (URLs) or
decoded (data URIs), the user's attached images copied, into
`<data>/media/<conversation id>/<sha256[:16]>.<ext>`.

The conversation records each file's path (relative to the data folder) and SHA-256 in a
`MediaFile`; its TOML never holds image bytes. What cannot be had (HTTP 404, too large,
not an image, unreachable) is recorded as a reason in place of the file, never raised.
No Textual here: the app runs `fetch_all` in a worker, `tui-chat ask` awaits it.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import unquote_to_bytes, urljoin

from .providers.helpers import image_type
from .store.atomic import atomic_write
from .store.conversations import MediaFile, Message

__all__ = ["MAX_MEDIA_BYTES", "MediaFile", "MediaProblem", "fetch_all", "store_bytes"]

#: The largest image fetched or decoded: bigger ones are "too large", never read whole.
MAX_MEDIA_BYTES = 20 * 1024 * 1024
#: Seconds to connect, and of silence while reading; the whole fetch at most TOTAL.
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 30.0
TOTAL_TIMEOUT = 120.0

_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


class MediaProblem(Exception):
    """Why an image could not be had, in a few words for the place of the image."""


def full_path(data_dir: Path, media: MediaFile) -> Path:
    """Where a recorded image is on disk."""
    return data_dir / media.path


def store_bytes(
    data_dir: Path, conversation_id: str, data: bytes, media: MediaFile, cap: int = MAX_MEDIA_BYTES
) -> MediaFile:
    """Check `data` is an image (by its bytes) within `cap`, write it atomically under the
    conversation's media folder (once: the same bytes are the same file) and fill in
    `media` (returned). Raises MediaProblem."""
    if len(data) > cap:
        raise MediaProblem(f"too large ({len(data):,} bytes; the limit is {cap:,})")
    kind = image_type(data)
    if kind is None:
        raise MediaProblem("not an image (PNG, JPEG, GIF or WebP)")
    import hashlib  # here, not at start-up (the app starts without it)

    digest = hashlib.sha256(data).hexdigest()
    relative = Path("media") / _safe_name(conversation_id) / f"{digest[:16]}.{_EXTENSIONS[kind]}"
    target = data_dir / relative
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if not (target.is_file() and target.stat().st_size == len(data)):
            atomic_write(target, data)
    except OSError as exc:
        raise MediaProblem(f"could not be saved ({exc.strerror or exc})") from exc
    media.path = relative.as_posix()
    media.sha256 = digest
    media.content_type = kind
    media.size = len(data)
    media.error = ""
    return media


def _safe_name(conversation_id: str) -> str:
    # Ids are hex; anything else (a hand-made file) must not climb out of the folder.
    return "".join(ch for ch in conversation_id if ch.isalnum() or ch in "-_") or "unnamed"


def decode_data_uri(uri: str, cap: int = MAX_MEDIA_BYTES) -> bytes:
    """The bytes of a `data:` URI (base64 or percent-encoded). Raises MediaProblem."""
    head, comma, body = uri.partition(",")
    if not comma:
        raise MediaProblem("a data URI without data")
    # base64 is 4 characters for 3 bytes: refuse before decoding what cannot fit.
    if len(body) * 3 // 4 > cap + 3:
        raise MediaProblem(f"too large (more than {cap:,} bytes)")
    try:
        if head.endswith(";base64"):
            return base64.b64decode(body, validate=False)
        return unquote_to_bytes(body)
    except (binascii.Error, ValueError) as exc:
        raise MediaProblem("a data URI that cannot be decoded") from exc


async def download(
    session: object, url: str, cap: int = MAX_MEDIA_BYTES, proxy: str | None = None
) -> bytes:
    """The body at `url`, read in chunks and stopped past `cap`. Raises MediaProblem."""
    import aiohttp

    assert isinstance(session, aiohttp.ClientSession)
    try:
        async with session.get(url, proxy=proxy or None, allow_redirects=True) as response:
            if response.status >= 400:
                raise MediaProblem(f"HTTP {response.status}")
            length = response.content_length
            if length is not None and length > cap:
                raise MediaProblem(f"too large ({length:,} bytes; the limit is {cap:,})")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.content.iter_chunked(1 << 16):
                size += len(chunk)
                if size > cap:
                    raise MediaProblem(f"too large (over {cap:,} bytes)")
                chunks.append(chunk)
            return b"".join(chunks)
    except MediaProblem:
        raise
    except TimeoutError as exc:
        raise MediaProblem("timed out") from exc
    except aiohttp.InvalidURL as exc:
        raise MediaProblem("not a valid URL") from exc
    except aiohttp.ClientConnectorError as exc:
        raise MediaProblem(f"unreachable ({exc.os_error.strerror or exc})") from exc
    except aiohttp.ClientError as exc:
        raise MediaProblem(f"download failed ({type(exc).__name__})") from exc


def resolve(url: str, base_url: str = "") -> str:
    """A URL as given, or one relative to the provider's (g4f serves its generated images
    as `/media/…` of its own)."""
    if url.startswith(("http://", "https://", "data:")) or not base_url:
        return url
    return urljoin(base_url, url)


async def fetch_one(
    data_dir: Path,
    conversation_id: str,
    media: MediaFile,
    url: str,
    session: object | None = None,
    *,
    cap: int = MAX_MEDIA_BYTES,
    proxy: str | None = None,
) -> MediaFile:
    """Fetch or decode one image into the media folder; a failure becomes `media.error`."""
    try:
        if url.startswith("data:"):
            data = decode_data_uri(url, cap)
        elif url.startswith(("http://", "https://")):
            if session is None:
                raise MediaProblem("no connection to fetch it with")
            data = await download(session, url, cap, proxy)
        else:
            raise MediaProblem("not a URL this client can fetch")
        # Hashing and writing 20 MB takes a while: off the event loop.
        await asyncio.to_thread(store_bytes, data_dir, conversation_id, data, media, cap)
    except MediaProblem as problem:
        media.error = str(problem)
    except Exception as exc:  # never a crash for an image
        media.error = f"failed ({type(exc).__name__}: {exc})"
    return media


async def fetch_all(
    data_dir: Path,
    conversation_id: str,
    items: Sequence[tuple[MediaFile, str]],
    *,
    cap: int = MAX_MEDIA_BYTES,
    proxy: str | None = None,
) -> list[MediaFile]:
    """Fetch or decode each (media, url) at once; each ends with a file or a reason."""
    if not items:
        return []
    import aiohttp

    timeout = aiohttp.ClientTimeout(
        total=TOTAL_TIMEOUT, sock_connect=CONNECT_TIMEOUT, sock_read=READ_TIMEOUT
    )
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await asyncio.gather(
            *(
                fetch_one(data_dir, conversation_id, m, url, session, cap=cap, proxy=proxy)
                for m, url in items
            )
        )
    return [m for m, _url in items]


def attached_media(
    data_dir: Path, conversation_id: str, images: Iterable[tuple[bytes, str]]
) -> list[MediaFile]:
    """The user's attached images (bytes, original path) as copies in the media folder, so
    the conversation still shows them when the originals move; a failure is a reason."""
    out = []
    for data, source in images:
        media = MediaFile(source=source)
        try:
            store_bytes(data_dir, conversation_id, data, media)
        except MediaProblem as problem:
            media.error = str(problem)
        out.append(media)
    return out


def pending(messages: Iterable[Message]) -> list[MediaFile]:
    """The images of these messages still to fetch (a download cut short by a quit)."""
    return [m for message in messages for m in message.media if m.pending]
