"""BackendApi against loopback servers speaking the g4f backend protocol byte for byte."""

from __future__ import annotations

import base64
import copy
import json

import pytest

from tui_chat.providers import (
    AnswerCutError,
    AuthenticationRequiredError,
    BackendApi,
    BadResponseError,
    ConnectionFailedError,
    HTTPStatusError,
    ModelInfo,
    UpstreamError,
)
from tui_chat.providers.events import (
    ConversationState,
    FinishReason,
    MediaResponse,
    Notice,
    Preview,
    ProviderInfo,
    RawEvent,
    Reasoning,
    Suggestions,
    Title,
    Usage,
)

from .testkit import (
    FINISH,
    HANG,
    MESSAGES,
    PNG,
    answer,
    chunk,
    collect,
    dumps,
    http_head,
    ndjson,
    reply,
    routes,
    split_bytes,
    sse,
    stream,
)

PATH = "/backend-api/v2/conversation"


def backend(url: str, **attributes) -> type[BackendApi]:
    return BackendApi.configured("test", url=url, **attributes)


def ask(url: str, model: str = "gpt-4o", messages=MESSAGES, **kwargs):
    kwargs.setdefault("read_timeout", 2)
    return backend(url).create_async_generator(model, messages, **kwargs)


# What a g4f 8.8.6 server sends for one answer, in its order, and what a caller receives.
EVENTS = [
    {
        "type": "provider",
        "provider": {
            "name": "PollinationsAI",
            "url": "https://pollinations.ai",
            "label": "Pollinations AI",
            "model": "openai",
        },
    },
    {"type": "parameters", "parameters": {"temperature": "float", "max_tokens": "int"}},
    {"type": "conversation", "conversation": {"conversation_id": "c-1", "message_id": "m-1"}},
    {"type": "request", "request": {"model": "openai", "stream": True}},
    {"type": "headers", "headers": {}},
    {"type": "preview", "preview": "Waiting for the model…"},
    {"type": "reasoning", "token": None, "status": "🤔 Is thinking...", "is_thinking": "<think>"},
    {"type": "reasoning", "token": "Let me think"},
    {"type": "reasoning", "token": None, "status": ""},
    {"type": "reasoning", "label": "Done", "is_thinking": False},
    {"type": "content", "content": "Hello"},
    {"type": "content", "content": ", wörld 😀"},
    {"type": "content", "content": ""},
    {"type": "content", "content": "", "urls": ["https://img.example/1.png"], "alt": "a cat"},
    {"type": "content", "content": "!", "urls": "https://img.example/2.png"},
    {"type": "message", "message": "Fallback provider used", "error": "RetryProviderError"},
    {"type": "title", "title": "Greeting"},
    {"type": "suggestions", "suggestions": ["More?", "Why?"]},
    {"type": "variant", "variant": "b"},
    {"type": "brand-new-type", "whatever": [1, 2]},
    {"type": "finish", "finish": {"reason": "stop"}},
    {
        "type": "usage",
        "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8},
        "model": "openai",
        "provider": "PollinationsAI",
    },
    {"type": "log", "log": "PollinationsAI: Using model 'openai'"},
]
RECEIVED = [
    ProviderInfo("PollinationsAI", "https://pollinations.ai", "Pollinations AI", "openai"),
    RawEvent("parameters", EVENTS[1]),
    ConversationState({"conversation_id": "c-1", "message_id": "m-1"}),
    RawEvent("request", EVENTS[3]),
    RawEvent("headers", EVENTS[4]),
    Preview("Waiting for the model…"),
    Reasoning(status="🤔 Is thinking..."),
    Reasoning(token="Let me think"),
    Reasoning(label="Done", is_thinking=False),
    "Hello",
    ", wörld 😀",
    MediaResponse(("https://img.example/1.png",), "a cat"),
    "!",
    MediaResponse(("https://img.example/2.png",)),
    Notice("Fallback provider used"),
    Title("Greeting"),
    Suggestions(("More?", "Why?")),
    RawEvent("variant", EVENTS[18]),
    RawEvent("brand-new-type", EVENTS[19]),
    FinishReason("stop"),
    Usage(5, 3, 8, model="openai", provider="PollinationsAI"),
    RawEvent("log", EVENTS[22]),
]

