"""The search index (F3): the words of every message in an SQLite FTS5 table, kept in the
cache folder (`Paths.search_index_file`).

The conversation files stay the source of truth; the index is derived from them and
checked against them at every search. A file whose stamp (inode, mtime, size) differs
from the one indexed, or that is not indexed yet, is searched by reading it (as
search.py's scan does) and indexed afterwards (`update`); a file gone is left out at
once. An index that is missing, of another version, damaged or locked is not used: the
search scans the files, and a damaged one is deleted and built again. An index can only
make a search faster, never different: each candidate it names is checked against the
message read from the file, with search.py's matching (case and accents ignored, the
words typed anywhere in the text).

What it holds (schema 1):

- convs: one row per conversation file as indexed: its stamp; the rowids of its messages
  in `words`, lo .. lo + count - 1 in order (lo: a slot's first rowid, see SLOT_BITS);
  where each [[messages]] table starts in the
  file (and where the last ends), so that a search reads only the message that matched
  (NULL for a file not in the codec's layout, such as a hand edit: the whole file is
  parsed then);
- words: FTS5, contentless, without positions: each message's text as the tokenizer gets
  it (`feed`: folded as search.py folds, letters other than ASCII spelled in ASCII, so
  that Python knows exactly where SQLite cuts words);
- terms: every word in `words`, for what was typed inside or at the end of a word
  ("ologis" in "marzipanologist"): a LIKE over the words, then those words in FTS5;
- meta: the schema, the Unicode version folding used, the next rowids, and how many rows
  conversations indexed again left behind (a contentless table cannot delete a row
  without its text; a search skips rows outside every conversation's range). Past
  `MAX_GARBAGE` the index is built again.

Slots of a first build go down from `BASE`, newest conversation first; later ones go up
from it. So slots in descending order visit conversations roughly newest first, which is
the order results are shown in: a search checks the conversations indexed last first,
and shows their results at once.
"""

from __future__ import annotations

import array
import contextlib
import os
import re
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from json.decoder import scanstring
from pathlib import Path
from typing import BinaryIO

from tui_chat.store import lazy
from tui_chat.store.codec import NewerSchema, Unreadable, parse_conversation, parse_header
from tui_chat.store.conversations import ConversationSummary
from tui_chat.store.search import (
    MessageMatch,
    SearchHit,
    can_prefilter,
    find_folded,
    fold,
    preview,
    scan_file,
)

Stamp = tuple[int, int, int]

SCHEMA = 3
#: Changes when what `feed` makes changes: an index made otherwise is built again.
FEED = f"1/{unicodedata.unidata_version}"
#: A conversation's messages have the rowids slot << SLOT_BITS + their place, in one slot
#: or more (1,024 messages each): SQLite groups a search's rows by conversation with
#: `rowid >> SLOT_BITS`, in C (Python went through each row: 900,000 for "the"). Small
#: slots keep the gaps between rowids, and so the index (~25% of the files), small.
SLOT_BITS = 10
BASE = 1 << 40  # the first slot
#: The conversations indexed last whose candidates are checked first (their results go
#: to the screen at once), before the others'.
EARLY = 40
#: A word typed inside other words narrows the search while it is inside at most this
#: many different words; beyond, the other words typed narrow it (or the files are read).
MAX_TERMS = 2000
#: Rows left behind by conversations indexed again, past which the index is rebuilt
#: (or as many as it has live rows, whichever is more).
MAX_GARBAGE = 200_000
#: How long a write waits for another process's (its own search goes on meanwhile: WAL).
BUSY_SECONDS = 2.0
#: A transaction of `update` holds the write lock at most about this long.
BATCH_SECONDS = 0.25
#: Partial results go to the caller at most this often (the first ones at once).
PARTIAL_EVERY = 0.25

