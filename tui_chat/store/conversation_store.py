"""Reading, saving, listing, searching and deleting conversation files.

One file per conversation, `conversations/<id>.toml`. Every write is atomic
(atomic.py). A file that cannot be read is moved aside, never overwritten.
Two instances may share the folder: each remembers the stamp of the file
version it last read or wrote, and a save that finds a different stamp on
disk merges with that version first (merge.py), under a folder lock.
"""

from __future__ import annotations

import contextlib
import functools
import heapq
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from tui_chat.store import journal, lazy, merge
from tui_chat.store.atomic import (
    atomic_write,
    fsync_dir,
    is_tmp_name,
    move_aside,
    remove_stale_tmp_files,
)
from tui_chat.store.codec import (
    MESSAGES_HEADER,
    NewerSchema,
    Unreadable,
    encode,
    parse_conversation,
    parse_header,
)
from tui_chat.store.conversations import Conversation, ConversationSummary, Message
from tui_chat.store.errors import (
    ConversationCorrupt,
    ConversationNotFound,
    StoreError,
    StoreProblem,
    os_reason,
)
from tui_chat.store.index import (
    INDEX_NAME,
    IndexEntry,
    RawIndex,
    Stamp,
    entries_from,
    head_entries,
    load_index,
    newest_entries,
    read_head,
    read_index,
    save_index,
)
from tui_chat.store.locking import folder_lock
from tui_chat.store.paths import Paths

# search.py, fts*.py and trash.py are imported where they are used: start-up needs none.
if TYPE_CHECKING:
    from tui_chat.store.fts import SearchIndex
    from tui_chat.store.fts_find import SearchListing
    from tui_chat.store.search import SearchHit
    from tui_chat.store.trash import Trashed

P = ParamSpec("P")
R = TypeVar("R")

# Ids become file names, so they must not be able to name anything outside the folder.
_VALID_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_FILE_NAME = re.compile(r"([A-Za-z0-9_-]{1,64})\.toml")
SUFFIX = ".toml"
# Folder times this recent may not show a change made in the same tick (coarse clocks).
_MTIME_SLACK = 2.0
_NEVER_LISTED = object()
# Enough for any ordinary header; longer ones (huge system prompts) read the whole file.
_HEADER_PROBE = 16 * 1024


def validate_id(conversation_id: str) -> str:
    if not isinstance(conversation_id, str) or not _VALID_ID.fullmatch(conversation_id):
        raise ValueError(f"invalid conversation id {conversation_id!r}")
    return conversation_id


def _stamp(st: os.stat_result) -> Stamp:
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _label(conversation: Conversation) -> str:
    return repr(conversation.title) if conversation.title else conversation.id