SSE_BODY = b"".join(sse(event) for event in EVENTS)
NDJSON_BODY = b"".join(ndjson(event) for event in EVENTS)


# --- the request --------------------------------------------------------------------------


async def test_request_is_exact(serve) -> None:
    server = await serve(stream([sse({"type": "content", "content": "ok"}), sse(FINISH)]))
    messages = [
        {"role": "system", "content": "Be brief"},
        {"role": "user", "content": [{"type": "text", "text": "What is this?"}]},
    ]
    media = [(PNG, "dot.png"), ("data:image/jpeg;base64,/9j/4AAQ", "cam.jpg")]
    before = (copy.deepcopy(messages), list(media))
    items = await answer(
        ask(
            server.url,
            "gpt-4o",
            messages,
            media=media,
            api_key="sk-test-123456",
            provider="PollinationsAI",
            temperature=0.5,
            top_p=None,  # None values are not sent
            web_search=False,
            conversation={"id": "c-1"},
            connect_timeout=3,
            read_timeout=4,  # timeouts are not sent either
        )
    )
    assert items == ["ok", FinishReason("stop")]
    [seen] = server.requests
    assert (seen.method, seen.target) == ("POST", PATH)
    assert seen.headers["Accept"] == "text/event-stream"
    assert seen.headers["Content-Type"] == "application/json"
    assert "Authorization" not in seen.headers
    assert seen.json() == {
        "model": "gpt-4o",
        "messages": messages,
        "media": [
            [f"data:image/png;base64,{base64.b64encode(PNG).decode()}", "dot.png"],
            ["data:image/jpeg;base64,/9j/4AAQ", "cam.jpg"],
        ],
        "api_key": "sk-test-123456",
        "provider": "PollinationsAI",
        "temperature": 0.5,
        "web_search": False,
        "conversation": {"id": "c-1"},
    }
    # The caller's messages and media are never modified.
    assert (messages, media) == before
    assert media[0][0] is PNG


async def test_minimal_request_and_configured_attributes(serve) -> None:
    server = await serve(stream([sse({"type": "content", "content": "ok"}), sse(FINISH)]))
    configured = backend(
        server.url + "/",  # a trailing slash is fine
        backend_provider="Copilot",
        headers={"X-Client": "tui-chat", "Accept": "text/event-stream"},
    )
    items = await answer(configured.create_async_generator("", [{"role": "user", "content": "x"}]))
    assert items == ["ok", FinishReason("stop")]
    [seen] = server.requests
    assert seen.target == PATH
    assert seen.headers["X-Client"] == "tui-chat"
    assert seen.json() == {
        "model": "",
        "messages": [{"role": "user", "content": "x"}],
        "provider": "Copilot",
    }
    # A provider kwarg wins over the configured backend provider.
    await answer(configured.create_async_generator("m", [], provider="Other"))
    assert server.requests[1].json()["provider"] == "Other"


# --- framing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        SSE_BODY,
        NDJSON_BODY,
        SSE_BODY.replace(b"\n", b"\r\n"),
        NDJSON_BODY.replace(b"\n", b"\r\n"),
        b"".join(b"data: " + dumps(event) + b"\n\n" for event in EVENTS),  # data only
        b": ping\n\n" + b"".join(b"data:" + dumps(e) + b"\nid: 1\n\n" for e in EVENTS),
    ],
    ids=["sse", "ndjson", "sse-crlf", "ndjson-crlf", "sse-no-event-lines", "sse-comments-ids"],
)
async def test_every_event_type(serve, body: bytes) -> None:
    server = await serve(stream([body]))
    assert await answer(ask(server.url)) == RECEIVED


@pytest.mark.parametrize("framing", [SSE_BODY, NDJSON_BODY], ids=["sse", "ndjson"])
async def test_cr_line_ends(raw_serve, framing: bytes) -> None:
    body = framing.replace(b"\n", b"\r")
    server = await raw_serve([http_head(), body])  # no length: the body ends at close
    assert await answer(ask(server.url)) == RECEIVED


