"""Restoring a deleted conversation from the command palette."""

from __future__ import annotations

import re

from tui_chat.store import Conversation, ConversationStore, Message
from tui_chat.ui.screens.dialogs import Confirm
from tui_chat.ui.screens.trash import TrashScreen
from tui_chat.ui.widgets.sidebar import ConversationList

from .conftest import screen_text, wait_until

SIZE = (80, 24)


async def chat(pilot, app, text: str) -> None:
    await pilot.press(*text, "enter")
    await wait_until(
        pilot,
        lambda: (
            not app.chat.streaming
            and app.conversation.messages
            and app.conversation.messages[-1].role == "assistant"
        ),
    )


async def open_trash(pilot, app) -> None:
    await pilot.press("ctrl+p")
    await pilot.press(*"restore a deleted")
    await wait_until(pilot, lambda: "Restore a deleted conversation" in screen_text(app))
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, TrashScreen) and app.screen.loaded)


async def test_delete_then_restore_brings_it_back_with_its_messages(make_app, servers):
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await chat(pilot, app, "keep this safe")
        deleted_id = app.conversation.id
        store = ConversationStore(app.paths)
        on_disk = [(m.role, m.content) for m in store.load(deleted_id).messages]
        assert on_disk == [("user", "keep this safe"), ("assistant", "Echo: keep this safe")]
        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await wait_until(pilot, lambda: not store.path_for(deleted_id).exists())
        listing = app.query_one(ConversationList)
        await wait_until(pilot, lambda: listing.option_count == 0)

        app.clear_notifications()  # ("Moved to the trash" would cover part of the list)
        await open_trash(pilot, app)
        # Listed in a thread: the frame that shows it may come a little after.
        await wait_until(pilot, lambda: "1 in the trash, kept 30 days" in screen_text(app))
        text = screen_text(app)
        # The title; when it was deleted, its size and its first message.
        lines = [line.strip(" │") for line in text.splitlines()]
        below = lines[lines.index("keep this safe") + 1]
        assert re.fullmatch(r"deleted \w{3} \d\d \d\d:\d\d · 2 msgs · keep this safe", below)
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, TrashScreen))
        await wait_until(pilot, lambda: "Restored 'keep this safe': it is" in screen_text(app))
        assert "back in the conversation list." in screen_text(app)  # (the toast wraps)
        assert [(m.role, m.content) for m in store.load(deleted_id).messages] == on_disk
        assert list(app.paths.trash_dir.iterdir()) == []
        await wait_until(pilot, lambda: listing.option_count == 1)
        assert listing.get_option_at_index(0).id == deleted_id
        await pilot.press("ctrl+b")  # the sidebar (hidden at 80 columns)
        await wait_until(pilot, lambda: "keep this safe" in screen_text(app))
        # It opens like any other.
        listing.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.conversation.id == deleted_id)
        assert "Echo: keep this safe" in screen_text(app)


async def test_a_restored_conversation_never_replaces_one_of_its_id(make_app, servers):
    app = make_app()
    store = ConversationStore(app.paths)
    old = Conversation(title="Old words", messages=[Message("user", "the old text")])
    store.save(old)
    store.delete(old.id)
    # Saved again since under the same id (another tui-chat that had it open).
    store.save(Conversation(id=old.id, title="Newer", messages=[Message("user", "newer")]))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_trash(pilot, app)
        assert "Old words" in screen_text(app)
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, TrashScreen))
        await wait_until(pilot, lambda: "Restored 'Old words' as a new" in screen_text(app))
        summaries, _ = store.list()
        assert sorted(s.title for s in summaries) == ["Newer", "Old words"]
        restored = next(s for s in summaries if s.title == "Old words")
        assert restored.id != old.id
        assert [m.content for m in store.load(restored.id).messages] == ["the old text"]
        assert [m.content for m in store.load(old.id).messages] == ["newer"]
        listing = app.query_one(ConversationList)
        # The cursor is on the one restored.
        await wait_until(pilot, lambda: listing.option_count == 2)
        await wait_until(
            pilot, lambda: listing.get_option_at_index(listing.highlighted).id == restored.id
        )


async def test_an_empty_trash_says_so(make_app, servers):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_trash(pilot, app)
        assert "The trash is empty" in screen_text(app)
        await pilot.press("enter")  # nothing to restore: nothing happens
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, TrashScreen))
