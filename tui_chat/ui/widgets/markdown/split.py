"""Cutting Markdown into pieces that are cheap to render, as it streams or all at once.

Rendering a piece of Markdown costs time in proportion to its size (and more than that
for one very long line), so an answer is shown as a column of pieces: finished blocks
grouped to about `BLOCK_CHARS`, and no piece much longer than `MAX_CHARS`.

The cuts must not show: the pieces rendered one under the other
(`render_piece`, each given the row the piece before left open) are, row
for row, the whole text rendered at once, at any width. So a piece is cut only

- between two top-level blocks: rendered apart, with the one blank row the whole text
  has between them (`Piece.head` FRESH);
- inside a paragraph, where no inline markup is open across the cut (emphasis, a code
  span, a link...; see `_clean_cuts`), before a space or inside a long word: the next
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

import re
import unicodedata
from bisect import bisect_right
from typing import Any, NamedTuple

from .parse import SPACE, parser, prepared
from .piece import CODE, CUT, FRESH, ITEM, LIST, PARA, ListGroup, Piece

#: Small enough that the open tail of a stream, rendered again each frame, costs ~2 ms;
#: a piece is data, not a widget, so many of them cost little.
BLOCK_CHARS = 600
MAX_CHARS = 2000
#: A piece grows this long, at most, waiting for a cut that does not show.
FORCE_CHARS = 8000

#: A paragraph's line is cut only this far from its start while it may still grow: its
#: first characters decide whether it starts a block (an HTML tag name, a list marker).
_LINE_START = 32
#: A cut inside a word needs this much of the word before it: an entity (`&amp;`) or an
#: autolink cannot be cut in two.
_WORD_START = 40

_CHANGED = re.compile(r"\r\n|\t")


class _Block(NamedTuple):
    """A top-level block of the parsed text: its kind, its lines (in the text's line
    numbers, end excluded) and its tokens (first and last index)."""

    kind: str
    first: int
    end: int
    token: int
    last_token: int


class _Scan:
    """The untaken text, prepared as the renderer prepares it and parsed into top-level
    blocks in the context it begins in (inside a paragraph, a fence...)."""

    def __init__(self, text: str, head: str, fence: str) -> None:
        self.text = text
        norm = self.norm = prepared(text)
        self.starts = [0, *(m.end() for m in re.finditer("\n", norm))]
        self._raw_at: tuple[list[int], list[tuple[int, int, int]]] | None = None
        if len(norm) != len(text):
            self._map_positions()
        shift = 0
        if head == PARA:
            # The first line is the rest of a paragraph's line: whatever it looks like, it
            # is text. A stand-in line keeps the next lines in that paragraph.
            src = "x\n" + norm[self.starts[1] :] if len(self.starts) > 1 else "x"
        elif head == CODE:
            src, shift = f"{prepared(fence)}\n{norm}", 1
        else:
            src = norm
        self.shift = shift
        md = parser()
        self.tokens: list[Any] = []
        md.block.parse(src, md, {}, self.tokens)
        self.blocks: list[_Block] = []
        tokens = self.tokens
        index = 0
        while index < len(tokens):
            token = tokens[index]
            if token.level == 0 and token.nesting >= 0 and token.map:
                last = index
                if token.nesting == 1:
                    while not (tokens[last].level == 0 and tokens[last].nesting == -1):
                        last += 1
                first, end = token.map
                kind = token.type.removesuffix("_open")
                if kind == "heading" and token.markup in ("=", "-"):
                    kind = "setext"
                self.blocks.append(_Block(kind, first - shift, end - shift, index, last))
                index = last + 1
            else:
                index += 1

    # --- lines and positions ---------------------------------------------------------------

    def line_start(self, line: int) -> int:
        starts = self.starts
        return starts[line] if 0 <= line < len(starts) else (0 if line < 0 else len(self.norm))

    def line_end(self, line: int) -> int:
        """Where the line's text ends (its newline, or the end of the text)."""
        if line + 1 < len(self.starts):
            return self.starts[line + 1] - 1
        return len(self.norm)

    def complete(self, line: int) -> bool:
        """The line's end has arrived (its newline)."""
        return line >= 0 and line + 1 < len(self.starts)

    def blank(self, line: int) -> bool:
        return not self.norm[self.line_start(line) : self.line_end(line)].strip(" ")

    def line_of(self, position: int) -> int:
        return bisect_right(self.starts, position) - 1

    def _map_positions(self) -> None:
        # The renderer sees "\r\n" as one character and a tab as four spaces: positions
        # here are in that text; pieces are cut in the original.
        norm_starts: list[int] = []
        changes: list[tuple[int, int, int]] = []  # (end in the prepared text, raw start, end)
        grown = 0
        for match in _CHANGED.finditer(self.text):
            norm_starts.append(match.start() + grown)
            grown += 3 if match.group() == "\t" else -1
            changes.append((match.end() + grown, match.start(), match.end()))
        self._raw_at = (norm_starts, changes)

    def raw(self, position: int) -> int:
        """The original text's position for a position in the prepared one (inside a tab's
        spaces: the tab's)."""
        if self._raw_at is None:
            return position
        norm_starts, changes = self._raw_at
        index = bisect_right(norm_starts, position) - 1
        if index < 0:
            return position
        norm_end, raw_start, raw_end = changes[index]
        if position < norm_end:
            return raw_start
        return raw_end + position - norm_end


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
        cutter = _Cutter(self, _Scan(text, self.head, self.fence), final)
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


