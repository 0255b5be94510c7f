"""The trash: what it lists, restoring without ever overwriting, purging old files."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta

import pytest

from tui_chat.store import (
    Conversation,
    ConversationNotFound,
    ConversationStore,
    Message,
    Paths,
    StoreError,
)
from tui_chat.store import trash as trash_module


def saved(store: ConversationStore, title: str, *texts: str) -> Conversation:
    c = Conversation(title=title, messages=[Message("user", t) for t in texts])
    store.save(c)
    return c


def test_deleted_conversations_are_listed_newest_deletion_first(store, paths: Paths) -> None:
    first = saved(store, "First", "hello\nthere", "second message")
    second = saved(store, "Second", "other")
    before = datetime.now(UTC) - timedelta(seconds=2)
    store.delete(first.id)
    time.sleep(0.02)
    store.delete(second.id)
    listed, problems = store.trashed()
    assert problems == []
    assert [t.conversation_id for t in listed] == [second.id, first.id]
    entry = listed[1]
    assert (entry.title, entry.message_count) == ("First", 2)
    assert entry.preview.text == "hello there"
    assert entry.deleted >= before and entry.deleted > first.updated


def test_restore_brings_the_file_back_as_it_was(store, paths: Paths) -> None:
    c = saved(store, "Keep me", "one", "two")
    original = store.path_for(c.id).read_bytes()
    store.list()
    trashed = store.delete(c.id)
    assert store.list()[0] == []
    restored = store.restore(trashed)
    assert (restored.conversation_id, restored.title, restored.renamed) == (c.id, "Keep me", False)
    assert store.path_for(c.id).read_bytes() == original
    assert not trashed.exists() and store.trashed()[0] == []
    assert [s.id for s in store.list()[0]] == [c.id]
    assert [m.content for m in store.load(c.id).messages] == ["one", "two"]


def test_restore_never_overwrites_a_conversation_of_the_same_id(store, paths: Paths) -> None:
    c = saved(store, "Old", "old words")
    trashed = store.delete(c.id)
    again = Conversation(id=c.id, title="New", messages=[Message("user", "new words")])
    store.save(again)  # saved again since, e.g. by another instance that had it open
    now_on_disk = store.path_for(c.id).read_bytes()
    restored = store.restore(trashed)
    assert restored.renamed and restored.conversation_id != c.id
    assert store.path_for(c.id).read_bytes() == now_on_disk
    back = store.load(restored.conversation_id)
    assert (back.id, back.title, [m.content for m in back.messages]) == (
        restored.conversation_id,
        "Old",
        ["old words"],
    )
    assert not trashed.exists()
    assert {s.title for s in store.list()[0]} == {"Old", "New"}


def test_an_unreadable_file_stays_in_the_trash(store, paths: Paths) -> None:
    paths.trash_dir.mkdir()
    broken = paths.trash_dir / "abc.toml"
    broken.write_text('title = "unterminated\n')
    listed, problems = store.trashed()
    assert listed == [] and len(problems) == 1 and "abc.toml" in problems[0].message
    with pytest.raises(StoreError, match="left in the trash"):
        store.restore(broken)
    assert broken.exists() and store.list()[0] == []


def test_restore_refuses_what_is_not_in_the_trash(store, paths: Paths, tmp_path) -> None:
    c = saved(store, "Here", "x")
    with pytest.raises(StoreError, match="not a conversation in the trash"):
        store.restore(store.path_for(c.id))
    paths.trash_dir.mkdir()
    with pytest.raises(ConversationNotFound):
        store.restore(paths.trash_dir / "gone.toml")


def test_purge_removes_only_old_deletions_named_as_delete_names_them(store, paths) -> None:
    old = saved(store, "Old", "x")
    store.delete(old.id)
    saved_again = saved(store, "Old", "y")
    second = store.delete(saved_again.id)  # <id>-<time>-2.toml
    assert second.name != f"{old.id}.toml"
    notes = paths.trash_dir / "my notes.txt"
    notes.write_text("mine")
    assert store.purge_trash() == []  # nothing is 30 days old
    later = datetime.now(UTC) + timedelta(days=31)
    removed = trash_module.purge(paths.trash_dir, now=later)
    assert {p.name for p in removed} == {f"{old.id}.toml", second.name}
    assert [p.name for p in paths.trash_dir.iterdir()] == ["my notes.txt"]


def test_a_file_trashed_by_an_older_version_is_judged_by_when_it_moved(store, paths) -> None:
    # Older versions kept the time of the last save: a file saved 40 days ago and
    # deleted today must not be purged as if deleted 40 days ago.
    c = saved(store, "Saved long ago", "x")
    trashed = store.delete(c.id)
    long_ago = time.time() - 40 * 86400
    os.utime(trashed, (long_ago, long_ago))  # (its ctime stays: the move was today)
    assert store.purge_trash() == [] and trashed.exists()
