"""Widgets whose change of size needs no second layout of the screen."""

from __future__ import annotations

from textual.geometry import Size


class LaidOutOnce:
    """Mixin for a widget whose size is settled by the layout that sets it.

    When a layout changes a widget's virtual size, Textual sets it as a reactive that
    asks for another layout of the whole screen. For the message log and its views that
    second layout (10 ms or more with a long answer on screen, after every growth of a
    streaming answer) places everything where it already is: their contents are laid
    out by their own heights, and a scroll bar coming or going asks for its own layout.
    """

    # A private method of Textual's (listed in compat.OVERRIDDEN, checked by a test).
    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        return super()._size_updated(  # type: ignore[misc]
            size, virtual_size, container_size, layout=False
        )
