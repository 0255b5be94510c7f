"""The conversation list cache: conversations/.index.json.

Listing must not parse messages, so the index keeps each file's header
fields and message count beside the (inode, mtime_ns, size) stamp of the
version they came from. A file whose stamp differs is re-read (header only);
vanished files are dropped. The index is a private cache, so it is JSON
(fast to load) and any trouble with it — missing, stale, corrupt, a
read-only folder — just means rebuilding it or not saving it.
"""

from __future__ import annotations

import contextlib
import heapq
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tui_chat.store.atomic import atomic_write
from tui_chat.store.conversations import ConversationSummary
from tui_chat.store.errors import StoreError

INDEX_NAME = ".index.json"
INDEX_VERSION = 1

Stamp = tuple[int, int, int]  # (st_ino, st_mtime_ns, st_size)


@dataclass
class IndexEntry:
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
        data = json.loads(path.read_bytes())
        if data.get("version") != INDEX_VERSION or not isinstance(data["entries"], dict):
            return None
        return data["entries"]
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


def load_index(path: Path) -> dict[str, IndexEntry]:
    """The cached entries, or {} when the index is missing or unusable (it is rebuilt)."""
    return entries_from(read_index(path))


def save_index(path: Path, entries: dict[str, IndexEntry]) -> None:
    """Write the index; failures are ignored because it is only a cache."""
    payload = {
        "version": INDEX_VERSION,
        "entries": {
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
        },
    }
    with contextlib.suppress(StoreError):
        # No fsync: a cache damaged by a power cut is detected and rebuilt, and the
        # fsync was the larger part of a cold listing.
        atomic_write(
            path, json.dumps(payload, ensure_ascii=False, separators=(",", ":")), durable=False
        )
