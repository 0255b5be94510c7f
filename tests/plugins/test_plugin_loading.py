"""Plugins loaded, listed and asked without a screen: the example package through its entry
point, files in a config folder, and plugins that break in each way a plugin can."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tui_chat.catalog import FAILED, NEEDS_KEY, READY, Catalog, ProviderEntry, settled_problems
from tui_chat.chat import AnswerRecorder
from tui_chat.model_choice import ModelChoice
from tui_chat.plugins import load_plugins
from tui_chat.providers import ProviderError, Timeouts
from tui_chat.providers.events import FinishReason
from tui_chat.store import Message, Paths, load_settings
from tui_chat.store.settings import Settings

from .conftest import REPO, copy_example, install_example, write_plugin

LISTING = Timeouts(2.0, 2.0)


def no_builtin_providers() -> Settings:
    """Settings that configure no provider: only the plugins are there."""
    settings = Settings()
    settings.backends, settings.openai = [], []
    settings.dynaspark.enabled = False
    return settings


def catalog_of(config: Path, settings: Settings | None = None, **environ: str) -> Catalog:
    plugins = load_plugins(config, again=True)
    return Catalog.from_settings(settings or no_builtin_providers(), {}, environ, plugins=plugins)


async def ask(entry: ProviderEntry, model: str, text: str, **params: Any) -> list[Any]:
    stream = entry.stream(
        ModelChoice(entry.name, model),
        [{"role": "user", "content": text}],
        None,
        proxy=None,
        timeouts=Timeouts(),
        params=params,
    )
    return [item async for item in stream]


def text_of(items: list[Any]) -> str:
    return "".join(item for item in items if isinstance(item, str))


# --- the example, both ways in ------------------------------------------------------------


async def test_the_example_installed_through_its_entry_point_lists_and_answers(
    installed_example: Path, tmp_path: Path
) -> None:
    catalog = catalog_of(tmp_path / "config")
    assert not list(catalog.reports)
    entry = catalog.get("echo-plugin")
    assert entry is not None and entry.kind == "plugin"
    assert "tui-chat-echo 0.1.0" in entry.plugin and "'echo'" in entry.plugin
    await entry.refresh(None, LISTING)
    assert entry.state == READY
    assert [(m.id, m.default) for m in entry.models] == [("echo", True), ("reverse", False)]
    assert entry.supports_vision("echo") is False
    assert text_of(await ask(entry, "reverse", "hello plugin world")) == "(1) dlrow nigulp olleh"


async def test_the_example_copied_into_the_config_folder_lists_and_answers(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config"
    path = copy_example(config)
    catalog = catalog_of(config)
    entry = catalog.get("echo-plugin")
    assert entry is not None and entry.plugin == f"the file {path}"
    await entry.refresh(None, LISTING)
    assert entry.state == READY and [m.id for m in entry.models] == ["echo", "reverse"]
    items = await ask(entry, "echo", "hello", conversation={"turns": 4})
    assert text_of(items) == "(5) hello"
    assert FinishReason("stop") in items


async def test_plugins_come_after_the_configured_providers_and_a_taken_name_is_said(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config"
    copy_example(config)
    write_plugin(
        config,
        "ollama.py",
        """
from tui_chat.providers.base import AsyncGeneratorProvider

class Impostor(AsyncGeneratorProvider):
    label = "ollama"

    @classmethod
    async def create_async_generator(cls, model, messages, media=None, **kwargs):
        yield "not the real one"
