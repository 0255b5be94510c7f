"""Failures every provider meets the same way: HTTP errors, network faults, timeouts, TLS,
proxies and API keys echoed back. Each case runs against all three providers."""

from __future__ import annotations

import logging
import re

import pytest

from tui_chat.providers import (
    AuthenticationRequiredError,
    BadResponseError,
    ConnectionFailedError,
    HTTPStatusError,
    ProviderTimeoutError,
    RateLimitedError,
)

from .testkit import (
    BODIES,
    CLOSE,
    HANG,
    KINDS,
    PATHS,
    REASONS,
    answer,
    chunk,
    collect,
    good_answer,
    http_head,
    provider_at,
    reply,
    sse,
    stream,
)
from .testkit import ask as _ask

pytestmark = pytest.mark.parametrize("kind", KINDS)

FAST = {"read_timeout": 0.5, "connect_timeout": 2}


def ask(kind: str, url: str, **kwargs):
    return _ask(kind, url, **{**FAST, **kwargs})


# --- HTTP error statuses ------------------------------------------------------------------


@pytest.mark.parametrize("status", list(REASONS))
@pytest.mark.parametrize("body_kind", list(BODIES))
async def test_error_status(serve, kind: str, status: int, body_kind: str) -> None:
    body, content_type = BODIES[body_kind]
    server = await serve(reply(body, status=status, content_type=content_type))
    items, error = await collect(ask(kind, server.url))
    assert items == []
    said = REASONS[status] if body_kind == "empty" else "Model is overloaded"
    if status in (401, 403):
        assert type(error) is AuthenticationRequiredError
        assert str(error) == f"Authentication required (HTTP {status}): {said}"
    elif status == 429:
        assert type(error) is RateLimitedError
        assert str(error) == f"Rate limited (HTTP 429): {said}"
    else:
        assert type(error) is HTTPStatusError
        assert str(error) == f"The server answered HTTP {status}: {said}"
    assert error.status == status
    assert error.server_message == said
    assert error.url == server.url + PATHS[kind]
    assert len(server.requests) == 1


async def test_error_body_written_in_pieces(serve, kind: str) -> None:
    pieces = [b'{\n  "error": {\n', b'    "message": "disk full"\n', b"  }\n}\n"]
    server = await serve(stream(pieces, status=500, content_type="application/json", delay=0.05))
    _, error = await collect(ask(kind, server.url))
    assert type(error) is HTTPStatusError
    assert str(error) == "The server answered HTTP 500: disk full"
    assert error.hint == "The server had a problem; retry in a moment."


# --- API keys never leak --------------------------------------------------------------------

KEY = "sk-live-7f3a9c2e1b"


@pytest.mark.parametrize(
    ("status", "body", "content_type", "expected"),
    [
        (
            401,
            b'{"error": {"message": "Incorrect API key provided: sk-live-7f3a9c2e1b."}}',
            "application/json",
            "Authentication required (HTTP 401): Incorrect API key provided: ***.",
        ),
        (
            500,
            b"<html><title>Crash with Authorization: Bearer sk-live-7f3a9c2e1b</title></html>",
            "text/html",
            "The server answered HTTP 500: Crash with Authorization: Bearer ***",
        ),
        (
            429,
            b"too many requests for key sk-live-7f3a9c2e1b",
            "text/plain",
            "Rate limited (HTTP 429): too many requests for key ***",
        ),
    ],
    ids=["401-json", "500-html", "429-text"],
)
async def test_key_echoed_in_error_body_is_masked(
    serve, caplog, kind: str, status: int, body: bytes, content_type: str, expected: str
) -> None:
    server = await serve(reply(body, status=status, content_type=content_type))
    with caplog.at_level(logging.DEBUG):
        _, error = await collect(ask(kind, server.url, api_key=KEY))
    assert str(error) == expected
    assert KEY not in repr(error.args)
    assert KEY not in error.server_message
    assert KEY not in caplog.text
    assert all(KEY not in str(record.args) for record in caplog.records)


# --- network faults ---------------------------------------------------------------------------


