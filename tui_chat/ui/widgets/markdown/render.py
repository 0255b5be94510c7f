"""Markdown to terminal lines, fast enough to run on every frame of a stream.

Rich's `Markdown` costs about 10 ms per kilobyte here (its `Syntax` about 16 ms per
kilobyte of code): a streaming answer's tail re-rendered each frame, or the first screen
of a long history, spent most of its time there. This walks markdown-it's tree (the
parser Rich and Textual use) and writes segments straight into `Strip`s, word-wrapped
to the width, with pygments colouring code: a few times faster for the same look.

Text is shown, never interpreted: control characters are made visible first, raw HTML
is shown as written, and links keep their address beside the text.

A long answer is rendered in pieces (`split`): `render_piece` renders one piece so
that the pieces, one under the other, are row for row what `render_markdown` makes of the
whole text. A piece that begins inside a paragraph or a code line goes on filling the row
the piece before it left open (its `Carry`), so wrapping flows across the cut; a piece
inside a list numbers, indents and spaces its items as the whole list does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len, chop_cells
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from .parse import SPACE, parser, prepared
from .piece import CODE, FRESH, ITEM, LIST, PARA, Carry

if TYPE_CHECKING:
    from markdown_it.tree import SyntaxTreeNode

    from .piece import Piece

#: A rendered line under construction: its segments and its width in cells.
Line = tuple[list[Segment], int]
Span = tuple[str, Style]

_WORDS = re.compile(r"[^ \n]+|[ ]+|\n")
#: Printable ASCII: one cell per character.
_ASCII = frozenset(map(chr, range(0x20, 0x7F)))
_ALIGN = re.compile(r"text-align:(left|right|center)")
BULLETS = ("•", "◦", "▪")
NULL = Style()


@dataclass(frozen=True)
class MarkdownTheme:
    """The styles of Markdown's elements; ANSI colours, so terminal themes apply."""

    headings: tuple[Style, ...]
    code_inline: Style
    link: Style
    url: Style
    quote: Style
    quote_bar: Style
    bullet: Style
    rule: Style
    table_border: Style
    table_header: Style
    html: Style
    code_theme: str


@lru_cache(maxsize=2)
def theme_for(dark: bool) -> MarkdownTheme:
    return MarkdownTheme(
        headings=(
            Style(bold=True, underline=True, color="magenta" if dark else "blue"),
            Style(bold=True, color="magenta" if dark else "blue"),
            Style(bold=True),
            Style(bold=True, italic=True),
            Style(italic=True),
            Style(italic=True, dim=True),
        ),
        code_inline=Style(bold=True, color="cyan" if dark else "blue"),
        link=Style(color="bright_blue" if dark else "blue", underline=True),
        url=Style(color="blue", dim=True),
        quote=Style(italic=True),
        quote_bar=Style(color="magenta" if dark else "blue"),
        bullet=Style(bold=True, color="yellow" if dark else "magenta"),
        rule=Style(dim=True),
        table_border=Style(dim=True),
        table_header=Style(bold=True),
        html=Style(dim=True),
        code_theme="monokai" if dark else "friendly",
    )


_LISTS = ("bullet_list", "ordered_list")


def render_markdown(text: str, width: int, base: Style = NULL, dark: bool = True) -> list[Strip]:
    """`text` as lines of exactly `width` cells, styled over `base`."""
    from markdown_it.tree import SyntaxTreeNode

    width = max(width, 1)
    renderer = _Renderer(theme_for(dark), base)
    root = SyntaxTreeNode(parser().parse(prepared(text)))
    lines = renderer.blocks(root.children, width, NULL, tight=False)
    return renderer.strips(lines, width)


def render_piece(
    piece: Piece, width: int, base: Style = NULL, dark: bool = True, carry: Carry | None = None
) -> tuple[list[Strip], Carry | None]:
    """One piece of a longer text (`piece.Piece`) as lines of exactly `width`
    cells, and the row it leaves open for the next piece (not among its lines).

    `carry` is the row the piece before it left open, or None. Pieces rendered in order,
    each given the previous one's carry, are row for row `render_markdown` of the whole
    text.
    """
    width = max(width, 1)
    renderer = _Renderer(theme_for(dark), base)
    lines, carry_out = renderer.piece(piece, width, carry)
    return renderer.strips(lines, width), carry_out


