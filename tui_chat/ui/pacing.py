"""Paint a streaming answer as often as the screen can afford, and no more.

A frame of a fast stream (new pieces laid out, the visible ones rendered, the screen
composed) costs 5-30 ms. At a fixed 30 frames a second that can be most of the event
loop's time, and the answer then arrives several times slower than the network brings
it. So the next paint waits at least twice as long as the last one took (with the layout
and the frame that followed it): painting never takes more than about a third of the
time, and a cheap frame still comes at the full rate, so a slow stream and typing stay
smooth.

Keys come first: when one has been handled since the last paint, the paint waits for the
frame that shows it (a cheap one, the prompt alone) instead of adding the answer's layout
to it, and follows right after.

A terminal that reads slowly (a slow link) holds frames back: while writes wait to go out,
each paint waits twice as long as the one before (down to `MIN_RATE`), and the rate comes
back as they go out. Over SSH the rate starts lower (`frame_rate`): every frame crosses
the network.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Protocol

#: Paints a second of a streaming answer: at the speed a model writes (~1 kB/s), a
#: paint adds about a row; the eye reads no faster, and each paint is work (bench/bytes.py).
FRAME_RATE = 15.0
#: Over SSH (every frame goes over the network): half that.
SSH_FRAME_RATE = 7.5
#: The slowest a terminal that cannot keep up is painted at.
MIN_RATE = 2.0
#: Writes waiting to go to the terminal that mean it reads slower than frames come.
BACKLOG = 3


def frame_rate(environ: Mapping[str, str]) -> float:
    """The paints a second of a stream in this environment (SSH: `SSH_CONNECTION`)."""
    if environ.get("SSH_CONNECTION") or environ.get("SSH_CLIENT") or environ.get("SSH_TTY"):
        return SSH_FRAME_RATE
    return FRAME_RATE


class _Scheduler(Protocol):
    def set_timer(self, delay: float, callback: Callable[[], object]) -> object: ...
    def call_after_refresh(self, callback: Callable[..., object], *args: object) -> bool: ...


def next_delay(cost: float, rate: float, share: float = 1 / 3) -> float:
    """Seconds from the end of a paint that took `cost` to the start of the next, so that
    paints come at most `rate` times a second and take at most `share` of the time."""
    return max(1 / rate - cost, cost * (1 - share) / share, 0.0)


class FramePacer:
    """Calls `paint()` repeatedly, spaced by `next_delay`, until `stop()`."""

    def __init__(
        self,
        node: _Scheduler,
        paint: Callable[[], None],
        rate: float,
        clock: Callable[[], float] = time.perf_counter,
        input_waiting: Callable[[], bool] = lambda: False,
        backlog: Callable[[], int] = lambda: 0,
    ) -> None:
        self.node = node
        self.paint = paint
        self.rate = rate
        #: The rate now: lower while the terminal does not keep up (`backlog`).
        self.current_rate = rate
        self.clock = clock
        self.input_waiting = input_waiting
        self.backlog = backlog
        self.stopped = False
        self._timer: object = None

    def start(self) -> FramePacer:
        self._timer = self.node.set_timer(1 / self.rate, self._tick)
        return self

    def _tick(self) -> None:
        if self.stopped:
            return
        if self.input_waiting():
            self.node.call_after_refresh(self._paint_now)
            return
        self._paint_now()

    def _paint_now(self) -> None:
        if self.stopped:
            return
        started = self.clock()
        self.paint()
        # The layout and the frame the paint caused happen after it: measure up to them.
        self.node.call_after_refresh(self._painted, started)

    def _painted(self, started: float) -> None:
        if self.stopped:
            return
        cost = self.clock() - started
        waiting = self.backlog()
        if waiting >= BACKLOG:
            self.current_rate = max(MIN_RATE, self.current_rate / 2)
        elif not waiting:
            self.current_rate = min(self.rate, self.current_rate * 2)
        self._timer = self.node.set_timer(next_delay(cost, self.current_rate), self._tick)

    def stop(self) -> None:
        self.stopped = True
        stop = getattr(self._timer, "stop", None)
        if stop is not None:
            stop()
