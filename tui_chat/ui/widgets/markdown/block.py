"""A Markdown answer as one widget: a column of pieces, each rendered only when seen.

An answer is cut into pieces (`split`). They used to be one widget each, and a
long answer meant dozens of widgets for every layout pass to size, every frame of a
stream. Here they are plain data inside one line-API widget: layout asks for one height,
made of each piece's real height where it has been rendered and a cheap estimate where
not; `render_line` renders a piece the first time one of its lines is on screen (once per
width and style) and, if the estimate was off, lays out again. The bottom of an answer
(where a stream is followed, where a conversation opens) is rendered up front, a screen's
worth, so those frames are right the first time.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import zip_longest
from typing import ClassVar, NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

from ...sizing import LaidOutOnce
from .piece import CODE, FRESH, ITEM, PARA, Carry, Piece
from .render_piece import measure_piece, render_piece
from .split import MarkdownSplitter


def estimate_height(text: str, width: int) -> int:
    """Lines the Markdown will take, roughly: its source lines, wrapped at `width`."""
    if not text.strip():
        return 0
    width = max(width, 1)
    lines = 0
    for line in text.strip("\n").split("\n"):
        lines += max(1, -(-len(line) // width))
    return lines


_QUIET = Style(dim=True)

#: Pieces whose rendered lines are kept (all answers together); older ones keep only their
#: height. Every line is a Strip of segments, ~16 objects for the garbage collector to walk
#: on each full collection: kept for a whole long answer, they made those pauses ~70 ms.
KEEP_RENDERED = 32


class _Rendered:
    """One piece of an answer and its lines, rendered at most once per width and style
    while it is among the `KEEP_RENDERED` most recently rendered.

    A piece that begins inside a paragraph or a code line goes on filling the row the
    piece before it left open (its carry, kept when its lines are dropped): rendering it
    first renders, where needed, the pieces before it back to the last whose carry is
    known (at a new width, the rest of a long paragraph: its rows depend on all of it).
    """

    __slots__ = ("_carry", "_carry_key", "_height", "_key", "lines", "piece", "prev")

    #: The pieces holding lines, oldest first (a dict keeps insertion order).
    recent: ClassVar[dict[_Rendered, None]] = {}

    def __init__(self, piece: Piece | None, prev: _Rendered | None = None) -> None:
        self.piece = piece
        # The piece whose open row this one goes on filling: before a paragraph's rest,
        # or before code cut inside a line (not at a line's start: no open row there).
        goes_on = piece is not None and (
            piece.head == PARA
            or (piece.head == CODE and prev is not None and not _ends_line(prev))
        )
        self.prev = prev if goes_on else None
        # (width, look, lines, exact): the real height once rendered at that width, else a
        # guess.
        self._height: tuple[int, object, int, bool] = (-1, None, 0, False)
        self._key: tuple[int, Style, bool, object] | None = None
        self.lines: list[Strip] = []
        self._carry: Carry | None = None
        self._carry_key: tuple[int, Style, bool, object] | None = None

    def look(self) -> object:
        """What its lines depend on besides width and style: the lists it is part of (their
        numbering and spacing change as they grow in later pieces)."""
        piece = self.piece
        if piece is None or (piece.group is None and piece.tail_group is None):
            return None
        return (
            piece.group.look() if piece.group else None,
            piece.tail_group.look() if piece.tail_group else None,
        )

    def render(self, width: int, style: Style, dark: bool) -> list[Strip]:
        key = (width, style, dark, self.look())
        if self._key != key:
            assert self.piece is not None
            carry = self._carry_in(width, style, dark)
            self.lines, self._carry = render_piece(self.piece, width, style, dark, carry)
            self._key = self._carry_key = key
            self._height = (width, key[3], len(self.lines), True)
            recent = _Rendered.recent
            recent.pop(self, None)
            recent[self] = None
            while len(recent) > KEEP_RENDERED:
                oldest = next(iter(recent))
                del recent[oldest]
                oldest.lines, oldest._key = [], None
        return self.lines

    def row(self, width: int, offset: int) -> Strip | None:
        """Its line `offset` as last rendered at `width`, if it still has it."""
        key, lines = self._key, self.lines
        if key is None or key[0] != width or offset >= len(lines):
            return None
        return lines[offset]

    def _carry_in(self, width: int, style: Style, dark: bool) -> Carry | None:
        prev = self.prev
        if prev is None:
            return None
        # Without recursion: a long paragraph can be hundreds of pieces.
        chain: list[_Rendered] = []
        node: _Rendered | None = prev
        while node is not None and node._carry_key != (width, style, dark, node.look()):
            chain.append(node)
            node = node.prev
        for node in reversed(chain):
            node._measure(width, style, dark)
        return prev._carry

    def _measure(self, width: int, style: Style, dark: bool) -> None:
        """Its carry and height, without its lines (it is not in sight)."""
        assert self.piece is not None
        key = (width, style, dark, self.look())
        carry = self.prev._carry if self.prev is not None else None
        lines, self._carry = measure_piece(self.piece, width, style, dark, carry)
        self._carry_key = key
        self._height = (width, key[3], lines, True)

    def height(self, width: int) -> int:
        look = self.look()
        known_width, known_look, lines, _ = self._height
        if known_width != width:
            raw = self.piece.raw if self.piece is not None else ""
            self._height = (width, look, estimate_height(raw, width), False)
        elif known_look != look:
            self._height = (width, look, lines, False)  # a list's look changed: a guess
        return self._height[2]

    def knows_height(self, width: int) -> bool:
        return self._height[0] == width and self._height[3] and self._height[1] == self.look()

    def gap(self, after_text: bool, height: int) -> bool:
        """Whether a blank row comes before it, as in the whole text: between blocks
        (when both show something) and between a loose list's items."""
        piece = self.piece
        if piece is None:
            return False
        if piece.head == FRESH:
            return after_text and height > 0
        if piece.head == ITEM and piece.group is not None:
            return not piece.group.tight()
        return False


