"""Every private Textual name tui-chat uses, in one place.

Each is used for a measured reason (said where it is used). Textual may rename or change
any of them in a minor release; `tests/ui/test_compat.py` checks each one below against
the installed Textual, so an upgrade fails there, loudly and by name, instead of somewhere
in the app. Code outside this module calls the wrappers, or, for a method it overrides,
is listed in `OVERRIDDEN`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual import keys as _keys
from textual._compositor import Compositor
from textual.app import App
from textual.drivers._writer_thread import WriterThread
from textual.geometry import Region
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets._directory_tree import DirEntry

if TYPE_CHECKING:
    from textual import events
    from textual._arrange import DockArrangeResult
    from textual.scrollbar import ScrollBar

__all__ = [
    "OVERRIDDEN",
    "USED",
    "DirEntry",
    "DockArrangeResult",
    "character_to_key",
    "driver_of",
    "forward_event",
    "keep_what_scrolls_apart",
    "pending_writes",
    "refresh_truecolor_filter",
    "set_vertical_scrollbar",
    "start_widget",
    "takes_text",
    "update_without_skipping",
    "vertical_scrollbar",
]

#: Private methods our widgets override, with the parameters we rely on (after self).
OVERRIDDEN: list[tuple[type, str, tuple[str, ...]]] = [
    # sizing.LaidOutOnce: a size change settled by the layout that made it.
    (Widget, "_size_updated", ("size", "virtual_size", "container_size", "layout")),
    # _ScrollCompositor: a scroll after a layout redraws what moved, not the screen.
    (Compositor, "reflow", ("parent", "size")),
    (Compositor, "reflow_visible", ("parent", "size")),
    # _ScrollCompositor: an update renders only the widgets, and rows, it changes.
    (Compositor, "_get_renders", ("crop",)),
]

#: Private methods and attributes called through the wrappers below.
USED: list[tuple[type, str, tuple[str, ...] | None]] = [
    (App, "_start_widget", ("parent", "widget")),
    (Widget, "_forward_event", ("event",)),
    (App, "_refresh_truecolor_filter", ("theme",)),
    (Widget, "_vertical_scrollbar", None),  # an attribute set in __init__
    (Screen, "_update_timer", None),  # a property
    (Timer, "_skip", None),  # an attribute set in __init__
    (_keys, "_character_to_key", ()),  # a function of the module (params not compared)
    (Screen, "_compositor", None),  # attributes set in __init__
    (Compositor, "_full_map", None),
    (Compositor, "_visible_map", None),
    (Compositor, "visible_widgets", None),  # a property
    (App, "_driver", None),
    (WriterThread, "_queue", None),
]


def forward_event(widget: Widget, event: events.Event) -> None:
    """Put an event into a widget's queue now, in order with those already there (the
    prompt takes keys typed elsewhere, key_order.py); `post_message` would mark it anew."""
    widget._forward_event(event)


def start_widget(app: App[Any], parent: Widget, widget: Widget) -> None:
    """Start a widget that is not mounted in the DOM (a scroll bar Textual makes itself)."""
    app._start_widget(parent, widget)


def refresh_truecolor_filter(app: App[Any], theme: Any) -> None:
    """What App._watch_theme does for the ANSI theme, without the CSS refresh it queues."""
    app._refresh_truecolor_filter(theme)


def vertical_scrollbar(widget: Widget) -> ScrollBar | None:
    """The widget's vertical scroll bar if Textual made it yet (its property makes one)."""
    return widget._vertical_scrollbar


def set_vertical_scrollbar(widget: Widget, bar: ScrollBar) -> None:
    widget._vertical_scrollbar = bar


def update_without_skipping(screen: Screen[Any]) -> None:
    """Make the screen's update timer run a late update at once instead of skipping to
    the next slot (why: ChatScreen.on_mount)."""
    screen._update_timer._skip = False


#: Textual's text fields, by the private modules they are defined in.
TEXT_FIELDS = (("textual.widgets._input", "Input"), ("textual.widgets._text_area", "TextArea"))


def takes_text(widget: object) -> bool:
    """Whether the widget is one of Textual's text fields, without importing them: a
    class not imported has no instances yet (the first frame has neither, and TextArea
    alone costs ~36 M instructions to import)."""
    for module, name in TEXT_FIELDS:
        loaded = sys.modules.get(module)
        if loaded is not None and isinstance(widget, getattr(loaded, name)):
            return True
    return False


def character_to_key(character: str) -> str:
    """Textual's key name for a typed character ("?" -> "question_mark")."""
    return _keys._character_to_key(character)


class _ScrollCompositor(Compositor):
    """Textual's compositor, but a scroll right after a layout redraws only what moved.

    A scroll alone is laid out by `reflow_visible`, which compares the widgets' places
    with those of the last scroll. A layout (`reflow`) forgets those, so the first scroll
    after it found every widget new and redrew the whole screen: while a stream is
    followed, every few seconds (its growth asks for a layout now and then, and its jumps
    are scrolls), 14 kB written to a 100x30 terminal, the sidebar and footer included.
    Here it compares with the places the layout gave them.
    """

    _laid_out: Any = None

    def reflow(self, parent: Widget, size: Any) -> Any:
        result = super().reflow(parent, size)
        self._laid_out = self._full_map
        return result

    def reflow_visible(self, parent: Widget, size: Any) -> Any:
        if self._visible_map is None and self._full_map is self._laid_out:
            # The places the layout gave (a map rebuilt since may hold newer ones).
            self._visible_map = self._full_map
        return super().reflow_visible(parent, size)

    def _get_renders(self, crop: Region | None = None) -> Iterable[tuple[Region, Region, list]]:
        """Textual's, but an update renders only the widgets whose visible part meets the
        region it redraws, and only their rows in it. Textual tests the crop against a
        widget's clip (its container's region), so every widget of a container that
        changed was rendered whole, every frame: while an answer streams, the sidebar,
        the prompt (whose render restyles its theme) and every row of the log, 15 times
        a second, for a few changed rows. What is skipped would have been cut away: an
        update writes only its dirty spans, which lie inside `crop`."""
        if crop is None:
            yield from super()._get_renders(crop)
            return
        intersection = Region.intersection
        crop_overlaps = crop.overlaps
        top, bottom = crop.y, crop.bottom
        for widget, (region, clip) in self.visible_widgets.items():
            x, y, width, height = visible = intersection(region, clip)
            if not (width and height and crop_overlaps(visible)):
                continue
            y0, y1 = max(y, top), min(y + height, bottom)
            rows = Region(x, y0, width, y1 - y0)
            # Its region and clip both `rows`: the chops are cut from where `rows` starts.
            yield (
                rows,
                rows,
                widget.render_lines(Region(x - region.x, y0 - region.y, width, y1 - y0)),
            )


def keep_what_scrolls_apart(screen: Screen[Any]) -> None:
    """Give a screen, before its first layout, the compositor of `_ScrollCompositor`."""
    screen._compositor = _ScrollCompositor()


def pending_writes(app: App[Any]) -> int:
    """Writes the app's terminal driver has queued and not yet written out: frames a slow
    terminal holds back (0 without such a queue: headless, another driver)."""
    thread = getattr(app._driver, "_writer_thread", None)
    queue = getattr(thread, "_queue", None)
    return queue.qsize() if queue is not None else 0


def driver_of(app: App[Any]) -> Any:
    """The app's terminal driver (None before it runs)."""
    return app._driver
