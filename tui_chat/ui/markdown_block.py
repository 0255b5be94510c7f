"""A finished piece of Markdown, rendered only when it is seen, and then once per width.

Layout asks every widget its height on each refresh. A `Static` holding a Rich Markdown
answers by rendering it again (syntax highlighting and all), which made every frame of a
stream re-render the whole answer. This widget answers layout with an estimate until it
is painted (Textual asks for lines only where they are visible), renders then, caches the
lines for that width and style, and corrects its height if the estimate was off. Blocks
that stream past unseen, or sit above the viewport of a long answer, cost almost nothing.
"""

from __future__ import annotations

from rich.style import Style
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from .markdown_render import render_markdown


def estimate_height(text: str, width: int) -> int:
    """Lines the Markdown will take, roughly: wrapped source lines; fences add padding."""
    width = max(width, 1)
    lines = 0
    for line in text.strip("\n").split("\n"):
        lines += max(1, -(-len(line) // width))
    return lines


class MarkdownBlock(Widget):
    DEFAULT_CSS = """
    MarkdownBlock { height: auto; }
    """

    def __init__(
        self, text: str, *, dark: bool = True, classes: str | None = None, eager: bool = False
    ) -> None:
        super().__init__(classes=classes)
        self.text = text
        self.dark = dark
        # The open tail of a stream is always in sight and small: render it for layout
        # rather than guess its height and lay out twice each frame.
        self.eager = eager
        self._key: tuple[int, Style, bool] | None = None
        self._lines: list[Strip] = []
        self._estimated: int | None = None

    def lines_for(self, width: int) -> list[Strip]:
        style = self.rich_style
        key = (width, style, self.dark)
        if key != self._key:
            self._lines = render_markdown(self.text, width, style, self.dark)
            self._key = key
        return self._lines

    def update(self, text: str) -> None:
        """Show other text (the open tail of a streaming answer)."""
        if text != self.text:
            self.text = text
            self._key = None
            self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if not self.text.strip():
            return 0
        if (self._key is not None and self._key[0] == width) or self.eager:
            return len(self.lines_for(width))
        self._estimated = estimate_height(self.text, width)
        return self._estimated

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        known = self._key is not None and self._key[0] == width
        lines = self.lines_for(width)
        if not known and len(lines) != self.size.height:
            # The estimate was off: lay out again with the real height.
            self.call_after_refresh(self.refresh, layout=True)
        return lines[y] if y < len(lines) else Strip.blank(width, self.rich_style)

    def set_dark(self, dark: bool) -> None:
        if dark != self.dark:
            self.dark = dark
            self.refresh(layout=True)
