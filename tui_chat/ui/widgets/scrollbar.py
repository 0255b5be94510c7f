"""The message log's scroll bar: it measures the text, and is cheap to draw every frame."""

from __future__ import annotations

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip
from textual.widget import Widget

from ..sizing import LaidOutOnce


class TextScrollBar(LaidOutOnce, ScrollBar):
    """A vertical scroll bar for the message log.

    It measures the log's text: the log's height less the blank room a streaming answer
    grows into below it (`MessageLog.room`, never scrolled into), so the thumb is at the
    bottom at the end of the text.

    The log keeps its bar's column from the start (`overflow-y: scroll`): an answer first
    growing past the screen used to show the bar, which narrowed every message by its
    width, so they were all wrapped again and the screen laid out a second time in that
    frame. While there is nothing to scroll the column is blank, in the log's colours.

    It is drawn from its rows directly. Textual draws a scroll bar as a Rich renderable
    through its per-row style pipeline, ~3 ms for a screenful of rows, and a followed
    stream moves the thumb every frame. The rows here are the ones Textual's own
    `render_bar` makes (same glyphs, colours and mouse actions), kept while the thumb
    stays where it is.
    """

    def __init__(self, *, thickness: int) -> None:
        super().__init__(vertical=True, name="vertical", thickness=thickness)
        self._rows: list[Strip] = []
        self._drawn: tuple[object, ...] = ()

    def validate_window_virtual_size(self, size: float) -> float:
        # The log's own measure where it has one (its text, and the blank rows a followed
        # stream's jump shows below it).
        extent = getattr(self.parent, "scroll_extent", None)
        return max(0, size - getattr(self.parent, "room", 0) if extent is None else extent)

    def render_lines(self, crop: Region) -> list[Strip]:
        bar = self.render()
        if not isinstance(bar, ScrollBarRender) or self.styles.tint.a or self.opacity != 1:
            return super().render_lines(crop)
        width, height = self.size
        if not bar.window_size:  # Textual's "nothing to scroll": a blank column
            log = self.parent if isinstance(self.parent, Widget) else self
            background = log.background_colors[1]
            drawn: tuple[object, ...] = (width, height, background)
            if drawn != self._drawn:
                self._rows = [Strip.blank(width, Style(bgcolor=background.rich_color))] * height
        else:
            style = bar.style if isinstance(bar.style, Style) else Style.parse(str(bar.style))
            under = self.rich_style  # what Textual's pipeline puts under each cell
            drawn = (width, height, bar.virtual_size, bar.window_size, bar.position, style, under)
            if drawn != self._drawn:
                segments = bar.render_bar(
                    size=height,
                    virtual_size=bar.virtual_size,
                    window_size=bar.window_size,
                    position=bar.position,
                    thickness=width,
                    vertical=True,
                    back_color=style.bgcolor or Color.parse("#555555"),
                    bar_color=style.color or Color.parse("bright_magenta"),
                )
                self._rows = [
                    Strip([Segment(segment.text, under + segment.style)], width)
                    for segment in segments.segments
                ]
        self._drawn = drawn
        rows = self._rows[crop.y : crop.bottom]
        background = self.background_colors[1]
        for line_filter in self.get_line_filters():
            rows = [row.apply_filter(line_filter, background) for row in rows]
        if crop.x or crop.width != width:
            rows = [row.crop(crop.x, crop.right) for row in rows]
        return rows
