from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from tui_chat.store import StoreError, atomic_write
from tui_chat.store.atomic import is_tmp_name, move_aside, remove_stale_tmp_files


def test_writes_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "f.toml"
    atomic_write(target, "one")
    atomic_write(target, b"two")
    assert target.read_text() == "two"
    assert os.listdir(tmp_path) == ["f.toml"]


def test_mode_is_applied(tmp_path: Path) -> None:
    target = tmp_path / "secret"
    atomic_write(target, "x", mode=0o600)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_existing_mode_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "f"
    target.write_text("a")
    target.chmod(0o640)
    atomic_write(target, "b")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


@pytest.mark.parametrize("code", [errno.EROFS, errno.ENOSPC, errno.EACCES])
def test_failure_raises_store_error_and_keeps_old_file(
    tmp_path: Path, monkeypatch, code: int
) -> None:
    target = tmp_path / "f"
    target.write_text("old")

    def broken(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(StoreError) as info:
        atomic_write(target, "new")
    assert os.strerror(code) in str(info.value)
    assert str(target) in str(info.value)
    assert info.value.path == target
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["f"], "the temporary file must be removed"


def test_short_writes_are_completed(tmp_path: Path, monkeypatch) -> None:
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, bytes(data[:3])))
    atomic_write(tmp_path / "f", "abcdefghij")
    monkeypatch.undo()
    assert (tmp_path / "f").read_text() == "abcdefghij"


def test_move_aside_never_overwrites(tmp_path: Path) -> None:
    first = tmp_path / "settings.toml"
    first.write_text("one")
    moved1 = move_aside(first)
    first.write_text("two")
    moved2 = move_aside(first)
    assert moved1 is not None and moved2 is not None
    assert moved1 != moved2
    assert moved1.name.startswith("settings.toml.corrupt-")
    assert moved1.read_text() == "one" and moved2.read_text() == "two"
    assert not first.exists()


def test_stale_tmp_files_are_removed_young_ones_kept(tmp_path: Path) -> None:
    old = tmp_path / ".a.toml.abc.tmp"
    young = tmp_path / ".b.toml.def.tmp"
    old.write_text("x")
    young.write_text("y")
    os.utime(old, (0, 0))
    assert is_tmp_name(old.name)
    assert remove_stale_tmp_files(tmp_path) == 1
    assert not old.exists() and young.exists()