async def test_connection_refused(kind: str, closed_port: int) -> None:
    _, error = await collect(ask(kind, f"http://127.0.0.1:{closed_port}"))
    assert type(error) is ConnectionFailedError
    host = f"127.0.0.1:{closed_port}"
    if kind == "Dynaspark":
        # One sentence naming the service, which is known to have gone away.
        assert str(error) == f"Dynaspark at {host} cannot be reached: connection refused."
        assert error.hint == "The public service has closed; set another endpoint in settings."
    else:
        assert str(error) == f"Could not connect to {host}: connection refused."
        assert error.hint == "Check that the server is running and the URL is right."


async def test_name_that_does_not_resolve(kind: str) -> None:
    _, error = await collect(ask(kind, "http://no-such-host.invalid"))
    assert type(error) is ConnectionFailedError
    if kind == "Dynaspark":
        assert str(error) == (
            "Dynaspark at no-such-host.invalid cannot be reached: the name does not resolve."
        )
    else:
        assert str(error) == (
            "Could not find the server no-such-host.invalid: the name does not resolve."
        )
        assert error.hint == "Check the host name in the URL."


async def test_tls_to_a_plain_http_server(serve, kind: str) -> None:
    server = await serve(reply(b"never"))
    url = server.url.replace("http://", "https://")
    _, error = await collect(ask(kind, url))
    assert type(error) is ConnectionFailedError
    assert "wrong version number" in str(error)
    if kind == "Dynaspark":
        assert str(error).startswith(f"Dynaspark at {server.host} cannot be reached: ")
    else:
        assert str(error) == (
            f"The secure (TLS) connection to {server.host} failed: wrong version number."
        )
        assert error.hint == (
            "Check the URL's scheme (http or https) and the server's certificate."
        )
    assert server.requests == []


async def test_tls_self_signed_certificate(serve, self_signed, kind: str) -> None:
    body, content_type, expected = good_answer(kind)
    server = await serve(reply(body, content_type=content_type), ssl_context=self_signed)
    _, error = await collect(ask(kind, server.url))
    assert type(error) is ConnectionFailedError
    assert re.search(r"certificate verify failed: self[- ]signed certificate\.$", str(error))
    assert "operation not permitted" not in str(error)
    assert server.requests == []
    # A provider configured not to verify (ssl = False) gets through.
    trusting = provider_at(kind, server.url)
    trusting.ssl = False
    model = {"BackendApi": "m", "OpenAICompatible": "m"}.get(kind, "")
    assert (
        await answer(trusting.create_async_generator(model, [{"role": "user", "content": "x"}]))
        == expected
    )


async def test_connect_timeout(kind: str, full_backlog_port: int) -> None:
    _, error = await collect(
        ask(kind, f"http://127.0.0.1:{full_backlog_port}", connect_timeout=0.5)
    )
    assert type(error) is ProviderTimeoutError
    assert str(error) == f"Could not connect to 127.0.0.1:{full_backlog_port} within 0.5 seconds."
    assert error.hint.startswith("The server may be overloaded")


async def test_server_accepts_and_never_answers(raw_serve, kind: str) -> None:
    server = await raw_serve([HANG])
    _, error = await collect(ask(kind, server.url))
    assert type(error) is ProviderTimeoutError
    assert str(error) == f"The server at {server.host} did not answer within 0.5 seconds."
    assert isinstance(error, TimeoutError)
    assert len(server.requests) == 1


async def test_server_closes_without_answering(raw_serve, kind: str) -> None:
    server = await raw_serve([CLOSE])
    _, error = await collect(ask(kind, server.url))
    assert type(error) is ConnectionFailedError
    assert str(error) == f"The connection to {server.host} was closed: Server disconnected."


def unfinished(kind: str) -> tuple[bytes, str]:
    """The start of an answer: what arrives before a cut."""
    body, content_type, _ = good_answer(kind)
    if kind == "OpenAICompatible":
        body = b'data: {"choices": [{"delta": {"content": "ok"}}]}\n\n'
    elif kind == "BackendApi":
        body = sse({"type": "content", "content": "ok"})
    return body, content_type


