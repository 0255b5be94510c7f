"""Every action of the app in one table: its key, footer label, palette entry and help line.

The app's and the prompt's BINDINGS, the command palette (palette.py), the help screen
and `keys_for` are all built from `ACTIONS`, so a key cannot be added to one of them and
missed by the others (tests/ui/test_actions.py checks it). No Textual widgets here: the
app imports this module before its first frame.

Keys are shown to people by `key_display` ("esc", "ctrl+j / shift+enter"), never as
Textual writes them ("escape", "ctrl+j,shift+enter"): the help screen, the palette and
the app's messages all go through it. The footer keeps Textual's own compact display
(`App.get_key_display`: "^o", "⏎"), which uses the same names for the keys ("esc").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from textual.binding import Binding
from textual.keys import format_key

# Where an action's key is bound (`Action.scope`). The first three are built from this table.
APP = "app"  # ChatApp.BINDINGS: app-wide, also over dialogs
CHAT = "chat"  # ChatScreen.BINDINGS: the chat's, run by the chat screen
PROMPT = "prompt"  # PromptArea.BINDINGS
LOG = "log"  # MessageLog.BINDINGS (described here, bound there)
TEXTUAL = "textual"  # Textual's own bindings (described here)
NONE = ""  # no key: the action is in the command palette only

#: The keys the footer shows, left to right (after the focused widget's own).
FOOTER = (
    "prompt.send",
    "chat.stop",
    "app.help",  # early: at 80 columns the last keys do not fit
    "chat.new",
    "model.picker",
    "chat.retry",
    "chat.edit",
    "chat.copy",
    "chat.attach",
    "app.quit",
)


# A named tuple, not a frozen dataclass: as immutable, compared and printed alike, and
# made without compiling methods from source (~5 M instructions at start-up).
class Action(NamedTuple):
    """One action: what it runs and every place it is shown."""

    #: The binding id, the name under [keymap] in settings.toml (README: "Key binding
    #: ids"); for an action without a binding of ours, just a name.
    id: str
    #: Default keys, as Textual writes them ("ctrl+j,shift+enter"); "" for none.
    key: str = ""
    #: The action run, as in a Binding ("" for a row that only explains keys).
    action: str = ""
    #: The binding's description: the footer's label.
    label: str = ""
    #: The command palette's title; "" keeps the action out of the palette.
    title: str = ""
    #: The palette's help line and, after the title, the help screen's line.
    help: str = ""
    #: Where the key is bound: APP, CHAT, PROMPT, LOG, TEXTUAL or NONE.
    scope: str = CHAT
    priority: bool = False
    #: The help screen's third column, such as "in the prompt".
    where: str = ""
    #: How the help screen and the palette show `key` when it is not overridden
    #: (the binding itself keeps Textual's display).
    key_display: str = ""

    @property
    def bound(self) -> bool:
        """Whether this table binds the key (and [keymap] can change it)."""
        return self.scope in (APP, CHAT, PROMPT)

    @property
    def footer(self) -> bool:
        return self.id in FOOTER

    @property
    def palette(self) -> bool:
        return bool(self.title)

    @property
    def help_line(self) -> str:
        if self.title:
            return f"{self.title.rstrip('…')}: {self.help}"
        return self.help or self.label

    @property
    def on_app(self) -> bool:
        """Whether the app runs the action (else the chat screen does)."""
        return self.scope == APP or self.action.startswith("app.")

    def binding(self) -> Binding:
        return Binding(
            self.key,
            self.action,
            self.label,
            show=self.footer,
            priority=self.priority,
            id=self.id,
        )


#: In the help screen's order; the palette lists its actions in the same order.
ACTIONS: tuple[Action, ...] = (
    # Not a priority binding, although TextArea inserts a newline for Enter: the
    # binding runs in the prompt's queue, before TextArea's handler, in typing order
    # (see key_order.KeysInOrder). As a priority binding it ran from the app's queue
    # ahead of characters still queued there: a burst of text and Enter, as SSH
    # delivers it, sent part of the text and left the rest behind.
    Action("prompt.send", "enter", "submit", "Send", scope=PROMPT, where="in the prompt"),
    # ctrl+j is a newline every terminal can send; shift+enter only where reported.
    Action("prompt.newline", "ctrl+j,shift+enter", "newline", "Newline", scope=PROMPT,
           where="in the prompt"),
    Action("model.picker", "ctrl+o", "pick_model", "Model", "Switch model…",
           "Fuzzy-pick a provider and model"),
    Action("model.cycle", "ctrl+t", "next_model", "Next model", "Next recent model",
           "Cycle through recently used models"),
    Action("chat.new", "ctrl+n", "new_chat", "New", "New conversation",
           "Start a new conversation"),
    Action("conversation.open", "", "pick_conversation", "", "Open conversation…",
           "Switch to a saved conversation", scope=NONE),
    Action("conversation.rename", "f2", "rename_conversation", "Rename",
           "Rename conversation…", "Give this conversation another title"),
    Action("conversation.delete", "f8", "delete_conversation", "Delete",
           "Delete conversation…", "Move it to the trash (kept 30 days)"),
    Action("conversation.search", "f3", "search_conversations", "Search",
           "Search conversations…", "Find conversations by title or content"),
    Action("conversation.restore", "", "restore_conversation", "",
           "Restore a deleted conversation…",
           "Bring one back from the trash", scope=NONE),
    Action("conversation.export", "f4", "export_conversation", "Export",
           "Export conversation…", "Write it to a Markdown file"),
    Action("conversation.parameters", "", "conversation_parameters", "",
           "Conversation parameters…",
           "System prompt, temperature and max tokens of this conversation", scope=NONE),
    Action("app.theme", "", "app.change_theme", "", "Theme…",
           "Pick a theme; each one previews as you move to it", scope=NONE),
    Action("app.settings", "f9", "settings", "Settings", "Settings…",
           "Providers, keys, defaults, timeouts, proxy, attachments, images, start-up",
           scope=APP),
    Action("chat.retry", "ctrl+r", "retry", "Retry", "Retry", "Regenerate the last answer"),
    Action("chat.edit", "ctrl+g", "edit_last", "Edit", "Edit last message",
           "Edit and resend your last message"),
    Action("chat.continue", "ctrl+l", "continue_answer", "Continue", "Continue answer",
           "Continue a stopped answer"),
    Action("chat.variant_prev", "alt+left", "variant(-1)", "‹ Variant", "Previous variant",
           "Show the answer (or your edit) made before this one in its place; the "
           "conversation goes on from the one shown", key_display="alt+←"),
    Action("chat.variant_next", "alt+right", "variant(1)", "Variant ›", "Next variant",
           "Show the next answer (or edit) in its place", key_display="alt+→"),
    Action("chat.pick_1", "alt+1", "pick_answer(1)", "Answer 1", "Go on with answer 1",
           "Of the models asked at once (or the variants shown): go on with answer 1; "
           "the others stay as its variants"),
    Action("chat.pick_2", "alt+2", "pick_answer(2)", "Answer 2", "Go on with answer 2",
           "Of the models asked at once (or the variants shown): go on with answer 2; "
           "the others stay as its variants"),
    Action("chat.pick_3", "alt+3", "pick_answer(3)", "Answer 3", "Go on with answer 3",
           "Of the models asked at once (or the variants shown): go on with answer 3; "
           "the others stay as its variants"),
    Action("chat.pick_4", "alt+4", "pick_answer(4)", "Answer 4", "Go on with answer 4",
           "Of the models asked at once (or the variants shown): go on with answer 4; "
           "the others stay as its variants"),
    Action("chat.open_image", "ctrl+e", "open_image", "Open image", "Open image",
           "Open the image under the log's cursor (else the newest one) with the system's "
           "viewer; with no display (SSH), copy its path"),
    Action("chat.fork", "", "fork", "", "Fork from here",
           "A new conversation with the messages up to the one under the log's cursor (the "
           "last one from elsewhere); the original is kept", scope=NONE),
    Action("chat.stop", "escape", "stop", "Stop", "Stop answer",
           "Stop the answer that is streaming"),
    Action("chat.reasoning", "f5", "toggle_reasoning", "Reasoning", "Reasoning",
           "Unfold or fold the reasoning of the answer in view"),
    # After Stop in the table: Esc stops an answer first, and only then moves the focus.
    Action("chat.to_prompt", "escape", "focus_prompt", "Prompt",
           help="Back to the prompt from the log, the sidebar or a chip", key_display="esc"),
    Action("chat.copy", "ctrl+s", "copy", "Copy", "Copy…",
           "Copy the last answer or a code block"),
    Action("chat.attach", "ctrl+f", "attach", "Attach", "Attach files…",
           "Pick files to send with the next message"),
    Action("app.sidebar", "ctrl+b", "toggle_sidebar", "Sidebar", "Toggle sidebar",
           "Show or hide providers and conversations"),
    Action("app.help", "f1", "help", "Help", "Help", "All key bindings", scope=APP),
    # In the prompt, `?` is a character like any other.
    Action("app.help_alt", "question_mark", "help", "Help", help="Help: All key bindings",
           where="outside the prompt", key_display="?", scope=APP),
    Action("app.quit", "ctrl+q", "quit", "Quit", "Quit",
           "Leave tui-chat (a streaming answer is saved)", priority=True, scope=APP),
    # The log scrolls from the prompt: reading back needs no change of focus.
    Action("prompt.log_page_up", "pageup", "scroll_log('page_up')", "Scroll up",
           help="Scroll the conversation up a page", scope=PROMPT, where="in the prompt"),
    Action("prompt.log_page_down", "pagedown", "scroll_log('page_down')", "Scroll down",
           help="Scroll the conversation down a page", scope=PROMPT, where="in the prompt"),
    Action("prompt.log_top", "ctrl+home", "scroll_log('top')", "First message",
           help="Jump to the conversation's first message", scope=PROMPT,
           where="in the prompt"),
    Action("prompt.log_bottom", "ctrl+end", "scroll_log('bottom')", "Newest",
           help="Jump to the newest text and follow it", scope=PROMPT, where="in the prompt"),
    Action("log.follow_top", "end,home", help="Follow the newest text / jump to the first "
           "message", scope=LOG, where="in the log", key_display="End / Home"),
    Action("log.cursor", "up,down", help="Move the cursor between messages (a tall one "
           "scrolls first)", scope=LOG, where="in the log", key_display="↑ / ↓"),
    Action("log.variants", "left,right", help="Flip between the variants of the message "
           "under the cursor", scope=LOG, where="in the log", key_display="← / →"),
    Action("log.column", "s,enter", help="On answers of several models: stop the column "
           "under the cursor / go on with it (←/→ pick the column)", scope=LOG,
           where="in the log", key_display="s / enter"),
    Action("log.image", "enter", help="Open the image of the message under the cursor "
           "full-screen (Esc back)", scope=LOG, where="in the log"),
    Action("log.fork", "f", help="Fork from the message under the cursor", scope=LOG,
           where="in the log"),
    Action("log.copy", "c", help="Copy the message under the cursor", scope=LOG,
           where="in the log"),
    Action("app.focus", "tab", help="Move between sidebar, log and prompt", scope=TEXTUAL),
    Action("app.command_palette", "ctrl+p", "command_palette",
           help="Command palette (themes, every action)", scope=TEXTUAL),
)  # fmt: skip

BY_ID: dict[str, Action] = {action.id: action for action in ACTIONS}


def bindings(scope: str) -> list[Binding]:
    """The BINDINGS of ChatApp (APP), ChatScreen (CHAT) or PromptArea (PROMPT): the
    footer's keys first, in the footer's order, then the others in the table's."""
    actions = [action for action in ACTIONS if action.scope == scope]
    actions.sort(key=lambda action: FOOTER.index(action.id) if action.footer else len(FOOTER))
    return [action.binding() for action in actions]