async def test_slow_chunked_writes_split_mid_json(serve) -> None:
    # Pieces of 7 bytes: lines, JSON values and multi-byte characters are split.
    server = await serve(stream(split_bytes(SSE_BODY, 7), delay=0.001))
    assert await answer(ask(server.url)) == RECEIVED


async def test_byte_by_byte(raw_serve) -> None:
    body = sse({"type": "content", "content": "Grüße 😀"}) + ndjson(EVENTS[20])
    script = [http_head(chunked=True)]
    for byte in split_bytes(body):
        script += [chunk(byte), 0.001]
    server = await raw_serve([*script, b"0\r\n\r\n"])
    assert await answer(ask(server.url)) == ["Grüße 😀", FinishReason("stop")]


async def test_content_arrives_before_the_stream_ends(serve) -> None:
    """Each event is delivered as soon as its line is complete, not at the end."""
    import asyncio

    gate = asyncio.Event()
    delivered: list[object] = []

    async def handler(request):
        from aiohttp import web

        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(sse({"type": "content", "content": "first"}))
        await asyncio.wait_for(gate.wait(), 5)
        await response.write(sse({"type": "content", "content": "second"}))
        await response.write(sse(FINISH))
        return response

    server = await serve(handler)
    async for item in ask(server.url):
        delivered.append(item)
        gate.set()
    assert delivered == ["first", "second", FinishReason("stop")]


async def test_event_name_and_json_type_disagree(serve) -> None:
    body = sse({"type": "reasoning", "token": "hmm"}, event="content")
    weird = sse({"type": "content", "content": "x"}, event="weird")
    server = await serve(stream([body, weird, sse(FINISH)]))
    assert await answer(ask(server.url)) == [Reasoning(token="hmm"), "x", FinishReason("stop")]


async def test_multi_line_data_event(serve) -> None:
    body = b'event: content\ndata: {"type": "content",\ndata:  "content": "joined"}\n\n'
    server = await serve(stream([body, sse(FINISH)]))
    assert await answer(ask(server.url)) == ["joined", FinishReason("stop")]


async def test_five_megabyte_content_line(serve) -> None:
    text = "abcdefghij" * (512 * 1024)
    body = sse({"type": "content", "content": text})
    server = await serve(stream([*split_bytes(body, 65536), sse(EVENTS[20])]))
    assert await answer(ask(server.url)) == [text, FinishReason("stop")]


# --- odd lines: reported, and the answer goes on ----------------------------------------------


async def test_odd_lines_give_notices_and_the_stream_goes_on(serve) -> None:
    lines = [
        b"this is not json\n",
        b'{"type": "content", "content": "broken\n',
        b"[1, 2, 3]\n",
        b'"just a string"\n',
        b'{"no_type": true}\n',
        b'{"type": 7, "content": "x"}\n',
        b'{"type": "content", "content": {"nested": "object"}}\n',
        b'{"type": "content", "content": 42}\n',
        b'{"type": "content", "content": null}\n',
        b'{"type": "content", "content": "still here \xff\xfe"}\n',
        b'{"type": "provider", "provider": "not an object"}\n',
        b'{"type": "usage", "usage": "lots"}\n',
        b'{"type": "usage", "usage": {"prompt_tokens": "5", "total_tokens": true}}\n',
        b'{"type": "suggestions", "suggestions": "one"}\n',
        b'{"type": "conversation", "conversation": null}\n',
        b'{"type": "finish", "finish": "length"}\n',
        b'{"type": "finish", "finish": {}}\n',
        b'{"type": "title", "title": ""}\n',
        b'{"type": "message"}\n',
        b'{"type": "content", "content": "end"}\n',
        ndjson(FINISH),
    ]
    server = await serve(stream(lines))
    assert await answer(ask(server.url)) == [
        Notice("Skipped a line that is not JSON: 'this is not json'"),
        Notice('Skipped a line that is not JSON: \'{"type": "content", "content": "broken\''),
        Notice("Skipped a line that is not a JSON object: '[1, 2, 3]'"),
        Notice("Skipped a line that is not a JSON object: '\"just a string\"'"),
        RawEvent("", {"no_type": True}),
        RawEvent("", {"type": 7, "content": "x"}),
        Notice('Skipped content that is not text: {"nested": "object"}'),
        "42",
        "still here \ufffd\ufffd",
        RawEvent("provider", {"type": "provider", "provider": "not an object"}),
        RawEvent("usage", {"type": "usage", "usage": "lots"}),
        Usage(),
        RawEvent("suggestions", {"type": "suggestions", "suggestions": "one"}),
        RawEvent("conversation", {"type": "conversation", "conversation": None}),
        FinishReason("length"),
        FinishReason(""),  # a finish event without a reason still ends the answer
        "end",
        FinishReason("stop"),
    ]


