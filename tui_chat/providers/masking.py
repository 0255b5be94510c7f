"""Masking a request's secrets out of everything a provider hands back.

A server may echo what it was sent: the API key, or a configured header such as
`Authorization`, inside an error, a notice, a title or a debug event. Providers mask
those texts at the source, so the screen, the conversation file and `tui-chat ask`
never see them, whoever consumes the stream.

The answer text itself (and reasoning tokens) is the model's own words and is kept
exactly as received: a placeholder key such as "ollama" or "EMPTY" is an ordinary word in
an answer, and a key split across two chunks could only be caught by holding text back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

# (The events are imported where an event is masked: not at start-up, see backend_api.py.)
if TYPE_CHECKING:
    from .events import Event

MASK = "***"
#: Shorter values are left alone: masking "abc" would garble ordinary text.
MIN_SECRET = 4

Secrets = tuple[str, ...]


def request_secrets(api_key: str | None, headers: Mapping[str, str] | None = None) -> Secrets:
    """The texts to mask for one request: the API key and every configured header's value
    (and the credentials of a `Scheme credentials` value, which servers quote alone).

    Longest first, so a secret inside another never leaves the longer one's tail behind.
    """
    found: set[str] = set()
    for value in (api_key, *(headers or {}).values()):
        if not isinstance(value, str):
            continue
        value = value.strip()
        found.add(value)
        scheme, space, credentials = value.partition(" ")
        if space and scheme.isalpha() and credentials.strip():
            found.add(credentials.strip())
    return normalized(found)


def normalized(secrets: Iterable[str | None]) -> Secrets:
    """The secrets worth masking (set and long enough), each once, longest first."""
    usable = {secret for secret in secrets if secret and len(secret) >= MIN_SECRET}
    return tuple(sorted(usable, key=len, reverse=True))


def mask(text: str, secrets: Iterable[str | None]) -> str:
    """`text` with every secret replaced by `***`."""
    for secret in secrets:
        if secret and len(secret) >= MIN_SECRET and secret in text:
            text = text.replace(secret, MASK)
    return text


def mask_json(value: Any, secrets: Secrets) -> Any:
    """A copy of decoded JSON (or any nest of dicts, lists and tuples) with every string,
    keys included, masked; other values pass as they are."""
    if not secrets:
        return value
    if isinstance(value, str):
        return mask(value, secrets)
    if isinstance(value, dict):
        return {mask_json(key, secrets): mask_json(item, secrets) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(mask_json(item, secrets) for item in value)
    return value


def mask_event(item: str | Event, secrets: Secrets) -> str | Event:
    """One output of a provider, its secrets masked. Answer text and reasoning tokens pass
    unchanged (see the module's docstring); every other text in an event is masked."""
    if not secrets or isinstance(item, str):
        return item
    from .events import Reasoning

    if isinstance(item, Reasoning) and not (item.label or item.status):
        return item  # the common case, a token: nothing but the model's words
    changes: dict[str, Any] = {}
    for spec in dataclasses.fields(item):
        if isinstance(item, Reasoning) and spec.name == "token":
            continue
        value = getattr(item, spec.name)
        masked = mask_json(value, secrets)
        if masked != value:
            changes[spec.name] = masked
    return dataclasses.replace(item, **changes) if changes else item


def mask_error(error: BaseException, secrets: Secrets) -> BaseException:
    """The same error with its secrets masked: its message and every text it carries (a
    server's own words, a URL, a reason), so no way of showing it shows a key."""
    if not secrets:
        return error
    error.args = tuple(mask_json(arg, secrets) for arg in error.args)
    for name, value in list(vars(error).items()):
        if isinstance(value, (str, list, tuple, dict)):
            setattr(error, name, mask_json(value, secrets))
    return error
