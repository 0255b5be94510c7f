"""What the lines of a g4f backend's stream mean (providers/backend_api.py): answer text,
events, or a raised error. Imported with the first answer, not at start-up."""

from __future__ import annotations

import json
from typing import Any

from .errors import AuthenticationRequiredError, UpstreamError
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
from .masking import Secrets, mask, mask_json


def parse_event(data: str, secrets: Secrets = ()) -> list[str | Event]:
    """What one line of the stream means (`BackendApi.parse_event`)."""
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
