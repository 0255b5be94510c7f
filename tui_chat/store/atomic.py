"""Crash-safe file replacement and moving broken files out of the way.

A write goes to a temporary file in the same folder (same filesystem, so the
rename is atomic), is flushed and fsynced, renamed over the target with
`os.replace`, and then the folder itself is fsynced so the rename survives a
power cut. A kill at any instant therefore leaves the old file or the new
one, never a torn one; at worst a temporary file is left behind, and those
are named `.NAME.RANDOM.tmp` so nothing mistakes them for real data.
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from datetime import UTC, datetime
from pathlib import Path

from tui_chat.store.errors import StoreError, os_reason

TMP_SUFFIX = ".tmp"
# Leftover temp files younger than this may belong to a writer that is still running.
STALE_TMP_SECONDS = 60.0


def tmp_name_for(path: Path) -> Path:
    """A hidden, unique sibling of `path` for staging a write."""
    # os.urandom rather than the secrets module: the same bytes, without the imports
    # (hashlib, hmac) at start-up.
    return path.with_name(f".{path.name}.{os.urandom(6).hex()}{TMP_SUFFIX}")


def is_tmp_name(name: str) -> bool:
    return name.startswith(".") and name.endswith(TMP_SUFFIX)


def fsync_dir(folder: Path) -> None:
    """Make a rename inside `folder` durable; a no-op where folders cannot be opened."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(folder, flags)
    except OSError:
        return  # Windows and some network filesystems: nothing more we can do.
    try:
        os.fsync(fd)
    except OSError:
        pass  # Some filesystems reject fsync on a directory; the data itself is synced.
    finally:
        os.close(fd)


def atomic_write(
    path: Path, data: bytes | str, mode: int | None = None, *, durable: bool = True
) -> None:
    """Replace `path` with `data` so that readers see the old or the new file, never a mix.

    `mode` sets the new file's permissions from the moment it exists (secrets use
    0600); without it an existing file keeps its permissions. `durable=False`
    skips both fsyncs: still atomic for readers and against a killed process, but a
    power cut may lose the write — only for caches that are rebuilt when damaged.
    Raises StoreError on any OS failure, after removing the temporary file.
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    tmp = tmp_name_for(path)
    fd = -1
    try:
        if mode is None:
            try:
                # Keep a user's chmod (say, 0600 on settings.toml) across rewrites.
                keep: int | None = stat.S_IMODE(os.stat(path).st_mode)
            except FileNotFoundError:
                keep = None
        else:
            keep = mode
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        # Created with the final mode so there is no moment where a secret is readable.
        fd = os.open(tmp, flags, 0o600 if keep is not None else 0o666)
        if keep is not None and hasattr(os, "fchmod"):
            os.fchmod(fd, keep)
        view = memoryview(payload)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        if durable:
            os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
    except OSError as exc:
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise StoreError(f"Could not write {path}: {os_reason(exc)}.", path) from exc
    if durable:
        fsync_dir(path.parent)


def corrupt_name(path: Path, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now(UTC)).astimezone().strftime("%Y%m%dT%H%M%S")
    return path.with_name(f"{path.name}.corrupt-{stamp}")


def move_aside(path: Path) -> Path | None:
    """Rename a broken file to `NAME.corrupt-<timestamp>` without ever overwriting anything.

    Returns the new path, or None when the file could not be moved (read-only
    folder, or it vanished) — it is then left exactly where it was.
    """
    base = corrupt_name(path)
    for counter in range(1, 1000):
        target = base if counter == 1 else base.with_name(f"{base.name}-{counter}")
        try:
            # link() fails if the target exists, unlike rename(): no silent overwrite.
            os.link(path, target)
        except FileExistsError:
            continue
        except OSError:
            if target.exists():
                continue
            try:
                os.rename(path, target)  # filesystems without hard links
            except OSError:
                return None
            fsync_dir(path.parent)
            return target
        try:
            os.unlink(path)
        except OSError:
            # Could not remove the original: undo, so there is a single copy to reason about.
            with contextlib.suppress(OSError):
                os.unlink(target)
            return None
        fsync_dir(path.parent)
        return target
    return None


def remove_stale_tmp_files(folder: Path, max_age: float = STALE_TMP_SECONDS) -> int:
    """Delete temp files left by killed writers; young ones may still be in use."""
    removed = 0
    cutoff = time.time() - max_age
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if not is_tmp_name(entry.name):
            continue
        with contextlib.suppress(OSError):
            if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                os.unlink(entry.path)
                removed += 1
    return removed
