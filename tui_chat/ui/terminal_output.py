"""What the app writes to its terminal, with the colour sequences it does not need left out.

Textual writes every run of cells with its whole style and a reset after it:
`ESC[1;38;2;220;223;228;48;2;24;27;32m` + text + `ESC[0m`, ~45 bytes around each word of
another colour, each border cell and each row's padding, though most of them share the
background and the colour of the run before. A frame of a followed stream is mostly that
(bench/bytes.py). `SgrCompressor` rewrites the output so the terminal shows exactly the
same cells: each run is preceded only by what changes from the style the terminal is
in (`ESC[1;38;2;253;151;31m`, or nothing), blanks only by what shows on a blank (the
background, reverse, underlines), and the terminal is left in its default style at the
end of every write, as Textual leaves it.

Sequences it does not know are passed on as they are, after the style they expect.
`compressing(driver_class)` is the terminal driver that writes through it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, NamedTuple

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


class Style(NamedTuple):
    """A terminal's current style: attributes, foreground and background codes (None:
    the terminal's default)."""

    attrs: frozenset[str]
    fg: str | None
    bg: str | None


DEFAULT = Style(frozenset(), None, None)


def apply_sgr(style: Style, params: str) -> Style | None:
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
    return Style(frozenset(attrs), fg, bg)


@lru_cache(maxsize=4096)
def transition(current: Style | None, wanted: Style) -> str:
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


def _on_blank(current: Style | None, wanted: Style) -> Style:
    """The style to draw blanks of `wanted` in, from `current`: as it is where the
    difference does not show on a blank (the foreground, bold, italic...)."""
    if current is None or "7" in wanted.attrs or "7" in current.attrs:
        return wanted
    attrs = (wanted.attrs - _UNSEEN_ON_BLANK) | (current.attrs & _UNSEEN_ON_BLANK)
    return Style(attrs, current.fg, wanted.bg)


class SgrCompressor:
    """Rewrites terminal output with fewer style sequences and the same cells (see the
    module's doc). Keeps the terminal's style between writes."""

    def __init__(self) -> None:
        self.sent: Style | None = DEFAULT  # the style the terminal is in
        self.meant: Style | None = DEFAULT  # the style the output asked for

    def compress(self, data: str) -> str:
        if "\x1b" not in data:
            return data if not data.strip("\r\n") else self._text(data)
        out: list[str] = []
        append = out.append
        position = 0
        for match in _TOKENS.finditer(data):
            start = match.start()
            if start > position:
                append(self._text(data[position:start]))
            position = match.end()
            params = match.group(1)
            if params is not None:
                base = self.meant
                if base is None and params.split(";", 1)[0] in ("", "0"):
                    base = DEFAULT  # a reset: known again from here
                new = apply_sgr(base, params) if base is not None else None
                if new is None:
                    # Codes it does not know (or on top of a style it does not know): on
                    # as they are, over the style they were meant for.
                    append(self._sync())
                    append(match.group())
                    self.sent = self.meant = None
                else:
                    self.meant = new
                continue
            sequence = match.group(2)
            if not _STYLELESS.match(sequence):
                append(self._sync())
            append(sequence)
            if sequence.endswith("m") and sequence.startswith("\x1b["):
                self.sent = self.meant = None  # a style in a form it does not read
        if position < len(data):
            append(self._text(data[position:]))
        if self.meant == DEFAULT and self.sent != DEFAULT:
            append(transition(self.sent, DEFAULT))  # the default, as Textual leaves it
            self.sent = DEFAULT
        return "".join(out)

    def _sync(self) -> str:
        meant = self.meant
        if meant is None:
            return ""
        step = transition(self.sent, meant)
        self.sent = meant
        return step

    def _text(self, text: str) -> str:
        meant = self.meant
        if meant is None or not text.strip("\r\n"):
            return text
        # Blanks need only what shows on them.
        target = _on_blank(self.sent, meant) if not text.strip(" \r\n") else meant
        step = transition(self.sent, target)
        self.sent = target
        return step + text if step else text


def compressing(driver_class: type[Any]) -> type[Any]:
    """A subclass of a Textual driver class that writes through an `SgrCompressor`."""

    class CompressingDriver(driver_class):  # type: ignore[valid-type,misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._compressor = SgrCompressor()

        def write(self, data: str) -> None:
            super().write(self._compressor.compress(data))

    CompressingDriver.__name__ = f"Compressing{driver_class.__name__}"
    CompressingDriver.__qualname__ = CompressingDriver.__name__
    return CompressingDriver