_BLOCK = b"\n[[messages]]\n"
_CONTENT = b"\ncontent = "
_WORD = re.compile(r"[a-z0-9]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_NO_ESCAPE_JSON_ONLY = re.compile(r"\\(?:/|u[dD][89a-fA-F])")


class IndexUnusable(Exception):
    """The index cannot be used now (locked by another process, damaged, no cache folder):
    the caller reads the files instead."""


# --- what the tokenizer gets ---------------------------------------------------------------

_spelled: dict[str, str] = {}


def _spell(match: re.Match[str]) -> str:
    char = match.group()
    spelled = _spelled.get(char)
    if spelled is None:
        if char.isalnum():
            # "q" and four base-36 digits: a letter of any script becomes part of the
            # ASCII word it is in, as it was part of the word in the text.
            code, digits = ord(char), ""
            for _ in range(4):
                code, digit = divmod(code, 36)
                digits = _B36[digit] + digits
            spelled = "q" + digits
        else:
            spelled = " "
        _spelled[char] = spelled
    return spelled


def feed(text: str) -> str:
    """`text` as the FTS5 tokenizer gets it. ASCII text goes as it is (SQLite's unicode61
    tokenizer folds its case and cuts it at every character that is not a letter or a
    digit); other text is folded as search.py folds it and its other characters become
    ASCII: letters and digits spelled, the rest spaces. Python then cuts words exactly
    where SQLite does (`_WORD`), and a folded needle inside a folded text stays inside it
    once both are fed."""
    if text.isascii():
        return text
    return _NON_ASCII.sub(_spell, fold(text))


def _words(fed: str) -> set[str]:
    return set(_WORD.findall(fed.lower()))


# --- reading files -----------------------------------------------------------------------


_CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")


def _string(value: bytes) -> str | None:
    """A basic string exactly as the codec writes it, or None."""
    if (
        value[:1] == b'"' and value[-1:] == b'"' and len(value) > 1
        and b"\\" not in value and b'"' not in value[1:-1] and not _CONTROL.search(value)
    ):  # fmt: skip
        try:
            return value[1:-1].decode("utf-8")  # nothing escaped: the text itself
        except UnicodeDecodeError:
            return None
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if text[:1] != '"' or "\x7f" in text:
        return None
    try:
        parsed, end = scanstring(text, 1, True)
    except ValueError:
        return None
    if end != len(text) or ("\\" in text and _NO_ESCAPE_JSON_ONLY.search(text)):
        return None
    return parsed


# The start of a multi-line string, which could hold a line that looks like a header.
_MULTI_LINE = re.compile(rb"""=[ \t]*(?:\"\"\"|''')""")


def _layout(raw: bytes) -> list[int] | None:
    """Where each [[messages]] table starts, and the end of the file; None when the file
    may not be in the codec's layout."""
    if _MULTI_LINE.search(raw):
        return None
    starts = []
    at = raw.find(_BLOCK)
    while at >= 0:
        starts.append(at + 1)
        at = raw.find(_BLOCK, at + 1)
    starts.append(len(raw))
    return starts


def _content_of(block: bytes) -> str | None:
    """The content of one [[messages]] table as the codec writes it, or None."""
    at = block.find(_CONTENT)
    if at < 0 or block.find(b"\n[", 1) >= 0:
        return None
    start = at + len(_CONTENT)
    end = block.find(b"\n", start)
    return _string(block[start : end if end >= 0 else len(block)])


# The lines of a [[messages]] table a result shows (each on one line in a file in the
# codec's layout, which is what the index reads this way).
_FIELD_LINES = re.compile(rb"^(id|role|provider|model|content) = (.*)$", re.MULTILINE)


def _fields_of(block: bytes) -> dict[str, str] | None:
    """The fields a result shows from one [[messages]] table, or None when it is not in
    the codec's layout."""
    if not block.startswith(b"[[messages]]\n"):
        return None
    found: dict[str, str] = {}
    for key, value in _FIELD_LINES.findall(block):
        text = _string(value)
        if text is None:
            return None
        found[key.decode("ascii")] = text
    # (A file of schema 0 has no message ids: the codec makes them, so it is parsed.)
    return found if {"content", "id", "role"} <= found.keys() else None


def _contents_of(raw: bytes, conversation_id: str) -> tuple[list[str], list[int] | None]:
    """A conversation file's messages' texts, and where their tables start when the file
    is in the codec's layout (None otherwise)."""
    starts = _layout(raw)
    if starts is not None:
        contents = []
        for i in range(len(starts) - 1):
            content = _content_of(raw[starts[i] : starts[i + 1]])
            if content is None:
                starts = None
                break
            contents.append(content)
        if starts is not None:
            return contents, starts
    try:
        conversation = parse_conversation(raw, conversation_id, settle_streaming=False)
    except (Unreadable, NewerSchema):
        # Its messages cannot be searched (list() reports a broken file); its title can.
        return [], None
    return [m.content for m in conversation.messages], None


class _NotLaidOut(Exception):
    """A table of a huge file is not as the codec writes it: the file is parsed whole."""


# --- what was typed, as an FTS5 query ------------------------------------------------------


def fts_query(needle: str, terms_like: Callable[[str], list[str] | None]) -> str | None:
    """An FTS5 query naming every message whose folded text may hold the folded `needle`,
    or None when no word of it narrows the search. "" when nothing can match.

    A word of the needle with something else before and after it is a whole word of the
    text; the last one may be the start of a longer word; the first one may be the end of
    one, or (alone) inside one: those are looked up among the words indexed
    (`terms_like(pattern)`, None when there are too many)."""
    fed = _NON_ASCII.sub(_spell, needle).lower()
    parts = []
    for word in _WORD.finditer(fed):
        text = word.group()
        open_before = word.start() == 0
        open_after = word.end() == len(fed)
        if not open_before:
            parts.append(f'"{text}"*' if open_after else f'"{text}"')
            continue
        found = terms_like(f"%{text}%" if open_after else f"%{text}")
        if found is None:
            continue
        if not found:
            return ""
        parts.append("(" + " OR ".join(f'"{term}"' for term in found) + ")")
    return " AND ".join(parts) or None


# --- the index ---------------------------------------------------------------------------


class SearchListing:
    """Every conversation as listed (newest first), with what each search needs of the
    list worked out once: the files' stamps, the titles folded, each one's rank."""

    def __init__(self, summaries: list[ConversationSummary], stamps: dict[str, Stamp]) -> None:
        self.summaries = summaries
        self.stamps = stamps
        self.titles = [fold(s.title) for s in summaries]
        self.rank = {s.id: rank for rank, s in enumerate(summaries)}
        self.by_id = {s.id: s for s in summaries}
        # Those whose file is indexed as it is now, for a version of the index.
        self.current: tuple[int, set[str]] | None = None


@dataclass
class _Conv:
    n: int
    stamp: Stamp
    lo: int
    count: int
    laid_out: bool


def _slots(count: int) -> int:
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


def _is_locked(error: sqlite3.Error) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text


class SearchIndex:
    """The index of one conversations folder. Thread-safe: searches use one connection,
    updates another (SQLite's WAL lets a search read while an update writes)."""

    def __init__(self, db_path: Path, folder: Path) -> None:
        self.db_path = db_path
        self.folder = folder
        self._read_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._reader: sqlite3.Connection | None = None
        self._writer: sqlite3.Connection | None = None
        # The conversations as indexed, read again when the database changed.
        self._convs: dict[str, _Conv] = {}
        self._ranges: list[tuple[int, int, str]] = []  # (lo, hi, cid), lo descending
        self._slot_of: dict[int, str] = {}  # the conversation of each slot
        # Where each conversation's tables start: (cid, lo) -> an array of positions.
        self._starts: dict[tuple[str, int], Sequence[int]] = {}
        self._version: int | None = None
        self._loads = 0  # how many times the conversations were read (a version of them)

    # --- connections ------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            self.db_path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(
                self.db_path, timeout=BUSY_SECONDS, isolation_level=None,
                check_same_thread=False,
            )  # fmt: skip
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
                self._delete_files()
                return self._connect()
        except sqlite3.DatabaseError as exc:
            db.close()
            if isinstance(exc, sqlite3.OperationalError) and _is_locked(exc):
                raise IndexUnusable(str(exc)) from exc
            # Damaged (or not a database at all): it is only a cache.
            self._delete_files()
            raise IndexUnusable(str(exc)) from exc
        return db

    def _delete_files(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(OSError):
                os.unlink(f"{self.db_path}{suffix}")

    def _fail(self, exc: sqlite3.Error) -> IndexUnusable:
        """An error while using the index: a locked one is left as it is, a damaged one
        is deleted (the next update builds it again)."""
        if not (isinstance(exc, sqlite3.OperationalError) and _is_locked(exc)):
            self.close()
            self._delete_files()
        return IndexUnusable(str(exc))

    def close(self) -> None:
        for db in (self._reader, self._writer):
            if db is not None:
                with contextlib.suppress(sqlite3.Error):
                    db.close()
        self._reader = self._writer = None
        self._version = None

    # --- updating -----------------------------------------------------------------------

    def update(
        self, stamps: dict[str, Stamp], updated: dict[str, float],
        stop: Callable[[], bool] | None = None,
    ) -> bool:  # fmt: skip
        """Bring the index in line with the files: `stamps` and `updated` (a sort key) of
        every conversation listed. Returns False when stopped before the end (what was
        done is kept). Raises IndexUnusable."""
        with self._write_lock:
            try:
                if self._writer is None:
                    self._writer = self._connect()
                return self._update(self._writer, stamps, updated, stop)
            except sqlite3.Error as exc:
                raise self._fail(exc) from exc

    def _update(
        self, db: sqlite3.Connection, stamps: dict[str, Stamp], updated: dict[str, float],
        stop: Callable[[], bool] | None,
    ) -> bool:  # fmt: skip
        meta = dict(db.execute("SELECT key, value FROM meta"))
        live = db.execute("SELECT coalesce(sum(count), 0) FROM convs").fetchone()[0]
        if int(meta["garbage"]) > max(MAX_GARBAGE, live):
            self._clear(db)
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
                    self._index_one(db, todo[at], downwards, known)
                    at += 1
                db.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
                raise
        return True

    def _clear(self, db: sqlite3.Connection) -> None:
        db.execute("BEGIN IMMEDIATE")
        db.execute("DELETE FROM convs")
        db.execute("DELETE FROM terms")
        db.execute("INSERT INTO words(words) VALUES ('delete-all')")
        db.execute("UPDATE meta SET value = ? WHERE key IN ('up', 'down')", (BASE,))
        db.execute("UPDATE meta SET value = 0 WHERE key = 'garbage'")
        db.execute("COMMIT")

    def _index_one(
        self, db: sqlite3.Connection, cid: str, downwards: bool, known: set[str]
    ) -> None:
        try:
            f = open(os.path.join(self.folder, f"{cid}.toml"), "rb")  # noqa: SIM115
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
            if huge and self._index_huge(db, cid, f, stamp, downwards, known):
                return
            f.seek(0)
            contents, starts = _contents_of(f.read(), cid)
        lo = self._allocate(db, len(contents), downwards)
        fed = [feed(content) for content in contents]
        db.executemany(
            "INSERT INTO words(rowid, text) VALUES (?, ?)",
            zip(range(lo, lo + len(fed)), fed, strict=True),
        )
        new: set[str] = set()
        for text in fed:
            new.update(_words(text))
        self._add_terms(db, new, known)
        self._add_conv(db, cid, stamp, lo, len(contents), starts)

    def _index_huge(
        self, db: sqlite3.Connection, cid: str, f: BinaryIO, stamp: Stamp, downwards: bool,
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
        lo = self._allocate(db, count, downwards)
        new: set[str] = set()
        ends = [*starts[1:], size]

        def rows() -> Iterator[tuple[int, str]]:
            f.seek(starts[0])
            for position, end in enumerate(ends):
                table = f.read(end - starts[position])
                content = None if _MULTI_LINE.search(table) else _content_of(table)
                if content is None:
                    raise _NotLaidOut
                fed = feed(content)
                new.update(_words(fed))
                yield lo + position, fed

        db.execute("SAVEPOINT huge")
        try:
            db.executemany("INSERT INTO words(rowid, text) VALUES (?, ?)", rows())
        except _NotLaidOut:
            db.execute("ROLLBACK TO huge")
            db.execute("RELEASE huge")
            return False
        db.execute("RELEASE huge")
        self._add_terms(db, new, known)
        self._add_conv(db, cid, stamp, lo, count, [*starts, size])
        return True

    def _allocate(self, db: sqlite3.Connection, count: int, downwards: bool) -> int:
        """The first rowid of the slots for `count` messages."""
        key = "down" if downwards else "up"
        (next_slot,) = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        first = next_slot - _slots(count) if downwards else next_slot
        after = first if downwards else first + _slots(count)
        db.execute("UPDATE meta SET value = ? WHERE key = ?", (after, key))
        return first << SLOT_BITS

    def _add_terms(self, db: sqlite3.Connection, new: set[str], known: set[str]) -> None:
        new -= known
        if new:
            db.executemany("INSERT OR IGNORE INTO terms VALUES (?)", [(t,) for t in new])
            known |= new

    def _add_conv(
        self, db: sqlite3.Connection, cid: str, stamp: Stamp, lo: int, count: int,
        starts: list[int] | None,
    ) -> None:  # fmt: skip
        blob = array.array("q", starts).tobytes() if starts is not None else None
        db.execute(
            "INSERT INTO convs(cid, ino, mtime, size, lo, count, starts) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (cid, *stamp, lo, count, blob),
        )

    # --- searching ----------------------------------------------------------------------

    def _load_convs(self, db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA data_version").fetchone()[0]
        if version == self._version:
            return
        convs = {}
        ranges = []
        slot_of = {}
        for n, cid, ino, mtime, size, lo, count, laid_out in db.execute(
            "SELECT n, cid, ino, mtime, size, lo, count, starts IS NOT NULL FROM convs"
        ):
            convs[cid] = _Conv(n, (ino, mtime, size), lo, count, bool(laid_out))
            if count:
                ranges.append((lo, lo + count, cid))
                first = lo >> SLOT_BITS
                for slot in range(first, first + _slots(count)):
                    slot_of[slot] = cid
        ranges.sort(reverse=True)
        self._convs, self._ranges, self._slot_of = convs, ranges, slot_of
        self._starts.clear()
        self._version = version
        self._loads += 1

    def warm(self) -> None:
        """Read what searches start from (the conversations as indexed), so that the
        first key typed does not wait for it. Raises IndexUnusable."""
        with self._read_lock:
            try:
                if self._reader is None:
                    self._reader = self._connect()
                self._load_convs(self._reader)
            except sqlite3.Error as exc:
                raise self._fail(exc) from exc

    def _terms_like(self, db: sqlite3.Connection, pattern: str) -> list[str] | None:
        found = [
            row[0]
            for row in db.execute(
                "SELECT term FROM terms WHERE term LIKE ? LIMIT ?", (pattern, MAX_TERMS + 1)
            )
        ]
        return None if len(found) > MAX_TERMS else found

    def find(
        self,
        needle: str,
        listing: SearchListing,
        stop: Callable[[], bool] | None = None,
        partial: Callable[[list[SearchHit]], None] | None = None,
    ) -> list[SearchHit]:
        """The conversations listed whose title or a message holds the folded `needle`,
        newest first; what search_summaries finds, sooner. `partial` gets the results
        found so far as they come. Raises IndexUnusable."""
        with self._read_lock:
            try:
                if self._reader is None:
                    self._reader = self._connect()
                db = self._reader
                db.execute("BEGIN")
                try:
                    return _Search(self, db, needle, listing, stop, partial).run()
                finally:
                    with contextlib.suppress(sqlite3.Error):
                        db.execute("COMMIT")
            except sqlite3.Error as exc:
                raise self._fail(exc) from exc


class _Search:
    """One search: the files the index does not cover read whole, then the candidates of
    the index checked message by message, newest conversations first."""

    def __init__(
        self,
        index: SearchIndex,
        db: sqlite3.Connection,
        needle: str,
        listing: SearchListing,
        stop: Callable[[], bool] | None,
        partial: Callable[[list[SearchHit]], None] | None,
    ) -> None:
        self.index = index
        self.db = db
        self.needle = needle
        self.listing = listing
        self.summaries = listing.summaries
        self.by_id = listing.by_id
        self.rank = listing.rank
        self.stop = stop or (lambda: False)
        self.partial = partial
        self.prefilter = can_prefilter(needle)
        self.hits: dict[str, SearchHit] = {}
        self.sent = 0.0
        self.sent_count = -1

    def run(self) -> list[SearchHit]:
        index = self.index
        index._load_convs(self.db)
        convs = index._convs
        needle = self.needle
        listing = self.listing
        titled = {s.id for s, title in zip(self.summaries, listing.titles, strict=True)
                  if needle in title}  # fmt: skip
        # Not indexed, or changed since: read whole, newest first (usually a few: the
        # conversations written since the last update).
        version = index._loads
        if listing.current is None or listing.current[0] != version:
            stamps = listing.stamps
            listing.current = (version, {
                cid for cid, conv in convs.items() if conv.stamp == stamps.get(cid)
            })  # fmt: skip
        current = set(listing.current[1])
        unindexed = [s for s in self.summaries if s.id not in current]
        query = fts_query(needle, lambda pattern: index._terms_like(self.db, pattern))
        for summary in unindexed:
            if self.stop():
                return self._result()
            self._scan(summary)
            self._maybe_send()
        if query is None:
            # Nothing narrows it down (a letter or two, inside many words): every message
            # is a candidate, newest conversations first; such words are found early.
            for summary in self.summaries:
                conv = convs.get(summary.id)
                if summary.id in current and conv is not None:
                    if self.stop():
                        return self._result()
                    self._check(summary.id, range(conv.count), summary.id in titled)
                    self._maybe_send(force=len(self.hits) == 1)
        elif current:
            self._from_index(query, current, titled)
        # Titles that matched where no message did: their first message is the preview.
        for cid in titled & current:
            if cid not in self.hits:
                if self.stop():
                    return self._result()
                self._check(cid, [], title=True)
        return self._result()

    def _result(self) -> list[SearchHit]:
        return sorted(self.hits.values(), key=lambda hit: self.rank[hit.summary.id])

    def _maybe_send(self, force: bool = False) -> None:
        if self.partial is None or len(self.hits) == self.sent_count:
            return
        now = time.monotonic()
        if force or now - self.sent >= PARTIAL_EVERY:
            self.sent, self.sent_count = now, len(self.hits)
            self.partial(self._result())

    def _scan(self, summary: ConversationSummary) -> None:
        """One file read whole and searched (search.py's way)."""
        hit = scan_file(summary, self.needle, self.prefilter)
        if hit is not None:
            self.hits[summary.id] = hit

    def _from_index(self, query: str, current: set[str], titled: set[str]) -> None:
        if not query:
            return  # a word typed is in no message
        index = self.index
        ranges, slot_of, convs = index._ranges, index._slot_of, index._convs
        # The conversations indexed last first (their results shown at once), then the
        # others; in each, every conversation's first candidate, grouped by SQLite.
        early = ranges[min(EARLY, len(ranges) - 1)][0] if ranges else 0
        for bound in (">=", "<"):
            if self.stop():
                return
            rows = self.db.execute(
                f"SELECT rowid >> {SLOT_BITS}, min(rowid) FROM words "
                f"WHERE words MATCH ? AND rowid {bound} ? GROUP BY 1 ORDER BY 1 DESC",
                (query, early),
            ).fetchall()
            first: dict[str, int] = {}  # in the order of their slots, newest first
            for slot, rowid in rows:
                cid = slot_of.get(slot)
                if cid is None or cid not in current:
                    continue  # left behind by a conversation indexed again, or changed
                position = rowid - convs[cid].lo
                if position < convs[cid].count:
                    first[cid] = min(position, first.get(cid, position))
            if len(first) > 500 and len(index._starts) < len(first):
                # Where the tables of many conversations are: one query, not one each.
                for cid, lo, blob in self.db.execute(
                    "SELECT cid, lo, starts FROM convs WHERE starts IS NOT NULL"
                ):
                    index._starts[(cid, lo)] = memoryview(blob).cast("q")
            for cid, position in first.items():
                if self.stop():
                    return
                conv = convs[cid]
                self._check(cid, self._candidates(query, conv, position), cid in titled)
                self._maybe_send(force=len(self.hits) == 1)
            self._maybe_send(force=True)

    def _candidates(self, query: str, conv: _Conv, first: int) -> Iterator[int]:
        """The positions of a conversation's messages that may match, from `first` on:
        the others asked for only when the first turns out not to (rare)."""
        yield first
        after, end = conv.lo + first, conv.lo + conv.count
        while True:
            rows = self.db.execute(
                "SELECT rowid FROM words WHERE words MATCH ? AND rowid > ? AND rowid < ? "
                "ORDER BY rowid LIMIT 256",
                (query, after, end),
            ).fetchall()
            if not rows:
                return
            for (rowid,) in rows:
                yield rowid - conv.lo
            after = rows[-1][0]

    def _check(self, cid: str, positions: Iterable[int], title: bool) -> None:
        """The first of `positions` (messages of `cid`, in order) whose text holds the
        needle, read from the file; with `title`, a hit even when none does."""
        summary = self.by_id[cid]
        conv = self.index._convs[cid]
        if not conv.laid_out:
            self._scan(summary)
            return
        starts = self.index._starts.get((cid, conv.lo))
        if starts is None:
            row = self.db.execute("SELECT starts FROM convs WHERE n = ?", (conv.n,)).fetchone()
            if row is None or row[0] is None:
                self._scan(summary)
                return
            starts = array.array("q")
            starts.frombytes(row[0])
            self.index._starts[(cid, conv.lo)] = starts
        try:
            fd = os.open(summary.path, os.O_RDONLY)
        except OSError:
            return  # gone meanwhile: the next listing drops it
        try:
            st = os.fstat(fd)
            if (st.st_ino, st.st_mtime_ns, st.st_size) != conv.stamp:
                os.close(fd)
                fd = -1
                self._scan(summary)  # replaced since it was listed
                return
            match = None
            for position in positions:
                fields = _read_fields(fd, starts, position)
                if fields is None:
                    os.close(fd)
                    fd = -1
                    self._scan(summary)
                    return
                content = fields["content"]
                if self.needle in fold(content):
                    match = MessageMatch(
                        position, fields["id"], fields["role"], fields.get("provider", ""),
                        fields.get("model", ""), found=(content, self.needle),
                    )  # fmt: skip
                    break
            if match is None and not title:
                return
            title_match = None
            if title:
                title_match = find_folded(summary.title, self.needle) or (0, 0)
            first = None
            if match is None and len(starts) > 1:
                fields = _read_fields(fd, starts, 0)
                first = preview(fields["content"]) if fields is not None else None
            self.hits[cid] = SearchHit(summary, title_match, match, first)
        finally:
            if fd >= 0:
                os.close(fd)


def _read_fields(fd: int, starts: Sequence[int], position: int) -> dict[str, str] | None:
    if position + 1 >= len(starts):
        return None
    start = starts[position]
    try:
        block = os.pread(fd, starts[position + 1] - start, start)
    except OSError:
        return None
    return _fields_of(block)
