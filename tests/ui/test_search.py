"""F3: each result shows who wrote the message that matched and the words around the
match, marked; Enter opens the conversation with that message on screen."""

from __future__ import annotations

import contextlib
import sqlite3

from textual.widgets import OptionList

from tui_chat.store import Conversation, ConversationStore, Message, lazy
from tui_chat.ui.screens.dialogs import SearchConversations
from tui_chat.ui.widgets.sidebar import ConversationList

from .conftest import screen_text, wait_until

SIZE = (80, 24)


def save(app, title: str, texts: list[str], model: str = "echo") -> Conversation:
    conversation = Conversation(title=title, provider="local", model=model)
    for index, text in enumerate(texts):
        role = "user" if index % 2 == 0 else "assistant"
        conversation.messages.append(
            Message(role, text, provider="local" if role == "assistant" else "", model=model)
        )
    ConversationStore(app.paths).save(conversation)
    return conversation


def marked_on_screen(app) -> list[str]:
    """The runs of text the screen shows reversed: how a match is marked."""
    runs = []
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            if segment.style is not None and segment.style.reverse and segment.text.strip():
                runs.append(segment.text)
    return runs


async def search(pilot, app, words: str) -> None:
    await pilot.press("f3")
    await wait_until(pilot, lambda: isinstance(app.screen, SearchConversations))
    await pilot.press(*words)
    await wait_until(pilot, lambda: app.screen.query_text == words)


async def test_results_show_the_words_around_the_match(make_app, servers):
    app = make_app()
    # Four conversations alike in title and time: the snippets tell them apart.
    for topic in ("apples", "a Crème brûlée recipe", "trains", "weather"):
        save(app, "hi", ["hi", f"Something long before it, then about {topic} and more after."])
    save(app, "hi", ["tell me about CREME caramel", "sure"])
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, app, "creme")
        await wait_until(pilot, lambda: "2 conversations" in screen_text(app))
        text = screen_text(app)
        assert "2 conversations" in text
        assert "you: tell me about CREME caramel" in text
        # The text before the match is cut so that the match is in sight at 80 columns.
        assert "echo: …, then about a Crème brûlée recipe and more" in text
        assert "Crème" in marked_on_screen(app) and "CREME" in marked_on_screen(app)


async def test_enter_shows_the_matching_message_of_a_long_conversation(make_app, servers):
    app = make_app()
    texts = [f"message number {i}" for i in range(300)]
    texts[5] = "message number 5 holds the walrus"
    texts[200] = "message number 200 holds the narwhal"
    long = save(app, "long one", texts)
    save(app, "other", ["nothing", "here"])
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, app, "walrus")
        await wait_until(pilot, lambda: len(app.screen.results) == 1)
        # Message 5 is an answer: the model's name says who wrote it.
        await wait_until(
            pilot, lambda: "echo: message number 5 holds the walrus" in screen_text(app)
        )
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.conversation.id == long.id)
        await wait_until(pilot, lambda: "message number 5 holds the walrus" in screen_text(app))
        assert "message number 299" not in screen_text(app)
        # In the conversation already open, a match far from what is mounted.
        await search(pilot, app, "narwhal")
        await wait_until(pilot, lambda: len(app.screen.results) == 1)
        await pilot.press("enter")
        await wait_until(pilot, lambda: "message number 200 holds the narwhal" in screen_text(app))
        assert "walrus" not in screen_text(app)


async def test_a_title_match_opens_at_the_newest_message(make_app, servers):
    app = make_app()
    texts = [f"line {i}" for i in range(40)]
    save(app, "Zürich trip", texts)
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, app, "zurich")
        await wait_until(pilot, lambda: "Zürich" in marked_on_screen(app))
        assert "line 0" in screen_text(app)  # the start of its first message
        await pilot.press("enter")
        await wait_until(pilot, lambda: "line 39" in screen_text(app))


async def test_many_results_come_a_page_at_a_time(make_app, servers):
    app = make_app()
    store = ConversationStore(app.paths)
    count = SearchConversations.PAGE + 30
    for i in range(count):
        store.save(Conversation(title=f"talk {i}", messages=[Message("user", f"walrus {i}")]))
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, app, "walrus")
        await wait_until(pilot, lambda: f"{count} conversations" in screen_text(app))
        results = app.screen.query_one(OptionList)
        assert results.option_count == SearchConversations.PAGE
        # Newest first; moving down to the end of a page brings the next one.
        for _ in range(count // 5 + 1):
            await pilot.press("pagedown")
        await wait_until(pilot, lambda: results.option_count == count)
        assert results.highlighted == count - 1
        await pilot.press("enter")
        await wait_until(pilot, lambda: "walrus 0" in screen_text(app))
        assert app.conversation.messages[0].content == "walrus 0"


def indexed(paths) -> int:
    """Conversations in the search index (0 when it is not there yet)."""
    if not paths.search_index_file.exists():
        return 0
    with contextlib.closing(sqlite3.connect(paths.search_index_file)) as db:
        try:
            return db.execute("SELECT count(*) FROM convs").fetchone()[0]
        except sqlite3.Error:
            return 0


async def test_the_search_index_is_brought_up_to_date_after_start(make_app, servers, monkeypatch):
    monkeypatch.setattr(ConversationList, "INDEX_AFTER", 0.1)
    app = make_app()
    save(app, "one", ["a walrus"])
    save(app, "two", ["a seal"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: indexed(app.paths) == 2)
        # And when the search opens, for what was written since.
        save(app, "three", ["a narwhal"])
        await search(pilot, app, "narwhal")
        await wait_until(pilot, lambda: indexed(app.paths) == 3)
        assert "1 conversation " in screen_text(app)


async def test_a_huge_conversation_opens_at_the_match_and_reads_only_what_it_shows(
    make_app, servers, monkeypatch
):
    # As a 100,000-message conversation is opened (store/lazy.py), at a small scale.
    monkeypatch.setattr(lazy, "LAZY_BYTES", 2000)
    monkeypatch.setattr(lazy, "TAIL", 20)
    app = make_app()
    texts = [f"message number {i}" for i in range(400)]
    texts[150] = "message number 150 holds the walrus"
    huge = save(app, "huge one", texts)
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, app, "walrus")
        await wait_until(pilot, lambda: len(app.screen.results) == 1)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.conversation.id == huge.id)
        await wait_until(pilot, lambda: "message number 150 holds the walrus" in screen_text(app))
        unread = sum(lazy.unread_at(m) is not None for m in app.conversation.messages)
        assert 300 < unread < 380  # the messages around it were read, not the others
        app.chat.log_view.focus()
        await pilot.press("home")
        await wait_until(pilot, lambda: "message number 0" in screen_text(app))
        await pilot.press("end")
        await wait_until(pilot, lambda: "message number 399" in screen_text(app))
