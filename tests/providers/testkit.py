"""Loopback servers and helpers for the provider tests.

Two kinds of server:
- `Server`: an aiohttp application on 127.0.0.1 whose handler writes the body itself
  (`web.StreamResponse`), recording every request it received.
- `RawServer`: a bare `asyncio` socket server that writes the whole HTTP response byte by
  byte from a script, for what aiohttp's framing would hide (a cut mid-body, a server that
  accepts and never answers, `\\r` line ends).
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import json
import ssl
import struct
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

from tui_chat.providers.errors import ProviderError

#: Error statuses with their reason phrases, and error bodies in every shape servers send.
REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
BODIES = {
    "json": (b'{"error": {"message": "Model is overloaded"}}', "application/json"),
    "pretty-json": (
        b'{\n    "error": {\n        "message": "Model is overloaded"\n    }\n}\n',
        "application/json",
    ),
    "html": (
        b"<!DOCTYPE html>\n<html><head><title>Model is overloaded</title></head>"
        b"<body><h1>Sorry</h1></body></html>",
        "text/html",
    ),
    "empty": (b"", "text/plain"),
}


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def tiny_png() -> bytes:
    """A real, valid 1x1 PNG (a green dot)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x00\xff\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


PNG = tiny_png()


# --- what a server received ---------------------------------------------------------------


@dataclass(frozen=True)
class FormFile:
    filename: str | None
    content_type: str
    data: bytes


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    #: The request target as sent: path and query, or an absolute URI (at a proxy).
    target: str
    headers: CIMultiDict[str]
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def form(self) -> dict[str, str | FormFile]:
        return parse_multipart(self.headers.get("Content-Type", ""), self.body)


def parse_multipart(content_type: str, body: bytes) -> dict[str, str | FormFile]:
    """The fields of a multipart/form-data body: text as `str`, files as `FormFile`."""
    assert content_type.startswith("multipart/form-data"), content_type
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    fields: dict[str, str | FormFile] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        filename = part.get_filename()
        if filename is None and part.get_content_type() == "text/plain":
            fields[name] = payload.decode("utf-8")
        else:
            fields[name] = FormFile(filename, part.get_content_type(), payload)
    return fields


# --- aiohttp servers ----------------------------------------------------------------------


@dataclass
class Server:
    url: str = ""
    port: int = 0
    requests: list[Seen] = field(default_factory=list)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"


async def start_server(
    handler: Handler, runners: list[web.AppRunner], ssl_context: ssl.SSLContext | None = None
) -> Server:
    server = Server()

    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        body = await request.read()
        server.requests.append(
            Seen(request.method, request.raw_path, CIMultiDict(request.headers), body)
        )
        return await handler(request)

    app = web.Application(middlewares=[record], client_max_size=64 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, shutdown_timeout=0.5, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
    await site.start()
    runners.append(runner)
    server.port = runner.addresses[0][1]
    scheme = "https" if ssl_context else "http"
    server.url = f"{scheme}://127.0.0.1:{server.port}"
    return server


def stream(
    chunks: Iterable[bytes],
    *,
    status: int = 200,
    content_type: str = "text/event-stream",
    delay: float = 0.0,
    headers: dict[str, str] | None = None,
) -> Handler:
    """A handler writing `chunks` one write each (chunked transfer), `delay` s apart."""
    chunks = list(chunks)

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=status, headers=headers)
        response.content_type = content_type
        await response.prepare(request)
        for index, chunk in enumerate(chunks):
            if delay and index:
                await asyncio.sleep(delay)
            await response.write(chunk)
        await response.write_eof()
        return response

    return handler


def reply(
    body: bytes | str | Any,
    *,
    status: int = 200,
    content_type: str | None = None,
) -> Handler:
    """A handler answering one whole body (JSON-encoded unless bytes/str) with a length."""
    if isinstance(body, str):
        data, kind = body.encode(), content_type or "text/plain"
    elif isinstance(body, bytes):
        data, kind = body, content_type or "application/octet-stream"
    else:
        data, kind = json.dumps(body).encode(), content_type or "application/json"

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, body=data, headers={"Content-Type": kind})

    return handler


def routes(table: dict[str, Handler]) -> Handler:
    """A handler dispatching on the request path."""

    async def handler(request: web.Request) -> web.StreamResponse:
        chosen = table.get(request.path)
        if chosen is None:
            return web.json_response({"error": {"message": "no such route"}}, status=404)
        return await chosen(request)

    return handler


# --- a forward proxy ------------------------------------------------------------------------

_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "host",
}


async def forward(request: web.Request) -> web.StreamResponse:
    """A plain forward proxy for http:// URLs: the request line holds an absolute URI."""
    from aiohttp import ClientSession

    target = request.raw_path
    assert target.startswith("http://"), f"not a proxy request: {target}"
    body = await request.read()
    headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
    async with (
        ClientSession(auto_decompress=False) as client,
        client.request(
            request.method, target, headers=headers, data=body, allow_redirects=False
        ) as upstream,
    ):
        response = web.StreamResponse(
            status=upstream.status,
            headers={k: v for k, v in upstream.headers.items() if k.lower() not in _HOP_BY_HOP},
        )
        await response.prepare(request)
        async for chunk in upstream.content.iter_any():
            await response.write(chunk)
        await response.write_eof()
        return response


# --- raw socket servers ---------------------------------------------------------------------

#: A script step: wait until the test ends (a server that stalls for good).
HANG = object()
#: A script step: close the connection at once, answering nothing more.
CLOSE = object()

Step = bytes | float | object


@dataclass
class RawServer:
    url: str = ""
    port: int = 0
    #: Each request's head (request line and headers) and body, as received.
    requests: list[tuple[bytes, bytes]] = field(default_factory=list)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"


