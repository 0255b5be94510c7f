"""Frame pacing of a streaming answer: full rate when frames are cheap, a bounded share of
the time when they are not. Driven with a scripted clock and scheduler, no real timers."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

import pytest

from tui_chat.ui.pacing import FramePacer, next_delay


@pytest.mark.parametrize(
    ("cost", "delay"),
    [
        (0.0, 1 / 30),  # free: the full frame rate
        (0.010, 1 / 30 - 0.010),  # cheap: still 30 a second, counted from the start
        (0.020, 0.040),  # dear: wait twice the cost, painting is a third of the time
        (0.100, 0.200),
    ],
)
def test_next_delay(cost: float, delay: float) -> None:
    assert next_delay(cost, 30) == pytest.approx(delay)


class Scripted:
    """A scheduler whose timers and after-refresh callbacks run when the test says."""

    def __init__(self) -> None:
        self.now = 0.0
        self.timers: list[tuple[float, Callable[[], object]]] = []
        self.after: list[tuple[Callable[..., object], tuple[object, ...]]] = []

    def set_timer(self, delay: float, callback: Callable[[], object]) -> object:
        self.timers.append((self.now + delay, callback))
        return None

    def call_after_refresh(self, callback: Callable[..., object], *args: object) -> bool:
        self.after.append((callback, args))
        return True

    def clock(self) -> float:
        return self.now


def run_frames(frame_cost: float, frames: int) -> list[float]:
    """Start times of `frames` paints when each paint plus its frame takes `frame_cost`."""
    node = Scripted()
    starts: list[float] = []
    pacer = FramePacer(node, lambda: starts.append(node.now), 30, clock=node.clock).start()
    while len(starts) < frames:
        at, callback = node.timers.pop(0)
        node.now = max(node.now, at)
        callback()
        node.now += frame_cost  # the layout and the frame after the paint
        for after, args in node.after:
            after(*args)
        node.after.clear()
    pacer.stop()
    return starts


def test_cheap_frames_come_at_the_full_rate() -> None:
    starts = run_frames(0.005, 10)
    gaps = [b - a for a, b in pairwise(starts)]
    assert gaps == pytest.approx([1 / 30] * 9)


def test_dear_frames_leave_two_thirds_of_the_time_to_the_stream() -> None:
    starts = run_frames(0.050, 10)
    gaps = [b - a for a, b in pairwise(starts)]
    assert gaps == pytest.approx([0.150] * 9)  # 50 ms painting, 100 ms for the rest


def test_stop_ends_painting() -> None:
    node = Scripted()
    painted: list[float] = []
    pacer = FramePacer(node, lambda: painted.append(node.now), 30, clock=node.clock).start()
    pacer.stop()
    for _, callback in node.timers:
        callback()
    assert painted == []


def test_a_key_since_the_last_paint_gets_its_frame_first() -> None:
    node = Scripted()
    painted: list[float] = []
    keys = [True]  # a key was handled since the last paint
    pacer = FramePacer(
        node, lambda: painted.append(node.now), 30, clock=node.clock, input_waiting=lambda: keys[0]
    ).start()
    at, tick = node.timers.pop(0)
    node.now = at
    tick()
    assert painted == []  # not in the frame that shows the key ...
    ((after, args),) = node.after
    node.after.clear()
    keys[0] = False
    node.now += 0.004  # ... which goes out first
    after(*args)
    assert painted == [pytest.approx(at + 0.004)]  # then the paint, at once
    pacer.stop()


def test_a_terminal_that_does_not_keep_up_is_painted_less_often() -> None:
    """While writes wait to go out (a slow link), each paint waits twice as long as the one
    before, down to MIN_RATE; once they have gone out the rate comes back."""
    from tui_chat.ui.pacing import MIN_RATE

    node = Scripted()
    starts: list[float] = []
    waiting = [5]  # writes queued for the terminal
    pacer = FramePacer(
        node, lambda: starts.append(node.now), 16, clock=node.clock, backlog=lambda: waiting[0]
    ).start()

    def frame() -> None:
        at, callback = node.timers.pop(0)
        node.now = max(node.now, at)
        callback()
        for after, args in node.after:
            after(*args)
        node.after.clear()

    for _ in range(6):
        frame()
    gaps = [b - a for a, b in pairwise(starts)]
    assert gaps == pytest.approx([1 / 8, 1 / 4, 1 / 2, 1 / MIN_RATE, 1 / MIN_RATE])
    waiting[0] = 0
    for _ in range(4):
        frame()
    gaps = [b - a for a, b in pairwise(starts[-4:])]
    assert gaps == pytest.approx([1 / 4, 1 / 8, 1 / 16])
    pacer.stop()


def test_over_ssh_a_stream_is_painted_at_half_the_rate() -> None:
    from tui_chat.ui.pacing import FRAME_RATE, SSH_FRAME_RATE, frame_rate

    assert frame_rate({}) == FRAME_RATE
    assert frame_rate({"SSH_CONNECTION": "10.0.0.2 50000 10.0.0.1 22"}) == SSH_FRAME_RATE
    assert frame_rate({"SSH_TTY": "/dev/pts/3"}) == SSH_FRAME_RATE
    assert SSH_FRAME_RATE == FRAME_RATE / 2
