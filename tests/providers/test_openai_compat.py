"""OpenAICompatible against loopback servers speaking chat completions byte for byte."""

from __future__ import annotations

import base64
import copy

import pytest

from tui_chat.providers import (
    AuthenticationRequiredError,
    BadResponseError,
    ConnectionFailedError,
    ModelInfo,
    ModelNotSupportedError,
    OpenAICompatible,
    UpstreamError,
)
from tui_chat.providers.events import FinishReason, Notice, Reasoning, Usage
from tui_chat.providers.openai_events import ThinkSplitter

from .testkit import PNG, answer, collect, dumps, http_head, reply, routes, split_bytes, stream

PATH = "/v1/chat/completions"
KEY = "sk-local-0123456789"


def endpoint(url: str, **attributes) -> type[OpenAICompatible]:
    attributes.setdefault("models", [])
    return OpenAICompatible.configured("local", url=f"{url}/v1", **attributes)


def ask(url: str, model: str = "llama3", messages=None, **kwargs):
    kwargs.setdefault("read_timeout", 2)
    messages = messages or [{"role": "user", "content": "Hi"}]
    return endpoint(url).create_async_generator(model, messages, **kwargs)


def data(delta=None, finish=None, usage=None, **extra) -> bytes:
    body = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "llama3", **extra}
    body["choices"] = [] if usage else [{"index": 0, "delta": delta or {}, "finish_reason": finish}]
    if usage:
        body["usage"] = usage
    return b"data: " + dumps(body) + b"\n\n"


DONE = b"data: [DONE]\n\n"
USAGE = {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13}
# A typical answer as llama.cpp / vLLM / Ollama stream it.
BODY = [
    data({"role": "assistant", "content": ""}),
    data({"reasoning_content": "Thinking"}),
    data({"reasoning_content": " hard"}),
    data({"content": "Hel"}),
    data({"content": "lo, wörld"}),
    data(finish="stop"),
    data(usage=USAGE),
    DONE,
]
RECEIVED = [
    Reasoning(token="Thinking"),
    Reasoning(token=" hard"),
    "Hel",
    "lo, wörld",
    FinishReason("stop"),
    Usage(9, 4, 13, model="llama3"),
]


async def test_request_is_exact(serve) -> None:
    server = await serve(stream(BODY))
    messages = [
        {"role": "system", "content": "Be brief"},
        {"role": "user", "content": "First"},
        {"role": "assistant", "content": "Answer"},
        {"role": "user", "content": "What is in this picture?"},
    ]
    media = [(PNG, "dot.png"), ("data:image/gif;base64,R0lGODlh", "anim.gif")]
    before = (copy.deepcopy(messages), list(media))
    items = await answer(
        ask(
            server.url,
            "llava",
            messages,
            media=media,
            api_key=KEY,
            temperature=0.2,
            max_tokens=100,
            top_p=None,
            read_timeout=3,
        )
    )
    assert items == RECEIVED
    [seen] = server.requests
    assert (seen.method, seen.target) == ("POST", PATH)
    assert seen.headers["Authorization"] == f"Bearer {KEY}"
    assert seen.headers["Accept"] == "text/event-stream"
    assert seen.headers["Content-Type"] == "application/json"
    png_uri = f"data:image/png;base64,{base64.b64encode(PNG).decode()}"
    assert seen.json() == {
        "model": "llava",
        "messages": [
            {"role": "system", "content": "Be brief"},
            {"role": "user", "content": "First"},
            {"role": "assistant", "content": "Answer"},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is in this picture?"},
                    {"type": "image_url", "image_url": {"url": png_uri}},
                    {"type": "image_url", "image_url": {"url": "data:image/gif;base64,R0lGODlh"}},
                ],
            },
        ],
        "stream": True,
        "stream_options": {"include_usage": True},
        "temperature": 0.2,
        "max_tokens": 100,
    }
    assert (messages, media) == before


async def test_media_with_list_content_and_without_a_user_message(serve) -> None:
    server = await serve(stream(BODY))
    parts = [{"type": "text", "text": "Look"}]
    messages = [{"role": "user", "content": parts}, {"role": "assistant", "content": "ok"}]
    await answer(ask(server.url, messages=messages, media=[(PNG, None)]))
    uri = f"data:image/png;base64,{base64.b64encode(PNG).decode()}"
    image = {"type": "image_url", "image_url": {"url": uri}}
    assert server.requests[0].json()["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Look"}, image]},
        {"role": "assistant", "content": "ok"},
    ]
    assert parts == [{"type": "text", "text": "Look"}]  # the caller's list is untouched

    await answer(ask(server.url, messages=[{"role": "system", "content": "S"}], media=[(PNG, "x")]))
    assert server.requests[1].json()["messages"] == [
        {"role": "system", "content": "S"},
        {"role": "user", "content": [image]},
    ]


