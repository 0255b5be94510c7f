"""What the model picker (ctrl+o) offers: every provider's models and defaults, and what
a typed name no list has can mean ("use NAME with PROVIDER")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .catalog import READY, Catalog, ProviderEntry
from .model_choice import ModelChoice


@dataclass(frozen=True, slots=True)
class Listed:
    """One model as a model list (the picker's) offers it, and what to say beside it."""

    choice: ModelChoice
    detail: str = ""


def listed(catalog: Catalog) -> list[Listed]:
    """Every provider's models, in settings order. Each provider is there at least
    once: a g4f backend always with its default (the server picks the model, and the
    provider unless its settings name one), a provider whose list is empty, failed or
    still loading with its default model, so it can always be picked."""
    found: list[Listed] = []
    for entry in catalog:
        ready = entry.state == READY
        if entry.picks_default_model:
            detail = "the server's default" if ready else entry.state
            found.append(Listed(ModelChoice(entry.name, ""), detail))
        elif not ready or not entry.models:
            detail = entry.state if not ready else "lists no models: type a name"
            found.append(Listed(ModelChoice(entry.name, entry.default_model()), detail))
        if ready:
            found.extend(
                Listed(
                    ModelChoice(entry.name, info.id, info.provider),
                    "vision" if info.vision else "",
                )
                for info in entry.models
            )
    return found


def unlisted_choices(catalog: Catalog, words: Sequence[str], current: str) -> list[ModelChoice]:
    """What typed words can mean when no list need have the model: "use NAME with
    PROVIDER". The words that name a provider (or a backend's provider, as in
    `g4f G4FSpace echo`) say which; the current provider is offered too. NAME is the
    one word left, as typed. Only providers that accept unlisted names are offered,
    and not with a model their list already has."""
    by_name = {entry.name.lower(): entry for entry in catalog if entry.accepts_unlisted_models}
    vias: dict[str, list[tuple[ProviderEntry, str]]] = {}
    for entry in by_name.values():
        for via in dict.fromkeys(info.provider for info in entry.models if info.provider):
            vias.setdefault(via.lower(), []).append((entry, via))
    named: list[tuple[ProviderEntry, str]] = []
    rest: list[str] = []
    for word in words:
        if word.lower() in by_name:
            named.append((by_name[word.lower()], ""))
        elif word.lower() in vias:
            named.extend(vias[word.lower()])
        else:
            rest.append(word)
    if len(rest) != 1:
        return []
    entry = catalog.entries.get(current)
    if entry is not None and entry.accepts_unlisted_models:
        named.append((entry, ""))
    choices = [ModelChoice(entry.name, rest[0], via) for entry, via in named]
    return [
        choice
        for choice in dict.fromkeys(choices)
        if not catalog.entries[choice.provider].lists(choice)
    ]
