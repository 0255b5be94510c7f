"""Managing conversations: rename, delete, search, export, parameters."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ....store import Conversation, StoreError, atomic_write
from ...widgets.sidebar import ConversationList

if TYPE_CHECKING:
    from .screen import ChatScreen


class Manage:
    """The part of ChatScreen that acts on whole conversations, the one shown or one
    picked in the sidebar's list."""

    async def conversation_request(
        self: ChatScreen, action: str, conversation_id: str | None
    ) -> None:
        """An action asked for from the conversation list (its keys or its menu)."""
        actions: dict[str, Callable[[str | None], Awaitable[None]]] = {
            "rename": self.action_rename_conversation,
            "delete": self.action_delete_conversation,
            "export": self.action_export_conversation,
        }
        if action == "search":
            self.action_search_conversations()
        elif action in actions:
            await actions[action](conversation_id)

    def _with_messages(
        self: ChatScreen, conversation_id: str | None, verb: str
    ) -> Conversation | None:
        """The conversation to act on, when it has messages: an empty one is said."""
        conversation = self._conversation(conversation_id)
        if conversation is not None and not conversation.messages:
            self.notify(f"This conversation is empty: there is nothing to {verb}.", markup=False)
            return None
        return conversation

    def _conversation(self: ChatScreen, conversation_id: str | None) -> Conversation | None:
        """The conversation to act on: the one shown, or a saved one by id."""
        if conversation_id is None or conversation_id == self.conversation.id:
            return self.conversation
        store = self.store
        try:
            return store.load(conversation_id)
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
            return None

    async def action_rename_conversation(
        self: ChatScreen, conversation_id: str | None = None
    ) -> None:
        from ..dialogs import TextPrompt

        conversation = self._conversation(conversation_id)
        if conversation is None:
            return

        def renamed(title: str | None) -> None:
            if title is None or not title.strip():
                return
            conversation.title = " ".join(title.split())
            if conversation.messages:
                self.save_conversation(conversation)
            self.refresh_conversations()
            self.notify(f"Renamed to {conversation.title}.", markup=False)

        self.app.push_screen(
            TextPrompt("Rename conversation", conversation.title, check=_non_empty), renamed
        )

    async def action_delete_conversation(
        self: ChatScreen, conversation_id: str | None = None
    ) -> None:
        from ..dialogs import Confirm

        conversation = self._with_messages(conversation_id, "delete")
        if conversation is None:
            return
        title = conversation.title or "Untitled"
        store = self.store

        async def answered(yes: bool | None) -> None:
            if not yes:
                return
            if conversation is self.conversation:
                await self.stop_streaming()
            try:
                moved = store.delete(conversation.id)
            except StoreError as error:
                self.notify(str(error), title="Not deleted", severity="error", markup=False)
                return
            self.notify(f"Moved {title!r} to the trash: {moved}", markup=False, timeout=8)
            if conversation is self.conversation:
                await self._start_new_conversation()
            self.refresh_conversations()

        self.app.push_screen(
            Confirm(
                f"Delete {title!r} ({len(conversation.messages)} messages)? The file moves to "
                f"the trash, where it is kept 30 days: the palette's \"Restore a deleted "
                "conversation\" brings it back.",
                yes="Delete",
            ),
            answered,
        )

    def action_search_conversations(self: ChatScreen) -> None:
        from ..dialogs import Found, SearchConversations

        async def chosen(found: Found | None) -> None:
            if found:
                await self.open_conversation(found.conversation_id, at=found.message_id)

        store = self.store
        self.app.push_screen(SearchConversations(store), chosen)

    def action_restore_conversation(self: ChatScreen) -> None:
        from ..trash import TrashScreen

        def restored(conversation_id: str | None) -> None:
            if conversation_id:
                self.query_one(ConversationList).place_cursor_on(conversation_id)
                self.refresh_conversations()

        store = self.store
        self.app.push_screen(TrashScreen(store), restored)

    async def action_export_conversation(
        self: ChatScreen, conversation_id: str | None = None
    ) -> None:
        from ....export import conversation_to_markdown, export_filename
        from ..dialogs import TextPrompt

        conversation = self._with_messages(conversation_id, "export")
        if conversation is None:
            return
        # Where the user started tui-chat, as other tools write their output; the home
        # folder when that folder is gone.
        try:
            folder = Path.cwd()
        except OSError:
            folder = Path.home()
        suggested = folder / export_filename(conversation)

        def check(text: str) -> str:
            target = Path(os.path.expanduser(text.strip()))
            if not text.strip():
                return "Give a file name."
            if target.is_dir():
                return f"{target} is a folder: add a file name."
            if not target.parent.is_dir():
                return f"The folder {target.parent} does not exist."
            if target.exists():
                return f"{target.name} exists already: choose another name."
            return ""

        def chosen(text: str | None) -> None:
            if text is None:
                return
            target = Path(os.path.expanduser(text.strip()))
            # Every API key in use, so the export can be checked for them.
            keys = [entry.api_key for entry in self.catalog if entry.api_key]
            document = conversation_to_markdown(conversation, keys, self.session.data_dir)
            try:
                atomic_write(target, document)
            except StoreError as error:
                self.notify(str(error), title="Not exported", severity="error", markup=False)
                return
            self.notify(f"Exported to {target}", markup=False, timeout=8)

        self.app.push_screen(
            TextPrompt(
                "Export to a Markdown file",
                str(suggested),
                check=check,
                hint="Enter writes the file · Esc cancels",
            ),
            chosen,
        )

    def action_conversation_parameters(self: ChatScreen) -> None:
        from ..dialogs import Parameters, ParametersScreen

        conversation = self.conversation
        current = Parameters(
            conversation.system_prompt,
            _float(conversation.parameters.get("temperature")),
            _int(conversation.parameters.get("max_tokens")),
        )

        def chosen(parameters: Parameters | None) -> None:
            if parameters is None:
                return
            conversation.system_prompt = parameters.system_prompt
            for name, value in (
                ("temperature", parameters.temperature),
                ("max_tokens", parameters.max_tokens),
            ):
                if value is None:
                    conversation.parameters.pop(name, None)
                else:
                    conversation.parameters[name] = value
            if conversation.messages:
                self.save_conversation(conversation)
            self.notify("Parameters set for this conversation.", markup=False)

        self.app.push_screen(ParametersScreen(current), chosen)


def _non_empty(text: str) -> str:
    return "" if text.strip() else "A title cannot be empty."


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
