"""The conversation list cache: conversations/.index.json.

Listing must not parse messages, so the index keeps each file's header
fields and message count beside the (inode, mtime_ns, size) stamp of the
version they came from. A file whose stamp differs is re-read (header only);
vanished files are dropped. The index is a private cache, so it is JSON
(fast to load) and any trouble with it — missing, stale, corrupt, a
read-only folder — just means rebuilding it or not saving it.

Two lines: the first holds the newest entries and how many there are (what the
app's first frame lists: a few kB, where the whole index of a decade of history
is ~5 MB and ~50 ms to read), the second all of them.
"""

from __future__ import annotations

import contextlib
import heapq
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from tui_chat.store.atomic import atomic_write
from tui_chat.store.conversations import ConversationSummary
from tui_chat.store.errors import StoreError

INDEX_NAME = ".index.json"
INDEX_VERSION = 2
#: Entries in the first line: more than a first screen lists.
HEAD = 200

Stamp = tuple[int, int, int]  # (st_ino, st_mtime_ns, st_size)


# A named tuple, not a dataclass (it is never changed): compared and printed alike, and
# made without compiling methods from source (~2 M instructions at start-up).
class IndexEntry(NamedTuple):
    stamp: Stamp
    title: str
    created: datetime
    updated: datetime
    provider: str
    model: str
    message_count: int

    def summary(self, conversation_id: str, path: Path) -> ConversationSummary:
        return ConversationSummary(
            conversation_id,
            self.title,
            self.created,
            self.updated,
            self.provider,
            self.model,
            self.message_count,
            path,
        )


RawIndex = dict[str, dict]  # the entries as read from the JSON, not checked yet


def read_index(path: Path) -> RawIndex | None:
    """The index file's entries as read, or None when it is missing or unusable."""
    try:
        head, _, rest = path.read_bytes().partition(b"\n")
        if json.loads(head).get("version") != INDEX_VERSION:
            return None
        entries = json.loads(rest)["entries"]
        return entries if isinstance(entries, dict) else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


RawHead = list[list]  # [id, entry] pairs as read, newest first, not checked yet


def read_head(path: Path) -> tuple[RawHead, int] | None:
    """The index file's first line: its newest entries (newest first) and how many
    entries it holds; None when it is missing or unusable."""
    try:
        with open(path, "rb") as f:
            data = json.loads(f.readline())
        newest, count = data["newest"], data["count"]
        if data.get("version") != INDEX_VERSION or not isinstance(newest, list):
            return None
        return newest, int(count)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _entry(e: dict) -> IndexEntry:
    return IndexEntry(
        stamp=(int(e["stamp"][0]), int(e["stamp"][1]), int(e["stamp"][2])),
        title=str(e["title"]),
        created=datetime.fromisoformat(e["created"]),
        updated=datetime.fromisoformat(e["updated"]),
        provider=str(e["provider"]),
        model=str(e["model"]),
        message_count=int(e["message_count"]),
    )


_BAD_ENTRY = (ValueError, KeyError, TypeError, AttributeError, IndexError)


def entries_from(raw: RawIndex | None) -> dict[str, IndexEntry]:
    """The checked entries, or {} when any is unusable (the index is rebuilt)."""
    try:
        return {cid: _entry(e) for cid, e in (raw or {}).items()}
    except _BAD_ENTRY:
        return {}


def newest_entries(raw: RawIndex, count: int) -> list[tuple[str, IndexEntry]] | None:
    """The `count` newest entries, newest first, checking only those (a first screen shows
    ~35 of 2,000; building every entry was half of reading the index); None when one
    is unusable."""
    try:
        updated = {cid: datetime.fromisoformat(e["updated"]) for cid, e in raw.items()}
        newest = heapq.nlargest(count, updated, key=updated.__getitem__)
        return [(cid, _entry(raw[cid])) for cid in newest]
    except _BAD_ENTRY:
        return None


def head_entries(head: RawHead, count: int) -> list[tuple[str, IndexEntry]] | None:
    """The first `count` entries of the first line, newest first; None when one is
    unusable."""
    try:
        return [(str(cid), _entry(e)) for cid, e in head[:count]]
    except _BAD_ENTRY:
        return None


def load_index(path: Path) -> dict[str, IndexEntry]:
    """The cached entries, or {} when the index is missing or unusable (it is rebuilt)."""
    return entries_from(read_index(path))


def save_index(path: Path, entries: dict[str, IndexEntry]) -> None:
    """Write the index; failures are ignored because it is only a cache."""
    raw = {
        cid: {
            "stamp": list(e.stamp),
            "title": e.title,
            "created": e.created.isoformat(),
            "updated": e.updated.isoformat(),
            "provider": e.provider,
            "model": e.model,
            "message_count": e.message_count,
        }
        for cid, e in entries.items()
    }
    newest = heapq.nlargest(HEAD, entries, key=lambda cid: _aware(entries[cid].updated))
    head = {"version": INDEX_VERSION, "count": len(raw), "newest": [[c, raw[c]] for c in newest]}
    compact = {"ensure_ascii": False, "separators": (",", ":")}
    text = json.dumps(head, **compact) + "\n" + json.dumps({"entries": raw}, **compact) + "\n"
    with contextlib.suppress(StoreError):
        # No fsync: a cache damaged by a power cut is detected and rebuilt, and the
        # fsync was the larger part of a cold listing.
        atomic_write(path, text, durable=False)


def _aware(moment: datetime) -> datetime:
    # A file edited by hand may give a time without its offset: taken as UTC to compare.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
