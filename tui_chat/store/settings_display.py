"""[display] of settings.toml: how the app draws what is not text (images).

Apart from settings.py to keep that module small; read by its loader, a bad value
reported with its key and line like any other and its default used.
"""

from __future__ import annotations

from typing import Any

from tui_chat.record import record
from tui_chat.store import validate as v

#: `[display] images`: "auto" asks the terminal at start (kitty graphics, Sixel, else
#: half-cell blocks, which work everywhere, tmux and SSH included); "off" shows a line
#: with the file's path instead of each image.
IMAGE_MODES = ("auto", "kitty", "sixel", "halfcell", "off")
#: The keys of [display] the loader knows.
DISPLAY_KEYS = {"images"}


@record
class DisplaySettings:
    """[display]."""

    images: str = "auto"


def _image_mode(data: dict[str, Any], key: str, where: v.Where) -> str:
    value = v.string(data, key, where, "auto")
    if value not in IMAGE_MODES:
        raise v.fail((*where, key), "one of " + ", ".join(f'"{m}"' for m in IMAGE_MODES), value)
    return value


def display_settings(reader: Any, data: dict[str, Any]) -> DisplaySettings:
    """[display] through settings.py's reader (which records each problem)."""
    table = reader.get({}, v.table, data, "display", ())
    reader.unknown(table, "display", ("display",))
    return DisplaySettings(images=reader.get("auto", _image_mode, table, "images", ("display",)))
