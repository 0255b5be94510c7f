"""The conversation list: every conversation listed (rows drawn as they come into sight);
the first list from the index."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tui_chat.store import Conversation, ConversationStore, ConversationSummary, Message
from tui_chat.ui.widgets.sidebar import ConversationList

from .conftest import screen_text, wait_until

SIZE = (120, 40)


def summaries(count: int) -> list[ConversationSummary]:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    return [
        ConversationSummary(
            f"c{i:04d}",
            f"Conversation {i}",
            start,
            start + timedelta(hours=count - i),  # newest first
            "p",
            "m",
            2,
            Path(f"/nowhere/c{i:04d}.toml"),
        )
        for i in range(count)
    ]


def ids(listing: ConversationList) -> list[str | None]:
    return [listing.get_option_at_index(i).id for i in range(listing.option_count)]


@asynccontextmanager
async def shown_list(make_app) -> AsyncIterator[tuple[object, ConversationList]]:
    """A running app and its conversation list, after the first frame."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        # The app's own first listing (of an empty folder) done: it would replace the
        # lists the tests set.
        await wait_until(
            pilot, lambda: not [w for w in app.workers if w.group == "list" and not w.is_finished]
        )
        await pilot.pause()
        yield pilot, app.query_one(ConversationList)


def ids_newest_first(saved: list[str]) -> list[str]:
    """Saved one after the other, the last is the newest."""
    return saved[::-1]


async def test_every_conversation_is_listed_and_reachable(make_app, servers):
    """A decade of history: all of it listed at once (only the rows in sight are drawn),
    the cursor goes down to the oldest."""
    async with shown_list(make_app) as (pilot, listing):
        listing.set_summaries(summaries(20_000), None)
        assert listing.option_count == 20_000
        assert listing.highlighted == 0
        await pilot.pause()
        assert "Conversation 0" in screen_text(pilot.app)
        listing.focus()
        await pilot.press("end")
        await wait_until(pilot, lambda: "Conversation 19999" in screen_text(pilot.app))
        assert listing.highlighted == 19_999
        await pilot.press("up", "up")
        assert listing.highlighted == 19_997
        assert listing.get_option_at_index(19_997).id == "c19997"


async def test_page_down_stops_on_the_last_conversation(make_app, servers, monkeypatch):
    # No look at the (new, empty) folder replacing the list while the keys are pressed.
    monkeypatch.setattr(ConversationList, "CHECK_EVERY", 3600.0)
    async with shown_list(make_app) as (pilot, listing):
        listing.set_summaries(summaries(200), None)
        listing.focus()
        for _ in range(40):
            await pilot.press("pagedown")
        assert listing.highlighted == 199
        await pilot.press("pagedown", "pageup")
        assert 0 < listing.highlighted < 199
        await pilot.press("home")
        assert listing.highlighted == 0


async def test_a_long_title_takes_two_lines(make_app, servers):
    async with shown_list(make_app) as (pilot, listing):
        long = summaries(3)
        title = "A title long enough to need a second line " + "and more words " * 5
        long[1] = long[1]._replace(title=title)  # a summary is a named tuple
        listing.set_summaries(long, None)
        await pilot.pause()
        text = screen_text(pilot.app)
        assert "A title long enough to" in text and "…" in text
        assert "Conversation 2" in text  # the rows after it in their places


async def test_a_newer_list_replaces_one_still_being_added(make_app, servers):
    async with shown_list(make_app) as (pilot, listing):
        listing.set_summaries(summaries(200), None)
        listing.set_summaries(summaries(60), "c0050")
        assert listing.highlighted == 50  # laid out at once, though below the first screenful
        await pilot.pause(0.2)
        assert ids(listing) == [f"c{i:04d}" for i in range(60)]
        assert listing.highlighted == 50


async def test_the_current_conversation_far_down_is_shown(make_app, servers):
    async with shown_list(make_app) as (pilot, listing):
        listing.set_summaries(summaries(2000), "c1800")
        assert listing.highlighted == 1800
        await pilot.pause()
        assert "Conversation 1800" in screen_text(pilot.app)


# --- the first list, from the index -----------------------------------------------------


async def test_total_gives_the_older_row(make_app, servers):
    async with shown_list(make_app) as (pilot, listing):
        listing.set_summaries(summaries(10), None, total=500)
        await wait_until(pilot, lambda: listing.option_count == 11)
        assert "490 older conversations" in str(listing.get_option_at_index(10).prompt)


def saved_conversations(paths, titles: list[str]) -> list[str]:
    store = ConversationStore(paths)
    ids = []
    for title in titles:
        conversation = Conversation(title=title, messages=[Message("user", "hi")])
        store.save(conversation)
        ids.append(conversation.id)
    store.list()  # writes the index, as a previous session does
    return ids


async def test_first_list_comes_from_the_index_then_the_files_are_checked(make_app, servers):
    paths = make_app().paths
    saved = saved_conversations(paths, ["one", "two", "three"])
    ConversationStore(paths).path_for(saved[0]).unlink()  # since the index was written
    app = make_app(write=False)
    checked = threading.Event()
    list_files = app.store.list

    def held_list():
        checked.wait(10)
        return list_files()

    app.store.list = held_list  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        listing = app.query_one(ConversationList)
        # On mount, from the index: all three, though one file is gone.
        assert ids(listing) == ids_newest_first(saved)
        checked.set()
        await wait_until(pilot, lambda: ids(listing) == ids_newest_first(saved[1:]))


async def test_without_an_index_the_first_list_comes_from_the_files(make_app, servers):
    paths = make_app().paths
    saved = saved_conversations(paths, ["one", "two"])
    ConversationStore(paths).index_file.unlink()
    app = make_app(write=False)
    async with app.run_test(size=SIZE) as pilot:
        listing = app.query_one(ConversationList)
        await wait_until(pilot, lambda: ids(listing) == ids_newest_first(saved))
