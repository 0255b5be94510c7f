"""The key bar at the bottom of the chat screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class ChatFooter(Footer):
    """Textual's footer, built once for the first frame and rebuilt only when its keys change.

    Footer unmounts and mounts all its keys again after every bindings signal (the screen
    shown, focus moving, a reactive declared with `bindings=True`...), changed or not, and
    each key costs a few style passes. At start-up that made three builds of the same keys,
    each waiting for a screen refresh and the keys of one thrown away by the next before
    being drawn: the footer was the last thing on screen, ~0.1 s after the rest. This one
    builds its keys as soon as the first signal comes (before the first frame), and then
    rebuilds, once for a burst of signals, only when the keys it would show differ from
    those it shows.
    """

    def __init__(self) -> None:
        super().__init__()
        self._shown: object = None
        self._rebuild_pending = False

    def _keys(self, screen: Screen) -> object:
        """Everything of the screen's bindings that `Footer.compose` shows."""
        bindings = screen.active_bindings
        palette = bindings.get(self.app.COMMAND_PALETTE_BINDING)
        return (
            [(b, enabled, tooltip) for _, b, enabled, tooltip in bindings.values() if b.show],
            palette[1:] if palette is not None else None,
            self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE,
        )

    def compose(self) -> ComposeResult:
        self._shown = self._keys(self.screen) if self._bindings_ready else None
        for widget in super().compose():
            if isinstance(widget, FooterKey) and "-command-palette" not in widget.classes:
                # The key's `compact` starts True and is then bound to the footer's (False):
                # set to that already, the key's class is not added and removed again on
                # mount, each time restyling it (the command palette key is not bound).
                widget.set_reactive(FooterKey.compact, self.compact)
            yield widget

    def bindings_changed(self, screen: Screen) -> None:
        # As Footer: not while the app is out of focus (a signal comes when it is back),
        # and only for its own screen.
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if self._rebuild_pending or self._keys(screen) == self._shown:
            return
        self._rebuild_pending = True
        if self._bindings_ready:
            self.call_after_refresh(self._rebuild)
        else:
            # The first keys: built now rather than after a refresh, for the first frame.
            self._bindings_ready = True
            self.call_later(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        if not self.is_attached:
            return
        keys = self._keys(self.screen)
        if keys == self._shown:
            return
        if not self._enable_in_place(keys):
            await self.recompose()

    def _enable_in_place(self, keys: object) -> bool:
        """When only which keys are enabled changed (an answer starting or ending turns
        Esc on and ctrl+r off), update those keys rather than build them all again: a
        rebuild made the last frame of every answer ~20 ms dearer."""
        shown = self._shown
        if not isinstance(shown, tuple) or not isinstance(keys, tuple):
            return False
        old_rows, old_palette, old_flag = shown
        new_rows, new_palette, new_flag = keys
        same = [b for b, _, _ in old_rows] == [b for b, _, _ in new_rows]
        if not same or old_flag != new_flag or (old_palette is None) != (new_palette is None):
            return False
        if new_palette is not None and old_palette[0] is not new_palette[0]:
            return False
        first: dict[str, tuple[bool, str]] = {}
        for binding, enabled, tooltip in new_rows:
            first.setdefault(binding.action, (enabled, tooltip))
        for key in self.query(FooterKey):
            if "-command-palette" in key.classes:
                if new_palette is not None:
                    _enable(key, new_palette[1])
                continue
            if key.action in first:
                enabled, tooltip = first[key.action]
                _enable(key, enabled)
                if "-grouped" not in key.classes:
                    key.tooltip = tooltip or None
        self._shown = keys
        return True


def _enable(key: FooterKey, enabled: bool) -> None:
    # As FooterKey's constructor shows it: the class styles it, `disabled` stops clicks.
    key.disabled = not enabled
    key.set_class(not enabled, "-disabled")
