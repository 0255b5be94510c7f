"""Managing conversations, themes, per-conversation parameters and the command palette."""

from __future__ import annotations

import asyncio
import os
import sys
import tomllib
from pathlib import Path

from textual import events

from tui_chat.store import Conversation, ConversationStore, Message
from tui_chat.ui.screens.dialogs import Confirm, ParametersScreen, SearchConversations, TextPrompt
from tui_chat.ui.widgets.footer import ChatFooter
from tui_chat.ui.widgets.sidebar import ConversationList

from .conftest import screen_text, wait_until

SIZE = (100, 32)
REPO = Path(__file__).resolve().parents[2]
KEY = "sk-test-SECRET-4242"


async def chat(pilot, app, text: str) -> None:
    await pilot.press(*text)
    await pilot.press("enter")
    await wait_until(
        pilot,
        lambda: (
            not app.chat.streaming
            and app.conversation.messages
            and app.conversation.messages[-1].role == "assistant"
        ),
    )


def on_disk(app) -> dict:
    path = ConversationStore(app.paths).path_for(app.conversation.id)
    return tomllib.loads(path.read_text(encoding="utf-8"))


async def test_rename_with_f2_and_from_the_list(make_app, servers):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await chat(pilot, app, "first words")
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, TextPrompt))
        field = app.screen.query_one("Input")
        assert field.value == "first words"
        field.value = ""
        await pilot.press(*"Renamed [bold] by key", "enter")
        await wait_until(pilot, lambda: on_disk(app)["title"] == "Renamed [bold] by key")
        listing = app.query_one(ConversationList)
        await wait_until(pilot, lambda: "Renamed [bold] by key" in screen_text(app))
        listing.focus()
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, TextPrompt))
        app.screen.query_one("Input").value = ""
        await pilot.press("enter")  # an empty title is refused at the field
        assert isinstance(app.screen, TextPrompt)
        assert "cannot be empty" in screen_text(app)
        await pilot.press(*"From the list", "enter")
        await wait_until(pilot, lambda: on_disk(app)["title"] == "From the list")


async def test_delete_asks_then_moves_the_file_to_the_trash(make_app, servers):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await chat(pilot, app, "to be deleted")
        conversation_id = app.conversation.id
        path = ConversationStore(app.paths).path_for(conversation_id)
        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, Confirm))
        assert "trash" in screen_text(app)
        await pilot.press("n")  # the safe answer
        await pilot.pause()
        assert path.exists()
        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await wait_until(pilot, lambda: not path.exists())
        trashed = list(app.paths.trash_dir.glob("*"))
        assert len(trashed) == 1
        assert "to be deleted" in trashed[0].read_text(encoding="utf-8")
        assert app.conversation.id != conversation_id and app.conversation.messages == []
        listing = app.query_one(ConversationList)
        await wait_until(pilot, lambda: listing.option_count == 0)


async def test_search_by_content_and_open(make_app, servers):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await chat(pilot, app, "alpha topic")
        first = app.conversation.id
        await pilot.press("ctrl+n")
        await chat(pilot, app, "beta topic")
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, SearchConversations))
        await pilot.press(*"Echo: alpha")  # words of the answer, not the title
        await wait_until(pilot, lambda: len(app.screen.results) == 1)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.conversation.id == first)
        assert "alpha topic" in screen_text(app)


