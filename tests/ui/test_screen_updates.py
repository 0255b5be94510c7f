"""What the chat screen's frames redraw, and when (the effects are timings, printed by
bench/latency.py and bench/stream.py; here, the causes).

Its updates are not skipped after a long frame (see `ChatScreen.on_mount`): the setting
is in place on the screen the user types in, and Textual's timer loop still reads it (a
rename in Textual would leave it silently inert). An answer starting and ending redraws
what changed, not the whole screen."""

from __future__ import annotations

import inspect

from textual.timer import Timer

from tui_chat.ui.app import ChatScreen

from .conftest import screen_text, wait_until


async def test_the_chat_screen_updates_as_soon_as_due(fake_app):
    app = fake_app()
    async with app.run_test(size=(80, 24)):
        assert isinstance(app.screen, ChatScreen)
        assert app.screen._update_timer._skip is False
    assert "self._skip" in inspect.getsource(Timer._run)


async def test_an_answer_does_not_rewrite_the_whole_terminal(fake_app, fake):
    """`streaming` changes the keys and the status line only. As a reactive that repainted
    the app, the first and the last frame of every answer redrew every widget and wrote
    every cell of the terminal again (a full update: 9 kB of output for an empty chat at
    120x40, more with text, over SSH too), not only the cells that changed."""
    from textual._compositor import LayoutUpdate

    app = fake_app("gated")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: all(entry.state != "loading" for entry in app.catalog))
        await pilot.pause(0.2)
        updates: list[str] = []
        original = app._display

        def display(screen, update) -> None:
            original(screen, update)
            if update is not None:
                updates.append("full" if isinstance(update, LayoutUpdate) else "cells")

        app._display = display
        await pilot.press(*"hi", "enter")
        await wait_until(pilot, lambda: app.chat.streaming)
        await pilot.pause(0.1)
        fake.gate.set()
        await wait_until(pilot, lambda: not app.chat.streaming)
        await pilot.pause(0.2)
        assert "⏎ Send" in screen_text(app) and app.conversation.messages[-1].content
        assert "cells" in updates
        assert "full" not in updates, updates
