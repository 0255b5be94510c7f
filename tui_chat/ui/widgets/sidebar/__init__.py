"""The sidebar: providers and their models as a tree, and the saved conversations.

- `provider_tree`: `ProviderTree`, each provider with its state and models;
- `conversation_list`: `ConversationList`, every saved conversation, newest first.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label

from .conversation_list import ConversationList
from .provider_tree import (
    PROBLEM_LINES,
    GroupNode,
    ModelNode,
    NodeData,
    ProviderNode,
    ProviderTree,
)

__all__ = [
    "PROBLEM_LINES",
    "ConversationList",
    "GroupNode",
    "ModelNode",
    "NodeData",
    "ProviderNode",
    "ProviderTree",
    "Sidebar",
]


class Sidebar(Vertical):
    def compose(self) -> ComposeResult:
        yield Label("Providers", classes="sidebar-title")
        yield ProviderTree(id="providers")
        yield Label("Conversations", classes="sidebar-title")
        yield ConversationList(id="conversations")
