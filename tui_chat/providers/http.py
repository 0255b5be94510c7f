"""The one place providers talk HTTP: sessions, error mapping and stream parsing.

Every aiohttp failure is turned into a typed `ProviderError` here, so providers and their
callers never see a raw aiohttp exception and every message reads as a sentence.
"""

from __future__ import annotations

import json
import os
import re
import ssl as ssl_module
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import aiohttp

from .errors import (
    AuthenticationRequiredError,
    BadResponseError,
    ConnectionFailedError,
    HTTPStatusError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitedError,
)
from .masking import Secrets, mask, mask_error, normalized
from .timeouts import Timeouts  # (here for those who import it from http)

#: A single stream line longer than this is refused rather than eating all memory.
MAX_LINE_BYTES = 64 * 1024 * 1024
#: How much of an error body is read to find the server's message.
MAX_ERROR_BODY = 256 * 1024

SSLSetting = bool | ssl_module.SSLContext | None


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every secret (API key) in `text` with a mask."""
    return mask(text, normalized(secrets))


def host_of(url: str) -> str:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # "http://[::1", a port out of range: name the URL as it is
        return url
    if port:
        return f"{parts.hostname}:{port}"
    return parts.hostname or url


def session(
    headers: dict[str, str] | None = None, timeouts: Timeouts | None = None
) -> aiohttp.ClientSession:
    """A client session with our timeouts. Use as `async with session(...) as s:`."""
    import aiohttp  # here, not at start-up: it costs a quarter second

    return aiohttp.ClientSession(
        headers=headers or {},
        timeout=(timeouts or Timeouts()).client_timeout(),
        # Proxies come from settings, never silently from the environment.
        trust_env=False,
    )


# --- error messages ---------------------------------------------------------------------

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _shorten(text: str, limit: int = 300) -> str:
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _message_from_json(value: Any) -> str | None:
    """The human message inside the usual error shapes: {"error": {"message"}}, {"detail"}..."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value:
        return _message_from_json(value[0])
    if isinstance(value, dict):
        for key in ("message", "error", "detail", "msg", "error_description", "response"):
            if key in value:
                found = _message_from_json(value[key])
                if found:
                    return found
    return None


def server_message(body: bytes, content_type: str = "", secrets: Iterable[str | None] = ()) -> str:
    """The server's own words from an error body: JSON (even pretty-printed), HTML or text.

    Secrets are masked before the words are shortened: a key cut in two by the
    shortening would no longer be found whole.
    """
    hidden = normalized(secrets)
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return ""
    if text[:1] in "{[":
        try:
            found = _message_from_json(json.loads(text))
        except ValueError:
            found = None
        if found:
            return _shorten(mask(found, hidden))
    if "html" in content_type.lower() or text[:1] == "<":
        import html  # here, not at start-up (its entity table: ~5 M instructions)

        title = _TITLE.search(text)
        if title and title.group(1).strip():
            return _shorten(mask(html.unescape(title.group(1)), hidden))
        return _shorten(mask(html.unescape(_TAG.sub(" ", text)), hidden))
    return _shorten(mask(text, hidden))


def status_error(
    status: int,
    body: bytes,
    content_type: str = "",
    reason: str = "",
    url: str = "",
    secrets: Iterable[str | None] = (),
) -> ProviderError:
    """The typed error for an HTTP error status, carrying the server's message."""
    message = server_message(body, content_type, secrets) or reason
    if status in (401, 403):
        return AuthenticationRequiredError(message, status=status, url=url)
    if status == 429:
        return RateLimitedError(message, status=status, url=url)
    hint = None
    if status == 404:
        hint = "Check the URL and the model name."
    elif status >= 500:
        hint = "The server had a problem; retry in a moment."
    return HTTPStatusError(status, message, url=url, hint=hint)


