"""Word-wrapping of styled text into rows of a given width, for the renderer.

Words go to the next row when they do not fit, words longer than a row are cut; a run can
stop with its last row still open (a `Carry`) and another start from one, so a paragraph
cut into pieces wraps as if it were whole.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rich.cells import cell_len, chop_cells
from rich.segment import Segment
from rich.style import Style

from .piece import Carry

if TYPE_CHECKING:
    from .render import Renderer

#: A rendered line under construction: its segments and its width in cells.
Line = tuple[list[Segment], int]
Span = tuple[str, Style]

_WORDS = re.compile(r"[^ \n]+|[ ]+|\n")
#: Printable ASCII: one cell per character.
ASCII = frozenset(map(chr, range(0x20, 0x7F)))


class Wrap:
    """Word-wrapping of styled text to `width` cells (words longer than a row are cut),
    which can stop with its last row still open (`carry`) and start from one."""

    __slots__ = ("cells", "chopping", "line", "out", "style", "width", "word", "word_cells")

    def __init__(self, renderer: Renderer, width: int, carry: Carry | None = None) -> None:
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
            ascii_only = ASCII.issuperset(text)
            while text:
                room = width - cells
                size = len(text) if ascii_only else cell_len(text)
                if size <= room:
                    line.append(Segment(text, style))
                    cells += size
                    break
                head = text[:room] if ascii_only else fit(text, room, empty=not cells)
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


def fit(text: str, room: int, empty: bool) -> str:
    """The start of `text` that fits in `room` cells; on an empty line at least one
    character, so a character wider than the whole line still moves on."""
    head = chop_cells(text, room)[0] if room > 0 else ""
    return head or (text[0] if empty else "")
