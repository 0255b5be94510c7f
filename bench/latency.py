"""Typing while an answer streams: keypress to the character on screen in the prompt.

    python bench/latency.py [--presses 200] [--rate 2000] [--interval 0.04] [--history N]
                            [--streams N] [--profile FILE] [--floor]

The real ChatApp runs headless (--size, 120x40); a loopback BackendApi server (another process)
streams a long Markdown answer at --rate chunks per second. Meanwhile a key ("x") is
delivered every --interval seconds the way the terminal driver delivers it (posted to
the app's queue) on a fixed schedule, and timed from its scheduled time: when the loop
is busy the key waits, as it would in the terminal driver's queue). A key counts as
echoed at the first frame sent to the terminal while the prompt holds it; that frame's
terminal output is generated as a real terminal would need it (bench/_common.Frames).
Every 40 keys the prompt is cleared (not timed) so it stays one line. The first keys
are also checked against the rendered screen. The same is measured with no answer
streaming, for comparison. Targets (issue 22): p95 10 ms or less while streaming, and
no more than twice the p95 with nothing streaming.

--history N types in a saved conversation of N messages instead of a new one: the answer
is saved with all of them every 2 s while it streams (on the event loop).

--streams N asks N models at once (issue 20: side by side, each at --rate chunks/s) and
compares the p95 with the single stream's: target, no more than twice it.

--floor also measures, right after each tui-chat run (idle, then streaming), the least
Textual app showing the same stream (bench/_floor_stream.py: an Input, Textual's Log
appended to at tui-chat's paint rate, 15 a second, and a footer) in the same harness:
same server, model and key schedule, a key echoed at the first frame sent while the
Input holds it. Its p50/p95, tui-chat's ratios to them and the characters each received
while the keys were timed are printed for information. (The floor has no saved
conversation: with --history only tui-chat types in one.)
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import Frames, percentile, row, screen_text, send_key, write_settings
from _servers import start_server

from tui_chat.ui.pacing import FRAME_RATE

TARGET_P95 = 0.010
#: The p95 while streaming against the p95 with nothing streaming.
TARGET_RATIO = 2.0
PER_LINE = 40


def saved_history(paths: object, count: int, model: str) -> str:
    """history.py's conversation of `count` mixed Markdown messages, saved, talking to
    `model`; its id."""
    from history import make_conversation

    from tui_chat.store import ConversationStore

    conversation = make_conversation(count)
    conversation.model = model
    ConversationStore(paths).save(conversation)  # type: ignore[arg-type]
    return conversation.id


async def measure(
    url: str,
    presses: int,
    rate: float,
    interval: float,
    stream: bool,
    profile: str = "",
    history: int = 0,
    streams: int = 1,
    size: tuple[int, int] = (120, 40),
    floor: bool = False,
) -> dict:
    """Type while the answer streams (or not: `stream`) in tui-chat, or with `floor` in
    the floor app (bench/_floor_stream.py); the latencies and what streamed meanwhile."""
    chunks = int(rate * (presses * interval * 2 + 10)) if stream else 10
    model = f"md:{chunks}:{rate:g}"
    subject = FloorSubject(url, model) if floor else ChatSubject(url, model, history)
    app = subject.app
    latencies: list[float] = []
    async with app.run_test(size=size) as pilot:
        frames = Frames(app)
        await subject.ready(pilot)
        if stream:
            await subject.ask(pilot, streams)
            t_end = time.perf_counter() + 2.0
            while time.perf_counter() < t_end:  # let the answer grow for a while first
                await asyncio.sleep(0.05)
            assert subject.streaming(), "the answer ended before typing started"
        received_before = subject.received()
        sent: list[float] = []
        echoed: dict[int, float] = {}
        checked = 0

        def on_frame(now: float) -> None:
            shown = len(subject.prompt_text())
            base = (len(sent) - 1) // PER_LINE * PER_LINE if sent else 0
            for k in range(base, base + shown):
                if k < len(sent) and k not in echoed:
                    echoed[k] = now

        frames.listeners.append(on_frame)
        profiler = None
        if profile:
            from pyinstrument import Profiler

            profiler = Profiler(async_mode="disabled", interval=0.001)
            profiler.start()
        start = began = time.perf_counter()
        for i in range(presses):
            if i and i % PER_LINE == 0:
                while len(echoed) < i:  # the line's keys are on screen: start a new one
                    await asyncio.sleep(0.005)
                subject.clear_prompt()
                await pilot.pause(0.05)
                start = time.perf_counter() - i * interval
            # Keys are pressed on a fixed schedule; a key the app could not take at its
            # time (the loop busy) is late from its scheduled time, as in a terminal,
            # where the driver thread has it queued while the loop is busy.
            pressed = start + i * interval
            while time.perf_counter() < pressed:
                await asyncio.sleep(0.002)
            sent.append(pressed)
            send_key(app, "x")
            if checked < 5 and i < 5:
                while i not in echoed:
                    await asyncio.sleep(0.002)
                if not any("x" * (i + 1) in line for line in screen_text(app).splitlines()):
                    raise SystemExit(f"key {i} was counted as echoed but is not on screen")
                checked += 1
        deadline = time.perf_counter() + 10
        while len(echoed) < presses and time.perf_counter() < deadline:
            await asyncio.sleep(0.01)
        was_streaming = subject.streaming()
        received = subject.received() - received_before
        typed_for = time.perf_counter() - began
        if stream and not was_streaming:
            print(f"  the answer ended ({subject.received():,} chars) before the typing did")
        if profiler is not None:
            profiler.stop()
            Path(profile).write_text(profiler.output_text(unicode=True, color=False, show_all=True))
            print(f"profile of the typing while streaming: {profile}")
        latencies = [echoed[k] - sent[k] for k in range(presses) if k in echoed]
        if len(latencies) < presses:
            raise SystemExit(f"only {len(latencies)} of {presses} keys reached the screen")
        grown = subject.received() if stream else 0
        await subject.stop()
    return {
        "lat": latencies,
        "streaming_to_the_end": was_streaming,
        "answer_chars": grown,
        # What reached the app while keys were timed (first key to the last echo), and how long.
        "received": received,
        "seconds": typed_for,
    }


class ChatSubject:
    """tui-chat's ChatApp, with a new conversation or a saved one of `history` messages."""

    def __init__(self, url: str, model: str, history: int) -> None:
        from tui_chat.store import Paths
        from tui_chat.ui.app import ChatApp

        config = Path(tempfile.mkdtemp(prefix="bench-latency-"))
        write_settings(config, url, model)
        paths = Paths.resolve(config)
        self.model = model
        self.opened = saved_history(paths, history, model) if history else ""
        self.app = ChatApp.from_paths(paths, environ={})

    async def ready(self, pilot: Any) -> None:
        entry = self.app.catalog.get("bench")
        while entry is None or entry.state != "ready":
            await pilot.pause(0.02)
        if self.opened:  # the answer is saved every 2 s with all of these
            await self.app.chat.open_conversation(self.opened)
            await pilot.pause(0.2)

    async def ask(self, pilot: Any, streams: int) -> None:
        if streams > 1:
            from tui_chat.model_choice import ModelChoice

            self.app.chat.compare = tuple(
                ModelChoice("bench", self.model) for _ in range(streams)
            )
        await self.app.chat.send("Write a very long answer, please.")

    def prompt_text(self) -> str:
        return self.app.chat.prompt.text

    def clear_prompt(self) -> None:
        self.app.chat.prompt.clear()

    def streaming(self) -> bool:
        return bool(self.app.chat.streaming)

    def received(self) -> int:
        # The answers' text so far is in their recorders (the message gets it when saved).
        return sum(len(answer.recorder.text) for answer in self.app.chat._answers)

    async def stop(self) -> None:
        if self.app.chat.streaming:
            await self.app.chat.stop_streaming()