async def _read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if not size:
                break
            body += chunk[:-2]
    else:
        body = await reader.readexactly(int(headers.get(b"content-length", b"0")))
    return head, body


class RawServers:
    """Starts raw servers and stops them (and their connections) at the end of a test."""

    def __init__(self) -> None:
        self.servers: list[asyncio.base_events.Server] = []
        self.tasks: set[asyncio.Task[None]] = set()
        self.stopping = asyncio.Event()

    async def start(self, script: Sequence[Step], *, read_request: bool = True) -> RawServer:
        raw = RawServer()

        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            self.tasks.add(task)
            try:
                if read_request:
                    raw.requests.append(await _read_request(reader))
                for step in script:
                    if step is HANG:
                        await self.stopping.wait()
                    elif step is CLOSE:
                        break
                    elif isinstance(step, (int, float)):
                        await asyncio.sleep(step)
                    else:
                        assert isinstance(step, bytes)
                        writer.write(step)
                        await writer.drain()
            except (ConnectionError, asyncio.IncompleteReadError):
                pass
            finally:
                writer.close()

        server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
        self.servers.append(server)
        raw.port = server.sockets[0].getsockname()[1]
        raw.url = f"http://127.0.0.1:{raw.port}"
        return raw

    async def close(self) -> None:
        self.stopping.set()
        for server in self.servers:
            server.close()
        # Handlers end on their own once `stopping` is set (or their client is gone).
        await asyncio.wait_for(asyncio.gather(*self.tasks, return_exceptions=True), 5)
        for server in self.servers:
            await server.wait_closed()


def http_head(
    status: str = "200 OK",
    content_type: str = "text/event-stream",
    *,
    length: int | None = None,
    chunked: bool = False,
    extra: Sequence[str] = (),
) -> bytes:
    """An HTTP/1.1 response head; no length and not chunked means 'body ends at close'."""
    lines = [f"HTTP/1.1 {status}", f"Content-Type: {content_type}", *extra]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    elif chunked:
        lines.append("Transfer-Encoding: chunked")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def chunk(data: bytes) -> bytes:
    """One chunk of a chunked body."""
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


LAST_CHUNK = b"0\r\n\r\n"


# --- stream framing -------------------------------------------------------------------------


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(", ", ": ")).encode()


def sse(obj: dict[str, Any], event: str | None = None) -> bytes:
    """One event as g4f's newer servers frame it: `event:`, `data:`, blank line."""
    name = obj.get("type") if event is None else event
    head = f"event: {name}\n".encode() if name else b""
    return head + b"data: " + dumps(obj) + b"\n\n"


def ndjson(obj: dict[str, Any]) -> bytes:
    """One event as older g4f servers frame it: a bare JSON line."""
    return dumps(obj) + b"\n"


#: The event that ends a whole g4f answer: a stream without it was cut short.
FINISH = {"type": "finish", "finish": {"reason": "stop"}}


def split_bytes(data: bytes, size: int = 1) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


async def collect(gen: AsyncIterator[Any]) -> tuple[list[Any], ProviderError | None]:
    """Everything a caller receives, and the ProviderError that ended the stream, if any."""
    items: list[Any] = []
    try:
        async for item in gen:
            items.append(item)
    except ProviderError as error:
        return items, error
    return items, None


async def answer(gen: AsyncIterator[Any]) -> list[Any]:
    """Everything a caller receives from a stream that must end without an error."""
    items, error = await collect(gen)
    assert error is None, f"unexpected {type(error).__name__}: {error}"
    return items


# --- one call per provider kind -------------------------------------------------------------

KINDS = ["BackendApi", "OpenAICompatible", "Dynaspark"]
#: Where each kind posts its chat request, below the server's base URL.
PATHS = {
    "BackendApi": "/backend-api/v2/conversation",
    "OpenAICompatible": "/v1/chat/completions",
    "Dynaspark": "/api/generate_response",
}
MESSAGES = [{"role": "system", "content": "Be brief"}, {"role": "user", "content": "Hi"}]


def provider_at(kind: str, base_url: str) -> Any:
    """A provider of `kind` configured to talk to a server at `base_url`."""
    from tui_chat.providers import BackendApi, Dynaspark, OpenAICompatible

    if kind == "BackendApi":
        return BackendApi.configured("test", url=base_url)
    if kind == "OpenAICompatible":
        return OpenAICompatible.configured("test", url=f"{base_url}/v1", models=[])
    assert kind == "Dynaspark"
    return Dynaspark.configured("test", url=base_url, api_endpoint=f"{base_url}{PATHS[kind]}")


def ask(kind: str, base_url: str, **kwargs: Any) -> AsyncIterator[Any]:
    """The generator of one chat request ("Hi") to a provider of `kind` at `base_url`."""
    model = {"BackendApi": "gpt-4o", "OpenAICompatible": "llama3"}.get(kind, "")
    return provider_at(kind, base_url).create_async_generator(model, MESSAGES, **kwargs)


def good_answer(kind: str) -> tuple[bytes, str, list[Any]]:
    """A successful response body, its content type, and what a caller receives from it."""
    from tui_chat.providers.events import FinishReason

    if kind == "BackendApi":
        body = sse({"type": "content", "content": "ok"}) + sse(FINISH)
        return body, "text/event-stream", ["ok", FinishReason("stop")]
    if kind == "OpenAICompatible":
        body = b'data: {"choices": [{"delta": {"content": "ok"}, "finish_reason": "stop"}]}\n\n'
        return body + b"data: [DONE]\n\n", "text/event-stream", ["ok", FinishReason("stop")]
    return b'{"response": "ok"}', "application/json", ["ok"]