# Names read better as words than as the symbols Textual's footer uses for them.
_KEY_WORDS = {"enter": "enter", "backspace": "backspace", "tab": "tab", "space": "space"}


def key_display(keys: str) -> str:
    """Keys as people read them: "escape" -> "esc", "question_mark" -> "?",
    "ctrl+j,shift+enter" -> "ctrl+j / shift+enter", "pageup" -> "pgup", "up" -> "↑".

    Text already meant for display ("End / Home", "?") comes back unchanged: a key as
    Textual writes it has no spaces, so one with a space, or a single character, is
    taken as already shown.
    """
    keys = keys.strip()
    if not keys or " " in keys or len(keys) == 1:
        return keys
    shown = []
    for key in keys.split(","):
        *modifiers, name = key.strip().split("+")
        if not name:  # "ctrl++" : the plus key itself
            modifiers, name = modifiers[:-1], "+"
        name = _KEY_WORDS.get(name) or format_key(name)
        shown.append("+".join([*modifiers, name]))
    return " / ".join(part for part in shown if part)


def _bound_keys(action: Action, keymap: Mapping[str, str]) -> str:
    """The [keymap] override of a key bound here, else the table's display or key."""
    override = keymap.get(action.id) if action.bound else None
    return override or action.key_display or action.key


