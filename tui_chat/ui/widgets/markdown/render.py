"""Markdown to terminal lines, fast enough to run on every frame of a stream.

Rich's `Markdown` costs about 10 ms per kilobyte here (its `Syntax` about 16 ms per
kilobyte of code): a streaming answer's tail re-rendered each frame, or the first screen
of a long history, spent most of its time there. This walks markdown-it's tree (the
parser Rich and Textual use) and writes segments straight into `Strip`s, word-wrapped
to the width, with pygments colouring code: a few times faster for the same look.

Text is shown, never interpreted: control characters are made visible first, raw HTML
is shown as written, and links keep their address beside the text.

A long answer is rendered in pieces, each joining the one before it without a seam:
`render_piece`. Word-wrapping (with a row left open across a cut) is `wrap`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from .parse import parser, prepared
from .piece import Carry
from .wrap import ASCII, Line, Span, Wrap, fit

if TYPE_CHECKING:
    from markdown_it.tree import SyntaxTreeNode

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


def render_markdown(text: str, width: int, base: Style = NULL, dark: bool = True) -> list[Strip]:
    """`text` as lines of exactly `width` cells, styled over `base`."""
    from markdown_it.tree import SyntaxTreeNode

    width = max(width, 1)
    renderer = Renderer(theme_for(dark), base)
    root = SyntaxTreeNode(parser().parse(prepared(text)))
    lines = renderer.blocks(root.children, width, NULL, tight=False)
    return renderer.strips(lines, width)


class Renderer:
    """Markdown's blocks and inline text as lines, styled over `base`."""

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
        for words, cells in lines:
            if cells < width:
                words.append(Segment(" " * (width - cells), pad))
            segments = _merged(words)
            if cells > width:
                strips.append(Strip(segments).adjust_cell_length(width, self.base))
                continue
            strips.append(Strip(segments, width))
        return strips

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
                ascii_only = ASCII.issuperset(part)  # (see `Wrap`: measured by length)
                while part:
                    room = inner - cells
                    size = len(part) if ascii_only else cell_len(part)
                    if size <= room:
                        line.append(Segment(part, style))
                        cells += size
                        break
                    head = part[:room] if ascii_only else fit(part, room, empty=not cells)
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
        wrap = Wrap(self, width)
        wrap.add(spans)
        return wrap.end()


def _merged(segments: list[Segment]) -> list[Segment]:
    """Neighbouring segments of one style as one: a word and the space after it were a
    segment each, and the terminal is sent each segment's whole colour sequence and a
    reset after it (~45 bytes in true colour), so a row of a paragraph cost ~1 kB."""
    merged: list[Segment] = []
    text = ""
    style: Style | None = None
    for segment in segments:
        if segment.style is style or (style is not None and segment.style == style):
            text += segment.text
            continue
        if text:
            merged.append(Segment(text, style))
        text, style = segment.text, segment.style
    if text:
        merged.append(Segment(text, style))
    return merged


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
