"""Bringing the search index in line with the conversation files: their messages fed to FTS5."""

from __future__ import annotations

import array
import contextlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from tui_chat.store import fts_schema, lazy
from tui_chat.store.codec import NewerSchema, Unreadable, parse_header
from tui_chat.store.fts_feed import feed, words
from tui_chat.store.fts_layout import MULTI_LINE, content_of, contents_of
from tui_chat.store.fts_schema import BASE, Stamp, slots

#: Rows left behind by conversations indexed again, past which the index is rebuilt
#: (or as many as it has live rows, whichever is more).
MAX_GARBAGE = 200_000
#: A transaction of `update` holds the write lock at most about this long.
BATCH_SECONDS = 0.25


class _NotLaidOut(Exception):
    """A table of a huge file is not as the codec writes it: the file is parsed whole."""


def update(
    db: sqlite3.Connection, folder: Path, stamps: dict[str, Stamp], updated: dict[str, float],
    stop: Callable[[], bool] | None,
) -> bool:  # fmt: skip
    """Bring the index in line with the files of `folder`: `stamps` and `updated` (a sort
    key) of every conversation listed. Returns False when stopped before the end (what was
    done is kept). Raises sqlite3.Error."""
    meta = dict(db.execute("SELECT key, value FROM meta"))
    live = db.execute("SELECT coalesce(sum(count), 0) FROM convs").fetchone()[0]
    if int(meta["garbage"]) > max(MAX_GARBAGE, live):
        _clear(db)
    indexed = {
        cid: ((ino, mtime, size), n, count)
        for n, cid, ino, mtime, size, count in db.execute(
            "SELECT n, cid, ino, mtime, size, count FROM convs"
        )
    }
    gone = [cid for cid in indexed if cid not in stamps]
    if gone:
        db.execute("BEGIN IMMEDIATE")
        db.executemany("DELETE FROM convs WHERE cid = ?", [(cid,) for cid in gone])
        left = sum(indexed[cid][2] for cid in gone)
        db.execute("UPDATE meta SET value = value + ? WHERE key = 'garbage'", (left,))
        db.execute("COMMIT")
    todo = [cid for cid, stamp in stamps.items() if indexed.get(cid, (None,))[0] != stamp]
    # A first build goes newest first, its rowids downwards; later changes upwards,
    # oldest first: descending rowids then visit the newest conversations first.
    downwards = not indexed
    todo.sort(key=lambda cid: updated.get(cid, 0.0), reverse=downwards)
    if not todo:
        return True
    known: set[str] = {row[0] for row in db.execute("SELECT term FROM terms")}
    at = 0
    while at < len(todo):
        if stop is not None and stop():
            return False
        db.execute("BEGIN IMMEDIATE")
        try:
            deadline = time.monotonic() + BATCH_SECONDS
            while at < len(todo) and time.monotonic() < deadline:
                _index_one(db, folder, todo[at], downwards, known)
                at += 1
            db.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            raise
    return True


def _clear(db: sqlite3.Connection) -> None:
    db.execute("BEGIN IMMEDIATE")
    db.execute("DELETE FROM convs")
    db.execute("DELETE FROM terms")
    db.execute("INSERT INTO words(words) VALUES ('delete-all')")
    db.execute("UPDATE meta SET value = ? WHERE key IN ('up', 'down')", (BASE,))
    db.execute("UPDATE meta SET value = 0 WHERE key = 'garbage'")
    db.execute("COMMIT")


def _index_one(
    db: sqlite3.Connection, folder: Path, cid: str, downwards: bool, known: set[str]
) -> None:
    try:
        f = open(os.path.join(folder, f"{cid}.toml"), "rb")  # noqa: SIM115
    except FileNotFoundError:
        f = None
    with f if f is not None else contextlib.nullcontext():
        stamp = None
        if f is not None:
            st = os.fstat(f.fileno())
            stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        old = db.execute("SELECT n, ino, mtime, size, count FROM convs WHERE cid = ?", (cid,))
        row = old.fetchone()
        if row is not None:
            if tuple(row[1:4]) == stamp:
                return  # indexed meanwhile (another process)
            db.execute("DELETE FROM convs WHERE n = ?", (row[0],))
            db.execute("UPDATE meta SET value = value + ? WHERE key = 'garbage'", (row[4],))
        if f is None or stamp is None:
            return  # gone: the next update forgets it
        huge = stamp[2] >= lazy.LAZY_BYTES
        if huge and _index_huge(db, cid, f, stamp, downwards, known):
            return
        f.seek(0)
        contents, starts = contents_of(f.read(), cid)
    lo = _allocate(db, len(contents), downwards)
    fed = [feed(content) for content in contents]
    db.executemany(
        "INSERT INTO words(rowid, text) VALUES (?, ?)",
        zip(range(lo, lo + len(fed)), fed, strict=True),
    )
    new: set[str] = set()
    for text in fed:
        new.update(words(text))
    _add_terms(db, new, known)
    _add_conv(db, cid, stamp, lo, len(contents), starts)


def _index_huge(
    db: sqlite3.Connection, cid: str, f: BinaryIO, stamp: Stamp, downwards: bool,
    known: set[str],
) -> bool:  # fmt: skip
    """A huge file indexed a table at a time (read whole, a 100,000-message file took
    ~250 MB at its peak); False when it is not in the codec's layout."""
    starts, _streaming, size = lazy.scan(f)
    if not starts:
        return False
    f.seek(0)
    try:
        _header, count = parse_header(f.read(min(starts[0], 1 << 20)), cid)
    except (Unreadable, NewerSchema):
        return False
    if count != len(starts):
        return False  # a table the scan did not see: not the codec's layout
    lo = _allocate(db, count, downwards)
    new: set[str] = set()
    ends = [*starts[1:], size]

    def rows() -> Iterator[tuple[int, str]]:
        f.seek(starts[0])
        for position, end in enumerate(ends):
            table = f.read(end - starts[position])
            content = None if MULTI_LINE.search(table) else content_of(table)
            if content is None:
                raise _NotLaidOut
            fed = feed(content)
            new.update(words(fed))
            yield lo + position, fed

    db.execute("SAVEPOINT huge")
    try:
        db.executemany("INSERT INTO words(rowid, text) VALUES (?, ?)", rows())
    except _NotLaidOut:
        db.execute("ROLLBACK TO huge")
        db.execute("RELEASE huge")
        return False
    db.execute("RELEASE huge")
    _add_terms(db, new, known)
    _add_conv(db, cid, stamp, lo, count, [*starts, size])
    return True


def _allocate(db: sqlite3.Connection, count: int, downwards: bool) -> int:
    """The first rowid of the slots for `count` messages."""
    key = "down" if downwards else "up"
    (next_slot,) = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    first = next_slot - slots(count) if downwards else next_slot
    after = first if downwards else first + slots(count)
    db.execute("UPDATE meta SET value = ? WHERE key = ?", (after, key))
    return first << fts_schema.SLOT_BITS


def _add_terms(db: sqlite3.Connection, new: set[str], known: set[str]) -> None:
    new -= known
    if new:
        db.executemany("INSERT OR IGNORE INTO terms VALUES (?)", [(t,) for t in new])
        known |= new


def _add_conv(
    db: sqlite3.Connection, cid: str, stamp: Stamp, lo: int, count: int,
    starts: list[int] | None,
) -> None:  # fmt: skip
    blob = array.array("q", starts).tobytes() if starts is not None else None
    db.execute(
        "INSERT INTO convs(cid, ino, mtime, size, lo, count, starts) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (cid, *stamp, lo, count, blob),
    )
