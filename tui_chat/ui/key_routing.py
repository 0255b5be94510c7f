"""Typed keys as the app routes them: in typing order (key_order.py), an Esc read together
with the key after it split in two, text typed where it means nothing sent to the prompt.

A mixin of `ChatApp` (app.py), which holds the key gate and the chat screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events

from .compat import character_to_key, forward_event, takes_text
from .screens.chat import ChatScreen
from .widgets.prompt_stand_in import PromptStandIn

if TYPE_CHECKING:
    from textual.widget import Widget

    from .app import ChatApp


class KeyRouting:
    """The part of ChatApp that routes the keys it receives."""

    async def on_event(self: ChatApp, event: events.Event) -> None:
        if isinstance(event, events.Key) and event.is_forwarded and self.key_gate.came_back(event):
            # Back from a widget that is not a field: its binding runs (Textual's), then
            # the keys typed after it go on (key_order.KeyGate).
            await super().on_event(event)  # type: ignore[misc]
            self.call_after_refresh(self.key_gate.release)
            return
        if isinstance(event, events.Key):
            self.keys_since_paint = True  # the next paint of a stream waits for its frame
            if not event.is_forwarded and (keys := self._escape_then_key(event)):
                for key in keys:
                    await self.on_event(key)
                return
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            # Typed keys are acted on in typing order (see key_order.py).
            if self.key_gate.hold(event) or self._route_to_prompt(event):
                return
            self.key_gate.watch(event)
        await super().on_event(event)  # type: ignore[misc]

    def _escape_then_key(self: ChatApp, event: events.Key) -> list[events.Key] | None:
        """Esc and the key typed right after it, when they arrived together (a burst over
        SSH) and the terminal's parser read them as one key: ESC b and ESC f as
        ctrl+left and ctrl+right (as macOS terminals send them for option+arrow), ESC and
        any other character as alt+<character>. tui-chat binds no alt key, so those are
        always split; the arrows only outside a text field, where they mean nothing."""
        key = event.key
        if key in self.screen.active_bindings:
            return None
        if key.startswith("alt+") and event.character and event.character.isprintable():
            character = event.character[-1]
        elif key in _ARROW_WORDS and not _takes_text(self.screen.focused):
            character = _ARROW_WORDS[key]
        else:
            return None
        return [events.Key("escape", "\x1b"), events.Key(_key_name(character), character)]

    def _route_to_prompt(self: ChatApp, event: events.Key | events.Paste) -> bool:
        """Text typed where it means nothing (the log, the sidebar, or before anything has
        focus) goes to the prompt, in the order it was typed: focus moves at once, not
        after a refresh as `focus()` does, so the rest of a burst follows this key there."""
        screen = self.screen
        if not isinstance(screen, ChatScreen) or not screen.ready or not screen.has_prompt:
            return False
        focused = screen.focused
        prompt = screen.prompt
        if focused is prompt or (focused is not None and _takes_text(focused)):
            return False
        if isinstance(event, events.Key) and (
            not event.is_printable or event.key in screen.active_bindings
        ):
            return False
        screen.set_focus(prompt)
        forward_event(prompt, event)
        return True


def _takes_text(widget: Widget | None) -> bool:
    """Whether the widget has a use for typed characters of its own (the prompt's
    stand-in counts: what is typed before the prompt is there goes to it)."""
    return isinstance(widget, PromptStandIn) or takes_text(widget)


#: What Textual's parser reads ESC b / ESC f as.
_ARROW_WORDS = {"ctrl+left": "b", "ctrl+right": "f"}


def _key_name(character: str) -> str:
    """Textual's name for the key of a typed character ("b", "B", "question_mark")."""
    return character if character.isalnum() else character_to_key(character)
