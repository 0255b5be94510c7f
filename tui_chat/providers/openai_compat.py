"""OpenAI-compatible chat completions: Ollama, llama.cpp, vLLM, LM Studio, `g4f api`, OpenAI."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from . import http
from .base import AsyncGeneratorProvider, Messages, ModelInfo, ProviderModelMixin
from .errors import BadResponseError, ConnectionFailedError
from .helpers import MediaItem, message_text, to_data_uri
from .masking import mask_event

# The events, and the chunk parser that makes them (openai_events.py), are imported with
# the first answer, not at start-up (see backend_api.py).
if TYPE_CHECKING:
    from .events import Event


class OpenAICompatible(AsyncGeneratorProvider, ProviderModelMixin):
    _is_protocol = True
    url = "http://127.0.0.1:11434/v1"
    api_key_env = "OPENAI_API_KEY"
    lists_vision = False  # a `/models` listing does not say which models see images
    accepts_unlisted_models = True  # Ollama takes "llama3.2" for "llama3.2:latest"

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
        body: dict[str, Any] = {
            "model": model,
            "messages": _with_media(messages, media),
            "stream": True,
            # Ask for token counts in the last chunk; servers that do not know it ignore it.
            "stream_options": {"include_usage": True},
        }
        body.update({key: value for key, value in kwargs.items() if value is not None})
        headers = {"Accept": "text/event-stream", **cls.headers}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        url = f"{cls.url.rstrip('/')}/chat/completions"
        from .events import FinishReason
        from .openai_events import ThinkSplitter, parse_chunk

        splitter = ThinkSplitter()
        secrets = cls.request_secrets(api_key)
        async with (
            http.session(headers, timeouts) as client,
            http.request(
                client,
                "POST",
                url,
                json=body,
                proxy=proxy,
                ssl=cls.ssl,
                timeouts=timeouts,
                secrets=secrets,
            ) as response,
        ):
            if "html" in (response.content_type or ""):
                raise BadResponseError(
                    f"The server at {http.host_of(url)} answered with a web page, not a chat "
                    "stream. Is the base URL right (it usually ends in /v1)?"
                )
            received = finished = done = False
            async for items in http.iter_batches(response):
                received = True
                for item in items:
                    if item.data.strip() == "[DONE]":
                        finished = done = True
                        break
                    for output in parse_chunk(item.data, splitter, secrets):
                        if not isinstance(output, str):
                            finished = finished or isinstance(output, FinishReason)
                            output = mask_event(output, secrets)
                        yield output
                if done:
                    break
            for output in splitter.flush():
                yield output
            if not received:
                raise BadResponseError(
                    f"The server at {http.host_of(url)} ended the stream without sending anything."
                )
            if not finished:
                # A body that simply ends (no length, connection closed) looks complete to
                # HTTP; neither [DONE] nor a finish reason means the answer was cut short.
                raise ConnectionFailedError(
                    f"The connection to {http.host_of(url)} was cut before the answer finished.",
                    hint="Retry, or continue the answer.",
                )

    @classmethod
    def known_models(cls) -> list[ModelInfo]:
        return []  # only the server knows its models

    @classmethod
    async def list_models(
        cls,
        *,
        api_key: str | None = None,
        proxy: str | None = None,
        timeouts: http.Timeouts | None = None,
    ) -> list[ModelInfo]:
        return await cls.fetch_models(api_key=api_key, proxy=proxy, timeouts=timeouts)

    @classmethod
    async def fetch_models(
        cls,
        *,
        api_key: str | None = None,
        proxy: str | None = None,
        timeouts: http.Timeouts | None = None,
    ) -> list[ModelInfo]:
        """The server's models (`GET {base_url}/models`); also fills `models`."""
        headers = dict(cls.headers)
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        timeouts = timeouts or cls.timeouts
        secrets = cls.request_secrets(api_key)
        async with (
            http.session(headers, timeouts) as client,
            http.request(
                client,
                "GET",
                f"{cls.url.rstrip('/')}/models",
                proxy=proxy,
                ssl=cls.ssl,
                timeouts=timeouts,
                secrets=secrets,
            ) as response,
        ):
            listing = await http.read_json(response, "model list", secrets)
        entries = listing.get("data") if isinstance(listing, dict) else listing
        if not isinstance(entries, list):
            raise BadResponseError("The server's model list has no 'data' array.")
        found = [
            ModelInfo(id=entry["id"], label=entry["id"])
            for entry in entries
            if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"]
        ]
        cls.models = [model.id for model in found]
        return found


def _with_media(messages: Messages, media: Sequence[MediaItem] | None) -> list[dict[str, Any]]:
    """Messages to send: images go as `image_url` parts of the last user message."""
    result = [dict(message) for message in messages]
    if not media:
        return result
    parts: list[dict[str, Any]] = [
        {"type": "image_url", "image_url": {"url": to_data_uri(data, name)}} for data, name in media
    ]
    for message in reversed(result):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                message["content"] = [*content, *parts]
            else:
                message["content"] = [{"type": "text", "text": message_text(content)}, *parts]
            break
    else:
        result.append({"role": "user", "content": parts})
    return result