async def test_export_writes_markdown_without_keys(make_app, servers, tmp_path, monkeypatch):
    """F4 suggests a file in the current folder (where the user started tui-chat)."""
    monkeypatch.chdir(tmp_path)
    app = make_app()
    (app.paths.config_dir / "secrets.toml").write_text(f'[keys]\nlocal = "{KEY}"\n')
    (app.paths.config_dir / "secrets.toml").chmod(0o600)
    app = make_app(write=False)
    async with app.run_test(size=SIZE) as pilot:
        await chat(pilot, app, "export me")
        assert servers.requests[-1].headers["Authorization"] == f"Bearer {KEY}"
        await pilot.press("f4")
        await wait_until(pilot, lambda: isinstance(app.screen, TextPrompt))
        suggested = Path(app.screen.query_one("Input").value)
        assert suggested.parent == tmp_path and suggested.suffix == ".md"
        await pilot.press("enter")
        await wait_until(pilot, lambda: suggested.exists())
        document = suggested.read_text(encoding="utf-8")
        assert document.startswith("# export me\n")
        assert "## You ·" in document and "export me" in document
        assert "## Assistant (local › echo) ·" in document and "Echo: export me" in document
        assert KEY not in document
        conversation_file = ConversationStore(app.paths).path_for(app.conversation.id)
        assert KEY not in conversation_file.read_text(encoding="utf-8")
        assert KEY not in app.paths.settings_file.read_text(encoding="utf-8")
        assert KEY not in screen_text(app)
        # Exporting again to the same name is refused at the field.
        await pilot.press("f4")
        await wait_until(pilot, lambda: isinstance(app.screen, TextPrompt))
        await pilot.press("enter")
        await pilot.pause()
        assert "exists already" in screen_text(app)


async def test_user_theme_loads_and_bad_theme_is_reported(make_app, servers):
    app = make_app()
    themes = app.paths.themes_dir
    themes.mkdir(parents=True, exist_ok=True)
    (themes / "mine.toml").write_text(
        'name = "my-[bold]-theme"\ndark = false\n[colors]\nprimary = "#336699"\n'
    )
    (themes / "broken.toml").write_text('name = "x"\n[colors]\nprimary = "not a colour"\n')
    (themes / "garbage.toml").write_text("this is [not toml")
    app = make_app(write=False)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()
        assert "my-[bold]-theme" in app.available_themes
        assert "tui-chat-light" in app.available_themes and "tui-chat-16" in app.available_themes
        text = " ".join(screen_text(app).split())
        assert "broken.toml" in text and "not a colour" in text
        assert "garbage.toml" in text
        assert app.theme == "tui-chat-dark"  # the app still started, with its theme


async def test_saved_theme_is_in_use_from_the_start(make_app, servers):
    """The theme is chosen before the app runs (so its CSS is parsed once): the classes,
    colours and theme variables must be those of the saved theme all the same."""
    app = make_app()
    settings = app.paths.settings_file
    settings.write_text('theme = "tui-chat-light"\n' + settings.read_text())
    app = make_app(write=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: "Quit" in screen_text(app))
        await pilot.pause()
        assert app.theme == "tui-chat-light"
        assert app.has_class("-theme-tui-chat-light") and app.has_class("-light-mode")
        assert not app.has_class("-dark-mode")
        assert app.chat.log_view.dark is False
        assert app.query_one("#sidebar").styles.background.hex == "#FFFFFF"  # $surface
        assert app.query_one("#status").styles.background.hex == "#E8EAED"  # $panel
        footer = app.query_one(ChatFooter)
        # A variable from the theme file's [variables]
        assert footer.get_component_styles("footer--key").color.hex == "#B35C00"


async def test_missing_saved_theme_falls_back(make_app, servers):
    app = make_app()
    settings = app.paths.settings_file
    settings.write_text('theme = "no-such-theme"\n' + settings.read_text())
    app = make_app(write=False)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()
        assert app.theme == "tui-chat-dark" and app.has_class("-dark-mode")
        assert "'no-such-theme' is not installed" in " ".join(screen_text(app).split())


async def test_theme_previews_live_and_choice_is_saved(make_app, servers):
    app = make_app()
    settings_before = app.paths.settings_file.read_bytes()
    async with app.run_test(size=SIZE) as pilot:
        app.action_change_theme()
        await pilot.pause()
        await pilot.press(*"tui-chat-light")
        await wait_until(pilot, lambda: app.theme == "tui-chat-light")  # previewed
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.theme == "tui-chat-dark")  # put back
        assert not app.paths.state_file.exists()  # nothing was picked
        app.action_change_theme()
        await pilot.pause()
        await pilot.press(*"tui-chat-16")
        await wait_until(pilot, lambda: app.theme == "tui-chat-16")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.paths.state_file.exists())
        state = tomllib.loads(app.paths.state_file.read_text())
        assert state["theme"] == "tui-chat-16"
        # The theme picked is remembered in state.toml, never written into settings.toml.
        assert app.paths.settings_file.read_bytes() == settings_before


