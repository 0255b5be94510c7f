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
        # As in fzf: Tab marks several, to ask them all at once.
        Binding("tab", "screen.mark", "Mark", show=False),
    ]


#: Models asked at once at most (comparing.py: a key each, alt+1 … alt+4).
MAX_MARKED = 4


class ModelPicker(ModalScreen[ModelChoice | list[ModelChoice] | None]):
    """A fuzzy finder over every provider/model pair: typed words match in any order,
    and a name no list has can still be used with a provider that takes it."""

    AUTO_FOCUS = "#picker-input"

    # The arrows are the field's (PickerInput): not priority bindings, run by the field in
    # typing order (key_order.KeysInOrder), after the filter text typed before them.
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
        #: Models marked with Tab, in the order marked: Enter asks them all at once.
        self.marked: list[ModelChoice] = []
        self._filtered: str | None = None  # the query the list shows

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box"):
            yield Label("Switch model", classes="modal-title")
            yield PickerInput(placeholder="Type to filter: provider, model…", id="picker-input")
            yield OptionList(id="picker-list")
            yield Label(plain(self._hint()), classes="modal-hint", id="picker-hint")

    def _hint(self) -> str:
        if self.marked:
            names = ", ".join(choice.describe() for choice in self.marked)
            return f"Marked {len(self.marked)}/{MAX_MARKED}: {names} · Enter asks them all at once"
        if self.note:
            return f"{self.note} · Tab marks several to compare"
        return "Enter chooses · Tab marks several to compare · Esc closes · ↑↓ move"

    def on_mount(self) -> None:
        self.filter("")
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.filter(event.value)

    def _filter_typed(self) -> None:
        """Filter by what the field holds now: a key bound here runs as soon as it comes,
        before the Changed messages of the characters typed just before it (a burst over
        SSH: "echo" and Tab at once must mark echo, not the row highlighted before)."""
        value = self.query_one(Input).value
        if value != self._filtered:
            self.filter(value)

    def filter(self, query: str) -> None:
        self._filtered = query
        recency = [candidate.recent for candidate in self.candidates]
        found = rank(words_of(query), self.haystacks, recency)
        rows = found[:MAX_ROWS]
        options = [
            Option(self._mark(self.candidates[index].choice, highlighted(
                self.candidates[index], self.haystacks[index], matched
            )))
            for index, matched in rows
        ]  # fmt: skip
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
        self._filter_typed()
        option_list = self.query_one(OptionList)
        move_highlight(option_list, delta)
        index = option_list.highlighted
        if index is not None and index < len(self.shown) and self.shown[index] is None:
            # A row that only says something ("… and 80 more"): on past it if there is more.
            move_highlight(option_list, 1 if delta > 0 else -1)

    def _mark(self, choice: ModelChoice, row: Content) -> Content:
        """The row with its number among the marked, if it is marked."""
        keys = [marked.key() for marked in self.marked]
        if choice.key() in keys:
            return Content.assemble((f"[{keys.index(choice.key()) + 1}] ", "bold"), row)
        return row

    def action_mark(self) -> None:
        """Tab: mark the highlighted model (or unmark it) to ask several at once."""
        self._filter_typed()
        option_list = self.query_one(OptionList)
        index = option_list.highlighted
        choice = self.shown[index] if index is not None and index < len(self.shown) else None
        if choice is None:
            return
        keys = [marked.key() for marked in self.marked]
        if choice.key() in keys:
            del self.marked[keys.index(choice.key())]
        elif len(self.marked) >= MAX_MARKED:
            self.notify(f"At most {MAX_MARKED} models can be asked at once.", markup=False)
            return
        else:
            self.marked.append(choice)
        self.query_one("#picker-hint", Label).update(plain(self._hint()))
        self.filter(self.query_one(Input).value)
        option_list.highlighted = index

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._filter_typed()
        self._choose(self.query_one(OptionList).highlighted)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option_index)

    def _choose(self, index: int | None) -> None:
        if len(self.marked) > 1:
            self.dismiss(list(self.marked))
            return
        if self.marked:
            self.dismiss(self.marked[0])
            return
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
