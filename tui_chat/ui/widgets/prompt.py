"""The prompt: a text area that grows a few lines; Enter sends, ctrl+j adds a line."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.message import Message

from ...attachments import path_in_text
from ..actions import PROMPT, bindings
from ..inputs import TextEditor


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

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            id=id,
            soft_wrap=True,
            show_line_numbers=False,
            tab_behavior="focus",
            compact=True,
            placeholder="Type a message · Enter sends · ctrl+j new line",
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

    def action_submit(self) -> None:
        self.post_message(self.Submitted(self, self.text))

    def action_newline(self) -> None:
        self.insert("\n")
