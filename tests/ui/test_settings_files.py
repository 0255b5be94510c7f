"""settings.toml is the user's, state.toml the app's (issue 16), seen through the real app.

Switching models and themes goes to state.toml and never touches settings.toml; the
settings screen changes only the values edited in it, keeping comments, order and values
edited by hand meanwhile; a bad value costs only itself; a file that does not parse is
never saved over. Every check is on what the user sees or on the bytes on disk.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

from textual.widgets._toast import Toast

from tui_chat.model_choice import ModelChoice
from tui_chat.store import Paths
from tui_chat.ui.app import ChatApp
from tui_chat.ui.screens.settings.screen import SettingsScreen

from .conftest import screen_text, wait_until
from .servers import LoopbackServers

SIZE = (80, 24)


def hand_written(servers: LoopbackServers) -> str:
    """A settings.toml as a person writes it: comments, odd spacing, their own order."""
    return f"""\
# My tui-chat settings. Do not lose these comments!
theme   =   "tui-chat-dark"     # dark, please

[request]                       # request first: I look at it most
read_timeout = 120.0            # seconds of silence
connect_timeout = 10.0

[[openai]]                      # my loopback endpoint
name = "local"
base_url = "{servers.openai_url}"
# api_key_env = "LOCAL_KEY"     maybe later

[defaults]
provider = "local"
model = "echo"                  # the echo model

[dynaspark]
enabled = false                 # not today

