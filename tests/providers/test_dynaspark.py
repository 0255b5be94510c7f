"""Dynaspark against a loopback server speaking its form-post protocol byte for byte."""

from __future__ import annotations

import io

import pytest

from tui_chat.providers import (
    AuthenticationRequiredError,
    BadResponseError,
    ConnectionFailedError,
    Dynaspark,
    HTTPStatusError,
    ModelNotSupportedError,
    ProviderError,
    RateLimitedError,
)

from .testkit import PNG, FormFile, answer, collect, http_head, reply, stream

ENDPOINT = "/api/generate_response"
MESSAGES = [{"role": "system", "content": "Be brief"}, {"role": "user", "content": "Hi"}]
GIF = b"GIF89a" + b"\x01\x00\x01\x00\x00\x00\x00;"


def spark(url: str) -> type[Dynaspark]:
    return Dynaspark.configured("Dynaspark", url=url, api_endpoint=url + ENDPOINT)


def ask(url: str, model: str = "", messages=MESSAGES, **kwargs):
    kwargs.setdefault("read_timeout", 2)
    return spark(url).create_async_generator(model, messages, **kwargs)


async def test_request_is_exact(serve) -> None:
    server = await serve(reply({"response": "Hello! How can I help?"}))
    media = [(PNG, "dot.png"), (GIF, "second.gif")]
    before = list(media)
    items = await answer(ask(server.url, "gemini-2.0-flash", media=media))
    assert items == ["Hello! How can I help?"]  # the whole answer, as one chunk
    [seen] = server.requests
    assert (seen.method, seen.target) == ("POST", ENDPOINT)
    assert seen.headers["accept"] == "*/*"
    assert seen.headers["accept-language"] == "en-US,en;q=0.9"
    assert seen.headers["origin"] == server.url
    assert seen.headers["referer"] == server.url + "/"
    assert seen.headers["x-requested-with"] == "XMLHttpRequest"
    assert seen.headers["user-agent"].startswith("Mozilla/5.0 (X11; Linux x86_64)")
    assert seen.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert seen.form == {
        "user_input": "System: Be brief\nUser: Hi\nAssistant:",
        "ai_model": "gemini-2.0-flash-lite",  # the alias's target
        "file": FormFile("dot.png", "image/png", PNG),  # the first media item only
    }
    assert media == before


async def test_request_without_media_one_message(serve) -> None:
    server = await serve(reply({"response": "ok"}))
    assert await answer(ask(server.url, messages=[{"role": "user", "content": "Just this"}])) == [
        "ok"
    ]
    assert server.requests[0].form == {"user_input": "Just this", "ai_model": "gemini-1.5-flash"}


