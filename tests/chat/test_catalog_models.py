"""What the model picker is offered (tui_chat/catalog.py), without Textual or a server:
every provider listed at least once, and typed names no list has for the providers that
take them."""

from __future__ import annotations

from typing import Any

import pytest

from tui_chat.catalog import NEEDS_KEY, READY, UNREACHABLE, Catalog, ProviderEntry
from tui_chat.model_choice import ModelChoice
from tui_chat.model_rows import listed as listed_models
from tui_chat.model_rows import unlisted_choices
from tui_chat.providers import (
    BackendApi,
    Dynaspark,
    ModelInfo,
    ModelNotSupportedError,
    OpenAICompatible,
    Timeouts,
)


class Recording(OpenAICompatible):
    """An OpenAI-compatible endpoint that says which model it would send, unasked."""

    @classmethod
    async def create_async_generator(cls, model, messages, media=None, **kwargs: Any):  # type: ignore[override]
        yield cls.get_model(model)


class Spark(Dynaspark):
    @classmethod
    async def create_async_generator(cls, model, messages, media=None, **kwargs: Any):  # type: ignore[override]
        yield cls.get_model(model)


def entry(name: str, provider: type, state: str = READY, models=(), via: str = "") -> ProviderEntry:
    configured = provider.configured(name, models=[m.id for m in models])
    return ProviderEntry(name, configured, default_via=via, state=state, models=list(models))


def catalog() -> Catalog:
    return Catalog(
        [
            entry(
                "g4f",
                BackendApi,
                models=[ModelInfo("echo", provider="G4FSpace"), ModelInfo("a-1", provider="Alpha")],
                via="G4FSpace",
            ),
            entry("dead", BackendApi, state=UNREACHABLE),
            entry("Dynaspark", Dynaspark, models=[ModelInfo("gemini-1.5-flash")]),
            entry("ollama", OpenAICompatible),  # ready, nothing pulled
            entry("keyed", OpenAICompatible, state=NEEDS_KEY),
            entry("local", OpenAICompatible, models=[ModelInfo("echo"), ModelInfo("gated")]),
        ]
    )


def test_every_provider_is_listed_with_a_default_when_its_list_is_empty() -> None:
    listed = [(item.choice.key(), item.detail) for item in listed_models(catalog())]
    assert listed == [
        # A backend's own default comes first, whatever it lists: the server picks.
        ("g4f/", "the server's default"),
        ("g4f/echo via G4FSpace", ""),
        ("g4f/a-1 via Alpha", ""),
        ("dead/", "unreachable"),
        ("Dynaspark/gemini-1.5-flash", ""),
        ("ollama/", "lists no models: type a name"),
        ("keyed/", "needs a key"),
        ("local/echo", ""),
        ("local/gated", ""),
    ]


def test_who_answers_behind_a_backend() -> None:
    g4f = catalog().get("g4f")
    assert g4f is not None
    assert g4f.via_for(ModelChoice("g4f", "")) == "G4FSpace"
    assert g4f.via_for(ModelChoice("g4f", "a-1", "Alpha")) == "Alpha"


def test_only_endpoints_and_backends_take_names_they_do_not_list() -> None:
    found = catalog()
    assert {e.name for e in found if e.accepts_unlisted_models} == {
        "g4f",
        "dead",
        "ollama",
        "keyed",
        "local",
    }


@pytest.mark.parametrize(
    ("typed", "current", "offered"),
    [
        # The current provider takes the typed name.
        ("long-2000", "local", ["local/long-2000"]),
        # A provider named among the words, then the current one.
        ("ollama llama3.2", "local", ["ollama/llama3.2", "local/llama3.2"]),
        ("llama3.2 OLLAMA", "local", ["ollama/llama3.2", "local/llama3.2"]),
        ("local llama3.2", "local", ["local/llama3.2"]),
        # A backend's own provider named: asked through that backend.
        ("g4fspace think", "local", ["g4f/think via G4FSpace", "local/think"]),
        # Dynaspark takes only what it lists: never offered, as provider or as current.
        ("dynaspark gpt-4o", "Dynaspark", []),
        ("gpt-4o", "Dynaspark", []),
        # A model the list has is in the list already.
        ("echo", "local", []),
        ("local gated", "local", []),
        ("g4f echo", "Dynaspark", []),
        # Not one name: nothing to offer.
        ("gemini flash", "local", []),
        ("ollama", "local", []),
        ("", "local", []),
    ],
)
def test_typed_names_offered(typed: str, current: str, offered: list[str]) -> None:
    choices = unlisted_choices(catalog(), typed.split(), current)
    assert [choice.key() for choice in choices] == offered


def test_the_typed_name_keeps_its_case() -> None:
    [choice] = unlisted_choices(catalog(), ["Meta-Llama-3"], "local")
    assert choice == ModelChoice("local", "Meta-Llama-3")


async def first(entry: ProviderEntry, model: str) -> Any:
    stream = entry.stream(
        ModelChoice(entry.name, model),
        [{"role": "user", "content": "hi"}],
        None,
        proxy=None,
        timeouts=Timeouts(),
        params={},
    )
    return await anext(aiter(stream))


async def test_an_unlisted_name_goes_to_an_endpoint_that_has_listed_its_models() -> None:
    local = entry("local", Recording, models=[ModelInfo("echo")])
    assert await first(local, "long-2000") == "long-2000"
    assert await first(local, "echo") == "echo"
    # The provider class itself still checks names against its list.
    with pytest.raises(ModelNotSupportedError):
        local.provider.get_model("long-2000")


async def test_dynaspark_still_refuses_a_name_it_does_not_list() -> None:
    spark = entry("Dynaspark", Spark, models=[ModelInfo("gemini-1.5-flash")])
    with pytest.raises(ModelNotSupportedError, match="not offered by Dynaspark"):
        await first(spark, "gpt-4o")
