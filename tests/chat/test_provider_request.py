"""A provider's own timeouts, proxy and headers (settings.toml's [[openai]]/[[backends]]
entries over [request]), used by the catalog when listing models and when streaming, against
a slow loopback server: a slow local model and a fast remote one can both work."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from tui_chat.catalog import READY, UNREACHABLE, Catalog, listing_timeouts
from tui_chat.model_choice import ModelChoice
from tui_chat.providers import ConnectionFailedError, ProviderTimeoutError
from tui_chat.session import ChatSession
from tui_chat.store import Paths, load_settings

#: The server's silence before its model list and before an answer's first word.
DELAY = 0.8


@dataclass
class Slow:
    url: str = ""
    headers: list[dict[str, str]] = field(default_factory=list)


@pytest.fixture
async def slow() -> AsyncIterator[Slow]:
    server = Slow()

    async def models(request: web.Request) -> web.Response:
        server.headers.append(dict(request.headers))
        await asyncio.sleep(DELAY)
        return web.json_response({"data": [{"id": "big-model"}]})

    async def completions(request: web.Request) -> web.StreamResponse:
        server.headers.append(dict(request.headers))
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await asyncio.sleep(DELAY)  # thinking: the longest silence of the answer
        for data in (
            {"choices": [{"index": 0, "delta": {"content": "Worth the wait."}}]},
            {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        ):
            await response.write(b"data: " + json.dumps(data).encode() + b"\n\n")
        await response.write(b"data: [DONE]\n\n")
        return response

    app = web.Application()
    app.router.add_get("/v1/models", models)
    app.router.add_post("/v1/chat/completions", completions)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    server.url = f"http://127.0.0.1:{port}/v1"
    yield server
    await runner.cleanup()


def dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def session_for(config: Path, text: str) -> ChatSession:
    paths = Paths.resolve(config)
    paths.ensure()
    paths.settings_file.write_text(text, encoding="utf-8")
    settings, problems = load_settings(paths)
    assert problems == []
    return ChatSession(settings, Catalog.from_settings(settings, {}, {}), None)


async def ask(session: ChatSession, provider: str) -> str:
    session.new_conversation()
    session.choice = ModelChoice(provider, "big-model")
    session.choice.apply_to(session.conversation)
    session.add_question("hello?")
    answer = session.start_answer()
    stream = await session.open_stream(answer)
    async for item in stream:
        answer.recorder.feed(item)
    return answer.recorder.finish().content


SETTINGS = """
backends = []

[dynaspark]
enabled = false

[request]
connect_timeout = 2.0
read_timeout = 0.3      # a fast remote service: a long silence means trouble
{request}

[[openai]]
name = "remote"
base_url = "{url}"

[[openai]]
name = "local"
base_url = "{url}"
read_timeout = 5        # a big local model thinks before its first word
headers = {{ "X-Box" = "basement" }}
{local}
"""


async def test_a_providers_own_read_timeout_applies_to_its_answers(
    tmp_path: Path, slow: Slow
) -> None:
    session = session_for(tmp_path / "config", SETTINGS.format(url=slow.url, request="", local=""))
    assert await ask(session, "local") == "Worth the wait."
    assert slow.headers[-1]["X-Box"] == "basement"
    with pytest.raises(ProviderTimeoutError):
        await ask(session, "remote")
    assert "X-Box" not in slow.headers[-1]


async def test_a_providers_own_read_timeout_applies_to_its_model_list(
    tmp_path: Path, slow: Slow
) -> None:
    session = session_for(tmp_path / "config", SETTINGS.format(url=slow.url, request="", local=""))
    request = session.settings.request
    local, remote = session.catalog.get("local"), session.catalog.get("remote")
    assert local is not None and remote is not None
    await asyncio.gather(
        *(
            entry.refresh(request.proxy or None, listing_timeouts(request))
            for entry in (local, remote)
        )
    )
    assert (local.state, [m.id for m in local.models]) == (READY, ["big-model"])
    assert remote.state == UNREACHABLE and "did not answer" in remote.problem.lower()


async def test_a_providers_own_proxy_wins_over_requests_and_empty_means_direct(
    tmp_path: Path, slow: Slow
) -> None:
    proxy = f"http://127.0.0.1:{dead_port()}"
    text = SETTINGS.format(url=slow.url, request=f'proxy = "{proxy}"', local='proxy = ""')
    session = session_for(tmp_path / "config", text)
    assert await ask(session, "local") == "Worth the wait."  # straight to the server
    with pytest.raises(ConnectionFailedError) as failed:
        await ask(session, "remote")  # through [request]'s proxy, which is not there
    assert "proxy" in str(failed.value).lower()

    # And the other way round: its own proxy, where [request] has none.
    text = SETTINGS.format(url=slow.url, request="", local=f'proxy = "{proxy}"')
    session = session_for(tmp_path / "other", text)
    with pytest.raises(ConnectionFailedError):
        await ask(session, "local")
    local = session.catalog.get("local")
    assert local is not None
    await local.refresh(None, listing_timeouts(session.settings.request))
    assert local.state == UNREACHABLE and "proxy" in local.problem.lower()


def test_listing_never_waits_longer_than_its_limits_even_for_a_patient_provider(
    tmp_path: Path,
) -> None:
    session = session_for(
        tmp_path / "config", SETTINGS.format(url="http://127.0.0.1:9/v1", request="", local="")
    )
    local = session.catalog.get("local")
    assert local is not None
    proxy, timeouts = local.listing_options(None, listing_timeouts(session.settings.request))
    assert (proxy, timeouts.connect, timeouts.read) == (None, 2.0, 5.0)
    local.request.read_timeout = 600.0
    assert local.listing_options(None, listing_timeouts(session.settings.request))[1].read == 15.0
    assert local.timeouts_for(listing_timeouts(session.settings.request)).read == 600.0
