"""Answers: the streaming engine, and retry, edit, continue, stop and copy."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import aclosing
from typing import TYPE_CHECKING

from textual import work
from textual.worker import Worker

from ....chat import AnswerRecorder, last_index
from ....providers.helpers import MediaItem
from ....session import JOURNAL_EVERY, Answer
from ....store import Message, StoreError
from ...compat import pending_writes
from ...pacing import FramePacer, frame_rate
from ...safe import one_line

if TYPE_CHECKING:
    from ...widgets.message_view import MessageView
    from .screen import ChatScreen

#: Seconds of a fast stream's items handled before keys and frames get the loop: a key
#: typed meanwhile waits this long at most (bench/latency.py: p95 within 10 ms).
YIELD_EVERY = 0.002
#: Characters of a reason in a toast: one line of Textual's toast.
TOAST_LINE = 56


class Answers:
    """The part of ChatScreen that asks for answers and shows them as they stream."""

    #: The worker streaming the answer now, if any.
    answer_worker: Worker[None] | None = None
    #: The answers streaming now (session.Answer: message, recorder and journal): one, or
    #: one per model when several are asked at once (comparing.py).
    _answers: list[Answer] = []
    #: What the prompt held when ctrl+g took it over; put back after the edit.
    _draft: str | None = None

    async def start_answer(
        self: ChatScreen,
        *,
        continue_from: Message | None = None,
        replacing: Message | None = None,
        media: list[MediaItem] | None = None,
        question: MessageView | None = None,
    ) -> None:
        """Begin streaming an answer to the conversation as it stands.

        `media` are the images of the message just sent; for a retry or a continue (None)
        the session reads them again from their files, in a thread, with the request.
        `question` is the view of the message just sent: it is shown with the answer's, in
        one mount. `replacing`: a retry, the answer that stays as a variant of the new one.
        """
        for shown in (continue_from, replacing):
            if shown is not None:
                await self.log_view.drop(shown)
        answer = self.session.start_answer(
            continue_from=continue_from, replacing=replacing, media=media
        )
        # Marked streaming by the session: the new view does not also say "stopped".
        view = self.log_view.new_view(answer.message, streaming=True)
        await self.log_view.add(*([question] if question else []), view)
        self.streaming = True
        self.answer_worker = self.stream_answer(answer, view)

    @work(exclusive=True, group="chat", exit_on_error=False)
    async def stream_answer(self: ChatScreen, answer: Answer, view: MessageView) -> None:
        """Run the provider's generator; the screen catches up once per frame, the
        journal ten times a second."""
        recorder = answer.recorder
        app = self.chat_app
        painter = FramePacer(
            app,
            lambda: self._paint(view, recorder),
            frame_rate(app.environ),
            input_waiting=lambda: app.keys_since_paint,
            backlog=lambda: pending_writes(app),
        ).start()
        journaling = (
            self.set_interval(JOURNAL_EVERY, answer.write_journal)
            if answer.journal is not None
            else None
        )
        self._answers = [answer]
        try:
            await self.consume(answer)
            recorder.finish()
        except asyncio.CancelledError:
            recorder.stop()
            raise
        except Exception as error:
            recorder.fail(error)
            # One line of a toast: a long reason (a backend's DNS errors for each provider
            # it tried) covered the log and the prompt. The whole of it is under the answer.
            self.notify(
                one_line(answer.message.error or "", TOAST_LINE),
                title="Answer failed",
                severity="error",
                markup=False,
                timeout=10,
            )
        finally:
            painter.stop()
            if journaling is not None:
                journaling.stop()
            self._finish_answer(view, recorder)

    async def consume(
        self: ChatScreen,
        answer: Answer,
        first: Callable[[], object] | None = None,
        budget: float = YIELD_EVERY,
    ) -> None:
        """Feed the provider's stream to the answer's recorder; `first()` at its first
        item. `budget`: seconds of items handled before the loop is let go (shared by
        streams running at once, so a key waits no longer behind all of them). Raises what
        the stream raises."""
        recorder = answer.recorder
        last_yield = time.monotonic()
        stream = await self.session.open_stream(answer)
        # aclosing: a stopped answer closes the provider's generator (and its connection)
        # here, not later from the garbage collector.
        async with aclosing(stream):
            async for item in stream:
                if first is not None:
                    first()
                    first = None
                recorder.feed(item)
                now = time.monotonic()
                if now - last_yield >= budget:
                    # Data already buffered does not suspend; let keys and frames through.
                    await asyncio.sleep(0)
                    last_yield = now

    def _paint(self: ChatScreen, view: MessageView, recorder: AnswerRecorder) -> None:
        self.chat_app.keys_since_paint = False
        if not view.is_attached:
            return  # the log shows another conversation now, or the app is closing
        view.show_progress(recorder.text, recorder.reasoning)
        self.log_view.follow_now()

    def _finish_answer(self: ChatScreen, view: MessageView, recorder: AnswerRecorder) -> None:
        message = recorder.message
        if view.is_attached:
            view.finish(recorder.text, recorder.reasoning)
            view.refresh_meta(recorder.notices)
            self.log_view.follow()
        self.streaming = False
        self.show_plugin_reports()
        if message.usage:
            from ...widgets.message_view import usage_summary

            self.last_usage = usage_summary(message.usage)
        self._save_answer()
        self.refresh_conversations()
        self.refresh_bindings()

    def _save_answer(self: ChatScreen, answer: Answer | None = None) -> None:
        """Save the conversation of an answer that streams or just ended (the one
        streaming by default), with every word received; its journal goes once the file
        holds them (kept if the save failed)."""
        if answer is None:
            answer = self._answers[0] if self._answers else None
        if answer is None:
            return
        self._answers = [a for a in self._answers if a is not answer]
        try:
            self.session.save_answer(answer)
        except StoreError as error:
            self.notify(str(error), title="Not saved", severity="error", markup=False, timeout=15)
        # Its images, fetched now that every word is saved (late_media.py).
        self.fetch_answer_media(answer)

    def save_now(self: ChatScreen) -> None:
        """Keep what arrived (the app is ending on a signal): a streaming answer is saved
        as stopped, otherwise the conversation as it is."""
        if self._answers:
            for answer in list(self._answers):
                answer.recorder.stop()
                self._save_answer(answer)
        else:
            self.save_conversation(quiet=True)

    async def stop_streaming(self: ChatScreen, note: str = "") -> None:
        """Stop the answer that streams, if any, and wait until it is saved."""
        worker = self.answer_worker
        if self.streaming and worker is not None and not worker.is_finished:
            worker.cancel()
            try:
                await worker.wait()
            except Exception:
                pass
            if note:
                self.notify(note, markup=False, timeout=3)

    async def stop_and_save(self: ChatScreen) -> None:
        """Before leaving: a streaming answer is stopped and saved, and the conversation."""
        await self.stop_streaming()
        self.save_conversation()

    async def action_stop(self: ChatScreen) -> None:
        if self.streaming:
            await self.stop_streaming()
        elif self.editing is not None:
            self._cancel_edit()

    def why_not(self: ChatScreen, action: str) -> str:
        """Why retry, edit or continue cannot run now ("" when they can): the footer dims
        their keys, and pressing one says this instead of doing nothing."""
        verbs = {"retry": "retry", "edit_last": "edit", "continue_answer": "continue"}
        if action not in verbs:
            return ""
        if self.streaming:
            return f"An answer is streaming: press Esc to stop it, then {verbs[action]}."
        messages = self.conversation.messages
        if action == "retry" and not messages:
            return "Nothing to retry yet: send a message first."
        if action == "edit_last" and last_index(messages, "user") is None:
            return "Nothing to edit yet: your last message can be edited once it is sent."
        if action == "continue_answer":
            last = messages[-1] if messages else None
            if last is None or last.role != "assistant":
                return "There is no answer to continue yet."
            if last.status == "complete":
                return (
                    "The last answer is complete: only a stopped or failed answer can be "
                    f"continued. {self.chat_app.keys_for('chat.retry')} asks again."
                )
        return ""

    async def action_retry(self: ChatScreen) -> None:
        if reason := self.why_not("retry"):
            self.notify(reason, markup=False, timeout=4)
            return
        messages = self.conversation.messages
        last = messages[-1]
        question = messages[-2] if last.role == "assistant" and len(messages) > 1 else last
        if question.role != "user":
            self.notify("There is no message of yours to answer.", markup=False)
            return
        # The answer asked again stays as a variant of the new one (alt+←/→ flip).
        await self.start_answer(replacing=last if last.role == "assistant" else None)

    def action_edit_last(self: ChatScreen) -> None:
        if reason := self.why_not("edit_last"):
            self.notify(reason, markup=False, timeout=4)
            return
        index = last_index(self.conversation.messages, "user")
        assert index is not None
        message = self.conversation.messages[index]
        if self.editing is None:
            self._draft = self.prompt.text
        self.editing = message
        self.prompt.text = message.content
        self.prompt.move_cursor(self.prompt.document.end)
        self.focus_prompt()
        self._set_note(
            "Editing your last message: Enter resends it (the old one and its answer stay "
            "as a variant: alt+←/→), Esc cancels."
        )

    def _cancel_edit(self: ChatScreen) -> None:
        """Leave edit mode (Esc, another conversation): the draft comes back."""
        if self.editing is not None:
            self.editing = None
            self._restore_draft()
            self._set_note("")

    def _restore_draft(self: ChatScreen) -> None:
        """Put back what the prompt held before ctrl+g (empty when it held nothing)."""
        draft, self._draft = self._draft or "", None
        self.prompt.text = draft
        self.prompt.move_cursor(self.prompt.document.end)

    async def action_continue_answer(self: ChatScreen) -> None:
        if reason := self.why_not("continue_answer"):
            self.notify(reason, markup=False, timeout=4)
            return
        last = self.conversation.messages[-1]
        await self.start_answer(continue_from=last)

    def action_copy(self: ChatScreen) -> None:
        from ..pickers import CopyPicker, code_blocks

        answers = [
            m for m in reversed(self.conversation.messages) if m.role == "assistant" and m.content
        ]
        if not answers:
            self.notify("There is no answer to copy yet.", markup=False)
            return
        items = [("The whole last answer", answers[0].content)]
        for number, answer in enumerate(answers[:10]):
            for language, code in code_blocks(answer.content):
                first = next((line for line in code.splitlines() if line.strip()), "")
                where = "last answer" if number == 0 else f"answer −{number}"
                items.append((f"Code ({language or 'text'}, {where}): {first}", code))

        def copy(text: str | None) -> None:
            if text is not None:
                self.app.copy_to_clipboard(text)
                self.notify(f"Copied {len(text):,} characters to the clipboard.", markup=False)

        if len(items) == 1:
            copy(items[0][1])  # nothing to choose from
            return
        self.app.push_screen(CopyPicker(items[:40]), copy)
