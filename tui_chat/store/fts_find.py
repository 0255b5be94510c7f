"""One search through the search index: the candidates it names, each checked in its file."""

from __future__ import annotations

import array
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence

from tui_chat.store import fts_schema
from tui_chat.store.conversations import ConversationSummary
from tui_chat.store.fts_feed import fts_query
from tui_chat.store.fts_layout import read_fields
from tui_chat.store.fts_schema import Conv, Stamp, slots
from tui_chat.store.search import (
    MessageMatch,
    SearchHit,
    can_prefilter,
    find_folded,
    fold,
    preview,
    scan_file,
)

#: The conversations indexed last whose candidates are checked first (their results go
#: to the screen at once), before the others'.
EARLY = 40
#: A word typed inside other words narrows the search while it is inside at most this
#: many different words; beyond, the other words typed narrow it (or the files are read).
MAX_TERMS = 2000
#: Partial results go to the caller at most this often (the first ones at once).
PARTIAL_EVERY = 0.25


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


class Indexed:
    """The conversations as indexed, read again when the database changed."""

    def __init__(self) -> None:
        self.convs: dict[str, Conv] = {}
        self.ranges: list[tuple[int, int, str]] = []  # (lo, hi, cid), lo descending
        self.slot_of: dict[int, str] = {}  # the conversation of each slot
        # Where each conversation's tables start: (cid, lo) -> an array of positions.
        self.starts: dict[tuple[str, int], Sequence[int]] = {}
        self.version: int | None = None  # SQLite's data_version when read; None: read again
        self.loads = 0  # how many times the conversations were read (a version of them)

    def load(self, db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA data_version").fetchone()[0]
        if version == self.version:
            return
        convs = {}
        ranges = []
        slot_of = {}
        for n, cid, ino, mtime, size, lo, count, laid_out in db.execute(
            "SELECT n, cid, ino, mtime, size, lo, count, starts IS NOT NULL FROM convs"
        ):
            convs[cid] = Conv(n, (ino, mtime, size), lo, count, bool(laid_out))
            if count:
                ranges.append((lo, lo + count, cid))
                first = lo >> fts_schema.SLOT_BITS
                for slot in range(first, first + slots(count)):
                    slot_of[slot] = cid
        ranges.sort(reverse=True)
        self.convs, self.ranges, self.slot_of = convs, ranges, slot_of
        self.starts.clear()
        self.version = version
        self.loads += 1


def terms_like(db: sqlite3.Connection, pattern: str) -> list[str] | None:
    """The words indexed that are LIKE `pattern`; None when there are too many."""
    found = [
        row[0]
        for row in db.execute(
            "SELECT term FROM terms WHERE term LIKE ? LIMIT ?", (pattern, MAX_TERMS + 1)
        )
    ]
    return None if len(found) > MAX_TERMS else found


class Search:
    """One search: the files the index does not cover read whole, then the candidates of
    the index checked message by message, newest conversations first."""

    def __init__(
        self,
        indexed: Indexed,
        db: sqlite3.Connection,
        needle: str,
        listing: SearchListing,
        stop: Callable[[], bool] | None,
        partial: Callable[[list[SearchHit]], None] | None,
    ) -> None:
        self.indexed = indexed
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
        indexed = self.indexed
        indexed.load(self.db)
        convs = indexed.convs
        needle = self.needle
        listing = self.listing
        titled = {s.id for s, title in zip(self.summaries, listing.titles, strict=True)
                  if needle in title}  # fmt: skip
        # Not indexed, or changed since: read whole, newest first (usually a few: the
        # conversations written since the last update).
        version = indexed.loads
        if listing.current is None or listing.current[0] != version:
            stamps = listing.stamps
            listing.current = (version, {
                cid for cid, conv in convs.items() if conv.stamp == stamps.get(cid)
            })  # fmt: skip
        current = set(listing.current[1])
        unindexed = [s for s in self.summaries if s.id not in current]
        query = fts_query(needle, lambda pattern: terms_like(self.db, pattern))
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
        indexed = self.indexed
        ranges, slot_of, convs = indexed.ranges, indexed.slot_of, indexed.convs
        # The conversations indexed last first (their results shown at once), then the
        # others; in each, every conversation's first candidate, grouped by SQLite.
        early = ranges[min(EARLY, len(ranges) - 1)][0] if ranges else 0
        for bound in (">=", "<"):
            if self.stop():
                return
            rows = self.db.execute(
                f"SELECT rowid >> {fts_schema.SLOT_BITS}, min(rowid) FROM words "
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
            if len(first) > 500 and len(indexed.starts) < len(first):
                # Where the tables of many conversations are: one query, not one each.
                for cid, lo, blob in self.db.execute(
                    "SELECT cid, lo, starts FROM convs WHERE starts IS NOT NULL"
                ):
                    indexed.starts[(cid, lo)] = memoryview(blob).cast("q")
            for cid, position in first.items():
                if self.stop():
                    return
                conv = convs[cid]
                self._check(cid, self._candidates(query, conv, position), cid in titled)
                self._maybe_send(force=len(self.hits) == 1)
            self._maybe_send(force=True)

    def _candidates(self, query: str, conv: Conv, first: int) -> Iterator[int]:
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
        conv = self.indexed.convs[cid]
        if not conv.laid_out:
            self._scan(summary)
            return
        starts = self.indexed.starts.get((cid, conv.lo))
        if starts is None:
            row = self.db.execute("SELECT starts FROM convs WHERE n = ?", (conv.n,)).fetchone()
            if row is None or row[0] is None:
                self._scan(summary)
                return
            starts = array.array("q")
            starts.frombytes(row[0])
            self.indexed.starts[(cid, conv.lo)] = starts
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
                fields = read_fields(fd, starts, position)
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
                fields = read_fields(fd, starts, 0)
                first = preview(fields["content"]) if fields is not None else None
            self.hits[cid] = SearchHit(summary, title_match, match, first)
        finally:
            if fd >= 0:
                os.close(fd)
