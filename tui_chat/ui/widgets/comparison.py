"""Several models' answers to one question, side by side (or as tabs when narrow).

Each column is a bar (its key, the model, time to first token, total time, its state)
over the answer's own MessageView, which streams as a single answer does. Below about
46 columns a model the bars become a line each above one answer, the one picked with
←/→ (tabs): stacked answers pushed each other out of sight as they grew, and drawing
one answer costs what a single answer does. In the log the
comparison stands for the first answer's message (the one the conversation shows); the
others are that message's variants (branches.py), so once one is chosen the log shows
it as a plain answer with `‹ 2/3 ›`.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.css.scalar import Scalar
from textual.widgets import Static

from ...model_choice import ModelChoice
from ...store import Message
from ..safe import one_line
from .markdown.block import ROOM_SCREENS as BODY_ROOM_SCREENS
from .message_view import MessageView

#: Screenfuls of blank room each answer streams into: a single answer's (markdown block.py).
#: A column is narrower than a single answer, so the same text takes more rows; with one
#: screenful a column outgrew its room about every 2 s, each of them on its own, and every
#: time the whole screen was laid out again (three times a single answer's layouts).
ROOM_SCREENS = BODY_ROOM_SCREENS

#: A column narrower than this is hard to read: below it the answers are tabs.
MIN_COLUMN = 46


def seconds(value: float) -> str:
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


class Column(Vertical):
    """One model's answer in a comparison."""

    DEFAULT_CSS = """
    Column { height: auto; width: 1fr; }
    Column > .column-bar { height: 1; color: $text-muted; }
    Column.-cursor > .column-bar { color: $text; text-style: bold; }
    Column > MessageView > .header { display: none; }
    """

    def __init__(self, number: int, message: Message, *, dark: bool = True) -> None:
        super().__init__()
        self.number = number
        self.view = MessageView(message, streaming=True, dark=dark)
        self.view.set_room(ROOM_SCREENS)
        self.bar = Static("", classes="column-bar")
        #: Seconds from the request to the first words, and to the end (None: not yet).
        self.first_token: float | None = None
        self.total: float | None = None
        self.state = "waiting"
        self._shown = ""
        #: How much of the answer (text and reasoning) the view was last given.
        self.painted_length = -1
        self.update_bar()

    def compose(self) -> ComposeResult:
        yield self.bar
        yield self.view

    @property
    def message(self) -> Message:
        return self.view.message

    def update_bar(self) -> bool:
        """Bring the bar's text up to date; True if it changed."""
        message = self.message
        who = " › ".join(part for part in (message.provider, message.model) if part)
        parts = [f"alt+{self.number}", one_line(who or "Assistant", 50)]
        if self.first_token is not None:
            parts.append(f"first words {seconds(self.first_token)}")
        if self.total is not None:
            parts.append(f"total {seconds(self.total)}")
        parts.append(self.state)
        text = "  ·  ".join(parts)
        if text == self._shown:
            return False
        # (Only on a change: an update lays the screen out again, a 20 ms frame.)
        self._shown = text
        self.bar.update(Content(text))
        return True

    @property
    def bar_text(self) -> str:
        return self._shown