def connection_error(
    error: BaseException,
    url: str,
    *,
    proxy: str | None = None,
    timeouts: Timeouts | None = None,
    streaming: bool = False,
) -> ProviderError:
    """Translate an aiohttp/OS failure into a sentence naming the host and what happened."""
    import aiohttp  # here, not at start-up: it costs a quarter second

    host = host_of(url)
    timeouts = timeouts or Timeouts()
    if isinstance(error, aiohttp.ClientProxyConnectionError):
        return ConnectionFailedError(
            f"Could not connect through the proxy {host_of(proxy or '')}: {_os_reason(error)}.",
            hint="Check the proxy setting.",
        )
    if isinstance(error, aiohttp.ClientHttpProxyError):
        return ConnectionFailedError(
            f"The proxy {host_of(proxy or '')} refused the connection to {host} "
            f"(HTTP {error.status}: {error.message}).",
            hint="Check the proxy setting.",
        )
    if isinstance(error, (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError)):
        reason = _os_reason(error)
        return ConnectionFailedError(
            f"The secure (TLS) connection to {host} failed: {reason}.",
            hint="Check the URL's scheme (http or https) and the server's certificate.",
            reason=reason,
            unreachable=True,
        )
    dns_error = getattr(aiohttp, "ClientConnectorDNSError", None)
    if dns_error is not None and isinstance(error, dns_error):
        reason = "the name does not resolve"
        return ConnectionFailedError(
            f"Could not find the server {host_of(url).split(':')[0]}: {reason}.",
            hint="Check the host name in the URL.",
            reason=reason,
            unreachable=True,
        )
    if isinstance(error, aiohttp.ClientConnectorError):
        reason = _os_reason(error)
        return ConnectionFailedError(
            f"Could not connect to {host}: {reason}.", reason=reason, unreachable=True
        )
    if isinstance(error, (TimeoutError, aiohttp.ServerTimeoutError)):
        if isinstance(error, aiohttp.ConnectionTimeoutError):
            return ProviderTimeoutError(
                f"Could not connect to {host} within {timeouts.connect:g} seconds."
            )
        if streaming:
            return ProviderTimeoutError(
                f"The answer from {host} stalled: nothing arrived for {timeouts.read:g} seconds."
            )
        return ProviderTimeoutError(
            f"The server at {host} did not answer within {timeouts.read:g} seconds."
        )
    if isinstance(
        error,
        (
            aiohttp.ServerDisconnectedError,
            aiohttp.ClientPayloadError,
            aiohttp.ClientOSError,
            ConnectionError,
        ),
    ):
        if streaming:
            return ConnectionFailedError(
                f"The connection to {host} was cut before the answer finished.",
                hint="Retry, or continue the answer.",
            )
        return ConnectionFailedError(f"The connection to {host} was closed: {_os_reason(error)}.")
    if isinstance(error, aiohttp.InvalidURL):
        return invalid_url(url)
    non_http = getattr(aiohttp, "NonHttpUrlClientError", None)
    if non_http is not None and isinstance(error, non_http):
        return invalid_url(url)
    if isinstance(error, aiohttp.TooManyRedirects):
        return ConnectionFailedError(f"The server at {host} redirected too many times.")
    if isinstance(error, aiohttp.ClientResponseError):
        # Status errors never get here (they are read from the response); this is aiohttp's
        # parser refusing what came back, e.g. a URL pointing at a port that is not HTTP.
        detail = (error.message or "").strip().splitlines()
        reason = detail[0].strip().rstrip(":").lower() if detail else "unreadable response"
        return BadResponseError(f"The server at {host} did not answer in HTTP: {reason}.")
    return ConnectionFailedError(f"Request to {host} failed: {_os_reason(error)}.")


_SSL_PREFIX = re.compile(r"^\[[^\]]*\]\s*")
_SSL_SUFFIX = re.compile(r"\s*\(_ssl\.c:\d+\)$")


def invalid_url(url: str) -> ProviderError:
    return ConnectionFailedError(
        f"The URL {url!r} is not a valid http:// or https:// address.",
        hint="Fix it in settings.",
    )


