"""Writing to stdout and stderr: streamed text, and our one-line messages.

When a stream is a terminal, control characters other than newline and tab are shown as
visible symbols instead of being obeyed, so an escape sequence in a model's answer (or in
a server's error message) cannot drive the user's terminal. When it is a pipe or a file,
the model's text passes exactly as received, and we add no colour or markup of our own.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

PREFIX = "tui-chat: "

# C0 controls (but \t and \n) become the Unicode "control pictures" (␛ for ESC), DEL
# becomes ␡, and the C1 controls (0x80-0x9f, where some terminals read CSI) become �.
_VISIBLE = {code: 0x2400 + code for code in range(0x20) if code not in (0x09, 0x0A)}
_VISIBLE[0x7F] = 0x2421
_VISIBLE.update({code: 0xFFFD for code in range(0x80, 0xA0)})
# A one-line message: every line break or tab becomes a space as well.
_ONE_LINE = {**_VISIBLE, 0x09: 0x20, 0x0A: 0x20, 0x0D: 0x20}

DIM, UNDIM = "\x1b[2m", "\x1b[22m"


def neutralize(text: str) -> str:
    """`text` with control characters (but \\n and \\t) made visible; \\r\\n becomes \\n."""
    return text.replace("\r\n", "\n").translate(_VISIBLE)


def one_line(text: str) -> str:
    """A message on one line, with nothing a terminal would obey."""
    return " ".join(text.translate(_ONE_LINE).split())


def is_tty(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (ValueError, OSError):
        return False


class TextOut:
    """A stream written piece by piece, flushed after each piece.

    On a terminal the text is neutralized (a `\\r` at the end of a piece is held back
    until the next piece shows whether it starts `\\r\\n`) and may be dimmed.
    """

    def __init__(self, stream: TextIO, *, dim: bool = False) -> None:
        self.stream = stream
        self.tty = is_tty(stream)
        self.dim = dim and self.tty
        self.wrote = False
        self.at_line_start = True
        self._held_cr = False

    def write(self, text: str) -> None:
        if not text:
            return
        if self.tty:
            if self._held_cr:
                text = "\r" + text
                self._held_cr = False
            if text.endswith("\r"):
                text = text[:-1]
                self._held_cr = True
            text = neutralize(text)
            if not text:
                return
        self.wrote = True
        self.at_line_start = text.endswith("\n")
        self.stream.write(DIM + text + UNDIM if self.dim else text)
        self.stream.flush()

    def end_line(self) -> None:
        """End the last line if something was written and it did not end with a newline."""
        self._held_cr = False  # a lone \r at the very end: the line ends here anyway
        if self.wrote and not self.at_line_start:
            self.stream.write("\n")
            self.stream.flush()
            self.at_line_start = True


def say(message: str, *, stream: TextIO | None = None) -> None:
    """One line on stderr: `tui-chat: <message>`."""
    stream = stream or sys.stderr
    try:
        stream.write(PREFIX + one_line(message) + "\n")
        stream.flush()
    except (OSError, ValueError):
        pass  # stderr closed: nothing else to tell


def silence_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so the exit flush cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


class Printer:
    """Where an answer's words go as they arrive: its text to stdout, its reasoning (when
    asked for) to stderr, each line of reasoning ended before the text goes on."""

    def __init__(self, out: TextOut, err: TextOut, *, show_reasoning: bool = False) -> None:
        self.out = out
        self.err = err
        self.show_reasoning = show_reasoning
        self._in_reasoning = False

    def text(self, piece: str) -> None:
        if self._in_reasoning:
            self.err.end_line()
            self._in_reasoning = False
        self.out.write(piece)

    def reasoning(self, piece: str) -> None:
        if self.show_reasoning:
            self._in_reasoning = True
            self.err.write(piece)

    def end(self) -> None:
        """End the lines the answer left open (reasoning's, then the text's)."""
        self._in_reasoning = False
        self.err.end_line()
        self.out.end_line()


#: The line above each answer when several models are asked (`── up/echo ──`).
HEADING = "── {} ──\n"


class Section:
    """One of several answers printed one after the other: its words are held back until
    the answers before it are printed (`show()`), so no two answers ever interleave."""

    def __init__(self, printer: Printer, name: str) -> None:
        self.printer = printer
        self.name = name
        self.live = False
        self._held: list[tuple[bool, str]] = []  # (is text, piece)

    def show(self, *, first: bool) -> None:
        """Print the heading and what arrived so far; from now on words go straight out."""
        self.printer.out.write(("" if first else "\n") + HEADING.format(self.name))
        self.live = True
        held, self._held = self._held, []
        for is_text, piece in held:
            if is_text:
                self.printer.text(piece)
            else:
                self.printer.reasoning(piece)

    def text(self, piece: str) -> None:
        if self.live:
            self.printer.text(piece)
        else:
            self._held.append((True, piece))

    def reasoning(self, piece: str) -> None:
        if self.live:
            self.printer.reasoning(piece)
        elif self.printer.show_reasoning:
            self._held.append((False, piece))