def floor_app(url: str, model: str) -> Any:
    """bench/_floor_stream.py's FloorApp (Input, Log, Footer) appending what arrived to the
    Log at tui-chat's paint rate, with the one setting of Textual's that tui-chat changes
    for typing: the screen's update timer does not skip a late slot
    (`update_without_skipping`). Without it an echo can wait for the next slot of Textual's
    60-a-second grid (up to 17 ms), a difference of setting, not of work."""
    from _floor_stream import FloorApp

    from tui_chat.ui.compat import update_without_skipping

    class LatencyFloor(FloorApp):
        received = 0  # the answer's characters that reached the app

        def on_mount(self) -> None:
            update_without_skipping(self.screen)

        def flush(self) -> None:
            self.received += sum(len(piece) for piece in self.pending)
            super().flush()

    return LatencyFloor(url, model, FRAME_RATE)


class FloorSubject:
    """The floor (`floor_app`), typed in as tui-chat is."""

    def __init__(self, url: str, model: str) -> None:
        self.app = floor_app(url, model)

    async def ready(self, pilot: Any) -> None:
        await pilot.pause()

    async def ask(self, pilot: Any, streams: int) -> None:
        from textual.widgets import Input

        self.app.query_one(Input).value = "Write a very long answer, please."
        await pilot.press("enter")

    def prompt_text(self) -> str:
        from textual.widgets import Input

        return self.app.query_one(Input).value

    def clear_prompt(self) -> None:
        from textual.widgets import Input

        self.app.query_one(Input).value = ""

    def streaming(self) -> bool:
        from textual.worker import WorkerState

        return any(worker.state == WorkerState.RUNNING for worker in self.app.workers)

    def received(self) -> int:
        return self.app.received + sum(len(piece) for piece in self.app.pending)

    async def stop(self) -> None:
        self.app.workers.cancel_all()


