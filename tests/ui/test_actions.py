"""The table of actions (ui/actions.py): every key, footer label, palette entry and help
line comes from it, and every one of them reaches the user."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from tui_chat.ui.actions import (
    ACTIONS,
    APP,
    BY_ID,
    CHAT,
    FOOTER,
    LOG,
    NONE,
    PROMPT,
    TEXTUAL,
    help_rows,
    keys_for,
    palette_actions,
)
from tui_chat.ui.app import ChatApp
from tui_chat.ui.screens.chat import ChatScreen
from tui_chat.ui.screens.help import HelpScreen
from tui_chat.ui.screens.pickers import ModelPicker
from tui_chat.ui.widgets.message_log import MessageLog
from tui_chat.ui.widgets.prompt import PromptArea

from .conftest import screen_text, wait_until

SIZE = (120, 40)
OWNERS = {APP: ChatApp, CHAT: ChatScreen, PROMPT: PromptArea}


def keys_of(bindings: list) -> set[str]:
    keys: set[str] = set()
    for binding in bindings:
        key = binding.key if isinstance(binding, Binding) else binding[0]
        keys.update(part.strip() for part in key.split(","))
    return keys


def test_ids_are_unique_and_the_footer_names_bound_actions():
    assert len(BY_ID) == len(ACTIONS)
    for action_id in FOOTER:
        assert BY_ID[action_id].bound, action_id


def test_every_binding_of_the_app_and_the_prompt_is_in_the_table():
    """A key added to BINDINGS by hand, or without an id, cannot skip the table."""
    for scope, owner in OWNERS.items():
        for binding in owner.BINDINGS:
            assert isinstance(binding, Binding) and binding.id, binding
            action = BY_ID.get(binding.id)
            assert action is not None, f"{binding.id} is not in actions.ACTIONS"
            assert action.scope == scope
            assert (binding.key, binding.action, binding.description) == (
                action.key,
                action.action,
                action.label,
            )
            assert binding.show == (binding.id in FOOTER)
            assert binding.priority == action.priority


def test_every_action_is_reachable():
    """Bound to a key (by this table, a widget or Textual) or in the palette, and runs an
    action that exists."""
    palette = {action.id for action in palette_actions()}
    for action in ACTIONS:
        if action.scope in OWNERS:
            owner = OWNERS[action.scope]
            assert action.id in {b.id for b in owner.BINDINGS}, action.id
            assert action.key and action.label, action.id
            name = action.action.split("(")[0]  # scroll_log('top') runs action_scroll_log
            assert hasattr(owner, f"action_{name}"), action.id
        elif action.scope == LOG:
            assert set(action.key.split(",")) <= keys_of(MessageLog.BINDINGS), action.id
        elif action.scope == TEXTUAL:
            assert (
                action.key in keys_of(Screen.BINDINGS) or action.key == App.COMMAND_PALETTE_BINDING
            ), action.id
        else:
            assert action.scope == NONE, action.id
            assert not action.key and action.id in palette, action.id
        if action.id in palette:
            assert action.help, action.id
            # The palette runs the app's actions on the app, the others on the chat screen.
            owner, name = (ChatApp, action.action) if action.on_app else (ChatScreen, action.action)
            name = name.removeprefix("app.").split("(")[0]
            assert hasattr(owner, f"action_{name}"), action.id


def test_every_action_has_a_help_row():
    rows = help_rows({})
    assert len(rows) == len(ACTIONS)
    for action, (keys, line, where) in zip(ACTIONS, rows, strict=True):
        assert where == action.where
        assert keys and line, action.id
        assert line == action.help_line
        if action.bound:
            assert keys == (action.key_display or action.key)
    assert ("ctrl+o", "Switch model: Fuzzy-pick a provider and model", "") in rows
    assert ("palette", "Theme: Pick a theme; each one previews as you move to it", "") in rows
    assert ("ctrl+j,shift+enter", "Newline", "in the prompt") in rows


def test_keys_for_follows_the_keymap_of_bound_keys_only():
    keymap = {"model.picker": "f5", "app.theme": "f6", "log.follow_top": "f7"}
    assert keys_for("model.picker", keymap) == "f5"
    assert keys_for("model.picker", {}) == "ctrl+o"
    assert keys_for("app.help_alt", {}) == "?"
    # Only keys of this table's bindings can be changed: the others show what works.
    assert keys_for("app.theme", keymap) == ""
    assert keys_for("log.follow_top", keymap) == "End / Home"
    assert keys_for("no.such.action", keymap) == ""


async def test_a_keymap_override_reaches_the_key_the_help_and_the_palette(fake_app):
    app = fake_app(settings='[keymap]\n"model.picker" = "f5"')
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.keys_for("model.picker") == "f5"
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        rows = [row for _, rows in app.screen.sections for row in rows]
        assert ("f5", "Switch model: Fuzzy-pick a provider and model", "") in rows
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, HelpScreen))
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"switch model")
        await wait_until(pilot, lambda: "Switch model…  (f5)" in screen_text(app))
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("f5")
        await wait_until(pilot, lambda: isinstance(app.screen, ModelPicker))


def test_the_readme_lists_every_binding_id():
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Key binding ids", 1)[1].split("\n## ", 1)[0]
    for action in ACTIONS:
        assert (f"`{action.id}`" in section) == action.bound, action.id
