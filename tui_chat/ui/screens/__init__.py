"""Modal screens: help and the model and copy pickers (`pickers`), the settings screen
(`settings`). What they share is in ui/app.tcss, which the app adds to its stylesheet when
it is first needed (`DialogsCss`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: What the dialogs share (boxes, titles, hints, buttons). Nothing in it is for the chat
#: screen, so its first frame goes without it: parsing it was ~10 M instructions.
DIALOGS_CSS = Path(__file__).parent.parent / "app.tcss"


class DialogsCss:
    """The app's part that adds DIALOGS_CSS to its stylesheet: after the first complete
    frame (the app calls `add_dialogs_css`), or when a screen is first pushed over the
    chat if that comes sooner (a key typed at once), so no dialog is ever without it."""

    def add_dialogs_css(self) -> None:
        stylesheet = self.stylesheet  # type: ignore[attr-defined]
        path = str(DIALOGS_CSS)
        if not stylesheet.has_source(path):
            # Parsed alone (the other sources' rules are cached); no widget is styled
            # again, as these rules match nothing on the chat screen.
            css = DIALOGS_CSS.read_text(encoding="utf-8")
            stylesheet.add_source(css, read_from=(path, ""))

    def push_screen(self, *args: Any, **kwargs: Any) -> Any:
        self.add_dialogs_css()
        return super().push_screen(*args, **kwargs)  # type: ignore[misc]
