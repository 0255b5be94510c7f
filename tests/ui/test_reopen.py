"""A restart opens the conversation shown last, in its first frame; settings turn it off."""

from __future__ import annotations

import tomllib

from tui_chat.store import ConversationStore
from tui_chat.ui.widgets.sidebar import ConversationList

from .conftest import answered, screen_text, wait_until

SIZE = (100, 30)


async def chat_then_quit(fake_app, text: str) -> str:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*text, "enter")
        await wait_until(pilot, lambda: answered(app, 2))
        conversation_id = app.conversation.id
        await pilot.press("ctrl+q")
    return conversation_id


async def test_a_restart_shows_the_last_conversation(fake_app):
    conversation_id = await chat_then_quit(fake_app, "remember me")
    state = tomllib.loads((fake_app(write=False).paths.config_dir / "state.toml").read_text())
    assert state["conversation"] == conversation_id

    again = fake_app(write=False)
    async with again.run_test(size=SIZE) as pilot:
        assert again.conversation.id == conversation_id
        await wait_until(pilot, lambda: "Echo: remember me" in screen_text(again))
        assert "remember me" in screen_text(again)
        await pilot.press(*"and more", "enter")  # it goes on where it was
        await wait_until(pilot, lambda: answered(again, 4))
        listing = again.query_one(ConversationList)
        await wait_until(pilot, lambda: listing.option_count == 1)
    saved = ConversationStore(again.paths).load(conversation_id)
    assert [m.content for m in saved.messages][-1] == "Echo: and more"


async def test_reopen_last_false_starts_blank(fake_app):
    await chat_then_quit(fake_app, "remember me")
    app = fake_app(write=False)
    settings = app.paths.settings_file
    settings.write_text(
        settings.read_text().replace("[defaults]\n", "[defaults]\nreopen_last = false\n")
    )
    app = fake_app(write=False)
    assert app.settings.reopen_last is False
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.conversation.messages == []
        assert "Echo: remember me" not in screen_text(app)


async def test_a_new_conversation_left_empty_is_what_the_next_start_shows(fake_app):
    await chat_then_quit(fake_app, "old one")
    app = fake_app(write=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "Echo: old one" in screen_text(app))
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: app.conversation.messages == [])
        await pilot.press("ctrl+q")
    app = fake_app(write=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.conversation.messages == []


async def test_a_conversation_deleted_meanwhile_is_forgotten_quietly(fake_app):
    conversation_id = await chat_then_quit(fake_app, "gone soon")
    app = fake_app(write=False)
    ConversationStore(app.paths).delete(conversation_id)
    app = fake_app(write=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        assert app.conversation.messages == []
        assert "Could not reopen" not in screen_text(app)
    state = tomllib.loads((app.paths.config_dir / "state.toml").read_text())
    assert "conversation" not in state
