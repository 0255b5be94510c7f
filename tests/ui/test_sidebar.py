"""The conversation list: the first screenful at once, the rest after the next frame; the
list read before the app starts."""

from __future__ import annotations

from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tui_chat.store import ConversationSummary
from tui_chat.ui import app as app_module
from tui_chat.ui.sidebar import ConversationList

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


async def test_first_screenful_then_the_rest(make_app, servers):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        listing = app.query_one(ConversationList)
        listing.set_summaries(summaries(200), None)
        assert listing.option_count == SIZE[1] // 2 + 1  # more than fit on the screen
        assert listing.highlighted == 0
        await wait_until(pilot, lambda: listing.option_count == ConversationList.LIMIT + 1)
        assert ids(listing)[:-1] == [f"c{i:04d}" for i in range(ConversationList.LIMIT)]
        older = listing.get_option_at_index(ConversationList.LIMIT)
        assert older.disabled and "50 older conversations" in str(older.prompt)


async def test_a_newer_list_replaces_one_still_being_added(make_app, servers):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        listing = app.query_one(ConversationList)
        listing.set_summaries(summaries(200), None)
        listing.set_summaries(summaries(60), "c0050")
        assert listing.highlighted == 50  # laid out at once, though below the first screenful
        await pilot.pause(0.2)
        assert ids(listing) == [f"c{i:04d}" for i in range(60)]
        assert listing.highlighted == 50


async def test_current_conversation_older_than_the_limit_is_listed(make_app, servers):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        listing = app.query_one(ConversationList)
        listing.set_summaries(summaries(200), "c0180")
        await wait_until(pilot, lambda: listing.option_count == ConversationList.LIMIT + 2)
        assert ids(listing)[ConversationList.LIMIT] == "c0180"
        assert listing.highlighted == ConversationList.LIMIT


# --- the list read before the app starts (cli.run_app) ---------------------------------


def started_app(make_app, listing):
    from tui_chat.ui.app import ChatApp

    paths = make_app().paths
    return ChatApp.from_paths(paths, environ={}, fetch_models=False, listing=listing)


async def test_list_read_before_the_app_is_shown_on_mount(make_app, servers):
    listing = Future()
    listing.set_result((summaries(30), []))
    app = started_app(make_app, listing)
    async with app.run_test(size=SIZE) as pilot:
        # Shown on mount (so in the first frame), not by a worker.
        assert app.query_one(ConversationList).option_count > 0
        assert not [worker for worker in app.workers if worker.group == "list"]
        await wait_until(pilot, lambda: app.query_one(ConversationList).option_count == 30)


async def test_list_not_ready_on_mount_is_shown_when_it_is(make_app, servers, monkeypatch):
    monkeypatch.setattr(app_module, "LIST_WAIT", 0.01)
    listing = Future()
    app = started_app(make_app, listing)
    async with app.run_test(size=SIZE) as pilot:
        listing_widget = app.query_one(ConversationList)
        assert listing_widget.option_count == 0
        listing.set_result((summaries(3), []))
        await wait_until(pilot, lambda: listing_widget.option_count == 3)


async def test_list_that_failed_before_the_app_is_reported(make_app, servers):
    from tui_chat.store import StoreError

    listing = Future()
    listing.set_exception(StoreError("Could not list /x: test.", Path("/x")))
    app = started_app(make_app, listing)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(pilot, lambda: "Could not list /x" in screen_text(app))


def test_cli_lists_in_a_thread():
    from tui_chat.cli import _list_in_background
    from tui_chat.store import StoreError

    class Store:
        def __init__(self, error: Exception | None = None) -> None:
            self.error = error

        def list(self):
            if self.error:
                raise self.error
            return [], ["a problem"]

    assert _list_in_background(Store()).result(timeout=10) == ([], ["a problem"])
    failing = _list_in_background(Store(StoreError("no", Path("/x"))))
    assert isinstance(failing.exception(timeout=10), StoreError)
