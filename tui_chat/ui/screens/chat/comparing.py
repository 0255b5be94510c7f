"""Asking several models at once: their answers stream side by side, each stoppable, and
the user goes on with the one they choose (the others stay as its variants)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual import work

from ....branches import last_branch_point
from ....model_choice import ModelChoice
from ....providers.helpers import MediaItem
from ....session import JOURNAL_EVERY, Answer
from ...compat import pending_writes
from ...pacing import FramePacer, frame_rate
from ...safe import one_line
from .answers import YIELD_EVERY

# The comparison widget is imported when models are first asked at once: the first
# frame does not need it.
if TYPE_CHECKING:
    from ...widgets.comparison import Column, Comparison
    from ...widgets.message_view import MessageView
    from .screen import ChatScreen

#: How many models can be asked at once (a key each: alt+1 … alt+4).
MAX_COMPARED = 4


class Comparing:
    """The part of ChatScreen that asks several models the same question."""

    #: The comparison streaming or last shown, and a task per column while it streams.
    _comparison: Comparison | None = None
    _column_tasks: list[asyncio.Task[None]] = []
    #: The model of each answer asked at once, by message id: going on with one of them
    #: goes on with its model.
    _compared: dict[str, ModelChoice] = {}

    async def start_comparison(
        self: ChatScreen,
        choices: Sequence[ModelChoice],
        media: list[MediaItem],
        question: MessageView,
    ) -> None:
        """Ask every model the question just added, each answer in a column."""
        from ...widgets.comparison import Comparison

        answers = self.session.start_answers(choices, media)
        log = self.log_view
        comparison = Comparison(
            [answer.message for answer in answers], width=log.size.width, dark=log.dark
        )
        comparison.choices = list(choices)
        self._comparison = comparison
        self._compared = {**self._compared, **{a.message.id: a.choice for a in answers}}
        await log.add(question, comparison)  # type: ignore[arg-type]  (a view of the log's)
        self.streaming = True
        self.answer_worker = self.stream_comparison(answers, comparison)

    @work(exclusive=True, group="chat", exit_on_error=False)
    async def stream_comparison(
        self: ChatScreen, answers: list[Answer], comparison: Comparison
    ) -> None:
        """Every answer streams in a task of its own; one painter keeps the screen up to
        date with all of them, once per frame."""
        app = self.chat_app
        # One column is painted per frame, in turn (`_paint_columns`): side by side, up to
        # twice one answer's frame rate keeps each column's rate bearable; as tabs only
        # the answer shown is painted.
        rate = frame_rate(app.environ)
        painter = FramePacer(
            app,
            lambda: self._paint_columns(comparison, answers),
            rate if comparison.tabbed else rate * min(2, len(answers)),
            input_waiting=lambda: app.keys_since_paint,
            backlog=lambda: pending_writes(app),
        ).start()

        def journal() -> None:
            for answer in answers:
                answer.write_journal()

        journaling = self.set_interval(JOURNAL_EVERY, journal)
        self._answers = list(answers)
        tasks = [
            asyncio.create_task(self._run_column(answer, column, comparison))
            for answer, column in zip(answers, comparison.columns, strict=True)
        ]
        self._column_tasks = tasks
        try:
            await asyncio.gather(*tasks, return_exceptions=True)
        except asyncio.CancelledError:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        finally:
            painter.stop()
            journaling.stop()
            self._column_tasks = []
            comparison.streaming = False
            self.streaming = False
            self.show_plugin_reports()
            self.refresh_conversations()
            self.refresh_bindings()

    async def _run_column(
        self: ChatScreen, answer: Answer, column: Column, comparison: Comparison
    ) -> None:
        recorder = answer.recorder
        started = time.monotonic()
        column.state = "waiting for the first words"

        def first() -> None:
            column.first_token = time.monotonic() - started
            column.state = "streaming"

        try:
            await self.consume(answer, first, YIELD_EVERY / max(1, len(self._answers)))
            recorder.finish()
            column.state = "done"
        except asyncio.CancelledError:
            recorder.stop()
            column.state = "stopped"
        except Exception as error:
            recorder.fail(error)
            column.state = "failed"
            self.notify(
                one_line(f"{answer.choice.describe()}: {answer.message.error}", 56),
                title="Answer failed",
                severity="error",
                markup=False,
                timeout=10,
            )
        finally:
            column.total = time.monotonic() - started
            if column.is_attached:
                column.view.finish(recorder.text, recorder.reasoning)
                column.view.refresh_meta(recorder.notices)
                comparison.update_bars()
            self._save_answer(answer)

    def _paint_columns(self: ChatScreen, comparison: Comparison, answers: list[Answer]) -> None:
        """Paint the column that has waited longest for its new words. One a frame: a
        frame painting all of them kept a key waiting behind all their layouts."""
        self.chat_app.keys_since_paint = False
        if not comparison.is_attached:
            return
        comparison.update_bars()  # (cheap: only a change of a bar's text is drawn)
        columns = comparison.columns
        count = len(columns)
        for step in range(1, count + 1):
            index = (comparison.painted + step) % count
            if comparison.tabbed and index != comparison.cursor:
                continue  # (hidden: brought up to date when shown)
            column, recorder = columns[index], answers[index].recorder
            if column.total is None and column.painted_length != len(recorder.text) + len(
                recorder.reasoning
            ):
                column.painted_length = len(recorder.text) + len(recorder.reasoning)
                column.view.show_progress(recorder.text, recorder.reasoning)
                comparison.painted = index
                if column.view.awaiting_layout and not comparison.tabbed:
                    # It outgrew its room: the others get theirs anew in the same layout.
                    # Each outgrowing its own at its own time laid the screen out once per
                    # answer; now the first one's layout is the others' too.
                    for other in columns:
                        if other is not column and other.total is None:
                            other.view.measure_again()
                break
        self.log_view.follow_now()

    # --- keys ----------------------------------------------------------------------------

    def _comparison_in_log(self: ChatScreen) -> Comparison | None:
        comparison = self._comparison
        return comparison if comparison is not None and comparison.is_attached else None

    def action_stop_column(self: ChatScreen) -> None:
        """Stop the answer in the column under the log's cursor (the others go on)."""
        comparison = self._comparison_in_log()
        tasks = self._column_tasks
        if comparison is None or not tasks:
            self.notify("Nothing is streaming in a column to stop.", markup=False, timeout=3)
            return
        task = tasks[comparison.cursor]
        if not task.done():
            task.cancel()

    async def action_pick_answer(self: ChatScreen, number: int) -> None:
        """Go on with answer `number` (1-based; 0: the column under the log's cursor) of
        the models asked at once, or of the variants of the newest message that has some;
        the others stay as its variants."""
        comparison = self._comparison_in_log()
        if number == 0:
            number = comparison.cursor + 1 if comparison is not None else 0
        if self.streaming:
            self.notify(
                "The answers are still streaming: wait for them, or stop them (Esc; s on a "
                "column in the log), then choose.",
                markup=False,
                timeout=5,
            )
            return
        messages = self.conversation.messages
        index = last_branch_point(messages)
        if index is None or number < 1 or number > len(messages[index].variants) + 1:
            self.notify(f"There is no answer {number} to go on with.", markup=False, timeout=4)
            return
        head = messages[index]
        self.session.show_variant(index, number - 1 - head.variant)
        chosen = messages[index]
        if chosen.id in self._compared:
            self.set_choice(self._compared[chosen.id])
        self.compare = ()
        self._comparison = None
        self.save_conversation()
        await self.log_view.show(messages)
        who = " › ".join(part for part in (chosen.provider, chosen.model) if part)
        self.notify(f"Going on with answer {number}{f' ({who})' if who else ''}.", markup=False)
