"""Listing conversations: the index checked against the folder, and the newest at once."""

from __future__ import annotations

import heapq
import os
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

from tui_chat.store import journal
from tui_chat.store.atomic import is_tmp_name, remove_stale_tmp_files
from tui_chat.store.conversation_files import SUFFIX, stamp_of
from tui_chat.store.conversations import ConversationSummary
from tui_chat.store.errors import StoreError, StoreProblem, os_reason
from tui_chat.store.index import (
    IndexEntry,
    Stamp,
    entries_from,
    head_entries,
    load_index,
    newest_entries,
    read_head,
    read_index,
    save_index,
)
from tui_chat.store.locking import serialized

if TYPE_CHECKING:
    from tui_chat.store.conversation_store import ConversationStore

_FILE_NAME = re.compile(r"([A-Za-z0-9_-]{1,64})\.toml")
# Folder times this recent may not show a change made in the same tick (coarse clocks).
_MTIME_SLACK = 2.0
NEVER_LISTED = object()
# Enough for any ordinary header; longer ones (huge system prompts) read the whole file.
_HEADER_PROBE = 16 * 1024


class Listing:
    """The part of ConversationStore that lists the conversations: from its index (a cache
    of each file's header, index.py), re-reading only the files that changed."""

    def _fold_orphan_journals(self: ConversationStore, conversation_ids: list[str]) -> None:
        for conversation_id in conversation_ids:
            try:
                self.load(conversation_id)  # folds it
            except (StoreError, ValueError):
                continue

    def _read_summary(self: ConversationStore, conversation_id: str, path: str) -> IndexEntry:
        """Header fields of one file; raises Unreadable, OSError."""
        # (The file format's modules come with the first file read: see store.load.)
        from tui_chat.store.codec import MESSAGES_HEADER, Unreadable, parse_header

        with open(path, "rb") as f:
            stamp = stamp_of(os.fstat(f.fileno()))
            raw = f.read(_HEADER_PROBE)
            partial = len(raw) < stamp[2]
            if partial and not MESSAGES_HEADER.search(raw):
                raw += f.read()
                partial = False
        try:
            header, count = parse_header(raw, conversation_id)
        except Unreadable:
            if not partial:
                raise
            # The probe may have cut the file where only the whole can be judged.
            with open(path, "rb") as f:
                header, count = parse_header(f.read(), conversation_id)
        return IndexEntry(
            stamp,
            header.title,
            header.created,
            header.updated,
            header.provider,
            header.model,
            count,
        )

    @serialized
    def list(self: ConversationStore) -> tuple[list[ConversationSummary], list[StoreProblem]]:
        """All conversations, newest `updated` first, from the index (re-reading only
        files that changed). Corrupt files are moved aside and reported, not raised."""
        from tui_chat.store.codec import Unreadable

        # Before reading the folder: a change made while it is read shows next time.
        self._listed = self._folder_stamp()
        try:
            entries = list(os.scandir(self.folder))
        except FileNotFoundError:
            return [], []
        except OSError as exc:
            return [], [
                StoreProblem(self.folder, f"Could not list {self.folder}: {os_reason(exc)}.")
            ]
        if self._index is None:
            raw, self._raw_index = self._raw_index, None
            self._index = entries_from(raw) if raw is not None else load_index(self.index_file)
            self._changes += 1
            self._index_dirty = False
        index = self._index
        problems: list[StoreProblem] = []
        present: set[str] = set()
        journals: list[str] = []
        stale_tmp = False
        for entry in entries:
            if is_tmp_name(entry.name):
                stale_tmp = True
                continue
            found = _FILE_NAME.fullmatch(entry.name)
            if not found:
                if entry.name.endswith(journal.SUFFIX):
                    name = entry.name[: -len(journal.SUFFIX)]
                    journals.append(name.partition(journal.SLOT)[0])
                continue
            cid = found.group(1)
            try:
                stamp = stamp_of(entry.stat(follow_symlinks=False))
            except OSError:
                continue  # vanished meanwhile (deleted by another instance)
            cached = index.get(cid)
            if cached is not None and cached.stamp == stamp:
                present.add(cid)
                continue
            try:
                index[cid] = self._read_summary(cid, entry.path)
                self._changes += 1
            except FileNotFoundError:
                continue
            except OSError as exc:
                path = Path(entry.path)
                problems.append(StoreProblem(path, f"Could not read {path}: {os_reason(exc)}."))
                continue
            except Unreadable as exc:
                problems.append(self._corrupt(Path(entry.path), exc.reason, exc.line))
                continue
            present.add(cid)
            self._index_dirty = True
        for cid in set(index) - present:
            del index[cid]
            self._changes += 1
            self._index_dirty = True
        if journals:
            # Answers a killed tui-chat left unfinished: folded in, the list shows them.
            orphans = dict.fromkeys(cid for cid in journals if cid in present)
            self._fold_orphan_journals(list(orphans))
        if self._index_dirty:
            save_index(self.index_file, index)
            self._index_dirty = False
        if stale_tmp:
            remove_stale_tmp_files(self.folder)
        summaries = self._summaries_of(index)
        return summaries, problems

    def _summaries_of(
        self: ConversationStore, index: dict[str, IndexEntry]
    ) -> list[ConversationSummary]:
        """The index's conversations, newest first; a summary is made again only for an
        entry that changed (making a Path is most of the cost)."""
        known = self._summaries
        folder = self.folder
        fresh: dict[str, tuple[IndexEntry, ConversationSummary]] = {}
        summaries = []
        for cid, entry in index.items():
            kept = known.get(cid)
            if kept is not None and kept[0] is entry:
                summary = kept[1]
            else:
                summary = entry.summary(cid, folder / (cid + SUFFIX))
            fresh[cid] = (entry, summary)
            summaries.append(summary)
        self._summaries = fresh
        summaries.sort(key=lambda s: s.updated, reverse=True)
        return summaries

    def recent_from_index(
        self: ConversationStore, count: int
    ) -> tuple[list[ConversationSummary], int] | None:
        """The `count` newest conversations and how many there are, as the index last
        written says, without checking the files against it as `list()` does: for a first
        screen to show at once, before `list()` has checked. None without a usable index.
        Only the index's first line is read (its newest entries), unless more are asked
        for: then the index read is kept for `list()`, which would read it again."""
        if self._index is not None:
            index = self._index
            newest = heapq.nlargest(count, index.items(), key=lambda item: item[1].updated)
            total = len(index)
        else:
            head = read_head(self.index_file)
            chosen = None
            if head is not None and (count <= len(head[0]) or len(head[0]) == head[1]):
                chosen = head_entries(head[0], count)
                total = head[1]
            else:
                raw = read_index(self.index_file)
                chosen = newest_entries(raw, count) if raw else None
                self._raw_index = raw
                total = len(raw or ())
            if chosen is None:
                self._index = {}  # unusable: list() rebuilds it from the files
                self._changes += 1
                self._index_dirty = False
                self._raw_index = None
                return None
            newest = chosen
        if not newest:
            return None
        folder = self.folder
        return [entry.summary(cid, folder / (cid + SUFFIX)) for cid, entry in newest], total

    def changed_on_disk(self: ConversationStore) -> bool:
        """Whether the folder may hold other conversations than the last `list()` saw: a
        single stat. A file added, replaced (every save writes a new file and renames it)
        or removed, by this process or another, changes the folder's modification time."""
        listed = self._listed
        if listed is NEVER_LISTED:
            return False
        return listed is None or self._folder_stamp() != listed

    def _folder_stamp(self: ConversationStore) -> Stamp | None:
        try:
            st = os.stat(self.folder)
        except OSError:
            return (0, 0, 0)  # no folder (yet): a folder made later differs
        # A change within the filesystem's time resolution of this stat could leave the
        # time as it is: such a recent stamp is not trusted (None: check again later).
        if time.time() - st.st_mtime < _MTIME_SLACK:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_nlink)