@pytest.mark.parametrize(
    ("data", "filename", "sent_name", "content_type"),
    [
        (io.BytesIO(PNG), None, "image", "image/png"),
        (b"\xff\xd8\xff\xe0jpegdata", "photo.jpeg", "photo.jpeg", "image/jpeg"),
        (GIF, "anim.gif", "anim.gif", "image/gif"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 data", "pic.webp", "pic.webp", "image/webp"),
        ("data:image/png;base64,iVBORw0KGgo=", "uri.png", "uri.png", "image/png"),
    ],
    ids=["file-object", "jpeg", "gif", "webp", "data-uri"],
)
async def test_media_forms(serve, data, filename, sent_name: str, content_type: str) -> None:
    server = await serve(reply({"response": "ok"}))
    await answer(ask(server.url, media=[(data, filename)]))
    sent = server.requests[0].form["file"]
    assert isinstance(sent, FormFile)
    assert (sent.filename, sent.content_type) == (sent_name, content_type)


async def test_non_image_media_is_refused_before_sending(serve) -> None:
    server = await serve(reply({"response": "ok"}))
    _, error = await collect(ask(server.url, media=[(b"%PDF-1.7 ...", "paper.pdf")]))
    assert type(error) is ProviderError
    assert str(error) == (
        "Dynaspark only accepts jpeg, png, gif or webp images; paper.pdf is none of these."
    )
    assert server.requests == []


async def test_unknown_model_names_valid_ones_before_sending(serve) -> None:
    server = await serve(reply({"response": "ok"}))
    _, error = await collect(ask(server.url, "gpt-4o"))
    assert type(error) is ModelNotSupportedError
    assert str(error) == (
        "Model 'gpt-4o' is not offered by Dynaspark. Valid models: gemini-1.5-flash, "
        "gemini-1.5-flash-8b, gemini-2.0-flash, gemini-2.0-flash-lite."
    )
    assert server.requests == []


@pytest.mark.parametrize(
    ("status", "kind", "text"),
    [
        (401, AuthenticationRequiredError, "Authentication required (HTTP 401): Login first"),
        (403, AuthenticationRequiredError, "Authentication required (HTTP 403): Login first"),
        (429, RateLimitedError, "Rate limited (HTTP 429): Login first"),
        (500, HTTPStatusError, "The server answered HTTP 500: Login first"),
    ],
)
async def test_error_statuses(serve, status: int, kind: type, text: str) -> None:
    server = await serve(reply({"error": "Login first"}, status=status))
    _, error = await collect(ask(server.url))
    assert type(error) is kind
    assert str(error) == text


async def test_render_cold_start_page(serve) -> None:
    """A host's HTML page with 200 (e.g. a sleeping service's splash) is not an answer."""
    page = b"<!DOCTYPE html><html><head><title>Waking up</title></head></html>"
    server = await serve(reply(page, content_type="text/html"))
    _, error = await collect(ask(server.url))
    assert type(error) is BadResponseError
    assert str(error).startswith("The server sent an HTML page instead of a JSON answer (")


@pytest.mark.parametrize(
    "body",
    [b'{"answer": "x"}', b'{"response": null}', b'["x"]', b'{"response": 5}'],
)
async def test_json_without_response_text(serve, body: bytes) -> None:
    server = await serve(reply(body, content_type="application/json"))
    _, error = await collect(ask(server.url))
    assert type(error) is BadResponseError
    assert str(error) == (
        "Dynaspark's answer has no text in it (expected a JSON object with a 'response' string)."
    )


async def test_not_json(serve) -> None:
    server = await serve(reply(b"plain text answer", content_type="text/plain"))
    _, error = await collect(ask(server.url))
    assert type(error) is BadResponseError
    assert str(error) == (
        "The server sent text that is not JSON instead of a JSON answer ('plain text answer')."
    )


async def test_answer_written_slowly_in_pieces(serve) -> None:
    body = '{"response": "Grüße, 😀 multi\\nline"}'.encode()
    server = await serve(
        stream(
            [body[i : i + 3] for i in range(0, len(body), 3)],
            content_type="application/json",
            delay=0.002,
        )
    )
    assert await answer(ask(server.url)) == ["Grüße, 😀 multi\nline"]


async def test_answer_with_cr_and_no_length(raw_serve) -> None:
    body = b'{\r  "response": "line one\\r\\nline two"\r}\r'
    server = await raw_serve([http_head(content_type="application/json"), body])
    assert await answer(ask(server.url)) == ["line one\r\nline two"]


async def test_unreachable_public_host_is_one_sentence() -> None:
    """The default endpoint's host has gone away; offline, a .invalid host stands in."""
    gone = Dynaspark.configured(
        "Dynaspark", api_endpoint="https://dynaspark.invalid/api/generate_response"
    )
    _, error = await collect(gone.create_async_generator("", MESSAGES, connect_timeout=5))
    assert type(error) is ConnectionFailedError
    text = str(error)
    assert text == "Dynaspark at dynaspark.invalid cannot be reached: the name does not resolve."
    assert text.count(". ") == 0 and text.endswith(".")


def test_default_endpoint() -> None:
    assert Dynaspark.api_endpoint == "https://dynaspark.onrender.com/api/generate_response"
