"""Locks: the conversations folder's, for processes, and a store's mutex, for its threads.

`folder_lock` is an advisory lock on the conversations folder, shared by every tui-chat
process.

Held only around read-merge-write in save() and around delete(), which take
milliseconds, so one lock for the folder is simpler than one per file and
costs nothing noticeable. Where fcntl is missing (Windows) or the lock file
cannot be created (read-only folder, where the write will fail anyway with
a clear error) we go on without it rather than refuse to save.

`serialized` runs a ConversationStore method under that store's mutex.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ParamSpec, TypeVar

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".lock"

P = ParamSpec("P")
R = TypeVar("R")


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    if fcntl is None:
        yield
        return
    try:
        fd = os.open(
            folder / LOCK_NAME, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600
        )
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        # Closing releases the flock, also when the process is killed.
        os.close(fd)


def serialized(method: Callable[P, R]) -> Callable[P, R]:
    """Run under the store's mutex: the app calls list() and save() from worker
    threads, and both touch the in-memory index and the seen-stamps."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with args[0]._mutex:  # type: ignore[attr-defined]
            return method(*args, **kwargs)

    return wrapper
