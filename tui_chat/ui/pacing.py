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
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol


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
    ) -> None:
        self.node = node
        self.paint = paint
        self.rate = rate
        self.clock = clock
        self.input_waiting = input_waiting
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
        self._timer = self.node.set_timer(next_delay(cost, self.rate), self._tick)

    def stop(self) -> None:
        self.stopped = True
        stop = getattr(self._timer, "stop", None)
        if stop is not None:
            stop()
