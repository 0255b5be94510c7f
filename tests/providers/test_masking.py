"""A request's secrets (the API key, configured header values) echoed back by a server are
masked in everything a provider hands back but the answer's own words: events, notices
and errors, for every provider kind, before any text is shortened."""

from __future__ import annotations

import json

import pytest
from aiohttp import web

from tui_chat.providers import BackendApi, OpenAICompatible, UpstreamError
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
from tui_chat.providers.masking import mask_event, request_secrets

from .testkit import FINISH, KINDS, MESSAGES, collect, ndjson, provider_at, sse

KEY = "sk-echo-0123456789abcdef"
TOKEN = "hdr-token-fedcba987654"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "X-Api-Key": "xk-4444333322221111"}
SECRETS = (KEY, TOKEN, "xk-4444333322221111")


def leaks(text: str) -> list[str]:
    """The secrets, or any 8-character start of one, found in `text`."""
    return [secret for secret in SECRETS if secret[:8] in text]


def echoed(request: web.Request, body: dict) -> str:
    """What an echoing server quotes back: the key it was sent, and every header value."""
    key = body.get("api_key") or request.headers.get("Authorization", "").removeprefix("Bearer ")
    headers = request.headers
    return f"key={key} auth={headers.get('Authorization')} x={headers.get('X-Api-Key')}"


def backend_events(said: str) -> list[bytes]:
    """Every kind of g4f event, each carrying the echo; the answer's own text repeats it too."""
    return [
        sse({"type": "provider", "provider": {"name": f"P {said}", "model": said}}),
        sse({"type": "conversation", "conversation": {"state": said, said: 1}}),
        sse({"type": "preview", "preview": f"Log in: {said}"}),
        sse({"type": "reasoning", "status": f"Thinking {said}", "token": f"I saw {KEY}"}),
        sse({"type": "content", "content": f"You sent {KEY}."}),
        sse({"type": "content", "content": "", "urls": [f"https://img/?k={KEY}"], "alt": said}),
        sse({"type": "message", "message": f"Warning: {said}", "error": "RetryProviderError"}),
        f"{KEY} {said}\n".encode(),  # not JSON: the notice quotes the line
        ("x" * 50 + f" {KEY}\n").encode(),  # the key straddles where the notice shortens
        ndjson(["list", said]),  # JSON, not an object
        sse({"type": "content", "content": {"nested": said}}),  # content that is not text
        sse({"type": "title", "title": f"Title {said}"}),
        sse({"type": "suggestions", "suggestions": [said]}),
        sse({"type": "hologram", "detail": said}),
        sse({"type": "", "detail": said}),
        sse({"type": "finish", "finish": {"reason": said}}),
        sse({"type": "usage", "usage": {"total_tokens": 3}, "model": said, "provider": said}),
        sse({"type": "log", "log": said}),
        sse(FINISH),
    ]


async def test_backend_events_and_notices_are_masked(serve) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        said = echoed(request, await request.json())
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for line in backend_events(said):
            await response.write(line)
        return response

    server = await serve(handler)
    backend = BackendApi.configured("test", url=server.url, headers=HEADERS)
    items, error = await collect(backend.create_async_generator("m", MESSAGES, api_key=KEY))
    assert error is None
    # The server did get the secrets: they are masked on the way back only.
    [seen] = server.requests
    assert seen.json()["api_key"] == KEY
    assert seen.headers["Authorization"] == f"Bearer {TOKEN}"
    said = "key=*** auth=*** x=***"
    assert items == [
        ProviderInfo(name=f"P {said}", model=said),
        ConversationState({"state": said, said: 1}),
        Preview(f"Log in: {said}"),
        Reasoning(token=f"I saw {KEY}", status=f"Thinking {said}"),
        f"You sent {KEY}.",  # the answer's own words are kept as they came
        MediaResponse(("https://img/?k=***",), said),
        Notice(f"Warning: {said}"),
        Notice(f"Skipped a line that is not JSON: {'*** ' + said!r}"),
        Notice(f"Skipped a line that is not JSON: {'x' * 50 + ' ***'!r}"),
        Notice(f"Skipped a line that is not a JSON object: {json.dumps(['list', said])!r}"),
        Notice(f'Skipped content that is not text: {{"nested": "{said}"}}'),
        Title(f"Title {said}"),
        Suggestions((said,)),
        RawEvent("hologram", {"type": "hologram", "detail": said}),
        RawEvent("", {"type": "", "detail": said}),
        FinishReason(said),
        Usage(total_tokens=3, model=said, provider=said),
        RawEvent("log", {"type": "log", "log": said}),
        FinishReason("stop"),
    ]
    assert not leaks(repr([item for item in items if not isinstance(item, (str, Reasoning))]))


