"""What the app writes to its terminal: only the cells that change, in fewer bytes.

Textual writes every run of cells with its whole style and a reset after it
(`ESC[1;38;2;220;223;228;48;2;24;27;32m` + text + `ESC[0m`: ~45 bytes around each word
of another colour, each border cell, each row's padding), sends a changed row from its
widget's left edge, and a scroll rewrites every row of the scrolled widget with its
borders and scroll bar. A frame of a followed stream was mostly that (bench/bytes.py).

`ScreenWriter` rewrites that output so the terminal shows exactly the same cells: it
keeps what it wrote to each cell and leaves out runs written again as they are, moves
the cursor the shortest way, precedes each run only by what changes from the style the
terminal is in (a blank only by what shows on a blank: the background, reverse, the
lines), and leaves the terminal in its default style at the end of every write, as
Textual does. What it does not read (a clear, another screen, an unknown sequence, a new
terminal size) is passed on as it is, and it forgets what the screen shows: everything is
written again from there. `ui/driver.py` holds the driver that writes through it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import NamedTuple

from rich.cells import cell_len

#: A CSI `m` (its parameters in group 1), any other escape sequence (group 2), or text.
_TOKENS = re.compile(
    r"\x1b\[([0-9;]*)m"
    r"|(\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[PX^_][^\x1b]*\x1b\\|\x1b.?)"
)
#: CSI sequences that move the cursor or set a mode: what they do does not depend on the
#: current style (erasing and scrolling fill with the current background: those do).
_STYLELESS = re.compile(r"\x1b\[\??[0-9;]*(?:[HfABCDEFGdhlnsu]|\$[pq])\Z")

#: Attributes and the code that turns each off.
_OFF = {
    "1": "22",
    "2": "22",
    "3": "23",
    "4": "24",
    "21": "24",
    "5": "25",
    "6": "25",
    "7": "27",
    "8": "28",
    "9": "29",
    "51": "54",
    "52": "54",
    "53": "55",
}
#: What turning one off also turns off.
_CLEARS = {off: frozenset(a for a, o in _OFF.items() if o == off) for off in set(_OFF.values())}
#: Attributes that do not show on a blank cell (reverse makes the colour show: not here).
_UNSEEN_ON_BLANK = frozenset({"1", "2", "3", "5", "6"})


class SgrStyle(NamedTuple):
    """A terminal's current style: attributes, foreground and background codes (None:
    the terminal's default)."""

    attrs: frozenset[str]
    fg: str | None
    bg: str | None


DEFAULT = SgrStyle(frozenset(), None, None)


def apply_sgr(style: SgrStyle, params: str) -> SgrStyle | None:
    """The style after `ESC[<params>m`, or None for codes this module does not know."""
    codes = params.split(";") if params else ["0"]
    attrs, fg, bg = set(style.attrs), style.fg, style.bg
    index = 0
    while index < len(codes):
        code = codes[index]
        index += 1
        if code in ("", "0"):
            attrs, fg, bg = set(), None, None
        elif code in _OFF:
            attrs.add(code)
        elif code in _CLEARS:
            attrs -= _CLEARS[code]
        elif code in ("38", "48"):
            kind = codes[index] if index < len(codes) else ""
            size = {"5": 2, "2": 4}.get(kind)
            if size is None or index + size > len(codes):
                return None
            color = ";".join([code, *codes[index : index + size]])
            index += size
            if code == "38":
                fg = color
            else:
                bg = color
        elif code == "39":
            fg = None
        elif code == "49":
            bg = None
        elif code.isdigit() and (30 <= int(code) <= 37 or 90 <= int(code) <= 97):
            fg = code
        elif code.isdigit() and (40 <= int(code) <= 47 or 100 <= int(code) <= 107):
            bg = code
        else:
            return None
    return SgrStyle(frozenset(attrs), fg, bg)


