"""The prompt: a text area that grows a few lines; Enter sends, ctrl+j adds a line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import events
from textual.binding import Binding
from textual.message import Message

from ..attachments import path_in_text
from .inputs import TextEditor


class PromptArea(TextEditor):
    BINDINGS = [
        # Not a priority binding, although TextArea inserts a newline for Enter: the
        # binding runs in this widget's queue, before TextArea's handler, in typing order
        # (see inputs.KeysInOrder). As a priority binding it ran from the app's queue
        # ahead of characters still queued here: a burst of text and Enter, as SSH
        # delivers it, sent part of the text and left the rest behind.
        Binding("enter", "submit", "Send", id="prompt.send"),
        # ctrl+j is a newline every terminal can send; shift+enter only where reported.
        Binding("ctrl+j,shift+enter", "newline", "Newline", id="prompt.newline", show=False),
    ]

    @dataclass
    class Submitted(Message):
        prompt: PromptArea
        text: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            id=id,
            soft_wrap=True,
            show_line_numbers=False,
            tab_behavior="focus",
            compact=True,
            placeholder="Type a message · Enter sends · ctrl+j new line",
        )

    @dataclass
    class PathPasted(Message):
        """A paste that names an existing file: the app offers to attach it."""

        path: Path

    def on_paste(self, event: events.Paste) -> None:
        # TextArea's own handler inserts the text (Textual calls the handler of every
        # class in the MRO); this one only looks at it.
        path = path_in_text(event.text) if len(event.text) < 4096 else None
        if path is not None:
            self.post_message(self.PathPasted(path))

    def action_submit(self) -> None:
        self.post_message(self.Submitted(self, self.text))

    def action_newline(self) -> None:
        self.insert("\n")