async def main_async(args: argparse.Namespace) -> None:
    with start_server() as server:
        common = (server.url, args.presses, args.rate, args.interval)
        size = tuple(int(n) for n in args.size.split("x"))
        # With --floor the floor runs right after each tui-chat run, so that the machine's
        # drift (other sessions' load) hits both alike.
        idle = await measure(*common, False, history=args.history, size=size)
        floor_idle = await measure(*common, False, size=size, floor=True) if args.floor else None
        busy = await measure(*common, True, history=args.history, size=size)
        floor_busy = await measure(*common, True, size=size, floor=True) if args.floor else None
        several = (
            await measure(*common, True, history=args.history, streams=args.streams, size=size)
            if args.streams > 1
            else None
        )
        if args.profile:
            await measure(
                *common, True, args.profile, history=args.history, streams=args.streams
            )
    print(f"\nlatency: key -> character on screen in the prompt, {args.presses} keys "
          f"every {args.interval * 1000:.0f} ms, {args.size}"
          + (f", in a conversation of {args.history:,} saved messages" if args.history else ""))
    runs = [
        (f"while an answer streams at {args.rate:g} chunks/s", busy, TARGET_P95),
        ("with nothing streaming", idle, None),
    ]
    if several is not None:
        runs.insert(1, (f"while {args.streams} answers stream at {args.rate:g} chunks/s each",
                        several, None))
    for label, result, target in runs:
        print_latencies(label, result["lat"], target)
    ratio = percentile(busy["lat"], 95) / percentile(idle["lat"], 95)
    print()
    print(row("p95 while streaming / p95 with nothing streaming", ratio, TARGET_RATIO, "x"))
    if several is not None:
        ratio = percentile(several["lat"], 95) / percentile(busy["lat"], 95)
        print(row(f"p95 with {args.streams} streams / p95 with one", ratio, TARGET_RATIO, "x"))
    if floor_idle is not None and floor_busy is not None:
        print_floor(idle, busy, floor_idle, floor_busy, args.rate)
    if not busy["streaming_to_the_end"]:
        print("\n  note: the answer finished before the last key; use a longer answer")


def print_latencies(label: str, lat: list[float], target: float | None = None) -> None:
    """p50, p95 (against `target` if there is one), p99 and the slowest, under `label`."""
    print(f"\n{label}:")
    print(row("p50", percentile(lat, 50), None))
    print(row("p95", percentile(lat, 95), target))
    print(row("p99", percentile(lat, 99), None))
    print(row("max", max(lat), None))


def print_floor(idle: dict, busy: dict, floor_idle: dict, floor_busy: dict, rate: float) -> None:
    """The floor's figures (the least Textual app, the same stream, keys and harness) and
    tui-chat's against them."""
    print(f"\nthe floor: Textual's Input, and its Log appended to {FRAME_RATE:g} times a "
          "second\n(bench/_floor_stream.py), typed in the same way, right after tui-chat:")
    for label, result in (
        (f"while an answer streams at {rate:g} chunks/s", floor_busy),
        ("with nothing streaming", floor_idle),
    ):
        print_latencies(label, result["lat"])
    ratio = percentile(floor_busy["lat"], 95) / percentile(floor_idle["lat"], 95)
    print()
    print(row("p95 while streaming / p95 with nothing streaming", ratio, None, "x"))
    print("\ntui-chat / the floor:")
    for what, ours, theirs in (
        ("while streaming", busy, floor_busy),
        ("with nothing streaming", idle, floor_idle),
    ):
        for p in (50, 95):
            ratio = percentile(ours["lat"], p) / percentile(theirs["lat"], p)
            print(row(f"p{p} {what}", ratio, None, "x"))
    print("\nreceived while the keys were timed (both must really stream):")
    for who, result in (("tui-chat", busy), ("the floor", floor_busy)):
        kb_s = result["received"] / result["seconds"] / 1000
        print(f"  {who:<12}{result['received']:>10,} chars in {result['seconds']:.1f} s "
              f"({kb_s:.1f} kB/s), streaming to the end: {result['streaming_to_the_end']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--rate", type=float, default=2000)
    parser.add_argument("--interval", type=float, default=0.04)
    parser.add_argument("--history", type=int, default=0, metavar="N",
                        help="type in a saved conversation of N messages (saved with the answer)")
    parser.add_argument("--size", default="120x40", help="the terminal, COLSxROWS "
                        "(at 200x40 three answers stand side by side, at 120x40 stacked)")
    parser.add_argument("--streams", type=int, default=1, metavar="N",
                        help="also measure with N models asked at once (side by side)")
    parser.add_argument("--profile", metavar="FILE", default="",
                        help="one more streaming run under pyinstrument, report to FILE")
    parser.add_argument("--floor", action="store_true",
                        help="also time the same typing in a minimal Textual app showing the "
                        "same stream (the floor), after each tui-chat run")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
