"""Small modal dialogs: ask for a line of text, confirm, search, conversation parameters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from ...store import ConversationStore
from ...store.search import SearchHit, Snippet
from ..inputs import TextEditor, TextInput
from ..safe import one_line, plain, visible
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


@dataclass(frozen=True)
class Found:
    """A search result chosen: the conversation, and the message to show (None: the
    title matched, the conversation opens as usual)."""

    conversation_id: str
    message_id: str | None


#: How a match is marked in a result: readable in every theme, on the cursor too.
MATCH_STYLE = "reverse"


def who_wrote(role: str, provider: str, model: str) -> str:
    """Who a message is from, as a search result names it."""
    if role == "user":
        return "you"
    if role == "system":
        return "system"
    return one_line(model or provider or "assistant", 30)


def marked(text: str, span: tuple[int, int] | None) -> Content:
    """`text` on one line, the characters in `span` marked as a match."""
    if span is None or span[0] >= span[1]:
        return Content(one_line(text, len(text) + 1))
    start, end = span
    return _joined(text[:start], text[start:end], text[end:])


def _flat(text: str) -> str:
    # One line, control characters shown as symbols (safe.visible); each part on its
    # own, so the match stays where it was.
    return visible(text).replace("\n", " ").replace("\t", " ")


def _joined(before: str, match: str, after: str) -> Content:
    return Content.assemble(_flat(before), (_flat(match), MATCH_STYLE), _flat(after))


def snippet_line(snippet: Snippet, width: int, prefix: str = "") -> Content:
    """A snippet in `width` cells: the text before the match cut (to a third of the width
    when the rest needs the room) so that the match is always in sight; the end cut with
    "…"."""
    before, match, after = _flat(snippet.before), _flat(snippet.match), _flat(snippet.after)
    rest = width - cell_len(prefix) - cell_len(match) - cell_len(after)
    room = max(8, (width - cell_len(prefix)) // 3, rest) if match else 0
    if cell_len(before) > room:
        before = "…" + _last_cells(before.lstrip("…"), room - 1)
    line = Content.assemble((prefix, "dim"), before, (match, MATCH_STYLE), after)
    return line.truncate(width, ellipsis=True)


def _last_cells(text: str, cells: int) -> str:
    """The end of `text` that fits in `cells` cells."""
    taken = 0
    for index in range(len(text) - 1, -1, -1):
        taken += cell_len(text[index])
        if taken > cells:
            return text[index + 1 :]
    return text


def short_when(moment: datetime) -> str:
    """A date and time in few columns: the year only when it is not this one."""
    local = moment.astimezone()
    same_year = local.year == datetime.now().astimezone().year
    return local.strftime("%b %d %H:%M" if same_year else "%Y-%m-%d %H:%M")


def result_prompt(hit: SearchHit, width: int) -> Content:
    """Two lines: the title (the match marked), date and size; then who wrote the first
    message that matched and the words around the match."""
    summary = hit.summary
    count = summary.message_count
    tail = f"  {short_when(summary.updated)} · {count} msg{'s' * (count != 1)}"
    title = marked(summary.title or "Untitled", hit.title_match if summary.title else None)
    title = title.truncate(max(10, width - len(tail)), ellipsis=True)
    first = Content.assemble(title, (tail, "dim"))
    if hit.message is not None:
        m = hit.message
        second = snippet_line(m.snippet, width, f"  {who_wrote(m.role, m.provider, m.model)}: ")
    elif hit.preview is not None:
        second = Content.assemble(("  ", ""), (_flat(hit.preview.text), "dim"))
        second = second.truncate(width, ellipsis=True)
    else:
        second = Content.styled("  (its messages could not be read)", "dim")
    return Content("\n").join([first, second])


class SearchConversations(ModalScreen[Found | None]):
    """Search saved conversations by title and content; Enter opens the chosen one at the
    message that matched.

    Results come as they are found (the store's search index names the candidates, each
    checked in its file), newest first; the list holds a page of them at a time and takes
    the next as the cursor or the scroll nears its end (an OptionList works out every
    option's height as it gets it: thousands at once would stall the screen)."""

    #: Results put in the list at a time.
    PAGE = 100

    DEFAULT_CSS = """
    SearchConversations #search-results {
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close"),
        # Not priority bindings: the field runs them in typing order (key_order.KeysInOrder).
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
        Binding("pagedown", "move(5)", show=False),
        Binding("pageup", "move(-5)", show=False),
    ]
    AUTO_FOCUS = "#search-input"

    def __init__(self, store: ConversationStore) -> None:
        super().__init__()
        self.store = store
        self.results: list[SearchHit] = []
        #: The query whose results (all, or those found so far) the list shows.
        self.query_text = ""
        #: Whether a search is still looking for the query typed.
        self.searching = False
        self._typed = ""
        self._shown = 0  # results put in the list

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog tall"):
            yield Label("Search conversations", classes="modal-title")
            yield TextInput(placeholder="Words from a title or a message", id="search-input")
            yield OptionList(id="search-results")
            yield Label("", id="search-status", classes="modal-hint")

    def on_mount(self) -> None:
        # The index brought up to date while the first words are typed (usually a few
        # conversations written since it last was: a fraction of a second).
        store = self.store

        def update() -> None:
            worker = get_current_worker()
            store.update_search_index(lambda: worker.is_cancelled)

        self.run_worker(update, thread=True, group="search-index", exit_on_error=False)
        results_list = self.query_one(OptionList)
        self.watch(results_list, "scroll_y", self._scrolled, init=False)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self._typed = event.value
        self.searching = bool(event.value.strip())
        self.search(event.value)

    @work(thread=True, exclusive=True, group="search")
    def search(self, query: str) -> None:
        worker = get_current_worker()

        def partial(results: list[SearchHit]) -> None:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._show, query, results, False)

        def stop() -> bool:
            return worker.is_cancelled

        results = self.store.find(query, stop, partial) if query.strip() else []
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show, query, results, True)

    def _show(self, query: str, results: list[SearchHit], final: bool = True) -> None:
        if query != self._typed:
            return  # a newer query was typed meanwhile
        results_list = self.query_one(OptionList)
        keep = None  # the result the user moved the cursor to, kept in place
        if query == self.query_text and results_list.highlighted:
            keep = self.results[results_list.highlighted].summary.id
        shown = self._shown
        # More found for the same words, after those in the list (they come newest first):
        # the list stays as it is, only the count changes (no work for the screen while
        # the search goes on).
        same = (
            query == self.query_text
            and shown > 0
            and len(results) >= shown
            and all(a is b for a, b in zip(results[:shown], self.results[:shown], strict=True))
        )
        self.query_text = query
        self.results = results
        self.searching = not final
        if not same:
            self._fill(results_list, keep)
        elif shown < self.PAGE:
            self._more(self.PAGE)  # the first page filled up
        count = len(results)
        if not query.strip():
            status = "Type to search (case and accents ignored) · Esc closes"
        else:
            found = f"{count:,} conversation{'s' * (count != 1)}"
            if not final:
                found += " so far, searching…"
            status = f"{found} · Enter opens at the match · Esc closes"
        self.query_one("#search-status", Label).update(status)

    def _width(self, results_list: OptionList) -> int:
        # (Less the options' padding, a cell each side.)
        width = results_list.scrollable_content_region.width - 2
        return width if width > 10 else 60

    def _fill(self, results_list: OptionList, keep: str | None = None) -> None:
        """The first page of results (or as many as reach the one to `keep` highlighted)."""
        at = 0
        if keep is not None:
            at = next((i for i, hit in enumerate(self.results) if hit.summary.id == keep), 0)
        self._shown = min(len(self.results), max(self.PAGE, at + 1))
        width = self._width(results_list)
        results_list.set_options(
            [Option(result_prompt(hit, width)) for hit in self.results[: self._shown]]
        )
        if self.results:
            results_list.highlighted = at

    def _more(self, upto: int | None = None) -> None:
        """The next page of results, when the cursor or the scroll nears the end (or
        those up to `upto`)."""
        if self._shown >= len(self.results):
            return
        results_list = self.query_one(OptionList)
        width = self._width(results_list)
        end = self._shown + self.PAGE if upto is None else upto
        page = self.results[self._shown : end]
        self._shown += len(page)
        results_list.add_options([Option(result_prompt(hit, width)) for hit in page])

    def _scrolled(self) -> None:
        results_list = self.query_one(OptionList)
        if results_list.scroll_y >= results_list.max_scroll_y - results_list.size.height:
            self._more()

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_index >= self._shown - 10:
            self._more()

    def on_resize(self) -> None:
        # The snippets were cut to the old width.
        if self.results:
            results_list = self.query_one(OptionList)
            highlighted = results_list.highlighted
            self.call_after_refresh(self._refill, highlighted)

    def _refill(self, highlighted: int | None) -> None:
        results_list = self.query_one(OptionList)
        keep = None
        if highlighted is not None and highlighted < len(self.results):
            keep = self.results[highlighted].summary.id
        self._fill(results_list, keep)

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
            hit = self.results[index]
            message_id = hit.message.id if hit.message is not None else None
            self.dismiss(Found(hit.summary.id, message_id))


@dataclass
class Parameters:
    system_prompt: str
    temperature: float | None
    max_tokens: int | None


class ParametersScreen(ModalScreen[Parameters | None]):
    """This conversation's system prompt, temperature and max tokens."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel"),
        # Run by the fields in typing order (key_order.KeysInOrder), after the text before it.
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
