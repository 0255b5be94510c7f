"""Unit tests of the provider helpers and the model contract, with the spec's examples."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest

from tui_chat.providers import (
    AuthenticationRequiredError,
    BackendApi,
    Dynaspark,
    HTTPStatusError,
    ModelNotSupportedError,
    OpenAICompatible,
    RateLimitedError,
    Timeouts,
    UpstreamError,
    format_prompt,
    image_type,
    list_providers,
    to_bytes,
    to_data_uri,
)
from tui_chat.providers.http import redact, server_message, status_error

from .testkit import PNG

# --- format_prompt ------------------------------------------------------------------------


def test_format_prompt_spec_example() -> None:
    messages = [{"role": "system", "content": "Be brief"}, {"role": "user", "content": "Hi"}]
    assert format_prompt(messages) == "System: Be brief\nUser: Hi\nAssistant:"


def test_format_prompt_one_message_is_its_content_alone() -> None:
    assert format_prompt([{"role": "user", "content": "Hi there"}]) == "Hi there"


def test_format_prompt_one_message_with_parts_keeps_the_text_parts() -> None:
    content = [
        {"type": "text", "text": "Look"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
        {"type": "text", "text": "at this"},
    ]
    assert format_prompt([{"role": "user", "content": content}]) == "Look\nat this"


def test_format_prompt_history_skips_blank_and_keeps_text_parts() -> None:
    messages = [
        {"role": "system", "content": "   "},
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "4"},
        {"role": "user", "content": ""},
        {
            "role": "user",
            "content": [
                {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
                {"type": "text", "text": "And this?"},
            ],
        },
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "u"}}]},
    ]
    assert format_prompt(messages) == (
        "User: What is 2+2?\nAssistant: 4\nUser: And this?\nAssistant:"
    )


def test_format_prompt_empty() -> None:
    assert format_prompt([]) == ""


def test_format_prompt_does_not_modify_messages() -> None:
    messages = [{"role": "system", "content": "Be brief"}, {"role": "user", "content": "Hi"}]
    copy = [dict(message) for message in messages]
    format_prompt(messages)
    assert messages == copy


# --- to_data_uri, to_bytes, image_type -----------------------------------------------------

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 12
GIF87 = b"GIF87a" + b"\x01\x00" * 4
GIF89 = b"GIF89a" + b"\x01\x00" * 4
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 8


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (JPEG, "image/jpeg"),
        (PNG, "image/png"),
        (GIF87, "image/gif"),
        (GIF89, "image/gif"),
        (WEBP, "image/webp"),
    ],
    ids=["jpeg", "png", "gif87a", "gif89a", "webp"],
)
def test_to_data_uri_sniffs_images_by_magic_bytes(data: bytes, mime: str) -> None:
    # The file name says otherwise: the bytes win.
    assert to_data_uri(data, "misnamed.txt") == f"data:{mime};base64,{b64(data)}"
    assert image_type(data) == mime


def test_to_data_uri_string_passes_unchanged() -> None:
    assert to_data_uri("data:image/png;base64,AAAA", "x.png") == "data:image/png;base64,AAAA"
    assert to_data_uri("https://example.com/cat.jpg") == "https://example.com/cat.jpg"


@pytest.mark.parametrize(
    ("name", "mime"),
    [
        ("voice.mp3", "audio/mpeg"),
        ("voice.WAV", "audio/wav"),
        ("voice.ogg", "audio/ogg"),
        ("voice.flac", "audio/flac"),
        ("voice.m4a", "audio/mp4"),
        ("voice.webm", "audio/webm"),
        ("notes.txt", "text/plain"),
        ("blob", "application/octet-stream"),
        (None, "application/octet-stream"),
    ],
)
def test_to_data_uri_non_images_by_extension(name: str | None, mime: str) -> None:
    data = b"\x00\x01abc"
    assert to_data_uri(data, name) == f"data:{mime};base64,{b64(data)}"


def test_to_data_uri_from_bytearray_path_and_file(tmp_path: Path) -> None:
    expected = f"data:image/png;base64,{b64(PNG)}"
    path = tmp_path / "dot.png"
    path.write_bytes(PNG)
    assert to_data_uri(bytearray(PNG), "dot.png") == expected
    assert to_data_uri(path, "dot.png") == expected
    with path.open("rb") as handle:
        assert to_data_uri(handle, "dot.png") == expected
    assert to_data_uri(io.BytesIO(PNG)) == expected


def test_to_bytes_every_form(tmp_path: Path) -> None:
    path = tmp_path / "dot.png"
    path.write_bytes(PNG)
    assert to_bytes(PNG) == PNG
    assert to_bytes(bytearray(PNG)) == PNG
    assert to_bytes(path) == PNG
    assert to_bytes(str(path)) == PNG
    assert to_bytes(io.BytesIO(PNG)) == PNG
    assert to_bytes(f"data:image/png;base64,{b64(PNG)}") == PNG
    assert to_bytes("data:text/plain,hello%20world") == b"hello world"
    with pytest.raises(TypeError, match="int"):
        to_bytes(42)  # type: ignore[arg-type]


def test_image_type_rejects_non_images() -> None:
    assert image_type(b"") is None
    assert image_type(b"RIFF\x00\x00\x00\x00WAVE") is None
    assert image_type(b"%PDF-1.7") is None


# --- get_model / get_models -------------------------------------------------------------


@pytest.mark.parametrize(
    ("requested", "sent"),
    [
        ("", "gemini-1.5-flash"),
        (None, "gemini-1.5-flash"),
        ("auto", "gemini-1.5-flash"),
        ("gemini-1.5-flash", "gemini-1.5-flash-8b"),  # an alias maps to its target
        ("gemini-2.0-flash", "gemini-2.0-flash-lite"),
        ("gemini-1.5-flash-8b", "gemini-1.5-flash-8b"),
        ("gemini-2.0-flash-lite", "gemini-2.0-flash-lite"),
    ],
)
def test_get_model_dynaspark(requested: str | None, sent: str) -> None:
    assert Dynaspark.get_model(requested) == sent


def test_get_model_unknown_names_the_valid_ones() -> None:
    with pytest.raises(ModelNotSupportedError) as caught:
        Dynaspark.get_model("gpt-4o")
    assert str(caught.value) == (
        "Model 'gpt-4o' is not offered by Dynaspark. Valid models: gemini-1.5-flash, "
        "gemini-1.5-flash-8b, gemini-2.0-flash, gemini-2.0-flash-lite."
    )
    assert caught.value.valid == [
        "gemini-1.5-flash",
        "gemini-1.5-flash-8b",
        "gemini-2.0-flash",
        "gemini-2.0-flash-lite",
    ]
    assert isinstance(caught.value, ValueError)


def test_get_model_configured_provider_uses_its_label() -> None:
    custom = Dynaspark.configured("My Spark")
    with pytest.raises(ModelNotSupportedError, match="not offered by My Spark"):
        custom.get_model("nope")


def test_get_model_long_list_is_shortened() -> None:
    many = OpenAICompatible.configured("many", models=[f"m{i}" for i in range(30)])
    with pytest.raises(ModelNotSupportedError) as caught:
        many.get_model("other")
    assert str(caught.value).endswith("m18, m19, ....")
    assert len(caught.value.valid) == 30


def test_get_models_falls_back_to_default_model() -> None:
    assert Dynaspark.get_models() == [
        "gemini-1.5-flash",
        "gemini-1.5-flash-8b",
        "gemini-2.0-flash",
        "gemini-2.0-flash-lite",
    ]
    only_default = OpenAICompatible.configured("d", default_model="llama3", models=[])
    assert only_default.get_models() == ["llama3"]
    assert only_default.get_model("") == "llama3"
    # With a known list of one, anything else is refused.
    with pytest.raises(ModelNotSupportedError, match="Valid models: llama3"):
        only_default.get_model("mistral")


def test_get_model_nothing_known_passes_names_through() -> None:
    unknown = OpenAICompatible.configured("fresh", models=[], default_model="")
    assert unknown.get_models() == []
    assert unknown.get_model("anything-at-all") == "anything-at-all"
    with pytest.raises(ModelNotSupportedError, match="No model chosen for fresh"):
        unknown.get_model("auto")
    with pytest.raises(ModelNotSupportedError, match="No model chosen for fresh"):
        unknown.get_model("")


def test_get_model_first_known_when_no_default() -> None:
    listed = OpenAICompatible.configured("listed", models=["b", "a"], default_model="")
    assert listed.get_model("auto") == "b"


def test_is_vision_model() -> None:
    assert Dynaspark.is_vision_model("gemini-2.0-flash")
    assert not Dynaspark.is_vision_model("other")


# --- provider classes ---------------------------------------------------------------------


def test_configured_subclass_keeps_kind_and_sets_attributes() -> None:
    backend = BackendApi.configured("home", url="http://10.0.0.2:8080")
    assert issubclass(backend, BackendApi)
    assert backend.url == "http://10.0.0.2:8080"
    assert backend.label == "home"
    assert backend.name() == "home"
    assert backend.kind() == "BackendApi"
    assert backend.configured("again").kind() == "BackendApi"
    assert BackendApi.url == "http://127.0.0.1:8080"  # the template is untouched
    assert BackendApi.name() == "BackendApi"


def test_request_timeouts_pop_kwargs() -> None:
    kwargs = {"connect_timeout": "2", "read_timeout": 0.5, "temperature": 1}
    assert BackendApi.request_timeouts(kwargs) == Timeouts(connect=2.0, read=0.5)
    assert kwargs == {"temperature": 1}
    assert BackendApi.request_timeouts({}) == Timeouts(connect=10.0, read=120.0)
    slow = BackendApi.configured("slow", timeouts=Timeouts(connect=1, read=600))
    assert slow.request_timeouts({"read_timeout": None}) == Timeouts(connect=1, read=600)


def test_dynaspark_flags_per_spec() -> None:
    assert Dynaspark.url == "https://dynaspark.onrender.com"
    assert Dynaspark.api_endpoint == "https://dynaspark.onrender.com/api/generate_response"
    assert (Dynaspark.working, Dynaspark.needs_auth, Dynaspark.supports_stream) == (
        True,
        False,
        True,
    )
    assert not Dynaspark.supports_system_message
    assert not Dynaspark.supports_message_history
    assert Dynaspark.default_model == Dynaspark.default_vision_model == "gemini-1.5-flash"
    assert Dynaspark.vision_models == Dynaspark.models
    assert Dynaspark.model_aliases == {
        "gemini-1.5-flash": "gemini-1.5-flash-8b",
        "gemini-2.0-flash": "gemini-2.0-flash-lite",
    }


def test_list_providers() -> None:
    assert list_providers() == {
        "BackendApi": BackendApi,
        "Dynaspark": Dynaspark,
        "OpenAICompatible": OpenAICompatible,
    }


# --- error messages -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b'{"error": {"message": "Invalid JSON data"}}', "application/json", "Invalid JSON data"),
        (
            b'{\n    "error": {\n        "message": "Provider not found"\n    }\n}\n',
            "application/json",
            "Provider not found",
        ),
        (b'{"detail": [{"msg": "field required"}]}', "application/json", "field required"),
        (b'{"error": "quota exceeded"}', "application/json", "quota exceeded"),
        (b'{"message": "m", "error": "e"}', "application/json", "m"),
        (
            b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
            "text/html",
            "502 Bad Gateway",
        ),
        (
            b"<html><body><h1>Oops &amp; sorry</h1>\n<p>later</p></body></html>",
            "",
            "Oops & sorry later",
        ),
        (b"plain words\n", "text/plain", "plain words"),
        (b"   ", "text/plain", ""),
        (b"{not json", "application/json", "{not json"),
        (b"\xff\xfe broken", "text/plain", "\ufffd\ufffd broken"),
    ],
    ids=[
        "json",
        "pretty-json",
        "detail-list",
        "error-string",
        "message-first",
        "html-title",
        "html-no-title",
        "text",
        "blank",
        "broken-json",
        "not-utf8",
    ],
)
def test_server_message(body: bytes, content_type: str, message: str) -> None:
    assert server_message(body, content_type) == message


def test_server_message_is_shortened() -> None:
    text = server_message(b"word " * 200)
    assert len(text) == 300
    assert text.endswith("…")


def test_status_error_types() -> None:
    body = b'{"error": {"message": "why"}}'
    assert isinstance(status_error(401, body), AuthenticationRequiredError)
    assert isinstance(status_error(403, body), AuthenticationRequiredError)
    assert isinstance(status_error(429, body), RateLimitedError)
    error = status_error(404, body, url="http://h/x")
    assert isinstance(error, HTTPStatusError)
    assert (error.status, error.server_message, error.url) == (404, "why", "http://h/x")
    assert error.hint == "Check the URL and the model name."
    assert str(status_error(502, b"", reason="Bad Gateway")) == (
        "The server answered HTTP 502: Bad Gateway"
    )
    assert str(status_error(500, b"")) == "The server answered HTTP 500: no details given"


def test_redact() -> None:
    assert redact("key sk-abc123 and sk-abc123", ["sk-abc123", None]) == "key *** and ***"
    assert redact("short ab", ["ab"]) == "short ab"  # too short to mask safely


def test_upstream_error_text() -> None:
    assert str(UpstreamError("boom", kind="ResponseError")) == (
        "The provider failed: ResponseError: boom"
    )
    assert str(UpstreamError("ResponseError: boom", kind="ResponseError")) == (
        "The provider failed: ResponseError: boom"
    )
    assert str(UpstreamError("")) == "The provider failed: unknown error"
