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


async def test_answers_side_by_side_are_laid_out_as_seldom_as_one_answer(fake_app, fake):
    """Each answer side by side grows into blank room below it, as a single answer does,
    and the screen is laid out again only when one outgrows it (a layout arranges every
    widget and redraws the whole log). With one screenful of room (a single answer has
    three) a column outgrew it every few seconds, each on its own, and each layout
    resized the comparison, whose resize updated its hint: a second layout every time.
    The first answer to outgrow its room gives the others theirs anew in its layout: they
    grow alike, so each would have needed one of its own a moment later. The columns are
    of one whole width: as `1fr` of a width that did not divide evenly, each answer was
    measured at one width and drawn at another, which lost the heights of its pieces."""
    from fakes import USAGE, Pause

    from tui_chat.providers.events import FinishReason

    rows: list = []
    for index in range(150):
        rows += [f"Row {index} of the answer.\n\n", Pause(0.004)]
    for model in ("rows", "rows-1", "rows-2", "rows-3"):
        fake.script(model, [*rows, FinishReason("stop"), USAGE])
    app = fake_app("rows")
    async with app.run_test(size=WIDE) as pilot:
        compositor = app.chat._compositor
        layouts = [0]
        original = compositor.reflow
        #: At each layout while answers stream side by side: the least room any has left.
        rooms: list[int] = []

        def reflow(parent, size):
            layouts[0] += 1
            result = original(parent, size)
            comparison = next(iter(app.chat.query(Comparison)), None)
            if comparison is not None and comparison.columns[0].view.is_mounted:
                streaming = [c for c in comparison.columns if c.total is None]
                if len(streaming) == 3:
                    rooms.append(min(c.view.room for c in streaming))
            return result

        compositor.reflow = reflow

        async def ask(question: str, messages: int) -> int:
            layouts[0] = 0
            await pilot.press(*question, "enter")
            await wait_until(
                pilot,
                lambda: len(app.conversation.messages) == messages and not app.chat.streaming,
                timeout=30,
            )
            await pilot.pause(0.1)
            return layouts[0]

        one = await ask("one", 2)
        assert "Row 149 of the answer." in screen_text(app)
        await mark_models(pilot, "rows-1", "rows-2", "rows-3")
        three = await ask("three", 4)
        comparison = app.chat.query_one(Comparison)
        assert not comparison.tabbed and all(c.state == "done" for c in comparison.columns)
        assert screen_text(app).count("Row 149 of the answer.") == 3
        # Every answer as wide as the others (1fr columns were 53, 54 and 54 cells, each
        # measured at one width and drawn at another).
        assert len({column.view.size.width for column in comparison.columns}) == 1
        assert three <= 3 * one + 2, (one, three)
        screen = app.chat.log_view.size.height
        assert len(rooms) >= 2 and min(rooms) >= screen, (screen, rooms)
