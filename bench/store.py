"""Benchmark of the storage layer against the targets in the storage issue.

    python bench/store.py [--conversations 2000] [--messages 1000] [--runs 7]

Creates conversations of varied sizes in a temporary folder, then measures:
listing without an index (cold), listing with the index a previous run left
(warm, as at app start), and saving a 1,000-message conversation. Prints
each figure beside its target. Figures are medians of several runs.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from copy import deepcopy
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Runnable from a checkout without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tui_chat.store import Conversation, ConversationStore, Message, Paths
from tui_chat.store.codec import encode

LIST_TARGET = 0.2
SAVE_TARGET = 0.050

USER_TEXT = "Can you explain how {topic} works, with an example? Keep it short.\n"
ANSWER_TEXT = (
    "Sure. Here is the idea behind **{topic}**:\n\n"
    "1. First, the input is read.\n2. Then it is transformed.\n\n"
    "```python\ndef example(x):\n    return x * 2  # \"doubled\"\n```\n\n"
    "That is the gist of it. Let me know if you want more detail. "
) * 3


def make_conversation(rng: random.Random, n_messages: int, start: datetime) -> Conversation:
    topic = rng.choice(["TOML", "fsync", "asyncio", "B-trees", "Unicode 😀", "TCP"])
    messages = []
    for i in range(n_messages):
        user = i % 2 == 0
        messages.append(Message(
            role="user" if user else "assistant",
            content=(USER_TEXT if user else ANSWER_TEXT).format(topic=topic),
            created=start + timedelta(seconds=30 * i),
            provider="" if user else "g4f",
            model="" if user else "gpt-4o-mini",
            usage={} if user else {"prompt_tokens": 120, "completion_tokens": 340,
                                   "total_tokens": 460},
            finish_reason="" if user else "stop",
        ))
    return Conversation(
        title=f"About {topic} #{rng.randrange(10_000)}",
        created=start,
        updated=start + timedelta(seconds=30 * n_messages),
        provider="g4f",
        model="gpt-4o-mini",
        parameters={"temperature": 0.7},
        messages=messages,
    )


def populate(paths: Paths, count: int, rng: random.Random) -> int:
    """Write `count` conversation files directly (no fsync: setup, not the thing measured)."""
    paths.ensure()
    start = datetime(2025, 1, 1, tzinfo=UTC)
    total_bytes = 0
    for i in range(count):
        # Mostly short chats, some long ones, a few very long.
        n = rng.choice([2, 4, 6, 10, 20, 40]) if rng.random() < 0.95 else rng.randrange(100, 600)
        c = make_conversation(rng, n, start + timedelta(hours=i))
        data = encode(c)
        total_bytes += len(data)
        (paths.conversations_dir / f"{c.id}.toml").write_bytes(data)
    return total_bytes


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def row(label: str, seconds: float, target: float | None) -> str:
    shown = f"{seconds * 1000:9.1f} ms"
    if target is None:
        return f"  {label:<46}{shown}   (no target; for information)"
    verdict = "ok" if seconds < target else "OVER"
    return f"  {label:<46}{shown}   target < {target * 1000:.0f} ms   {verdict}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(42)

    with tempfile.TemporaryDirectory(prefix="tui-chat-bench-") as tmp:
        paths = Paths(Path(tmp))
        size = populate(paths, args.conversations, rng)
        print(f"{args.conversations} conversations, {size / 1e6:.1f} MB, in {tmp}")

        cold, warm = [], []
        for _ in range(args.runs):
            index = ConversationStore(paths).index_file
            index.unlink(missing_ok=True)
            cold.append(timed(lambda: ConversationStore(paths).list()))
            warm.append(timed(lambda: ConversationStore(paths).list()))
        listed, problems = ConversationStore(paths).list()
        assert len(listed) == args.conversations and not problems
        same_object = ConversationStore(paths)
        same_object.list()
        again = [timed(same_object.list) for _ in range(args.runs)]

        store = ConversationStore(paths)
        big = make_conversation(rng, args.messages, datetime(2026, 1, 1, tzinfo=UTC))
        # The first save of a conversation encodes every message; the next ones (every
        # 2 s while an answer streams) reuse the tables of the messages that did not change.
        firsts = []
        for _ in range(args.runs):
            copy = deepcopy(big)
            firsts.append(timed(lambda copy=copy: store.save(copy)))
        saves = []
        for _ in range(args.runs):
            big.messages[-1].content += " more streamed text"
            saves.append(timed(lambda: store.save(big)))
        encoded = encode(big)
        encode_only = statistics.median(timed(lambda: encode(big)) for _ in range(args.runs))
        copies = [deepcopy(big) for _ in range(args.runs)]
        encode_cold = statistics.median(timed(lambda c=c: encode(c)) for c in copies)

        # The merge path: another instance saved in between, so the file is re-read.
        other = ConversationStore(paths)
        merges = []
        for _ in range(3):
            theirs = other.load(big.id)
            theirs.messages.append(Message("user", "from the other instance"))
            other.save(theirs)
            big.messages.append(Message("user", "from this instance"))
            merges.append(timed(lambda: store.save(big)))

    med = statistics.median
    print()
    print(f"list(), {args.conversations} conversations (median of {args.runs}):")
    print(row("cold: no index, every header read", med(cold), LIST_TARGET))
    print(row("warm: index on disk, new store (app start)", med(warm), LIST_TARGET))
    print(row("warm: same store object again", med(again), LIST_TARGET))
    print()
    print(f"save(), {args.messages} messages, {len(encoded) / 1e6:.2f} MB "
          f"(median of {args.runs}):")
    print(row("save (encode + write + fsync + rename)", med(saves), SAVE_TARGET))
    print(row("  of which encoding to TOML", encode_only, None))
    print(row("first save (no message encoded before)", med(firsts), SAVE_TARGET))
    print(row("  of which encoding to TOML", encode_cold, None))
    print(row("save after another instance wrote (merge)", med(merges), None))


if __name__ == "__main__":
    main()