def measure_piece(
    piece: Piece, width: int, base: Style = NULL, dark: bool = True, carry: Carry | None = None
) -> tuple[int, Carry | None]:
    """What `render_piece` gives, but only how many lines and the carry: for the pieces
    before the one to be shown, when it goes on from them (no Strips made)."""
    width = max(width, 1)
    lines, carry_out = _Renderer(theme_for(dark), base).piece(piece, width, carry)
    return len(lines), carry_out


class _Wrap:
    """Word-wrapping of styled text to `width` cells (words longer than a row are cut),
    which can stop with its last row still open (`carry`) and start from one."""

    __slots__ = ("cells", "chopping", "line", "out", "style", "width", "word", "word_cells")

    def __init__(self, renderer: _Renderer, width: int, carry: Carry | None = None) -> None:
        self.style = renderer.style
        self.width = width
        self.out: list[Line] = []
        self.line: list[Segment] = list(carry.line) if carry else []
        self.cells = carry.cells if carry else 0
        self.word: list[Segment] = list(carry.word) if carry else []
        self.word_cells = carry.word_cells if carry else 0
        self.chopping = carry.chopping if carry else False

    def add(self, spans: list[Span]) -> None:
        self._run(spans, "")

    def end(self) -> list[Line]:
        """The rows, the last one closed."""
        self._run([], "end")
        return self.out

    def carry(self) -> Carry:
        """The open row (self.out holds the closed ones). A pending word already longer
        than a row is cut now, as it would be however it goes on."""
        self._run([], "carry")
        return Carry(self.line, self.cells, self.word, self.word_cells, self.chopping)

    def _run(self, spans: list[Span], finish: str) -> None:
        # Locals and closures, not attributes: this loop is most of a paragraph's cost.
        width = self.width
        out = self.out
        line, cells = self.line, self.cells
        word, word_cells, chopping = self.word, self.word_cells, self.chopping

        def flush_line() -> None:
            nonlocal line, cells
            while line and line[-1].text.isspace():  # no trailing blanks at a wrap
                cells -= cell_len(line.pop().text)
            out.append((line, cells))
            line, cells = [], 0

        def cut(text: str, style: Style | None) -> None:
            nonlocal cells
            # Measuring what is left of a long word on every row made a row's cost grow
            # with the word (a megabyte without spaces: minutes); plain ASCII is measured
            # by its length.
            ascii_only = _ASCII.issuperset(text)
            while text:
                room = width - cells
                size = len(text) if ascii_only else cell_len(text)
                if size <= room:
                    line.append(Segment(text, style))
                    cells += size
                    break
                head = text[:room] if ascii_only else _fit(text, room, empty=not cells)
                if head:
                    line.append(Segment(head, style))
                    cells += len(head) if ascii_only else cell_len(head)
                    text = text[len(head) :]
                flush_line()

        def place_word() -> None:
            nonlocal word, word_cells, cells
            if not word:
                return
            if cells and cells + word_cells > width:
                flush_line()
            if word_cells > width:  # longer than a line: cut it
                for segment in word:
                    cut(segment.text, segment.style)
            else:
                line.extend(word)
                cells += word_cells
            word, word_cells = [], 0

        style_of = self.style
        for text, style in spans:
            combined = style_of(style)
            for match in _WORDS.finditer(text):
                part = match.group()
                if part == "\n":
                    place_word()
                    chopping = False
                    flush_line()
                elif part[0] == " ":
                    place_word()
                    chopping = False
                    if cells and cells + len(part) <= width:
                        line.append(Segment(part, combined))
                        cells += len(part)
                    elif cells:
                        flush_line()
                elif chopping:  # the rest of a word cut before this piece
                    cut(part, combined)
                else:
                    word.append(Segment(part, combined))
                    word_cells += cell_len(part)
        if finish == "end":
            place_word()
            if line or not out:
                flush_line()
        elif finish == "carry" and word_cells > width:
            place_word()
            chopping = True
        self.line, self.cells = line, cells
        self.word, self.word_cells, self.chopping = word, word_cells, chopping


