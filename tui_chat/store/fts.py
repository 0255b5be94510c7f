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

Its parts: fts_schema.py (the database: version, tables, connections), fts_feed.py (what
the tokenizer gets, what was typed as a query), fts_layout.py (a file's tables read as
the codec writes them), fts_build.py (`update`), fts_find.py (one search); here, the
index of one folder, as the store uses it.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from tui_chat.store import fts_build
from tui_chat.store.fts_find import Indexed, Search, SearchListing
from tui_chat.store.fts_schema import IndexUnusable, Stamp, connect, delete_files, is_locked
from tui_chat.store.search import SearchHit


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
        self._indexed = Indexed()

    # --- connections ------------------------------------------------------------------

    def _fail(self, exc: sqlite3.Error) -> IndexUnusable:
        """An error while using the index: a locked one is left as it is, a damaged one
        is deleted (the next update builds it again)."""
        if not (isinstance(exc, sqlite3.OperationalError) and is_locked(exc)):
            self.close()
            delete_files(self.db_path)
        return IndexUnusable(str(exc))

    def close(self) -> None:
        for db in (self._reader, self._writer):
            if db is not None:
                with contextlib.suppress(sqlite3.Error):
                    db.close()
        self._reader = self._writer = None
        self._indexed.version = None

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
                    self._writer = connect(self.db_path)
                return fts_build.update(self._writer, self.folder, stamps, updated, stop)
            except sqlite3.Error as exc:
                raise self._fail(exc) from exc

    # --- searching ----------------------------------------------------------------------

    def warm(self) -> None:
        """Read what searches start from (the conversations as indexed), so that the
        first key typed does not wait for it. Raises IndexUnusable."""
        with self._read_lock:
            try:
                if self._reader is None:
                    self._reader = connect(self.db_path)
                self._indexed.load(self._reader)
            except sqlite3.Error as exc:
                raise self._fail(exc) from exc

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
                    self._reader = connect(self.db_path)
                db = self._reader
                db.execute("BEGIN")
                try:
                    return Search(self._indexed, db, needle, listing, stop, partial).run()
                finally:
                    with contextlib.suppress(sqlite3.Error):
                        db.execute("COMMIT")
            except sqlite3.Error as exc:
                raise self._fail(exc) from exc
