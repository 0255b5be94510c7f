"""Rows of the settings form whose control is not typed text.

`SwitchRow` is a label, a `Switch` and a few words saying what its state means, on one
row, with a hint under it if it has one; the words follow the switch as it is flipped.
`OptionField` is a `FormField` whose control chooses one of a fixed set of values (a
`Select` without a blank choice), each shown with a few words of what it means.

Both show their texts as plain text (`Content`), never as markup, like the rest of the form.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Label, Select, Static, Switch

from ...safe import plain
from .fields import FormField, RowLabel


class SwitchRow(Vertical):
    """A label, a switch and what its state means; the screen marks its label on focus."""

    def __init__(
        self,
        label: str,
        value: bool,
        on_text: str,
        off_text: str,
        *,
        hint: str = "",
        switch_id: str | None = None,
        label_id: str | None = None,
        state_id: str | None = None,
    ) -> None:
        super().__init__(classes="field switch-field")
        self.row_label = RowLabel(label, id=label_id)
        self.switch = Switch(value, id=switch_id)
        self.texts = (off_text, on_text)
        self.state = Label(Content(self.texts[value]), id=state_id, classes="switch-state")
        self.hint = hint

    @property
    def value(self) -> bool:
        return self.switch.value

    def compose(self) -> ComposeResult:
        with Horizontal(classes="field-row"):
            yield self.row_label
            yield self.switch
            yield self.state
        if self.hint:
            yield Static(plain(self.hint), classes="field-hint")

    def on_switch_changed(self, event: Switch.Changed) -> None:
        # Not stopped: the screen hears it too (the form is edited).
        self.state.update(Content(self.texts[event.value]))

    def on_descendant_focus(self) -> None:
        # The hint under the switch comes into view with it.
        self.call_after_refresh(self.scroll_visible, animate=False)


class OptionField(FormField):
    """A label and a choice of one of `options` ((words shown, value) pairs)."""

    input: Select[str]

    def __init__(
        self, label: str, value: str, options: Sequence[tuple[str, str]], *, hint: str = ""
    ) -> None:
        super().__init__(label, value, None, hint=hint)
        choices = [(Content(text), option) for text, option in options]
        if value not in {option for _, option in options}:
            # Not expected (the loader gives a known value or the default); kept, not lost.
            choices.append((Content(value), value))
        self.input = Select(choices, value=value, allow_blank=False, compact=True)
        self.input.field = self  # type: ignore[attr-defined]

    @property
    def value(self) -> str:
        value = self.input.value
        return value if isinstance(value, str) else ""
