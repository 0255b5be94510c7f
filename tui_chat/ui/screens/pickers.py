"""Modal screens: help, the model picker and the copy picker."""

from __future__ import annotations

import re
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.fuzzy import Matcher
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from ...catalog import ModelChoice
from ..inputs import TextInput
from ..safe import one_line, plain


def move_highlight(option_list: OptionList, delta: int) -> None:
    """Move a list's highlight while the focus stays in the field typed into above it."""
    if option_list.option_count:
        current = option_list.highlighted or 0
        option_list.highlighted = max(0, min(option_list.option_count - 1, current + delta))


@dataclass(frozen=True)
class ModelCandidate:
    choice: ModelChoice
    label: str  # what is matched and shown
    detail: str = ""


class ModelPicker(ModalScreen[ModelChoice | None]):
    """A fuzzy finder over every provider/model pair."""

    AUTO_FOCUS = "#picker-input"

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close"),
        # Not priority bindings: run by the field in typing order (inputs.KeysInOrder),
        # after the filter text typed before them.
        Binding("down", "move(1)", "Down", show=False),
        Binding("up", "move(-1)", "Up", show=False),
        Binding("pagedown", "move(10)", show=False),
        Binding("pageup", "move(-10)", show=False),
    ]

    def __init__(self, candidates: list[ModelCandidate], note: str = "") -> None:
        super().__init__()
        self.candidates = candidates
        self.note = note
        self.shown: list[ModelCandidate] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box"):
            yield Label("Switch model", classes="modal-title")
            yield TextInput(placeholder="Type to filter: provider, model…", id="picker-input")
            yield OptionList(id="picker-list")
            yield Label(
                plain(self.note or "Enter chooses · Esc closes · ↑↓ move"), classes="modal-hint"
            )

    def on_mount(self) -> None:
        self.filter("")
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.filter(event.value)

    def filter(self, query: str) -> None:
        if query.strip():
            matcher = Matcher(query)
            scored = [(matcher.match(c.label), c) for c in self.candidates]
            self.shown = [c for score, c in sorted(scored, key=lambda p: -p[0]) if score > 0]
        else:
            self.shown = list(self.candidates)
        options = []
        for candidate in self.shown[:500]:
            prompt = plain(one_line(candidate.label, 90))
            if candidate.detail:
                prompt = prompt.append(Content.styled(f"  {one_line(candidate.detail, 40)}", "dim"))
            options.append(Option(prompt))
        option_list = self.query_one(OptionList)
        option_list.set_options(options)
        if options:
            option_list.highlighted = 0

    def action_move(self, delta: int) -> None:
        move_highlight(self.query_one(OptionList), delta)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._choose(self.query_one(OptionList).highlighted)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option_index)

    def _choose(self, index: int | None) -> None:
        if index is not None and 0 <= index < len(self.shown):
            self.dismiss(self.shown[index].choice)


_CODE = re.compile(r"^ {0,3}(`{3,}|~{3,})([^\n]*)\n(.*?)^ {0,3}\1[ \t]*$", re.M | re.S)


def code_blocks(markdown_text: str) -> list[tuple[str, str]]:
    """(language, code) for each fenced code block in Markdown text."""
    return [(m.group(2).strip(), m.group(3)) for m in _CODE.finditer(markdown_text)]


class CopyPicker(ModalScreen[str | None]):
    """Choose what to copy: the last answer, or one of the code blocks."""

    AUTO_FOCUS = "#copy-list"

    BINDINGS = [Binding("escape", "dismiss(None)", "Close")]

    def __init__(self, items: list[tuple[str, str]]) -> None:
        super().__init__()
        self.items = items  # (label, text)

    def compose(self) -> ComposeResult:
        with Vertical(id="copy-box"):
            yield Label("Copy to clipboard", classes="modal-title")
            yield OptionList(
                *[Option(plain(one_line(label, 100))) for label, _ in self.items], id="copy-list"
            )
            yield Label("Enter copies · Esc closes", classes="modal-hint")

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        option_list.highlighted = 0
        option_list.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.items[event.option_index][1])
