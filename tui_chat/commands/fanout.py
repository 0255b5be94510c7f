"""`tui-chat ask -m A -m B`: several models asked the same question at once.

Every answer streams concurrently (one asyncio task each), recorded and journaled exactly
as a single answer is (`Turn._consume`), and saved as soon as it ends: the first model's
answer is the one the conversation shows, the others are variants of it
(`ChatSession.start_answers`). On stdout the answers come one after the other in the
order the models were given, each under a heading line: the one being printed goes out
as it arrives, the later ones are held back until the ones before them are printed, so
two answers never interleave, and a slow first model does not slow the others down.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui_chat.chat import describe_error
from tui_chat.model_choice import ModelChoice
from tui_chat.session import Answer

from .common import BROKEN_PIPE, FAILED, INTERRUPTED, OK
from .terminal import Printer, Section, say, silence_stdout

if TYPE_CHECKING:
    from .ask import Turn

#: At most this many models are asked at once (more is a usage error).
MOST_MODELS = 4

#: SIGTERM ends an answer like Ctrl+C does (saved as stopped), with its own exit code.
TERMINATED = 143
ENDING_SIGNALS = [(signal.SIGINT, INTERRUPTED), (signal.SIGTERM, TERMINATED)] + [
    (getattr(signal, name), 128 + getattr(signal, name))
    for name in ("SIGHUP", "SIGQUIT")
    if hasattr(signal, name)
]


def watch_signals(
    loop: asyncio.AbstractEventLoop, on_signal: Callable[[int, int], None]
) -> list[int]:
    """Call `on_signal(signum, exit_code)` on Ctrl+C, and on the session ending under us
    (SSH gone, kill, Ctrl+\\); returns the signals watched, for `unwatch_signals`."""
    watched: list[int] = []
    for signum, code in ENDING_SIGNALS:
        try:
            loop.add_signal_handler(signum, on_signal, signum, code)
            watched.append(signum)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread, or no signals here: Ctrl+C raises instead
    return watched


def unwatch_signals(loop: asyncio.AbstractEventLoop, watched: list[int]) -> None:
    for signum in watched:
        loop.remove_signal_handler(signum)


def model_name(choice: ModelChoice) -> str:
    """How a model is named in messages: "provider/model", or the provider alone when
    it picks its own model."""
    return choice.key() if choice.model else choice.provider


@dataclass
class Run:
    """One model's answer: what it became, and its part of the output."""

    answer: Answer
    section: Section
    #: "" while streaming; then "complete", "stopped" or "failed".
    outcome: str = ""
    error: BaseException | None = None
    #: Why saving it failed, or "".
    problem: str = ""


class Fanout:
    """Several answers to the same question, streamed at once, printed in turn."""

    def __init__(self, turn: Turn, answers: list[Answer]) -> None:
        self.turn = turn
        printer = Printer(turn.out, turn.err, show_reasoning=turn.args.show_reasoning)
        self.runs = [Run(a, Section(printer, model_name(a.choice))) for a in answers]
        #: The run whose answer is being printed; the ones after it are held back.
        self.printing = 0
        #: stdout was closed (`| head`): nothing more is printed, every stream stops.
        self.piped = False
        self.tasks: list[asyncio.Task[None]] = []

    async def run(self) -> int:
        loop = asyncio.get_running_loop()

        def on_signal(signum: int, code: int) -> None:
            self.turn.signal_code = self.turn.signal_code or code
            self._stop_all()
            # A second Ctrl+C is not caught: it ends the program at once.
            loop.remove_signal_handler(signum)

        watched = watch_signals(loop, on_signal)
        try:
            try:
                self.runs[0].section.show(first=True)
            except BrokenPipeError:
                self._pipe()
            self.tasks = [asyncio.create_task(self._stream(run)) for run in self.runs]
            if self.piped:  # stdout closed already: none of them is worth asking
                self._stop_all()
            # Each waited for to its end, whatever the others do: every answer is saved.
            results = await asyncio.gather(*self.tasks, return_exceptions=True)
        finally:
            unwatch_signals(loop, watched)
        for run in self.runs:  # a stream cancelled before it began has not ended yet
            if not run.outcome:
                self._end(run, "stopped")
        self._print_ended()
        for result in results:  # a bug of ours, not an answer that failed: not hidden
            if isinstance(result, Exception):
                raise result
        return self._report()

    async def _stream(self, run: Run) -> None:
        try:
            await self.turn._consume(run.answer, run.section)
        except asyncio.CancelledError:
            if not (self.turn.signal_code or self.piped):
                raise
            self._end(run, "stopped")
        except BrokenPipeError:
            self._pipe()
            self._end(run, "stopped")
        except Exception as error:
            self._end(run, "failed", error)
        else:
            self._end(run, "complete")
        self._print_ended()

    def _end(self, run: Run, outcome: str, error: BaseException | None = None) -> None:
        """Record how the answer ended and save it now: an answer that is done is on
        disk as done even while the others stream on (they stay in their journals)."""
        run.outcome, run.error = outcome, error
        recorder = run.answer.recorder
        if outcome == "complete":
            recorder.finish()
        elif outcome == "failed":
            assert error is not None
            recorder.fail(error)
        else:
            recorder.stop()
        run.problem = self.turn._save_answer(run.answer)

    def _print_ended(self) -> None:
        """Finish printing each answer that has ended, in order, and start the next one
        (its heading, and the words held back so far)."""
        if self.piped:
            return
        try:
            while self.printing < len(self.runs) and self.runs[self.printing].outcome:
                run = self.runs[self.printing]
                run.section.printer.end()
                if run.outcome == "failed":
                    assert run.error is not None
                    say(f"{run.section.name}: {describe_error(run.error)}")
                self.printing += 1
                if self.printing < len(self.runs):
                    self.runs[self.printing].section.show(first=False)
        except BrokenPipeError:
            self._pipe()

    def _pipe(self) -> None:
        """stdout is gone: like a single answer, every stream stops and is saved."""
        self.piped = True
        silence_stdout()
        self._stop_all()

    def _stop_all(self) -> None:
        for task in self.tasks:
            task.cancel()

    def _report(self) -> int:
        turn = self.turn
        if turn.args.verbose:
            for run in self.runs:
                for notice in run.answer.recorder.notices:
                    say(f"note: {run.section.name}: {notice}")
        for report in turn.catalog.reports.take():  # a plugin's stream broke the contract
            say(f"warning: {report}")
        if self.piped:
            return BROKEN_PIPE
        # Every answer is saved in the same file: one failure is said once.
        problems = list(dict.fromkeys(run.problem for run in self.runs if run.problem))
        if turn.signal_code and any(run.outcome == "stopped" for run in self.runs):
            conversation = self.runs[0].answer.conversation
            if turn.store is None:
                say("interrupted; nothing was saved (--no-save).")
            elif problems:
                say(f"interrupted; the partial answers were not saved: {problems[0]}")
            else:
                say(f"interrupted; the partial answers were saved (conversation {conversation.id})")
            return turn.signal_code
        for problem in problems:
            say(problem)
        failed = any(run.outcome != "complete" for run in self.runs)
        return FAILED if failed or problems else OK
