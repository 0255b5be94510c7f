"""The dialog asking whether to discard the edits made in the settings screen."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label


class ConfirmDiscard(ModalScreen[bool]):
    """Asked when Esc or Cancel would drop edits. Esc keeps editing."""

    AUTO_FOCUS = "#discard-keep"
    BINDINGS = [Binding("escape", "dismiss(False)", "Keep editing")]
    CSS_PATH = "settings.tcss"

    def compose(self) -> ComposeResult:
        with Vertical(id="discard-box"):
            yield Label("Discard the changes to your settings?")
            with Horizontal():
                yield Button("Keep editing", id="discard-keep", compact=True)
                yield Button("Discard", id="discard-yes", variant="error", compact=True)

    @on(Button.Pressed, "#discard-keep")
    def _keep(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#discard-yes")
    def _discard(self) -> None:
        self.dismiss(True)