class Comparison(Vertical):
    """The answers of the models asked at once, in the log in the first one's place."""

    DEFAULT_CSS = """
    Comparison { height: auto; }
    Comparison > .columns { height: auto; }
    Comparison.-stacked > .columns { layout: vertical; }
    Comparison > .columns > Column { margin-right: 1; }
    Comparison > .comparison-hint { height: auto; color: $text-muted; margin-bottom: 1; }
    Comparison > .comparison-tabs { display: none; height: auto; margin-bottom: 1; }
    Comparison.-stacked > .comparison-tabs { display: block; }
    Comparison.-stacked > .columns > Column { display: none; margin-right: 0; }
    Comparison.-stacked > .columns > Column.-shown { display: block; }
    Comparison.-stacked > .columns > Column > .column-bar { display: none; }
    """

    def __init__(self, messages: list[Message], *, width: int = 0, dark: bool = True) -> None:
        """`width`: the log's, to lay the columns out right in the first frame."""
        super().__init__(classes="message -comparison")
        self.columns = [Column(n, m, dark=dark) for n, m in enumerate(messages, start=1)]
        self.streaming = True
        #: The model of each column, to go on with the one chosen.
        self.choices: list[ModelChoice] = []
        self.cursor = 0
        self.columns[0].add_class("-shown")
        #: The column painted last while they stream (they are painted in turn).
        self.painted = -1
        self.hint = Static(classes="comparison-hint")
        #: As tabs: a line per model (its bar), the one shown marked.
        self.tabs = Static(classes="comparison-tabs")
        self.stack(bool(width) and width // len(messages) < MIN_COLUMN)

    def _hint(self) -> Content:
        count = len(self.columns)
        pick = (
            "alt+←/→ (or ←/→ in the log) shows another"
            if self.tabbed
            else "in the log ←/→ pick a column"
        )
        return Content.styled(
            f"alt+1…{count}: go on with that answer (the others are kept as its variants) · "
            f"Esc stops all · {pick}, s stops it, Enter goes on with it",
            "dim",
        )

    def compose(self) -> ComposeResult:
        # The hint above the columns: the blank room the answers grow into (markdown
        # block.py) must be the comparison's last rows, for the log to follow into it.
        yield self.hint
        yield self.tabs
        with Horizontal(classes="columns"):
            yield from self.columns

    def on_resize(self) -> None:
        # Only a change between tabs and side by side: the comparison is resized by every
        # layout of a growing answer, and the hint's update in `stack` laid the screen out
        # once more each time.
        stacked = self.size.width // max(1, len(self.columns)) < MIN_COLUMN
        if stacked != self.tabbed:
            self.stack(stacked)
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Side by side, every column the same whole number of cells wide. As `1fr`
        columns of a width that does not divide evenly, each was measured at one width
        while the columns were sized and drawn at another (53, 54, 54 cells), and an
        answer keeps the heights of its pieces for one width only: every layout turned
        them back into guesses, and drawing a guessed piece in sight asked for another
        layout. The cells left over stay blank at the right."""
        count = len(self.columns)
        each = None if self.tabbed else max(1, self.size.width // count - 1)  # (margin: 1)
        wanted = None if each is None else Scalar.from_number(each)
        for column in self.columns:
            # (Set only on a change: setting a style asks for a layout. None: the CSS's.)
            if column.styles.inline.width != wanted:
                column.styles.width = each

    @property
    def tabbed(self) -> bool:
        return self.has_class("-stacked")

    def stack(self, stacked: bool) -> None:
        """Tabs (a line per model over the answer picked), or side by side. Side by side
        every answer grows into blank room below it without a layout; as tabs the one
        shown does, as a single answer."""
        self.set_class(stacked, "-stacked")
        for column in self.columns:
            column.view.set_room(
                0 if stacked and column is not self.columns[self.cursor] else ROOM_SCREENS
            )
        self.hint.update(self._hint())
        self._update_tabs()

    def update_bars(self) -> None:
        """Bring every column's bar (and the tabs) up to date with its answer."""
        changed = [column.update_bar() for column in self.columns]
        if any(changed):
            self._update_tabs()

    def _update_tabs(self) -> None:
        if not self.tabbed:
            return
        lines = []
        for column in self.columns:
            shown = column is self.columns[self.cursor]
            lines.append(
                Content.styled(f"▸ {column.bar_text}", "bold")
                if shown
                else Content.styled(f"  {column.bar_text}", "dim")
            )
        self.tabs.update(Content("\n").join(lines))

    # --- what the log asks of a view -------------------------------------------------------

    @property
    def message(self) -> Message:
        return self.columns[0].message

    @property
    def shown(self) -> Column:
        """The column under the cursor: as tabs, the one answer shown."""
        return self.columns[self.cursor]

    @property
    def room(self) -> int:
        """Blank rows at the bottom, below every answer's text (see MessageLog.room)."""
        if self.tabbed:
            return self.shown.view.room
        if not self.columns[0].view.is_mounted:
            return 0
        height = max(column.outer_size.height for column in self.columns)
        ends = [column.outer_size.height - column.view.room for column in self.columns]
        return max(0, height - max(ends))

    @property
    def awaiting_layout(self) -> bool:
        # (As tabs the hidden answers are not laid out until shown: only the one shown.)
        columns = [self.shown] if self.tabbed else self.columns
        return any(column.view.awaiting_layout for column in columns)

    def render_bottom_first(self) -> None:
        pass

    def shown_text(self) -> str:
        return "\n\n".join(column.view.shown_text() for column in self.columns)

    # --- the column cursor -----------------------------------------------------------------

    def move_cursor(self, step: int) -> None:
        """Pick the next (+1) or previous (-1) column; as tabs, show its answer."""
        marked = self.columns[self.cursor].has_class("-cursor")  # (the log's cursor on it)
        self.columns[self.cursor].remove_class("-cursor", "-shown")
        self.cursor = (self.cursor + step) % len(self.columns)
        self.columns[self.cursor].add_class("-shown")
        self.columns[self.cursor].set_class(marked, "-cursor")
        if self.tabbed:
            self.stack(True)  # (the room moves to the answer shown)

    def show_cursor(self, on: bool) -> None:
        self.columns[self.cursor].set_class(on, "-cursor")