#: A row without text, and the "streaming…" row, as `MarkdownBody._rows` gives them.
_BLANK = "blank"
_STREAMING = "streaming"


def _changed_cells(old: Strip | str | None, new: Strip | str | None, width: int) -> tuple[int, int]:
    """The cells from x0 to x1 (x0 == x1: none) in which a row drawn as `old` differs
    from `new`: usually a word or two at the end of the text."""
    if old is None or new is None or isinstance(old, str) or isinstance(new, str):
        return (0, 0) if old is new and old is not None else (0, width)
    if old == new:
        return 0, 0
    a, b = list(old), list(new)
    x0 = _common_cells(a, b)
    a.reverse()
    b.reverse()
    x1 = width - _common_cells(a, b, from_end=True)
    return x0, max(x1, x0 + 1)


def _common_cells(a: list[Segment], b: list[Segment], from_end: bool = False) -> int:
    """Cells that two rows share from their start (or, `from_end`, from their end; the
    segments are then given last first)."""
    cells = 0
    for left, right in zip(a, b, strict=False):
        if left == right:
            cells += left.cell_length
            continue
        if left.style == right.style:
            x, y = (left.text[::-1], right.text[::-1]) if from_end else (left.text, right.text)
            same, most = 0, min(len(x), len(y))
            while same < most and x[same] == y[same]:
                same += 1
            cells += cell_len(x[:same])
        break
    return cells


def _ends_line(rendered: _Rendered) -> bool:
    return rendered.piece is not None and rendered.piece.raw.endswith("\n")


class _Layout(NamedTuple):
    """The layout in force: its width, its pieces, their first lines, their heights, and
    the height of the text they make."""

    width: int
    pieces: list[_Rendered]
    starts: list[int]
    heights: list[int]
    height: int


#: The room a stream grows into between layouts, in screenfuls (blank lines cost nothing:
#: only the lines in sight are drawn). At 2,000 chunks a second a screenful of text comes
#: about every 120 ms.
ROOM_SCREENS = 3