def keys_for(action_id: str, keymap: Mapping[str, str]) -> str:
    """The keys of an action for display (`key_display`): the [keymap] override of a key
    bound here, or the default; "" for an action without keys (or an unknown id)."""
    action = BY_ID.get(action_id)
    if action is None:
        return ""
    return key_display(_bound_keys(action, keymap))


def palette_actions() -> list[Action]:
    """The command palette's actions, in order."""
    return [action for action in ACTIONS if action.palette]


#: The help screen's sections, in order: an action's goes by the start of its id. (A row
#: whose `where` a heading already says, "in the log", does not repeat it.)
HELP_SECTIONS = (
    ("prompt", "In the prompt"),
    ("chat", "Answers"),
    ("model", "Models"),
    ("conversation", "Conversations"),
    ("log", "In the log (tab or a click gives it the focus)"),
    ("app", "The app"),
)


def help_sections(keymap: Mapping[str, str]) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """`help_rows` under their headings (`HELP_SECTIONS`), in the table's order within
    each: a list of fifty keys is read by finding its part first."""
    rows = list(zip(ACTIONS, help_rows(keymap), strict=True))
    sections: list[tuple[str, list[tuple[str, str, str]]]] = []
    for prefix, heading in HELP_SECTIONS:
        mine = [row for action, row in rows if action.id.partition(".")[0] == prefix]
        if mine:
            sections.append((heading, mine))
    return sections


def help_rows(keymap: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """The help screen's rows: (keys as bound, what they do, where). The keys are as
    Textual writes them ("ctrl+j,shift+enter"; "palette" for an action without keys):
    the help screen shows them through `key_display`."""
    return [
        (_bound_keys(action, keymap) or "palette", action.help_line, action.where)
        for action in ACTIONS
    ]
