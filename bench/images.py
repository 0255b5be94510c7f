"""A conversation with twenty images in the real app (headless): opening it and scrolling.

    python bench/images.py [--images 20] [--runs 3] [--size 120x40]

A conversation of 20 answers, each with a paragraph and a 512x384 PNG (noise and bands:
they neither compress nor scale trivially) saved in its media folder, is opened in a
fresh headless ChatApp (half-cell thumbnails, as in tmux or over SSH), and measured,
median of --runs:

  open:    `open_conversation(id)` until the first frame that shows the newest answer
           with its thumbnail drawn (its rows decoded and scaled in a thread);
  scroll:  PgUp from the prompt, one page at a time, until the first message is in
           sight: for each page the time until the first frame in which every
           thumbnail in sight is drawn (not a blank placeholder); median and worst page;
  decode:  one thumbnail decoded and scaled (in the thread) at the log's width, for
           information.

Targets: open 0.5 s; a page 100 ms (median), 250 ms (worst).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from _common import Frames, median, row, screen_text, send_key, write_settings

OPEN_TARGET = 0.5
PAGE_TARGET = 0.1
WORST_TARGET = 0.25


def picture(seed: int) -> bytes:
    from PIL import Image

    rng = random.Random(seed)
    image = Image.frombytes("RGB", (512, 384), os.urandom(512 * 384 * 3))
    for band in range(8):
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        top = band * 48
        image.paste(Image.new("RGB", (512, 24), colour), (0, top))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def save_conversation(config: Path, count: int) -> str:
    from tui_chat.media import store_bytes
    from tui_chat.store import Conversation, ConversationStore, Message, Paths
    from tui_chat.store.conversations import MediaFile

    paths = Paths.resolve(config)
    paths.ensure()
    conversation = Conversation(title=f"{count} images", provider="bench", model="m")
    messages = []
    for i in range(count):
        media = store_bytes(config, conversation.id, picture(i), MediaFile(source="data:"))
        messages.append(Message("user", f"Draw picture {i}, please."))
        messages.append(
            Message(
                "assistant",
                f"Here is picture {i}: bands over noise. img#{i:03d} end.",
                provider="bench",
                model="m",
                media=[media],
            )
        )
    conversation.messages = messages
    ConversationStore(paths).save(conversation)
    return conversation.id


def thumbnails_drawn(app) -> bool:  # type: ignore[no-untyped-def]
    """Every thumbnail in the log's sight has its rows drawn (in the cache)."""
    from tui_chat.ui.widgets.image_view import HalfcellImage, _cached

    log = app.chat.log_view.region
    for widget in app.screen.query(HalfcellImage):
        region = widget.region
        if region.height and region.overlaps(log) and _cached(widget._key()) is None:
            return False
    return True


async def measure(config: Path, cid: str, count: int, size: tuple[int, int]) -> dict:
    from tui_chat.store import Paths
    from tui_chat.ui.app import ChatApp
    from tui_chat.ui.widgets import image_view

    paths = Paths.resolve(config)
    paths.state_file.unlink(missing_ok=True)
    image_view._cache.clear()  # each run decodes afresh
    app = ChatApp.from_paths(paths, environ={}, fetch_models=False)
    async with app.run_test(size=size) as pilot:
        frames = Frames(app)
        await pilot.pause(0.2)
        newest = f"img#{count - 1:03d}"
        t0 = time.perf_counter()
        opening = asyncio.ensure_future(app.chat.open_conversation(cid))
        t1 = await frames.until(
            lambda: newest in screen_text(app) and "▀" in screen_text(app)
            and thumbnails_drawn(app),
            timeout=60,
        )
        await opening
        opened = t1 - t0
        app.chat.prompt.focus()
        await pilot.pause(0.2)
        pages: list[float] = []
        log = app.chat.log_view
        while "img#000" not in screen_text(app) or log.scroll_y > 0:
            before = log.scroll_y
            t0 = time.perf_counter()
            send_key(app, "pageup")
            t1 = await frames.until(
                lambda before=before: log.scroll_y != before and thumbnails_drawn(app),
                timeout=30,
            )
            pages.append(t1 - t0)
            if len(pages) > 400:
                break
    from tui_chat.ui.widgets.image_view import fit, halfcell_strips, image_size

    first = config / app.conversation.messages[1].media[0].path
    cols, rows = fit(image_size(first), size[0] - 8, image_view.THUMBNAIL_ROWS)
    t0 = time.perf_counter()
    halfcell_strips(first, cols, rows)
    decode = time.perf_counter() - t0
    return {"open": opened, "pages": pages, "decode": decode}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", default="120x40")
    args = parser.parse_args()
    size = tuple(int(n) for n in args.size.split("x"))
    with tempfile.TemporaryDirectory(prefix="bench-images-") as tmp:
        config = Path(tmp) / "config"
        write_settings(config, "http://127.0.0.1:9", "m")
        cid = save_conversation(config, args.images)
        results = [
            asyncio.run(measure(config, cid, args.images, size))  # type: ignore[arg-type]
            for _ in range(args.runs)
        ]
    pages = [page for result in results for page in result["pages"]]
    print(f"{args.images} images, {args.size}, {args.runs} runs, {len(pages)} pages scrolled")
    print(row("open until the newest thumbnail is drawn", median([r["open"] for r in results]),
              OPEN_TARGET))  # fmt: skip
    print(row("scroll a page (PgUp), thumbnails drawn: median", median(pages), PAGE_TARGET))
    print(row("scroll a page (PgUp), thumbnails drawn: worst", max(pages), WORST_TARGET))
    print(row("decode and scale one thumbnail (thread)", median([r["decode"] for r in results]),
              None))  # fmt: skip
    sys.stdout.flush()


if __name__ == "__main__":
    main()
