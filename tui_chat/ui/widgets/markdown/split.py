"""Cutting Markdown into pieces that are cheap to render, as it streams or all at once.

Rendering a piece of Markdown costs time in proportion to its size (and more than that
for one very long line), so an answer is shown as a column of pieces: finished blocks
grouped to about `BLOCK_CHARS`, and no piece much longer than `MAX_CHARS`.

The cuts must not show: the pieces rendered one under the other (`render_piece`, each
given the row the piece before left open) are, row for row, the whole text rendered at
once, at any width. So a piece is cut only

- between two top-level blocks: rendered apart, with the one blank row the whole text
  has between them (`Piece.head` FRESH);
- inside a paragraph, where no inline markup is open across the cut (emphasis, a code
  span, a link...; see `split_scan.clean_cuts`), before a space or inside a long word: the next
  piece is that paragraph's text and goes on filling the row the last one left open, so
  the words wrap as if there were no cut (PARA);
- inside a code fence, before a line (or inside a line too long to wait for its end): the
  next piece is still code, in rows that go on where the last one stopped (CODE);
- inside a list, before one of its items: the next piece numbers, indents and spaces its
  items as the whole list does (ITEM; a `ListGroup` gathers what that depends on).

Only a block that cannot be cut so (a table, a quote, one huge list item...) and grows
past `FORCE_CHARS` is cut anyway, at a line, and that cut may show (CUT): without it one
frame of a stream could cost seconds.

While a stream goes on, a cut is made only where the text still to come cannot change the
rendering of what is before it (the line after a cut between blocks has arrived, a cut
paragraph's line has not just begun...), so the pieces match the whole text at each paint.
"""

from __future__ import annotations

from typing import NamedTuple

from .parse import SPACE
from .piece import CODE, CUT, FRESH, ITEM, LIST, PARA, ListGroup, Piece
from .split_scan import Block, Cuts, Scan, clean_cuts, closes, splittable

#: Small enough that the open tail of a stream, rendered again each frame, costs ~2 ms;
#: a piece is data, not a widget, so many of them cost little.
BLOCK_CHARS = 600
MAX_CHARS = 2000
#: A piece grows this long, at most, waiting for a cut that does not show.
FORCE_CHARS = 8000

#: A paragraph's line is cut only this far from its start while it may still grow: its
#: first characters decide whether it starts a block (an HTML tag name, a list marker).
_LINE_START = 32


class MarkdownSplitter:
    """Cuts the text after what was already taken; remembers how the rest begins."""

    def __init__(
        self,
        block_chars: int = BLOCK_CHARS,
        max_chars: int = MAX_CHARS,
        force_chars: int = FORCE_CHARS,
    ) -> None:
        self.block_chars = block_chars
        self.max_chars = max_chars
        self.force_chars = max(force_chars, max_chars)
        # How the untaken text begins.
        self.head = FRESH
        self.fence = ""
        self.group: ListGroup | None = None
        #: After `take`: the untaken rest as a piece (a stream's open tail), or None.
        self.open: Piece | None = None
        #: After `take`: a list cut before it numbers or spaces its items otherwise now
        #: (the pieces already shown from it must be rendered again).
        self.restyled = False

    def take(self, text: str, final: bool = False) -> tuple[list[Piece], int]:
        """Pieces finished in `text` (the part not yet taken) and how much they cover.

        With `final`, everything is taken. Cost is linear in `len(text)`.
        """
        group = self.group
        look = group.look() if group else None
        if group is not None:
            group.open_items, group.open_loose, group.open_paragraphs = 0, False, False
        self.open = None
        if not text:
            self.restyled = False
            return [], 0
        cutter = _Cutter(self, Scan(text, self.head, self.fence), final)
        pieces, taken = cutter.run()
        self.restyled = group is not None and group.look() != look
        return pieces, taken


class _Item(NamedTuple):
    """A top-level item of a list: its first line, and what the list's spacing needs."""

    first: int
    tight: bool  # no blank line between its blocks
    ends_blank: bool  # a blank line ends it (the list is loose if another item follows)
    paragraph: bool  # it has a paragraph of its own (only those show the spacing)


def _share(items: list[_Item], list_ends: bool) -> tuple[int, bool, bool]:
    """What `items` add to their list: their number, whether they make it loose, whether
    they have paragraphs. A blank line ending the list's last item does not count."""
    ends = items[:-1] if list_ends else items
    loose = any(not item.tight for item in items) or any(item.ends_blank for item in ends)
    return len(items), loose, any(item.paragraph for item in items)


