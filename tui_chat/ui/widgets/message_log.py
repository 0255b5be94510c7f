"""The message log: one view per message, a streaming answer, and a window over history.

Costs measured here shaped this module: a Textual `Markdown` widget costs ~60 ms to
mount, a `Static` holding a Rich Markdown renderable ~14 ms, plain text ~3 ms. So an
answer is one line-API widget (`widgets.markdown.block.MarkdownBody`, drawn by its `render`)
whose pieces render only when seen, only a window of messages near the viewport is
mounted, and a streaming answer commits finished pieces once and re-renders only its
open tail, at most once per frame.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.geometry import Size
from textual.reactive import var
from textual.widgets import Static

from ...store import Message
from ..compat import set_vertical_scrollbar, start_widget, vertical_scrollbar
from ..sizing import LaidOutOnce
from .log_cursor import LogCursor
from .scrollbar import TextScrollBar

if TYPE_CHECKING:
    from textual.scrollbar import ScrollBar

    from ..compat import DockArrangeResult
    from .message_view import MessageView

#: Messages mounted when a conversation opens, and per step when scrolling past the ends.
WINDOW = 12
STEP = 16
#: Widgets kept mounted at most; views far from the viewport are unmounted beyond this.
MAX_MOUNTED = 120
#: How far a followed stream scrolls when its text reaches the log's bottom: this share of
#: the log's height at once (as a terminal's jump scroll), not a line or two every frame.
JUMP = 0.5


class MessageLog(LogCursor, LaidOutOnce, VerticalScroll, can_focus=True):
    """The conversation, following new text while the reader is at the bottom.

    Only a window of the messages is mounted: the newest when a conversation opens; older
    ones are added when the reader scrolls to the top, newer ones at the bottom.
    """

    # (actions.py describes them: the LOG rows; "screen." runs on the chat screen)
    BINDINGS = [
        ("end", "follow", "Follow"),
        ("home", "jump_top", "Top"),
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("left", "screen.variant(-1)", "‹ Variant"),
        Binding("right", "screen.variant(1)", "Variant ›"),
        Binding("f", "screen.fork", "Fork"),
        Binding("c", "screen.copy_message", "Copy"),
        Binding("s", "screen.stop_column", "Stop column", show=False),
        Binding("enter", "screen.log_enter", "Open image / go on with it", show=False),
    ]

    following: var[bool] = var(True)

    def __init__(self, messages: Sequence[Message] = (), *, id: str | None = None) -> None:
        """`messages`: a conversation to show from the first frame on (as `show` would,
        a frame later)."""
        super().__init__(id=id)
        # The messages shown, the log's own list: `show` sets it, `add` appends to it and
        # `drop` takes from it, so nobody else must keep it in step.
        self.messages: list[Message] = list(messages)
        self.end = len(self.messages)  # window: messages[start:end] are mounted
        self.start = max(0, self.end - WINDOW)
        self.views: dict[str, MessageView] = {}
        self.dark = True
        self._loading = False
        self._follow_pending = False
        # The scroll offset of the last jump of a followed stream: the log may stay there,
        # blank rows below the text's end, until the text has grown past them (or, after
        # the stream, until the reader scrolls up or a message is added).
        self._held: int | None = None
        self._arranged_for = Size(0, 0)
        self._older = Static("", classes="older")
        self._newer = Static("", classes="newer")

    def compose(self) -> ComposeResult:
        yield self._older
        views = [self._view(message) for message in self.messages[self.start : self.end]]
        if views:
            views[-1].render_bottom_first()
        yield from views
        yield self._newer

    def on_mount(self) -> None:
        if self.messages:
            self._update_markers()
            self.follow()

    # --- showing a conversation ----------------------------------------------------------

    async def show(self, messages: list[Message], at: str | None = None) -> None:
        """Show a conversation: mount its newest messages and follow the bottom; or, `at`
        the id of one of its messages, the messages around that one, scrolled to it."""
        await self.remove_children(".message")  # (views and comparisons)
        self.views.clear()
        self._held = None
        self.messages = list(messages)
        index = _index_of(messages, at)
        if index is not None:
            self.following = False
            self.start, self.end = _window_around(index, len(messages))
            await self._mount_and_reveal(messages[index].id)
            return
        self.end = len(messages)
        self.start = max(0, self.end - WINDOW)
        views = [self._view(message) for message in messages[self.start : self.end]]
        if views:
            views[-1].render_bottom_first()  # where the log opens: right in the first frame
        await self.mount_all(views, before=self._newer)
        self._update_markers()
        self.following = True
        self.follow()  # after the new messages have been laid out

    async def reveal(self, message_id: str) -> None:
        """Scroll the conversation shown to one of its messages, mounting the messages
        around it first when it is not mounted."""
        index = _index_of(self.messages, message_id)
        if index is None:
            return
        self.following = False
        if self.start <= index < self.end:
            self._loading = True
            self.call_after_refresh(self._scroll_to_message, message_id)
            return
        await self.remove_children(".message")  # (views and comparisons)
        self.views.clear()
        self.start, self.end = _window_around(index, len(self.messages))
        await self._mount_and_reveal(message_id)

    async def _mount_and_reveal(self, message_id: str) -> None:
        # No loading of older or newer messages while the scroll offset is that of the
        # old content being replaced; the scroll to the message, after the layout that
        # gives it a place, ends that.
        self._loading = True
        views = [self._view(message) for message in self.messages[self.start : self.end]]
        await self.mount_all(views, before=self._newer)
        self._update_markers()
        self.call_after_refresh(self._scroll_to_message, message_id)

    def _scroll_to_message(self, message_id: str) -> None:
        self._loading = False
        view = self.views.get(message_id)
        if view is not None:
            # Its top at the top of the log (the line above is its margin): nothing of the
            # message before it is in sight, so no estimated height there can move it.
            y = max(0, view.virtual_region.y - 1)
            self.scroll_to(y=y, animate=False, immediate=True)

    def _view(self, message: Message) -> MessageView:
        view = self.views[message.id] = self.new_view(message)
        if message.id == self.cursor:
            view.set_class(True, "-cursor")
        return view

    def new_view(self, message: Message, *, streaming: bool = False) -> MessageView:
        """A view of a message just appended to the conversation, for `add` to show."""
        from .message_view import MessageView  # (not before the first frame: ~25 M instr.)
        return MessageView(message, streaming=streaming, dark=self.dark)

    async def add(self, *views: MessageView) -> None:
        """Show the views of new messages after the others, in one mount, and follow
        them."""
        first_new = len(self.messages)
        self.messages.extend(view.message for view in views)
        if self.end < first_new:
            # The reader was among older messages: the window moves to the newest first.
            await self._rewindow(max(0, first_new - WINDOW), first_new)
        for view in views:
            self.views[view.message.id] = view
        self._held = None
        self.end = len(self.messages)  # before the mount: no load may mount them too
        await self.mount_all(views, before=self._newer)
        self._update_markers()
        self.following = True
        self.follow()

    async def drop(self, message: Message) -> None:
        """Stop showing a message (a retried or continued answer, an edit's followers)."""
        view = self.views.pop(message.id, None)
        if view is not None:
            await view.remove()
        # Searched from the end: what is dropped is nearly always the newest.
        for index in range(len(self.messages) - 1, -1, -1):
            if self.messages[index] is message:
                del self.messages[index]
                if index < self.start:
                    self.start -= 1
                if index < self.end:
                    self.end -= 1
                break
        self._update_markers()

    def view_for(self, message: Message) -> MessageView | None:
        return self.views.get(message.id)

    # --- following the bottom ------------------------------------------------------------

    def follow(self) -> None:
        """Keep the newest text in sight, unless the reader has scrolled up.

        The scroll waits for the next layout (new text has no height before it), and
        checks again then: the reader may have scrolled up in between.
        """
        if self.following and not self._follow_pending:
            self._follow_pending = True
            self.call_after_refresh(self._scroll_to_bottom)

    def _scroll_to_bottom(self) -> None:
        self._follow_pending = False
        self.follow_now()

    def follow_now(self) -> None:
        """After a stream's paint that needed no layout (its text grew into the room
        below it): following, keep the end of the text in sight now, as the frame it makes
        must already show the new lines; and measure the scroll bar again."""
        if self.show_vertical_scrollbar:
            self.vertical_scrollbar.window_virtual_size = self.virtual_size.height
        view = self._newest_view()
        if not self.following or (view is not None and view.awaiting_layout):
            # Its text outgrew its height: the layout that follows places it and follows
            # it (`arrange`). A scroll now, measured against the old height, reached the
            # screen in a frame of its own when one came between the two.
            return
        room = self.room
        height = self.container_size.height - self.scrollbar_size_horizontal
        target = self._follow_offset(self.virtual_size.height - room, height, room)
        if target is not None and target != self.scroll_y:
            self.scroll_to(y=target, animate=False, immediate=True)

    def _follow_offset(self, text_end: int, height: int, room: int) -> int | None:
        """The scroll offset that follows a text ending at row `text_end` (its last row,
        "streaming…" while it streams, is `text_end - 1`) in a log `height` rows high,
        with `room` blank rows below it.

        While a stream's end is in sight nothing moves: its new lines are written into
        the blank rows under it, so a frame redraws only them (a scroll redraws every row
        of the log: ~30 full screens a second written to the terminal). When the end goes
        below the bottom, the log jumps `JUMP` of its height at once, into the room.
        Without a jump it shows the end on its last row, as before streams had room.
        None: where it is (or where the reader's scroll is taking it) is right.
        """
        lowest = max(0, text_end - height)
        # A scroll down under way (the reader's) counts from where it goes.
        current = round(max(self.scroll_y, self.scroll_target_y))
        held = self._held
        if (room or held is not None) and lowest <= current < max(text_end, 1):
            if held is not None and current <= lowest:
                self._held = None  # the text has grown past the jump: nothing blank below
            return None
        if current >= max(text_end, 1):
            # Its end above the view (a room unknown at the last scroll): back to it.
            self._held = None
            return lowest
        if room:
            self._held = min(lowest + max(1, int(height * JUMP)), lowest + room)
            return self._held
        self._held = None
        return lowest

    def _newest_view(self) -> MessageView | None:
        """The view of the conversation's last message, if it is mounted."""
        if self.end < len(self.messages) or not self.messages:
            return None
        return self.views.get(self.messages[-1].id)

    @property
    def room(self) -> int:
        """Blank lines below the end of the text: a streaming answer's room to grow."""
        view = self._newest_view()
        return view.room if view is not None else 0

    @property
    def max_scroll_y(self) -> int:
        """The scroll offset that shows the end of the text: a stream's room below it is
        never scrolled into (End, the mouse and following all stop at the text), except
        as far as a followed stream's jump went (`_follow_offset`)."""
        text = max(0, super().max_scroll_y - self.room)
        held = self._held
        return text if held is None else max(text, held)

    @property
    def scroll_extent(self) -> int:
        """The height the scroll bar measures: the text (not the room below a stream),
        and the blank rows a jump shows below it."""
        return self.max_scroll_y + self.container_size.height - self.scrollbar_size_horizontal

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        # Textual's own property, with the log's kind of scroll bar (see TextScrollBar).
        bar = vertical_scrollbar(self)
        if bar is None:
            bar = TextScrollBar(thickness=self.scrollbar_size_vertical)
            bar.display = False
            set_vertical_scrollbar(self, bar)
            start_widget(self.app, self, bar)
        return bar

    def arrange(self, size: Size, optimal: bool = False) -> DockArrangeResult:
        # Following, move to the new bottom in the very layout pass that grew the text, as
        # Textual's `anchor()` does but never above the top (anchored, a log shorter than
        # its window is drawn at the bottom of it). `follow` alone scrolls after the
        # frame: each frame of a stream was drawn at the old position, rendering text
        # about to scroll away, and then again at the bottom.
        arrangement = super().arrange(size, optimal)
        if size != self._arranged_for:
            # A new size wraps the text anew: no blank rows kept below it from before.
            self._arranged_for = size
            self._held = None
        if self.following and not self._loading:
            room = self.room
            bottom = arrangement.spatial_map.total_region.bottom - room
            height = self.container_size.height - self.scrollbar_size_horizontal
            target = self._follow_offset(bottom, height, room)
            if target is not None and target != self.scroll_y:
                self.set_reactive(MessageLog.scroll_y, target)
                self.set_reactive(MessageLog.scroll_target_y, target)
                if self.show_vertical_scrollbar:
                    scrollbar = self.vertical_scrollbar
                    scrollbar.set_reactive(type(scrollbar).position, target)
        return arrangement

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if self._held is not None and new < old and new <= super().max_scroll_y - self.room:
            # The reader went up to the text's end or above it: the blank rows a jump
            # showed below it are not scrolled back into.
            self._held = None
        if self._loading:
            return
        if new >= self.max_scroll_y - 1:
            if self.end < len(self.messages):
                self._load_soon(self._load_newer)
            else:
                self.following = True
        elif new < old:
            self.following = False
            if new <= 0 and self.start > 0:
                self._load_soon(self._load_older)

    def watch_scroll_target_y(self, old: float, new: float) -> None:
        # A scroll up is known here as soon as it is asked for, before an animated scroll
        # has moved anything: stop following at once, or the next frame pulls it back.
        # Content shrinking (an estimated height corrected) clamps the target down to the
        # new bottom: that is not the reader leaving it.
        if not self._loading and new < old - 0.5 and new < self.max_scroll_y - 1:
            self.following = False

    def move(self, where: str) -> None:
        """Scroll as the prompt's keys ask: "page_up", "page_down", "top" or "bottom"."""
        if where == "top":
            self.action_jump_top()
        elif where == "bottom":
            self.action_follow()
        elif where == "page_up":
            self.scroll_page_up(animate=False)
        elif where == "page_down":
            self.scroll_page_down(animate=False)

    def action_follow(self) -> None:
        self.following = True
        if self.end < len(self.messages):
            self.run_worker(self.jump_to_end(), exclusive=True, group="log-window")
        else:
            self.scroll_end(animate=False)

    def action_jump_top(self) -> None:
        self.following = False
        if self.start > 0:
            self.run_worker(self._jump_to_start(), exclusive=True, group="log-window")
        else:
            self.scroll_home(animate=False)

    async def jump_to_end(self) -> None:
        await self._rewindow(max(0, len(self.messages) - WINDOW), len(self.messages))
        self.following = True
        self.follow()

    async def _jump_to_start(self) -> None:
        await self._rewindow(0, min(len(self.messages), WINDOW))
        self.scroll_home(animate=False, immediate=True)

    async def _rewindow(self, start: int, end: int) -> None:
        self._loading = True
        self._held = None
        try:
            await self.remove_children(".message")  # (views and comparisons)
            self.views.clear()
            self.start, self.end = start, end
            await self.mount_all(
                [self._view(message) for message in self.messages[start:end]],
                before=self._newer,
            )
            self._update_markers()
        finally:
            self._loading = False

    def _load_soon(self, load: Callable[[], Awaitable[None]]) -> None:
        # After the next refresh (the scroll that asked for it has settled), in a worker:
        # a load waits for a refresh itself (`_settle`), and the screen runs its
        # after-refresh callbacks one at a time, so run as one of them it waited forever
        # and the window never moved again.
        self.call_after_refresh(self.run_worker, load, group="log-window")

    async def _load_older(self) -> None:
        if self._loading or self.start <= 0:
            return
        self._loading = True
        try:
            new_start = max(0, self.start - STEP)
            views = [self._view(message) for message in self.messages[new_start : self.start]]
            first = self.views.get(self.messages[self.start].id) if self.start < self.end else None
            await self.mount_all(views, before=first or self._newer)
            self.start = new_start
            self._update_markers()
            self._trim(keep_top=True)
            await self._settle()
            # Keep the message the reader was looking at in the same place.
            if first is not None:
                self.scroll_to(y=first.virtual_region.y - 1, animate=False, immediate=True)
        finally:
            self._loading = False

    async def _load_newer(self) -> None:
        if self._loading or self.end >= len(self.messages):
            return
        self._loading = True
        try:
            new_end = min(len(self.messages), self.end + STEP)
            views = [self._view(message) for message in self.messages[self.end : new_end]]
            await self.mount_all(views, before=self._newer)
            self.end = new_end
            self._update_markers()
            self._trim(keep_top=False)
        finally:
            self._loading = False

    def _trim(self, keep_top: bool) -> None:
        """Unmount views far from the viewport so the widget count stays bounded."""
        excess = (self.end - self.start) - MAX_MOUNTED
        if excess <= 0:
            return
        if keep_top:
            doomed = self.messages[self.end - excess : self.end]
            self.end -= excess
        else:
            doomed = self.messages[self.start : self.start + excess]
            self.start += excess
        for message in doomed:
            view = self.views.pop(message.id, None)
            if view is not None:
                view.remove()
        self._update_markers()

    async def _settle(self) -> None:
        """Wait until new widgets have a size, so scroll offsets are right."""
        import asyncio

        done = asyncio.Event()
        self.call_after_refresh(done.set)
        await done.wait()

    def _update_markers(self) -> None:
        older, newer = self.start, len(self.messages) - self.end
        self._older.update(
            Content(f"↑ {older} earlier message{'s' * (older != 1)} · scroll up or press Home")
            if older
            else ""
        )
        self._older.display = bool(older)
        self._newer.update(
            Content(f"↓ {newer} later message{'s' * (newer != 1)} · press End") if newer else ""
        )
        self._newer.display = bool(newer)


def _index_of(messages: list[Message], message_id: str | None) -> int | None:
    found = (i for i, message in enumerate(messages) if message.id == message_id)
    return next(found, None) if message_id is not None else None


def _window_around(index: int, count: int) -> tuple[int, int]:
    """The window of messages mounted to show message `index`: it, a little before it
    (scrolling up from there loads more), and the rest of a window after it."""
    start = max(0, index - 2)
    end = min(count, start + WINDOW)
    return max(0, min(start, end - WINDOW)), end
