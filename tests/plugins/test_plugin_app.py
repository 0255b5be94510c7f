"""Plugins in the app: their models in the sidebar and the picker, a chat with one, and a
broken plugin said once while the rest works."""

from __future__ import annotations

import tomllib
from pathlib import Path

from textual.widgets import OptionList
from ui.conftest import answered, screen_text, wait_until
from ui.servers import LoopbackServers

from tui_chat.catalog import FAILED, READY
from tui_chat.model_choice import ModelChoice
from tui_chat.store import ConversationStore, Paths
from tui_chat.ui.app import ChatApp
from tui_chat.ui.screens.pickers import ModelPicker

from .conftest import copy_example, write_plugin
from .test_plugin_loading import LISTING_FAILS

SIZE = (120, 36)


def settings(config: Path, provider: str, model: str, openai: str = "") -> None:
    """Only the plugins, and an OpenAI-compatible server when given: nothing else to wait
    for or to fail."""
    config.mkdir(parents=True, exist_ok=True)
    endpoints = f'[[openai]]\nname = "local"\nbase_url = "{openai}"\n' if openai else ""
    (config / "settings.toml").write_text(
        f"""backends = []
{"" if openai else "openai = []"}

[defaults]
provider = "{provider}"
model = "{model}"

[dynaspark]
enabled = false

{endpoints}""",
        encoding="utf-8",
    )


def saved(app: ChatApp) -> dict:
    path = ConversationStore(app.paths).path_for(app.conversation.id)
    return tomllib.loads(path.read_text(encoding="utf-8"))


def notices(app: ChatApp, word: str) -> list[str]:
    return [n.message for n in app._notifications if word in n.message]


async def send(pilot, text: str) -> None:
    await pilot.press(*text, "enter")


async def pick(pilot, app: ChatApp, typed: str, row: str) -> None:
    await pilot.press("ctrl+o")
    await wait_until(pilot, lambda: isinstance(app.screen, ModelPicker))
    await pilot.press(*typed)
    options = app.screen.query_one(OptionList)

    def first_row() -> str:
        if not options.option_count:
            return ""
        return str(options.get_option_at_index(0).prompt).split("  ")[0]

    await wait_until(pilot, lambda: first_row() == row)
    await pilot.press("enter")
    await wait_until(pilot, lambda: not isinstance(app.screen, ModelPicker))


async def test_an_installed_plugin_is_in_the_sidebar_and_the_picker_and_answers(
    installed_example: Path, tmp_path: Path, servers: LoopbackServers
) -> None:
    config = tmp_path / "config"
    settings(config, "echo-plugin", "reverse", openai=servers.openai_url)
    app = ChatApp.from_paths(Paths.resolve(config), environ={})
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(pilot, lambda: app.catalog.get("echo-plugin").state == READY)
        await wait_until(pilot, lambda: "● ready" in screen_text(app))
        text = screen_text(app)
        assert "echo-plugin" in text and "reverse" in text
        await send(pilot, "hello there")
        await wait_until(pilot, lambda: answered(app, 2))
        await wait_until(pilot, lambda: "(1) ereht olleh" in screen_text(app))

        # Another provider in between, then back: the plugin's context is its own.
        await wait_until(pilot, lambda: app.catalog.get("local").state == READY)
        await pick(pilot, app, "local echo", "local › echo")
        await send(pilot, "in between")
        await wait_until(pilot, lambda: answered(app, 4))
        await wait_until(pilot, lambda: "Echo: in between" in screen_text(app))
        await pick(pilot, app, "plugin echo", "echo-plugin › echo")
        assert app.chat.choice == ModelChoice("echo-plugin", "echo")
        await send(pilot, "back again")
        await wait_until(pilot, lambda: answered(app, 6))
        await wait_until(pilot, lambda: "(2) back again" in screen_text(app))
        assert "conversation" not in servers.requests[-1].body
        data = saved(app)
        assert data["provider_state"] == {"echo-plugin": {"turns": 2}}
        assert [m["provider"] for m in data["messages"] if m["role"] == "assistant"] == [
            "echo-plugin",
            "local",
            "echo-plugin",
        ]
        assert not notices(app, "Provider plugin")
        assert not notices(app, "default provider")  # a plugin's name is a provider's


BAD_ANSWER = """
from tui_chat.providers.base import AsyncGeneratorProvider

class Sloppy(AsyncGeneratorProvider):
    label = "sloppy"
    models = ["s-1"]

    @classmethod
    async def create_async_generator(cls, model, messages, media=None, **kwargs):
        yield "Half "
        yield {"not": "text"}
        yield "an answer."
"""


async def test_broken_plugins_are_said_once_and_the_app_goes_on(tmp_path: Path) -> None:
    config = tmp_path / "config"
    settings(config, "echo-plugin", "echo")
    copy_example(config)
    write_plugin(config, "broken.py", "import not_a_module_anywhere\n")
    write_plugin(config, "nolist.py", LISTING_FAILS)
    write_plugin(config, "sloppy.py", BAD_ANSWER)
    app = ChatApp.from_paths(Paths.resolve(config), environ={})
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(pilot, lambda: app.catalog.get("nolist").state == FAILED)
        await wait_until(pilot, lambda: notices(app, "'nolist'"))
        [broken] = notices(app, "broken.py")
        assert "could not be imported: ModuleNotFoundError" in broken
        assert "ValueError: no list today" in notices(app, "'nolist'")[0]
        text = screen_text(app)
        assert "✗ failed" in text and "Provider plugin" in text
        # Asked again (as after the settings changed): nothing is said twice.
        app.chat.load_all_models()
        await wait_until(pilot, lambda: app.catalog.get("nolist").state == FAILED)
        await pilot.pause(0.1)
        assert len(notices(app, "broken.py")) == 1 and len(notices(app, "'nolist'")) == 1

        await send(pilot, "still works")
        await wait_until(pilot, lambda: answered(app, 2))
        await wait_until(pilot, lambda: "(1) still works" in screen_text(app))

        await pick(pilot, app, "sloppy", "sloppy › s-1")
        for question, count in (("go", 4), ("go again", 6)):
            await send(pilot, question)
            await wait_until(pilot, lambda count=count: answered(app, count))
        answer = app.conversation.messages[-1]
        assert answer.content == "Half an answer." and answer.status == "complete"
        [sloppy] = notices(app, "'sloppy'")  # once, for two answers
        assert "its answer held a dict, which is neither text nor an event" in sloppy
        app.clear_notifications()  # as clicking them away: the answers' notes are under them
        note = "Skipped a dict from sloppy: it is neither text nor an event."
        await wait_until(pilot, lambda: screen_text(app).count(note) == 2)


async def test_a_plugin_can_stay_the_default_provider_through_the_settings_screen(
    tmp_path: Path,
) -> None:
    from tui_chat.ui.screens.settings.screen import SettingsScreen

    config = tmp_path / "config"
    settings(config, "echo-plugin", "echo")
    copy_example(config)
    app = ChatApp.from_paths(Paths.resolve(config), environ={})
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("f9")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, SettingsScreen))
        assert notices(app, "Settings saved.")
        assert 'provider = "echo-plugin"' in (config / "settings.toml").read_text()
        assert app.catalog.get("echo-plugin") is not None  # the new catalog kept it
        await send(pilot, "after")
        await wait_until(pilot, lambda: answered(app, 2))
        await wait_until(pilot, lambda: "(1) after" in screen_text(app))
