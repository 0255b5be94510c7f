"""The command palette: every action of the app, with its key where it has one."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from .app import ChatApp

#: (title, help, action, binding id or "")
COMMANDS: list[tuple[str, str, str, str]] = [
    ("Switch model…", "Fuzzy-pick a provider and model", "pick_model", "model.picker"),
    ("Next recent model", "Cycle through recently used models", "next_model", "model.cycle"),
    ("New conversation", "Start a new conversation", "new_chat", "chat.new"),
    ("Open conversation…", "Switch to a saved conversation", "pick_conversation", ""),
    ("Rename conversation…", "Give this conversation another title", "rename_conversation",
     "conversation.rename"),
    ("Delete conversation…", "Move this conversation to the trash folder", "delete_conversation",
     "conversation.delete"),
    ("Search conversations…", "Find conversations by title or content", "search_conversations",
     "conversation.search"),
    ("Export conversation…", "Write this conversation to a Markdown file", "export_conversation",
     "conversation.export"),
    ("Conversation parameters…", "System prompt, temperature and max tokens of this "
     "conversation", "conversation_parameters", ""),
    ("Theme…", "Pick a theme; each one previews as you move to it", "change_theme", ""),
    ("Settings…", "Providers, keys, defaults, timeouts, proxy, attachment limits",
     "settings", "app.settings"),
    ("Retry", "Regenerate the last answer", "retry", "chat.retry"),
    ("Edit last message", "Edit and resend your last message", "edit_last", "chat.edit"),
    ("Continue answer", "Continue a stopped answer", "continue_answer", "chat.continue"),
    ("Stop answer", "Stop the answer that is streaming", "stop", "chat.stop"),
    ("Copy…", "Copy the last answer or a code block", "copy", "chat.copy"),
    ("Attach files…", "Pick files to send with the next message", "attach", "chat.attach"),
    ("Toggle sidebar", "Show or hide providers and conversations", "toggle_sidebar",
     "app.sidebar"),
    ("Help", "All key bindings", "help", "app.help"),
    ("Quit", "Leave tui-chat (a streaming answer is saved)", "quit", "app.quit"),
]  # fmt: skip


class ChatCommands(Provider):
    @property
    def chat_app(self) -> ChatApp:
        return self.app  # type: ignore[return-value]

    def _title(self, title: str, binding_id: str) -> str:
        keys = self.chat_app.keys_for(binding_id) if binding_id else ""
        return f"{title}  ({keys})" if keys else title

    async def discover(self) -> Hits:
        for title, help_text, action, binding_id in COMMANDS:
            yield DiscoveryHit(
                self._title(title, binding_id),
                partial(self.chat_app.run_action, action),
                help=help_text,
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, action, binding_id in COMMANDS:
            shown = self._title(title, binding_id)
            score = matcher.match(shown)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(shown),
                    partial(self.chat_app.run_action, action),
                    help=help_text,
                )
