"""Dynaspark: a form-post service that answers with the whole text at once.

The public host has gone away; `api_endpoint` is configurable so the provider can point at
any compatible server, and an unreachable host fails with one clear sentence.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from . import http
from .base import AsyncGeneratorProvider, Messages, ModelInfo, ProviderModelMixin
from .errors import (
    AuthenticationRequiredError,
    BadResponseError,
    ConnectionFailedError,
    HTTPStatusError,
    ProviderError,
    RateLimitedError,
)
from .helpers import MediaItem, format_prompt, image_type, to_bytes

if TYPE_CHECKING:  # (imported with the first answer: see backend_api.py)
    from .events import Event

_MODELS = ["gemini-1.5-flash", "gemini-1.5-flash-8b", "gemini-2.0-flash", "gemini-2.0-flash-lite"]


class Dynaspark(AsyncGeneratorProvider, ProviderModelMixin):
    _is_protocol = True
    url = "https://dynaspark.onrender.com"
    login_url: ClassVar[str | None] = None
    api_endpoint: ClassVar[str] = "https://dynaspark.onrender.com/api/generate_response"
    working = True
    needs_auth = False
    use_nodriver: ClassVar[bool] = True
    supports_stream = True
    supports_system_message = False
    supports_message_history = False
    max_images = 1  # one `file` field per request
    default_model = "gemini-1.5-flash"
    default_vision_model = default_model
    vision_models: ClassVar[list[str]] = list(_MODELS)
    models: ClassVar[list[str]] = list(_MODELS)
    model_aliases: ClassVar[dict[str, str]] = {
        "gemini-1.5-flash": "gemini-1.5-flash-8b",
        "gemini-2.0-flash": "gemini-2.0-flash-lite",
    }

    @classmethod
    async def list_models(
        cls,
        *,
        api_key: str | None = None,
        proxy: str | None = None,
        timeouts: http.Timeouts | None = None,
    ) -> list[ModelInfo]:
        """The fixed list, once the host has answered at all: any HTTP answer says it is
        there, even an error status for a GET on a POST-only endpoint; only failing to
        connect or to get an answer raises."""
        timeouts = timeouts or cls.timeouts
        try:
            async with (
                http.session({}, timeouts) as client,
                http.request(
                    client, "GET", cls.api_endpoint, proxy=proxy, ssl=cls.ssl, timeouts=timeouts
                ),
            ):
                pass
        except (HTTPStatusError, AuthenticationRequiredError, RateLimitedError):
            pass
        return cls.known_models()

    @classmethod
    async def create_async_generator(  # type: ignore[override]
        cls,
        model: str,
        messages: Messages,
        media: Sequence[MediaItem] | None = None,
        api_key: str | None = None,
        proxy: str | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[str | Event]:
        timeouts = cls.request_timeouts(kwargs)
        model = cls.get_model(model)
        origin = cls.url.rstrip("/")
        headers = {
            "accept": "*/*",
            "accept-language": "en-US,en;q=0.9",
            "origin": origin,
            "referer": f"{origin}/",
            "user-agent": (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/131.0.0.0 Safari/537.36"
            ),
            "x-requested-with": "XMLHttpRequest",
            **cls.headers,
        }
        import aiohttp  # not at start-up: only when a request is made

        # The service takes multipart/form-data; without a file aiohttp would urlencode.
        form = aiohttp.FormData(default_to_multipart=True)
        form.add_field("user_input", format_prompt(list(messages)))
        form.add_field("ai_model", model)
        if media:
            # The service takes one image: the first media item.
            data, filename = media[0]
            raw = to_bytes(data)
            content_type = image_type(raw)
            if content_type is None:
                raise ProviderError(
                    f"Dynaspark only accepts jpeg, png, gif or webp images; "
                    f"{filename or 'the attachment'} is none of these."
                )
            form.add_field("file", raw, filename=filename or "image", content_type=content_type)

        # Errors are masked by `http` (the rebuilt one below is made of masked parts), and
        # the answer is the model's own words, so nothing else needs masking here.
        secrets = cls.request_secrets(api_key)
        async with http.session(headers, timeouts) as client:
            try:
                async with http.request(
                    client,
                    "POST",
                    cls.api_endpoint,
                    data=form,
                    proxy=proxy,
                    ssl=cls.ssl,
                    timeouts=timeouts,
                    secrets=secrets,
                ) as response:
                    payload = await http.read_json(response, "answer", secrets)
            except ConnectionFailedError as error:
                if not error.unreachable:
                    # The service was reached (the answer was cut), or the proxy is at
                    # fault: the general message says so and names the proxy.
                    raise
                # One sentence that names the service, since it is known to have gone away.
                raise ConnectionFailedError(
                    f"Dynaspark at {http.host_of(cls.api_endpoint)} cannot be reached: "
                    f"{error.reason}.",
                    hint="The public service has closed; set another endpoint in settings.",
                    reason=error.reason,
                    unreachable=True,
                ) from error
        if not isinstance(payload, dict) or not isinstance(payload.get("response"), str):
            raise BadResponseError(
                "Dynaspark's answer has no text in it (expected a JSON object with a "
                "'response' string)."
            )
        yield payload["response"]