def _splittable(text: str, position: int) -> bool:
    """Whether text[position - 1] and text[position] may go to two pieces: neither is
    white space, and they are not one character on screen (an accent and its letter, an
    emoji sequence, a flag).
    """
    before, after = text[position - 1], text[position]
    if before in SPACE or after in SPACE or before == "\u200d":
        return False
    if unicodedata.category(after) in ("Mn", "Mc", "Me", "Cf"):
        return False
    if 0x1F3FB <= ord(after) <= 0x1F3FF:  # a skin tone
        return False
    return not (0x1F1E6 <= ord(before) <= 0x1F1FF and 0x1F1E6 <= ord(after) <= 0x1F1FF)


def _tag_start(src: str, position: int) -> bool:
    """A `<` followed by this may become an inline tag."""
    return src[position].isalpha() or src[position] in "/!?"


def _closes(line: str, markup: str) -> bool:
    """Whether `line` closes a fence opened with `markup`."""
    if len(line) - len(line.lstrip(" ")) > 3:
        return False
    mark = line.strip(" ")
    return len(mark) >= len(markup) and set(mark) == {markup[0]}


class _Cuts(NamedTuple):
    """Where a paragraph's text can be cut with no inline markup open across the cut."""

    spaces: list[int]  # before a space or a line's end
    words: list[tuple[int, int]]  # inside these runs of plain text, from `_WORD_START` on
    blocked: bytearray  # 1: not there (from `base`)
    base: int


def _clean_cuts(norm: str, start: int, end: int) -> _Cuts:
    """Cuts of the paragraph text norm[start:end], which begins at the paragraph's start or
    at a clean cut, where nothing of the inline markup before the cut can be changed by
    what comes after it: markdown-it's own inline rules run over the text, and a cut is
    clean outside every code span, link, autolink or inline tag, after every emphasis or
    strikethrough delimiter that may still open (and outside each matched pair), after
    every backtick run still unmatched, `[` whose label may still close into a link, or
    `<` that may still become a tag. Whatever follows can then only change what is after
    the cut, in the whole text as in the pieces. (Link reference definitions, which
    markdown-it applies across the whole text, are left aside.)
    """
    from markdown_it.rules_inline import StateInline, link_pairs
    from markdown_it.rules_inline import text as text_rule

    src = norm[start:end]
    size = len(src)
    md = parser()
    state = StateInline(src, md, {}, [])
    rules = md.inline.ruler.getRules("")
    max_nesting = md.options["maxNesting"]
    blocked = bytearray(size + 1)
    delimiter_steps: list[tuple[int, int]] = []
    text_steps: list[tuple[int, int]] = []
    unsafe = size + 1  # no cut after this
    while state.pos < size:
        pos = state.pos
        delimiters, tokens = len(state.delimiters), len(state.tokens)
        matched = None
        if state.level < max_nesting:
            for rule in rules:
                if rule(state, False):
                    matched = rule
                    break
        if matched is None:  # a character no rule takes: literal text
            char = src[pos]
            if char == "[":
                label_end = md.helpers.parseLinkLabel(state, pos, False)
                if label_end < 0 or label_end + 1 >= size or src[label_end + 1] == "(":
                    unsafe = min(unsafe, pos + 1)  # may still become a link
                else:
                    blocked[pos + 1 : label_end + 1] = b"\1" * (label_end - pos)
            elif char == "<" and pos + 1 < size and (_tag_start(src, pos + 1)):
                close = src.find(">", pos)
                if close < 0:
                    unsafe = min(unsafe, pos + 1)  # may still become a tag
                else:
                    blocked[pos + 1 : close + 1] = b"\1" * (close - pos)
            state.append_pending(char)
            state.pos += 1
            continue
        stop = state.pos
        if matched is text_rule:
            text_steps.append((pos, stop))
            continue
        if stop - pos > 1:
            blocked[pos + 1 : stop] = b"\1" * (stop - pos - 1)
        if src[pos] == "`" and len(state.tokens) == tokens:
            unsafe = min(unsafe, pos + 1)  # a backtick run not closed (yet)
        delimiter_steps.extend([(pos, stop)] * (len(state.delimiters) - delimiters))
    link_pairs(state)  # markdown-it's matching of emphasis and strikethrough delimiters
    for index, delimiter in enumerate(state.delimiters):
        if delimiter.end >= 0:
            first, last = delimiter_steps[index][0], delimiter_steps[delimiter.end][1]
            blocked[first + 1 : last] = b"\1" * (last - first - 1)
        elif delimiter.open:
            unsafe = min(unsafe, delimiter_steps[index][0] + 1)
    if unsafe <= size:
        blocked[unsafe:] = b"\1" * (size + 1 - unsafe)
    spaces = []
    for space in " \n":  # (str.find: a long word is passed over at C speed)
        at = src.find(space, 1)
        while at >= 0:
            if src[at - 1] not in SPACE and not blocked[at]:
                spaces.append(start + at)
            at = src.find(space, at + 1)
    spaces.sort()
    words = [(start + a + _WORD_START, start + b) for a, b in text_steps if b - a > _WORD_START]
    return _Cuts(spaces, words, blocked, start)


