"""The settings the form holds: read off the settings screen's fields into a new
`Settings` and the API keys it changes (what Save hands back)."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from ....store.settings import (
    AttachmentLimits,
    Backend,
    DynasparkSettings,
    OpenAIEndpoint,
    RequestDefaults,
)
from .fields import parse_headers, parse_size, parse_temperature
from .result import SettingsResult, key_changes

if TYPE_CHECKING:
    from .screen import SettingsScreen


def edited(screen: SettingsScreen) -> SettingsResult:
    """The edited settings (a new object) and the changed keys. Call only when valid."""
    new = copy.deepcopy(screen.original)
    new.backends = [
        Backend(
            c.name_value,
            c.fields["url"].value.strip(),
            parse_headers(c.fields["headers"].value)[0],
            c.fields["provider"].value.strip(),
        )
        for c in screen.cards("backend")
    ]
    new.dynaspark = DynasparkSettings(screen.f_dyn_endpoint.value.strip(), screen.dyn_enabled.value)
    new.openai = [
        OpenAIEndpoint(
            c.name_value,
            c.fields["url"].value.strip(),
            c.fields["key_env"].value.strip(),
            parse_headers(c.fields["headers"].value)[0],
        )
        for c in screen.cards("openai")
    ]
    new.default_provider = screen.f_provider.value.strip()
    new.default_model = screen.f_model.value.strip()
    new.request = RequestDefaults(
        system_prompt=screen.system_prompt.text,
        temperature=parse_temperature(screen.f_temperature.value),
        max_tokens=int(screen.f_max_tokens.value) if screen.f_max_tokens.value.strip() else None,
        connect_timeout=float(screen.f_connect.value),
        read_timeout=float(screen.f_read.value),
        proxy=screen.f_proxy.value.strip(),
    )
    new.attachments = AttachmentLimits(
        max_image_bytes=parse_size(screen.f_image.value) or 0,
        max_text_bytes=parse_size(screen.f_text.value) or 0,
    )
    screen.general.apply(new)
    origins: dict[str, list[str | None]] = {
        "backends": [c.original for c in screen.cards("backend")],
        "openai": [c.original for c in screen.cards("openai")],
    }
    return SettingsResult(
        new,
        key_changes(screen.original, screen.stored_keys, screen.cards()),
        screen.original,
        origins,
    )
