"""Rendering one piece of a longer text so that it joins the piece before it.

A long answer is rendered in pieces (`split`): `render_piece` renders one piece so that
the pieces, one under the other, are row for row what `render.render_markdown` makes of the
whole text. A piece that begins inside a paragraph or a code line goes on filling the row
the piece before it left open (its `Carry`), so wrapping flows across the cut; a piece
inside a list numbers, indents and spaces its items as the whole list does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from textual.strip import Strip

from .parse import SPACE, parser, prepared
from .piece import CODE, FRESH, ITEM, LIST, PARA, Carry
from .render import NULL, Renderer, theme_for
from .wrap import Line, Wrap

if TYPE_CHECKING:
    from markdown_it.tree import SyntaxTreeNode

    from .piece import Piece

_LISTS = ("bullet_list", "ordered_list")


def render_piece(
    piece: Piece, width: int, base: Style = NULL, dark: bool = True, carry: Carry | None = None
) -> tuple[list[Strip], Carry | None]:
    """One piece of a longer text (`piece.Piece`) as lines of exactly `width` cells, and
    the row it leaves open for the next piece (not among its lines).

    `carry` is the row the piece before it left open, or None. Pieces rendered in order,
    each given the previous one's carry, are row for row `render_markdown` of the whole
    text.
    """
    width = max(width, 1)
    renderer = PieceRenderer(theme_for(dark), base)
    lines, carry_out = renderer.piece(piece, width, carry)
    return renderer.strips(lines, width), carry_out


def measure_piece(
    piece: Piece, width: int, base: Style = NULL, dark: bool = True, carry: Carry | None = None
) -> tuple[int, Carry | None]:
    """What `render_piece` gives, but only how many lines and the carry: for the pieces
    before the one to be shown, when it goes on from them (no Strips made)."""
    width = max(width, 1)
    lines, carry_out = PieceRenderer(theme_for(dark), base).piece(piece, width, carry)
    return len(lines), carry_out


class PieceRenderer(Renderer):
    """The renderer, given a piece: its first and last blocks may go on from the piece
    before or in the next."""

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
            wrap = Wrap(self, width, carry)
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
                wrap = Wrap(self, width)
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
