"""Streaming a long Markdown answer: raw HTTP, the provider, and the real app, side by side.

    python bench/stream.py [--runs 3] [--sizes 1000,10000] [--answer md|para] [--profile N]

A loopback BackendApi server (another process, bench/_servers.py) streams the same
Markdown answer (paragraphs, lists, code fences) as N chunks, as fast as the socket
takes them. Measured, in one run, interleaved, median of --runs:

  (a) raw: aiohttp reads the stream and parses each `data:` line; no provider, no UI;
  (b) provider: BackendApi's generator consumed with no UI;
  (c) app: the real ChatApp, headless (120x40), from the Enter key being delivered until
      the first frame sent while the whole answer is shown (the answer view's
      `shown_text()` equals the answer) and `app.chat.streaming` is False.

Targets: (c)/(a) at most 1.5; per-chunk cost of (c) at 10,000 chunks at most 1.2x the
per-chunk cost at 1,000. --answer para streams one paragraph of N words instead (`w0 w1
...`: cut into pieces that must wrap as one). --profile N runs one more N-chunk (c) under
pyinstrument.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import tempfile
import time
from pathlib import Path

from _common import Frames, median, row, screen_text, send_key, write_settings
from _servers import answer_text, start_server

RATIO_TARGET = 1.5
SCALING_TARGET = 1.2


#: The answer's kind: "md" (the Markdown answer) or "para" (one long paragraph).
KIND = "md"


async def raw_read(url: str, n: int) -> tuple[float, str]:
    import aiohttp

    body = {"model": f"{KIND}:{n}", "messages": [{"role": "user", "content": "go"}]}
    t0 = time.perf_counter()
    parts: list[str] = []
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{url}/backend-api/v2/conversation", json=body) as response,
    ):
        async for line in response.content:
            if line.startswith(b"data: "):
                event = json.loads(line[6:])
                if event.get("type") == "content":
                    parts.append(event["content"])
    text = "".join(parts)
    return time.perf_counter() - t0, text


async def provider_read(url: str, n: int) -> tuple[float, str]:
    from tui_chat.providers import BackendApi

    provider = BackendApi.configured("bench", url=url)
    t0 = time.perf_counter()
    parts: list[str] = []
    async for item in provider.create_async_generator(
        f"{KIND}:{n}", [{"role": "user", "content": "go"}]
    ):
        if isinstance(item, str):
            parts.append(item)
    text = "".join(parts)
    return time.perf_counter() - t0, text


async def app_answer(
    url: str, n: int, tmp: Path, check_screen: bool = False, profiler: object = None
) -> tuple[float, int]:
    """Seconds from Enter to the whole answer on screen, and the frames sent meanwhile."""
    from tui_chat.store import Paths
    from tui_chat.ui.app import ChatApp

    config = Path(tempfile.mkdtemp(dir=tmp))
    write_settings(config, url, f"{KIND}:{n}")
    answer = answer_text(n, KIND)
    app = ChatApp.from_paths(Paths.resolve(config), environ={})
    async with app.run_test(size=(120, 40)) as pilot:
        frames = Frames(app)
        entry = app.catalog.get("bench")
        while entry is None or entry.state != "ready":
            await pilot.pause(0.02)
        app.chat.prompt.text = "Write the long answer, please."
        await pilot.pause()

        def done() -> bool:
            messages = app.conversation.messages
            if app.chat.streaming or len(messages) < 2 or messages[-1].role != "assistant":
                return False
            view = app.chat.log_view.view_for(messages[-1])
            return view is not None and view.shown_text() == answer

        first_frame = frames.count
        if profiler is not None:
            profiler.start()  # type: ignore[attr-defined]
        t0 = time.perf_counter()
        send_key(app, "enter", "\r")
        t1 = await frames.until(done, timeout=120)
        if profiler is not None:
            profiler.stop()  # type: ignore[attr-defined]
        sent = frames.count - first_frame
        if check_screen:
            await pilot.pause(0.1)
            shown = screen_text(app)
            words = re.findall(r"[A-Za-z]{4,}|w\d+", answer)[-3:]
            missing = [w for w in words if w not in shown]
            if missing or "streaming" in shown.splitlines()[0]:
                raise SystemExit(f"screen check failed at {n} chunks: {missing} not shown")
    return t1 - t0, sent


async def main_async(args: argparse.Namespace) -> None:
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[tuple[str, int], list[float]] = {}
    frames: dict[int, list[int]] = {}
    with start_server() as server, tempfile.TemporaryDirectory(prefix="bench-stream-") as tmp:
        url = server.url
        for n in sizes:  # check the paths agree, and warm imports and caches
            _, raw_text = await raw_read(url, n)
            _, provider_text = await provider_read(url, n)
            assert raw_text == provider_text == answer_text(n, KIND), "the streams differ"
        await app_answer(url, sizes[0], Path(tmp), check_screen=True)
        for _ in range(args.runs):
            for n in sizes:
                results.setdefault(("a", n), []).append((await raw_read(url, n))[0])
                results.setdefault(("b", n), []).append((await provider_read(url, n))[0])
                seconds, sent = await app_answer(url, n, Path(tmp), check_screen=n == 1000)
                results.setdefault(("c", n), []).append(seconds)
                frames.setdefault(n, []).append(sent)
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(async_mode="disabled", interval=0.001)
            await app_answer(url, args.profile, Path(tmp), profiler=profiler)
            out = Path(tmp).parent / "bench-stream-profile.txt"
            out.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
            print(f"profile of one {args.profile}-chunk (c) run: {out}")

    answer = "Markdown answer" if KIND == "md" else "one-paragraph answer"
    print(f"\nstream: {answer} from a loopback BackendApi server (median of {args.runs} runs)")
    med = {key: median(values) for key, values in results.items()}
    for n in sizes:
        chars = len(answer_text(n, KIND))
        print(f"\n{n:,} chunks, {chars / 1000:.0f} kB of text:")
        print(row("(a) raw aiohttp read + parse", med["a", n], None))
        print(row("(b) provider generator, no UI", med["b", n], None))
        print(row(f"(c) app: Enter -> whole answer on screen "
                  f"({median(frames[n]):.0f} frames)", med["c", n], None))
        print(row("(b)/(a)", med["b", n] / med["a", n], None, "x"))
        print(row("(c)/(a)", med["c", n] / med["a", n], RATIO_TARGET, "x"))
    if len(sizes) == 2:
        small, big = sizes
        per_small = med["c", small] / small
        per_big = med["c", big] / big
        print()
        print(row(f"(c) per chunk at {small:,}", per_small, None, "us"))
        print(row(f"(c) per chunk at {big:,}", per_big, None, "us"))
        print(row(f"(c) per-chunk cost {big:,} / {small:,}", per_big / per_small,
                  SCALING_TARGET, "x"))
        print(row(f"(a) per-chunk cost {big:,} / {small:,} (the wire alone)",
                  (med["a", big] / big) / (med["a", small] / small), None, "x"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--answer", choices=("md", "para"), default="md",
                        help="the Markdown answer, or one paragraph of N words")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="profile one more (c) run of N chunks with pyinstrument")
    args = parser.parse_args()
    global KIND
    KIND = args.answer
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