class MarkdownBody(LaidOutOnce, Widget):
    """A Markdown answer; while it streams, `set_text` extends it.

    Finished pieces never change; only the open rest (the tail, at most a few kilobytes)
    is rendered again when it grows, so the cost of a frame does not grow with the answer.

    While it streams, a quiet "streaming…" line follows the text, and the body is
    `ROOM_SCREENS` screenfuls taller than that (`room`: blank lines below, which the log
    does not count in its scroll bar and scrolls into only as far as a jump of a followed
    stream goes). New text mostly fills that room: a paint redraws the cells that changed, with
    no layout. A layout (every widget of the screen arranged again and the log's whole
    window redrawn: a 20 ms frame, against 5 ms) comes once per `ROOM_SCREENS` screenfuls
    of new text instead of once per paint.
    """

    DEFAULT_CSS = """
    MarkdownBody { height: auto; }
    """

    def __init__(self, text: str = "", *, streaming: bool = False, dark: bool = True) -> None:
        super().__init__(classes="body")
        self.dark = dark
        #: Render the bottom screenful before layout (set for the answer being followed).
        self.eager_bottom = streaming
        self.streaming = streaming
        #: Screenfuls of room while streaming: 0 for an answer beside others (comparison.py),
        #: where blank room would push the answers below it away.
        self.room_screens = ROOM_SCREENS
        self._height = 0  # the height of the last layout: the text's, plus the room
        self.text = ""
        self.committed = 0  # text[:committed] is in finished pieces
        self.splitter = MarkdownSplitter()
        self._pieces: list[_Rendered] = []
        self._tail = _Rendered(None)  # the open rest of a stream, not yet cut
        self._style = Style()
        self._laid = _Layout(-1, [], [], [], 0)
        self._relayout_pending = False
        #: Its text has outgrown the height of the last layout and the next one is due:
        #: until then its size (and `room`) are not those of the text on screen.
        self.awaiting_layout = False
        self._viewport_height = 0
        if text:
            self.set_text(text, final=not streaming)

    # --- text ----------------------------------------------------------------------------

    def set_text(self, text: str, final: bool = False) -> None:
        """Show `text`, which extends what was shown before."""
        if text == self.text and not final:
            return
        if final:
            self.streaming = False
        # The first line that may change: where the open tail (or the end) was.
        before = self._laid
        laid_width = before.width
        old_count = len(self._pieces)
        first_changed = before.height
        if old_count < len(before.starts):
            first_changed = before.starts[old_count]
        # Those rows as drawn now: only the ones that change are drawn again.
        drawn = self._rows(before, first_changed) if laid_width > 0 and self.streaming else []
        self.text = text
        splitter = self.splitter
        pieces, taken = splitter.take(text[self.committed :], final=final)
        self.committed += taken
        for piece in pieces:
            if piece == self._tail.piece:
                # The open tail, finished as it stands (the end of a stream): its lines,
                # already rendered for the last frame, are the piece's.
                self._pieces.append(self._tail)
                self._tail = _Rendered(None)
            else:
                self._pieces.append(_Rendered(piece, self._pieces[-1] if self._pieces else None))
        changed = bool(pieces)
        if splitter.open != self._tail.piece:
            self._tail = _Rendered(splitter.open, self._pieces[-1] if self._pieces else None)
            changed = True
        if splitter.restyled:
            # A list shown in pieces numbers or spaces its items otherwise now that more of
            # it came: its pieces already shown change too.
            laid_width = 0
        if not (changed or final) or not self.is_attached:
            return
        if laid_width > 0 and self.streaming:
            # Render the new text now, between frames: its real height says whether it
            # fits in the room, and the frame that follows only composes (a key typed
            # meanwhile is handled between the two).
            self._render_bottom(laid_width, self._viewport_height)
            if self._lay_out(laid_width).height < self._height:
                # It fits in the room below: no layout, and only the cells that changed
                # are drawn again (mostly the words added to the last row and the
                # "streaming…" row moving down one): what a frame sends to the terminal.
                now = self._rows(self._laid, first_changed)
                regions = [
                    Region(x0, first_changed + index, x1 - x0, 1)
                    for index, (x0, x1) in enumerate(
                        _changed_cells(old, new, laid_width)
                        for old, new in zip_longest(drawn, now, fillvalue=_BLANK)
                    )
                    if x1 > x0
                ]
                if regions:
                    self.refresh(*regions)
                return
        self._lay_out_again()

    def _rows(self, laid: _Layout, start: int) -> list[Strip | str | None]:
        """Rows `start` to the "streaming…" row of a layout, as drawn: a Strip, `_BLANK`,
        `_STREAMING`, or None where the lines are not at hand (drawn again, to be sure)."""
        width, pieces, starts, heights, height = laid
        rows: list[Strip | str | None] = []
        index = bisect_right(starts, start) - 1
        for y in range(start, height):
            while index + 1 < len(starts) and starts[index + 1] <= y:
                index += 1
            offset = y - starts[index] if index >= 0 else -1
            if offset < 0 or offset >= heights[index]:
                rows.append(_BLANK)  # a gap between blocks
            else:
                rows.append(pieces[index].row(width, offset))
        rows.append(_STREAMING if self.streaming else _BLANK)
        return rows

    @property
    def room(self) -> int:
        """Blank lines below the text and its "streaming…" line: the room a stream
        grows into between layouts. Measured against the height of the layout in force:
        when the stream ends, the room is there until the layout that follows."""
        if self._laid.width <= 0 or not self.display:
            return 0
        return max(0, self._height - self._laid.height - 1)

    def shown_text(self) -> str:
        """What the widget shows: all of the text is in its pieces and tail, each drawn
        wherever it scrolls into view."""
        tail = self._tail.piece
        return self.text[: self.committed] + (tail.raw if tail is not None else "")

    def set_dark(self, dark: bool) -> None:
        if dark != self.dark:
            self.dark = dark
            self._lay_out_again()

    # --- layout and rendering ------------------------------------------------------------

    def _all(self) -> list[_Rendered]:
        return [*self._pieces, self._tail] if self._tail.piece is not None else self._pieces

    def _render_bottom(self, width: int, height: int) -> None:
        """Render the open tail (small, and always in sight when it grows) and, for the
        answer being followed, the pieces of its last `height` lines."""
        pieces = self._all()
        style, dark = self._style, self.dark
        if pieces and pieces[-1] is self._tail:
            self._tail.render(width, style, dark)
        if self.eager_bottom:
            seen = 0
            for piece in reversed(pieces):
                if seen >= height:
                    break
                seen += len(piece.render(width, style, dark)) + 1  # (and a gap, perhaps)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        self.awaiting_layout = False
        self._style = self.rich_style
        self._viewport_height = viewport.height
        self._render_bottom(width, viewport.height)  # done already if `set_text` could
        text_height = self._lay_out(width).height
        self._height = text_height
        if self.streaming:
            # The "streaming…" line, and room from the start: a short answer growing
            # needs no layout either (each one redrew the whole log), and the log can
            # jump into it as soon as the text reaches its bottom.
            self._height += 1 + self.room_screens * viewport.height
        return self._height

    def _lay_out(self, width: int) -> _Layout:
        """Place the pieces at `width`: real heights where rendered, else estimates."""
        pieces = self._all()
        starts: list[int] = []
        heights: list[int] = []
        total = 0
        after_text = False
        for piece in pieces:
            height = piece.height(width)
            if piece.gap(after_text, height):
                total += 1  # the blank row between two blocks, or two items of a loose list
            starts.append(total)
            heights.append(height)
            total += height
            after_text = after_text or height > 0
        self._laid = _Layout(width, pieces, starts, heights, total)
        return self._laid

    def render_lines(self, crop: Region) -> list[Strip]:
        self._style = self.rich_style  # once per paint, not once per line
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        style = self._style
        laid_width, pieces, starts, heights, text_height = self._laid
        if y >= text_height:
            if y == text_height and self.streaming:
                return Strip([Segment("streaming…", style + _QUIET)]).adjust_cell_length(
                    width, style
                )
            return Strip.blank(width, style)
        index = bisect_right(starts, y) - 1
        if width != laid_width or index < 0:
            return Strip.blank(width, style)
        piece, height = pieces[index], heights[index]
        known = piece.knows_height(width)
        lines = piece.render(width, style, self.dark)
        if not known and len(lines) != height and not self._relayout_pending:
            # The estimate was off: lay out again with the real height.
            self._relayout_pending = True
            self.call_after_refresh(self._relayout)
        offset = y - starts[index]
        if offset < min(len(lines), height):
            return lines[offset]
        return Strip.blank(width, style)  # a gap line, or beyond a short guess

    def _relayout(self) -> None:
        self._relayout_pending = False
        self._lay_out_again()

    def _lay_out_again(self) -> None:
        self.awaiting_layout = True
        self.refresh(layout=True)