async def test_no_key_no_authorization_header(serve) -> None:
    server = await serve(stream(BODY))
    await answer(ask(server.url))
    assert "Authorization" not in server.requests[0].headers


@pytest.mark.parametrize(
    "transform",
    [
        lambda body: [body],
        lambda body: split_bytes(body, 1),
        lambda body: split_bytes(body, 13),
        lambda body: [body.replace(b"\n", b"\r\n")],
        lambda body: [body.replace(b"data: ", b"data:")],
        lambda body: [b": keep-alive\n\n" + body.replace(b"\n\n", b"\n\n: ping\n\n")],
    ],
    ids=["whole", "byte-by-byte", "pieces-of-13", "crlf", "no-space", "comments"],
)
async def test_stream_framings(serve, transform) -> None:
    server = await serve(stream(transform(b"".join(BODY)), delay=0.0005))
    assert await answer(ask(server.url)) == RECEIVED


async def test_cr_line_ends(raw_serve) -> None:
    server = await raw_serve([http_head(), b"".join(BODY).replace(b"\n", b"\r")])
    assert await answer(ask(server.url)) == RECEIVED


async def test_done_ends_the_answer(serve) -> None:
    server = await serve(stream([data({"content": "a"}), DONE, data({"content": "ignored"})]))
    assert await answer(ask(server.url)) == ["a"]


async def test_finish_reason_without_done_is_complete(serve) -> None:
    server = await serve(stream([data({"content": "a"}), data(finish="length")]))
    assert await answer(ask(server.url)) == ["a", FinishReason("length")]


async def test_cut_before_done_is_an_error(raw_serve) -> None:
    """The peer's `cut` model: chunks, then the connection closes (no length, no [DONE])."""
    server = await raw_serve([http_head(), data({"content": "Echo:"}), data({"content": " one"})])
    items, error = await collect(ask(server.url))
    assert items == ["Echo:", " one"]
    assert type(error) is ConnectionFailedError
    assert (
        str(error)
        == f"The connection to 127.0.0.1:{server.port} was cut before the answer finished."
    )


async def test_think_tags_become_reasoning(serve) -> None:
    pieces = ["<thi", "nk>ponder", "ing</th", "ink>The ", "answer <b>is</b> 4", "<"]
    body = [data({"content": piece}) for piece in pieces] + [data(finish="stop"), DONE]
    server = await serve(stream(body))
    assert await answer(ask(server.url)) == [
        Reasoning(token="ponder"),
        Reasoning(token="ing"),
        "The ",
        "answer <b>is</b> 4",
        "<",  # a held-back tag prefix is released at the finish
        FinishReason("stop"),
    ]


def test_think_splitter_unclosed_and_flush() -> None:
    splitter = ThinkSplitter()
    assert splitter.feed("<think>a</thi") == [Reasoning(token="a")]
    assert splitter.flush() == [Reasoning(token="</thi")]
    assert ThinkSplitter().feed("no tags <th") == ["no tags "]


async def test_odd_chunks(serve) -> None:
    body = [
        b"data: not json\n\n",
        b"data: [1, 2]\n\n",
        b'data: {"choices": []}\n\n',
        b'data: {"choices": ["x"]}\n\n',
        b'data: {"choices": [{"delta": "text"}]}\n\n',
        b'data: {"choices": [{"delta": {"content": 5, "reasoning": "r"}}]}\n\n',
        b'data: {"choices": [{"message": {"content": "non-streamed shape"}}]}\n\n',
        b'data: {"usage": {"prompt_tokens": "9", "total_tokens": 1}}\n\n',
        data({"content": "end"}, finish="stop"),
        DONE,
    ]
    server = await serve(stream(body))
    assert await answer(ask(server.url)) == [
        Notice("Skipped a line that is not JSON: 'not json'"),
        Notice("Skipped a line that is not a JSON object: '[1, 2]'"),
        Reasoning(token="r"),
        "non-streamed shape",
        Usage(total_tokens=1),
        "end",
        FinishReason("stop"),
    ]


async def test_error_chunk_after_content(serve) -> None:
    error_chunk = b'data: {"error": {"message": "model crashed", "code": 500}}\n\n'
    server = await serve(stream([data({"content": "Part"}), error_chunk, DONE]))
    items, error = await collect(ask(server.url))
    assert items == ["Part"]
    assert type(error) is UpstreamError
    assert str(error) == "The provider failed: model crashed"


