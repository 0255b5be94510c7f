"""Open an image with the system's viewer where there is a display, else copy its path.

Over SSH (no $DISPLAY or $WAYLAND_DISPLAY, or $SSH_CONNECTION set) a viewer would open
on the other machine or not at all: the path goes to the clipboard (OSC 52 reaches the
user's own terminal) and a toast says so.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..store.conversations import MediaFile


def has_display(environ: Mapping[str, str], platform: str = sys.platform) -> bool:
    """Whether a viewer opened here would be seen by the user."""
    if environ.get("SSH_CONNECTION") or environ.get("SSH_TTY"):
        return False
    if platform == "darwin":
        return True
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def opener(platform: str = sys.platform) -> str | None:
    """The command that opens a file with its usual program, if there is one."""
    name = "open" if platform == "darwin" else "xdg-open"
    return shutil.which(name)


def open_or_copy(app: Any, media: MediaFile, data_dir: Path | None) -> str:
    """Open the image, or copy its path; returns what was done ("opened", "copied",
    "none") after telling the user in a toast."""
    if media.error or media.pending or data_dir is None:
        why = media.error or "it is still being fetched"
        app.notify(f"No image file to open: {why}.", markup=False, timeout=4)
        return "none"
    path = data_dir / media.path
    environ = getattr(app, "environ", {})
    command = opener() if has_display(environ) else None
    if command is not None:
        try:
            # Detached, its output dropped: a viewer's messages must not draw on the app.
            subprocess.Popen(
                [command, str(path)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError:
            pass
        else:
            app.notify(f"Opened {path.name} with {Path(command).name}.", markup=False, timeout=3)
            return "opened"
    app.copy_to_clipboard(str(path))
    app.notify(
        f"No display here to open it: its path is copied to the clipboard ({path}).",
        markup=False,
        timeout=6,
    )
    return "copied"
