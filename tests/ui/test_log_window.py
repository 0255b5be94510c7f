"""Paging up through a long conversation: each time the reader reaches the top of the
mounted window, older messages are mounted above, until the first one."""

from __future__ import annotations

import asyncio

from tui_chat.ui.widgets.message_log import WINDOW

from .conftest import screen_text, wait_until
from .test_message_log import long_conversation


async def test_paging_up_loads_older_messages_down_to_the_first(fake_app):
    app = fake_app()
    async with app.run_test(size=(80, 24)) as pilot:
        conversation = long_conversation(app, 5 * WINDOW)
        await app.chat.open_conversation(conversation.id)
        log = app.chat.log_view
        await wait_until(pilot, lambda: log.max_scroll_y > 0 and log.start > 0)
        log.focus()
        starts = {log.start}
        # Keys as the terminal sends them, and no pilot.pause (which waits for every
        # widget to be idle): a window stuck loading shows here as a start that stops.
        for _ in range(200):
            if log.start == 0 and "old message 0" in screen_text(app):
                break
            app.simulate_key("pageup")
            await asyncio.sleep(0.03)
            starts.add(log.start)
        assert log.start == 0, sorted(starts)
        assert len(starts) >= 3  # several loads, not one
        assert "old message 0" in screen_text(app)
