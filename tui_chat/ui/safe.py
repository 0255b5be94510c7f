"""Outside text (model output, file and model names, errors) made safe to show.

Such text is never parsed as markup anywhere: it goes into `Content(...)` or a Rich
renderable, never into a markup string. Control characters are shown as visible symbols
so that ANSI escapes, OSC 52 clipboard writes or title changes never reach the terminal.
"""

from __future__ import annotations

from textual.content import Content


def _table() -> dict[int, str]:
    table = {code: chr(0x2400 + code) for code in range(0x20) if chr(code) not in "\n\t"}
    table[0x7F] = "\u2421"  # ␡
    for code in range(0x80, 0xA0):  # C1 controls: CSI, OSC and friends in 8-bit form
        table[code] = "\ufffd"
    return table


_VISIBLE = _table()


def visible(text: str) -> str:
    """The text with every control character except newline and tab made visible."""
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    return text.translate(_VISIBLE)


def one_line(text: str, limit: int = 200) -> str:
    """For labels and titles: visible, on one line, shortened."""
    flat = " ".join(visible(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def plain(text: str) -> Content:
    """Outside text as widget content, never markup."""
    return Content(visible(text))