@pytest.mark.parametrize("secret", ["key", "header"])
async def test_backend_error_event_quoting_a_secret_is_masked(serve, secret: str) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        said = echoed(request, await request.json())
        event = {"type": "error", "error": f"Error{said}", "message": f"Refused: {said}"}
        return await _write(request, [sse({"type": "content", "content": "Part"}), sse(event)])

    server = await serve(handler)
    headers = HEADERS if secret == "header" else {}
    backend = BackendApi.configured("test", url=server.url, headers=headers)
    api_key = KEY if secret == "key" else None
    items, error = await collect(backend.create_async_generator("m", MESSAGES, api_key=api_key))
    assert items == ["Part"]
    assert type(error) is UpstreamError
    assert "Refused: key=*** auth=" in str(error)
    assert not leaks(str(error)) and not leaks(repr(vars(error)))


async def _write(request: web.Request, lines: list[bytes]) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    for line in lines:
        await response.write(line)
    return response


async def test_openai_compatible_notices_events_and_errors_are_masked(serve) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        said = echoed(request, await request.json())
        delta = {"content": f"You sent {KEY}.", "reasoning_content": f"I saw {KEY}"}
        chunks = [
            f"data: {KEY} {said}\n\n".encode(),  # not JSON
            ("data: " + "x" * 50 + f" {KEY}\n\n").encode(),  # shortened across the key
            f"data: {json.dumps([said])}\n\n".encode(),
            f"data: {json.dumps({'choices': [{'delta': delta}], 'model': said})}\n\n".encode(),
            f"data: {json.dumps({'choices': [{'delta': {}, 'finish_reason': said}]})}\n\n".encode(),
            f"data: {json.dumps({'choices': [], 'usage': {'total_tokens': 3}, 'model': said})}\n\n"
            .encode(),
            f"data: {json.dumps({'error': {'message': 'x' * 290 + f' {said}'}})}\n\n".encode(),
        ]  # fmt: skip
        return await _write(request, chunks)

    server = await serve(handler)
    endpoint = OpenAICompatible.configured("test", url=f"{server.url}/v1", headers=HEADERS)
    items, error = await collect(endpoint.create_async_generator("m", MESSAGES, api_key=KEY))
    said = "key=*** auth=Bearer *** x=***"  # the key's own header replaced the configured one
    assert items == [
        Notice(f"Skipped a line that is not JSON: {('*** ' + said)[:60]!r}"),
        Notice(f"Skipped a line that is not JSON: {'x' * 50 + ' ***'!r}"),
        Notice(f"Skipped a line that is not a JSON object: {json.dumps([said])!r}"),
        Reasoning(token=f"I saw {KEY}"),
        f"You sent {KEY}.",  # the answer's own words are kept as they came
        FinishReason(said),
        Usage(total_tokens=3, model=said),
    ]
    # The error chunk's message is shortened to 300 characters, after the masking.
    assert type(error) is UpstreamError
    assert str(error).startswith("The provider failed: xxx")
    assert not leaks(str(error))
    [seen] = server.requests
    assert seen.headers["Authorization"] == f"Bearer {KEY}"  # the key wins over the header


@pytest.mark.parametrize("kind", KINDS)
async def test_error_status_quoting_a_header_past_the_shortening_is_masked(serve, kind) -> None:
    """A server's error message is shortened to 300 characters: a secret it quotes across
    that point is masked first, so no start of it is left either."""

    async def handler(request: web.Request) -> web.StreamResponse:
        said = request.headers.get("X-Api-Key", "")
        message = "x" * 290 + f" {said} {request.headers.get('Authorization')} " + "y" * 20
        return web.json_response({"error": {"message": message}}, status=401)

    server = await serve(handler)
    provider = provider_at(kind, server.url)
    provider.headers = dict(HEADERS)
    model = {"BackendApi": "m", "OpenAICompatible": "m"}.get(kind, "")
    _, error = await collect(provider.create_async_generator(model, MESSAGES))
    assert str(error).startswith("Authentication required (HTTP 401): xxx")
    assert str(error).endswith("…")
    assert not leaks(str(error)) and not leaks(repr(vars(error)))


def test_request_secrets_are_the_key_and_header_values_longest_first() -> None:
    secrets = request_secrets(KEY, {"Authorization": f"Bearer {TOKEN}", "X-Short": "abc"})
    assert secrets == (f"Bearer {TOKEN}", KEY, TOKEN)  # "abc" is too short to mask
    # A secret inside a longer one: the longer is masked whole, nothing of it is left.
    assert mask_event(Notice(f"got Bearer {TOKEN}!"), secrets) == Notice("got ***!")
