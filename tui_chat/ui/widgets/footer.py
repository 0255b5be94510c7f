"""The key bar at the bottom of the chat screen."""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget

from ...record import record
from ..actions import FOOTER


@record(frozen=True)  # (a named tuple's class costs ~0.7 M instructions to make)
class Key:
    """One key the footer shows."""

    key: str
    display: str
    description: str
    enabled: bool
    tooltip: str


class ChatFooter(Widget, can_focus=False):
    """The screen's keys on one line, drawn as one widget, as Textual's `Footer` shows them.

    Textual's `Footer` is a container with a widget per key: at start-up its ~12 keys were
    mounted and styled one by one (each a few style passes) and drawn through Textual's
    per-widget pipeline, and at the end of every answer turning Esc off and ctrl+r on
    restyled each key: ~20 ms of the first frame and ~10 ms of an answer's last frame here.
    This one reads the same bindings (`Screen.active_bindings`, shown keys only, one per
    action, the command palette's key on the right), keeps their look (the same theme
    variables, disabled keys dim) and their behaviour (a click presses the key; a disabled
    key rings the bell), and redraws one line when they change. Keys that do not fit are
    left out whole rather than cut; F1 lists them all.
    """

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {
        "footer--key",
        "footer--description",
        "footer--hover",
        "footer--separator",
    }
    DEFAULT_CSS = """
    ChatFooter {
        dock: bottom;
        height: 1;
        width: 1fr;
        text-wrap: nowrap;
        color: $footer-foreground;
        background: $footer-background;
        & > .footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .footer--hover {
            color: $footer-key-foreground;
            background: $block-hover-background;
        }
        & > .footer--separator {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._keys: tuple[list[Key], Key | None] | None = None
        # Where each shown key was drawn, for the mouse: (start, end, key).
        self._spans: list[tuple[int, int, Key]] = []
        self._hover: Key | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    @property
    def keys(self) -> list[Key]:
        """The keys shown on the left, in order (the command palette's key is not among them)."""
        return list(self._current()[0])

    def _current(self) -> tuple[list[Key], Key | None]:
        if self._keys is None:
            self._keys = self._read(self.screen)
        return self._keys

    def _read(self, screen: Screen) -> tuple[list[Key], Key | None]:
        """The keys as Textual's `Footer.compose` picks them."""
        app = self.app

        def key(binding: Binding, enabled: bool, tooltip: str) -> Key:
            return Key(
                binding.key, app.get_key_display(binding), binding.description, enabled, tooltip
            )

        bindings = screen.active_bindings
        shown: dict[str, Key] = {}
        order: dict[str, int] = {}
        for _, binding, enabled, tooltip in bindings.values():
            if binding.show and binding.action not in shown:
                shown[binding.action] = key(binding, enabled, tooltip)
                order[binding.action] = _place(binding.id)
        palette: Key | None = None
        entry = bindings.get(app.COMMAND_PALETTE_BINDING)
        if app.ENABLE_COMMAND_PALETTE and entry is not None:
            _, binding, enabled, tooltip = entry
            palette = key(binding, enabled, binding.tooltip or tooltip or binding.description)
            shown.pop(binding.action, None)
        # In actions.FOOTER's order, whichever widget, screen or app binds each key.
        ranked = sorted(shown, key=lambda action: order[action])
        return [shown[action] for action in ranked], palette

    def bindings_changed(self, screen: Screen) -> None:
        # As Footer: not while the terminal is out of focus (focus leaves the prompt then;
        # a signal comes when it is back), and only for its own screen.
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        keys = self._read(screen)
        if keys != self._keys:
            self._keys = keys
            self._hover_over(None)
            self.refresh()

    def render(self) -> Content:
        keys, palette = self._current()
        key_style = self.get_visual_style("footer--key", partial=True)
        description_style = self.get_visual_style("footer--description", partial=True)
        hover_style = self.get_visual_style("footer--hover", partial=True)
        width = self.size.width

        def item(key: Key, text_key: str, text_description: str) -> Content:
            content = Content.assemble((text_key, key_style), (text_description, description_style))
            if key is self._hover:
                content = content.stylize_before(hover_style)
            return content if key.enabled else content.stylize("dim")

        right = Content("")
        if palette is not None:
            description = f" {palette.description}" if palette.description else ""
            right = Content.assemble(
                ("▏", self.get_visual_style("footer--separator", partial=True)),
                item(palette, palette.display, description),
                " ",
            )
        parts: list[Content] = []
        spans: list[tuple[int, int, Key]] = []
        used = 0
        room = width - len(right)
        for key in keys:
            description = f"{key.description} " if key.description else ""
            shown = item(key, f" {key.display} ", description)
            if used + len(shown) > room:
                break
            spans.append((used, used + len(shown), key))
            parts.append(shown)
            used += len(shown)
        if palette is not None and width >= len(right):
            start = max(used, width - len(right))
            parts.append(Content(" " * (start - used)))
            parts.append(right)
            spans.append((start + 1, start + len(right), palette))
        self._spans = spans
        return Content.assemble(*parts)

    def _key_at(self, x: int) -> Key | None:
        for start, end, key in self._spans:
            if start <= x < end:
                return key
        return None

    def _hover_over(self, key: Key | None) -> None:
        """Highlight `key` (None: no key), with its tooltip."""
        if key is not self._hover:
            self._hover = key
            self.tooltip = (key.tooltip or None) if key is not None else None
            self.refresh()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._hover_over(self._key_at(event.x))

    def on_leave(self, event: events.Leave) -> None:
        self._hover_over(None)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        key = self._key_at(event.x)
        if key is None:
            return
        if key.enabled:
            self.app.simulate_key(key.key)
        else:
            self.app.bell()


def _place(binding_id: str | None) -> int:
    """A key's place in the footer: actions.FOOTER's order, other keys after those."""
    return FOOTER.index(binding_id) if binding_id in FOOTER else len(FOOTER)