async def test_long_bad_line_is_clipped_in_the_notice(serve) -> None:
    server = await serve(stream([b"x" * 500 + b"\n", ndjson(EVENTS[10]), ndjson(FINISH)]))
    assert await answer(ask(server.url)) == [
        Notice(f"Skipped a line that is not JSON: {'x' * 60 + '…'!r}"),
        "Hello",
        FinishReason("stop"),
    ]


# --- failures inside the stream -----------------------------------------------------------


async def test_error_event_after_content(serve) -> None:
    body = [
        sse(EVENTS[0]),
        sse({"type": "content", "content": "Partial "}),
        sse({"type": "content", "content": "answer"}),
        sse(
            {
                "type": "error",
                "error": "ResponseError",
                "message": "ResponseError: Error 500: upstream exploded",
            }
        ),
        sse({"type": "content", "content": "never delivered"}),
    ]
    server = await serve(stream(body))
    items, error = await collect(ask(server.url))
    assert items == [RECEIVED[0], "Partial ", "answer"]
    assert type(error) is UpstreamError
    assert str(error) == "The provider failed: ResponseError: Error 500: upstream exploded"
    assert error.kind == "ResponseError"


@pytest.mark.parametrize(
    ("event", "text"),
    [
        ({"type": "error", "error": "TimeoutError"}, "The provider failed: TimeoutError"),
        ({"type": "error", "message": "no kind"}, "The provider failed: no kind"),
        ({"type": "error"}, "The provider failed: unknown error"),
        (
            {"type": "error", "error": "RuntimeError", "message": "boom"},
            "The provider failed: RuntimeError: boom",
        ),
    ],
)
async def test_error_event_shapes(serve, event, text: str) -> None:
    server = await serve(stream([ndjson(event)]))
    _, error = await collect(ask(server.url))
    assert type(error) is UpstreamError
    assert str(error) == text


async def test_auth_event(serve) -> None:
    event = {
        "type": "auth",
        "auth": "MissingAuthError",
        "message": "MissingAuthError: Error 401: bad key",
    }
    server = await serve(stream([sse(EVENTS[0]), sse(event), sse(EVENTS[22])]))
    items, error = await collect(ask(server.url))
    assert items == [RECEIVED[0]]
    assert type(error) is AuthenticationRequiredError
    assert str(error) == "Authentication required: MissingAuthError: Error 401: bad key"
    assert error.status is None
    # With no message, the auth field says what is missing.
    server = await serve(stream([sse({"type": "auth", "auth": "MissingAuthError"})]))
    _, error = await collect(ask(server.url))
    assert str(error) == "Authentication required: MissingAuthError"


async def test_key_echoed_in_error_and_auth_events_is_masked(serve) -> None:
    key = "sk-proj-abcdef123456"
    for event in (
        {"type": "error", "error": "ResponseError", "message": f"Invalid key {key}"},
        {"type": "auth", "auth": "MissingAuthError", "message": f"Key {key} was refused"},
    ):
        server = await serve(stream([sse(event)]))
        _, error = await collect(ask(server.url, api_key=key))
        assert key not in str(error)
        assert "***" in str(error)
        assert server.requests[0].json()["api_key"] == key


