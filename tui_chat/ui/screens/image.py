"""A message's image, as big as the terminal allows; ← / → show its others, Esc (or q)
goes back to the chat."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from ...store.conversations import MediaFile
from ..widgets.image_view import image_widget


class ImageScreen(Screen[None]):
    """The image of a message, full-screen, with its path on the last line."""

    DEFAULT_CSS = """
    ImageScreen { align: center middle; }
    ImageScreen > Vertical { height: 1fr; width: 1fr; }
    ImageScreen .image-caption { dock: bottom; height: 1; color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back"),
        Binding("ctrl+e", "open_outside", "Open", show=False),
        Binding("left", "step(-1)", "Previous", show=False),
        Binding("right", "step(1)", "Next", show=False),
    ]

    def __init__(
        self, media: list[MediaFile], data_dir: Path | None, mode: str, index: int = 0
    ) -> None:
        super().__init__()
        self.images = media
        self.index = index
        self.data_dir = data_dir
        self.mode = mode

    @property
    def media(self) -> MediaFile:
        return self.images[self.index]

    def compose(self) -> ComposeResult:
        rows = max(3, self.app.size.height - 2)
        where = self.data_dir / self.media.path if self.data_dir else Path(self.media.path)
        # The picture drawn even with `images = "off"`: the user asked to see it.
        mode = "halfcell" if self.mode == "off" else self.mode
        with Vertical():
            yield image_widget(self.media, self.data_dir, mode, rows)
        which = f"{self.index + 1}/{len(self.images)} · ← → · " if len(self.images) > 1 else ""
        # The keys first: a long path is what a narrow terminal cuts.
        caption = f"{which}esc back · ctrl+e opens it outside · {where}"
        yield Static(Content(caption), classes="image-caption", markup=False)

    async def action_step(self, step: int) -> None:
        if len(self.images) > 1:
            self.index = (self.index + step) % len(self.images)
            await self.recompose()

    def action_open_outside(self) -> None:
        from ..open_media import open_or_copy

        open_or_copy(self.app, self.media, self.data_dir)
