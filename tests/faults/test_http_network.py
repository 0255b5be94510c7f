"""HTTP errors and network faults, seen in the app.

Each case: the answer is marked failed with the error in words on screen and on disk, the
typed message is kept, any partial answer is kept, and the next message to another
provider gets its answer. The same faults at the provider level, for all three provider
kinds: tests/providers/test_failures.py.
"""

from __future__ import annotations

import socket

import pytest
from aiohttp import web
from providers.conftest import full_backlog_port, self_signed
from providers.testkit import BODIES, CLOSE, HANG, REASONS, chunk, http_head, reply, sse

from .conftest import FAST_REQUEST, SIZE, ask_and_wait, dead_port, flat, saved, still_usable

__all__ = ["full_backlog_port", "self_signed"]  # fixtures, shared with tests/providers


def expected_error(status: int, body_kind: str) -> str:
    said = REASONS[status] if body_kind == "empty" else "Model is overloaded"
    if status in (401, 403):
        return f"Authentication required (HTTP {status}): {said}"
    if status == 429:
        return f"Rate limited (HTTP 429): {said}"
    return f"The server answered HTTP {status}: {said}"


@pytest.mark.parametrize("status", list(REASONS))
async def test_http_error_status_with_each_body(harness, serve, status):
    """One app per status: four messages, answered with a JSON, pretty JSON, HTML and
    empty body in turn; each failure is shown in words and saved with its message.
    (A g4f backend here; all three provider kinds: tests/providers/test_failures.py.)"""
    kinds = list(BODIES)
    asked: list[str] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        body, content_type = BODIES[kinds[len(asked)]]
        asked.append(request.path)
        return web.Response(status=status, body=body, headers={"Content-Type": content_type})

    server = await serve(handler)
    app = harness.app(server.url)
    async with app.run_test(size=SIZE) as pilot:
        for index, body_kind in enumerate(kinds):
            typed = f"question {index} ({body_kind})"
            answer = await ask_and_wait(pilot, app, typed)
            error = expected_error(status, body_kind)
            assert answer.status == "failed"
            assert answer.error.startswith(error), answer.error
            assert error in flat(app)
            on_disk = saved(app)["messages"]
            assert on_disk[-2]["content"] == typed
            assert on_disk[-1]["status"] == "failed"
            assert on_disk[-1]["error"].startswith(error)
        assert len(asked) == 4
        await still_usable(pilot, app, [f"question {i} ({k})" for i, k in enumerate(kinds)])


async def network_case(harness, pilot, app, said: str, partial: str = "") -> None:
    answer = await ask_and_wait(pilot, app, "are you there?", timeout=15)
    assert answer.status == "failed"
    assert said in answer.error, answer.error
    assert answer.content == partial
    text = flat(app)
    assert said in text
    assert "ctrl+r retries" in text
    if partial:
        assert partial.strip() in text
    on_disk = saved(app)["messages"]
    assert on_disk[0]["content"] == "are you there?"
    assert on_disk[1]["status"] == "failed" and said in on_disk[1]["error"]
    assert on_disk[1]["content"] == partial
    await still_usable(pilot, app, ["are you there?", *([partial] if partial else [])])


async def test_connection_refused(harness):
    port = dead_port()
    app = harness.app(f"http://127.0.0.1:{port}")
    async with app.run_test(size=SIZE) as pilot:
        await network_case(
            harness, pilot, app, f"Could not connect to 127.0.0.1:{port}: connection refused."
        )


async def test_name_that_does_not_resolve(harness, monkeypatch):
    # Resolution is answered here, so no query leaves the machine.
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if str(host).endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    app = harness.app("http://no-such-host.invalid:8080")
    async with app.run_test(size=SIZE) as pilot:
        await network_case(
            harness,
            pilot,
            app,
            "Could not find the server no-such-host.invalid: the name does not resolve.",
        )