async def test_conversation_parameters_reach_the_request(make_app, servers):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.chat.action_conversation_parameters()
        await wait_until(pilot, lambda: isinstance(app.screen, ParametersScreen))
        await pilot.pause()
        screen = app.screen
        screen.query_one("#param-system").text = "Be brief."
        screen.query_one("#param-temp").value = "hot"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ParametersScreen)  # refused
        assert "Temperature must be a number" in screen_text(app)
        screen.query_one("#param-temp").value = "0.3"
        screen.query_one("#param-max").value = "50"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, ParametersScreen))
        await chat(pilot, app, "params")
        body = servers.requests[-1].body
        assert body["temperature"] == 0.3 and body["max_tokens"] == 50
        assert body["messages"][0] == {"role": "system", "content": "Be brief."}
        saved = on_disk(app)
        assert saved["system_prompt"] == "Be brief."
        assert saved["parameters"]["temperature"] == 0.3


async def test_palette_lists_actions_with_their_keys_and_runs_them(make_app, servers):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await chat(pilot, app, "palette")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"rename conv")
        await wait_until(pilot, lambda: "Rename conversation…  (f2)" in screen_text(app))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, TextPrompt))
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"switch model")
        await wait_until(pilot, lambda: "Switch model…  (ctrl+o)" in screen_text(app))


async def test_settings_screen_from_f9_saves_and_takes_effect(make_app, servers):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f9")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "SettingsScreen")
        await pilot.pause()
        assert "Backends" in screen_text(app) or "backend" in screen_text(app).lower()
        await pilot.press("escape")  # no edits: closes at once
        await wait_until(pilot, lambda: type(app.screen).__name__ != "SettingsScreen")
        # Applying a result (as the screen's Save does) writes the files and rebuilds.
        from tui_chat.record import replace
        from tui_chat.ui.screens.settings.result import SettingsResult

        new = replace(app.settings, request=replace(app.settings.request, read_timeout=42.0))
        new.openai[0].name = "renamed"
        app.apply_settings(SettingsResult(new, {"renamed": "sk-new-key-123"}))
        await wait_until(pilot, lambda: app.catalog.get("renamed") is not None)
        saved = tomllib.loads(app.paths.settings_file.read_text())
        assert saved["request"]["read_timeout"] == 42.0
        assert "sk-new-key-123" not in app.paths.settings_file.read_text()
        secrets = app.paths.secrets_file
        assert "sk-new-key-123" in secrets.read_text()
        assert secrets.stat().st_mode & 0o777 == 0o600
        assert app.catalog.get("renamed").api_key == "sk-new-key-123"
        assert "renamed" in [node.data.name for node in app.chat.tree.root.children]


# --- the conversation list: where its cursor stays, and files written by others ----------


def saved_in_order(app, *titles: str) -> list[str]:
    """Conversations saved one after the other (the last is the newest): their ids."""
    store = ConversationStore(app.paths)
    ids = []
    for title in titles:
        conversation = Conversation(title=title, messages=[Message("user", f"about {title}")])
        store.save(conversation)
        ids.append(conversation.id)
    return ids


def cursor_id(listing: ConversationList) -> str | None:
    if listing.highlighted is None:
        return None
    return listing.get_option_at_index(listing.highlighted).id


async def shown_list(pilot, app) -> ConversationList:
    """The sidebar (hidden at 80 columns) shown, its conversation list focused."""
    listing = app.query_one(ConversationList)
    await wait_until(pilot, lambda: listing.option_count > 0)
    await pilot.press("ctrl+b")
    listing.focus()
    await pilot.pause()
    return listing


