"""The message log's cursor: the message the log's keys act on (flip variants, fork, copy).

Shown only while the log has focus. ↑/↓ read through a message taller than the view a
few lines at a time, then move to the one before or after it, mounting more of a long
history as it goes (see MessageLog's window).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.reactive import var

from ...store import Message

if TYPE_CHECKING:
    from .message_log import MessageLog
    from .message_view import MessageView

#: The share of the log's height one ↑/↓ scrolls inside a message taller than it.
READ_STEP = 0.25


class LogCursor:
    """The part of MessageLog that keeps its cursor."""

    #: The id of the message under the cursor.
    cursor: var[str | None] = var(None, init=False)

    def watch_cursor(self: MessageLog, old: str | None, new: str | None) -> None:
        for message_id, on in ((old, False), (new, True)):
            view = self.views.get(message_id) if message_id else None
            if view is not None:
                view.set_class(on, "-cursor")

    @property
    def cursor_message(self: MessageLog) -> Message | None:
        """The message under the cursor, while it is shown."""
        if self.cursor is None:
            return None
        return next((m for m in reversed(self.messages) if m.id == self.cursor), None)

    def on_focus(self: MessageLog) -> None:
        view = self.views.get(self.cursor) if self.cursor else None
        if view is None or not self._in_sight(view):
            self.cursor = self._lowest_in_sight()
        elif view is not None:
            view.set_class(True, "-cursor")  # (a view mounted again lost its class)

    def _in_sight(self: MessageLog, view: MessageView) -> bool:
        top, height = view.virtual_region.y, view.outer_size.height
        return top < self.scroll_y + self.size.height and top + height > self.scroll_y

    def _lowest_in_sight(self: MessageLog) -> str | None:
        """The last message whose top is in sight (else the last one partly in sight):
        where the reader's eyes are when they come to the log."""
        mounted = self.messages[self.start : self.end]
        seen = [m for m in mounted if (v := self.views.get(m.id)) and self._in_sight(v)]
        tops = [m for m in seen if self.views[m.id].virtual_region.y >= self.scroll_y]
        chosen = (tops or seen or mounted[-1:] or [None])[-1]
        return chosen.id if chosen is not None else None

    async def action_cursor(self: MessageLog, step: int) -> None:
        """↑ (-1) or ↓ (+1): read on through a tall message, else go to the next one."""
        index = next(
            (i for i in range(len(self.messages)) if self.messages[i].id == self.cursor), None
        )
        view = self.views.get(self.cursor) if self.cursor else None
        if index is None or view is None:
            self.cursor = self._lowest_in_sight()
            return
        top = view.virtual_region.y
        bottom = top + view.outer_size.height
        height = self.size.height
        chunk = max(1, int(height * READ_STEP))
        if step > 0 and bottom > self.scroll_y + height:
            self.scroll_to(y=min(self.scroll_y + chunk, bottom - height), animate=False)
            return
        if step < 0 and top - 1 < self.scroll_y:
            self.scroll_to(y=max(self.scroll_y - chunk, top - 1), animate=False)
            return
        target = index + step
        if not 0 <= target < len(self.messages):
            return
        if target >= self.end:
            await self._load_newer()
        elif target < self.start:
            await self._load_older()
        message = self.messages[target]
        self.cursor = message.id
        view = self.views.get(message.id)
        if view is None:
            return
        await self._settle()
        top = view.virtual_region.y
        bottom = top + view.outer_size.height
        tall = bottom - top + 1 > height
        # Going down a tall message shows its start, going up its end: read on from there.
        if step > 0 and (tall or top - 1 < self.scroll_y):
            self.scroll_to(y=max(0, top - 1), animate=False)
        elif step < 0 and (tall or bottom > self.scroll_y + height):
            self.scroll_to(y=max(0, bottom - height), animate=False)
        elif top - 1 < self.scroll_y:
            self.scroll_to(y=max(0, top - 1), animate=False)
        elif bottom > self.scroll_y + height:
            self.scroll_to(y=bottom - height, animate=False)
