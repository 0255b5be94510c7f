"""Two instances on one folder, and a writer killed with SIGKILL mid-write."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
import tomllib
from pathlib import Path

from tui_chat.store import Conversation, ConversationStore, Message, Paths

REPO = str(Path(__file__).resolve().parents[2])


def test_two_stores_keep_both_sides(paths: Paths) -> None:
    a, b = ConversationStore(paths), ConversationStore(paths)
    c = Conversation(title="shared", messages=[Message("user", "first")])
    a.save(c)
    mine, theirs = a.load(c.id), b.load(c.id)
    mine.messages.append(Message("user", "from A"))
    a.save(mine)
    theirs.messages.append(Message("user", "from B"))
    b.save(theirs)  # finds A's version on disk and merges
    on_disk = [m.content for m in ConversationStore(paths).load(c.id).messages]
    assert on_disk == ["first", "from A", "from B"]
    assert [m.content for m in theirs.messages] == on_disk, "B's memory now has A's message"
    # A saves again with a stale view: nothing of B's is lost either.
    mine.messages.append(Message("assistant", "A again"))
    a.save(mine)
    assert [m.content for m in ConversationStore(paths).load(c.id).messages] == [
        "first", "from A", "from B", "A again"]


def test_streaming_update_wins_over_stale_copy(paths: Paths) -> None:
    a, b = ConversationStore(paths), ConversationStore(paths)
    answer = Message("assistant", "Once upon", status="streaming")
    c = Conversation(messages=[Message("user", "story?"), answer])
    a.save(c)
    other = b.load(c.id)
    assert other.messages[1].status == "stopped"
    answer.content += " a time, the end."
    answer.status = "complete"
    a.save(c)
    other.messages.append(Message("user", "another"))
    b.save(other)
    final = ConversationStore(paths).load(c.id)
    assert [(m.content, m.status) for m in final.messages] == [
        ("story?", "complete"), ("Once upon a time, the end.", "complete"),
        ("another", "complete")]


def test_message_identity_is_kept_for_the_ui(paths: Paths) -> None:
    a, b = ConversationStore(paths), ConversationStore(paths)
    c = Conversation(messages=[Message("assistant", "x", status="streaming")])
    a.save(c)
    other = b.load(c.id)
    streaming = c.messages[0]
    other.messages.append(Message("user", "y"))
    b.save(other)
    c.messages[0].content = "xx"
    a.save(c)
    assert c.messages[0] is streaming and len(c.messages) == 2


def test_our_deletions_are_not_undone(paths: Paths) -> None:
    a, b = ConversationStore(paths), ConversationStore(paths)
    c = Conversation(messages=[Message("user", "q"), Message("assistant", "bad answer")])
    a.save(c)
    other = b.load(c.id)
    del c.messages[1]  # "regenerate" in A
    other.messages.append(Message("user", "B's question"))
    b.save(other)
    a.save(c)
    assert [m.content for m in ConversationStore(paths).load(c.id).messages] == [
        "q", "B's question"]


def test_header_fields_ours_win_but_an_empty_title_takes_theirs(paths: Paths) -> None:
    a, b = ConversationStore(paths), ConversationStore(paths)
    c = Conversation(model="m1")
    a.save(c)
    other = b.load(c.id)
    other.title = "Named by B"
    b.save(other)
    c.model = "m2"
    a.save(c)
    final = ConversationStore(paths).load(c.id)
    assert (final.title, final.model) == ("Named by B", "m2")


CHILD_APPEND = textwrap.dedent("""
    import sys
    from tui_chat.store import ConversationStore, Message, Paths
    store = ConversationStore(Paths(sys.argv[1]))
    c = store.load(sys.argv[2])
    for i in range(int(sys.argv[4])):
        c.messages.append(Message("user", f"{sys.argv[3]}-{i}"))
        store.save(c)
""")


def test_two_processes_lose_nothing(paths: Paths) -> None:
    c = Conversation(messages=[Message("user", "start")])
    ConversationStore(paths).save(c)
    env = {**os.environ, "PYTHONPATH": REPO}
    n = 25
    children = [
        subprocess.Popen([sys.executable, "-c", CHILD_APPEND, str(paths.config_dir), c.id,
                          name, str(n)], env=env)
        for name in ("A", "B")
    ]
    for child in children:
        assert child.wait(timeout=120) == 0
    contents = [m.content for m in ConversationStore(paths).load(c.id).messages]
    assert sorted(contents) == sorted(["start"] + [f"{w}-{i}" for w in "AB" for i in range(n)])
    assert [x for x in contents if x.startswith("A")] == [f"A-{i}" for i in range(n)]


CHILD_WRITE_LOOP = textwrap.dedent("""
    import sys
    from tui_chat.store import Conversation, ConversationStore, Message, Paths
    store = ConversationStore(Paths(sys.argv[1]))
    c = Conversation(title="growing")
    i = 0
    while True:
        c.messages.append(Message("assistant", f"{i} " + "lorem \\"ipsum\\" 😀\\n" * 300))
        store.save(c)
        i += 1
        if i % 20 == 0:
            c = Conversation(title=f"next {i}")
""")


def test_kill_9_mid_write_leaves_only_whole_files(paths: Paths) -> None:
    env = {**os.environ, "PYTHONPATH": REPO}
    rng = random.Random(1234)
    for _round in range(6):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD_WRITE_LOOP, str(paths.config_dir)], env=env)
        time.sleep(0.4 + rng.random() * 0.6)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
        assert child.returncode == -signal.SIGKILL
    folder = paths.conversations_dir
    tomls = list(folder.glob("*.toml"))
    assert len(tomls) >= 6
    for path in tomls:
        data = tomllib.loads(path.read_text(encoding="utf-8"))  # must not raise
        assert data["message_count"] == len(data["messages"])
    store = ConversationStore(paths)
    summaries, problems = store.list()
    assert problems == []
    assert {s.path for s in summaries} == set(tomls)
    for summary in summaries:
        assert len(store.load(summary.id).messages) == summary.message_count
    assert not list(folder.glob("*.corrupt-*"))