def _os_reason(error: BaseException) -> str:
    os_error = getattr(error, "os_error", None)
    if not isinstance(os_error, OSError) and isinstance(error, OSError):
        os_error = error
    if isinstance(os_error, ssl_module.SSLError):
        # An SSL error's errno is an OpenSSL code, not an OS errno: strerror(1) would
        # say "operation not permitted". Its own text says what went wrong.
        text = os_error.strerror or str(os_error)
        return _SSL_SUFFIX.sub("", _SSL_PREFIX.sub("", text)).rstrip(".") or "TLS error"
    if isinstance(os_error, OSError) and os_error.errno:
        # asyncio's strerror ("Connect call failed (...)") says less than the errno does.
        return os.strerror(os_error.errno).lower()
    text = str(error) or type(error).__name__
    return text.rstrip(".")


# --- requests ---------------------------------------------------------------------------


@asynccontextmanager
async def request(
    client: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    timeouts: Timeouts | None = None,
    proxy: str | None = None,
    ssl: SSLSetting = None,
    secrets: Iterable[str | None] = (),
    **kwargs: Any,
) -> AsyncIterator[aiohttp.ClientResponse]:
    """Send a request; yield the response once it is known to be a success.

    Error statuses raise the typed error with the server's message; network failures
    before or during the body raise `ConnectionFailedError`/`ProviderTimeoutError`.
    Secrets are masked out of any error leaving the block, whoever raised it.
    """
    import aiohttp  # here, not at start-up: it costs a quarter second

    hidden = normalized(secrets)
    started = False
    try:
        async with client.request(
            method, url, proxy=proxy or None, ssl=True if ssl is None else ssl, **kwargs
        ) as response:
            if response.status >= 400:
                body = await _read_capped(response, MAX_ERROR_BODY)
                error = status_error(
                    response.status,
                    body,
                    response.content_type or "",
                    response.reason or "",
                    url,
                    hidden,
                )
                raise _redacted(error, hidden)
            started = True
            yield response
    except ProviderError as error:
        raise _redacted(error, hidden) from None
    except (aiohttp.ClientError, TimeoutError, OSError) as error:
        mapped = connection_error(error, url, proxy=proxy, timeouts=timeouts, streaming=started)
        raise _redacted(mapped, hidden) from error
    except ValueError as error:
        if started:
            mask_error(error, hidden)
            raise  # the caller's own error while reading the body
        # yarl refuses some URLs ("http://[::1", a port over 65535) with a bare ValueError.
        raise _redacted(invalid_url(url), hidden) from error
    except Exception as error:
        # Anything else the caller raised while reading (a bug included) goes on as it is,
        # but without a secret in it: every error out of a request is masked here.
        mask_error(error, hidden)
        raise


