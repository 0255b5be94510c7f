"""Sending from a long conversation whose log shows older messages (a window of them)."""

from __future__ import annotations

from tui_chat.store import Conversation, ConversationStore, Message
from tui_chat.ui.messages import WINDOW, MessageView

from .conftest import screen_text, wait_until

SIZE = (100, 32)


def long_conversation(app, count: int) -> Conversation:
    conversation = Conversation(provider="local", model="echo")
    for index in range(count):
        role = "user" if index % 2 == 0 else "assistant"
        conversation.messages.append(Message(role=role, content=f"old message {index}"))
    conversation.title = "long"
    ConversationStore(app.paths).save(conversation)
    return conversation


async def test_sending_while_reading_the_top_shows_each_new_message_once(make_app, servers):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        conversation = long_conversation(app, 3 * WINDOW)
        await app.open_conversation(conversation.id)
        log = app.log_view
        log.focus()
        await pilot.press("home")
        await wait_until(pilot, lambda: log.start == 0 and "old message 0" in screen_text(app))
        assert log.end < len(conversation.messages)

        app.prompt.focus()
        await pilot.press(*"fresh question", "enter")
        total = 3 * WINDOW + 2
        await wait_until(
            pilot, lambda: not app.streaming and len(app.conversation.messages) == total
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


async def test_every_frame_of_a_followed_answer_shows_its_newest_line(make_app, servers):
    """Following a stream, the frame that shows new text is already at the bottom: it is
    not drawn first at the old position and scrolled in a frame after."""
    app = make_app(model="long")
    async with app.run_test(size=(80, 24)) as pilot:
        log = app.log_view
        gaps: list[int] = []  # per frame: rows of the answer below the log's bottom edge
        original = app._display

        def display(screen, renderable) -> None:
            original(screen, renderable)
            messages = app.conversation.messages
            view = log.view_for(messages[-1]) if messages else None
            if renderable is None or view is None or not app.streaming:
                return
            if log.following and log.max_scroll_y > 0:  # the text overflows the log
                # The room a stream grows into (blank, below its "streaming…" line) is
                # kept out of sight: the text's end is the log's last row.
                gaps.append(view.region.bottom - view.room - log.region.bottom)

        app._display = display
        await pilot.press(*"long please", "enter")
        answer = lambda: log.view_for(app.conversation.messages[-1])  # noqa: E731
        await wait_until(pilot, lambda: "Line 119" in answer().shown_text())
        servers.gate.set()
        await wait_until(pilot, lambda: not app.streaming)
        assert len(gaps) >= 5, gaps
        assert set(gaps) == {0}, gaps
        assert "The end." in screen_text(app)


async def test_the_room_a_stream_grows_into_is_never_scrolled_into(make_app, servers):
    """A long streaming answer keeps blank room below its text (to grow without a layout
    per frame); the reader never sees it: scrolling down stops at the end of the text,
    and the scroll bar's thumb is at the bottom of its track there."""
    app = make_app(model="long")
    async with app.run_test(size=(80, 24)) as pilot:
        log = app.log_view
        await pilot.press(*"long please", "enter")
        answer = lambda: log.view_for(app.conversation.messages[-1])  # noqa: E731
        await wait_until(pilot, lambda: "Line 119" in answer().shown_text())
        await pilot.pause(0.1)
        assert answer().room > 0  # the stream holds (the server waits), room below it
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
        servers.gate.set()
        await wait_until(pilot, lambda: not app.streaming)
        await pilot.pause(0.1)
        assert "The end." in screen_text(app)
