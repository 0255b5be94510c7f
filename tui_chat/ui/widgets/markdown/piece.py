"""A piece of a longer text, and what goes across a cut between two pieces.

`split` cuts an answer into `Piece`s, saying how each begins and ends (`FRESH`, `PARA`...)
and, for a list cut into pieces, what its rendering depends on (`ListGroup`); `render_piece`
renders each, given the row the piece before left open (`Carry`), so that the pieces, one
under the other, are row for row the whole text rendered at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from rich.segment import Segment

#: How a piece of a longer text begins (`Piece.head`) and ends (`Piece.tail`); see `split`.
#: FRESH: a block of its own (or the text's end); PARA: inside a paragraph; CODE: inside a
#: code fence; ITEM: at an item of a list begun before it; LIST: its last block is a list
#: that goes on in the next piece; CUT: anywhere else (a block too long to wait for a clean
#: cut).
FRESH, PARA, CODE, ITEM, LIST, CUT = "", "para", "code", "item", "list", "cut"


class ListGroup:
    """A top-level list cut into pieces: what its rendering depends on, from all of them.

    The whole list's numbers run on from its first, its markers are as wide as its last,
    and its items are spaced by blank rows if any of them is (with paragraphs). Each piece
    adds its items as it is cut (`items`...); the open tail of a stream adds its own for
    the time being (`open_items`...), as the whole text rendered now would show.
    """

    __slots__ = (
        "items",
        "loose",
        "open_items",
        "open_loose",
        "open_paragraphs",
        "ordered",
        "paragraphs",
        "start",
    )

    def __init__(self, ordered: bool, start: int) -> None:
        self.ordered = ordered
        self.start = start
        self.items = 0
        self.loose = False
        self.paragraphs = False
        self.open_items = 0
        self.open_loose = False
        self.open_paragraphs = False

    def pad(self) -> int | None:
        """The width of its markers and the space after them (bullets: their own)."""
        if not self.ordered:
            return None
        last = self.start + max(self.items + self.open_items - 1, 0)
        return len(f"{last}.") + 1

    def tight(self) -> bool:
        """No blank row between items (as `render` decides for a whole list)."""
        loose = self.loose or self.open_loose
        return not (loose and (self.paragraphs or self.open_paragraphs))

    def look(self) -> tuple[int | None, bool]:
        return self.pad(), self.tight()


@dataclass(frozen=True, slots=True)
class Piece:
    """A piece of a text: `raw` is exactly the text it covers; the rest says how to render
    it so that it joins the pieces around it without a seam (see `split`)."""

    raw: str
    head: str = FRESH  # how it begins: FRESH, PARA, CODE, ITEM or CUT
    tail: str = FRESH  # how it ends: FRESH (between blocks, or the text's end), PARA, CODE, LIST
    fence: str = ""  # CODE: the opening line of the fence it is inside
    head_end: int = 0  # PARA: raw[:head_end] is the rest of the paragraph,
    rest_start: int = 0  # and raw[rest_start:] the blocks after it
    group: ListGroup | None = None  # ITEM: the list it goes on with,
    offset: int = 0  # and how many of its items came before
    tail_group: ListGroup | None = None  # LIST: the list it ends with


class Carry(NamedTuple):
    """The row a piece leaves open at its end (inside a paragraph or a code line), for
    the next piece to go on filling as if the text had not been cut there."""

    line: list[Segment]
    cells: int
    word: list[Segment]  # a paragraph's word not placed yet (it may go on)
    word_cells: int
    chopping: bool  # inside a word longer than a row, being cut into rows
