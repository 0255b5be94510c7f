"""The F1 help screen: every key, as the actions table and the keymap make it, under
headings (the prompt, answers, models, conversations, the log, the app).

The list scrolls from the moment it opens (it has the focus; the screen's own bindings
scroll it too, wherever a click left the focus). Keys are shown through
`actions.key_display`; each row is a keys column and a description column, so a
description that wraps stays under its own text.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from ..actions import key_display, keys_for

#: The closing line, as plain text: "[keymap]" is a TOML table, not markup.
CLOSING = (
    "{palette} opens the command palette with every action. "
    "Keys can be changed in settings.toml under [keymap]."
)
#: The keys that scroll the list, in the order the hint names them.
SCROLL_KEYS = ("up", "down", "pageup", "pagedown", "home", "end")
#: The keys column's widest text: longer keys ("ctrl+j / shift+enter") wrap within the
#: column, so that the descriptions get the width and fewer of them wrap at 80 columns.
KEYS_WIDTH = 12
#: What the keys column says for an action that has no key.
NO_KEY = "palette"


class HelpScroll(VerticalScroll):
    """The list of keys: focused when the screen opens, so the scroll keys work at once."""


class HelpScreen(ModalScreen[None]):
    """Every key binding, with the keys in force (after keymap overrides)."""

    # Beside this file: the box takes the terminal's height (app.tcss's 80% is for pickers).
    CSS_PATH = "help.tcss"
    AUTO_FOCUS = "#help-scroll"

    BINDINGS = [
        Binding("escape,f1,q,question_mark", "dismiss", "Close"),
        # The list's own keys, here too: they scroll it wherever the focus is.
        Binding("up", "scroll_list('scroll_up')", show=False),
        Binding("down", "scroll_list('scroll_down')", show=False),
        Binding("pageup", "scroll_list('page_up')", show=False),
        Binding("pagedown", "scroll_list('page_down')", show=False),
        Binding("home", "scroll_list('scroll_home')", show=False),
        Binding("end", "scroll_list('scroll_end')", show=False),
    ]

    def __init__(self, sections: list[tuple[str, list[tuple[str, str, str]]]]) -> None:
        """`sections`: headings, each with its rows (keys as bound, what they do, where),
        as `actions.help_sections` gives them."""
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        sections = [
            (heading, [(key_display(keys), line, where) for keys, line, where in rows])
            for heading, rows in self.sections
        ]
        widest = max((len(keys) for _, rows in sections for keys, _, _ in rows), default=10)
        width = min(widest, KEYS_WIDTH) + 2
        with Vertical(id="help-box"):
            yield Label("tui-chat help: every key", classes="modal-title")
            with HelpScroll(id="help-scroll"):
                for heading, rows in sections:
                    yield Static(Content.styled(heading, "bold"), classes="help-section")
                    for keys, description, where in rows:
                        text = Content(description)
                        if where and not heading.startswith(where.capitalize()):
                            text = Content.assemble(text, (f"  {where}", "dim"))
                        with Horizontal(classes="help-row"):
                            style = "dim" if keys == NO_KEY else "bold $accent"
                            key_cell = Static(Content.styled(keys, style), classes="help-keys")
                            key_cell.styles.width = width
                            yield key_cell
                            yield Static(text, classes="help-text")
                closing = CLOSING.format(palette=keys_for("app.command_palette", {}))
                yield Static(Content.styled(closing, "dim"), id="help-closing")
            scroll = " ".join(key_display(key) for key in SCROLL_KEYS)
            yield Label(
                Content(f"{scroll} scroll · {key_display('escape')} closes"),
                id="help-hint",
                classes="modal-hint",
            )

    def action_scroll_list(self, method: str) -> None:
        getattr(self.query_one(HelpScroll), f"action_{method}")()
