"""Typing while an answer streams: keypress to the character on screen in the prompt.

    python bench/latency.py [--presses 200] [--rate 2000] [--interval 0.04] [--history N]
                            [--streams N] [--profile FILE]

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
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from _common import Frames, percentile, row, screen_text, send_key, write_settings
from _servers import start_server

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
) -> dict:
    from tui_chat.store import Paths
    from tui_chat.ui.app import ChatApp

    config = Path(tempfile.mkdtemp(prefix="bench-latency-"))
    chunks = int(rate * (presses * interval * 2 + 10)) if stream else 10
    model = f"md:{chunks}:{rate:g}"
    write_settings(config, url, model)
    paths = Paths.resolve(config)
    opened = saved_history(paths, history, model) if history else ""
    app = ChatApp.from_paths(paths, environ={})
    latencies: list[float] = []
    async with app.run_test(size=size) as pilot:
        frames = Frames(app)
        entry = app.catalog.get("bench")
        while entry is None or entry.state != "ready":
            await pilot.pause(0.02)
        if opened:  # the answer is saved every 2 s with all of these
            await app.chat.open_conversation(opened)
            await pilot.pause(0.2)
        if stream:
            if streams > 1:
                from tui_chat.model_choice import ModelChoice

                app.chat.compare = tuple(ModelChoice("bench", model) for _ in range(streams))
            await app.chat.send("Write a very long answer, please.")
            t_end = time.perf_counter() + 2.0
            while time.perf_counter() < t_end:  # let the answer grow for a while first
                await asyncio.sleep(0.05)
            assert app.chat.streaming, "the answer ended before typing started"
        sent: list[float] = []
        echoed: dict[int, float] = {}
        checked = 0

        def on_frame(now: float) -> None:
            shown = len(app.chat.prompt.text)
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
        start = time.perf_counter()
        for i in range(presses):
            if i and i % PER_LINE == 0:
                while len(echoed) < i:  # the line's keys are on screen: start a new one
                    await asyncio.sleep(0.005)
                app.chat.prompt.clear()
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
        was_streaming = app.chat.streaming
        last = app.conversation.messages[-1] if app.conversation.messages else None
        if stream and last is not None and not was_streaming:
            print(f"  the answer ended ({last.status}, {len(last.content):,} chars) "
                  "before the typing did")
        if profiler is not None:
            profiler.stop()
            Path(profile).write_text(profiler.output_text(unicode=True, color=False, show_all=True))
            print(f"profile of the typing while streaming: {profile}")
        latencies = [echoed[k] - sent[k] for k in range(presses) if k in echoed]
        if len(latencies) < presses:
            raise SystemExit(f"only {len(latencies)} of {presses} keys reached the screen")
        if stream:
            answer = app.conversation.messages[-1]
            await app.chat.stop_streaming()
            grown = len(answer.content)
        else:
            grown = 0
    return {"lat": latencies, "streaming_to_the_end": was_streaming, "answer_chars": grown}


async def main_async(args: argparse.Namespace) -> None:
    with start_server() as server:
        common = (server.url, args.presses, args.rate, args.interval)
        size = tuple(int(n) for n in args.size.split("x"))
        idle = await measure(*common, False, history=args.history, size=size)
        busy = await measure(*common, True, history=args.history, size=size)
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
        lat = result["lat"]
        print(f"\n{label}:")
        print(row("p50", percentile(lat, 50), None))
        print(row("p95", percentile(lat, 95), target))
        print(row("p99", percentile(lat, 99), None))
        print(row("max", max(lat), None))
    ratio = percentile(busy["lat"], 95) / percentile(idle["lat"], 95)
    print()
    print(row("p95 while streaming / p95 with nothing streaming", ratio, TARGET_RATIO, "x"))
    if several is not None:
        ratio = percentile(several["lat"], 95) / percentile(busy["lat"], 95)
        print(row(f"p95 with {args.streams} streams / p95 with one", ratio, TARGET_RATIO, "x"))
    if not busy["streaming_to_the_end"]:
        print("\n  note: the answer finished before the last key; use a longer answer")


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
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
