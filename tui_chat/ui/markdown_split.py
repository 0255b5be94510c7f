"""Cutting Markdown into pieces that are cheap to render, as it streams or all at once.

Rendering a piece of Markdown costs time in proportion to its size (and more than that
for one very long line), so an answer is shown as a column of pieces: finished paragraphs
grouped to about `BLOCK_CHARS`, and no piece, finished or open, longer than about
`MAX_CHARS`. A piece cut inside a code fence repeats the fence's opening line when it is
shown, so the continuation is still rendered as code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Small enough that the open tail of a stream, rendered again each frame, costs ~2 ms;
#: a piece is data, not a widget, so many of them cost little.
BLOCK_CHARS = 600
MAX_CHARS = 2000

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


@dataclass(frozen=True, slots=True)
class Piece:
    raw: str  # exactly the text it covers
    display: str  # what is rendered (with a repeated fence opener when cut inside code)


class MarkdownSplitter:
    """Cuts the text after what was already taken; remembers the code fence it is in."""

    def __init__(self, block_chars: int = BLOCK_CHARS, max_chars: int = MAX_CHARS) -> None:
        self.block_chars = block_chars
        self.max_chars = max_chars
        self.fence_line = ""  # the opening line of the code fence the next piece starts in

    def take(self, text: str, final: bool = False) -> tuple[list[Piece], int]:
        """Pieces finished in `text` (the part not yet taken) and how much they cover.

        With `final`, everything is taken. Cost is linear in `len(text)`.
        """
        pieces: list[Piece] = []
        start = 0
        fence_at_start = self.fence_line
        fence = self.fence_line
        pos = 0
        while True:
            end = text.find("\n", pos)
            if end < 0:
                break
            line = text[pos:end]
            pos = end + 1
            marker = _FENCE.match(line)
            if marker:
                if not fence:
                    fence = line.strip()
                elif (
                    marker.group(1).startswith(fence[:3])
                    and not line.strip()[len(marker.group(1)) :]
                ):
                    fence = ""
            size = pos - start
            paragraph_end = not line.strip() and not fence
            if (paragraph_end and size >= self.block_chars) or size >= self.max_chars:
                pieces.append(self._piece(text[start:pos], fence_at_start))
                start, fence_at_start = pos, fence
        # One line longer than allowed, with no newline yet: cut it at a space if possible.
        while len(text) - start > self.max_chars:
            cut = text.rfind(" ", start + self.max_chars // 2, start + self.max_chars)
            cut = cut + 1 if cut > 0 else start + self.max_chars
            pieces.append(self._piece(text[start:cut], fence_at_start))
            start = cut
        if final and start < len(text):
            pieces.append(self._piece(text[start:], fence_at_start))
            start = len(text)
            fence_at_start = fence
        self.fence_line = fence_at_start
        return pieces, start

    @staticmethod
    def _piece(raw: str, fence_line: str) -> Piece:
        return Piece(raw, f"{fence_line}\n{raw}" if fence_line else raw)

    def display_prefix(self) -> str:
        """What the open rest must be prefixed with to render right (a fence opener)."""
        return f"{self.fence_line}\n" if self.fence_line else ""


def split_all(text: str) -> list[Piece]:
    """A finished text, cut into pieces."""
    pieces, _ = MarkdownSplitter().take(text, final=True)
    return pieces
