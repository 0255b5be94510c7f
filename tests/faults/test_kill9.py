"""kill -9 of the real `tui-chat` (in tmux) while an answer streams, then a restart.

The app appends a streaming answer's text to a journal beside the conversation file as it
arrives (tui_chat/store/journal.py), so after the kill the conversation holds the typed
message and the answer up to at most 0.5 s (one word of the `slow` model) before the kill;
the restarted app folds the journal in, lists the conversation and shows it stopped, with
ctrl+l to continue. (kill -9 during a save, many times
over: tests/store/test_store_concurrency.py::test_kill_9_mid_write_leaves_only_whole_files.)
"""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

from e2e.conftest import Tmux, app_command, app_env, tmux, upstream, write_settings
from e2e.test_tmux import pytestmark

from tui_chat.store import ConversationStore, Paths

__all__ = ["pytestmark", "tmux", "upstream"]  # the e2e marks and fixtures


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def app_pid(session: Tmux) -> int:
    pane = int(session.run("list-panes", "-t", session.name, "-F", "#{pane_pid}").split()[0])
    for pid in descendants(pane):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"tui_chat" in cmdline:
            return pid
    raise AssertionError("the tui-chat process was not found")


def words_seen(screen: str) -> int:
    return len(set(re.findall(r"\bs(\d+)\b", screen)))


def test_kill_9_while_streaming_then_restart_shows_everything(tmux, upstream, tmp_path):
    config = tmp_path / "config"
    write_settings(config, upstream, "slow")
    tmux.start(app_command(config), app_env())
    tmux.wait_for("Type a message")
    tmux.type("please survive a crash")
    tmux.wait_for("please survive a crash")
    tmux.keys("Enter")
    tmux.wait_for("s6 ")  # 3 s of answer
    pid = app_pid(tmux)
    seen = words_seen(tmux.screen())
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    # What is on disk.
    store = ConversationStore(Paths(config))
    summaries, problems = store.list()
    assert problems == []
    [summary] = summaries
    conversation = store.load(summary.id)
    user, answer = conversation.messages
    assert user.content == "please survive a crash"
    assert answer.status == "stopped"  # it was streaming when the app was killed
    assert answer.content.startswith("s0 s1 s2 ")
    saved_words = len(answer.content.split())
    assert saved_words >= seen - 1, (saved_words, seen)
    assert not list((config / "conversations").glob("*.tmp"))
    # Restart: the conversation is listed, and opening it shows both messages.
    tmux.kill()
    again = Tmux("again")
    try:
        again.start(app_command(config), app_env(), width=80, height=24)
        again.wait_for("Type a message")
        again.keys("C-b")  # the sidebar (hidden below 90 columns), focus in its tree
        again.wait_for("please survive a crash")  # the conversation list
        again.keys("Tab")
        again.keys("Enter")
        screen = again.wait_for("s0 s1 s2")
        assert "stopped · ctrl+l continues" in screen
        again.keys("C-q")
    finally:
        again.kill()
