"""MessageLog on its own: `show`, `add` and `drop` keep the log's own list of messages and
its window of mounted views in step, and a message's text is never markup."""

from __future__ import annotations

from tui_chat.store import Message
from tui_chat.ui.widgets.message_log import WINDOW, MessageLog
from tui_chat.ui.widgets.message_view import MessageView

from ..servers import MARKUP_ANSWER
from .conftest import hosted, screen_text, wait_until

#: Tall enough that a whole window of short messages fits: nothing scrolls, nothing loads.
TALL = (100, 80)


def conversation(count: int) -> list[Message]:
    return [
        Message(role="user" if index % 2 == 0 else "assistant", content=f"message {index}")
        for index in range(count)
    ]


def mounted(log: MessageLog) -> list[Message]:
    return [view.message for view in log.query(MessageView)]


async def test_show_keeps_a_copy_and_mounts_the_newest_window() -> None:
    log = MessageLog()
    async with hosted(log, size=TALL) as (app, pilot):
        messages = conversation(WINDOW + 5)
        await log.show(messages)
        messages.append(Message(role="user", content="not the log's"))
        await pilot.pause()
        assert log.messages == messages[:-1]  # its own list: the caller's append is not in it
        assert (log.start, log.end) == (5, WINDOW + 5)
        assert mounted(log) == messages[5 : WINDOW + 5]
        text = screen_text(app)
        assert "↑ 5 earlier messages" in text
        assert "message 5" in text and f"message {WINDOW + 4}" in text
        assert "message 4\n" not in text + "\n" and "not the log's" not in text


async def test_add_appends_to_its_list_and_shows_the_views() -> None:
    log = MessageLog()
    async with hosted(log, size=TALL) as (app, pilot):
        await log.show(conversation(3))
        question = Message(role="user", content="fresh question")
        answer = Message(role="assistant", content="a **bold** answer")
        await log.add(log.new_view(question), log.new_view(answer))
        await pilot.pause()
        assert log.messages[-2:] == [question, answer]
        assert (log.start, log.end) == (0, 5)
        assert mounted(log)[-2:] == [question, answer]
        assert log.view_for(answer) is not None
        text = screen_text(app)
        assert "fresh question" in text
        assert "a bold answer" in text  # the answer is Markdown


async def test_add_while_reading_older_messages_moves_the_window_to_the_newest() -> None:
    log = MessageLog()
    async with hosted(log, size=TALL) as (app, pilot):
        await log.show(conversation(3 * WINDOW))
        log.action_jump_top()
        await wait_until(pilot, lambda: log.start == 0)
        assert log.end < 3 * WINDOW
        fresh = Message(role="user", content="fresh question")
        await log.add(log.new_view(fresh))
        await pilot.pause()
        assert log.end == len(log.messages) == 3 * WINDOW + 1
        assert mounted(log) == log.messages[log.start : log.end]  # one unbroken window
        assert mounted(log)[-1] is fresh
        assert "fresh question" in screen_text(app)


async def test_drop_takes_a_message_from_its_list_and_the_screen() -> None:
    log = MessageLog()
    async with hosted(log, size=TALL) as (app, pilot):
        messages = conversation(WINDOW + 2)
        await log.show(messages)
        last = messages[-1]
        await log.drop(last)
        await pilot.pause()
        assert last not in log.messages and log.view_for(last) is None
        assert (log.start, log.end) == (2, WINDOW + 1)
        assert f"message {WINDOW + 1}" not in screen_text(app)
        # A message above the window: the window keeps showing the same messages.
        await log.drop(messages[0])
        await pilot.pause()
        assert (log.start, log.end) == (1, WINDOW)
        assert mounted(log) == messages[2 : WINDOW + 1]
        assert "↑ 1 earlier message ·" in screen_text(app)
        # One it never showed: nothing changes.
        await log.drop(Message(role="user", content="stranger"))
        assert (log.start, log.end, len(log.messages)) == (1, WINDOW, WINDOW)


async def test_a_message_with_markup_shows_as_text() -> None:
    log = MessageLog()
    question = "[bold]mine[/] [link=x]y [/] [red]"
    async with hosted(log, size=(160, 30)) as (app, pilot):
        await log.show(
            [
                Message(role="user", content=question),
                Message(role="assistant", content=MARKUP_ANSWER),
            ]
        )
        await pilot.pause()
        text = screen_text(app)
        assert question in text
        assert "[bold]not bold[/] and [/] and [link=file:///etc/passwd]x[/link]" in text
        assert "␛[31mred␛[0m" in text
        assert "\x1b" not in text and "\x07" not in text