@lru_cache(maxsize=4096)
def transition(current: SgrStyle | None, wanted: SgrStyle) -> str:
    """The shortest sequence (of two ways) that takes a terminal from `current` (None:
    unknown) to `wanted`."""
    whole = ["0", *sorted(wanted.attrs)]
    whole += [wanted.fg] if wanted.fg else []
    whole += [wanted.bg] if wanted.bg else []
    full = "\x1b[" + ";".join(whole) + "m"
    if current is None:
        return full
    if current == wanted:
        return ""
    codes: list[str] = []
    attrs = set(current.attrs)
    for attr in sorted(current.attrs - wanted.attrs):
        off = _OFF[attr]
        if attr in attrs:
            codes.append(off)
            attrs -= _CLEARS[off]
    codes += sorted(wanted.attrs - attrs)
    if wanted.fg != current.fg:
        codes.append(wanted.fg or "39")
    if wanted.bg != current.bg:
        codes.append(wanted.bg or "49")
    step = "\x1b[" + ";".join(codes) + "m"
    return step if len(step) < len(full) else full


def _on_blank(current: SgrStyle | None, wanted: SgrStyle) -> SgrStyle:
    """The style to draw blanks of `wanted` in, from `current`: as it is where the
    difference does not show on a blank (the foreground, bold, italic...)."""
    if current is None or "7" in wanted.attrs or "7" in current.attrs:
        return wanted
    attrs = (wanted.attrs - _UNSEEN_ON_BLANK) | (current.attrs & _UNSEEN_ON_BLANK)
    return SgrStyle(attrs, current.fg, wanted.bg)


#: A cell as written: its character ("" for a wide character's right half) and what
#: shows of its style.
Cell = tuple[str, object]
_PARAMS = re.compile(r"\x1b\[\??([0-9;]*)")
#: One mode set or reset alone in a write (the brackets of each frame, the cursor shown).
_MODE = re.compile(r"\x1b\[\?([0-9;]*)[hl]\Z")
_SCREENS = frozenset({"47", "1047", "1049"})


