"""The F1 help screen: every key, as the actions table and the keymap make it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static


class HelpScreen(ModalScreen[None]):
    """Every key binding, with the keys in force (after keymap overrides)."""

    BINDINGS = [Binding("escape,f1,q,question_mark", "dismiss", "Close")]

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        width = max((len(keys) for keys, _, _ in self.rows), default=10) + 2
        lines = [Content.assemble(("Keys", "bold"), "\n")]
        for keys, description, where in self.rows:
            lines.append(
                Content.assemble(
                    (keys.ljust(width), "bold $accent"), description, (f"  {where}", "dim")
                )
            )
        lines.append(
            Content.from_markup(
                "\n[dim]ctrl+p opens the command palette with every action. "
                "Keys can be changed in settings.toml under [keymap].[/]"
            )
        )
        with Vertical(id="help-box"):
            yield Label("tui-chat help", classes="modal-title")
            with VerticalScroll():
                yield Static(Content("\n").join(lines))
            yield Label("Esc closes", classes="modal-hint")