""",
    )
    write_plugin(config, "twin.py", copy_example(tmp_path / "other").read_text())
    catalog = catalog_of(config, Settings())
    assert catalog.names() == ["g4f", "Dynaspark", "ollama", "echo-plugin"]
    assert catalog.get("ollama").kind == "OpenAICompatible"  # type: ignore[union-attr]
    reports = list(catalog.reports)
    assert len(reports) == 2
    taken, twin = sorted(reports, key=lambda text: "twin.py" in text)
    assert taken.startswith("Provider plugin 'ollama' (the file ")
    assert "a configured provider has this name, so the plugin is left out" in taken
    assert "twin.py" in twin and "another plugin already has this name" in twin


def test_a_plugin_may_be_the_default_provider_without_a_warning(tmp_path: Path) -> None:
    config = tmp_path / "config"
    copy_example(config)
    paths = Paths.resolve(config)
    for name, said in (("echo-plugin", False), ("nowhere", True)):
        paths.settings_file.write_text(f'[defaults]\nprovider = "{name}"\n', encoding="utf-8")
        settings, problems = load_settings(paths)
        assert [p.line for p in problems] == [2]  # settings.toml alone cannot know plugins
        catalog = catalog_of(config, settings)
        kept = settled_problems(problems, settings, catalog)
        assert bool(kept) is said
        assert catalog.default_choice(settings).provider == ("echo-plugin" if not said else "g4f")


# --- plugins that break -----------------------------------------------------------------------


BROKEN = {
    "syntax.py": ("def oops(:\n", "could not be imported: SyntaxError"),
    "missing.py": ("import not_a_module_anywhere\n", "ModuleNotFoundError: No module named"),
    "raises.py": ("raise RuntimeError('no config for me')\n", "RuntimeError: no config for me"),
    "exits.py": ("import sys\nsys.exit(3)\n", "could not be imported: SystemExit: 3"),
    "empty.py": ("X = 1\n", "it defines no provider: a class with a create_async_generator"),
    "models.py": (
        "from tui_chat.providers.base import AsyncGeneratorProvider\n"
        "class Bad(AsyncGeneratorProvider):\n"
        "    models = 'gpt'\n"
        "    @classmethod\n"
        "    async def create_async_generator(cls, model, messages, **kwargs):\n"
        "        yield 'x'\n",
        "its models should be a list or tuple, not a str",
    ),
    "slash.py": (
        "class Slashed:\n"
        "    label = 'a/b'\n"
        "    @classmethod\n"
        "    async def create_async_generator(cls, model, messages, **kwargs):\n"
        "        yield 'x'\n",
        "its name 'a/b' cannot be used: A name cannot contain '/'",
    ),
}


async def test_plugins_that_cannot_be_loaded_are_each_said_and_the_others_work(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config"
    for name, (code, _reason) in BROKEN.items():
        write_plugin(config, name, code)
    copy_example(config)
    plugins = load_plugins(config, again=True)
    assert [plugin.name for plugin in plugins.providers] == ["echo-plugin"]
    said = {problem.plugin.split(":")[0]: str(problem) for problem in plugins.problems}
    assert set(said) == set(BROKEN)
    for name, (_code, reason) in BROKEN.items():
        assert reason in said[name], said[name]
        assert said[name].startswith(f"Provider plugin '{name}")
        assert said[name].endswith("The other providers work as usual.")
    catalog = Catalog.from_settings(no_builtin_providers(), {}, {}, plugins=plugins)
    assert len(catalog.reports.take()) == len(BROKEN)
    assert catalog.reports.take() == []  # each said once
    entry = catalog.get("echo-plugin")
    assert entry is not None
    assert text_of(await ask(entry, "echo", "still here")) == "(1) still here"


LISTING_FAILS = """
from tui_chat.providers.base import AsyncGeneratorProvider, ProviderModelMixin

class NoList(AsyncGeneratorProvider, ProviderModelMixin):
    label = "nolist"
    models = ["m"]

    @classmethod
    async def list_models(cls, **kwargs):
        raise ValueError("no list today")

    @classmethod
    async def create_async_generator(cls, model, messages, media=None, **kwargs):
        yield "answer"


class OddList(NoList):
    label = "oddlist"

    @classmethod
    async def list_models(cls, **kwargs):
        return 42
"""


async def test_a_plugin_raising_while_listing_fails_alone_and_is_said_once(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config"
    write_plugin(config, "nolist.py", LISTING_FAILS)
    copy_example(config)
    catalog = catalog_of(config)
    for _round in range(2):
        for entry in catalog:
            await entry.refresh(None, LISTING)
        states = {entry.name: (entry.state, entry.problem) for entry in catalog}
        assert states["echo-plugin"] == (READY, "")
        assert states["nolist"] == (
            FAILED,
            "The plugin broke: listing its models failed: ValueError: no list today.",
        )
        assert states["oddlist"][0] == FAILED
        assert "its list_models gave the int 42, not a list of models" in states["oddlist"][1]
        reports = catalog.reports.take()
        if _round == 0:
            assert len(reports) == 2
            assert reports[0].startswith("Provider plugin 'nolist' (the file ")
            assert "ValueError: no list today" in reports[0]
        else:
            assert reports == []  # asked again, said once
    # Listed or not, it still answers when asked by name.
    assert text_of(await ask(catalog.get("nolist"), "m", "hi")) == "answer"  # type: ignore[arg-type]


STREAMS = """
from tui_chat.providers.base import AsyncGeneratorProvider
from tui_chat.providers.errors import ProviderError
from tui_chat.providers.events import FinishReason


class Odd(AsyncGeneratorProvider):
    label = "odd"

    @classmethod
    async def create_async_generator(cls, model, messages, media=None, **kwargs):
        if model == "junk":
            yield "one "
            yield 42
            yield {"type": "content"}
            yield 7
            yield b"bytes"
            yield "two"
            yield FinishReason("stop")
        elif model == "keyerror":
            yield "before "
            raise KeyError("k")
        elif model == "said":
            yield "before "
            raise ProviderError("The odd server is closed today.")


