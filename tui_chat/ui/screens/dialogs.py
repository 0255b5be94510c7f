"""Small modal dialogs: ask for a line of text, confirm, search, conversation parameters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from ...store import ConversationStore, ConversationSummary
from ..inputs import TextEditor, TextInput
from ..safe import one_line, plain
from .pickers import move_highlight
from .settings.fields import check_max_tokens, check_temperature, parse_temperature


def hidden_error(id: str) -> Static:
    error = Static("", id=id, classes="field-error")
    error.display = False
    return error


def show_error(field: Static, text: str) -> None:
    """A message under a field; hidden when there is none."""
    field.update(plain(text))
    field.display = bool(text)


class TextPrompt(ModalScreen[str | None]):
    """One line of text; `check` returns an error sentence or "" when the text is fine."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    AUTO_FOCUS = "#text-value"

    def __init__(
        self, title: str, value: str = "", *, hint: str = "",
        check: Callable[[str], str] | None = None,
    ) -> None:  # fmt: skip
        super().__init__()
        self.title_text = title
        self.value = value
        self.hint = hint
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(self.title_text), classes="modal-title")
            yield TextInput(self.value, id="text-value")
            yield hidden_error("text-error")
            yield Label(plain(self.hint or "Enter accepts · Esc cancels"), classes="modal-hint")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        problem = self.check(event.value) if self.check else ""
        if problem:
            show_error(self.query_one("#text-error", Static), problem)
            return
        self.dismiss(event.value)


class Confirm(ModalScreen[bool]):
    """A yes/no question; the safe answer is the default."""

    BINDINGS = [
        Binding("escape,n", "dismiss(False)", "No"),
        Binding("y", "dismiss(True)", "Yes"),
    ]
    AUTO_FOCUS = "#confirm-no"

    def __init__(self, question: str, yes: str = "Yes") -> None:
        super().__init__()
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(plain(self.question), classes="confirm-question")
            with Horizontal(classes="buttons"):
                yield Button(self.yes, id="confirm-yes", variant="error")
                yield Button("Cancel", id="confirm-no")
            yield Label("y confirms · n or Esc cancels", classes="modal-hint")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")


class SearchConversations(ModalScreen[str | None]):
    """Search saved conversations by title and content; Enter opens the chosen one."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close"),
        # Not priority bindings: the field runs them in typing order (inputs.KeysInOrder).
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
    ]
    AUTO_FOCUS = "#search-input"

    def __init__(self, store: ConversationStore) -> None:
        super().__init__()
        self.store = store
        self.results: list[ConversationSummary] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog tall"):
            yield Label("Search conversations", classes="modal-title")
            yield TextInput(placeholder="Words from a title or a message", id="search-input")
            yield OptionList(id="search-results")
            yield Label("", id="search-status", classes="modal-hint")

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self.search(event.value)

    @work(thread=True, exclusive=True, group="search")
    def search(self, query: str) -> None:
        results = self.store.search(query) if query.strip() else []
        self.app.call_from_thread(self._show, query, results)

    def _show(self, query: str, results: list[ConversationSummary]) -> None:
        self.results = results
        options = []
        for summary in results:
            when = summary.updated.astimezone().strftime("%Y-%m-%d %H:%M")
            prompt = plain(one_line(summary.title or "Untitled", 70)).append(f"  {when}")
            options.append(Option(prompt))
        results_list = self.query_one(OptionList)
        results_list.set_options(options)
        if options:
            results_list.highlighted = 0
        count = len(results)
        status = (
            f"{count} conversation{'s' * (count != 1)} · Enter opens · Esc closes"
            if query.strip()
            else "Type to search · Esc closes"
        )
        self.query_one("#search-status", Label).update(status)

    def action_move(self, delta: int) -> None:
        move_highlight(self.query_one(OptionList), delta)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self._open(self.query_one(OptionList).highlighted)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._open(event.option_index)

    def _open(self, index: int | None) -> None:
        if index is not None and 0 <= index < len(self.results):
            self.dismiss(self.results[index].id)


@dataclass
class Parameters:
    system_prompt: str
    temperature: float | None
    max_tokens: int | None


class ParametersScreen(ModalScreen[Parameters | None]):
    """This conversation's system prompt, temperature and max tokens."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel"),
        # Run by the fields in typing order (inputs.KeysInOrder), after the text before it.
        Binding("ctrl+s", "save", "Save"),
    ]
    AUTO_FOCUS = "#param-system"

    def __init__(self, parameters: Parameters) -> None:
        super().__init__()
        self.parameters = parameters

    def compose(self) -> ComposeResult:
        p = self.parameters
        with Vertical(classes="dialog tall"):
            yield Label("Conversation parameters", classes="modal-title")
            yield Label("System prompt")
            yield TextEditor(p.system_prompt, id="param-system", soft_wrap=True, compact=True)
            yield Label("Temperature (0–2, empty: the provider's default)")
            yield TextInput("" if p.temperature is None else str(p.temperature), id="param-temp")
            yield hidden_error("param-temp-error")
            yield Label("Max tokens (empty: no limit)")
            yield TextInput("" if p.max_tokens is None else str(p.max_tokens), id="param-max")
            yield hidden_error("param-max-error")
            with Horizontal(classes="buttons"):
                yield Button("Save", id="param-save", variant="primary")
                yield Button("Cancel", id="param-cancel")
            yield Label("ctrl+s saves · Esc cancels · tab moves", classes="modal-hint")

    @on(Button.Pressed, "#param-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#param-save")
    def action_save(self) -> None:
        # The same checks as the settings screen's request defaults.
        temperature = self.query_one("#param-temp", Input).value
        max_tokens = self.query_one("#param-max", Input).value
        temp_error = check_temperature(temperature) or ""
        max_error = check_max_tokens(max_tokens) or ""
        show_error(self.query_one("#param-temp-error", Static), temp_error)
        show_error(self.query_one("#param-max-error", Static), max_error)
        if temp_error or max_error:
            self.query_one("#param-temp" if temp_error else "#param-max", Input).focus()
            return
        system = self.query_one("#param-system", TextArea).text
        limit = int(max_tokens) if max_tokens.strip() else None
        self.dismiss(Parameters(system, parse_temperature(temperature), limit))
