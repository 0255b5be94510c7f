"""Sending from a long conversation whose log shows older messages (a window of them)."""

from __future__ import annotations

import asyncio

from tui_chat.store import Conversation, ConversationStore, Message
from tui_chat.ui.widgets.message_log import WINDOW
from tui_chat.ui.widgets.message_view import MessageView

from .conftest import answered, screen_text, wait_until

SIZE = (100, 32)


def long_conversation(app, count: int) -> Conversation:
    conversation = Conversation(provider="fake", model="echo")
    for index in range(count):
        role = "user" if index % 2 == 0 else "assistant"
        conversation.messages.append(Message(role=role, content=f"old message {index}"))
    conversation.title = "long"
    ConversationStore(app.paths).save(conversation)
    return conversation


async def test_sending_while_reading_the_top_shows_each_new_message_once(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        conversation = long_conversation(app, 3 * WINDOW)
        await app.chat.open_conversation(conversation.id)
        log = app.chat.log_view
        log.focus()
        await pilot.press("home")
        await wait_until(pilot, lambda: log.start == 0 and "old message 0" in screen_text(app))
        assert log.end < len(conversation.messages)

        app.chat.prompt.focus()
        await pilot.press(*"fresh question", "enter")
        total = 3 * WINDOW + 2
        await wait_until(
            pilot, lambda: not app.chat.streaming and len(app.conversation.messages) == total
        )
        await pilot.pause(0.1)

        views = list(log.query(MessageView))
        shown = [view.message.content for view in views]
        assert shown.count("fresh question") == 1
        assert shown[-2:] == ["fresh question", "Echo: fresh question"]
        assert log.end == len(app.conversation.messages)
        text = screen_text(app)
        assert text.count("fresh question") == 2  # the question and the echo, once each
        assert "Echo: fresh question" in text


async def test_every_frame_of_a_followed_answer_shows_its_newest_line(fake_app, fake):
    """Following a stream, every frame sent shows the end of the text drawn in it: the
    "streaming…" row under the newest line is among the log's rows (never below them,
    waiting for a scroll in a later frame). The log moves in jumps (see the next test),
    so the end is anywhere in the log's lower half, not always on its last row.

    Read from each frame's own rows: measuring the answer's height (which a paint changes
    at once) against where the last frame placed it saw a frame drawn between a paint and
    its update as 12 rows behind."""
    app = fake_app("long")
    async with app.run_test(size=(80, 24)) as pilot:
        log = app.chat.log_view
        shown: list[bool] = []  # per frame of the stream: its end among the log's rows
        offsets: set[int] = set()
        original = app._display

        def display(screen, renderable) -> None:
            original(screen, renderable)
            if renderable is None or not app.chat.streaming:
                return
            rows = screen_text(app).splitlines()[log.region.y : log.region.bottom]
            shown.append(any("streaming…" in row for row in rows))
            offsets.add(round(log.scroll_y))

        app._display = display
        await pilot.press(*"long please", "enter")
        answer = lambda: log.view_for(app.conversation.messages[-1])  # noqa: E731
        await wait_until(pilot, lambda: "Line 119" in answer().shown_text())
        fake.gate.set()
        await wait_until(pilot, lambda: not app.chat.streaming)
        assert log.following
        assert len(shown) >= 5 and len(offsets) >= 3, (len(shown), offsets)  # it scrolled
        assert all(shown), [index for index, seen in enumerate(shown) if not seen]
        assert "The end." in screen_text(app)


async def settled_screen(pilot, app, timeout: float = 5.0) -> str:
    """The screen's text once two looks 0.1 s apart agree (a loaded machine paints late:
    a single short pause caught the log between a paint and the follow after it)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    before = screen_text(app)
    while True:
        await pilot.pause(0.1)
        now = screen_text(app)
        if now == before or loop.time() > deadline:
            return now
        before = now


async def test_a_followed_answer_scrolls_in_jumps(fake_app, fake):
    """Its text reaching the log's bottom, a followed stream scrolls half the log's height
    at once, and the frames in between draw only the rows that changed: scrolling a line
    or two every frame redrew every row of the log (the whole screen, 30 times a second,
    written to the terminal). When the answer completes, its end stays where it was."""
    from fakes import USAGE, WAIT, Pause
    from textual._compositor import ChopsUpdate

    from tui_chat.providers.events import FinishReason

    lines = []
    for index in range(60):
        lines += [f"Row {index} of the answer.\n\n", Pause(0.02)]
    fake.script("jumpy", [*lines, WAIT, FinishReason("stop"), USAGE])
    app = fake_app("jumpy")
    async with app.run_test(size=(100, 50)) as pilot:
        log = app.chat.log_view
        height = log.scrollable_content_region.height
        steps: list[int] = []  # per frame of the stream: how far the log scrolled
        rows: list[int] = []  # per frame: how many of the log's rows it drew
        last = [0]
        original = app._display

        def display(screen, update) -> None:
            original(screen, update)
            if update is None or not app.chat.streaming or log.max_scroll_y == 0:
                return
            steps.append(round(log.scroll_y) - last[0])
            last[0] = round(log.scroll_y)
            drawn = height
            if isinstance(update, ChopsUpdate):
                drawn = len(
                    {y for y, _, _ in update.spans if log.region.y <= y < log.region.bottom}
                )
            rows.append(drawn)

        app._display = display
        await pilot.press(*"a long one", "enter")
        answer = lambda: log.view_for(app.conversation.messages[-1])  # noqa: E731
        await wait_until(pilot, lambda: "Row 59 " in answer().shown_text())
        screen = (await settled_screen(pilot, app)).splitlines()
        where = next(i for i, row in enumerate(screen) if "Row 59 " in row)
        blank_below = log.region.bottom - 1 - (where + 1)  # under its "streaming…" row
        fake.gate.set()
        await wait_until(pilot, lambda: not app.chat.streaming)
        final = await settled_screen(pilot, app)

        jumps = [step for step in steps[1:] if step]  # (the first: the text overflowing)
        assert jumps and all(step >= height // 2 for step in jumps), (height, steps)
        assert len(jumps) * 3 < len(steps), steps  # most frames do not scroll
        quiet = sorted(count for count, step in zip(rows, steps, strict=True) if not step)
        assert quiet[len(quiet) // 2] <= height // 3, (height, quiet)  # the median frame
        screen = final.splitlines()
        after = next(i for i, row in enumerate(screen) if "Row 59 " in row)
        # Its usage line takes the place of "streaming…": nothing moves if there is room;
        # on the log's last row, at most the one row of margin below a finished answer.
        allowed = {where} if blank_below >= 1 else {where, where - 1}
        assert after in allowed, (where, after, blank_below)
        assert "7 in / 3 out tokens" in screen_text(app)


async def test_the_room_a_stream_grows_into_is_never_scrolled_into(fake_app, fake):
    """A long streaming answer keeps blank room below its text (to grow without a layout
    per frame); the reader never sees it: scrolling down stops at the end of the text,
    and the scroll bar's thumb is at the bottom of its track there."""
    from fakes import USAGE, WAIT

    from tui_chat.providers.events import FinishReason

    # The text at once, then the stream holds: its layout leaves room below it. (Arriving
    # line by line, the text can end up filling its room to the last row, room 0, and
    # nothing to test: seen about once in five runs.)
    text = "".join(f"Line {i} of a long answer.\n\n" for i in range(120))
    fake.script("roomy", [text, WAIT, "The end.", FinishReason("stop"), USAGE])
    app = fake_app("roomy")
    async with app.run_test(size=(80, 24)) as pilot:
        log = app.chat.log_view
        await pilot.press(*"long please", "enter")
        answer = lambda: log.view_for(app.conversation.messages[-1])  # noqa: E731
        await wait_until(pilot, lambda: "Line 119" in answer().shown_text())
        await wait_until(pilot, lambda: answer().room > 0)  # laid out, with its room
        log.focus()
        await pilot.press("home")
        await wait_until(pilot, lambda: "Line 119" not in screen_text(app))
        for key in ["pagedown"] * 12 + ["down"] * 30:  # far more than the text holds
            await pilot.press(key)
        lines = (await settled_screen(pilot, app)).splitlines()
        log_rows = lines[log.region.y : log.region.bottom]
        assert "streaming…" in log_rows[-1], log_rows[-3:]
        assert "Line 119" in "\n".join(log_rows[-4:])
        bar = log.vertical_scrollbar.region
        assert bar.height > 0
        bottom_cell = app.screen.get_style_at(bar.x, bar.bottom - 1)
        top_cell = app.screen.get_style_at(bar.x, bar.y)
        assert bottom_cell.reverse and not top_cell.reverse  # the thumb, at the bottom
        fake.gate.set()
        await wait_until(pilot, lambda: not app.chat.streaming)
        await wait_until(pilot, lambda: "The end." in screen_text(app))


async def test_a_message_views_rows_are_drawn_as_textual_draws_them(fake_app):
    """The view draws its own rows (border, padding, background under its children) by
    repeating the first: the same strips Textual's row-by-row rendering makes, for each
    kind of message, also when the app draws a top border on a message."""
    from textual.geometry import Region
    from textual.widget import Widget

    app = fake_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press(*"first line\nsecond line", "enter")
        await wait_until(pilot, lambda: answered(app, 2))
        await pilot.pause(0.05)
        views = list(app.chat.log_view.query(MessageView))
        assert {view.message.role for view in views} == {"user", "assistant"}

        def both(view: MessageView, crop: Region) -> tuple[list, list]:
            ours = view.render_lines(crop)
            view._styles_cache.clear()
            return ours, Widget.render_lines(view, crop)

        for view in views:
            size = view.size
            assert size.height >= 2
            for crop in (Region(0, 0, size.width, size.height), Region(2, 1, 7, size.height - 1)):
                ours, textuals = both(view, crop)
                assert ours == textuals, (view.message.role, crop)
            view.styles.border_top = ("round", "red")
            await pilot.pause(0.05)
            ours, textuals = both(view, Region(0, 0, view.size.width, view.size.height))
            assert ours == textuals
            assert ours[0] != ours[-1]  # the top border row differs from the others


async def test_the_logs_scroll_bar_is_drawn_as_textual_draws_it(fake_app):
    """The log's scroll bar draws its rows itself: the same strips (glyphs, colours, mouse
    actions) as Textual's scroll bar, wherever the thumb is, hovered or not."""
    from textual.geometry import Region
    from textual.scrollbar import ScrollBar

    app = fake_app()
    async with app.run_test(size=(60, 16)) as pilot:
        # Fewer messages than the log mounts at once: scrolling to the top loads nothing.
        conversation = Conversation(provider="fake", model="echo", title="tall")
        for index in range(WINDOW - 2):
            lines = "\n".join(f"line {k}" for k in range(6))
            role = "user" if index % 2 == 0 else "assistant"
            conversation.messages.append(Message(role=role, content=f"{index}\n{lines}"))
        ConversationStore(app.paths).save(conversation)
        await app.chat.open_conversation(conversation.id)
        log = app.chat.log_view
        await wait_until(pilot, lambda: log.show_vertical_scrollbar and log.max_scroll_y > 5)
        bar = log.vertical_scrollbar
        drawn = 0
        for y in (0, 1, log.max_scroll_y // 3, log.max_scroll_y - 1, log.max_scroll_y):
            log.scroll_to(y=y, animate=False, immediate=True)
            await pilot.pause(0.02)
            for hover in (False, True):
                bar.mouse_over = hover
                whole = Region(0, 0, bar.size.width, bar.size.height)
                for crop in (whole, Region(0, 2, bar.size.width, 4)):
                    ours = bar.render_lines(crop)
                    bar._styles_cache.clear()
                    theirs = ScrollBar.render_lines(bar, crop)
                    assert ours == theirs, (y, hover, crop)
                    drawn += 1
        assert drawn == 20
        # The thumb: at the top at the start, at the bottom at the end.
        log.scroll_to(y=0, animate=False, immediate=True)
        await pilot.pause(0.05)
        region = bar.region
        assert app.screen.get_style_at(region.x, region.y).reverse
        assert not app.screen.get_style_at(region.x, region.bottom - 1).reverse


async def test_a_sent_question_never_leaves_the_screen(fake_app):
    """Sending empties the prompt and shows the question in the log in the same frame (one
    frame for the whole send): no frame shows the text gone from both."""
    app = fake_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"fresh question")
        frames: list[str] = []
        original = app._display

        def display(screen, renderable) -> None:
            original(screen, renderable)
            if renderable is not None:
                frames.append(screen_text(app))

        app._display = display
        await pilot.press("enter")
        await wait_until(pilot, lambda: answered(app, 2))
        await pilot.pause(0.1)
        assert frames
        assert app.chat.prompt.text == ""
        gone = [index for index, text in enumerate(frames) if "fresh question" not in text]
        assert not gone, (gone, len(frames))


async def test_text_keeps_its_wrapping_when_the_log_first_overflows(fake_app, fake):
    """The log's scroll bar column is there from the start: when an answer first grows past
    the screen, the messages are not wrapped again two columns narrower (the text jumped,
    and the whole screen was laid out once more for it). Until then the column is blank,
    in the log's own colour."""
    app = fake_app("long")
    async with app.run_test(size=(80, 24)) as pilot:
        log = app.chat.log_view
        widths: set[tuple[int, int]] = set()  # per frame: (question's width, answer's width)
        original = app._display

        def display(screen, renderable) -> None:
            original(screen, renderable)
            views = list(log.query(MessageView))
            if len(views) == 2:
                widths.add((views[0].size.width, views[1].size.width))

        await pilot.press(*"a question")
        right = {  # the bar's two columns and the padding right of them
            app.screen.get_style_at(x, y).bgcolor
            for x in range(log.region.right - 3, log.region.right)
            for y in range(2, 12)
        }
        assert right == {app.screen.get_style_at(10, 5).bgcolor}  # blank, in the log's colour
        app._display = display
        await pilot.press("enter")
        await wait_until(pilot, lambda: log.max_scroll_y > 10)
        fake.gate.set()
        await wait_until(pilot, lambda: not app.chat.streaming)
        await pilot.pause(0.1)
        assert len(widths) == 1, widths