class NotAGenerator(AsyncGeneratorProvider):
    label = "listy"

    @classmethod
    def create_async_generator(cls, model, messages, media=None, **kwargs):
        return ["a", "b"]


class Eager(AsyncGeneratorProvider):
    label = "eager"

    @classmethod
    async def create_async_generator(cls, model, messages, media=None, **kwargs):
        return "a coroutine, not a generator"
"""


async def test_what_is_neither_text_nor_an_event_is_skipped_with_a_note_and_said_once(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config"
    write_plugin(config, "odd.py", STREAMS)
    catalog = catalog_of(config)
    entry = catalog.get("odd")
    assert entry is not None
    recorder = AnswerRecorder(Message("assistant", ""))
    for item in await ask(entry, "junk", "hi"):
        recorder.feed(item)
    assert recorder.finish().content == "one two"
    assert recorder.message.finish_reason == "stop"
    assert recorder.notices == [
        "Skipped the int 42 from odd: it is neither text nor an event.",
        "Skipped a dict from odd: it is neither text nor an event.",
        "Skipped the int 7 from odd: it is neither text nor an event.",
        "Skipped bytes from odd: it is neither text nor an event.",
    ]
    reports = catalog.reports.take()
    assert len(reports) == 4 and all(
        r.startswith("Provider plugin 'odd' (the file ") for r in reports
    )
    assert (
        "its answer held a dict, which is neither text nor an event; it was skipped." in reports[1]
    )
    await ask(entry, "junk", "again")
    assert catalog.reports.take() == []


async def test_a_plugin_that_fails_mid_answer_fails_the_answer_in_words(tmp_path: Path) -> None:
    config = tmp_path / "config"
    write_plugin(config, "odd.py", STREAMS)
    catalog = catalog_of(config)
    odd = catalog.get("odd")
    assert odd is not None
    with pytest.raises(ProviderError) as failed:
        await ask(odd, "keyerror", "hi")
    assert str(failed.value) == "The provider plugin 'odd' failed: KeyError: 'k'"
    assert "fault in the plugin" in failed.value.hint
    with pytest.raises(ProviderError, match=r"^The odd server is closed today\.$"):
        await ask(odd, "said", "hi")  # its own words, as it said them
    for name, kind in (("listy", "a list"), ("eager", "a coroutine")):
        entry = catalog.get(name)
        assert entry is not None
        with pytest.raises(ProviderError) as broken:
            await ask(entry, "m", "hi")
        assert str(broken.value) == (
            f"The provider plugin {name!r} is broken: its create_async_generator gave "
            f"{kind}, not an async generator."
        )


# --- the contract's other parts -----------------------------------------------------------------


G4F_SHAPED = """
class G4FStyle:
    '''The shape of a g4f provider, without tui-chat's base class.'''
    label = "g4f-style"
    working = True
    default_model = "small"
    models = ["small", "large"]

    @classmethod
    async def create_async_generator(cls, model, messages, proxy=None, **kwargs):
        yield f"{model} heard: {messages[-1]['content']}"


class G4FLive(G4FStyle):
    label = "g4f-live"

    @classmethod
    def get_models(cls):
        return ["live-1", "live-2"]
"""


async def test_a_class_of_g4fs_shape_without_the_base_class_works(tmp_path: Path) -> None:
    config = tmp_path / "config"
    write_plugin(config, "g4fstyle.py", G4F_SHAPED)
    catalog = catalog_of(config)
    assert not list(catalog.reports)
    style, live = catalog.get("g4f-style"), catalog.get("g4f-live")
    assert style is not None and live is not None
    await style.refresh(None, LISTING)
    await live.refresh(None, LISTING)
    assert [m.id for m in style.models] == ["small", "large"]
    assert style.default_model() == "small"
    assert [m.id for m in live.models] == ["live-1", "live-2"]
    assert text_of(await ask(style, "large", "hello")) == "large heard: hello"


KEYED = """
from tui_chat.providers.base import AsyncGeneratorProvider, ProviderModelMixin

class Keyed(AsyncGeneratorProvider, ProviderModelMixin):
    label = "keyed"
    needs_auth = True
    api_key_env = "KEYED_TOKEN"
    models = ["k-1"]

    @classmethod
    async def create_async_generator(cls, model, messages, api_key=None, **kwargs):
        yield f"key ends {api_key[-2:]}"
