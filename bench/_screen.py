"""The characters a terminal shows, drawn from what an app writes to it (no styles).

Enough of a terminal for the benchmarks to read the screen of the real app in a pty:
text, cursor positioning and moves, line erases and screen clears; every other
sequence (styles, modes, hyperlinks) is read and left out. A split write (a sequence or
a UTF-8 character cut in two) waits for its end.
"""

from __future__ import annotations

import codecs
import re

from rich.cells import cell_len

_SEQUENCE = re.compile(
    r"\x1b\[([0-?]*)[ -/]*([@-~])"  # CSI: parameters (group 1), final byte (group 2)
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    r"|\x1b[PX^_][^\x1b]*\x1b\\"  # DCS and the like
    r"|\x1b[()][0-~]"  # a character set
    r"|\x1b[@-OQ-WYZ\\`-~]"  # any other two-character escape
    r"|([^\x1b]+)",  # text (group 3)
    re.S,
)
#: A sequence cut off at the end of a write is held back this long at most.
_LONGEST = 4096


class Screen:
    """Rows of characters, as the terminal shows them."""

    def __init__(self, cols: int, rows: int) -> None:
        self.cols, self.rows = cols, rows
        self.cells = [[" "] * cols for _ in range(rows)]
        self.x = self.y = 0
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._pending = ""

    def feed(self, data: bytes) -> None:
        text = self._pending + self._decoder.decode(data)
        self._pending = ""
        at = 0
        while at < len(text):
            match = _SEQUENCE.match(text, at)
            if match is None:  # an escape sequence not ended yet (or never: then dropped)
                if len(text) - at < _LONGEST:
                    self._pending = text[at:]
                    return
                at += 1
                continue
            at = match.end()
            if match.group(3) is not None:
                self._text(match.group(3))
            elif match.group(2) is not None:
                self._csi(match.group(1), match.group(2))

    def _csi(self, params: str, final: str) -> None:
        if params.startswith("?"):
            return  # a mode
        numbers = [int(n) if n.isdigit() else 0 for n in params.split(";")] if params else []
        first = numbers[0] if numbers else 0
        if final in "Hf":
            self.y = max(1, first or 1) - 1
            self.x = max(1, numbers[1] if len(numbers) > 1 else 1) - 1
        elif final == "A":
            self.y -= first or 1
        elif final == "B":
            self.y += first or 1
        elif final == "C":
            self.x += first or 1
        elif final == "D":
            self.x -= first or 1
        elif final == "G":
            self.x = (first or 1) - 1
        elif final == "d":
            self.y = (first or 1) - 1
        elif final == "K":
            row = self._row()
            if row is not None:
                start, end = {0: (self.x, self.cols), 1: (0, self.x + 1)}.get(first, (0, self.cols))
                row[max(0, start) : end] = [" "] * (end - max(0, start))
        elif final == "J":
            if first in (2, 3):
                self.cells = [[" "] * self.cols for _ in range(self.rows)]
            elif first == 0:
                row = self._row()
                if row is not None:
                    row[max(0, self.x) :] = [" "] * (self.cols - max(0, self.x))
                for y in range(max(0, self.y + 1), self.rows):
                    self.cells[y] = [" "] * self.cols
        self.x = max(0, min(self.cols - 1, self.x))
        self.y = max(0, min(self.rows - 1, self.y))

    def _row(self) -> list[str] | None:
        return self.cells[self.y] if 0 <= self.y < self.rows else None

    def _text(self, text: str) -> None:
        for char in text:
            if char == "\r":
                self.x = 0
            elif char == "\n":
                self.y = min(self.rows - 1, self.y + 1)
            elif char == "\b":
                self.x = max(0, self.x - 1)
            elif char >= " ":
                width = cell_len(char)
                row = self._row()
                if row is not None and 0 <= self.x < self.cols:
                    row[self.x] = char
                    if width == 2 and self.x + 1 < self.cols:
                        row[self.x + 1] = ""  # (the right half of a wide character)
                self.x += width

    def lines(self) -> list[str]:
        return ["".join(row) for row in self.cells]

    def text(self) -> str:
        return "\n".join(self.lines())
