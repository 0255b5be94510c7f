"""Answer variants, edits kept as branches, the log's cursor and forks, driven by keys
(issue 20), against the in-process fake provider: what the screen shows and what lands
on disk, across a restart."""

from __future__ import annotations

import tomllib

from tui_chat.store import ConversationStore
from tui_chat.ui.widgets.message_log import MessageLog

from .conftest import answered, screen_text, wait_until

SIZE = (100, 32)


def saved(app, conversation_id: str | None = None) -> dict:
    path = ConversationStore(app.paths).path_for(conversation_id or app.conversation.id)
    return tomllib.loads(path.read_text(encoding="utf-8"))


async def send(pilot, text: str) -> None:
    await pilot.press(*text)
    await pilot.press("enter")


async def retry_with(pilot, app, fake, words: str) -> None:
    fake.script("echo", [words])
    count = len(fake.requests)
    await pilot.press("ctrl+r")
    await wait_until(pilot, lambda: len(fake.requests) == count + 1 and not app.chat.streaming)
    await pilot.pause()


async def test_retry_twice_flip_continue_and_reopen(fake_app, fake):
    app = fake_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await send(pilot, "question")
        await wait_until(pilot, lambda: answered(app, 2))
        await retry_with(pilot, app, fake, "Second answer.")
        await retry_with(pilot, app, fake, "Third answer.")
        text = screen_text(app)
        assert "Third answer." in text and "‹ 3/3 ›" in text
        assert "Echo: question" not in text  # one variant shown at a time
        assert len(app.conversation.messages) == 2
        # alt+← twice: the second answer, and the conversation goes on from it.
        await pilot.press("alt+left")
        await pilot.pause()
        await pilot.press("alt+left")
        await wait_until(pilot, lambda: "Echo: question" in screen_text(app))
        assert "‹ 1/3 ›" in screen_text(app)
        await pilot.press("alt+right")
        await wait_until(pilot, lambda: "Second answer." in screen_text(app))
        assert "‹ 2/3 ›" in screen_text(app)
        fake.scripts.pop("echo")
        await send(pilot, "next")
        await wait_until(pilot, lambda: answered(app, 4))
        assert [m["content"] for m in fake.requests[-1].messages if m["role"] != "system"] == [
            "question", "Second answer.", "next"]
        data = saved(app)
        assert data["schema"] == 2
        assert data["messages"][1]["content"] == "Second answer."
        assert data["messages"][1]["variant"] == 1
        assert [b["messages"][0]["content"] for b in data["messages"][1]["variants"]] == [
            "Echo: question", "Third answer."]
    # A restart reopens the conversation with the variant that was shown.
    again = fake_app(write=False)
    async with again.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "Echo: next" in screen_text(again))
        text = screen_text(again)
        assert "Second answer." in text and "‹ 2/3 ›" in text
        await pilot.press("alt+right")
        await wait_until(pilot, lambda: "Third answer." in screen_text(again))
        # What followed the second answer went with it, as its branch: nothing lost.
        assert "Echo: next" not in screen_text(again)
        assert [m.content for m in again.conversation.messages] == ["question", "Third answer."]
        await pilot.press("alt+left")
        await wait_until(pilot, lambda: "Echo: next" in screen_text(again))


async def test_an_edit_keeps_the_old_question_as_a_variant(fake_app, fake):
    app = fake_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await send(pilot, "frist")
        await wait_until(pilot, lambda: answered(app, 2))
        await pilot.press("ctrl+g")
        await pilot.press("ctrl+a", "ctrl+k")
        await send(pilot, "first")
        await wait_until(pilot, lambda: len(fake.requests) == 2 and not app.chat.streaming)
        await pilot.pause()
        text = screen_text(app)
        assert "Echo: first" in text and "Echo: frist" not in text and "‹ 2/2 ›" in text
        await pilot.press("alt+left")
        await wait_until(pilot, lambda: "Echo: frist" in screen_text(app))
        assert [m.content for m in app.conversation.messages] == ["frist", "Echo: frist"]
        data = saved(app)
        assert data["messages"][0]["variants"][0]["messages"][0]["content"] == "first"


async def test_flipping_without_variants_says_how_to_make_one(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await send(pilot, "hi")
        await wait_until(pilot, lambda: answered(app, 2))
        await pilot.press("alt+right")
        await wait_until(pilot, lambda: "no other" in screen_text(app))
        assert len(app.conversation.messages) == 2


async def test_the_log_cursor_flips_forks_and_copies(fake_app, fake):
    app = fake_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await send(pilot, "one")
        await wait_until(pilot, lambda: answered(app, 2))
        await retry_with(pilot, app, fake, "One again.")
        fake.scripts.pop("echo")
        await send(pilot, "two")
        await wait_until(pilot, lambda: answered(app, 4))
        log = app.chat.query_one(MessageLog)
        log.focus()
        await pilot.pause()
        messages = app.conversation.messages
        assert log.cursor == messages[3].id  # the lowest message in sight
        await pilot.press("up", "up")
        await wait_until(pilot, lambda: log.cursor == messages[1].id)
        assert log.views[messages[1].id].has_class("-cursor")
        # ← on the first answer: its other variant, from the cursor, not the newest.
        await pilot.press("left")
        await wait_until(pilot, lambda: "Echo: one" in screen_text(app))
        assert [m.content for m in app.conversation.messages] == ["one", "Echo: one"]
        await pilot.press("right")
        await wait_until(pilot, lambda: "Echo: two" in screen_text(app))
        original = app.conversation
        before = saved(app)
        # Fork from the first answer ("One again."): a new conversation of two messages.
        log.focus()
        await pilot.pause()
        log.cursor = app.conversation.messages[1].id
        await pilot.press("f")
        await wait_until(pilot, lambda: app.conversation is not original)
        forked = app.conversation
        assert [m.content for m in forked.messages] == ["one", "One again."]
        assert forked.title == "one (fork)"
        await wait_until(pilot, lambda: "Forked into" in screen_text(app))
        assert "Echo: two" not in screen_text(app)
        assert saved(app, original.id) == before
        assert len(saved(app, forked.id)["messages"]) == 2
        await send(pilot, "three")
        await wait_until(pilot, lambda: answered(app, 4))
        assert [m["content"] for m in fake.requests[-1].messages if m["role"] != "system"] == [
            "one", "One again.", "three"]