"""


async def test_a_plugin_that_needs_a_key_says_where_to_put_it(tmp_path: Path) -> None:
    config = tmp_path / "config"
    write_plugin(config, "keyed.py", KEYED)
    entry = catalog_of(config).get("keyed")
    assert entry is not None
    await entry.refresh(None, LISTING)
    assert entry.state == NEEDS_KEY
    assert entry.problem == (
        "keyed needs an API key: set KEYED_TOKEN, or add it in the settings (F9) or to "
        'secrets.toml under [keys] as keyed = "…".'
    )
    entry = catalog_of(config, KEYED_TOKEN="sk-12345").get("keyed")
    assert entry is not None
    await entry.refresh(None, LISTING)
    assert entry.state == READY and [m.id for m in entry.models] == ["k-1"]
    assert text_of(await ask(entry, "k-1", "hi")) == "key ends 45"


def test_without_plugins_start_up_does_not_import_importlib_metadata(tmp_path: Path) -> None:
    """Looking for entry points costs no import when no package declares one (it costs
    ~20 ms at every start otherwise); with the example installed, it is found."""
    script = textwrap.dedent(
        """
        import sys
        from tui_chat.plugins import load_plugins
        found = load_plugins(None)
        print([plugin.name for plugin in found.providers], "importlib.metadata" in sys.modules)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    bare = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert bare.stdout.split() == ["[]", "False"]
    site = install_example(tmp_path / "site")
    env["PYTHONPATH"] = f"{site}{os.pathsep}{REPO}"
    installed = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert installed.stdout.split() == ["['echo-plugin']", "True"]


SLOW = """
import asyncio
from tui_chat.providers.base import AsyncGeneratorProvider

CLOSED = []


class Endless(AsyncGeneratorProvider):
    label = "endless"

    @classmethod
    async def create_async_generator(cls, model, messages, media=None, **kwargs):
        try:
            while True:
                yield "more "
                await asyncio.sleep(0.01)
        finally:
            CLOSED.append(model)
"""


async def test_a_stopped_plugin_answer_closes_the_plugins_generator(tmp_path: Path) -> None:
    """Esc closes the stream it reads (aclosing): the plugin's own generator is closed
    with it at once, its connection with it, not later by the garbage collector."""
    config = tmp_path / "config"
    write_plugin(config, "endless.py", SLOW)
    catalog = catalog_of(config)
    entry = catalog.get("endless")
    assert entry is not None
    stream = entry.stream(
        ModelChoice("endless", "m"),
        [{"role": "user", "content": "go"}],
        None,
        proxy=None,
        timeouts=Timeouts(),
        params={},
    )
    assert [await anext(stream), await anext(stream)] == ["more ", "more "]
    await stream.aclose()  # type: ignore[attr-defined]
    module = sys.modules[entry.provider.__module__]
    assert module.CLOSED == ["m"]


LEAKY = """
from tui_chat.providers.base import AsyncGeneratorProvider
from tui_chat.providers.errors import ProviderError
from tui_chat.providers.events import Notice

class Leaky(AsyncGeneratorProvider):
    label = "leaky"
    needs_auth = True

    @classmethod
    async def list_models(cls, *, api_key=None, **kwargs):
        raise ValueError(f"cannot list with {api_key}")

    @classmethod
    async def create_async_generator(cls, model, messages, media=None, api_key=None, **kwargs):
        yield f"text is the model's own: {api_key}. "
        yield Notice(f"a note with {api_key}")
        if model == "said":
            raise ProviderError(f"refused {api_key}")
        raise KeyError(api_key)
"""


async def test_a_plugins_key_is_masked_out_of_its_notes_and_errors(tmp_path: Path) -> None:
    """As for the built-in providers (README, API keys): everything but the answer's own
    words has the key replaced with ***."""
    config = tmp_path / "config"
    write_plugin(config, "leaky.py", LEAKY)
    key = "sk-leaky-123456"
    entry = catalog_of(config, LEAKY_API_KEY=key).get("leaky")
    assert entry is not None
    await entry.refresh(None, LISTING)
    assert entry.state == FAILED and entry.problem.endswith("ValueError: cannot list with ***.")
    assert key not in "".join(entry.reports)
    recorder = AnswerRecorder(Message("assistant", ""))
    with pytest.raises(ProviderError) as failed:
        async for item in entry.stream(
            ModelChoice("leaky", "m"), [], None, proxy=None, timeouts=Timeouts(), params={}
        ):
            recorder.feed(item)
    assert str(failed.value) == "The provider plugin 'leaky' failed: KeyError: '***'"
    assert recorder.text == f"text is the model's own: {key}. "
    assert recorder.notices == ["a note with ***"]
    with pytest.raises(ProviderError, match=r"^refused \*\*\*$"):
        await ask(entry, "said", "hi")