class _Cutter:
    """One `take`: walks the scanned blocks, cuts, and leaves the splitter ready for the
    text after what it took."""

    def __init__(self, splitter: MarkdownSplitter, scan: _Scan, final: bool) -> None:
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

    def _may_cut_before(self, block: _Block) -> bool:
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

    def _cut_inside(self, index: int, block: _Block) -> None:
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

    def _paragraph_bounds(self, block: _Block) -> None:
        scan = self.scan
        text_lines = block.end - (2 if block.kind == "setext" else 1)
        self.para_end = scan.line_end(text_lines)
        self.rest_start = scan.line_start(block.end)

    def _cut_paragraph(self, block: _Block) -> bool:
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
            cuts = _clean_cuts(norm, begin, min(text_end, window))
            cut = self._choose_paragraph_cut(cuts, max(begin, pos) + 1, hi, min(limit, window))
            if cut is not None or window >= text_end:
                break
        if cut is None:
            return False
        self._cut(cut, PARA, PARA)
        self._paragraph_bounds(block)
        return True

    def _choose_paragraph_cut(self, cuts: _Cuts, lo: int, hi: int, limit: int) -> int | None:
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

    def _word_cut(self, cuts: _Cuts, low: int, high: int, ascending: bool) -> int | None:
        norm, blocked, base = self.scan.norm, cuts.blocked, cuts.base
        for first, last in cuts.words if ascending else reversed(cuts.words):
            a, b = max(first, low), min(last - 1, high)
            if a > b:
                continue
            positions = range(a, b + 1) if ascending else range(b, a - 1, -1)
            for cut in positions:
                if (
                    not blocked[cut - base]
                    and _splittable(norm, cut)
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

    def _cut_fence(self, block: _Block) -> bool:
        scan = self.scan
        norm = scan.norm
        pos = self.pos
        markup = scan.tokens[block.token].markup
        content = block.first + 1
        end = block.end
        if end - 1 > block.first and _closes(
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
                if norm[position] not in "`~" and _splittable(norm, position):
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

    def _cut_list(self, index: int, block: _Block) -> bool:
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

    def _force(self, block: _Block) -> None:
        """No clean cut within `FORCE_CHARS`: cut anyway, at a space or a line, as near to
        `MAX_CHARS` as possible. A paragraph still wraps on across the cut."""
        scan = self.scan
        norm = scan.norm
        pos = self.pos
        hi = pos + self.max
        if block.kind in ("paragraph", "setext"):
            space = norm.rfind(" ", pos + self.max // 2, hi)
            cut = space if space > pos and norm[space - 1] not in SPACE else hi
            while cut > pos + self.max // 2 and not _splittable(norm, cut) and cut != space:
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
