"""How images are drawn in this terminal: kitty graphics, Sixel, half-cell blocks, or off.

Asked once at start-up, before Textual takes stdin (a reply read by Textual's input
thread would arrive as keys): `detect()` sends the kitty graphics query and then a
Primary Device Attributes request (DA1), which every terminal answers, and in order.
So the DA1 reply ends the wait: a kitty reply before it means kitty graphics, a `4` among
the DA1 attributes means Sixel. A local terminal answers within milliseconds. The
decision waits at most `TIMEOUT` (0.3 s; later, half-cell is used); if the DA1 reply
has not come by then, the replies are still read and dropped until it does, for at
most `DRAIN` seconds, since Textual would read a late reply as typed text (`^[[?62;4c`
in the prompt). The terminal's modes are then restored with TCSAFLUSH, which drops
anything that came unread. Inside tmux the queries are not sent at all: tmux answers DA1
itself and passes graphics through only when configured to, so half-cell it is.

Half-cell (two pixels a cell, ▀ with a foreground and a background colour) works in
every terminal with colours, tmux and SSH included, and is what the tests see.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import IO

MODES = ("kitty", "sixel", "halfcell", "off")
#: Seconds to wait for the terminal's answer at start-up.
TIMEOUT = 0.3
#: Seconds, in all, to wait for the end of a late answer (a slow link) before Textual
#: starts; it is only waited for when the answer is late.
DRAIN = 2.0

_KITTY_QUERY = b"\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\"
_DA1 = b"\x1b[c"


def choose(setting: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The mode the setting and the environment decide without asking the terminal, or
    None when the terminal must be asked ("auto" outside tmux)."""
    env = os.environ if environ is None else environ
    if setting in MODES:
        return setting
    if env.get("TMUX") or env.get("TERM", "").startswith(("tmux", "screen")):
        return "halfcell"  # tmux answers queries itself; passthrough is off by default
    if env.get("TERM") in ("linux", "dumb"):
        return "halfcell"
    return None


def parse_replies(replies: bytes) -> str:
    """The mode the terminal's replies (up to and including its DA1 reply) show."""
    if b"\x1b_Gi=31;OK" in replies:
        return "kitty"
    start = replies.rfind(b"\x1b[?")
    if start >= 0 and replies.endswith(b"c"):
        attributes = replies[start + 3 : -1].split(b";")
        if b"4" in attributes:
            return "sixel"
    return "halfcell"


def query_terminal(
    stdin: IO[bytes] | None = None,
    stdout: IO[bytes] | None = None,
    timeout: float = TIMEOUT,
    drain: float = DRAIN,
) -> str:
    """Ask the terminal (a tty on both ends, POSIX) which graphics it draws. An answer
    later than `timeout` means half-cell (a link that slow is no place for pictures sent
    as pixels); it is still read to its end, for at most `drain` seconds."""
    import select
    import termios
    import time
    import tty

    fd_in = (stdin or sys.__stdin__).fileno()  # type: ignore[union-attr]
    fd_out = (stdout or sys.__stdout__).fileno()  # type: ignore[union-attr]
    if not (os.isatty(fd_in) and os.isatty(fd_out)):
        return "halfcell"
    saved = termios.tcgetattr(fd_in)
    replies = b""
    answered_in = drain + 1.0
    try:
        tty.setcbreak(fd_in, termios.TCSANOW)
        # Echo off too: a reply must not be shown on the screen.
        attrs = termios.tcgetattr(fd_in)
        attrs[3] &= ~termios.ECHO
        termios.tcsetattr(fd_in, termios.TCSANOW, attrs)
        started = time.monotonic()
        os.write(fd_out, _KITTY_QUERY + _DA1)
        while True:
            left = started + drain - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([fd_in], [], [], left)
            if not ready:
                break
            chunk = os.read(fd_in, 1024)
            if not chunk:
                break
            replies += chunk
            if replies.rfind(b"\x1b[?") >= 0 and replies.endswith(b"c"):
                answered_in = time.monotonic() - started
                break
    except OSError:
        return "halfcell"
    finally:
        termios.tcsetattr(fd_in, termios.TCSAFLUSH, saved)
    return parse_replies(replies) if answered_in <= timeout else "halfcell"


def detect(setting: str, environ: Mapping[str, str] | None = None) -> str:
    """The mode to draw images with: the setting's, else the terminal's answer."""
    chosen = choose(setting, environ)
    if chosen is not None:
        return chosen
    if sys.platform == "win32":
        return "halfcell"
    try:
        return query_terminal()
    except Exception:
        return "halfcell"


def prepare(mode: str) -> None:
    """Ready textual-image for kitty or Sixel without its own queries at import (they
    wait 0.1 s each and leave stray text on a slow link): the cell size from the kernel
    (TIOCGWINSZ), else a usual 10×20, is set before it is imported."""
    if mode not in ("kitty", "sixel"):
        return
    from textual_image import _terminal

    width = height = 0
    try:
        rows, columns, pixels_x, pixels_y = _terminal.get_tiocgwinsz()
        width, height = pixels_x // max(columns, 1), pixels_y // max(rows, 1)
    except Exception:
        pass
    _terminal.get_cell_size._result = _terminal.CellSize(width or 10, height or 20)  # type: ignore[attr-defined]
    # Its renderable package asks the terminal at import when stdout is a tty: imported
    # while stdout looks like something else, it asks nothing (we asked already).
    real = sys.__stdout__
    try:
        sys.__stdout__ = _NotATerminal()  # type: ignore[misc,assignment]
        import textual_image.renderable
        import textual_image.widget  # noqa: F401
    finally:
        sys.__stdout__ = real  # type: ignore[misc]


class _NotATerminal:
    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass
