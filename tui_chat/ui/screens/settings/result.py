"""What the settings screen hands back, and which API keys it changes.

`SettingsResult` is what Save returns; the app writes only what differs from
`opened_with` (`store.save_settings`, `save_secret`). `key_changes` works out the keys to
write: a key typed replaces the stored one, a renamed provider keeps its key (old name ->
None, new name -> key), "Remove key" or removing the provider removes it.

No widgets here: these can be used and tested without the screen.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ....store.keys import env_var_for
from ....store.settings import Settings

if TYPE_CHECKING:
    from .cards import ProviderCard


@dataclass
class SettingsResult:
    """What Save returns: the new settings and the API keys to write (None removes one)."""

    settings: Settings
    keys: dict[str, str | None] = field(default_factory=dict)
    #: The settings the screen opened with: what changed is what differs from these, and
    #: only that is written (None: compare with the file as it is on disk).
    opened_with: Settings | None = None
    #: "backends"/"openai" -> for each entry of `settings`' list, the name it had when the
    #: screen opened, or None for one added (tells a rename from a remove plus an add).
    origins: dict[str, list[str | None]] = field(default_factory=dict)

    @property
    def renames(self) -> dict[str, str]:
        """Old provider name -> new one, for the providers renamed."""
        lists = {"backends": self.settings.backends, "openai": self.settings.openai}
        found: dict[str, str] = {}
        for kind, names in self.origins.items():
            for entry, origin in zip(lists[kind], names, strict=True):
                if origin is not None and origin != entry.name:
                    found[origin] = entry.name
        return found


def env_key_sources(settings: Settings, environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """Provider name -> the environment variable its key comes from, for those that have one."""
    found: dict[str, str] = {}
    for backend in settings.backends:
        var = env_var_for(backend.name)
        if environ.get(var):
            found[backend.name] = var
    for endpoint in settings.openai:
        var = endpoint.api_key_env or env_var_for(endpoint.name)
        if environ.get(var):
            found[endpoint.name] = var
    return found


def key_changes(
    original: Settings, stored: Mapping[str, str], cards: Iterable[ProviderCard]
) -> dict[str, str | None]:
    """Provider name -> its new key, or None to remove it, for each key that changes.

    `original` is the settings the screen opened with, `stored` the keys stored then.
    A stored key whose name was no provider when the screen opened is left alone.
    """
    originals = {b.name for b in original.backends} | {e.name for e in original.openai}
    final: dict[str, str] = {n: k for n, k in stored.items() if n not in originals}
    for card in cards:
        key: str | None = card.typed_key() or None
        if key is None and card.has_key and not card.key_removed and card.original:
            key = stored[card.original]
        if key is not None:
            final[card.name_value] = key
    changes: dict[str, str | None] = {}
    for name in sorted(set(stored) | set(final)):
        if final.get(name) != stored.get(name):
            changes[name] = final.get(name)
    return changes
