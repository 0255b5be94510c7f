"""Read-only and full disks: a clear error, nothing lost, and a later save works."""

from __future__ import annotations

import copy
import errno
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tui_chat.store import Conversation, ConversationStore, Message, Paths, StoreError


def failing(code: int):
    def broken(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    return broken


@pytest.mark.parametrize(
    ("function", "code", "reason"),
    [
        ("replace", errno.EROFS, "Read-only file system"),
        ("write", errno.ENOSPC, "No space left on device"),
        ("open", errno.EACCES, "Permission denied"),
        ("fsync", errno.EIO, "Input/output error"),
    ],
)
def test_failed_save_keeps_everything(
    paths: Paths, monkeypatch, function: str, code: int, reason: str
) -> None:
    store = ConversationStore(paths)
    c = Conversation(title="Foo", messages=[Message("user", "saved")])
    store.save(c)
    c.messages.append(Message("assistant", "only in memory"))
    before = copy.deepcopy(c)
    on_disk = store.path_for(c.id).read_bytes()

    monkeypatch.setattr(os, function, failing(code))
    with pytest.raises(StoreError) as info:
        store.save(c)
    monkeypatch.undo()

    message = str(info.value)
    assert message.startswith(f"Could not save conversation 'Foo' to {store.path_for(c.id)}: ")
    assert reason in message and message.endswith("It is kept in memory; try again.")
    assert info.value.path == store.path_for(c.id)
    assert c == before
    assert store.path_for(c.id).read_bytes() == on_disk
    assert not [p for p in paths.conversations_dir.iterdir() if p.name.endswith(".tmp")]

    store.save(c)  # the retry
    assert ConversationStore(paths).load(c.id) == c


def test_failed_merge_save_does_not_adopt_their_messages(paths: Paths, monkeypatch) -> None:
    a, b = ConversationStore(paths), ConversationStore(paths)
    c = Conversation(messages=[Message("user", "one")])
    a.save(c)
    other = b.load(c.id)
    other.messages.append(Message("user", "from B"))
    b.save(other)
    c.messages.append(Message("user", "from A"))
    before = copy.deepcopy(c)
    monkeypatch.setattr(os, "replace", failing(errno.EROFS))
    with pytest.raises(StoreError):
        a.save(c)
    monkeypatch.undo()
    assert c == before
    a.save(c)
    assert [m.content for m in c.messages] == ["one", "from B", "from A"]


def test_unwritable_folder_for_a_new_conversation(tmp_path: Path, monkeypatch) -> None:
    paths = Paths(tmp_path / "cfg")
    store = ConversationStore(paths)
    monkeypatch.setattr(Path, "mkdir", failing(errno.EROFS))
    c = Conversation(title="New")
    with pytest.raises(StoreError, match=r"Read-only file system\. It is kept in memory"):
        store.save(c)


def test_listing_a_read_only_folder_still_works(paths: Paths, monkeypatch) -> None:
    store = ConversationStore(paths)
    store.save(Conversation(title="x"))
    monkeypatch.setattr(os, "open", failing(errno.EROFS))  # the index cannot be written
    summaries, problems = ConversationStore(paths).list()
    assert [s.title for s in summaries] == ["x"] and problems == []


@pytest.fixture
def tiny_tmpfs(tmp_path: Path):
    mountpoint = tmp_path / "tiny"
    mountpoint.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("a real full disk needs root and mount(8) to create a small tmpfs")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mountpoint)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mounting a small tmpfs is not permitted here: {done.stderr.strip()}")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)


def test_real_full_disk(tiny_tmpfs: Path) -> None:
    paths = Paths(tiny_tmpfs / "cfg")
    paths.ensure()
    store = ConversationStore(paths)
    c = Conversation(title="Big", messages=[Message("user", "small")])
    store.save(c)
    kept = store.path_for(c.id).read_bytes()
    c.messages.append(Message("assistant", "x" * 200_000))
    before = copy.deepcopy(c)
    with pytest.raises(StoreError, match=r"No space left on device\. It is kept in memory"):
        store.save(c)
    assert c == before
    assert store.path_for(c.id).read_bytes() == kept
    assert not [p for p in paths.conversations_dir.iterdir() if p.name.endswith(".tmp")]
    # Make room, retry: nothing was lost.
    subprocess.run(["mount", "-o", "remount,size=2m", str(tiny_tmpfs)], check=True)
    store.save(c)
    assert ConversationStore(paths).load(c.id) == c