async def test_cut_mid_body(raw_serve, kind: str) -> None:
    body, content_type = unfinished(kind)
    # The head promises a longer body than arrives before the connection drops.
    head = http_head(content_type=content_type, length=len(body) + 50)
    server = await raw_serve([head, body, 0.05, CLOSE])
    items, error = await collect(ask(kind, server.url))
    assert type(error) is ConnectionFailedError
    assert str(error) == f"The connection to {server.host} was cut before the answer finished."
    assert error.hint == "Retry, or continue the answer."
    if kind == "Dynaspark":
        assert items == []  # nothing until the whole JSON has arrived
    else:
        assert items == ["ok"]  # what arrived before the cut is delivered first


async def test_cut_inside_a_chunk(raw_serve, kind: str) -> None:
    body, content_type = unfinished(kind)
    head = http_head(content_type=content_type, chunked=True)
    server = await raw_serve([head, chunk(body), b"40\r\n" + body[:10], 0.05, CLOSE])
    items, error = await collect(ask(kind, server.url))
    assert type(error) is ConnectionFailedError
    assert str(error) == f"The connection to {server.host} was cut before the answer finished."
    assert items == ([] if kind == "Dynaspark" else ["ok"])


async def test_stall_after_the_first_bytes(raw_serve, kind: str) -> None:
    body, content_type = unfinished(kind)
    head = http_head(content_type=content_type, chunked=True)
    server = await raw_serve([head, chunk(body[:-1]), HANG])
    items, error = await collect(ask(kind, server.url))
    assert type(error) is ProviderTimeoutError
    assert str(error) == (
        f"The answer from {server.host} stalled: nothing arrived for 0.5 seconds."
    )
    if kind == "BackendApi":
        # The line has no end yet, so nothing is delivered before the stall.
        assert items == []


# --- proxies -------------------------------------------------------------------------------


async def test_request_goes_through_the_proxy(serve, proxy, kind: str) -> None:
    body, content_type, expected = good_answer(kind)
    server = await serve(reply(body, content_type=content_type))
    items = await answer(ask(kind, server.url, proxy=proxy.url, api_key=KEY))
    assert items == expected
    [through] = proxy.requests
    assert through.method == "POST"
    assert through.target == server.url + PATHS[kind]  # the absolute URI of a proxy request
    assert through.headers["Host"] == server.host
    [arrived] = server.requests
    assert arrived.target == PATHS[kind]
    assert arrived.body == through.body


async def test_proxy_refusing_names_the_proxy(serve, kind: str, closed_port: int) -> None:
    server = await serve(reply(b"never"))
    proxy_url = f"http://127.0.0.1:{closed_port}"
    _, error = await collect(ask(kind, server.url, proxy=proxy_url))
    assert type(error) is ConnectionFailedError
    assert str(error) == (
        f"Could not connect through the proxy 127.0.0.1:{closed_port}: connection refused."
    )
    assert error.hint == "Check the proxy setting."
    assert server.requests == []


async def test_proxy_answering_with_an_error(serve, kind: str) -> None:
    bad_proxy = await serve(
        reply(b"<html><title>502 Proxy Error</title></html>", status=502, content_type="text/html")
    )
    _, error = await collect(ask(kind, "http://upstream.example:8080", proxy=bad_proxy.url))
    assert type(error) is HTTPStatusError
    assert str(error) == "The server answered HTTP 502: 502 Proxy Error"
    assert bad_proxy.requests[0].target == "http://upstream.example:8080" + PATHS[kind]


# --- wrong URLs and servers that are not HTTP ---------------------------------------------


@pytest.mark.parametrize(
    "base",
    ["127.0.0.1:8080", "localhost:1337", "ftp://127.0.0.1:21", "http://[::1", "http://h:99999"],
    ids=["no-scheme-ip", "no-scheme-name", "ftp", "broken-ipv6", "port-too-big"],
)
async def test_invalid_url(kind: str, base: str) -> None:
    _, error = await collect(ask(kind, base))
    assert type(error) is ConnectionFailedError
    assert str(error) == (
        f"The URL {base + PATHS[kind]!r} is not a valid http:// or https:// address."
    )
    assert error.hint == "Fix it in settings."


async def test_port_that_does_not_speak_http(raw_serve, kind: str) -> None:
    server = await raw_serve([b"SSH-2.0-OpenSSH_9.6\r\n", 0.2], read_request=False)
    _, error = await collect(ask(kind, server.url))
    assert type(error) is BadResponseError
    assert str(error) == f"The server at {server.host} did not answer in HTTP: bad status line."
