"""The prompt: a text area that grows a few lines; Enter sends, ctrl+j adds a line.

Imported and mounted right after the first frame, which shows a stand-in drawn as the
empty prompt is (prompt_stand_in.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from textual import events
from textual.message import Message

from ...attachments import path_in_text
from ..actions import PROMPT, bindings
from ..inputs import TextEditor
from ..key_order import HOLD_AT_MOST
from .prompt_stand_in import PLACEHOLDER


class PromptArea(TextEditor):
    # Enter sends, ctrl+j adds a line: actions.ACTIONS (with why Enter is not a priority
    # binding).
    BINDINGS = bindings(PROMPT)

    # The messages have __init__s of their own rather than being dataclasses: creating a
    # dataclass costs ~2 M instructions of start-up (its methods are compiled from text).
    class Submitted(Message):
        def __init__(self, prompt: PromptArea, text: str) -> None:
            super().__init__()
            self.prompt = prompt
            self.text = text
            #: Set by the screen once the prompt holds what it will (cleared when sent).
            self.handled = asyncio.Event()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            id=id,
            soft_wrap=True,
            show_line_numbers=False,
            tab_behavior="focus",
            compact=True,
            placeholder=PLACEHOLDER,
        )

    class PathPasted(Message):
        """A paste that names an existing file: the app offers to attach it."""

        def __init__(self, path: Path) -> None:
            super().__init__()
            self.path = path

    def on_paste(self, event: events.Paste) -> None:
        # TextArea's own handler inserts the text (Textual calls the handler of every
        # class in the MRO); this one only looks at it.
        path = path_in_text(event.text) if len(event.text) < 4096 else None
        if path is not None:
            self.post_message(self.PathPasted(path))

    class ScrollLog(Message):
        """PageUp/PageDown, ctrl+Home/ctrl+End in the prompt: move the conversation."""

        def __init__(self, where: str) -> None:
            super().__init__()
            self.where = where  # "page_up", "page_down", "top" or "bottom"

    def action_scroll_log(self, where: str) -> None:
        self.post_message(self.ScrollLog(where))

    async def action_submit(self) -> None:
        # Returns once the screen acted on it: the keys typed after Enter are held until
        # then (key_order.KeyGate), or they could land in the prompt before the screen,
        # sending, cleared it, and go with what was sent. Posted to the screen itself: a
        # message bubbles up from this prompt's own queue, busy with this key until then.
        message = self.Submitted(self, self.text)
        self.screen.post_message(message)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(message.handled.wait(), HOLD_AT_MOST)

    def action_newline(self) -> None:
        self.insert("\n")
