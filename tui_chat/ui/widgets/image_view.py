"""A message's images in the log: thumbnails as wide as the log allows, or one line each.

Half-cell thumbnails (▀ with the upper pixel as foreground, the lower as background)
are decoded and scaled in a thread, only when a row of them is first drawn (the log
draws only what is in sight), and kept per file and size, so scrolling past twenty
images redraws cached rows. With kitty graphics or Sixel, textual-image draws them.
`[display] images = "off"`, an image still being fetched and one that failed are one
line of plain text: `[image] <path>`, or the reason.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from ...store.conversations import MediaFile
from ..safe import one_line

#: Rows a thumbnail may take at most: half of a 24-row terminal.
THUMBNAIL_ROWS = 12
#: Thumbnails kept drawn (per file and size); a conversation of 20 images fits.
CACHE_SIZE = 64

_cache: OrderedDict[tuple[str, int, int], list[Strip]] = OrderedDict()
_cache_lock = threading.Lock()


def _cached(key: tuple[str, int, int]) -> list[Strip] | None:
    with _cache_lock:
        strips = _cache.get(key)
        if strips is not None:
            _cache.move_to_end(key)
        return strips


def _remember(key: tuple[str, int, int], strips: list[Strip]) -> None:
    with _cache_lock:
        _cache[key] = strips
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


def image_size(path: Path) -> tuple[int, int]:
    """The image's pixels (width, height), from its header only."""
    from PIL import Image

    with Image.open(path) as image:
        return image.size


def fit(pixels: tuple[int, int], columns: int, rows: int) -> tuple[int, int]:
    """(columns, rows) of half-cells that show an image of `pixels` whole, as big as
    `columns` × `rows` allows, never wider than its pixels (a cell is about twice as
    tall as wide, so two pixels a cell keeps its shape)."""
    width, height = max(pixels[0], 1), max(pixels[1], 1)
    cols = max(1, min(columns, width))
    lines = max(1, round(height * cols / width / 2))
    if lines > rows:
        lines = max(1, rows)
        cols = max(1, min(columns, round(width * lines * 2 / height)))
    return cols, lines


def halfcell_strips(path: Path, columns: int, rows: int) -> list[Strip]:
    """The image scaled to `columns` × `rows` half-cells (runs in a thread)."""
    from PIL import Image

    with Image.open(path) as image:
        image.seek(0)  # an animated GIF: its first frame
        small = image.convert("RGB").resize((columns, rows * 2), Image.Resampling.BILINEAR)
    pixels = small.load()
    styles: dict[tuple[tuple[int, int, int], tuple[int, int, int]], Style] = {}
    strips = []
    for row in range(rows):
        segments = []
        for x in range(columns):
            pair = (pixels[x, row * 2], pixels[x, row * 2 + 1])  # type: ignore[index]
            style = styles.get(pair)  # type: ignore[arg-type]
            if style is None:
                style = styles[pair] = Style(  # type: ignore[index]
                    color=Color.from_rgb(*pair[0]), bgcolor=Color.from_rgb(*pair[1])
                )
            segments.append(Segment("▀", style))
        strips.append(Strip(segments, columns).simplify())
    return strips


def describe(media: MediaFile, data_dir: Path | None) -> str:
    """The one line that stands for an image: its path, or why there is none."""
    where = media.source if media.source != "data:" else "an image in the answer"
    if media.error:
        return f"[image] {one_line(where, 80)}: {one_line(media.error, 120)}"
    if media.pending:
        return f"[image] fetching {one_line(where, 80)}…"
    path = data_dir / media.path if data_dir is not None else Path(media.path)
    return f"[image] {path}"


class ImageLine(Static):
    """One line for an image: `[image] <path>`, or the reason it is not there."""

    DEFAULT_CSS = """
    ImageLine { height: 1; color: $text-muted; }
    """

    def __init__(self, text: str) -> None:
        # Content, never markup: a URL or a reason may hold brackets.
        super().__init__(Content(text), markup=False)


