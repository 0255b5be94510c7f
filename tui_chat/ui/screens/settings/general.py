"""The settings form's General section: `[defaults] reopen_last`, `[display] images` and
`[g4f] managed`.

When each takes effect, as its hint says: reopening is decided at the next start anyway;
the way images are drawn is asked of the terminal once, before Textual starts
(ui/graphics.py), so a change is used from the next start; the g4f server setting from
Save (the app rebuilds its providers, which starts a server or leaves the one it runs).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from ....record import replace
from ....store.settings import Settings
from .controls import OptionField, SwitchRow

#: `[display] images`: each mode with what it means (store/settings_display.IMAGE_MODES).
IMAGE_CHOICES = (
    ("Auto: ask the terminal at start", "auto"),
    ("Kitty graphics", "kitty"),
    ("Sixel", "sixel"),
    ("Half-cell blocks: any terminal, tmux, SSH", "halfcell"),
    ("Off: a line with the image's path", "off"),
)
#: How the hint names the mode in use now (ui/graphics.MODES).
_IN_USE = {"kitty": "kitty graphics", "sixel": "Sixel", "halfcell": "half-cell", "off": "off"}


def images_hint(graphics: str | None) -> str:
    """The images field's hint: when a change applies, and the mode in use now if known."""
    now = f" (now: {_IN_USE[graphics]})" if graphics in _IN_USE else ""
    return f"Asked of the terminal once, at start-up: a change applies at the next start{now}."


class GeneralSection:
    """The section's rows, read back into `Settings` on Save."""

    def __init__(self, settings: Settings, graphics: str | None = None) -> None:
        self.reopen = SwitchRow(
            "Reopen last",
            settings.reopen_last,
            "on: the conversation shown last opens at start",
            "off: start with a new conversation",
            switch_id="reopen-last",
        )
        self.images = OptionField(
            "Images", settings.display.images, IMAGE_CHOICES, hint=images_hint(graphics)
        )
        self.managed = SwitchRow(
            "Run g4f server",
            settings.g4f.managed != "never",
            "on: when no g4f backend answers",
            "off: never",
            hint="When nothing answers at the g4f backend's 127.0.0.1 URL, tui-chat starts "
            "`g4f gui` itself (needs tui-chat[g4f]). Applies on Save.",
            switch_id="g4f-managed",
        )

    def compose(self) -> ComposeResult:
        yield Static("General", classes="section")
        yield self.reopen
        yield self.images
        yield self.managed

    @property
    def switches(self) -> list[SwitchRow]:
        return [self.reopen, self.managed]

    def snapshot(self) -> tuple[bool, ...]:
        """The switches' states (the images choice is a FormField: the screen has it)."""
        return tuple(row.value for row in self.switches)

    def apply(self, new: Settings) -> None:
        """Put the section's values into `new` (a copy of the settings the form opened with)."""
        new.reopen_last = self.reopen.value
        new.display = replace(new.display, images=self.images.value)
        new.g4f = replace(new.g4f, managed="auto" if self.managed.value else "never")
