"""The trash: the deleted conversations, and Enter to bring one back."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from ...store import ConversationStore, StoreError, StoreProblem
from ...store.trash import KEEP_DAYS, Trashed
from ..safe import one_line
from .dialogs import marked, short_when, snippet_line


def trashed_prompt(item: Trashed, width: int) -> Content:
    """Two lines: the title; when it was deleted, its size and the start of its first
    message."""
    count = item.message_count
    title = marked(item.title or "Untitled", None).truncate(width, ellipsis=True)
    about = f"  deleted {short_when(item.deleted)} · {count} msg{'s' * (count != 1)} · "
    return Content("\n").join([title, snippet_line(item.preview, width, about)])


class TrashScreen(ModalScreen[str | None]):
    """The deleted conversations, most recently deleted first. Enter restores the one
    highlighted (a new id if its own is in use again) and closes with its id."""

    DEFAULT_CSS = """
    TrashScreen #trash-list {
        height: 1fr;
        border: none;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    BINDINGS = [Binding("escape", "dismiss(None)", "Close")]
    AUTO_FOCUS = "#trash-list"

    def __init__(self, store: ConversationStore) -> None:
        super().__init__()
        self.store = store
        self.items: list[Trashed] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog tall"):
            yield Label("Restore a deleted conversation", classes="modal-title")
            yield OptionList(id="trash-list")
            yield Label("Reading the trash…", id="trash-status", classes="modal-hint")

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="trash")
    def load(self) -> None:
        items, problems = self.store.trashed()
        self.app.call_from_thread(self._show, items, problems)

    def _show(self, items: list[Trashed], problems: list[StoreProblem]) -> None:
        self.items = items
        self.loaded = True
        listing = self.query_one(OptionList)
        width = listing.scrollable_content_region.width - 2  # (the options' padding)
        width = width if width > 10 else 60
        listing.set_options([Option(trashed_prompt(item, width)) for item in items])
        if items:
            listing.highlighted = 0
        count = len(items)
        if count:
            status = f"{count} in the trash, kept {KEEP_DAYS} days · Enter restores · Esc closes"
        else:
            status = "The trash is empty · Esc closes"
        if problems:
            status += (
                f" · {len(problems)} file{'s' * (len(problems) != 1)} in the trash could not "
                "be read"
            )
        self.query_one("#trash-status", Label).update(status)
        for problem in problems:
            self.notify(str(problem), title="Trash", severity="warning", markup=False)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if not 0 <= event.option_index < len(self.items):
            return
        item = self.items[event.option_index]
        title = one_line(item.title or "Untitled", 60)
        try:
            restored = self.store.restore(item.path)
        except StoreError as error:
            self.notify(str(error), title="Not restored", severity="error", markup=False)
            self.load()  # it may have gone meanwhile (another tui-chat restored it)
            return
        if restored.renamed:
            note = (
                f"Restored {title!r} as a new conversation: one with its id exists "
                "again and is left as it is."
            )
        else:
            note = f"Restored {title!r}: it is back in the conversation list."
        self.notify(note, title="Restored", markup=False, timeout=8)
        self.dismiss(restored.conversation_id)