class _Cutter:
    """One `take`: walks the scanned blocks, cuts, and leaves the splitter ready for the
    text after what it took."""

    def __init__(self, splitter: MarkdownSplitter, scan: Scan, final: bool) -> None:
        self.splitter = splitter
        self.scan = scan
        self.final = final
        self.max = splitter.max_chars
        self.pieces: list[Piece] = []
        # The piece being made: where it starts and how.
        self.pos = 0
        self.head = splitter.head
        self.fence = splitter.fence
        self.group = splitter.group
        self.offset = self.group.items if self.group else 0
        # PARA: where the paragraph's text ends and the blocks after it begin.
        self.para_end = self.rest_start = 0
        # ITEM: the list block the piece goes on with, and its first item in the piece.
        self.item_block = 0
        self.first_item = 0
        self._items: dict[int, list[_Item]] = {}
        self._pipes: dict[int, bool] = {}  # lines with a "|"

    # --- walking ---------------------------------------------------------------------------

    def run(self) -> tuple[list[Piece], int]:
        scan = self.scan
        blocks = scan.blocks
        if self.head == PARA:
            self._paragraph_bounds(blocks[0])
        for index, block in enumerate(blocks):
            start = scan.line_start(block.first)
            if (
                start > self.pos
                and start - self.pos >= self.splitter.block_chars
                and self._may_cut_before(block)
            ):
                self._cut(start, FRESH, FRESH)
            self._cut_inside(index, block)
        size = len(scan.norm)
        if self.final or self.pos >= size:
            if self.pos < size:
                self._cut(size, FRESH, FRESH)
            self.splitter.head, self.splitter.fence, self.splitter.group = FRESH, "", None
            return self.pieces, len(scan.text)
        # The rest is the open tail: a piece for now, not taken.
        self.splitter.open = self._piece(size, FRESH, None)
        if self.head == ITEM and self.group is not None:
            items = self._list_items(self.item_block)[self.first_item :]
            (self.group.open_items, self.group.open_loose, self.group.open_paragraphs) = _share(
                items, True
            )
        splitter = self.splitter
        splitter.head, splitter.fence = self.head, self.fence
        splitter.group = self.group if self.head == ITEM else None
        return self.pieces, scan.raw(self.pos)

    def _may_cut_before(self, block: Block) -> bool:
        """A cut before this block stays right whatever comes next: its first line is
        whole (and after a block not ended by a blank line, the next one too, which can
        still make a table of it)."""
        scan = self.scan
        line = block.first
        if self.final:
            return True
        if not scan.complete(line):
            return False
        return (line >= 1 and scan.blank(line - 1)) or scan.complete(line + 1)

    def _cut_inside(self, index: int, block: Block) -> None:
        scan = self.scan
        force = self.splitter.force_chars
        while True:
            end = min(scan.line_end(block.end - 1) + 1, len(scan.norm))
            if end - self.pos <= self.max:
                return
            kind = block.kind
            if kind in ("paragraph", "setext"):
                done = self._cut_paragraph(block)
            elif kind == "fence":
                done = self._cut_fence(block)
            elif kind in ("bullet_list", "ordered_list"):
                done = self._cut_list(index, block)
            else:
                done = False
            if not done:
                if end - self.pos <= force:
                    return  # wait: the block may yet end, or a clean cut come
                self._force(block)

    # --- cutting ---------------------------------------------------------------------------

    def _piece(self, end: int, tail: str, tail_group: ListGroup | None) -> Piece:
        scan = self.scan
        raw_start = scan.raw(self.pos)
        raw = scan.text[raw_start : scan.raw(end)]
        head_end = rest_start = 0
        if self.head == PARA:
            head_end = scan.raw(min(self.para_end, end)) - raw_start
            rest_start = scan.raw(min(self.rest_start, end)) - raw_start
        return Piece(
            raw,
            self.head,
            tail,
            self.fence if self.head == CODE else "",
            head_end,
            rest_start,
            self.group if self.head == ITEM else None,
            self.offset if self.head == ITEM else 0,
            tail_group,
        )

    def _cut(
        self, position: int, tail: str, head: str, tail_group: ListGroup | None = None
    ) -> None:
        """End the piece at `position` (it ends as `tail`); the next begins as `head`."""
        if self.head == ITEM and self.group is not None and tail_group is not self.group:
            # The list this piece went on with ended in it: its items count now.
            items = self._list_items(self.item_block)[self.first_item :]
            count, loose, paragraphs = _share(items, True)
            self.group.items += count
            self.group.loose |= loose
            self.group.paragraphs |= paragraphs
        self.pieces.append(self._piece(position, tail, tail_group))
        self.pos = position
        self.head = head
        if head != CODE:
            self.fence = ""
        if head != ITEM:
            self.group = None

    def _paragraph_bounds(self, block: Block) -> None:
        scan = self.scan
        text_lines = block.end - (2 if block.kind == "setext" else 1)
        self.para_end = scan.line_end(text_lines)
        self.rest_start = scan.line_start(block.end)

    def _cut_paragraph(self, block: Block) -> bool:
        scan = self.scan
        norm = scan.norm
        pos = self.pos
        last_line = block.end - (2 if block.kind == "setext" else 1)
        text_end = scan.line_end(last_line)
        begin = scan.line_start(block.first)
        if begin < pos:  # the piece began inside this paragraph
            begin = pos
        else:
            while begin < text_end and norm[begin] in SPACE:
                begin += 1
        hi = pos + self.max
        limit = pos + self.splitter.force_chars
        for window in (hi + 256, limit + 256):
            cuts = clean_cuts(norm, begin, min(text_end, window))
            cut = self._choose_paragraph_cut(cuts, max(begin, pos) + 1, hi, min(limit, window))
            if cut is not None or window >= text_end:
                break
        if cut is None:
            return False
        self._cut(cut, PARA, PARA)
        self._paragraph_bounds(block)
        return True

    def _choose_paragraph_cut(self, cuts: Cuts, lo: int, hi: int, limit: int) -> int | None:
        """The last clean cut before `hi` (before a space, else inside a word), not too
        near `lo`; else the first one after it, up to `limit`."""
        preferred = lo + self.max // 4 - 1
        for low, high in ((preferred, hi), (hi + 1, limit), (lo, preferred - 1)):
            if low > high:
                continue
            ascending = low > hi
            spaces = [c for c in cuts.spaces if low <= c <= high]
            for cut in spaces if ascending else reversed(spaces):
                if self._paragraph_cut_stays(cut):
                    return cut
            cut = self._word_cut(cuts, low, high, ascending)
            if cut is not None:
                return cut
        return None

    def _word_cut(self, cuts: Cuts, low: int, high: int, ascending: bool) -> int | None:
        norm, blocked, base = self.scan.norm, cuts.blocked, cuts.base
        for first, last in cuts.words if ascending else reversed(cuts.words):
            a, b = max(first, low), min(last - 1, high)
            if a > b:
                continue
            positions = range(a, b + 1) if ascending else range(b, a - 1, -1)
            for cut in positions:
                if (
                    not blocked[cut - base]
                    and splittable(norm, cut)
                    and self._paragraph_cut_stays(cut)
                ):
                    return cut
        return None

    def _paragraph_cut_stays(self, cut: int) -> bool:
        """While the text may grow: the cut's line has begun long enough ago that its
        start says it is paragraph text, and a line with a `|` (a table's header?) has
        been followed by a whole line."""
        if self.final:
            return True
        scan = self.scan
        line = scan.line_of(cut)
        start = scan.line_start(line)
        complete = scan.complete(line)
        if not complete and cut - start < _LINE_START and not (line == 0 and self.head == PARA):
            return False
        pipe = self._pipes.get(line)
        if pipe is None:
            pipe = self._pipes[line] = scan.norm.find("|", start, scan.line_end(line)) >= 0
        return not pipe or (complete and scan.complete(line + 1))

    def _cut_fence(self, block: Block) -> bool:
        scan = self.scan
        norm = scan.norm
        pos = self.pos
        markup = scan.tokens[block.token].markup
        content = block.first + 1
        end = block.end
        if end - 1 > block.first and closes(
            norm[scan.line_start(end - 1) : scan.line_end(end - 1)], markup
        ):
            end -= 1  # the closing line: never the first of a piece
        floor = max(pos, scan.line_start(content))  # at least one line of code before
        hi = pos + self.max
        limit = pos + self.splitter.force_chars
        candidates = [
            scan.line_start(line)
            for line in range(max(content, scan.line_of(floor) + 1), end)
            if (self.final or scan.complete(line)) and not scan.blank(line)
        ]
        cut = self._choose(candidates, floor + 1, hi, limit)
        if cut is None:
            # One line longer than a piece: cut inside it, where the rest cannot look
            # like a closing fence.
            line = scan.line_of(hi)
            if not content <= line < end:
                return False
            for position in range(hi, max(floor, scan.line_start(line)), -1):
                if norm[position] not in "`~" and splittable(norm, position):
                    cut = position
                    break
            if cut is None:
                return False
        self._cut(cut, CODE, CODE)
        if block.first >= 0:  # (before it, the fence's line is the splitter's already)
            start = scan.raw(scan.line_start(block.first))
            self.fence = scan.text[start : scan.raw(scan.line_end(block.first))]
        return True

    def _choose(self, candidates: list[int], lo: int, hi: int, limit: int) -> int | None:
        """The last candidate in [lo + max/4, hi]; else the first in (hi, limit]; else
        the last in [lo, hi]."""
        preferred = lo + self.max // 4 - 1
        best = None
        for position in candidates:
            if preferred <= position <= hi:
                best = position
        if best is None:
            best = next((c for c in candidates if hi < c <= limit), None)
        if best is None:
            best = next((c for c in reversed(candidates) if lo <= c <= hi), None)
        return best

    def _list_items(self, index: int) -> list[_Item]:
        items = self._items.get(index)
        if items is None:
            scan = self.scan
            block = scan.blocks[index]
            tokens = scan.tokens
            shift = scan.shift
            items = []
            paragraph = False
            for token in tokens[block.token + 1 : block.last_token]:
                if token.level == 1 and token.type == "list_item_open":
                    if items:
                        items[-1] = items[-1]._replace(paragraph=paragraph)
                    first, end = token.map[0] - shift, token.map[1] - shift
                    ends_blank = end - first > 1 and scan.blank(end - 1)
                    items.append(_Item(first, token.meta.get("tight", True), ends_blank, False))
                    paragraph = False
                elif token.level == 2 and token.type == "paragraph_open":
                    paragraph = True
            if items:
                items[-1] = items[-1]._replace(paragraph=paragraph)
            self._items[index] = items
        return items

    def _cut_list(self, index: int, block: Block) -> bool:
        scan = self.scan
        items = self._list_items(index)
        same = self.head == ITEM and self.group is not None and self.item_block == index
        first = self.first_item if same else 0
        candidates = [
            scan.line_start(item.first)
            for item in items[first + 1 :]
            if self.final or scan.complete(item.first)
        ]
        limit = self.pos + self.splitter.force_chars
        cut = self._choose(candidates, self.pos + 1, self.pos + self.max, limit)
        if cut is None:
            return False
        k = next(i for i, item in enumerate(items) if scan.line_start(item.first) == cut)
        if same:
            group = self.group
        else:
            token = scan.tokens[block.token]
            group = ListGroup(block.kind == "ordered_list", int(token.attrs.get("start", 1) or 1))
        count, loose, paragraphs = _share(items[first:k], False)
        assert group is not None
        group.items += count
        group.loose |= loose
        group.paragraphs |= paragraphs
        self._cut(cut, LIST, ITEM, tail_group=group)
        self.group, self.offset = group, group.items
        self.item_block, self.first_item = index, k
        return True

    def _force(self, block: Block) -> None:
        """No clean cut within `FORCE_CHARS`: cut anyway, at a space or a line, as near to
        `MAX_CHARS` as possible. A paragraph still wraps on across the cut."""
        scan = self.scan
        norm = scan.norm
        pos = self.pos
        hi = pos + self.max
        if block.kind in ("paragraph", "setext"):
            space = norm.rfind(" ", pos + self.max // 2, hi)
            cut = space if space > pos and norm[space - 1] not in SPACE else hi
            while cut > pos + self.max // 2 and not splittable(norm, cut) and cut != space:
                cut -= 1
            self._cut(cut, PARA, PARA)
            self._paragraph_bounds(block)
            return
        line = scan.line_of(hi)
        start = scan.line_start(line)
        self._cut(start if start > pos + self.max // 4 else hi, FRESH, CUT)


def split_all(text: str) -> list[Piece]:
    """A finished text, cut into pieces."""
    pieces, _ = MarkdownSplitter().take(text, final=True)
    return pieces