async def test_error_chunk_echoing_the_key_is_masked(serve) -> None:
    error_chunk = b'data: {"error": "key sk-local-0123456789 is revoked"}\n\n'
    server = await serve(stream([error_chunk]))
    _, error = await collect(ask(server.url, api_key=KEY))
    assert str(error) == "The provider failed: key *** is revoked"


async def test_empty_and_html_success(serve) -> None:
    server = await serve(stream([]))
    _, error = await collect(ask(server.url))
    assert type(error) is BadResponseError
    assert str(error) == f"The server at {server.host} ended the stream without sending anything."
    server = await serve(reply(b"<html><title>Ollama</title></html>", content_type="text/html"))
    _, error = await collect(ask(server.url))
    assert type(error) is BadResponseError
    assert str(error) == (
        f"The server at {server.host} answered with a web page, not a chat stream. "
        "Is the base URL right (it usually ends in /v1)?"
    )


async def test_ollama_style_401(serve) -> None:
    server = await serve(
        reply(
            {"error": {"message": "Incorrect API key", "type": "invalid_request_error"}}, status=401
        )
    )
    _, error = await collect(ask(server.url, api_key=KEY))
    assert type(error) is AuthenticationRequiredError
    assert str(error) == "Authentication required (HTTP 401): Incorrect API key"
    assert error.hint.startswith("Set an API key")


async def test_five_megabyte_chunk(serve) -> None:
    text = "0123456789" * (512 * 1024)
    server = await serve(
        stream([*split_bytes(data({"content": text}), 100_000), data(finish="stop")])
    )
    assert await answer(ask(server.url)) == [text, FinishReason("stop")]


# --- models -----------------------------------------------------------------------------


async def test_fetch_models(serve) -> None:
    listing = {
        "object": "list",
        "data": [
            {"id": "llama3", "object": "model"},
            {"id": "qwen2.5:7b", "object": "model"},
            {"id": ""},
            {"name": "no id"},
            "junk",
        ],
    }
    server = await serve(routes({"/v1/models": reply(listing)}))
    provider = endpoint(server.url, headers={"X-Extra": "1"})
    assert await provider.fetch_models(api_key=KEY) == [
        ModelInfo("llama3", "llama3"),
        ModelInfo("qwen2.5:7b", "qwen2.5:7b"),
    ]
    [seen] = server.requests
    assert (seen.method, seen.target) == ("GET", "/v1/models")
    assert seen.headers["Authorization"] == f"Bearer {KEY}"
    assert seen.headers["X-Extra"] == "1"
    assert provider.models == ["llama3", "qwen2.5:7b"]
    assert OpenAICompatible.models == []
    # Now the list is known: an unknown model is refused before any request.
    _, error = await collect(provider.create_async_generator("gpt-5", [{"role": "user"}]))
    assert type(error) is ModelNotSupportedError
    assert str(error) == "Model 'gpt-5' is not offered by local. Valid models: llama3, qwen2.5:7b."
    assert len(server.requests) == 1


async def test_fetch_models_bare_list_and_failures(serve) -> None:
    server = await serve(routes({"/v1/models": reply([{"id": "a"}, {"id": "b"}])}))
    assert [m.id for m in await endpoint(server.url).fetch_models()] == ["a", "b"]

    server = await serve(routes({"/v1/models": reply({"models": []})}))
    with pytest.raises(BadResponseError, match="no 'data' array"):
        await endpoint(server.url).fetch_models()

    server = await serve(routes({"/v1/models": reply(b"<html>LM Studio</html>")}))
    with pytest.raises(BadResponseError, match="sent an HTML page instead of a JSON model list"):
        await endpoint(server.url).fetch_models()

    echo = f"invalid key {KEY}"
    server = await serve(routes({"/v1/models": reply({"error": {"message": echo}}, status=403)}))
    with pytest.raises(AuthenticationRequiredError) as caught:
        await endpoint(server.url).fetch_models(api_key=KEY)
    assert str(caught.value) == "Authentication required (HTTP 403): invalid key ***"


async def test_fetch_models_through_a_proxy(serve, proxy) -> None:
    server = await serve(routes({"/v1/models": reply({"data": [{"id": "m"}]})}))
    assert await endpoint(server.url).fetch_models(proxy=proxy.url) == [ModelInfo("m", "m")]
    assert proxy.requests[0].target == f"{server.url}/v1/models"
