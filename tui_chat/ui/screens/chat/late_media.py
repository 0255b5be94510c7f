"""Images in the chat: an answer's images fetched after it (late), and the keys on them.

An answer's images are fetched once the answer is saved, in a worker of their own: the
stream never waits for a download. When they have landed (or failed, with a reason),
the message is updated on screen and its conversation saved again: the one it belongs
to, even if another is shown by then. Enter in the log opens the image of the message
under the cursor full-screen (on answers of several models it still goes on with the
column); ctrl+e opens it with the system's viewer, or copies its path over SSH.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from ....media import resolve
from ....session import Answer
from ....store import Conversation, Message, StoreError
from ....store.conversations import MediaFile, all_messages

# The image screen and the viewer's opener are imported when first used: the first frame
# needs neither.
if TYPE_CHECKING:
    from .screen import ChatScreen

#: Messages from the end looked at for images still to fetch when a conversation shows.
RECENT = 20
#: The images being fetched now (by id()): shown again meanwhile, none is fetched twice.
_in_flight: set[int] = set()


class LateMedia:
    """The part of ChatScreen that fetches answers' images and opens them."""

    def fetch_answer_media(self: ChatScreen, answer: Answer) -> None:
        """Fetch the images the answer announced (none: nothing to do)."""
        items = self.session.media_to_fetch(answer)
        if items:
            _in_flight.update(id(m) for m, _url in items)
            self._fetch_media(answer.conversation, answer.message, items)

    def fetch_pending_media(self: ChatScreen) -> None:
        """Images of the conversation shown whose fetch a quit cut short: fetched again
        from their URLs (a data URI's bytes went with the app). Only the newest messages
        are looked at: a cut fetch is the last answer's, and a huge conversation's older
        messages are not read from their file for this."""
        conversation = self.conversation
        entry = self.session.catalog.get(conversation.provider)
        base = entry.url if entry is not None else ""
        changed = False
        for message in all_messages(conversation.messages[-RECENT:]):
            items = []
            for media in message.media:
                if not media.pending or id(media) in _in_flight:
                    continue
                if media.source.startswith(("http://", "https://", "/")):
                    items.append((media, resolve(media.source, base)))
                else:
                    media.error = "not saved: the app was closed before it was"
                    changed = True
            if items:
                _in_flight.update(id(m) for m, _url in items)
                self._fetch_media(conversation, message, items)
        if changed:
            self.save_conversation(quiet=True)

    @work(group="media", exit_on_error=False)
    async def _fetch_media(
        self: ChatScreen,
        conversation: Conversation,
        message: Message,
        items: list[tuple[MediaFile, str]],
    ) -> None:
        try:
            await self.session.fetch_media(conversation.id, items)
        finally:
            _in_flight.difference_update(id(m) for m, _url in items)
        try:
            self.session.save(conversation)
        except StoreError as error:
            self.notify(str(error), title="Not saved", severity="error", markup=False)
        view = self.log_view.view_for(message)
        if view is not None and view.is_attached:
            view.refresh_media()
        failed = [m for m, _url in items if m.error]
        if failed:
            self.notify(
                f"{len(failed)} image{'s' * (len(failed) > 1)} could not be had: "
                f"{failed[0].error}.",
                severity="warning",
                markup=False,
                timeout=6,
            )

    def _image_message(self: ChatScreen) -> Message | None:
        """The message whose image the keys act on: the one under the log's cursor, else
        (from elsewhere) the newest with an image."""
        message = self._cursor_message()
        if message is not None or self.focused is self.log_view:
            return message
        return next((m for m in reversed(self.conversation.messages) if m.media), None)

    async def action_log_enter(self: ChatScreen) -> None:
        """Enter in the log: the image of the message under the cursor, full-screen; on
        answers of several models (no image), go on with the column under the cursor."""
        message = self._cursor_message()
        if message is not None and message.media:
            from ..image import ImageScreen

            self.app.push_screen(
                ImageScreen(message.media, self.session.data_dir, self.chat_app.graphics)
            )
            return
        await self.action_pick_answer(0)

    def action_open_image(self: ChatScreen) -> None:
        """ctrl+e: the image with the system's viewer, or its path copied (no display)."""
        message = self._image_message()
        if message is None or not message.media:
            self.notify("There is no image here to open.", markup=False, timeout=3)
            return
        from ...open_media import open_or_copy

        usable = next((m for m in message.media if m.path), message.media[0])
        open_or_copy(self.app, usable, self.session.data_dir)
