"""The first frame: drawn as a full restyle of every widget would have drawn it."""

from __future__ import annotations

import re

import pytest

from tui_chat.store import Conversation, ConversationStore, Message
from tui_chat.ui.app import ChatApp, ChatScreen
from tui_chat.ui.screens import DIALOGS_CSS
from tui_chat.ui.screens.dialogs import Confirm

from .conftest import wait_until

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


class _DialogAtOnce(ChatApp):
    """Opens a dialog as it starts, before its first complete frame (a key typed at once)."""

    # A relative CSS_PATH is found beside the class's module: this one is elsewhere.
    CSS_PATH = [DIALOGS_CSS.parent / path for path in ChatApp.CSS_PATH]
    css_before = True

    def on_mount(self) -> None:
        super().on_mount()
        self.css_before = self.stylesheet.has_source(str(DIALOGS_CSS))
        self.push_screen(Confirm("Delete it?"))


async def dialog_box(app: ChatApp) -> tuple[object, ...]:
    """Where the dialog's box is and how it is drawn, with the dialog open."""
    async with app.run_test(size=SIZE) as pilot:
        if not isinstance(app, _DialogAtOnce):
            await wait_until(pilot, lambda: app.stylesheet.has_source(str(DIALOGS_CSS)))
            app.push_screen(Confirm("Delete it?"))
        await wait_until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.pause(0.1)
        box = app.screen.query_one(".dialog")
        return box.region, box.styles.border_top, app.screen.styles.align


async def test_a_dialog_before_the_first_complete_frame_looks_as_one_after_it(make_app):
    # What the dialogs share is parsed after the chat screen's first complete frame, or
    # as a screen is pushed over it if that comes first.
    paths = make_app().paths
    at_once = _DialogAtOnce.from_paths(paths, environ={})
    early = await dialog_box(at_once)
    assert not at_once.css_before
    assert early[1][0] == "round"
    assert early == await dialog_box(ChatApp.from_paths(paths, environ={}))