@pytest.mark.parametrize(
    "body", [b"", b"\n\n", b"\r\n\r\n\r\n"], ids=["empty", "blank-lines", "blank-crlf"]
)
async def test_empty_success_is_a_bad_response(serve, body: bytes) -> None:
    server = await serve(stream([body] if body else []))
    _, error = await collect(ask(server.url))
    assert type(error) is BadResponseError
    assert str(error) == (f"The server at {server.host} ended the stream without sending anything.")
    assert error.hint == "Check that the URL points at the right kind of server."


async def test_html_page_with_200_is_a_bad_response(serve) -> None:
    page = b"<!DOCTYPE html><html><head><title>g4f GUI</title></head><body></body></html>"
    server = await serve(reply(page, content_type="text/html; charset=utf-8"))
    _, error = await collect(ask(server.url))
    assert type(error) is BadResponseError
    assert str(error) == (
        f"The server at {server.host} answered with a web page, not a chat stream. "
        "Is the URL a g4f backend?"
    )


async def test_g4f_http_errors(serve) -> None:
    """The errors a real g4f server answers without streaming (pretty-printed in debug mode)."""
    server = await serve(
        routes(
            {
                PATH: reply(
                    b'{\n  "error": {\n    "message": "Provider not found"\n  }\n}\n',
                    status=404,
                    content_type="application/json",
                )
            }
        )
    )
    _, error = await collect(ask(server.url, provider="NoSuchProvider"))
    assert type(error) is HTTPStatusError
    assert str(error) == "The server answered HTTP 404: Provider not found"
    assert error.hint == "Check the URL and the model name."


async def test_stall_mid_stream_after_content(raw_serve) -> None:
    head = http_head(chunked=True)
    server = await raw_serve([head, chunk(sse({"type": "content", "content": "so far"})), HANG])
    items, error = await collect(ask(server.url, read_timeout=0.5))
    assert items == ["so far"]
    assert str(error) == f"The answer from {server.host} stalled: nothing arrived for 0.5 seconds."


async def test_stream_ending_at_close_without_length(raw_serve) -> None:
    """HTTP/1.1 with neither length nor chunking: the body ends when the server closes."""
    server = await raw_serve([http_head(), SSE_BODY[:-1]])  # and no final newline
    assert await answer(ask(server.url)) == RECEIVED


@pytest.mark.parametrize("framing", [sse, ndjson], ids=["sse", "ndjson"])
async def test_stream_that_ends_without_its_finish_event_is_cut_short(serve, framing) -> None:
    """What a real g4f server sends when its upstream drops the connection: everything as
    usual (usage and log included) but the finish event. The caller gets it all, then
    the failure; the same with the finish event is a whole answer."""
    events = [EVENTS[0], EVENTS[10], EVENTS[11], EVENTS[21], EVENTS[22]]
    server = await serve(stream([framing(event) for event in events]))
    items, error = await collect(ask(server.url))
    assert items == [RECEIVED[0], "Hello", ", wörld 😀", RECEIVED[20], RECEIVED[21]]
    assert type(error) is AnswerCutError
    assert str(error) == (
        f"The answer from {server.host} was cut short: the stream ended before the answer finished."
    )
    assert error.hint == "Retry, or continue the answer."
    whole = [*events[:3], FINISH, *events[3:]]
    server = await serve(stream([framing(event) for event in whole]))
    items = await answer(ask(server.url))
    assert items == [RECEIVED[0], "Hello", ", wörld 😀", FinishReason("stop"), *RECEIVED[20:]]


async def test_consumer_stops_early(serve) -> None:
    server = await serve(stream([ndjson(EVENTS[10]), ndjson(EVENTS[11])], delay=0.05))
    generator = ask(server.url)
    assert await generator.__anext__() == "Hello"
    await generator.aclose()  # closes the connection without an error


# --- model listing --------------------------------------------------------------------------

MODELS_JSON = {
    "PollinationsAI": ["openai", "gpt-4o-mini", "flux"],
    "Copilot": ["gpt-4o", "openai"],
    "Airforce": [],
    "BlackboxPro": [""],
    "Odd": "not a list",
    "Mixed": [None, 3, "mixed-model"],
}
PROVIDERS_JSON = [
    {"name": "PollinationsAI", "label": "Pollinations AI", "vision": True, "auth": False},
    {"name": "Copilot", "label": "Microsoft Copilot", "vision": False},
    {"label": "no name"},
    "garbage",
]