def _serialized(method: Callable[P, R]) -> Callable[P, R]:
    """Run under the store's mutex: the app calls list() and save() from worker
    threads, and both touch the in-memory index and the seen-stamps."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with args[0]._mutex:  # type: ignore[attr-defined]
            return method(*args, **kwargs)

    return wrapper


@dataclass(frozen=True)
class Restored:
    """A conversation back from the trash: its id (a new one when `renamed`)."""

    conversation_id: str
    title: str
    renamed: bool


def _move_without_replacing(source: Path, target: Path) -> bool:
    """Move `source` to `target` unless `target` exists; False when it does. (Under the
    folder lock; a hard link is the atomic way, a rename where links are not allowed.)"""
    try:
        os.link(source, target)
    except FileExistsError:
        return False
    except OSError:
        if target.exists():
            return False
        os.rename(source, target)
        return True
    os.unlink(source)
    return True


class _Seen:
    """What this store last read or wrote for one conversation: the file's stamp, and
    its messages' ids, worked out when a merge needs them (a huge conversation's ids are
    read from its file: lazy.py)."""

    __slots__ = ("_ids", "_messages", "stamp")

    def __init__(self, stamp: Stamp, messages: list[Message]) -> None:
        self.stamp = stamp
        self._messages: tuple[Message, ...] | None = tuple(messages)
        self._ids: frozenset[str] | None = None

    @property
    def message_ids(self) -> frozenset[str]:
        if self._ids is None:
            self._ids = frozenset(m.id for m in self._messages or ())
            self._messages = None
        return self._ids


class ConversationStore:
    def __init__(self, paths: Paths) -> None:
        self.paths = paths
        self.folder = paths.conversations_dir
        self._mutex = threading.RLock()
        self._seen: dict[str, _Seen] = {}
        self._index: dict[str, IndexEntry] | None = None
        # Counts the changes to `_index`: what a search derives from it is kept until then.
        self._changes = 0
        self._search_listing: tuple[int, SearchListing] | None = None
        # The index as read by recent_from_index, its entries not all built yet: list()
        # builds them (after the app's first frame) instead of reading the file again.
        self._raw_index: RawIndex | None = None
        self._index_dirty = False
        # Problems met during save() (a corrupt file replaced by our version after
        # being moved aside); the app may show them. save() itself cannot return them.
        self.problems: list[StoreProblem] = []
        # The folder's stamp when list() last read it, for changed_on_disk().
        self._listed: Stamp | object | None = _NEVER_LISTED
        # Each conversation's summary as last listed, kept while its index entry is the
        # same object (list() makes ~20,000 of them for a decade of history).
        self._summaries: dict[str, tuple[IndexEntry, ConversationSummary]] = {}
        self._search_index: SearchIndex | None = None

    @property
    def index_file(self) -> Path:
        return self.folder / INDEX_NAME

    def path_for(self, conversation_id: str) -> Path:
        return self.folder / f"{validate_id(conversation_id)}{SUFFIX}"

    # --- reading ---------------------------------------------------------------------

    def _corrupt(self, path: Path, reason: str, line: int | None) -> StoreProblem:
        moved = move_aside(path)
        where = f"{path.name} line {line}" if line else path.name
        if moved is not None:
            tail = f"It was moved aside to {moved.name}."
        else:
            tail = "It could not be moved aside and was left as it is."
        return StoreProblem(path, f"Conversation file {where}: {reason}. {tail}", line, moved)

    @_serialized
    def load(self, conversation_id: str) -> Conversation:
        """Read one conversation; raises ConversationNotFound, ConversationCorrupt, StoreError."""
        path = self.path_for(conversation_id)
        conversation = None
        try:
            f = open(path, "rb")  # noqa: SIM115 (a huge one's stays open: lazy.py)
            try:
                # fstat of the open file: the stamp of exactly the bytes we read.
                stamp = _stamp(os.fstat(f.fileno()))
                if stamp[2] >= lazy.LAZY_BYTES:
                    conversation = lazy.load(f, str(path), conversation_id, True)
                if conversation is None:
                    f.seek(0)
                    raw = f.read()
            finally:
                if conversation is None:
                    f.close()
        except FileNotFoundError as exc:
            raise ConversationNotFound(f"There is no saved conversation {path}.", path) from exc
        except OSError as exc:
            raise StoreError(f"Could not read {path}: {os_reason(exc)}.", path) from exc
        try:
            if conversation is None:
                conversation = parse_conversation(raw, conversation_id, settle_streaming=True)
        except Unreadable as exc:
            problem = self._corrupt(path, exc.reason, exc.line)
            self._forget(conversation_id)
            raise ConversationCorrupt(problem) from exc
        except NewerSchema as exc:
            raise StoreError(
                f"{path} was written by a newer tui-chat (schema {exc.version}); "
                "update tui-chat to open it.",
                path,
            ) from exc
        self._seen[conversation_id] = _Seen(stamp, conversation.messages)
        self._fold_journal(conversation)
        return conversation

    def journal_path(self, conversation_id: str) -> Path:
        return self.folder / f"{validate_id(conversation_id)}{journal.SUFFIX}"

    def start_journal(self, conversation_id: str, message: Message) -> journal.AnswerJournal | None:
        """Write this answer's text to disk as it arrives (see journal.py)."""
        return journal.AnswerJournal.start(self.folder, validate_id(conversation_id), message)

    def _fold_journal(self, conversation: Conversation) -> None:
        """An answer a killed process left in a journal goes into the conversation file."""
        path = self.journal_path(conversation.id)
        if not path.exists():
            return
        handle = journal.claim(path)
        if handle is None:
            return  # being written by a running tui-chat: its answer is not over yet
        try:
            answer = journal.read_journal(path)
            if answer is not None and journal.fold(conversation, answer):
                try:
                    self.save(conversation)
                except StoreError as error:
                    self.problems.append(StoreProblem(path, str(error)))
                    return  # keep the journal: nothing it holds is lost
            with contextlib.suppress(OSError):
                os.unlink(path)
        finally:
            os.close(handle)

    def _fold_orphan_journals(self, conversation_ids: list[str]) -> None:
        for conversation_id in conversation_ids:
            try:
                self.load(conversation_id)  # folds it
            except (StoreError, ValueError):
                continue

    def _read_summary(self, conversation_id: str, path: str) -> IndexEntry:
        """Header fields of one file; raises Unreadable, OSError."""
        with open(path, "rb") as f:
            stamp = _stamp(os.fstat(f.fileno()))
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

    @_serialized
    def list(self) -> tuple[list[ConversationSummary], list[StoreProblem]]:
        """All conversations, newest `updated` first, from the index (re-reading only
        files that changed). Corrupt files are moved aside and reported, not raised."""
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
                    journals.append(entry.name[: -len(journal.SUFFIX)])
                continue
            cid = found.group(1)
            try:
                stamp = _stamp(entry.stat(follow_symlinks=False))
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
            self._fold_orphan_journals([cid for cid in journals if cid in present])
        if self._index_dirty:
            save_index(self.index_file, index)
            self._index_dirty = False
        if stale_tmp:
            remove_stale_tmp_files(self.folder)
        summaries = self._summaries_of(index)
        return summaries, problems

    def _summaries_of(self, index: dict[str, IndexEntry]) -> list[ConversationSummary]:
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

    def recent_from_index(self, count: int) -> tuple[list[ConversationSummary], int] | None:
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

    def search(self, query: str) -> list[ConversationSummary]:
        """Conversations whose title or any message contains `query`, ignoring case and
        accents; all of them for an empty query."""
        if not query:
            return self.list()[0]
        return [hit.summary for hit in self.find(query)]

    def find(
        self,
        query: str,
        stop: Callable[[], bool] | None = None,
        partial: Callable[[list[SearchHit]], None] | None = None,
    ) -> list[SearchHit]:
        """Conversations whose title or any message contains `query` (ignoring case and
        accents), newest first, each with the first message that matched and the words
        around the match (search.py). `stop` is asked as it goes: a newer search replaces
        this one. `partial` gets the results found so far while it goes on.

        The search index (fts.py) names the messages that may match; each is checked in
        its file. Files the index does not have as they are now are read whole, and so
        are all of them when the index cannot be used."""
        from tui_chat.store.fts_schema import IndexUnusable
        from tui_chat.store.search import fold, search_summaries

        listing = self._listing_for_search()
        needle = fold(query)
        if not needle:
            return []
        try:
            return self.search_index.find(needle, listing, stop, partial)
        except IndexUnusable:
            return search_summaries(listing.summaries, query, stop)

    @property
    def search_index(self) -> SearchIndex:
        if self._search_index is None:
            from tui_chat.store.fts import SearchIndex

            self._search_index = SearchIndex(self.paths.search_index_file, self.folder)
        return self._search_index

    def update_search_index(self, stop: Callable[[], bool] | None = None) -> bool:
        """Bring the search index in line with the files: index what is new or changed,
        forget what is gone (the first time, everything: ~25 s for a million messages, in
        steps that are kept if stopped). False when stopped or when it cannot be used."""
        from tui_chat.store.fts_schema import IndexUnusable

        with self._mutex:
            listing = self._listing_for_search()
            updated = {s.id: s.updated.timestamp() for s in listing.summaries}
        try:
            done = self.search_index.update(listing.stamps, updated, stop)
            if done:
                self.search_index.warm()
            return done
        except IndexUnusable:
            return False

    def _listing_for_search(self) -> SearchListing:
        """Every conversation, newest first, and the stamp of each file as listed: listed
        again only when the folder changed (a search per key typed must not stat every
        file of a decade of history), and worked out again only when the list changed."""
        from tui_chat.store.fts_find import SearchListing

        with self._mutex:
            if self._index is None or self._raw_index is not None or self.changed_on_disk():
                self.list()
            kept = self._search_listing
            if kept is not None and kept[0] == self._changes:
                return kept[1]
            index = self._index or {}
            listing = SearchListing(
                self._summaries_of(index), {cid: e.stamp for cid, e in index.items()}
            )
            self._search_listing = (self._changes, listing)
            return listing

    def changed_on_disk(self) -> bool:
        """Whether the folder may hold other conversations than the last `list()` saw: a
        single stat. A file added, replaced (every save writes a new file and renames it)
        or removed, by this process or another, changes the folder's modification time."""
        listed = self._listed
        if listed is _NEVER_LISTED:
            return False
        return listed is None or self._folder_stamp() != listed

    def _folder_stamp(self) -> Stamp | None:
        try:
            st = os.stat(self.folder)
        except OSError:
            return (0, 0, 0)  # no folder (yet): a folder made later differs
        # A change within the filesystem's time resolution of this stat could leave the
        # time as it is: such a recent stamp is not trusted (None: check again later).
        if time.time() - st.st_mtime < _MTIME_SLACK:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_nlink)

    # --- writing ---------------------------------------------------------------------

    def _disk_version(self, path: Path, conversation_id: str) -> tuple[Stamp, Conversation] | None:
        """The file's current contents if it changed since we last saw it, else None."""
        try:
            with open(path, "rb") as f:
                stamp = _stamp(os.fstat(f.fileno()))
                seen = self._seen.get(conversation_id)
                if seen is not None and seen.stamp == stamp:
                    return None
                raw = f.read()
        except FileNotFoundError:
            return None
        try:
            return stamp, parse_conversation(raw, conversation_id, settle_streaming=False)
        except Unreadable as exc:
            # Ours replaces it, but only after the broken file is safe under another name.
            problem = self._corrupt(path, exc.reason, exc.line)
            self.problems.append(problem)
            if problem.moved_to is None:
                raise StoreError(problem.message, path) from exc
            return None

    @_serialized
    def save(self, conversation: Conversation) -> None:
        """Write atomically, merging first with any version another instance saved.

        On success `conversation` holds the merged messages. On failure it is
        unchanged and StoreError says why; nothing on disk was damaged.
        """
        path = self.path_for(conversation.id)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._save_error(conversation, path, exc) from exc
        try:
            with folder_lock(self.folder):
                try:
                    disk = self._disk_version(path, conversation.id)
                except NewerSchema as exc:
                    raise StoreError(
                        f"Could not save conversation {_label(conversation)}: {path} was "
                        f"written by a newer tui-chat (schema {exc.version}) and is left alone.",
                        path,
                    ) from exc
                messages = conversation.messages
                title = conversation.title
                if disk is not None:
                    _stamp_on_disk, theirs = disk
                    seen = self._seen.get(conversation.id)
                    known = seen.message_ids if seen else frozenset()
                    messages = merge.merge_messages(conversation.messages, theirs.messages, known)
                    title = merge.merge_header(conversation, theirs)
                updated = max(
                    [conversation.updated, *(m.created for m in messages)],
                    key=lambda t: t if t.tzinfo else t.replace(tzinfo=UTC),
                )
                # A copy to encode, so a failed write leaves the caller's object untouched.
                snapshot = replace(conversation, title=title, updated=updated, messages=messages)
                atomic_write(path, encode(snapshot))
                stamp = _stamp(os.stat(path))
        except StoreError as exc:
            cause = exc.__cause__
            if isinstance(cause, OSError):
                raise self._save_error(conversation, path, cause) from cause
            raise
        except OSError as exc:
            raise self._save_error(conversation, path, exc) from exc
        if messages is not conversation.messages:
            merge.adopt(conversation, messages)
        conversation.title = title
        conversation.updated = updated
        self._seen[conversation.id] = _Seen(stamp, messages)
        if self._index is not None:
            # Keeps the next list() from re-reading the file we just wrote.
            self._changes += 1
            self._index[conversation.id] = IndexEntry(
                stamp,
                title,
                conversation.created,
                updated,
                conversation.provider,
                conversation.model,
                len(messages),
            )
            self._index_dirty = True

    def _save_error(self, conversation: Conversation, path: Path, exc: OSError) -> StoreError:
        return StoreError(
            f"Could not save conversation {_label(conversation)} to {path}: {os_reason(exc)}. "
            "It is kept in memory; try again.",
            path,
        )

    @_serialized
    def delete(self, conversation_id: str) -> Path:
        """Move the file into the trash folder (never destroyed); returns where it went."""
        path = self.path_for(conversation_id)
        trash = self.paths.trash_dir
        try:
            trash.mkdir(parents=True, exist_ok=True)
            with folder_lock(self.folder):
                target = trash / path.name
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
                counter = 1
                while target.exists():
                    counter += 1
                    target = trash / f"{conversation_id}-{stamp}-{counter}{SUFFIX}"
                os.rename(path, target)
                with contextlib.suppress(OSError):
                    # The file's time becomes the time of deletion (trash.deleted_at).
                    os.utime(target)
                with contextlib.suppress(OSError):
                    os.unlink(self.journal_path(conversation_id))
        except FileNotFoundError as exc:
            if not path.exists():
                raise ConversationNotFound(
                    f"There is no saved conversation {path} to delete.", path
                ) from exc
            raise StoreError(
                f"Could not move {path} to the trash: {os_reason(exc)}.", path
            ) from exc
        except OSError as exc:
            raise StoreError(
                f"Could not move {path} to the trash: {os_reason(exc)}.", path
            ) from exc
        fsync_dir(self.folder)
        fsync_dir(trash)
        self._forget(conversation_id)
        return target

    # --- the trash -------------------------------------------------------------------------

    def trashed(self) -> tuple[list[Trashed], list[StoreProblem]]:
        """The deleted conversations, most recently deleted first (trash.py)."""
        from tui_chat.store.trash import list_trash

        return list_trash(self.paths.trash_dir)

    def purge_trash(self, keep_days: int | None = None) -> list[Path]:
        """Remove for good what was deleted more than `keep_days` days ago."""
        from tui_chat.store.trash import KEEP_DAYS, purge

        return purge(self.paths.trash_dir, KEEP_DAYS if keep_days is None else keep_days)

    @_serialized
    def restore(self, trashed: Path) -> Restored:
        """Move a deleted conversation back from the trash. One whose id is in use again
        (saved since by another instance, or restored before) is never overwritten: it
        comes back under a new id. Raises ConversationNotFound (no longer in the trash)
        and StoreError (unreadable, or the move failed; the file stays in the trash)."""
        from tui_chat.store.trash import is_trash_name, original_id

        if trashed.parent != self.paths.trash_dir or not is_trash_name(trashed.name):
            raise StoreError(f"{trashed} is not a conversation in the trash.", trashed)
        try:
            raw = trashed.read_bytes()
        except FileNotFoundError as exc:
            raise ConversationNotFound(
                f"{trashed.name} is no longer in the trash (restored or removed meanwhile).",
                trashed,
            ) from exc
        except OSError as exc:
            raise StoreError(f"Could not read {trashed}: {os_reason(exc)}.", trashed) from exc
        conversation_id = original_id(trashed, raw)
        try:
            conversation = parse_conversation(raw, conversation_id, settle_streaming=False)
        except Unreadable as exc:
            where = f"line {exc.line}: " if exc.line else ""
            raise StoreError(
                f"{trashed} cannot be read ({where}{exc.reason}); it is left in the trash.",
                trashed,
            ) from exc
        except NewerSchema as exc:
            raise StoreError(
                f"{trashed} was written by a newer tui-chat (schema {exc.version}); "
                "update tui-chat to restore it.",
                trashed,
            ) from exc
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with folder_lock(self.folder):
                restored_id = conversation_id
                if not _move_without_replacing(trashed, self.path_for(conversation_id)):
                    # Taken: the copy in the trash becomes a conversation of its own.
                    restored_id = Conversation().id
                    conversation = parse_conversation(raw, restored_id, settle_streaming=False)
                    atomic_write(self.path_for(restored_id), encode(conversation))
                    os.unlink(trashed)
        except OSError as exc:
            raise StoreError(
                f"Could not restore {trashed} to {self.folder}: {os_reason(exc)}.", trashed
            ) from exc
        fsync_dir(self.folder)
        fsync_dir(trashed.parent)
        return Restored(restored_id, conversation.title, renamed=restored_id != conversation_id)

    def _forget(self, conversation_id: str) -> None:
        self._seen.pop(conversation_id, None)
        self._changes += 1
        if self._index is not None and self._index.pop(conversation_id, None) is not None:
            self._index_dirty = True
