"""The first frame: drawn as a full restyle of every widget would have drawn it."""

from __future__ import annotations

import re

import pytest

from tui_chat.store import Conversation, ConversationStore, Message
from tui_chat.ui.app import ChatScreen

SIZE = (120, 40)


async def first_frame(app) -> str:
    """The first frame the app sends to the terminal, times of day blanked out."""
    frames: list[str] = []
    original = app._display

    def display(screen, renderable):
        if renderable is not None and not frames:
            frames.append(renderable.render_segments(app.console))
        return original(screen, renderable)

    app._display = display
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
    return re.sub(r"\d\d:\d\d", "HH:MM", frames[0])


@pytest.mark.parametrize("theme", ["tui-chat-dark", "tui-chat-light"])
async def test_first_frame_without_the_restyle_on_resume(fake_app, monkeypatch, theme):
    # As at a real start: the providers' lists are asked for after the first frame.
    paths = fake_app(settings=f'theme = "{theme}"', fetch_models=True).paths
    store = ConversationStore(paths)
    for title in ("one", "two"):
        store.save(Conversation(title=title, messages=[Message("user", "hi")]))
    store.list()
    skipped = await first_frame(fake_app(write=False, fetch_models=True))
    monkeypatch.setattr(ChatScreen, "_resumed_once", True)  # as Textual does: restyle all
    restyled = await first_frame(fake_app(write=False, fetch_models=True))
    # The prompt has the focus in the first frame: its cursor splits the placeholder's
    # styles, so the text is read without them.
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", skipped)
    assert "Type a message" in text and "two" in text
    assert skipped == restyled
