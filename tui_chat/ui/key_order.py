"""Typed keys acted on in the order they were typed, however fast they arrive.

The text fields that keep it are in inputs.py (this module imports none of Textual's
fields: the app needs `KeyGate` before the first frame, which has none).

Textual forwards each key to the focused widget's queue and checks the bindings of a key
the widget does not handle itself only when it bubbles back up to the app's queue. Keys
typed in one burst (as SSH and tmux deliver them) are all forwarded before the first one
bubbles back, so a binding ran after the characters typed *after* its key: Enter in a
burst submitted an input holding text typed after it, a picker's arrow moved the
highlight of a list filtered by later text. Two pieces put that right:

- `KeysInOrder`: a text field runs the binding of a key that is not a character in its
  own queue, between the characters around it;
- `KeyGate`: while a field acts on such a key (Enter may close a dialog and move the
  focus), the app holds the keys that follow and hands them on afterwards, to whatever
  has the focus then. Without it they were forwarded to the field being closed, and lost.
  It holds them too while a bound key goes to a widget that is not a field (the tree,
  the log), until the key comes back to the app, where Textual runs its binding: Esc
  then a question and Enter, in one burst, sent the question and then ran Esc's binding
  with the answer streaming, stopping it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events

if TYPE_CHECKING:
    from textual.app import App
    from textual.binding import ActiveBinding
    from textual.timer import Timer
    from textual.widget import Widget

#: Held keys are handed on after this long even if the field never acted (it was removed
#: before it got to the key): a safety net, never the normal path.
HOLD_AT_MOST = 0.5


def binding_run_in_order(widget: Widget, event: events.Key) -> ActiveBinding | None:
    """The binding a text field runs itself for this key, if any."""
    if event.is_printable or not isinstance(widget, KeysInOrder):
        return None  # characters are the field's own business
    active = widget.screen.active_bindings.get(event.key)
    # A priority binding ran before the key was forwarded, or chose not to; a disabled
    # one is left to Textual, which ignores it.
    if active is None or active.binding.priority or not active.enabled:
        return None
    return active


class KeysInOrder:
    """Mixin for a widget that takes typed text: its bindings run in typing order."""

    async def _on_key(self, event: events.Key) -> None:
        # Characters fall through to the widget's own handler (Textual calls the handler
        # of each class in the MRO unless the default is prevented).
        widget: Widget = self  # type: ignore[assignment]
        active = binding_run_in_order(widget, event)
        if active is None:
            return
        app = widget.app
        try:
            if await app.run_action(active.binding.action, active.node):
                event.stop()
                event.prevent_default()
            # Otherwise the field's action gave up (SkipAction: Input's up/down when there
            # is nothing to scroll): the key goes on to Textual's own lookup, which tries
            # the next binding for it (a dialog's up/down that moves its list).
        finally:
            gate = getattr(app, "key_gate", None)
            if isinstance(gate, KeyGate):
                # After the refresh: a dialog closed by the action is gone, and the focus
                # it gave back has landed.
                app.call_after_refresh(gate.release)


class KeyGate:
    """Holds the app's incoming keys while a field acts on a bound key (see above).

    The app calls `hold(event)` first for each key or paste from the terminal (True: it
    was kept for later), and `watch(event)` before forwarding one. `holding=True` holds
    from the start until the first `release()`: the chat screen's prompt comes after the
    first frame (widgets/prompt_stand_in.py), and what is typed before goes to it.
    """

    def __init__(self, app: App, *, holding: bool = False) -> None:
        self.app = app
        self.held: list[events.Key | events.Paste] | None = [] if holding else None
        self._timer: Timer | None = None
        #: The bound key the held keys wait for to come back to the app (see above).
        self._returning: events.Key | None = None

    def hold(self, event: events.Key | events.Paste) -> bool:
        if self.held is None:
            return False
        self.held.append(event)
        return True

    def watch(self, event: events.Key | events.Paste) -> None:
        focused = self.app.focused
        if not isinstance(event, events.Key) or focused is None:
            return
        if binding_run_in_order(focused, event) is not None:
            self._start()
        elif not isinstance(focused, KeysInOrder) and _bound(focused, event):
            self._returning = event
            self._start()

    def came_back(self, event: events.Key) -> bool:
        """For the app, as a forwarded key comes back to it: whether the held keys wait
        for this one (the app runs its binding, then `release`s after the refresh)."""
        if event is not self._returning:
            return False
        self._returning = None
        return True

    def _start(self) -> None:
        self.held = []
        self._timer = self.app.set_timer(HOLD_AT_MOST, self.release)

    async def release(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        held, self.held = self.held, None
        self._returning = None
        for event in held or ():
            # Through the app's own handling again, in order; a key among them may start
            # holding once more, and the rest wait behind it.
            if not self.hold(event):
                await self.app.on_event(event)


def _bound(widget: Widget, event: events.Key) -> bool:
    """Whether the key runs a binding once it comes back to the app (a priority binding
    ran before it was forwarded; a disabled one does not run)."""
    active = widget.screen.active_bindings.get(event.key)
    return active is not None and active.enabled and not active.binding.priority
