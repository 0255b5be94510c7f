"""The chat screen's updates are not skipped after a long frame (see `ChatScreen.on_mount`).

The effect is a latency (bench/latency.py prints it); here, that the setting is in place
on the screen the user types in, and that Textual's timer loop still reads it: a rename
in Textual would leave it silently inert."""

from __future__ import annotations

import inspect

from textual.timer import Timer

from tui_chat.ui.app import ChatScreen


async def test_the_chat_screen_updates_as_soon_as_due(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)):
        assert isinstance(app.screen, ChatScreen)
        assert app.screen._update_timer._skip is False
    assert "self._skip" in inspect.getsource(Timer._run)
