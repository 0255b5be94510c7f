"""The sidebar's tree: providers with their state, and their models to pick from."""

from __future__ import annotations

import textwrap

from rich.text import Text
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ....catalog import LOADING, NEEDS_KEY, READY, UNREACHABLE, Catalog, ProviderEntry
from ....managed import FAILED, STARTING
from ....model_choice import ModelChoice
from ....record import record
from ...safe import one_line

#: A provider's problem takes at most this many lines of the tree.
PROBLEM_LINES = 8
_STATE_MARK = {
    READY: "●",
    LOADING: "…",
    UNREACHABLE: "✗",
    NEEDS_KEY: "🔑",
    STARTING: "◌",
    FAILED: "✗",
}
_STATE_STYLE = {
    READY: "green",
    LOADING: "dim",
    UNREACHABLE: "red",
    NEEDS_KEY: "yellow",
    STARTING: "yellow",
    FAILED: "red",
}


# Records (record.py), not named tuples or frozen dataclasses: making a named tuple class
# costs ~0.7 M instructions of start-up, a frozen dataclass ~3.5 M, a record ~0.15 M.
@record(frozen=True)
class ProviderNode:
    name: str


@record(frozen=True)
class GroupNode:
    provider: str
    via: str


@record(frozen=True)
class ModelNode:
    choice: ModelChoice


NodeData = ProviderNode | GroupNode | ModelNode


class ProviderTree(Tree[NodeData]):
    """Providers, (for g4f backends) their backend-side providers, and models.

    Labels are Rich `Text` objects built from plain strings: a model called "[bold]"
    shows as typed.
    """

    # The messages have __init__s of their own rather than being dataclasses: creating a
    # dataclass costs ~2 M instructions of start-up (its methods are compiled from text).
    class ModelChosen(Message):
        def __init__(self, choice: ModelChoice) -> None:
            super().__init__()
            self.choice = choice

    class CheckAgain(Message):
        """Enter on a provider that is not ready: ask it for its models again."""

        def __init__(self, provider: str) -> None:
            super().__init__()
            self.provider = provider

    def __init__(self, *, id: str | None = None) -> None:
        # Text, not str: a str label is read as markup, which imports Rich's emoji table
        # (~12 M instructions of start-up) for a root that is not even shown.
        super().__init__(Text("Providers"), id=id)
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
        if _is_managed(entry):
            label.append(" · managed", "dim")
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
            problem, log = _managed_log(entry)
            lines = textwrap.wrap(one_line(problem, 600), width)[:PROBLEM_LINES]
            # The managed server's log, whole, however long the reason before it.
            lines += textwrap.wrap(one_line(log, 600), width) if log else []
            here = ProviderNode(entry.name)
            for line in lines:
                node.add_leaf(Text(line, style="dim italic"), data=here)
            if entry.state not in (LOADING, STARTING):
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


def _is_managed(entry: ProviderEntry) -> bool:
    """The provider talks to (or waits for) the g4f server tui-chat runs (managed.py)."""
    link = getattr(entry, "managed", None)
    return link is not None and link.active


def _managed_log(entry: ProviderEntry) -> tuple[str, str]:
    """The problem without the managed server's log, and "Log: PATH" ("" for others)."""
    if not _is_managed(entry):
        return entry.problem, ""
    problem, found, path = entry.problem.rpartition(" Log: ")
    return (problem, f"Log: {path}") if found else (entry.problem, "")


def _same(a: ModelChoice, b: ModelChoice) -> bool:
    return a.provider == b.provider and a.model == b.model and (a.via or "") == (b.via or "")