async def test_server_accepts_and_never_answers_read_timeout(harness, raw_serve):
    server = await raw_serve([HANG])
    app = harness.app(server.url, extra=FAST_REQUEST)
    async with app.run_test(size=SIZE) as pilot:
        await network_case(
            harness, pilot, app, f"The server at {server.host} did not answer within 0.6 seconds"
        )


async def test_connect_timeout(harness, full_backlog_port):
    app = harness.app(f"http://127.0.0.1:{full_backlog_port}", extra=FAST_REQUEST)
    async with app.run_test(size=SIZE) as pilot:
        await network_case(
            harness, pilot, app, f"Could not connect to 127.0.0.1:{full_backlog_port} within 1"
        )


async def test_server_stalls_mid_stream(harness, raw_serve):
    body = sse({"type": "content", "content": "Partial words "})
    server = await raw_serve([http_head(chunked=True), chunk(body), HANG])
    app = harness.app(server.url, extra=FAST_REQUEST)
    async with app.run_test(size=SIZE) as pilot:
        await network_case(
            harness,
            pilot,
            app,
            f"The answer from {server.host} stalled: nothing arrived for 0.6 seconds",
            partial="Partial words ",
        )


@pytest.mark.parametrize("where", ["after-length", "inside-chunk"])
async def test_connection_cut_mid_stream(harness, raw_serve, where):
    body = sse({"type": "content", "content": "Partial words "})
    if where == "after-length":
        script = [http_head(length=len(body) + 50), body, 0.05, CLOSE]
    else:
        script = [http_head(chunked=True), chunk(body), b"40\r\n" + body[:10], 0.05, CLOSE]
    server = await raw_serve(script)
    app = harness.app(server.url)
    async with app.run_test(size=SIZE) as pilot:
        await network_case(
            harness,
            pilot,
            app,
            f"The connection to {server.host} was cut before the answer finished.",
            partial="Partial words ",
        )


async def test_tls_to_a_plain_http_server(harness, serve):
    server = await serve(reply(b"never"))
    app = harness.app(server.url.replace("http://", "https://"))
    async with app.run_test(size=SIZE) as pilot:
        await network_case(
            harness, pilot, app, f"The secure (TLS) connection to {server.host} failed"
        )


async def test_tls_self_signed_certificate(harness, serve, self_signed):
    server = await serve(reply(b"never"), ssl_context=self_signed)
    app = harness.app(server.url)
    async with app.run_test(size=SIZE) as pilot:
        await network_case(harness, pilot, app, "certificate verify failed")


async def test_proxy_that_refuses(harness, serve):
    server = await serve(reply(b"never"))
    port = dead_port()
    proxy = (
        f'[request]\nconnect_timeout = 1.0\nread_timeout = 0.6\nproxy = "http://127.0.0.1:{port}"\n'
    )
    app = harness.app(server.url, extra=proxy)
    async with app.run_test(size=SIZE) as pilot:
        # The good provider goes through the same (dead) proxy: fix the setting first.
        answer = await ask_and_wait(pilot, app, "are you there?")
        said = f"Could not connect through the proxy 127.0.0.1:{port}: connection refused."
        assert answer.status == "failed" and said in answer.error, answer.error
        assert said in flat(app)
        assert "Check the proxy setting" in flat(app)
        assert server.requests == []
        app.settings.request.proxy = ""
        await still_usable(pilot, app, ["are you there?"])


async def test_proxy_answering_with_an_error_page(harness, serve):
    proxy = await serve(
        reply(b"<html><title>502 Proxy Error</title></html>", status=502, content_type="text/html")
    )
    extra = FAST_REQUEST + f'proxy = "{proxy.url}"\n'
    app = harness.app("http://upstream.example:8080", extra=extra)
    async with app.run_test(size=SIZE) as pilot:
        answer = await ask_and_wait(pilot, app, "are you there?")
        assert answer.status == "failed"
        assert "The server answered HTTP 502: 502 Proxy Error" in flat(app)
        app.settings.request.proxy = ""
        await still_usable(pilot, app, ["are you there?"])
