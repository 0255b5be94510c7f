"""Opening long saved conversations in the real app (headless).

    python bench/history.py [--sizes 1000,10000] [--runs 3] [--profile N]

For each size, a conversation of N mixed messages (short questions; Markdown answers
with paragraphs, lists and code fences) is saved with the store, then a fresh process
runs the headless ChatApp (120x40) and measures, median of --runs opens:

  open:  `open_conversation(id)` (what choosing it in the sidebar does: load the file,
         show it) until the first frame whose screen text shows the newest message;
  top:   the Home key in the message log until the first frame showing the first one;
  RSS:   the process's peak resident set size after all of that.

Each size runs in its own process so its peak RSS is its own: taken after the first
run's app has closed (one app per process, as in use: later apps in the same process
start from what the allocator kept), and before the store's load() alone is timed.
Targets: open 0.3 s for 1,000 messages, 0.5 s for 10,000, 0.3 s for 100,000 (`--sizes
100000`, issue 22); peak RSS 150 MB.
--profile N runs one more open of the N-message conversation under pyinstrument.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import Frames, median, row, rss_mb, screen_text, send_key, write_settings

OPEN_TARGET = {1000: 0.3, 10_000: 0.5, 100_000: 0.3}
RSS_TARGET = 150.0

_TEXT = ("the store keeps every message in one file per conversation and the log mounts "
          "only a window of views near the viewport so opening stays quick")
_WORDS = _TEXT.split()


def marker(i: int) -> str:
    return f"msg#{i:05d}"


def message_text(rng: random.Random, i: int) -> str:
    def sentence() -> str:
        return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(6, 14))).capitalize() + "."

    if i % 2 == 0:
        return f"{sentence()} {sentence()}\n\n{marker(i)} end."
    parts = [" ".join(sentence() for _ in range(rng.randint(2, 4)))]
    if rng.random() < 0.6:
        parts.append("```python\n" + "\n".join(
            f"value_{k} = compute({k}, '{rng.choice(_WORDS)}')  # step {k}"
            for k in range(rng.randint(3, 8))
        ) + "\n```")
    if rng.random() < 0.5:
        parts.append("\n".join(f"- **{rng.choice(_WORDS)}**: {sentence()}"
                               for _ in range(rng.randint(2, 5))))
    parts.append(f"{sentence()} `inline()` and *emphasis*.\n\n{marker(i)} end.")
    return "\n\n".join(parts)


def make_conversation(n: int):  # type: ignore[no-untyped-def]
    from tui_chat.store import Conversation, Message

    rng = random.Random(n)
    start = datetime(2025, 3, 1, tzinfo=UTC)
    messages = [
        Message(
            role="user" if i % 2 == 0 else "assistant",
            content=message_text(rng, i),
            created=start + timedelta(seconds=20 * i),
            provider="" if i % 2 == 0 else "bench",
            model="" if i % 2 == 0 else "m",
        )
        for i in range(n)
    ]
    return Conversation(title=f"History of {n} messages", created=start,
                        updated=start + timedelta(seconds=20 * n), provider="bench",
                        model="m", messages=messages)


async def measure(config: Path, cid: str, n: int, runs: int, profile: bool) -> dict:
    from tui_chat.store import ConversationStore, Paths
    from tui_chat.ui.app import ChatApp

    paths = Paths.resolve(config)
    opens: list[float] = []
    tops: list[float] = []
    rss_before = rss_first = 0.0
    newest, first = marker(n - 1), marker(0)
    # A fresh app for each open: reopening in the same app after "new chat" does not
    # scroll to the newest messages (see bench/README.md), which would hang this loop.
    for run in range(runs + (1 if profile else 0)):
        # Not reopened at start (the app reopens the conversation shown last): each run
        # opens it itself.
        paths.state_file.unlink(missing_ok=True)
        app = ChatApp.from_paths(paths, environ={}, fetch_models=False)
        async with app.run_test(size=(120, 40)) as pilot:
            frames = Frames(app)
            await pilot.pause(0.2)
            rss_before = rss_before or rss_mb()

            def shows(text: str, app: ChatApp = app) -> bool:
                return app.conversation.id == cid and text in screen_text(app)

            profiler = None
            if profile and run == runs:
                from pyinstrument import Profiler

                profiler = Profiler(async_mode="disabled", interval=0.001)
                profiler.start()
            t0 = time.perf_counter()
            opening = asyncio.ensure_future(app.chat.open_conversation(cid))
            t1 = await frames.until(lambda: shows(newest), timeout=60)
            await opening
            if profiler is not None:
                profiler.stop()
                out = Path(tempfile.gettempdir()) / f"bench-history-{n}-profile.txt"
                out.write_text(profiler.output_text(unicode=True, color=False, show_all=True))
                print(f"profile of one open of {n} messages: {out}", file=sys.stderr)
                break
            opens.append(t1 - t0)

            app.chat.log_view.focus()
            await pilot.pause(0.1)
            t0 = time.perf_counter()
            send_key(app, "home")
            t1 = await frames.until(lambda: shows(first), timeout=60)
            tops.append(t1 - t0)
        # The app freezes what is alive at its start out of the collector: without this,
        # the next run's start froze this run's conversation, and the peak RSS grew by one
        # conversation per run (with one app per process, as in use, that cannot happen).
        del app
        gc.unfreeze()
        gc.collect()
        # One app per process, as in use: the peak of the first run is the figure (the
        # allocator keeps what it got, so later runs in this process start higher).
        rss_first = rss_first or rss_mb()
    # The peak of the opens, before the store's load() alone adds a copy of its own.
    rss = rss_first or rss_mb()
    rss_all = rss_mb()
    t0 = time.perf_counter()
    ConversationStore(paths).load(cid)
    load_only = time.perf_counter() - t0
    return {"n": n, "open": median(opens), "top": median(tops), "load": load_only,
            "rss": rss, "rss_all": rss_all, "rss_before": rss_before}


def child(args: argparse.Namespace) -> None:
    result = asyncio.run(measure(Path(args.config), args.id, args.child, args.runs,
                                 args.profile == args.child))
    print(json.dumps(result))


def save(config: Path, n: int) -> None:
    """Make and save the n-message conversation; prints a line about it, then its id."""
    from tui_chat.store import ConversationStore, Paths

    store = ConversationStore(Paths.resolve(config))
    conversation = make_conversation(n)
    t0 = time.perf_counter()
    store.save(conversation)
    saved = time.perf_counter() - t0
    size = store.path_for(conversation.id).stat().st_size
    print(f"saved {n:,} messages ({size / 1e6:.1f} MB) in {saved:.2f} s")
    print(conversation.id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--id", help=argparse.SUPPRESS)
    parser.add_argument("--save", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if args.save:
        save(Path(args.config), args.save)
        return

    results = []
    with tempfile.TemporaryDirectory(prefix="bench-history-") as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            config = Path(tmp) / f"c{n}"
            write_settings(config, "http://127.0.0.1:9", "m")
            # Made and saved in a process of its own: a child's peak RSS starts from its
            # parent's (Linux keeps it across exec), and 100,000 messages in memory made
            # every figure of the child ~310 MB before it had opened anything.
            made = subprocess.run(
                [sys.executable, __file__, "--save", str(n), "--config", str(config)],
                check=True, stdout=subprocess.PIPE, text=True,
            ).stdout.strip().splitlines()
            print(made[0])
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(n), "--config", str(config),
                 "--id", made[-1], "--runs", str(args.runs),
                 "--profile", str(args.profile)],
                check=True, stdout=subprocess.PIPE, text=True,
            ).stdout
            results.append(json.loads(out.strip().splitlines()[-1]))

    print(f"\nhistory: open a saved conversation in the headless app "
          f"(median of {args.runs} runs)")
    for r in results:
        n = r["n"]
        print(f"\n{n:,} messages:")
        print(row("open -> newest messages on screen", r["open"], OPEN_TARGET.get(n, 0.5)))
        print(row("  of which the store's load() alone", r["load"], None))
        print(row("Home -> first messages on screen", r["top"], OPEN_TARGET.get(n, 0.5)))
        print(row("peak RSS (the first run's app)", r["rss"], RSS_TARGET, "MB"))
        print(row(f"  after all {args.runs} runs in one process", r["rss_all"], None, "MB"))
        print(row("  RSS before opening", r["rss_before"], None, "MB"))


if __name__ == "__main__":
    main()
