"""The sidebar: providers and their models as a tree, and the saved conversations."""

from __future__ import annotations

import textwrap
import time
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, OptionList, Tree
from textual.widgets.option_list import Option
from textual.widgets.tree import TreeNode
from textual.worker import get_current_worker

from ...catalog import LOADING, NEEDS_KEY, READY, UNREACHABLE, Catalog, ModelChoice, ProviderEntry
from ...store import ConversationStore, ConversationSummary
from ..safe import one_line, plain

#: A provider's problem takes at most this many lines of the tree.
PROBLEM_LINES = 8
_STATE_MARK = {READY: "●", LOADING: "…", UNREACHABLE: "✗", NEEDS_KEY: "🔑"}
_STATE_STYLE = {READY: "green", LOADING: "dim", UNREACHABLE: "red", NEEDS_KEY: "yellow"}


@dataclass(frozen=True)
class ProviderNode:
    name: str


@dataclass(frozen=True)
class GroupNode:
    provider: str
    via: str


@dataclass(frozen=True)
class ModelNode:
    choice: ModelChoice


NodeData = ProviderNode | GroupNode | ModelNode


class ProviderTree(Tree[NodeData]):
    """Providers, (for g4f backends) their backend-side providers, and models.

    Labels are Rich `Text` objects built from plain strings: a model called "[bold]"
    shows as typed.
    """

    @dataclass
    class ModelChosen(Message):
        choice: ModelChoice

    @dataclass
    class CheckAgain(Message):
        """Enter on a provider that is not ready: ask it for its models again."""

        provider: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Providers", id=id)
        self.show_root = False
        self.guide_depth = 2
        self.current: ModelChoice | None = None
        self._providers: dict[str, TreeNode[NodeData]] = {}
        self._states: dict[str, str] = {}

    def set_catalog(self, catalog: Catalog) -> None:
        self.clear()
        self._providers.clear()
        self._states.clear()
        for entry in catalog:
            node = self.root.add(self._provider_label(entry), data=ProviderNode(entry.name))
            self._providers[entry.name] = node

    def _provider_label(self, entry: ProviderEntry) -> Text:
        label = Text(one_line(entry.name, 40), style="bold")
        label.append(
            f"  {_STATE_MARK.get(entry.state, '')} {entry.state}", _STATE_STYLE.get(entry.state, "")
        )
        return label

    def update_entry(self, entry: ProviderEntry) -> None:
        """Rebuild one provider's branch from its state and model list."""
        node = self._providers.get(entry.name)
        if node is None:
            return
        node.set_label(self._provider_label(entry))
        self._states[entry.name] = entry.state
        node.remove_children()
        if entry.state != READY:
            # The whole reason, wrapped to the tree's width: cut to one line, the part
            # that says what to do was lost ("Could not connect to 127.0.0.").
            width = max(16, (self.scrollable_content_region.width or 30) - 6)
            lines = textwrap.wrap(one_line(entry.problem, 600), width)[:PROBLEM_LINES]
            here = ProviderNode(entry.name)
            for line in lines:
                node.add_leaf(Text(line, style="dim italic"), data=here)
            if entry.state != LOADING:
                node.add_leaf(Text("Enter: check again", style="dim"), data=here)
            return
        groups: dict[str, list] = {}
        for model in entry.models:
            groups.setdefault(model.provider, []).append(model)
        nested = len(groups) > 1 or (len(groups) == 1 and "" not in groups)
        for via, models in groups.items():
            parent = node
            if nested:
                label = Text(one_line(models[0].label or via, 40))
                label.append(f"  {len(models)}", "dim")
                parent = node.add(label, data=GroupNode(entry.name, via))
            for model in models:
                choice = ModelChoice(entry.name, model.id, via)
                parent.add_leaf(self._model_label(choice, model.vision), data=ModelNode(choice))
        if not entry.models:
            node.add_leaf(Text("no models listed", style="dim italic"))
        self._expand_current()

    def _model_label(self, choice: ModelChoice, vision: bool = False) -> Text:
        current = self.current is not None and _same(choice, self.current)
        label = Text("● " if current else "  ", style="bold green" if current else "")
        label.append(one_line(choice.model or "default model", 60), "bold" if current else "")
        if vision:
            label.append("  👁", "dim")
        return label

    def mark_current(self, choice: ModelChoice) -> None:
        self.current = choice

        def walk(node: TreeNode[NodeData]) -> None:
            for child in node.children:
                if isinstance(child.data, ModelNode):
                    child.set_label(self._model_label(child.data.choice))
                walk(child)

        walk(self.root)
        self._expand_current()

    def _expand_current(self) -> None:
        if self.current is None:
            return
        node = self._providers.get(self.current.provider)
        if node is not None:
            node.expand()
            for child in node.children:
                if isinstance(child.data, GroupNode) and child.data.via == self.current.via:
                    child.expand()

    def on_tree_node_selected(self, event: Tree.NodeSelected[NodeData]) -> None:
        data = event.node.data
        if isinstance(data, ModelNode):
            event.stop()
            self.post_message(self.ModelChosen(data.choice))
        elif isinstance(data, ProviderNode) and self._states.get(data.name, READY) != READY:
            event.stop()
            self.post_message(self.CheckAgain(data.name))


