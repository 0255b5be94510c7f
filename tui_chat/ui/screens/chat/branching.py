"""Branches: flipping between answer variants, forking a conversation from a message."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ....branches import last_branch_point
from ....store import Message, StoreError

if TYPE_CHECKING:
    from .screen import ChatScreen


class Branching:
    """The part of ChatScreen that shows another variant, or forks from a message."""

    def _index_in_conversation(self: ChatScreen, message: Message | None) -> int | None:
        if message is None:
            return None
        messages = self.conversation.messages
        return next((i for i in range(len(messages)) if messages[i] is message), None)

    def _cursor_message(self: ChatScreen) -> Message | None:
        """The message under the log's cursor, while the log has focus."""
        log = self.log_view
        return log.cursor_message if self.focused is log else None

    async def action_variant(self: ChatScreen, step: int) -> None:
        """Show the previous (-1) or next (+1) variant: of the message under the log's
        cursor, else of the newest message that has some."""
        comparison = self._comparison_in_log()
        cursor = self._cursor_message()
        messages = self.conversation.messages
        if comparison is not None and (
            cursor is comparison.message
            or (cursor is None and messages and messages[-1] is comparison.message)
        ):
            # Pick a column of the models asked at once (as tabs: show its answer); from
            # the prompt, of the comparison the conversation ends with.
            comparison.move_cursor(step)
            return
        if self.streaming:
            self.notify(
                "An answer is streaming: press Esc to stop it, then flip.", markup=False, timeout=4
            )
            return
        index = (
            self._index_in_conversation(cursor)
            if cursor is not None
            else last_branch_point(self.conversation.messages)
        )
        if index is None or not self.conversation.messages[index].variants:
            retry = self.chat_app.keys_for("chat.retry")
            self.notify(
                f"{'This message has' if cursor is not None else 'There are'} no other "
                f"variants: {retry} asks for another answer and keeps this one.",
                markup=False,
                timeout=4,
            )
            return
        shown = self.session.show_variant(index, step)
        self.save_conversation()
        log = self.log_view
        log.cursor = shown[0].id
        await log.show(self.conversation.messages, at=shown[0].id)
        if shown[-1].role == "assistant" and shown[-1].usage:
            self.last_usage = ""

    async def action_fork(self: ChatScreen) -> None:
        """A new conversation with the messages up to the one under the log's cursor (the
        last one from elsewhere), the same model; the original is kept as it is."""
        if self.streaming:
            self.notify(
                "An answer is streaming: press Esc to stop it, then fork.", markup=False, timeout=4
            )
            return
        messages = self.conversation.messages
        if not messages:
            self.notify("Nothing to fork yet: send a message first.", markup=False, timeout=4)
            return
        cursor = self._cursor_message()
        index = self._index_in_conversation(cursor)
        if index is None:
            index = len(messages) - 1
        self._cancel_edit()
        try:
            forked = self.session.fork(index)
        except StoreError as error:
            self.notify(str(error), title="Not forked", severity="error", markup=False)
            return
        await self.log_view.show(forked.messages)
        self.remember_shown()
        self.refresh_conversations()
        self.notify(
            f"Forked into “{forked.title}” with {len(forked.messages)} "
            f"message{'s' * (len(forked.messages) != 1)}; the original is unchanged.",
            markup=False,
            timeout=5,
        )
        self.focus_prompt()

    def action_copy_message(self: ChatScreen) -> None:
        """Copy the text of the message under the log's cursor."""
        message = self._cursor_message()
        if message is None:
            return
        self.app.copy_to_clipboard(message.content)
        self.notify(f"Copied {len(message.content):,} characters to the clipboard.", markup=False)