[[backends]]
name = "backend"
url = "{servers.backend_url}"
"""


def start(config: Path, text: str | None = None, **kwargs) -> ChatApp:
    config.mkdir(parents=True, exist_ok=True)
    if text is not None:
        (config / "settings.toml").write_text(text, encoding="utf-8")
    return ChatApp.from_paths(Paths.resolve(config), environ={}, **kwargs)


def toasts(app: ChatApp) -> list[str]:
    return [notification.message for notification in app._notifications]


def corrupt_files(config: Path) -> list[str]:
    return sorted(p.name for p in config.iterdir() if ".corrupt-" in p.name)


async def pick_model(pilot, app: ChatApp, typed: str) -> None:
    await pilot.press("ctrl+o")
    await wait_until(pilot, lambda: type(app.screen).__name__ == "ModelPicker")
    await pilot.press(*typed)
    await pilot.press("enter")
    await wait_until(pilot, lambda: type(app.screen).__name__ != "ModelPicker")


async def pick_theme(pilot, app: ChatApp, name: str) -> None:
    app.action_change_theme()
    await pilot.pause()
    await pilot.press(*name)
    await wait_until(pilot, lambda: app.theme == name)
    await pilot.press("enter")
    await wait_until(pilot, lambda: app._theme_before is None)


async def open_settings(pilot, app: ChatApp) -> SettingsScreen:
    await pilot.press("f9")
    await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen))
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, SettingsScreen)
    return screen


async def type_in(pilot, field, value: str) -> None:
    field.input.focus()
    field.input.value = value
    await pilot.pause()


async def test_settings_screen_changes_one_value_and_keeps_everything_else(tmp_path, servers):
    config = tmp_path / "config"
    text = hand_written(servers)
    app = start(config, text)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot, app)
        await type_in(pilot, screen.f_read, "60")
        await type_in(pilot, screen.f_temperature, "0.3")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, SettingsScreen))
        assert app.settings.request.read_timeout == 60.0
    expected = text.replace(
        "read_timeout = 120.0            # seconds of silence",
        "read_timeout = 60.0            # seconds of silence",
    ).replace("connect_timeout = 10.0\n", "connect_timeout = 10.0\ntemperature = 0.3\n")
    assert (config / "settings.toml").read_text() == expected


async def test_hand_edit_survives_switches_themes_and_a_settings_save(tmp_path, servers):
    config = tmp_path / "config"
    text = hand_written(servers)
    app = start(config, text)
    settings = config / "settings.toml"
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.catalog.get("local").state == "ready")
        # The user edits the file in an editor while the app runs.
        edited = text.replace("read_timeout = 120.0", "read_timeout = 99.0")
        settings.write_text(edited)
        await pick_model(pilot, app, "gated")
        await pick_model(pilot, app, "echo")
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: app.chat.choice == ModelChoice("local", "gated"))
        await pick_theme(pilot, app, "tui-chat-light")
        assert settings.read_text() == edited  # not one byte changed by any of these
        # A settings-screen save of another field keeps the hand edit (and applies it).
        screen = await open_settings(pilot, app)
        assert screen.f_read.value == "120"  # the form opened with what the app used
        await type_in(pilot, screen.f_model, "gated")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, SettingsScreen))
        assert app.settings.request.read_timeout == 99.0
    assert settings.read_text() == edited.replace(
        'model = "echo"                  # the echo model',
        'model = "gated"                  # the echo model',
    )


async def test_switching_writes_state_toml_and_never_settings_toml(tmp_path, servers):
    config = tmp_path / "config"
    app = start(config, hand_written(servers))
    before = (config / "settings.toml").read_bytes()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.catalog.get("local").state == "ready")
        await pick_model(pilot, app, "gated")
        await pick_model(pilot, app, "echo")
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: app.chat.choice == ModelChoice("local", "gated"))
        await pick_theme(pilot, app, "tui-chat-16")
    assert (config / "settings.toml").read_bytes() == before
    assert (config / "state.toml").read_text() == (
        "# Written by tui-chat: what it remembers by itself (the model and theme last used).\n"
        "# Your own settings belong in settings.toml; changing `theme` or [defaults] there\n"
        "# makes yours win over what is remembered here.\n"
        'model = "local/gated"\n'
        'recent_models = ["local/echo", "local/gated"]\n'
        'theme = "tui-chat-16"\n'
        "\n"
        "# settings.toml's values when the ones above were chosen: change one there,\n"
        "# and it wins again.\n"
        "[instead_of]\n"
        'defaults = { provider = "local", model = "echo" }\n'
        'theme = "tui-chat-dark"\n'
    )


async def test_remembered_model_and_theme_win_until_settings_change(tmp_path, servers):
    config = tmp_path / "config"
    text = hand_written(servers)
    app = start(config, text)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.catalog.get("local").state == "ready")
        await pick_model(pilot, app, "gated")
        await pick_theme(pilot, app, "tui-chat-light")

    # Next start: what was chosen, not settings.toml's [defaults] and theme.
    app = start(config, fetch_models=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.chat.choice == ModelChoice("local", "gated")
        assert app.theme == "tui-chat-light"
        assert "local › gated" in screen_text(app)

    # The user changes the theme in settings.toml: theirs wins; the model is still chosen.
    (config / "settings.toml").write_text(text.replace('"tui-chat-dark"', '"tui-chat-16"'))
    app = start(config, fetch_models=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "tui-chat-16"
        assert app.chat.choice == ModelChoice("local", "gated")

    # And [defaults]: theirs wins too.
    (config / "settings.toml").write_text(text.replace('model = "echo"', 'model = "markup"'))
    app = start(config, fetch_models=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.chat.choice == ModelChoice("local", "markup")
        assert app.theme == "tui-chat-light"  # back to dark in settings = what it was


async def test_recent_models_of_an_old_settings_file_are_used_not_rewritten(tmp_path, servers):
    config = tmp_path / "config"
    text = 'recent_models = ["local/markup", "local/echo"]  # old\n' + hand_written(servers)
    app = start(config, text, fetch_models=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.chat.choice == ModelChoice("local", "echo")
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: app.chat.choice == ModelChoice("local", "markup"))
    assert (config / "settings.toml").read_text() == text
    state = tomllib.loads((config / "state.toml").read_text())
    assert state["recent_models"] == ["local/markup", "local/echo"]
    assert state["model"] == "local/markup"


async def test_a_bad_value_keeps_the_rest_and_is_shown_until_dismissed(tmp_path, servers):
    config = tmp_path / "config"
    text = hand_written(servers).replace("read_timeout = 120.0", 'read_timeout = "soon"')
    app = start(config, text, fetch_models=False)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await pilot.pause()
        # The [[openai]] and [[backends]] entries and every other value are in use.
        assert app.catalog.names() == ["backend", "local"]
        assert app.chat.choice == ModelChoice("local", "echo")
        assert app.settings.request.read_timeout == 120.0  # its default
        [told] = [n for n in app._notifications if "settings.toml" in n.message]
        assert told.message == (
            "settings.toml line 5: expected a number for request.read_timeout, got 'soon'; "
            "it is ignored and the default, 120.0, is used."
        )
        assert told.timeout == math.inf  # stays until dismissed
        flat = " ".join(screen_text(app).split())
        assert "request.read_timeout, got 'soon'" in flat
        toast = app.screen.query_one(Toast)
        await pilot.click(toast)
        await wait_until(pilot, lambda: "got 'soon'" not in " ".join(screen_text(app).split()))
    assert (config / "settings.toml").read_text() == text
    assert corrupt_files(config) == []


async def test_duplicate_provider_name_skips_the_second_entry(tmp_path, servers):
    config = tmp_path / "config"
    text = hand_written(servers) + '\n[[openai]]\nname = "local"\nbase_url = "http://x/v1"\n'
    app = start(config, text, fetch_models=False)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await pilot.pause()
        assert app.catalog.names() == ["backend", "local"]
        assert app.catalog.get("local").url == servers.openai_url
        told = [n for n in toasts(app) if "settings.toml" in n]
        assert told == [
            "settings.toml line 25: the provider name 'local' is also used by openai[0]; "
            "names must be unique, so this endpoint is skipped."
        ]
    assert (config / "settings.toml").read_text() == text


async def test_an_unknown_default_provider_is_said_and_shown_in_the_settings(tmp_path, servers):
    """S12: [defaults] provider = "nosuch", by hand: a warning with its line, the fallback
    in use, and the settings screen showing the name as not configured (not dropped)."""
    config = tmp_path / "config"
    text = hand_written(servers).replace('provider = "local"', 'provider = "nosuch"')
    app = start(config, text, fetch_models=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        told = [n for n in toasts(app) if "settings.toml" in n]
        assert told == [
            "settings.toml line 14: the default provider 'nosuch' is not configured; the "
            "most recently used model, or else the first provider ('backend'), is used."
        ]
        assert app.chat.choice.provider == "backend"
        app.clear_notifications()
        screen = await open_settings(pilot, app)
        assert screen.f_provider.value == "nosuch"
        assert screen.f_provider.names == ["backend", "Dynaspark", "local"]
        screen.f_provider.input.focus()
        await wait_until(pilot, lambda: "nosuch (not configured)" in screen_text(app))
        assert "No provider is named 'nosuch'" in screen_text(app)
    assert (config / "settings.toml").read_text() == text


async def test_syntax_error_leaves_the_file_alone_and_save_is_refused(tmp_path, servers):
    config = tmp_path / "config"
    data = hand_written(servers).replace("[defaults]", "[defaults").encode()
    app = start(config)
    (config / "settings.toml").write_bytes(data)
    app = start(config, fetch_models=False)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await pilot.pause()
        [told] = [n for n in toasts(app) if "settings.toml" in n]
        assert told.startswith("settings.toml line 13: it is not valid TOML")
        assert "defaults are in use, and the file is left as it is" in told
        assert {"g4f", "ollama"} <= set(app.catalog.names())  # the defaults
        # A model switch and a theme pick go to state.toml, as always.
        app.chat.set_choice(ModelChoice("ollama", "llama3"))
        await pick_theme(pilot, app, "tui-chat-light")
        # Saving from the settings screen is refused, in words, with the form kept.
        screen = await open_settings(pilot, app)
        await type_in(pilot, screen.f_temperature, "0.5")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert screen.f_temperature.value == "0.5"
        status = str(screen.query_one("#settings-status").render())
        assert status.startswith("Not saved: settings.toml line 13: it is not valid TOML")
        assert status.endswith("fix it in an editor, then save again.")
        assert "Not saved: settings.toml line 13" in screen_text(app)
    assert (config / "settings.toml").read_bytes() == data
    assert corrupt_files(config) == []
    assert tomllib.loads((config / "state.toml").read_text())["model"] == "ollama/llama3"


async def test_corrupt_state_is_reported_once_and_the_app_starts_afresh(tmp_path, servers):
    config = tmp_path / "config"
    text = hand_written(servers)
    config.mkdir(parents=True)
    (config / "state.toml").write_text('model = "local/gated"\ntheme = [\n')
    app = start(config, text, fetch_models=False)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await pilot.pause()
        [told] = [n for n in toasts(app) if "state.toml" in n]
        assert told.startswith("state.toml line 2: it is not valid TOML")
        assert "tui-chat starts afresh" in told
        assert app.chat.choice == ModelChoice("local", "echo")  # settings.toml's [defaults]
        app.chat.set_choice(ModelChoice("local", "markup"))
    [aside] = corrupt_files(config)
    assert aside.startswith("state.toml.corrupt-")
    assert (config / aside).read_text() == 'model = "local/gated"\ntheme = [\n'
    assert (config / "settings.toml").read_text() == text
    app = start(config, fetch_models=False)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await pilot.pause()
        assert not [n for n in toasts(app) if "state.toml" in n]  # reported once
        assert app.chat.choice == ModelChoice("local", "markup")


async def test_renaming_a_provider_in_the_settings_screen_follows_in_state(tmp_path, servers):
    config = tmp_path / "config"
    app = start(config, hand_written(servers), fetch_models=False)
    async with app.run_test(size=SIZE) as pilot:
        app.chat.set_choice(ModelChoice("local", "gated"))
        screen = await open_settings(pilot, app)
        await type_in(pilot, screen.cards("openai")[0].fields["name"], "mine")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, SettingsScreen))
        assert app.chat.choice == ModelChoice("mine", "gated")
        assert (app.conversation.provider, app.conversation.model) == ("mine", "gated")
    saved = tomllib.loads((config / "settings.toml").read_text())
    assert [e["name"] for e in saved["openai"]] == ["mine"]
    assert saved["defaults"]["provider"] == "mine"  # the form's default followed the rename
    state = tomllib.loads((config / "state.toml").read_text())
    assert state["model"] == "mine/gated" and state["recent_models"] == ["mine/gated"]
    app = start(config, fetch_models=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.chat.choice == ModelChoice("mine", "gated")


async def choose_option(pilot, field, value: str) -> None:
    """Open a choice by keyboard and move to `value` with the arrows, Enter picks it."""
    select = field.input
    select.focus()
    await pilot.press("enter")
    await wait_until(pilot, lambda: select.expanded)
    values = [option for _, option in select._options]
    steps = values.index(value) - values.index(select.value)
    await pilot.press(*(["down"] * steps if steps > 0 else ["up"] * -steps), "enter")
    await wait_until(pilot, lambda: not select.expanded)
    assert field.value == value


async def flip(pilot, row) -> None:
    row.switch.focus()
    before = row.value
    await pilot.press("space")
    await wait_until(pilot, lambda: row.value != before)


async def test_the_general_section_saves_in_place_and_shows_what_was_saved(tmp_path, servers):
    """Reopen last, images and the g4f server, changed in the form: each lands in the
    user's file (their comment kept), the form shows them when opened again, the next
    start reads them, and the g4f server setting is in use at once."""
    config = tmp_path / "config"
    text = hand_written(servers) + '\n[display]\nimages = "off"       # no pictures over SSH\n'
    app = start(config, text, fetch_models=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot, app)
        general = screen.general
        general.images.input.focus()
        await wait_until(pilot, lambda: "Off: a line with the image's path" in screen_text(app))
        assert general.images.value == "off"
        # Drawn as decided at start: a change waits for the next start, and it says so.
        flat = " ".join(screen_text(app).replace("│", " ").split())
        assert "a change applies at the next start (now: off)" in flat
        assert (general.reopen.value, general.managed.value) == (True, True)
        assert app.catalog.get("backend").managed.mode == "auto"
        await flip(pilot, general.reopen)
        assert "off: start with a new conversation" in screen_text(app)
        await choose_option(pilot, general.images, "halfcell")
        await flip(pilot, general.managed)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, SettingsScreen))
        assert (app.settings.reopen_last, app.settings.display.images) == (False, "halfcell")
        # The providers are made again from the saved settings: no g4f server now.
        assert app.catalog.get("backend").managed.mode == "never"
        assert app.graphics == "off"  # until the next start
        screen = await open_settings(pilot, app)
        general = screen.general
        assert (general.reopen.value, general.images.value, general.managed.value) == (
            False,
            "halfcell",
            False,
        )
        general.images.input.focus()
        await wait_until(pilot, lambda: "Half-cell blocks: any terminal" in screen_text(app))
        general.managed.switch.focus()
        await wait_until(pilot, lambda: "off: never" in screen_text(app))
        await pilot.press("escape")  # nothing edited: closes without asking
        await wait_until(pilot, lambda: not isinstance(app.screen, SettingsScreen))
    assert (config / "settings.toml").read_text() == text.replace(
        'model = "echo"                  # the echo model\n',
        'model = "echo"                  # the echo model\nreopen_last = false\n',
    ).replace('"off"       # no', '"halfcell"       # no') + '\n[g4f]\nmanaged = "never"\n'
    app = start(config, fetch_models=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.settings.reopen_last is False
        assert app.graphics == "halfcell"
        assert app.settings.g4f.managed == "never"
