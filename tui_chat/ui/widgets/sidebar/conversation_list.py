"""The sidebar's list of saved conversations, drawing only the rows in sight."""

from __future__ import annotations

import gc
import time
from bisect import bisect_right
from itertools import accumulate

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from ....store import ConversationStore, ConversationSummary
from ...safe import one_line, plain


def _fit(text: str, width: int) -> str:
    """The longest start of `text` within `width` cells."""
    if text.isascii():
        return text[:width]
    taken = 0
    for index, char in enumerate(text):
        taken += cell_len(char)
        if taken > width:
            return text[:index]
    return text


def _two_lines(title: str, width: int) -> list[str]:
    """A title on one line, or on two (cut at a space when there is one), the second cut
    with "…" when even two are not enough."""
    if cell_len(title) <= width:
        return [title]
    first = _fit(title, width)
    space = first.rfind(" ")
    if space > 0:
        first = first[:space]
    rest = title[len(first) :].lstrip()
    if cell_len(rest) > width:
        rest = _fit(rest, width - 1).rstrip() + "…"
    return [first.rstrip(), rest]


class ConversationList(ScrollView, can_focus=True):
    """Saved conversations, newest first, all of them. Keys act on the highlighted one.

    It looks and answers keys as an OptionList does, but draws only the rows in sight: an
    OptionList works out every option's height when it gets it (~0.3 ms each), so a
    decade of history (20,000 conversations) took seconds to list, and again at every
    change. A row is a title of one or two lines (cut with "…" beyond) and a line with its
    date and size, so each row's height is known from its title's length.

    The cursor follows the conversation shown (opened, or started) until the user moves
    it; then a new listing keeps it on the same conversation, or, when that one is gone
    (deleted), on the one listed after it. Watching the store (`watch_store`), it notices
    conversations written by another process (`tui-chat ask`, another tui-chat) and asks
    the app to list them again (`Stale`).
    """

    DEFAULT_CSS = """
    ConversationList {
        height: auto;
        max-height: 100%;
        color: $foreground;
        overflow-x: hidden;
        border: tall $border-blurred;
        padding: 0 1;
        background: $surface;
        & > .option-list--option-highlighted {
            color: $block-cursor-blurred-foreground;
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus {
            border: tall $border;
            background-tint: $foreground 5%;
            & > .option-list--option-highlighted {
                color: $block-cursor-foreground;
                background: $block-cursor-background;
                text-style: $block-cursor-text-style;
            }
        }
        & > .option-list--option-highlighted {
            color: $foreground;
            background: $block-cursor-blurred-background;
        }
        & > .option-list--option-disabled {
            color: $text-disabled;
        }
        & > .option-list--option-hover {
            background: $block-hover-background;
        }
    }
    """

    COMPONENT_CLASSES = {
        "option-list--option",
        "option-list--option-disabled",
        "option-list--option-highlighted",
        "option-list--option-hover",
    }

    BINDINGS = [
        Binding("down", "cursor_down", "Down", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("enter", "select", "Select", show=False),
        Binding("home", "first", "First", show=False),
        Binding("pagedown", "page_down", "Page Down", show=False),
        Binding("pageup", "page_up", "Page Up", show=False),
        Binding("up", "cursor_up", "Up", show=False),
        Binding("r", "request('rename')", "Rename"),
        Binding("delete,d", "request('delete')", "Delete"),
        Binding("e", "request('export')", "Export"),
        Binding("slash", "request('search')", "Search"),
    ]

    highlighted: reactive[int | None] = reactive(None)
    _hover: reactive[int | None] = reactive(None)

    # The messages have __init__s of their own rather than being dataclasses: creating a
    # dataclass costs ~2 M instructions of start-up (its methods are compiled from text).
    class Opened(Message):
        def __init__(self, conversation_id: str) -> None:
            super().__init__()
            self.conversation_id = conversation_id

    class Requested(Message):
        """A key asked for something to be done with the highlighted conversation."""

        def __init__(self, action: str, conversation_id: str | None) -> None:
            super().__init__()
            self.action = action
            self.conversation_id = conversation_id

    class Stale(Message):
        """The conversations folder changed since it was last listed: list it again."""

    def action_request(self, action: str) -> None:
        conversation_id = self._id_at(self.highlighted)
        if conversation_id is None and action != "search":
            return
        self.post_message(self.Requested(action, conversation_id))

    #: How many conversations the first frame lists, from the index's first line, before
    #: `list()` has read the folder (a screen shows ~20).
    LIMIT = 150
    #: Seconds between two looks at the folder (one stat; nothing more when unchanged).
    CHECK_EVERY = 2.0
    #: A `Stale` not answered by a new list within this many seconds is posted again.
    STALE_RETRY = 10.0
    #: Seconds after start when the search index is brought up to date, in a thread (the
    #: first time it is built: ~25 s for a decade of history), so that F3 finds it ready.
    INDEX_AFTER = 5.0
    #: A first whole list this long is frozen out of the garbage collector's sight.
    FREEZE_FROM = 1000

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: list[ConversationSummary] = []  # in order
        self._hidden = 0  # conversations not listed yet (a first list from the index)
        self._ids: list[str] = []  # as last listed, in order
        self._heights: list[int] = []  # each row's lines, then the hidden row's
        self._tops: list[int] = []  # the line each row starts at
        self._laid_out_for = -1  # the width the heights are for
        self._strips: LRUCache[tuple[object, ...], list[Strip]] = LRUCache(maxsize=64)
        self._current: str | None = None  # the conversation shown, as last told
        self._placed: str | None = None  # where set_summaries last put the cursor
        self._following = True  # the cursor follows the conversation shown
        self._pending: str | None = None  # place_cursor_on, for the next listing
        self._shown: tuple[object, ...] | None = None
        self._store: ConversationStore | None = None
        self._stale_since: float | None = None
        self._frozen = False

    # --- what it lists ------------------------------------------------------------------

    def set_summaries(
        self, summaries: list[ConversationSummary], current: str | None, total: int | None = None
    ) -> None:
        """List `summaries` (newest first); `total` says how many there are when those are
        only the newest ones. `current` is the conversation shown."""
        self._stale_since = None
        target = self._cursor_target(summaries, current)
        highlighted = next((i for i, s in enumerate(summaries) if s.id == target), None)
        hidden = max(0, (len(summaries) if total is None else total) - len(summaries))
        first = summaries[0].id if summaries else None
        self._placed = target if highlighted is not None else first
        # Nothing changed (a look at the folder that found only our own writes): as it is.
        key = (
            tuple([(s.id, s.title, s.updated, s.message_count) for s in summaries]),
            hidden,
            highlighted or 0,
        )
        if key == self._shown and self.highlighted == (highlighted if summaries else None):
            return
        self._shown = key
        if total is None and not self._frozen and len(summaries) >= self.FREEZE_FROM:
            # The first whole list of a long history is made once and lives as long as
            # the app, as what start-up made does (ChatApp._settle_gc): out of the garbage
            # collector's sight. Each full collection walked its ~100,000 objects (20,000
            # conversations): a 90 ms stall while scrolling.
            self._frozen = True
            gc.freeze()
        self._rows = list(summaries)
        self._ids = [s.id for s in summaries]
        self._hidden = hidden
        self._strips.clear()
        self._lay_out()
        self.highlighted = (highlighted or 0) if summaries else None
        self.scroll_to_highlight()
        self.refresh()

    @property
    def option_count(self) -> int:
        """Rows listed: the conversations, and one saying how many are not listed yet."""
        return len(self._rows) + (1 if self._hidden else 0)

    def get_option_at_index(self, index: int) -> Option:
        """Row `index` as an OptionList's option (its id is the conversation's)."""
        if index == len(self._rows) and self._hidden:
            return Option(self._hidden_text(), disabled=True)
        summary = self._rows[index]
        return Option(Content("\n").join(self._lines_of(summary, 1000)), id=summary.id)

    def _id_at(self, index: int | None) -> str | None:
        if index is None or not 0 <= index < len(self._rows):
            return None
        return self._rows[index].id

    def place_cursor_on(self, conversation_id: str) -> None:
        """Put the cursor on this conversation when it is next listed (one restored)."""
        self._pending = conversation_id

    def _cursor_target(
        self, summaries: list[ConversationSummary], current: str | None
    ) -> str | None:
        """The conversation the cursor goes to in the new listing."""
        listed = {s.id for s in summaries}
        if current != self._current:  # another conversation is shown: follow it
            self._current = current
            self._following = True
        cursor = self._id_at(self.highlighted)
        if cursor is not None and cursor != self._placed:
            self._following = False  # the user moved it since
        pending, self._pending = self._pending, None
        if pending in listed:
            self._following = False
            return pending
        if self._following and current in listed:
            return current
        if cursor in listed:
            return cursor
        if cursor is not None and cursor in self._ids:
            # Gone (deleted): the one listed after it, else the one before it.
            at = self._ids.index(cursor)
            for neighbour in [*self._ids[at + 1 :], *reversed(self._ids[:at])]:
                if neighbour in listed:
                    return neighbour
        return current if current in listed else None

    # --- drawing ------------------------------------------------------------------------

    def _width(self) -> int:
        """Cells for a row's text (less the options' padding, as an OptionList's)."""
        padding = self.get_component_styles("option-list--option").padding
        return max(1, self.scrollable_content_region.width - padding.width)

    def _lay_out(self) -> None:
        """Each row's height at the current width, and the scrollable size."""
        width = self._width()
        self._laid_out_for = width
        heights = [2 if cell_len(one_line(s.title or "Untitled", 200)) <= width else 3
                   for s in self._rows]  # fmt: skip
        if self._hidden:
            heights.append(1)
        self._heights = heights
        self._tops = [0, *accumulate(heights)][:-1] if heights else []
        total = sum(heights)
        self.virtual_size = Size(self.scrollable_content_region.width, total)

    def _lines_of(self, summary: ConversationSummary, width: int) -> list[Content]:
        title = one_line(summary.title or "Untitled", 200)
        when = summary.updated.astimezone().strftime("%b %d %H:%M")
        lines = [plain(line) for line in _two_lines(title, width)]
        lines.append(plain(f"{when} · {summary.message_count} msgs"))
        return lines

    def _hidden_text(self) -> Content:
        return plain(f"… {self._hidden:,} older conversations, being listed")

    def _row_strips(self, index: int) -> list[Strip]:
        width = self.scrollable_content_region.width
        if index >= len(self._rows):
            component = "option-list--option-disabled"
            key: tuple[object, ...] = ("hidden", self._hidden, width, component)
        else:
            summary = self._rows[index]
            if self.highlighted == index:
                component = "option-list--option-highlighted"
            elif self._hover == index:
                component = "option-list--option-hover"
            else:
                component = ""
            key = (summary.id, summary.title, summary.updated, summary.message_count, width,
                   component, self.has_focus, index)  # fmt: skip
        strips = self._strips.get(key)
        if strips is None:
            names = ("option-list--option", component) if component else ("option-list--option",)
            base = self.get_visual_style(*names).rich_style
            fill = base + Style(meta={"option": index})
            padding = self.get_component_styles("option-list--option").padding
            if index >= len(self._rows):
                lines = [self._hidden_text().plain]
            else:
                lines = [line.plain for line in self._lines_of(self._rows[index], self._width())]
            # Plain text in one style: each line is the segments an option's visual makes
            # of it (the text, with where it is for selecting it; then the fill), made
            # without its renderer: a page of new rows comes into sight at each key.
            inner = max(0, width - padding.width)
            strips = []
            for number, line in enumerate(lines):
                text = base + Style(meta={"option": index, "offset": (0, number)})
                segments = [Segment(_fit(line, inner), text)]
                if padding.left:
                    segments.insert(0, Segment(" " * padding.left, fill))
                strips.append(Strip(segments).extend_cell_length(width, fill))
            self._strips[key] = strips
        return strips

    def render_line(self, y: int) -> Strip:
        if self._laid_out_for != self._width():
            self._lay_out()
        line = self.scroll_offset.y + y
        index = bisect_right(self._tops, line) - 1
        if 0 <= index < len(self._heights):
            strips = self._row_strips(index)
            offset = line - self._tops[index]
            if offset < len(strips):
                return strips[offset]
        return Strip.blank(
            self.scrollable_content_region.width,
            self.get_visual_style("option-list--option").rich_style,
        )

    def on_resize(self) -> None:
        self._strips.clear()
        self._lay_out()
        self.scroll_to_highlight()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # --- the cursor ---------------------------------------------------------------------

    def validate_highlighted(self, highlighted: int | None) -> int | None:
        if highlighted is None or not self._rows:
            return None
        return max(0, min(len(self._rows) - 1, highlighted))

    def watch_highlighted(self) -> None:
        self.scroll_to_highlight()
        self.refresh()

    def watch__hover(self) -> None:
        self.refresh()

    def scroll_to_highlight(self) -> None:
        index = self.highlighted
        if index is None or not self.is_mounted or index >= len(self._tops):
            return
        if self._laid_out_for != self._width():
            self._lay_out()
        region = Region(0, self._tops[index], self.scrollable_content_region.width,
                        self._heights[index])  # fmt: skip
        self.scroll_to_region(region, force=True, animate=False, immediate=True)

    def action_cursor_up(self) -> None:
        if self._rows:
            self.highlighted = max(0, (self.highlighted or 0) - 1)

    def action_cursor_down(self) -> None:
        if self._rows:
            current = self.highlighted
            self.highlighted = 0 if current is None else current + 1

    def action_first(self) -> None:
        if self._rows:
            self.highlighted = 0

    def action_last(self) -> None:
        if self._rows:
            self.highlighted = len(self._rows) - 1

    def _move_page(self, direction: int) -> None:
        """About a screenful of rows up or down, as an OptionList moves."""
        if not self._rows:
            return
        if self._laid_out_for != self._width():
            self._lay_out()
        current = self.highlighted or 0
        line = self._tops[current] + direction * self.scrollable_content_region.height
        line = max(0, min(line, self._tops[len(self._rows) - 1]))
        self.highlighted = bisect_right(self._tops, line) - 1

    def action_page_up(self) -> None:
        self._move_page(-1)

    def action_page_down(self) -> None:
        self._move_page(1)

    def action_select(self) -> None:
        conversation_id = self._id_at(self.highlighted)
        if conversation_id is not None:
            self.post_message(self.Opened(conversation_id))

    async def _on_click(self, event: events.Click) -> None:
        index = event.style.meta.get("option")
        if index is not None and index < len(self._rows):
            self.highlighted = index
            self.action_select()

    def _on_mouse_move(self, event: events.MouseMove) -> None:
        index = event.style.meta.get("option")
        self._hover = index if index is not None and index < len(self._rows) else None

    def _on_leave(self, _: events.Leave) -> None:
        self._hover = None

    # --- noticing conversations written by others -------------------------------------

    def watch_store(self, store: ConversationStore) -> None:
        """Look at the store's folder every few seconds and whenever the terminal gets
        the focus back, and post `Stale` when it changed since it was last listed."""
        self._store = store
        self.set_interval(self.CHECK_EVERY, self.check_store)
        self.watch(self.app, "app_focus", self._app_focus, init=False)
        self.set_timer(self.INDEX_AFTER, self._update_search_index)

    def _update_search_index(self) -> None:
        store = self._store
        if store is None:
            return

        def update() -> None:
            worker = get_current_worker()
            store.update_search_index(lambda: worker.is_cancelled)

        self.run_worker(update, thread=True, group="search-index", exit_on_error=False)

    def _app_focus(self, focused: bool) -> None:
        if focused:
            self.check_store()

    def check_store(self) -> None:
        if self._store is None or not self._store.changed_on_disk():
            return
        now = time.monotonic()
        if self._stale_since is not None and now - self._stale_since < self.STALE_RETRY:
            return  # asked already; the listing is on its way
        self._stale_since = now
        self.post_message(self.Stale())
