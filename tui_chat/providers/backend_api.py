"""BackendApi: streams answers from a g4f backend server (`g4f gui`, `g4f api`).

A template: configure a subclass with the server's `url` (see `configured`). The server
answers `POST /backend-api/v2/conversation` with one JSON event per line, either bare
(older servers) or framed as server-sent events (`event:`/`data:`/blank line).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any, ClassVar

from . import http
from .base import AsyncGeneratorProvider, Messages, ModelInfo, ProviderModelMixin
from .errors import (
    AnswerCutError,
    AuthenticationRequiredError,
    BadResponseError,
    ProviderError,
    UpstreamError,
)
from .events import (
    ConversationState,
    Event,
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
from .helpers import MediaItem, to_data_uri
from .masking import Secrets, mask, mask_json


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
        try:
            obj = json.loads(data)
        except ValueError:
            return [Notice(f"Skipped a line that is not JSON: {_clip(mask(data, secrets))!r}")]
        if not isinstance(obj, dict):
            shown = _clip(mask(data, secrets))
            return [Notice(f"Skipped a line that is not a JSON object: {shown!r}")]
        if secrets:
            obj = _masked(obj, secrets)
        kind = obj.get("type")
        if not isinstance(kind, str) or not kind:
            return [RawEvent("", obj)]
        handler = _HANDLERS.get(kind)
        if handler is None:
            return [RawEvent(kind, obj)]
        return handler(obj)

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


#: The field of an event that holds the model's own words, kept as received (masking.py).
_WORDS = {"content": "content", "reasoning": "token"}


def _masked(obj: dict[str, Any], secrets: Secrets) -> dict[str, Any]:
    """The event with every text masked but the answer's words (a `content` event's
    content, a `reasoning` event's token)."""
    words = _WORDS.get(obj.get("type"))
    masked: dict[str, Any] = {}
    for key, value in obj.items():
        if key == words and isinstance(value, str):
            masked[key] = value
        else:
            masked[mask(key, secrets)] = mask_json(value, secrets)
    return masked


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _content(obj: dict[str, Any]) -> list[str | Event]:
    content = obj.get("content")
    out: list[str | Event] = []
    if isinstance(content, str):
        if content:
            out.append(content)
    elif isinstance(content, (int, float)) and not isinstance(content, bool):
        out.append(str(content))
    elif content is not None:
        out.append(Notice(f"Skipped content that is not text: {_clip(json.dumps(content))}"))
    urls = obj.get("urls")
    if urls:
        urls = [urls] if isinstance(urls, str) else [str(url) for url in urls]
        out.append(MediaResponse(tuple(urls), _text(obj.get("alt"))))
    return out


def _reasoning(obj: dict[str, Any]) -> list[str | Event]:
    thinking = obj.get("is_thinking")
    event = Reasoning(
        token=_text(obj.get("token")),
        label=_text(obj.get("label")),
        status=_text(obj.get("status")),
        is_thinking=thinking if isinstance(thinking, bool) else None,
    )
    return [event] if (event.token or event.label or event.status) else []


def _provider(obj: dict[str, Any]) -> list[str | Event]:
    info = obj.get("provider")
    if not isinstance(info, dict):
        return [RawEvent("provider", obj)]
    return [
        ProviderInfo(
            name=_text(info.get("name")),
            url=_text(info.get("url")),
            label=_text(info.get("label")),
            model=_text(info.get("model")),
        )
    ]


def _finish(obj: dict[str, Any]) -> list[str | Event]:
    # Always an event, even without a reason: it is the mark of a whole answer.
    finish = obj.get("finish")
    reason = finish.get("reason") if isinstance(finish, dict) else finish
    return [FinishReason(_text(reason))]


def _usage(obj: dict[str, Any]) -> list[str | Event]:
    usage = obj.get("usage")
    if not isinstance(usage, dict):
        return [RawEvent("usage", obj)]
    return [Usage.from_counts(usage, _text(obj.get("model")), _text(obj.get("provider")))]


def _error(obj: dict[str, Any]) -> list[str | Event]:
    raise UpstreamError(_text(obj.get("message")), kind=_text(obj.get("error")))


def _auth(obj: dict[str, Any]) -> list[str | Event]:
    raise AuthenticationRequiredError(_text(obj.get("message")) or _text(obj.get("auth")))


def _message(obj: dict[str, Any]) -> list[str | Event]:
    text = _text(obj.get("message")) or _text(obj.get("error"))
    return [Notice(text)] if text else []


def _suggestions(obj: dict[str, Any]) -> list[str | Event]:
    items = obj.get("suggestions")
    if not isinstance(items, list):
        return [RawEvent("suggestions", obj)]
    return [Suggestions(tuple(str(item) for item in items))]


def _conversation(obj: dict[str, Any]) -> list[str | Event]:
    state = obj.get("conversation")
    return (
        [ConversationState(state)] if isinstance(state, dict) else [RawEvent("conversation", obj)]
    )


_HANDLERS = {
    "content": _content,
    "reasoning": _reasoning,
    "provider": _provider,
    "finish": _finish,
    "usage": _usage,
    "error": _error,
    "auth": _auth,
    "message": _message,
    "title": lambda obj: [Title(_text(obj.get("title")))] if obj.get("title") else [],
    "preview": lambda obj: [Preview(_text(obj.get("preview")))] if obj.get("preview") else [],
    "suggestions": _suggestions,
    "conversation": _conversation,
}
