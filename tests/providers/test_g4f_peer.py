"""BackendApi against a real g4f 8.8.6 server relaying to a local OpenAI-compatible server.

The `g4f_peer` fixture (conftest.py) starts both with `../shared/peers/g4f-peer start`;
these tests skip only when that folder is absent. The upstream's model name picks its
behaviour (see openai_upstream.py): echo, reasoner, think, long-N, cut, e401, e500.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest

from tui_chat.providers import (
    AnswerCutError,
    AuthenticationRequiredError,
    BackendApi,
    HTTPStatusError,
    ModelInfo,
    OpenAICompatible,
    UpstreamError,
)
from tui_chat.providers.events import FinishReason, ProviderInfo, RawEvent, Reasoning, Usage

from .conftest import Peer
from .testkit import PNG, answer, collect

pytestmark = pytest.mark.peer

DEBUG_TYPES = {"parameters", "request", "headers", "response", "log"}


def backend(peer: Peer) -> type[BackendApi]:
    return BackendApi.configured("peer", url=peer.g4f_url)


def ask(peer: Peer, model: str, text: str, **kwargs: Any):
    messages = [{"role": "user", "content": text}]
    kwargs.setdefault("read_timeout", 30)
    return backend(peer).create_async_generator(
        model, messages, provider=peer.upstream_url, **kwargs
    )


def shown(items: list[Any]) -> list[Any]:
    """What a chat shows: everything but the debug events (which are checked apart)."""
    raw = [item for item in items if isinstance(item, RawEvent)]
    assert {event.type for event in raw} <= DEBUG_TYPES, raw
    return [item for item in items if not isinstance(item, RawEvent)]


def provider_info(peer: Peer, model: str) -> ProviderInfo:
    # g4f names an OpenAI-compatible URL provider after its host and port, without dots.
    host = urlsplit(peer.upstream_url).netloc.replace(".", "")
    return ProviderInfo(name=host, url=peer.upstream_url, label="", model=model)


def upstream_requests(peer: Peer, marker: str) -> list[dict[str, Any]]:
    """The requests the upstream received whose text contains `marker`."""
    found = []
    for line in peer.upstream_log.read_text().splitlines():
        entry = json.loads(line)
        if marker in json.dumps(entry["request"].get("messages")):
            found.append(entry)
    return found


def marker() -> str:
    return f"m{uuid.uuid4().hex[:10]}"


def echo(text: str) -> list[str]:
    return ["Echo:"] + [" " + word for word in text.split(" ")]


async def test_plain_answer(g4f_peer: Peer) -> None:
    text = f"hello peer {marker()}"
    items = await answer(ask(g4f_peer, "echo", text, api_key="sk-peer-key-123456"))
    info = provider_info(g4f_peer, "echo")
    assert shown(items) == [
        info,
        info,
        *echo(text),
        FinishReason("stop"),
        Usage(5, 4, 9, model="echo", provider=info.name),
    ]
    [seen] = upstream_requests(g4f_peer, text)
    assert seen["request"] == {
        "messages": [{"role": "user", "content": text}],
        "model": "echo",
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    # The key went to the backend in the body and on to the upstream as a bearer token.
    assert seen["authorization"] == "Bearer sk-peer-key-123456"


async def test_reasoning_model(g4f_peer: Peer) -> None:
    text = f"why {marker()}"
    items = await answer(ask(g4f_peer, "reasoner", text))
    info = provider_info(g4f_peer, "reasoner")
    assert shown(items) == [
        info,
        info,
        Reasoning(token="Thinking"),
        Reasoning(token=" about it"),
        *echo(text),
        FinishReason("stop"),
        Usage(5, 3, 8, model="reasoner", provider=info.name),
    ]


async def test_think_tags_model(g4f_peer: Peer) -> None:
    items = await answer(ask(g4f_peer, "think", f"ponder {marker()}"))
    info = provider_info(g4f_peer, "think")
    assert shown(items) == [
        info,
        info,
        Reasoning(status="🤔 Is thinking..."),
        Reasoning(token="pondering"),
        "Answer.",
        FinishReason("stop"),
        Usage(5, 4, 9, model="think", provider=info.name),
    ]


async def test_image_in_media(g4f_peer: Peer) -> None:
    text = f"what is in this image {marker()}"
    media = [(PNG, "dot.png")]
    items = await answer(ask(g4f_peer, "echo", text, media=media))
    assert media == [(PNG, "dot.png")]
    assert "".join(item for item in items if isinstance(item, str)) == "".join(echo(text))
    assert [item for item in shown(items) if isinstance(item, str)] == echo(text)  # streamed
    [seen] = upstream_requests(g4f_peer, text)
    uri = f"data:image/png;base64,{base64.b64encode(PNG).decode()}"
    assert seen["request"]["messages"] == [
        {
            "role": "user",
            "content": [
                {"type": "image_url", "image_url": {"url": uri}},
                {"type": "text", "text": text},
            ],
        }
    ]


async def test_long_answer(g4f_peer: Peer) -> None:
    items = await answer(ask(g4f_peer, "long-300", f"long {marker()}"))
    assert "".join(item for item in items if isinstance(item, str)) == "".join(
        f"w{i} " for i in range(300)
    )


async def test_upstream_401(g4f_peer: Peer) -> None:
    items, error = await collect(
        ask(g4f_peer, "e401", f"key {marker()}", api_key="sk-bad-key-9876")
    )
    info = provider_info(g4f_peer, "e401")
    assert shown(items) == [info]
    assert type(error) is AuthenticationRequiredError
    assert str(error) == "Authentication required: MissingAuthError: Error 401: bad key"
    assert "sk-bad-key-9876" not in str(error)


async def test_upstream_500(g4f_peer: Peer) -> None:
    items, error = await collect(ask(g4f_peer, "e500", f"boom {marker()}"))
    assert shown(items) == [provider_info(g4f_peer, "e500")]
    assert type(error) is UpstreamError
    assert str(error) == "The provider failed: ResponseError: Error 500: upstream exploded"
    assert error.kind == "ResponseError"


async def test_upstream_cut_is_an_answer_cut_short(g4f_peer: Peer) -> None:
    """g4f itself hides an upstream cut (usage and log come as usual): the only sign is
    that no finish event comes, and that makes the answer fail, keeping what arrived."""
    text = f"one two three {marker()}"
    items, error = await collect(ask(g4f_peer, "cut", text))
    info = provider_info(g4f_peer, "cut")
    *before, usage = shown(items)
    assert before == [info, info, "Echo:", " one"]
    assert isinstance(usage, Usage)  # g4f's own estimate, from the text's length
    assert type(error) is AnswerCutError
    host = urlsplit(g4f_peer.g4f_url).netloc
    assert str(error) == (
        f"The answer from {host} was cut short: the stream ended before the answer finished."
    )
    assert error.hint == "Retry, or continue the answer."


async def test_unknown_backend_provider(g4f_peer: Peer) -> None:
    messages = [{"role": "user", "content": "x"}]
    generator = backend(g4f_peer).create_async_generator(
        "echo", messages, provider="NoSuchProvider"
    )
    _, error = await collect(generator)
    assert type(error) is HTTPStatusError
    assert str(error) == "The server answered HTTP 404: Provider not found"


async def test_fetch_models(g4f_peer: Peer) -> None:
    provider = backend(g4f_peer)
    models = await provider.fetch_models()
    assert ModelInfo("dall-e-3", "Microsoft Designer in Bing", "BingCreateImages") in models
    assert all(model.id and model.provider for model in models)
    assert "dall-e-3" in provider.models
    assert provider.models == sorted(set(provider.models))


async def test_openai_compatible_against_the_upstream(g4f_peer: Peer) -> None:
    upstream = OpenAICompatible.configured("upstream", url=g4f_peer.upstream_url, models=[])
    assert [model.id for model in await upstream.fetch_models()] == [
        "echo",
        "reasoner",
        "think",
        "long-1000",
        "slow",
        "cut",
        "e401",
        "e500",
    ]
    messages = [{"role": "user", "content": "hi there"}]
    assert await answer(upstream.create_async_generator("think", messages)) == [
        Reasoning(token="pondering"),
        "Answer.",
        FinishReason("stop"),
        Usage(5, 4, 9, model="think"),
    ]
    items, error = await collect(upstream.create_async_generator("cut", messages))
    assert items == ["Echo:", " hi"]
    assert str(error).endswith("was cut before the answer finished.")