class _Renderer:
    def __init__(self, theme: MarkdownTheme, base: Style) -> None:
        self.theme = theme
        self.base = base
        self._styles: dict[Style, Style] = {}

    def style(self, style: Style) -> Style:
        """`base + style`, computed once per style."""
        combined = self._styles.get(style)
        if combined is None:
            combined = self._styles[style] = self.base + style
        return combined

    def strips(self, lines: list[Line], width: int) -> list[Strip]:
        # One Strip per line: each costs ~30 us to make (it sets up its own caches), so pad
        # the segments here rather than let `adjust_cell_length` make a second one.
        strips: list[Strip] = []
        pad = self.style(NULL)
        for segments, cells in lines:
            if cells < width:
                segments.append(Segment(" " * (width - cells), pad))
            elif cells > width:
                strips.append(Strip(segments).adjust_cell_length(width, self.base))
                continue
            strips.append(Strip(segments, width))
        return strips

    # --- a piece of a longer text --------------------------------------------------------

    def piece(
        self, piece: Piece, width: int, carry: Carry | None
    ) -> tuple[list[Line], Carry | None]:
        from markdown_it.tree import SyntaxTreeNode

        raw = piece.raw
        out: list[Line] = []
        head = piece.head
        if head == PARA:
            # The rest of a paragraph begun before: its text only (it cannot start a block
            # here, whatever it looks like), wrapped on from the row left open.
            goes_on = piece.tail == PARA and piece.head_end == len(raw)
            text = prepared(raw[: piece.head_end])
            if not goes_on:
                text = text.rstrip(SPACE)  # the paragraph's end, trimmed as a whole one is
            wrap = _Wrap(self, width, carry)
            node = SyntaxTreeNode(parser().parseInline(text)).children[0]
            wrap.add(self.inline(node, NULL))
            if goes_on:
                return wrap.out, wrap.carry()
            out = wrap.end()
            raw, head, carry = raw[piece.rest_start :], FRESH, None
        display = prepared(raw)
        if head == CODE:
            display = f"{prepared(piece.fence)}\n{display}"  # the fence goes on: still code
        root = SyntaxTreeNode(parser().parse(display))
        return self.top(root.children, width, piece, head, carry, out)

    def top(
        self,
        nodes: list[SyntaxTreeNode],
        width: int,
        piece: Piece,
        head: str,
        carry: Carry | None,
        out: list[Line],
    ) -> tuple[list[Line], Carry | None]:
        """A piece's blocks, as `blocks` renders a whole text's, except its first block
        when it goes on from the piece before and its last when it goes on in the next."""
        carry_out: Carry | None = None
        tail = piece.tail
        last = len(nodes) - 1
        for index, node in enumerate(nodes):
            first = index == 0
            final = index == last
            kind = node.type
            opened: Carry | None = None
            if kind == "fence" and ((first and head == CODE) or (final and tail == CODE)):
                language = node.info.split()[0] if node.info.strip() else ""
                lines, opened = self.code(
                    node.content,
                    language,
                    width,
                    carry if first and head == CODE else None,
                    goes_on=final and tail == CODE,
                )
            elif kind in _LISTS and ((first and head == ITEM) or (final and tail == LIST)):
                group = piece.group if first and head == ITEM else piece.tail_group
                start = group.start + piece.offset if first and head == ITEM and group else None
                lines = self.list(
                    node,
                    width,
                    NULL,
                    start=start,
                    pad=group.pad() if group else None,
                    tight=group.tight() if group else None,
                )
            elif kind == "paragraph" and final and tail == PARA:
                wrap = _Wrap(self, width)
                wrap.add(self.inline(node.children[0], NULL))
                lines, opened = wrap.out, wrap.carry()
            else:
                lines = self.block(node, width, NULL)
            if opened is not None:
                carry_out = opened
            elif not lines:
                continue
            if out:
                out.append(([], 0))
            out.extend(lines)
        return out, carry_out

    # --- blocks --------------------------------------------------------------------------

    def blocks(
        self, nodes: list[SyntaxTreeNode], width: int, inherit: Style, tight: bool
    ) -> list[Line]:
        out: list[Line] = []
        for node in nodes:
            lines = self.block(node, width, inherit)
            if not lines:
                continue
            if out and not tight:
                out.append(([], 0))
            out.extend(lines)
        return out

    def block(self, node: SyntaxTreeNode, width: int, inherit: Style) -> list[Line]:
        kind = node.type
        if kind == "paragraph":
            return self.wrap(self.inline(node.children[0], inherit), width)
        if kind == "heading":
            level = min(int(node.tag[1:]), 6)
            style = inherit + self.theme.headings[level - 1]
            return self.wrap(self.inline(node.children[0], style), width)
        if kind in ("bullet_list", "ordered_list"):
            return self.list(node, width, inherit)
        if kind == "blockquote":
            bar = Segment("▌ ", self.style(self.theme.quote_bar))
            inner = self.blocks(node.children, max(width - 2, 1), inherit + self.theme.quote, False)
            return [([bar, *segments], cells + 2) for segments, cells in inner]
        if kind in ("fence", "code_block"):
            language = node.info.split()[0] if kind == "fence" and node.info.strip() else ""
            return self.code(node.content, language, width)[0]
        if kind == "hr":
            return [([Segment("─" * width, self.style(self.theme.rule))], width)]
        if kind == "table":
            return self.table(node, width, inherit)
        if kind == "html_block":
            spans = [(node.content.rstrip("\n"), inherit + self.theme.html)]
            return self.wrap(spans, width)
        if node.children:  # anything else with content: its blocks in order
            return self.blocks(node.children, width, inherit, tight=False)
        return self.wrap([(node.content, inherit)], width) if node.content else []

    def list(
        self,
        node: SyntaxTreeNode,
        width: int,
        inherit: Style,
        start: int | None = None,
        pad: int | None = None,
        tight: bool | None = None,
    ) -> list[Line]:
        """A list; `start`, `pad` and `tight` are set for a list cut into pieces, as the
        whole list has them (its first number, its markers' width, its spacing)."""
        depth = 0
        parent = node.parent
        while parent is not None:
            depth += parent.type in ("bullet_list", "ordered_list")
            parent = parent.parent
        items = node.children
        ordered = node.type == "ordered_list"
        if ordered:
            if start is None:
                start = int(node.attrs.get("start", 1) or 1)
            markers = [f"{start + i}." for i in range(len(items))]
        else:
            markers = [BULLETS[depth % len(BULLETS)]] * len(items)
        natural = max(cell_len(m) for m in markers) + 1 if markers else 2
        pad = natural if pad is None else max(pad, natural)
        if tight is None:
            tight = all(
                child.hidden
                for item in items
                for child in item.children
                if child.type == "paragraph"
            )
        bullet = self.style(self.theme.bullet)
        blank = Segment(" " * pad, self.style(NULL))
        out: list[Line] = []
        inner_width = max(width - pad, 1)
        for marker, item in zip(markers, items, strict=True):
            lines = self.blocks(item.children, inner_width, inherit, tight) or [([], 0)]
            if out and not tight:
                out.append(([], 0))
            label = marker.rjust(pad - 1) + " " if ordered else marker.ljust(pad)
            first = Segment(label, bullet)
            for index, (segments, cells) in enumerate(lines):
                out.append(([first if index == 0 else blank, *segments], cells + pad))
        return out

    def code(
        self,
        code: str,
        language: str,
        width: int,
        carry: Carry | None = None,
        goes_on: bool = False,
    ) -> tuple[list[Line], Carry | None]:
        """A code block on its own background, one cell of padding each side. Cut into
        pieces, a block starts from the row the piece before left open (`carry`), and one
        that `goes_on` in the next piece keeps its last blank lines (not the block's last)
        and leaves its last row open if the cut was inside a line."""
        background, token_style = _code_style(self.theme.code_theme)
        fill = self.style(background)
        inner = max(width - 2, 1)
        out: list[Line] = []
        line: list[Segment] = list(carry.line) if carry else [Segment(" ", fill)]
        cells = carry.cells if carry else 0

        def end_line() -> None:
            nonlocal line, cells
            pad = max(0, width - 1 - cells)
            line.append(Segment(" " * pad, fill))
            out.append((line, 1 + cells + pad))
            line, cells = [Segment(" ", fill)], 0

        open_row = goes_on and not code.endswith("\n")
        if not goes_on:
            code = code.rstrip("\n")  # a block's last blank lines are not shown
        elif not open_row:
            code = code[:-1]  # its last line's end: the next piece starts a new row
        for token_type, value in _highlight(code, language):
            style = self.style(background + token_style(token_type))
            for index, part in enumerate(value.split("\n")):
                if index:
                    end_line()
                ascii_only = _ASCII.issuperset(part)  # (see `_Wrap`: measured by length)
                while part:
                    room = inner - cells
                    size = len(part) if ascii_only else cell_len(part)
                    if size <= room:
                        line.append(Segment(part, style))
                        cells += size
                        break
                    head = part[:room] if ascii_only else _fit(part, room, empty=not cells)
                    if head:
                        line.append(Segment(head, style))
                        cells += len(head) if ascii_only else cell_len(head)
                        part = part[len(head) :]
                    end_line()
        if open_row:
            return out, Carry(line, cells, [], 0, False)
        end_line()
        return out, None

    def table(self, node: SyntaxTreeNode, width: int, inherit: Style) -> list[Line]:
        rows: list[tuple[bool, list[list[Span]]]] = []
        aligns: list[str] = []
        for section in node.children:
            header = section.type == "thead"
            for tr in section.children:
                cells: list[list[Span]] = []
                for index, cell in enumerate(tr.children):
                    if header or len(aligns) <= index:
                        match = _ALIGN.search(str(cell.attrs.get("style", "")))
                        align = match.group(1) if match else "left"
                        if index < len(aligns):
                            aligns[index] = align
                        else:
                            aligns.append(align)
                    style = inherit + self.theme.table_header if header else inherit
                    cells.append(self.inline(cell.children[0], style) if cell.children else [])
                rows.append((header, cells))
        columns = max((len(cells) for _, cells in rows), default=0)
        if not columns:
            return []
        natural = [1] * columns
        for _, cells in rows:
            for index, spans in enumerate(cells):
                natural[index] = max(natural[index], sum(cell_len(t) for t, _ in spans))
        # Shrink the widest columns until the table fits (" │ " between columns).
        room = max(width - 3 * (columns - 1), columns)
        widths = natural[:]
        while sum(widths) > room and max(widths) > 1:
            widest = widths.index(max(widths))
            widths[widest] -= max(1, (sum(widths) - room) // columns)
        border = self.style(self.theme.table_border)
        separator = Segment(" │ ", border)
        out: list[Line] = []
        for header, cells in rows:
            wrapped = [
                self.wrap(cells[i] if i < len(cells) else [], widths[i]) or [([], 0)]
                for i in range(columns)
            ]
            for y in range(max(len(w) for w in wrapped)):
                line: list[Segment] = []
                for i in range(columns):
                    if i:
                        line.append(separator)
                    segments, cells_used = wrapped[i][y] if y < len(wrapped[i]) else ([], 0)
                    gap = widths[i] - cells_used
                    shift = {"left": 0, "right": gap, "center": gap // 2}[aligns[i]]
                    left = max(shift, 0)
                    if left:
                        line.append(Segment(" " * left, self.style(NULL)))
                    line.extend(segments)
                    if gap - left > 0:
                        line.append(Segment(" " * (gap - left), self.style(NULL)))
                out.append((line, sum(widths) + 3 * (columns - 1)))
            if header:
                rule = "─┼─".join("─" * w for w in widths)
                out.append(([Segment(rule, border)], cell_len(rule)))
        return out

    # --- inline --------------------------------------------------------------------------

    def inline(self, node: SyntaxTreeNode, style: Style) -> list[Span]:
        spans: list[Span] = []
        self._inline(node.children, style, spans)
        return spans

    def _inline(self, nodes: list[SyntaxTreeNode], style: Style, spans: list[Span]) -> None:
        theme = self.theme
        for node in nodes:
            kind = node.type
            if kind == "text":
                spans.append((node.content, style))
            elif kind == "softbreak":
                spans.append((" ", style))
            elif kind == "hardbreak":
                spans.append(("\n", style))
            elif kind == "code_inline":
                spans.append((node.content, style + theme.code_inline))
            elif kind == "strong":
                self._inline(node.children, style + Style(bold=True), spans)
            elif kind == "em":
                self._inline(node.children, style + Style(italic=True), spans)
            elif kind == "s":
                self._inline(node.children, style + Style(strike=True), spans)
            elif kind == "link":
                start = len(spans)
                self._inline(node.children, style + theme.link, spans)
                href = str(node.attrs.get("href", ""))
                shown = "".join(text for text, _ in spans[start:])
                if href and href != shown and href != f"mailto:{shown}":
                    spans.append((f" ({href})", style + theme.url))
            elif kind == "image":
                alt = "".join(child.content for child in node.children) or "image"
                spans.append((f"🖼 {alt} ({node.attrs.get('src', '')})", style + theme.url))
            elif kind == "html_inline":
                spans.append((node.content, style + theme.html))
            elif node.children:
                self._inline(node.children, style, spans)
            elif node.content:
                spans.append((node.content, style))

    def wrap(self, spans: list[Span], width: int) -> list[Line]:
        """Word-wrap styled text to `width` cells; words longer than a line are cut."""
        wrap = _Wrap(self, width)
        wrap.add(spans)
        return wrap.end()


def _fit(text: str, room: int, empty: bool) -> str:
    """The start of `text` that fits in `room` cells; on an empty line at least one
    character, so a character wider than the whole line still moves on."""
    head = chop_cells(text, room)[0] if room > 0 else ""
    return head or (text[0] if empty else "")


@lru_cache(maxsize=4)
def _code_style(name: str) -> tuple[Style, Any]:
    """The background of a pygments style, and a cached token type -> Style function."""
    from pygments.styles import get_style_by_name

    pygments_style = get_style_by_name(name)
    background = Style(bgcolor=pygments_style.background_color)

    @lru_cache(maxsize=512)
    def token_style(token_type: Any) -> Style:
        spec = pygments_style.style_for_token(token_type)
        return Style(
            color=f"#{spec['color']}" if spec["color"] else None,
            bold=spec["bold"] or None,
            italic=spec["italic"] or None,
            underline=spec["underline"] or None,
        )

    return background, token_style


@lru_cache(maxsize=64)
def _lexer(language: str) -> Any:
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    if language:
        try:
            return get_lexer_by_name(language, stripnl=False, ensurenl=False)
        except ClassNotFound:
            pass
    return None


def _highlight(code: str, language: str) -> Any:
    lexer = _lexer(language.lower())
    if lexer is None:
        from pygments.token import Text

        return [(Text, code)]
    return lexer.get_tokens(code)


def warm_up() -> None:
    """Load the parser, the lexers of common languages and their patterns now (~0.15 s of
    imports and regex compiling), so the first answer shown does not pay for them."""
    sample = "# a\n\n**b** `c`\n\n| d |\n|---|\n| e |\n\n"
    for language in ("python", "bash", "javascript", "json"):
        render_markdown(f"{sample}```{language}\nx = 1\n```\n", 40)