async def test_the_cursor_stays_on_a_renamed_conversation(make_app, servers):
    app = make_app()
    oldest, middle, _ = saved_in_order(app, "oldest", "middle", "newest")
    async with app.run_test(size=(80, 24)) as pilot:
        listing = await shown_list(pilot, app)
        await pilot.press("down", "down", "enter")
        await wait_until(pilot, lambda: app.conversation.id == oldest)
        listing.focus()
        await pilot.press("up")
        assert cursor_id(listing) == middle
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, TextPrompt))
        app.screen.query_one("Input").value = ""
        await pilot.press(*"middle renamed", "enter")
        # Renamed, it is the most recently updated: listed first, the cursor with it.
        await wait_until(pilot, lambda: listing.get_option_at_index(0).id == middle)
        assert "middle renamed" in screen_text(app)
        assert cursor_id(listing) == middle
        await pilot.pause(0.3)  # and later listings leave it there
        assert cursor_id(listing) == middle
        await pilot.press("enter")  # opens the one under the cursor
        await wait_until(pilot, lambda: app.conversation.id == middle)


async def test_after_a_delete_the_cursor_is_on_the_next_conversation(make_app, servers):
    app = make_app()
    oldest, middle, newest = saved_in_order(app, "oldest", "middle", "newest")
    async with app.run_test(size=(80, 24)) as pilot:
        listing = await shown_list(pilot, app)
        await pilot.press("down")
        assert cursor_id(listing) == middle
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await wait_until(pilot, lambda: listing.option_count == 2)
        assert cursor_id(listing) == oldest  # the one after it
        await pilot.press("d")  # the last one: the cursor goes to the one before it
        await wait_until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await wait_until(pilot, lambda: listing.option_count == 1)
        assert cursor_id(listing) == newest


async def test_deleting_the_open_conversation_leaves_the_cursor_on_the_next(make_app, servers):
    app = make_app()
    oldest, middle, _ = saved_in_order(app, "oldest", "middle", "newest")
    async with app.run_test(size=(80, 24)) as pilot:
        listing = await shown_list(pilot, app)
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: app.conversation.id == middle)
        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await wait_until(pilot, lambda: listing.option_count == 2)
        assert cursor_id(listing) == oldest


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.pop("TUI_CHAT_CONFIG_DIR", None)
    env["PYTHONPATH"] = str(REPO)
    env["NO_COLOR"] = "1"
    return env


async def ask_from_another_shell(app, question: str) -> None:
    """`tui-chat ask`, the real command in another process, against the test's server."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tui_chat", "--config-dir", str(app.paths.config_dir),
        "ask", question,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=cli_env(),
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    assert out.decode() == f"Echo: {question}\n"


async def test_a_conversation_saved_by_tui_chat_ask_appears_without_a_key(make_app, servers):
    app = make_app()
    older, _ = saved_in_order(app, "older", "newer")
    async with app.run_test(size=(80, 24)) as pilot:
        listing = await shown_list(pilot, app)
        await pilot.press("down")
        assert cursor_id(listing) == older
        await ask_from_another_shell(app, "asked in another shell")
        started = asyncio.get_running_loop().time()
        await wait_until(pilot, lambda: "asked in another shell" in screen_text(app), 10)
        assert asyncio.get_running_loop().time() - started < 2 * ConversationList.CHECK_EVERY + 2
        assert listing.option_count == 3
        assert cursor_id(listing) == older  # the cursor stays on the same conversation


async def test_the_list_is_checked_when_the_terminal_gets_the_focus_back(
    make_app, servers, monkeypatch
):
    monkeypatch.setattr(ConversationList, "CHECK_EVERY", 3600.0)  # no timer to help
    app = make_app()
    saved_in_order(app, "one")
    async with app.run_test(size=(80, 24)) as pilot:
        listing = await shown_list(pilot, app)
        app.post_message(events.AppBlur())  # the user goes to another terminal…
        await pilot.pause()
        await ask_from_another_shell(app, "asked while away")
        app.post_message(events.AppFocus())  # …and comes back
        await wait_until(pilot, lambda: "asked while away" in screen_text(app), 5)
        assert listing.option_count == 2