async def test_fetch_models(serve) -> None:
    server = await serve(
        routes(
            {
                "/backend-api/v2/models": reply(MODELS_JSON),
                "/backend-api/v2/providers": reply(PROVIDERS_JSON),
            }
        )
    )
    provider = backend(server.url, headers={"X-Client": "tui-chat"})
    models = await provider.fetch_models()
    assert models == [
        ModelInfo("openai", "Pollinations AI", "PollinationsAI", vision=True),
        ModelInfo("gpt-4o-mini", "Pollinations AI", "PollinationsAI", vision=True),
        ModelInfo("flux", "Pollinations AI", "PollinationsAI", vision=True),
        ModelInfo("gpt-4o", "Microsoft Copilot", "Copilot"),
        ModelInfo("openai", "Microsoft Copilot", "Copilot"),
        ModelInfo("mixed-model", "Mixed", "Mixed"),
    ]
    assert provider.models == ["flux", "gpt-4o", "gpt-4o-mini", "mixed-model", "openai"]
    assert provider.vision_models == ["flux", "gpt-4o-mini", "openai"]
    assert BackendApi.models == []  # the template class is untouched
    assert [(seen.method, seen.target) for seen in server.requests] == [
        ("GET", "/backend-api/v2/models"),
        ("GET", "/backend-api/v2/providers"),
    ]
    assert server.requests[0].headers["X-Client"] == "tui-chat"


@pytest.mark.parametrize(
    "providers",
    [
        reply({"error": {"message": "nope"}}, status=500),
        reply(b"<html>old server</html>", content_type="text/html"),
        reply({"not": "a list"}),
    ],
    ids=["500", "html", "object"],
)
async def test_fetch_models_without_provider_details(serve, providers) -> None:
    server = await serve(
        routes(
            {"/backend-api/v2/models": reply(MODELS_JSON), "/backend-api/v2/providers": providers}
        )
    )
    models = await backend(server.url).fetch_models()
    assert models[0] == ModelInfo("openai", "PollinationsAI", "PollinationsAI")
    assert len(models) == 6


async def test_fetch_models_failures(serve, closed_port: int) -> None:
    server = await serve(routes({"/backend-api/v2/models": reply({"error": "down"}, status=503)}))
    with pytest.raises(HTTPStatusError, match=r"^The server answered HTTP 503: down$"):
        await backend(server.url).fetch_models()
    server = await serve(routes({"/backend-api/v2/models": reply(b"<html><p>hi</p></html>")}))
    with pytest.raises(BadResponseError, match="sent an HTML page instead of a JSON model list"):
        await backend(server.url).fetch_models()
    server = await serve(routes({"/backend-api/v2/models": reply(["a", "b"])}))
    with pytest.raises(BadResponseError, match=r"^The server's model list is not a JSON object\.$"):
        await backend(server.url).fetch_models()
    with pytest.raises(
        ConnectionFailedError, match=f"Could not connect to 127.0.0.1:{closed_port}"
    ):
        await backend(f"http://127.0.0.1:{closed_port}").fetch_models()


async def test_fetch_models_through_a_proxy(serve, proxy) -> None:
    server = await serve(
        routes(
            {"/backend-api/v2/models": reply({"P": ["m"]}), "/backend-api/v2/providers": reply([])}
        )
    )
    assert await backend(server.url).fetch_models(proxy=proxy.url) == [ModelInfo("m", "P", "P")]
    assert [seen.target for seen in proxy.requests] == [
        f"{server.url}/backend-api/v2/models",
        f"{server.url}/backend-api/v2/providers",
    ]


def test_events_json_roundtrip_sanity() -> None:
    # The fixture bodies are what the tests think they are.
    assert json.loads(NDJSON_BODY.splitlines()[0]) == EVENTS[0]
    assert SSE_BODY.startswith(b"event: provider\ndata: {")
