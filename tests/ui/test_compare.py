"""Several models asked at once (issue 20): marked in the picker with Tab, their answers
stream side by side, one fails, one is stopped on its own, one completes; the user goes
on with one, the others stay as its variants, on screen and on disk."""

from __future__ import annotations

import tomllib

from tui_chat.store import ConversationStore
from tui_chat.ui.widgets.comparison import Comparison
from tui_chat.ui.widgets.message_log import MessageLog

from .conftest import screen_text, wait_until

WIDE = (200, 40)  # the log beside the sidebar: room for three columns


def saved(app) -> dict:
    path = ConversationStore(app.paths).path_for(app.conversation.id)
    return tomllib.loads(path.read_text(encoding="utf-8"))


async def mark_models(pilot, *models: str) -> None:
    await pilot.press("ctrl+o")
    await pilot.pause()
    for model in models:
        await pilot.press(*model, "tab", "ctrl+u")
        await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


async def test_three_models_one_fails_one_is_stopped_one_completes(fake_app, fake):
    app = fake_app()
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await mark_models(pilot, "echo", "gated", "fail")
        chat = app.chat
        assert [c.model for c in chat.compare] == ["echo", "gated", "fail"]
        assert "asking fake › echo · fake › gated · fake › fail" in screen_text(app)
        await pilot.press(*"compare", "enter")
        comparison = None

        def shown() -> bool:
            nonlocal comparison
            comparison = next(iter(app.chat.query(Comparison)), None)
            return comparison is not None and "Partial two." in screen_text(app)

        await wait_until(pilot, shown)
        assert comparison is not None and not comparison.has_class("-stacked")
        await wait_until(pilot, lambda: comparison.columns[2].state == "failed")
        assert comparison.columns[0].state == "done"
        assert chat.streaming  # the slow one still streams
        # Every model was asked the same question, at the same time.
        assert sorted(r.model for r in fake.requests) == ["echo", "fail", "gated"]
        assert {r.question for r in fake.requests} == {"compare"}
        text = screen_text(app)
        assert "Echo: compare" in text and "alt+1" in text and "alt+3" in text
        assert "first words" in text and "total" in text
        # Stop the slow one alone: the log's cursor on the comparison, → to its column, s.
        log = chat.query_one(MessageLog)
        log.focus()
        await pilot.pause()
        assert log.cursor == comparison.message.id
        await pilot.press("right", "s")
        await wait_until(pilot, lambda: not chat.streaming)
        assert comparison.columns[1].state == "stopped"
        assert "stopped" in screen_text(app)
        data = saved(app)
        shown_answer = data["messages"][1]
        assert (shown_answer["model"], shown_answer["content"]) == ("echo", "Echo: compare")
        hidden = [b["messages"][0] for b in shown_answer["variants"]]
        assert [(m["model"], m["status"]) for m in hidden] == [
            ("gated", "stopped"), ("fail", "failed")]
        assert hidden[0]["content"] == "Partial one. Partial two. "
        # Go on with the stopped one's model? No: with the first (alt+1) and ask again.
        await pilot.press("escape")  # back to the prompt
        await pilot.press("alt+2")
        await wait_until(pilot, lambda: not app.chat.query(Comparison))
        assert app.conversation.messages[1].model == "gated"
        assert chat.compare == () and chat.choice.model == "gated"
        assert "‹ 2/3 ›" in screen_text(app)
        await pilot.press("alt+1")
        await wait_until(pilot, lambda: "‹ 1/3 ›" in screen_text(app))
        assert chat.choice.model == "echo"
        await pilot.press(*"next", "enter")
        await wait_until(pilot, lambda: len(app.conversation.messages) == 4 and not chat.streaming)
        assert [m["content"] for m in fake.requests[-1].messages if m["role"] != "system"] == [
            "compare", "Echo: compare", "next"]


async def test_at_80_columns_the_answers_are_tabs(fake_app, fake):
    """Too narrow for columns: a line per model (its bar), and one answer under them, the
    one picked with alt+←/→ from the prompt (stacked answers pushed each other away)."""
    app = fake_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await mark_models(pilot, "echo", "markup")
        await pilot.press(*"hi", "enter")
        await wait_until(pilot, lambda: not app.chat.streaming and app.chat.query(Comparison))
        comparison = app.chat.query_one(Comparison)
        assert comparison.has_class("-stacked")
        first, second = comparison.columns
        assert first.state == second.state == "done"
        text = screen_text(app)
        bars = [line for line in text.splitlines() if "alt+1  ·" in line or "alt+2  ·" in line]
        assert len(bars) == 2 and "▸ alt+1" in bars[0]  # a line per model, the first shown
        assert "Echo: hi" in text and "[bold]" not in text
        await pilot.press("alt+right")
        await wait_until(pilot, lambda: "[bold]" in screen_text(app))
        text = screen_text(app)
        assert "Echo: hi" not in text and "▸ alt+2" in text
        await pilot.press("alt+right")  # round: the first again
        await wait_until(pilot, lambda: "Echo: hi" in screen_text(app))
        await pilot.press("alt+2")  # go on with the second
        await wait_until(pilot, lambda: not app.chat.query(Comparison))
        assert app.conversation.messages[-1].model == "markup"


async def test_as_tabs_the_answer_shown_is_followed_after_a_hidden_one_ends(fake_app, fake):
    """A hidden tab's answer ending (laid out only when shown) must not stop the log
    following the answer shown."""
    app = fake_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await mark_models(pilot, "long", "markup")
        await pilot.press(*"hi", "enter")
        await wait_until(pilot, lambda: app.chat.query(Comparison))
        comparison = app.chat.query_one(Comparison)
        assert comparison.tabbed
        await wait_until(pilot, lambda: comparison.columns[1].state == "done")
        # `long` waits at its gate after its last line: that line is in sight.
        await wait_until(pilot, lambda: "Line 119 of a long answer." in screen_text(app))
        fake.gate.set()
        await wait_until(pilot, lambda: not app.chat.streaming)
        await wait_until(pilot, lambda: "The end." in screen_text(app))
