"""The search index's database: its version, its tables, and opening it (or giving it up)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import unicodedata
from dataclasses import dataclass
from pathlib import Path

Stamp = tuple[int, int, int]

SCHEMA = 3
#: Changes when what `feed` (fts_feed.py) makes changes: an index made otherwise is
#: built again.
FEED = f"1/{unicodedata.unidata_version}"
#: A conversation's messages have the rowids slot << SLOT_BITS + their place, in one slot
#: or more (1,024 messages each): SQLite groups a search's rows by conversation with
#: `rowid >> SLOT_BITS`, in C (Python went through each row: 900,000 for "the"). Small
#: slots keep the gaps between rowids, and so the index (~25% of the files), small.
#: (The other fts modules read it as `fts_schema.SLOT_BITS`, so that a test can change it.)
SLOT_BITS = 10
BASE = 1 << 40  # the first slot
#: How long a write waits for another process's (its own search goes on meanwhile: WAL).
BUSY_SECONDS = 2.0


class IndexUnusable(Exception):
    """The index cannot be used now (locked by another process, damaged, no cache folder):
    the caller reads the files instead."""


@dataclass
class Conv:
    """One conversation as indexed (a row of `convs`)."""

    n: int
    stamp: Stamp
    lo: int
    count: int
    laid_out: bool


def slots(count: int) -> int:
    """How many slots `count` messages take."""
    return max(1, -(-count >> SLOT_BITS))


_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS convs(
    n INTEGER PRIMARY KEY,
    cid TEXT NOT NULL UNIQUE,
    ino INTEGER, mtime INTEGER, size INTEGER,
    lo INTEGER, count INTEGER,
    starts BLOB
);
CREATE TABLE IF NOT EXISTS terms(term TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS words USING fts5(
    text, content='', detail=none, tokenize='unicode61 remove_diacritics 0'
);
"""


def is_locked(error: sqlite3.Error) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text


def connect(db_path: Path) -> sqlite3.Connection:
    """A connection to the index at `db_path`, made (or made again, when of another
    version or damaged) as needed. Raises IndexUnusable."""
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(
            db_path, timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False
        )
    except (OSError, sqlite3.Error) as exc:
        raise IndexUnusable(str(exc)) from exc
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(_SCHEMA_SQL)
        meta = dict(db.execute("SELECT key, value FROM meta"))
        if not meta:
            db.executemany(
                "INSERT OR IGNORE INTO meta VALUES (?, ?)",
                [("schema", SCHEMA), ("feed", FEED), ("up", BASE), ("down", BASE),
                 ("garbage", 0)],
            )  # fmt: skip
        elif meta.get("schema") != SCHEMA or meta.get("feed") != FEED:
            db.close()
            delete_files(db_path)
            return connect(db_path)
    except sqlite3.DatabaseError as exc:
        db.close()
        if isinstance(exc, sqlite3.OperationalError) and is_locked(exc):
            raise IndexUnusable(str(exc)) from exc
        # Damaged (or not a database at all): it is only a cache.
        delete_files(db_path)
        raise IndexUnusable(str(exc)) from exc
    return db


def delete_files(db_path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(OSError):
            os.unlink(f"{db_path}{suffix}")
