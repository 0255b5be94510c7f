"""A decade of history: 20,000 saved conversations holding 1,000,000 messages.

    python bench/decade.py [--only startup,search,list,open] [--runs 3] [--instructions]
                           [--conversations 20000] [--messages 1000000] [--huge 100000]
                           [--folder DIR]

The corpus (bench/_corpus.py) is made once, in DIR (default: the temporary folder,
`bench-decade-r<recipe>-<sizes>`), and reused. Then, against its targets:

  startup  exec -> complete frame of `tui-chat` in a pty, wall time beside a Textual hello
           world started the same way (bench/startup.py's harness); with --instructions,
           the instructions each executes to that frame (callgrind), app / hello world
           <= 1.15x.
  search   in the headless app (120x40), F3, then for each query the time from the text
           being in the field to the first frame showing a result (<= 150 ms) and to the
           frame showing all of them (<= 1 s); the index is brought up to date before
           (how long that took is printed: the first time, it is built from scratch).
  list     the conversation list focused, PgDn through the whole of it: time from each key
           to the frame showing the cursor moved (no page may stall: max <= 100 ms), and
           the slowest page without a full garbage collection (those that ran are
           printed); also how long `list()` of the folder takes (a worker does it after
           the first frame).
  open     bench/history.py's open of the 100,000-message conversation, in its own
           process: open -> newest message on screen <= 0.3 s, peak RSS <= 150 MB.

Each measurement runs in a fresh process. Wall-clock figures move by +-30 % with the
machine's load; the instruction counts do not.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import Frames, median, percentile, row, send_key, write_settings
from _corpus import NEWEST, folder_for, generate

STARTUP_RATIO = 1.15
FIRST_RESULT = 0.150
ALL_RESULTS = 1.0
PAGE_STALL = 0.100
OPEN_TARGET = 0.3
RSS_TARGET = 150.0

#: (what it shows, the text typed): a rare word, a common one, the commonest, a letter, an
#: accented phrase typed without accents, one typed with them in capitals, a word half
#: typed, a word inside longer words.
QUERIES = [
    ("rare word (12 messages)", "quetzalcoatlus"),
    ("uncommon word (300 messages)", "marzipanologist"),
    ("common word", "water"),
    ("the commonest word", "the"),
    ("one letter", "e"),
    ("accents ignored", "creme brulee"),
    ("accents and capitals", "ZÜRICH"),
    ("half a word", "marzipano"),
    ("inside words", "ologis"),
]


# --- measurements in a child process -----------------------------------------------------


async def _app_for(config: Path):  # type: ignore[no-untyped-def]
    from tui_chat.store import Paths
    from tui_chat.ui.app import ChatApp

    return ChatApp.from_paths(Paths.resolve(config), environ={}, fetch_models=False)


async def _listed(pilot, app) -> float:  # type: ignore[no-untyped-def]
    """Wait until the conversation list holds what `list()` found; seconds waited."""
    from tui_chat.ui.widgets.sidebar import ConversationList

    listing = app.query_one(ConversationList)
    t0 = time.perf_counter()
    while True:
        workers = [w for w in app.workers if w.group == "list" and not w.is_finished]
        if not workers and listing.option_count and time.perf_counter() - t0 > 0.3:
            return time.perf_counter() - t0
        await pilot.pause(0.05)


async def measure_search(config: Path, runs: int) -> dict:
    from textual.widgets import Input, OptionList

    from tui_chat.ui.screens.dialogs import SearchConversations

    app = await _app_for(config)
    results: dict = {"queries": {}}
    async with app.run_test(size=(120, 40)) as pilot:
        frames = Frames(app)
        await _listed(pilot, app)
        store = app.store
        update = getattr(store, "update_search_index", None)
        if update is not None:  # the index, up to date (built the first time)
            t0 = time.perf_counter()
            await asyncio.to_thread(update)
            results["index"] = time.perf_counter() - t0
        send_key(app, "f3")
        while not isinstance(app.screen, SearchConversations):
            await pilot.pause(0.02)
        screen = app.screen
        field = screen.query_one(Input)
        options = screen.query_one(OptionList)
        for label, query in QUERIES:
            firsts, alls, counts = [], [], []
            for _ in range(runs):
                field.value = ""
                await pilot.pause(0.3)
                t0 = time.perf_counter()
                field.value = query

                def some(q: str = query) -> bool:
                    return screen.query_text == q and options.option_count > 0

                def done(q: str = query) -> bool:
                    return screen.query_text == q and not getattr(screen, "searching", False)

                first_task = asyncio.ensure_future(frames.until(some, timeout=600))
                t_all = await frames.until(done, timeout=600)
                if options.option_count:
                    t_first = await first_task
                else:  # nothing found: no first result to wait for
                    first_task.cancel()
                    t_first = t_all
                firsts.append(t_first - t0)
                alls.append(t_all - t0)
                counts.append(len(screen.results))
            results["queries"][label] = {
                "query": query,
                "first": median(firsts),
                "all": median(alls),
                "count": counts[-1],
            }
    return results


async def measure_list(config: Path) -> dict:
    from tui_chat.store import ConversationStore, Paths
    from tui_chat.ui.widgets.sidebar import ConversationList

    store = ConversationStore(Paths.resolve(config))
    t0 = time.perf_counter()
    store.list()
    list_time = time.perf_counter() - t0
    app = await _app_for(config)
    async with app.run_test(size=(120, 40)) as pilot:
        frames = Frames(app)
        await _listed(pilot, app)
        listing = app.query_one(ConversationList)
        listing.focus()
        await pilot.pause(0.2)
        pages: list[float] = []
        collected: list[tuple[float, float]] = []  # full garbage collections: start, end

        def collection(phase: str, info: dict) -> None:
            if info["generation"] == 2:
                if phase == "start":
                    collected.append((time.perf_counter(), 0.0))
                else:
                    collected[-1] = (collected[-1][0], time.perf_counter())

        gc.callbacks.append(collection)
        in_gc: list[bool] = []
        visited: set[int | None] = set()
        # Until the cursor stays, or comes back where it was (Textual's OptionList, at its
        # end, alternates between its last option and none when the last is disabled).
        while listing.highlighted not in visited:
            last = listing.highlighted
            visited.add(last)
            t0 = time.perf_counter()
            send_key(app, "pagedown")

            def moved(before: int | None = last) -> bool:
                return listing.highlighted != before

            try:
                t1 = await frames.until(moved, timeout=5)
            except TimeoutError:
                break  # at the end: the cursor stays
            pages.append(t1 - t0)
            in_gc.append(any(t0 <= start <= t1 for start, _ in collected))
        rows = listing.option_count
        reached = max((i for i in visited if i is not None), default=0) + 1
    gc.callbacks.remove(collection)
    return {"list": list_time, "pages": pages, "rows": rows, "reached": reached,
            "in_gc": in_gc, "collections": [end - start for start, end in collected if end]}


def child(args: argparse.Namespace) -> None:
    config = Path(args.config)
    if args.child == "search":
        result = asyncio.run(measure_search(config, args.runs))
    else:
        result = asyncio.run(measure_list(config))
    print(json.dumps(result))


def run_child(kind: str, config: Path, runs: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--config", str(config), "--runs", str(runs)],
        check=True, stdout=subprocess.PIPE, text=True,
    ).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


# --- the parts ---------------------------------------------------------------------------


def startup(config: Path, runs: int, count_instructions: bool) -> None:
    from startup import APPS, instructions, run_once

    exe = shutil.which("tui-chat", path=str(Path(sys.executable).parent)) or shutil.which(
        "tui-chat"
    )
    if exe is None:
        raise SystemExit("tui-chat is not installed in this environment")
    app = [exe, "--config-dir", str(config)]
    hello = [sys.executable, APPS, "hello"]
    run_once(app)  # warm the OS file cache and the .pyc files
    run_once(hello)
    completes, floors = [], []
    for _ in range(runs):
        completes.append(run_once(app)[1])
        floors.append(run_once(hello)[1])
    print("\nstartup: `tui-chat` in a pty, exec -> complete frame (median of "
          f"{runs}; runs {', '.join(f'{c * 1000:.0f}' for c in completes)} ms)")  # fmt: skip
    print(row("tui-chat", median(completes), None))
    print(row("Textual hello world, same harness (the floor)", median(floors), None))
    print(row("tui-chat / hello world, wall time", median(completes) / median(floors),
              STARTUP_RATIO, "x"))  # fmt: skip
    if count_instructions:
        counts = {}
        with tempfile.TemporaryDirectory(prefix="bench-decade-cg-") as tmp:
            for name, rest in (("app", ["--config-dir", str(config)]), ("hello", [])):
                argv = [sys.executable, APPS, name, "--exit-at-frame", *rest]
                counts[name] = instructions(argv, Path(tmp) / f"callgrind.{name}")
        print(f"  instructions: tui-chat {counts['app'] / 1e9:.3f} G, "
              f"hello world {counts['hello'] / 1e9:.3f} G")  # fmt: skip
        print(row("tui-chat / hello world, instructions", counts["app"] / counts["hello"],
                  STARTUP_RATIO, "x"))  # fmt: skip


def search(config: Path, runs: int) -> None:
    r = run_child("search", config, runs)
    print(f"\nsearch (F3) in the headless app, median of {runs}")
    if "index" in r:
        print(row("bringing the search index up to date first", r["index"], None, "s"))
    for label, q in r["queries"].items():
        print(f"  {label}: {q['query']!r}, {q['count']:,} conversations")
        print(row("    first result on screen", q["first"], FIRST_RESULT))
        print(row("    all results on screen", q["all"], ALL_RESULTS))


def listing(config: Path) -> None:
    r = run_child("list", config, 1)
    pages = r["pages"]
    print(f"\nconversation list: {r['rows']:,} rows, PgDn {len(pages)} times to its end "
          f"(row {r['reached']:,})")  # fmt: skip
    print(row("store list() of the folder (index warm)", r["list"], None))
    if pages:
        print(row("PgDn -> cursor moved on screen, median", median(pages), None))
        print(row("  p95", percentile(pages, 95), None))
        print(row("  slowest page", max(pages), PAGE_STALL))
        quiet = [p for p, gc_ran in zip(pages, r["in_gc"], strict=True) if not gc_ran]
        times = r["collections"]
        if quiet and times:
            print(row("  slowest page without a full garbage collection", max(quiet), None))
            print(f"  ({len(times)} full collections while paging, "
                  f"{median(times) * 1000:.0f} ms median, {max(times) * 1000:.0f} ms at most)")


def open_huge(config: Path, manifest: dict, runs: int) -> None:
    history = str(Path(__file__).with_name("history.py"))
    n = manifest["huge"]
    out = subprocess.run(
        [sys.executable, history, "--child", str(n), "--config", str(config),
         "--id", manifest["huge_id"], "--runs", str(runs)],
        check=True, stdout=subprocess.PIPE, text=True,
    ).stdout  # fmt: skip
    r = json.loads(out.strip().splitlines()[-1])
    print(f"\nopen the {n:,}-message conversation (bench/history.py's open, median of {runs})")
    print(row("open -> newest messages on screen", r["open"], OPEN_TARGET))
    print(row("  the store's load() alone", r["load"], None))
    print(row("Home -> first messages on screen", r["top"], None))
    print(row("peak RSS (the first run's app)", r["rss"], RSS_TARGET, "MB"))
    print(row(f"  after all {runs} runs in one process", r["rss_all"], None, "MB"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=20_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--huge", type=int, default=100_000)
    parser.add_argument("--folder", default=tempfile.gettempdir())
    parser.add_argument("--only", default="startup,search,list,open")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--instructions", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    from _servers import start_server

    folder = folder_for(Path(args.folder), args.conversations, args.messages, args.huge)
    print(f"corpus: {folder}")
    manifest = generate(folder, args.conversations, args.messages, args.huge)
    print(f"  {manifest['conversations']:,} conversations, {manifest['messages']:,} messages, "
          f"{manifest['bytes'] / 1e6:.0f} MB (made in {manifest['seconds']:.0f} s); "
          f"the newest is titled {NEWEST!r}")  # fmt: skip
    config = folder / "config"
    # Nothing reopened at start (the app reopens the conversation shown last).
    (config / "state.toml").unlink(missing_ok=True)
    parts = args.only.split(",")
    with start_server() as server:
        write_settings(config, server.url, "m")
        if "startup" in parts:
            startup(config, args.runs, args.instructions)
        if "search" in parts:
            search(config, args.runs)
        if "list" in parts:
            listing(config)
        if "open" in parts:
            open_huge(config, manifest, args.runs)


if __name__ == "__main__":
    main()