def _same(a: ModelChoice, b: ModelChoice) -> bool:
    return a.provider == b.provider and a.model == b.model and (a.via or "") == (b.via or "")


class ConversationList(OptionList):
    """Saved conversations, newest first. Keys act on the highlighted one.

    The cursor follows the conversation shown (opened, or started) until the user moves
    it; then a new listing keeps it on the same conversation, or, when that one is gone
    (deleted), on the one listed after it. Watching the store (`watch_store`), it notices
    conversations written by another process (`tui-chat ask`, another tui-chat) and asks
    the app to list them again (`Stale`).
    """

    BINDINGS = [
        Binding("r", "request('rename')", "Rename"),
        Binding("delete,d", "request('delete')", "Delete"),
        Binding("e", "request('export')", "Export"),
        Binding("slash", "request('search')", "Search"),
    ]

    @dataclass
    class Opened(Message):
        conversation_id: str

    @dataclass
    class Requested(Message):
        """A key asked for something to be done with the highlighted conversation."""

        action: str
        conversation_id: str | None

    class Stale(Message):
        """The conversations folder changed since it was last listed: list it again."""

    def action_request(self, action: str) -> None:
        conversation_id = None
        if self.highlighted is not None:
            conversation_id = self.get_option_at_index(self.highlighted).id
        if conversation_id is None and action != "search":
            return
        self.post_message(self.Requested(action, conversation_id))

    #: Conversations listed at most: an OptionList lays out every option on each update
    #: (about 0.5 ms each), and the search (F3) reaches the older ones.
    LIMIT = 150
    #: Seconds between two looks at the folder (one stat; nothing more when unchanged).
    CHECK_EVERY = 2.0
    #: A `Stale` not answered by a new list within this many seconds is posted again.
    STALE_RETRY = 10.0
    #: Seconds after start when the search index is brought up to date, in a thread (the
    #: first time it is built: ~25 s for a decade of history), so that F3 finds it ready.
    INDEX_AFTER = 5.0

    _generation = 0

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._ids: list[str] = []  # as last listed, in order
        self._current: str | None = None  # the conversation shown, as last told
        self._placed: str | None = None  # where set_summaries last put the cursor
        self._following = True  # the cursor follows the conversation shown
        self._pending: str | None = None  # place_cursor_on, for the next listing
        self._shown: tuple[object, ...] | None = None
        self._store: ConversationStore | None = None
        self._stale_since: float | None = None

    def set_summaries(
        self, summaries: list[ConversationSummary], current: str | None, total: int | None = None
    ) -> None:
        """List `summaries` (newest first); `total` says how many there are when those are
        only the newest ones. `current` is the conversation shown."""
        self._stale_since = None
        target = self._cursor_target(summaries, current)
        shown = summaries[: self.LIMIT]
        for kept in (current, target):  # listed, however old
            if kept and all(s.id != kept for s in shown):
                shown += [s for s in summaries[self.LIMIT :] if s.id == kept]
        highlighted = next((i for i, s in enumerate(shown) if s.id == target), None)
        hidden = (len(summaries) if total is None else total) - len(shown)
        self._ids = [s.id for s in shown]
        self._placed = target if highlighted is not None else (shown[0].id if shown else None)
        # Nothing changed (a look at the folder that found only our own writes): the
        # options stay as they are, and so does their layout.
        key = (
            tuple((s.id, s.title, s.updated, s.message_count) for s in shown),
            hidden,
            highlighted or 0,
        )
        if key == self._shown and self.highlighted == (highlighted or 0):
            return
        self._shown = key
        options = []
        for summary in shown:
            title = one_line(summary.title or "Untitled", 60)
            when = summary.updated.astimezone().strftime("%b %d %H:%M")
            prompt = plain(title).append(f"\n{when} · {summary.message_count} msgs")
            options.append(Option(prompt, id=summary.id))
        if hidden > 0:
            more = plain(f"… {hidden:,} older conversations: F3 searches them all")
            options.append(Option(more, disabled=True))
        # Only as many as the screen can show are laid out before the next frame (an
        # OptionList works out the height of each option it gets, wrapping its text); the
        # rest, below, are added after it. (Through the app: a widget's callback for after
        # a refresh is dropped if it comes before the app runs, as on mount.)
        first = max(self.app.size.height // 2 + 1, (highlighted or 0) + 1)
        self._generation += 1
        self.set_options(options[:first])
        if options:
            self.highlighted = highlighted if highlighted is not None else 0
        if len(options) > first:
            self.app.call_after_refresh(self._add_rest, self._generation, options[first:])

    def place_cursor_on(self, conversation_id: str) -> None:
        """Put the cursor on this conversation when it is next listed (one restored)."""
        self._pending = conversation_id

    def _cursor_target(
        self, summaries: list[ConversationSummary], current: str | None
    ) -> str | None:
        """The conversation the cursor goes to in the new listing."""
        listed = {s.id for s in summaries}
        if current != self._current:  # another conversation is shown: follow it
            self._current = current
            self._following = True
        cursor = None
        if self.highlighted is not None and self.highlighted < self.option_count:
            cursor = self.get_option_at_index(self.highlighted).id
        if cursor is not None and cursor != self._placed:
            self._following = False  # the user moved it since
        pending, self._pending = self._pending, None
        if pending in listed:
            self._following = False
            return pending
        if self._following and current in listed:
            return current
        if cursor in listed:
            return cursor
        if cursor in self._ids:
            # Gone (deleted): the one listed after it, else the one before it.
            at = self._ids.index(cursor)
            for neighbour in [*self._ids[at + 1 :], *reversed(self._ids[:at])]:
                if neighbour in listed:
                    return neighbour
        return current if current in listed else None

    def _add_rest(self, generation: int, options: list[Option]) -> None:
        if generation == self._generation:  # not replaced by a newer list meanwhile
            self.add_options(options)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:  # the "older conversations" row has none
            self.post_message(self.Opened(event.option.id))

    # --- noticing conversations written by others -------------------------------------

    def watch_store(self, store: ConversationStore) -> None:
        """Look at the store's folder every few seconds and whenever the terminal gets
        the focus back, and post `Stale` when it changed since it was last listed."""
        self._store = store
        self.set_interval(self.CHECK_EVERY, self.check_store)
        self.watch(self.app, "app_focus", self._app_focus, init=False)
        self.set_timer(self.INDEX_AFTER, self._update_search_index)

    def _update_search_index(self) -> None:
        store = self._store
        if store is None:
            return

        def update() -> None:
            worker = get_current_worker()
            store.update_search_index(lambda: worker.is_cancelled)

        self.run_worker(update, thread=True, group="search-index", exit_on_error=False)

    def _app_focus(self, focused: bool) -> None:
        if focused:
            self.check_store()

    def check_store(self) -> None:
        if self._store is None or not self._store.changed_on_disk():
            return
        now = time.monotonic()
        if self._stale_since is not None and now - self._stale_since < self.STALE_RETRY:
            return  # asked already; the listing is on its way
        self._stale_since = now
        self.post_message(self.Stale())


class Sidebar(Vertical):
    def compose(self) -> ComposeResult:
        yield Label("Providers", classes="sidebar-title")
        yield ProviderTree(id="providers")
        yield Label("Conversations", classes="sidebar-title")
        yield ConversationList(id="conversations")
