"""Modal screens: the model picker and the copy picker."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content, Span
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from ...catalog import Catalog
from ...matching import Haystack, Match, rank, words_of
from ...model_choice import ModelChoice
from ...model_rows import listed as listed_models
from ..inputs import TextInput
from ..safe import one_line, plain


def move_highlight(option_list: OptionList, delta: int) -> None:
    """Move a list's highlight while the focus stays in the field typed into above it."""
    if option_list.option_count:
        current = option_list.highlighted or 0
        option_list.highlighted = max(0, min(option_list.option_count - 1, current + delta))


#: Between a candidate's fields: "g4f › PollinationsAI › gpt-4o".
SEPARATOR = " › "
#: Matched characters, as the command palette shows them.
MATCH_STYLE = "bold underline"
#: Rows put in the list at most: more than a screen's worth is only scrolled past.
MAX_ROWS = 300


@dataclass(frozen=True)
class ModelCandidate:
    choice: ModelChoice
    #: What is shown (joined by SEPARATOR) and matched: provider, backend provider, model.
    fields: tuple[str, ...]
    detail: str = ""
    #: Place in the recent models (0 = latest), None when not recent.
    recent: int | None = None

    @property
    def label(self) -> str:
        return SEPARATOR.join(self.fields)


def shown_fields(catalog: Catalog, choice: ModelChoice) -> tuple[str, ...]:
    """A choice as the picker shows it: each field on one line, control characters
    visible, so that match positions are positions in what is shown."""
    entry = catalog.get(choice.provider)
    via = entry.via_for(choice) if entry is not None else choice.via
    parts = (choice.provider, via, choice.model or "default model")
    return tuple(one_line(part) for part in parts if part)


def model_candidates(catalog: Catalog, recent_keys: Iterable[str]) -> list[ModelCandidate]:
    """Every listed model (settings order), then recent models no list has now."""
    recent = {choice.key(): index for index, choice in enumerate(catalog.recent(recent_keys))}
    rows = [(listed.choice, listed.detail) for listed in listed_models(catalog)]
    listed_keys = {choice.key() for choice, _ in rows}
    rows += [
        (choice, "") for choice in catalog.recent(recent_keys) if choice.key() not in listed_keys
    ]
    candidates: list[ModelCandidate] = []
    seen: set[str] = set()
    for choice, detail in rows:
        key = choice.key()
        if key in seen:
            continue
        seen.add(key)
        rank = recent.get(key)
        details = (["recent"] if rank is not None else []) + ([detail] if detail else [])
        candidates.append(
            ModelCandidate(choice, shown_fields(catalog, choice), " · ".join(details), rank)
        )
    return candidates


def highlighted(candidate: ModelCandidate, haystack: Haystack, matched: Match | None) -> Content:
    """The candidate's label with its matched characters styled (spans, never markup)."""
    label = candidate.label
    spans: list[Span] = []
    if matched is not None:
        for offset in matched.joined(haystack, SEPARATOR):
            if spans and spans[-1].end == offset:
                spans[-1] = Span(spans[-1].start, offset + 1, MATCH_STYLE)
            else:
                spans.append(Span(offset, offset + 1, MATCH_STYLE))
    content = Content(label, spans)
    if len(label) > 90:
        content = content.truncate(90, ellipsis=True)
    if candidate.detail:
        content = content.append(Content.styled(f"  {one_line(candidate.detail, 40)}", "dim"))
    return content


def offer(choice: ModelChoice) -> Content:
    """A row for a model no list has: "use NAME with PROVIDER"."""
    where = choice.answerer()
    return Content.assemble(
        "use ",
        (one_line(choice.model, 60), "bold"),
        " with ",
        one_line(where, 60),
        ("  not in its list: the server decides", "dim"),
    )


class PickerInput(TextInput):
    """The picker's filter field: arrows and page keys move the list's highlight.

    Its own bindings, because the field's (Input's scroll bindings for the same keys)
    come first and, run in typing order by `KeysInOrder`, would hide the screen's."""

    BINDINGS = [
        Binding("down", "screen.move(1)", "Down", show=False),
        Binding("up", "screen.move(-1)", "Up", show=False),
        Binding("pagedown", "screen.move(10)", show=False),
        Binding("pageup", "screen.move(-10)", show=False),
    ]


class ModelPicker(ModalScreen[ModelChoice | None]):
    """A fuzzy finder over every provider/model pair: typed words match in any order,
    and a name no list has can still be used with a provider that takes it."""

    AUTO_FOCUS = "#picker-input"

    # The arrows are the field's (PickerInput): not priority bindings, run by the field in
    # typing order (inputs.KeysInOrder), after the filter text typed before them.
    BINDINGS = [Binding("escape", "dismiss(None)", "Close")]

    def __init__(
        self,
        candidates: list[ModelCandidate],
        note: str = "",
        unlisted: Callable[[list[str]], list[ModelChoice]] | None = None,
    ) -> None:
        """`unlisted(words)` gives the choices for a typed name that no list has."""
        super().__init__()
        self.candidates = candidates
        self.haystacks = [Haystack.of(candidate.fields) for candidate in candidates]
        self.note = note
        self.unlisted = unlisted
        #: The choice of each row of the list, in order (None: a row that says something).
        self.shown: list[ModelChoice | None] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box"):
            yield Label("Switch model", classes="modal-title")
            yield PickerInput(placeholder="Type to filter: provider, model…", id="picker-input")
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
        recency = [candidate.recent for candidate in self.candidates]
        found = rank(words_of(query), self.haystacks, recency)
        rows = found[:MAX_ROWS]
        options = [
            Option(highlighted(self.candidates[index], self.haystacks[index], matched))
            for index, matched in rows
        ]
        shown: list[ModelChoice | None] = [self.candidates[index].choice for index, _ in rows]
        if len(found) > len(rows):
            more = f"… and {len(found) - len(rows)} more: type to narrow the list"
            options.append(Option(Content.styled(more, "dim"), disabled=True))
            shown.append(None)
        offers = self.unlisted(query.split()) if self.unlisted and query.strip() else []
        options += [Option(offer(choice)) for choice in offers]
        shown += offers
        if not options and query.strip():
            options.append(Option(Content("Nothing matches."), disabled=True))
            shown.append(None)
        self.shown = shown
        option_list = self.query_one(OptionList)
        option_list.set_options(options)
        if shown and shown[0] is not None:
            option_list.highlighted = 0

    def action_move(self, delta: int) -> None:
        option_list = self.query_one(OptionList)
        move_highlight(option_list, delta)
        index = option_list.highlighted
        if index is not None and index < len(self.shown) and self.shown[index] is None:
            # A row that only says something ("… and 80 more"): on past it if there is more.
            move_highlight(option_list, 1 if delta > 0 else -1)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._choose(self.query_one(OptionList).highlighted)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option_index)

    def _choose(self, index: int | None) -> None:
        if index is not None and 0 <= index < len(self.shown):
            choice = self.shown[index]
            if choice is not None:
                self.dismiss(choice)


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