async def _read_capped(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """Up to `limit` bytes of the body, however many reads it takes.

    `StreamReader.read(n)` returns whatever has arrived, so one call may give only the
    first chunk of an error body written in pieces.
    """
    body = bytearray()
    while len(body) < limit:
        chunk = await response.content.read(limit - len(body))
        if not chunk:
            break
        body += chunk
    return bytes(body)


def _redacted(error: ProviderError, secrets: Secrets) -> ProviderError:
    # The message, and the server's own words kept on the error (shown or logged apart
    # from the message): a server that echoes the key back must not leak it through them.
    mask_error(error, secrets)
    return error


async def read_json(
    response: aiohttp.ClientResponse, what: str = "response", secrets: Iterable[str | None] = ()
) -> Any:
    """The body as JSON, or a `BadResponseError` saying what came instead."""
    body = await response.read()
    try:
        return json.loads(body)
    except ValueError:
        kind = "an HTML page" if body.lstrip()[:1] == b"<" else "text that is not JSON"
        text = mask(body.decode("utf-8", "replace"), normalized(secrets))
        raise BadResponseError(
            f"The server sent {kind} instead of a JSON {what} ({_shorten(text, 80)!r})."
        ) from None


# --- stream parsing ---------------------------------------------------------------------

_NEWLINE = re.compile(rb"\r\n|\r|\n")


# The parsers below are plain classes fed one network read at a time, not a chain of
# async generators: a fast stream is ~30,000 lines, and passing each line and event
# through two or three generator layers cost about as much as reading them.


class LineSplitter:
    """Splits a byte stream into text lines, whatever the line ends (\\n, \\r\\n, \\r).

    Lines may be split anywhere across reads (even inside a \\r\\n pair or a multi-byte
    character) and may be megabytes long: each read is scanned once, so the cost stays
    linear in the size of the stream.
    """

    def __init__(self, max_line: int = MAX_LINE_BYTES) -> None:
        self.max_line = max_line
        self._buffer = bytearray()
        self._skip_lf = False  # the last read ended in \r: a \n starting the next is its end

    def feed(self, chunk: bytes) -> list[str]:
        """The lines a read completes."""
        if not chunk:
            return []
        if self._skip_lf and chunk[:1] == b"\n":
            chunk = chunk[1:]
        self._skip_lf = False
        buffer = self._buffer
        scan_from = len(buffer)
        buffer += chunk
        lines: list[str] = []
        start = 0
        for match in _NEWLINE.finditer(buffer, scan_from):
            lines.append(buffer[start : match.start()].decode("utf-8", errors="replace"))
            start = match.end()
        if start:
            self._skip_lf = buffer[start - 1 : start] == b"\r" and start == len(buffer)
            del buffer[:start]
        if len(buffer) > self.max_line:
            raise BadResponseError(
                f"The server sent a single line longer than {self.max_line // (1024 * 1024)} MB."
            )
        return lines

    def close(self) -> list[str]:
        """The last line, when the stream ends without a line end."""
        rest, self._buffer = self._buffer, bytearray()
        return [rest.decode("utf-8", errors="replace")] if rest else []


class StreamItem(NamedTuple):
    """One payload of a stream: an SSE event's data, or a bare line (NDJSON framing)."""

    data: str
    event: str = ""


class EventFramer:
    """Server-sent events and bare JSON lines, from one stream's lines.

    `data:` lines gather until a blank line ends the event (the SSE rule, so one event's
    data may span lines); `event:` names it; `id:`, `retry:` and `:` comments are ignored.
    Any other non-blank line is a payload on its own (the older newline-delimited framing).
    """

    def __init__(self) -> None:
        self._event = ""
        self._data: list[str] = []

    def feed(self, lines: list[str]) -> list[StreamItem]:
        """The payloads these lines complete."""
        items: list[StreamItem] = []
        for line in lines:
            if not line:
                if self._data:
                    items.append(StreamItem("\n".join(self._data), self._event))
                self._event, self._data = "", []
                continue
            if line[0] == ":":
                continue
            name, colon, value = line.partition(":")
            if colon and name in ("data", "event", "id", "retry"):
                if value[:1] == " ":
                    value = value[1:]
                if name == "data":
                    self._data.append(value)
                elif name == "event":
                    self._event = value
                continue
            if self._data:
                # A bare line while an event is open: the server forgot the blank line.
                items.append(StreamItem("\n".join(self._data), self._event))
                self._event, self._data = "", []
            items.append(StreamItem(line))
        return items

    def close(self) -> list[StreamItem]:
        """An event the stream ended inside (no blank line after it)."""
        data, self._data = self._data, []
        return [StreamItem("\n".join(data), self._event)] if data else []


async def iter_batches(response: aiohttp.ClientResponse) -> AsyncIterator[list[StreamItem]]:
    """The payloads of a streaming response body, as each network read completes them."""
    lines, framer = LineSplitter(), EventFramer()
    async for chunk in response.content.iter_any():
        items = framer.feed(lines.feed(chunk))
        if items:
            yield items
    items = framer.feed(lines.close()) + framer.close()
    if items:
        yield items
