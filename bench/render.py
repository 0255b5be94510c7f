"""Markdown rendering alone: tui-chat's renderer beside Rich's Markdown, same text.

    python bench/render.py [--chunks 10000] [--width 100] [--runs 3]

Renders the stream benchmark's Markdown answer (paragraphs, lists, Python code fences),
cut into the pieces the app shows, to terminal lines at one width, with
`tui_chat.ui.widgets.markdown.render.render_markdown` and with `rich.markdown.Markdown` (what the
app used before). Prints milliseconds per kilobyte of text, best of --runs.

Then a stream's paint without the screen: the answer's body (`MarkdownBody`) given 20
more chunks (`set_text`: cutting finished pieces) and its bottom rendered (the open tail
and the last screenful), for the Markdown answer and for one paragraph of N words
(`w0 w1 ...`, bench/stream.py --answer para), at --chunks and at a tenth of it: the median
paint, and the mean paint over the last tenth of the stream against the first tenth (the
cost must not grow with the answer or with one paragraph). No targets: this explains the
frame costs of bench/stream.py, latency.py and history.py.
"""

from __future__ import annotations

import argparse
import io
import time

from _common import median, row
from _servers import answer_text, chunks_of


def best(runs: int, work) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        work()
        times.append(time.perf_counter() - t0)
    return min(times)


def paint_costs(chunks: tuple[str, ...], width: int, every: int = 20) -> list[float]:
    """Seconds of each paint of a stream of `chunks`, `every` chunks a paint."""
    from tui_chat.ui.widgets.markdown.block import MarkdownBody

    body = MarkdownBody("", streaming=True)
    text = ""
    costs = []
    for start in range(0, len(chunks), every):
        text += "".join(chunks[start : start + every])
        t0 = time.perf_counter()
        body.set_text(text)
        body._render_bottom(width, 40)
        costs.append(time.perf_counter() - t0)
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--width", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from rich.console import Console
    from rich.markdown import Markdown

    from tui_chat.ui.widgets.markdown.render import warm_up
    from tui_chat.ui.widgets.markdown.render_piece import render_piece
    from tui_chat.ui.widgets.markdown.split import split_all

    text = answer_text(args.chunks)
    pieces = split_all(text)
    # Rich renders each piece's text alone (a piece inside a code fence with its fence's
    # line before it); tui-chat renders them in order, each going on from the last.
    texts = [f"{p.fence}\n{p.raw}" if p.fence else p.raw for p in pieces]
    kb = len(text) / 1000
    console = Console(width=args.width, file=io.StringIO(), color_system="truecolor")
    options = console.options.update_width(args.width)
    warm_up()

    def ours() -> None:
        carry = None
        for piece in pieces:
            _, carry = render_piece(piece, args.width, carry=carry)

    def rich() -> None:
        for piece in texts:
            console.render_lines(Markdown(piece, code_theme="monokai"), options, pad=False)

    rich()  # imports and caches
    t_ours = best(args.runs, ours)
    t_rich = best(args.runs, rich)
    print(f"\nrender: {kb:.0f} kB of Markdown in {len(pieces)} pieces at width {args.width}")
    print(row("tui-chat renderer, per kB", t_ours / kb, None))
    print(row("rich.markdown.Markdown, per kB", t_rich / kb, None))
    print(row("rich / tui-chat", t_rich / t_ours, None, "x"))

    print(f"\nstream paints (20 chunks each) at width {args.width}, best of {args.runs}:")
    for kind, name in (("md", "Markdown answer"), ("para", "one paragraph")):
        for n in (args.chunks // 10, args.chunks):
            runs = [paint_costs(chunks_of(kind, n), args.width) for _ in range(args.runs)]
            costs = min(runs, key=sum)
            tenth = max(1, len(costs) // 10)
            first, last = sum(costs[:tenth]) / tenth, sum(costs[-tenth:]) / tenth
            label = f"{name}, {n:,} chunks"
            print(row(f"{label}: median paint", median(costs), None, "ms"))
            print(row(f"{label}: last / first tenth", last / first, None, "x"))


if __name__ == "__main__":
    main()