class ScreenWriter:
    """Rewrites terminal output so that the terminal shows the same cells for fewer bytes
    (see the module's doc).

    It keeps what it has written to each cell, so a run of cells written again as they
    are is left out (Textual sends a changed row from its widget's left edge, a
    stream's jump rewrites the borders and the scroll bar, the prompt's cursor blink its
    whole line), and only the style changes from cell to cell are written. What it does
    not read (a clear, an unknown sequence, a new terminal size) makes it forget what it
    wrote: everything is written again from there.
    """

    def __init__(self, size: Callable[[], tuple[int, int] | None] = lambda: None) -> None:
        self._size_of = size
        self.size: tuple[int, int] | None = None
        self.sent: SgrStyle | None = DEFAULT  # the style the terminal is in
        self.meant: SgrStyle | None = DEFAULT  # the style the output asked for
        self.at: tuple[int, int] | None = None  # the terminal's cursor (row, column)
        self.cursor: tuple[int, int] | None = None  # where the output has it
        self.rows: dict[int, list[Cell | None]] = {}
        self.linked = False  # in a hyperlink: its cells are always written

    def forget(self) -> None:
        """The terminal's cells, cursor and style are no longer known."""
        self.rows.clear()
        self.at = None
        self.sent = None

    def compress(self, data: str) -> str:
        """The output to write instead of `data` (one write at a time: see `compressing`)."""
        mode = _MODE.match(data)
        if mode and _SCREENS.isdisjoint(mode.group(1).split(";")):
            return data  # nothing to rewrite
        size = self._size_of()
        if size != self.size:
            self.size = size
            self.forget()
        out: list[str] = []
        position = 0
        for match in _TOKENS.finditer(data):
            start = match.start()
            if start > position:
                self._text(data[position:start], out)
            position = match.end()
            params = match.group(1)
            if params is not None:
                self._sgr(params, match.group(), out)
            else:
                self._sequence(match.group(2), out)
        if position < len(data):
            self._text(data[position:], out)
        if self.cursor is not None and self.cursor != self.at:
            out.append(self._move(*self.cursor))  # where the output leaves it
            self.at = self.cursor
        if self.meant == DEFAULT and self.sent != DEFAULT:
            out.append(transition(self.sent, DEFAULT))  # as Textual leaves it
            self.sent = DEFAULT
        return "".join(out)

    def read(self, writes: Iterable[str]) -> None:
        """Learn what the terminal shows after `writes` went to it as they were made (not
        rewritten): their cells, and the cursor and the style they leave it in."""
        for data in writes:
            self.compress(data)
        # Where the writes left the cursor and the style, not where rewritten ones would.
        self.at = self.cursor
        if self.sent != self.meant:
            self.sent = None

    # --- what the output asks for --------------------------------------------------------

    def _sgr(self, params: str, sequence: str, out: list[str]) -> None:
        base = self.meant
        if base is None and params.split(";", 1)[0] in ("", "0"):
            base = DEFAULT  # a reset: known again from here
        new = apply_sgr(base, params) if base is not None else None
        if new is None:
            # Codes it does not read (or on top of a style it does not know): passed on
            # as they are, over the style they were meant for.
            self._pass(sequence, out)
            self.sent = self.meant = None
        else:
            self.meant = new

    def _sequence(self, sequence: str, out: list[str]) -> None:
        final = sequence[-1]
        if sequence.startswith("\x1b[") and len(sequence) > 2:
            intro = sequence[2] if sequence[2] in "?<=>" else ""
            numbers = _PARAMS.match(sequence)
            params = numbers.group(1) if numbers else ""
            if not intro and final in "HfABCDEFGd" and "$" not in sequence:
                self._moved(final, [int(n) if n.isdigit() else 0 for n in params.split(";")])
                return
            if intro == "?" and final in "hl":
                out.append(sequence)  # a mode; another screen has its own cells and cursor
                if not _SCREENS.isdisjoint(params.split(";")):
                    self.forget()
                return
            if intro or "$" in sequence or final in "nc":
                self._pass(sequence, out)  # a mode or a question to the terminal
                return
            if final == "m":
                self._pass(sequence, out)  # a style in a form it does not read
                self.sent = self.meant = None
                return
        elif sequence.startswith("\x1b]"):
            if sequence.startswith("\x1b]8;"):
                # A hyperlink starts (or ends, with no address): its cells are written
                # as they come.
                self.linked = not sequence.rstrip("\x07\\").rstrip("\x1b").endswith(";")
            out.append(sequence)
            return
        # Anything else (an erase, a scroll, a cursor saved or restored, a reset) may
        # depend on the style and the cursor and change the cells: written where it was
        # meant to be, and from there the screen is not known.
        self._pass(sequence, out)
        self.forget()
        self.cursor = None

    def _moved(self, final: str, numbers: list[int]) -> None:
        if final in "Hf":
            row = numbers[0] if numbers else 1
            column = numbers[1] if len(numbers) > 1 else 1
            self.cursor = (max(row, 1) - 1, max(column, 1) - 1)
            return
        if self.cursor is None:
            return
        count = max(numbers[0] if numbers else 1, 1)
        y, x = self.cursor
        moves = {
            "A": (y - count, x),
            "B": (y + count, x),
            "C": (y, x + count),
            "D": (y, x - count),
            "E": (y + count, 0),
            "F": (y - count, 0),
            "G": (y, count - 1),
            "d": (count - 1, x),
        }
        y, x = moves[final]
        self.cursor = (max(y, 0), max(x, 0))

    def _pass(self, sequence: str, out: list[str]) -> None:
        """Write `sequence` as it is, with the style and cursor it was meant for."""
        if self.meant is not None:
            out.append(transition(self.sent, self.meant))
            self.sent = self.meant
        if self.cursor is not None and self.cursor != self.at:
            out.append(self._move(*self.cursor))
            self.at = self.cursor
        out.append(sequence)

    # --- cells ---------------------------------------------------------------------------

    def _text(self, text: str, out: list[str]) -> None:
        start = 0
        for index, char in enumerate(text):
            if char in "\r\n":
                if index > start:
                    self._cells(text[start:index], out)
                start = index + 1
                if self.cursor is not None:
                    y, x = self.cursor
                    self.cursor = (y, 0) if char == "\r" else (y + 1, x)
        if start < len(text):
            self._cells(text[start:], out)

    def _cells(self, text: str, out: list[str]) -> None:
        """Write the characters of one row (no line breaks) at the cursor."""
        meant, cursor = self.meant, self.cursor
        if text.isascii() and text.isprintable():
            widths = None  # one cell each
            span = len(text)
        else:
            widths = [cell_len(char) for char in text]
            span = sum(widths)
        if (
            meant is None
            or cursor is None
            or self.linked
            or (widths is not None and (0 in widths or not text.isprintable()))
        ):
            self._pass(text, out)  # written as it is; those cells unknown from now on
            if cursor is None:
                self.forget()
            else:
                self._row(cursor[0], cursor[1] + span)[cursor[1] : cursor[1] + span] = [None] * span
                self.at = self.cursor = (cursor[0], cursor[1] + span)
            return
        y, x = cursor
        row = self._row(y, x + span)
        look = meant if "7" in meant.attrs else _blank_look(meant)
        cells: list[Cell] = []
        if widths is None:
            cells = [(char, meant if char != " " else look) for char in text]
        else:
            for char, width in zip(text, widths, strict=True):
                cells.append((char, meant if char != " " else look))
                if width == 2:
                    cells.append(("", meant))
        first = 0
        while first < span and row[x + first] == cells[first]:
            first += 1
        self.cursor = (y, x + span)
        if first == span:
            return  # all as they are
        last = span
        while row[x + last - 1] == cells[last - 1]:
            last -= 1
        # Whole characters: a wide one's right half goes with its left.
        while first > 0 and cells[first] == ("", meant) and widths is not None:
            first -= 1
        while last < span and cells[last] == ("", meant):
            last += 1
        if widths is None:
            chars = text[first:last]
        else:
            chars = "".join(char for char, _ in cells[first:last])
        if self.at != (y, x + first):
            out.append(self._move(y, x + first))
        blank = not chars.strip(" ")
        target = _on_blank(self.sent, meant) if blank else meant
        out.append(transition(self.sent, target))
        self.sent = target
        out.append(chars)
        row[x + first : x + last] = cells[first:last]
        self.at = (y, x + last)

    def _row(self, y: int, length: int) -> list[Cell | None]:
        row = self.rows.get(y)
        if row is None:
            row = self.rows[y] = []
        if len(row) < length:
            row.extend([None] * (length - len(row)))
        return row

    def _move(self, y: int, x: int) -> str:
        """The shortest way from the terminal's cursor to (y, x)."""
        at, size = self.at, self.size
        absolute = f"\x1b[{y + 1};{x + 1}H"
        if at is None or at[0] != y or (size is not None and at[1] >= size[0]):
            return absolute
        if x == 0:
            return "\r"
        step = x - at[1]
        relative = f"\x1b[{abs(step)}{'C' if step > 0 else 'D'}" if abs(step) > 1 else ""
        if abs(step) == 1:
            relative = "\x1b[C" if step > 0 else "\x1b[D"
        return relative if relative and len(relative) < len(absolute) else absolute


@lru_cache(maxsize=1024)
def _blank_look(style: SgrStyle) -> object:
    """What shows of a style on a blank cell (not reversed): its background, and the
    lines drawn through or under it."""
    return ("blank", style.bg, style.attrs - _UNSEEN_ON_BLANK)