class HalfcellImage(Widget):
    """A thumbnail in half-cell blocks, drawn from a thread, cached per size."""

    DEFAULT_CSS = """
    HalfcellImage { height: auto; width: 1fr; }
    """

    def __init__(self, path: Path, pixels: tuple[int, int], max_rows: int) -> None:
        super().__init__()
        self.path = path
        self.pixels = pixels
        self.max_rows = max_rows
        self._working: set[tuple[str, int, int]] = set()

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return fit(self.pixels, width, self.max_rows)[1]

    def _key(self) -> tuple[str, int, int]:
        cols, rows = fit(self.pixels, self.size.width, self.max_rows)
        return str(self.path), cols, rows

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        key = self._key()
        strips = _cached(key)
        if strips is None:
            if key not in self._working:
                self._working.add(key)
                self.run_worker(
                    lambda: self._draw(key), thread=True, group="image", exit_on_error=False
                )
            return Strip.blank(width)
        if y >= len(strips):
            return Strip.blank(width)
        return strips[y].extend_cell_length(width)

    def _draw(self, key: tuple[str, int, int]) -> None:
        try:
            strips = halfcell_strips(self.path, key[1], key[2])
        except Exception:
            strips = [Strip.blank(key[1])] * key[2]
        _remember(key, strips)
        self.app.call_from_thread(self.refresh)


def image_widget(media: MediaFile, data_dir: Path | None, mode: str, max_rows: int) -> Widget:
    """The widget for one image in `mode` (ui/graphics.py): a picture, or a line."""
    if mode == "off" or media.error or media.pending or data_dir is None:
        return ImageLine(describe(media, data_dir))
    path = data_dir / media.path
    try:
        pixels = image_size(path)
    except FileNotFoundError:
        return ImageLine(f"[image] {path}: the file is gone")
    except Exception as exc:
        return ImageLine(f"[image] {path}: cannot be read ({type(exc).__name__})")
    if mode in ("kitty", "sixel"):
        return _graphic(path, pixels, mode, max_rows)
    return HalfcellImage(path, pixels, max_rows)


def _graphic(path: Path, pixels: tuple[int, int], mode: str, max_rows: int) -> Widget:
    """kitty graphics or Sixel, through textual-image (prepared by graphics.prepare)."""
    from textual_image._terminal import get_cell_size
    from textual_image.widget import SixelImage, TGPImage

    cell = get_cell_size()
    # In cells: as many columns as fit, rows from the cell's own shape.
    widget = (TGPImage if mode == "kitty" else SixelImage)(str(path))
    cols = max(1, pixels[0] // max(cell.width, 1))
    rows = max(1, round(pixels[1] / max(cell.height, 1)))
    if rows > max_rows:
        cols, rows = max(1, cols * max_rows // rows), max_rows
    widget.styles.width = cols
    widget.styles.height = rows
    widget.styles.max_width = "100%"
    return widget


class MediaList(Vertical):
    """A message's images, under its text."""

    DEFAULT_CSS = """
    MediaList { height: auto; }
    """

    def __init__(self, media: list[MediaFile], data_dir: Path | None, mode: str) -> None:
        super().__init__(classes="media")
        self.media = media
        self.data_dir = data_dir
        self.mode = mode
        self.shown: tuple[tuple[str, str], ...] = ()
        self.display = bool(media)

    def compose(self) -> ComposeResult:
        yield from self._widgets()

    def _widgets(self) -> list[Widget]:
        self.shown = self._state()
        return [image_widget(m, self.data_dir, self.mode, THUMBNAIL_ROWS) for m in self.media]

    def _state(self) -> tuple[tuple[str, str], ...]:
        return tuple((m.path, m.error) for m in self.media)

    @property
    def stale(self) -> bool:
        """Whether the images changed since they were shown."""
        return self._state() != self.shown

    async def update_media(self) -> None:
        """Show the images as they are now (one fetched, one failed, one announced)."""
        if not self.stale:
            return
        self.display = bool(self.media)
        await self.remove_children()
        await self.mount_all(self._widgets())
