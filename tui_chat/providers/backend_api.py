"""BackendApi: streams answers from a g4f backend server (`g4f gui`, `g4f api`).

A template: configure a subclass with the server's `url` (see `configured`). The server
answers `POST /backend-api/v2/conversation` with one JSON event per line, either bare
(older servers) or framed as server-sent events (`event:`/`data:`/blank line).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from . import http
from .base import AsyncGeneratorProvider, Messages, ModelInfo, ProviderModelMixin
from .errors import AnswerCutError, BadResponseError, ProviderError
from .helpers import MediaItem, to_data_uri

# The events, and what makes them of the stream's lines (backend_events.py), are
# imported with the first answer: creating the events' classes cost ~40 M instructions
# of the app's start-up, before its first frame.
if TYPE_CHECKING:
    from .events import Event
    from .masking import Secrets


class BackendApi(AsyncGeneratorProvider, ProviderModelMixin):
    _is_protocol = True
    url = "http://127.0.0.1:8080"
    working = True
    #: The backend-side provider to ask ("" lets the server choose), e.g. "PollinationsAI".
    backend_provider: ClassVar[str] = ""
    continues_answers = True  # action "continue" on the same conversation
    picks_default_model = True
    accepts_unlisted_models = True  # the backend's providers know more than they list
    upstream_providers = True

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
        body: dict[str, Any] = {"model": model or "", "messages": list(messages)}
        if media:
            # A new list: the caller's media is never modified.
            body["media"] = [[to_data_uri(data, name), name] for data, name in media]
        if api_key:
            body["api_key"] = api_key
        if cls.backend_provider and "provider" not in kwargs:
            body["provider"] = cls.backend_provider
        body.update({key: value for key, value in kwargs.items() if value is not None})

        url = f"{cls.url.rstrip('/')}/backend-api/v2/conversation"
        headers = {"Accept": "text/event-stream", **cls.headers}
        secrets = cls.request_secrets(api_key)
        from .events import FinishReason

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
                    "stream. Is the URL a g4f backend?"
                )
            received = finished = False
            async for items in http.iter_batches(response):
                received = True
                for item in items:
                    for output in cls.parse_event(item.data, secrets):
                        if isinstance(output, FinishReason):
                            finished = True
                        yield output
            if not received:
                raise BadResponseError(
                    f"The server at {http.host_of(url)} ended the stream without sending anything."
                )
            if not finished:
                # A g4f server relays an upstream that stopped short (a dropped connection
                # included) as a stream that simply ends: usage and log events come as
                # usual, only the `finish` event is missing.
                raise AnswerCutError(
                    f"The answer from {http.host_of(url)} was cut short: the stream ended "
                    "before the answer finished."
                )

    @classmethod
    def parse_event(cls, data: str, secrets: Secrets = ()) -> list[str | Event]:
        """What one line of the stream means: answer text, events, or a raised error.

        Every text but the answer's own words has its `secrets` masked, before anything
        is shortened (a key cut in two would no longer be found).
        """
        from .backend_events import parse_event

        return parse_event(data, secrets)

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
        return await cls.fetch_models(proxy=proxy, timeouts=timeouts)

    @classmethod
    async def fetch_models(
        cls, *, proxy: str | None = None, timeouts: http.Timeouts | None = None
    ) -> list[ModelInfo]:
        """Every (backend provider, model) the server offers; also fills `models`.

        Uses `/backend-api/v2/models` for the ids and `/backend-api/v2/providers` for the
        labels and vision flags. Providers with no models are left out.
        """
        base = cls.url.rstrip("/")
        timeouts = timeouts or cls.timeouts
        secrets = cls.request_secrets(None)  # configured headers go with these requests
        async with http.session(dict(cls.headers), timeouts) as client:
            async with http.request(
                client,
                "GET",
                f"{base}/backend-api/v2/models",
                proxy=proxy,
                ssl=cls.ssl,
                timeouts=timeouts,
                secrets=secrets,
            ) as response:
                listing = await http.read_json(response, "model list", secrets)
            providers: dict[str, dict[str, Any]] = {}
            try:
                async with http.request(
                    client,
                    "GET",
                    f"{base}/backend-api/v2/providers",
                    proxy=proxy,
                    ssl=cls.ssl,
                    timeouts=timeouts,
                    secrets=secrets,
                ) as response:
                    for entry in await http.read_json(response, "provider list", secrets):
                        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                            providers[entry["name"]] = entry
            except (ProviderError, TypeError):
                pass  # labels and vision flags are a nicety; the model list is what matters
        if not isinstance(listing, dict):
            raise BadResponseError("The server's model list is not a JSON object.")
        found: list[ModelInfo] = []
        for provider, ids in listing.items():
            if not isinstance(ids, list):
                continue
            info = providers.get(provider, {})
            for model_id in ids:
                if not isinstance(model_id, str) or not model_id:
                    continue
                found.append(
                    ModelInfo(
                        id=model_id,
                        label=str(info.get("label") or provider),
                        provider=str(provider),
                        vision=bool(info.get("vision")),
                    )
                )
        cls.models = sorted({model.id for model in found})
        cls.vision_models = sorted({model.id for model in found if model.vision})
        return found
