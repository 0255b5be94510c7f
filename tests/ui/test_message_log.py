"""Sending from a long conversation whose log shows older messages (a window of them)."""

from __future__ import annotations

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
    """Following a stream, the frame that shows new text is already at the bottom: it is
    not drawn first at the old position and scrolled in a frame after."""
    app = fake_app("long")
    async with app.run_test(size=(80, 24)) as pilot:
        log = app.chat.log_view
        gaps: list[int] = []  # per frame: rows of the answer below the log's bottom edge
        original = app._display

        def display(screen, renderable) -> None:
            original(screen, renderable)
            messages = app.conversation.messages
            view = log.view_for(messages[-1]) if messages else None
            if renderable is None or view is None or not app.chat.streaming:
                return
            if log.following and log.max_scroll_y > 0:  # the text overflows the log
                # The room a stream grows into (blank, below its "streaming…" line) is
                # kept out of sight: the text's end is the log's last row.
                gaps.append(view.region.bottom - view.room - log.region.bottom)

        app._display = display
        await pilot.press(*"long please", "enter")
        answer = lambda: log.view_for(app.conversation.messages[-1])  # noqa: E731
        await wait_until(pilot, lambda: "Line 119" in answer().shown_text())
        fake.gate.set()
        await wait_until(pilot, lambda: not app.chat.streaming)
        assert len(gaps) >= 5, gaps
        assert set(gaps) == {0}, gaps
        assert "The end." in screen_text(app)


async def test_the_room_a_stream_grows_into_is_never_scrolled_into(fake_app, fake):
    """A long streaming answer keeps blank room below its text (to grow without a layout
    per frame); the reader never sees it: scrolling down stops at the end of the text,
    and the scroll bar's thumb is at the bottom of its track there."""
    app = fake_app("long")
    async with app.run_test(size=(80, 24)) as pilot:
        log = app.chat.log_view
        await pilot.press(*"long please", "enter")
        answer = lambda: log.view_for(app.conversation.messages[-1])  # noqa: E731
        await wait_until(pilot, lambda: "Line 119" in answer().shown_text())
        await pilot.pause(0.1)
        assert answer().room > 0  # the stream holds (the provider waits), room below it
        log.focus()
        await pilot.press("home")
        await wait_until(pilot, lambda: "Line 119" not in screen_text(app))
        for key in ["pagedown"] * 12 + ["down"] * 30:  # far more than the text holds
            await pilot.press(key)
        await pilot.pause(0.1)
        lines = screen_text(app).splitlines()
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
        await pilot.pause(0.1)
        assert "The end." in screen_text(app)


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
