"""Reading, saving and deleting conversation files; ConversationStore itself.

One file per conversation, `conversations/<id>.toml`. Every write is atomic
(atomic.py). A file that cannot be read is moved aside, never overwritten.
Two instances may share the folder: each remembers the stamp of the file
version it last read or wrote, and a save that finds a different stamp on
disk merges with that version first (merge.py), under a folder lock.

The store's other parts are mixins: listing (conversation_listing.py), searching
(conversation_search.py), deleting and the trash (conversation_trash.py).
"""

from __future__ import annotations

import contextlib
import os
import threading
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING

from tui_chat.record import replace
from tui_chat.store import journal
from tui_chat.store.atomic import atomic_write, move_aside
from tui_chat.store.conversation_files import SUFFIX, stamp_of, validate_id
from tui_chat.store.conversation_listing import NEVER_LISTED, Listing
from tui_chat.store.conversation_search import Searching
from tui_chat.store.conversation_trash import Trash
from tui_chat.store.conversations import Conversation, ConversationSummary, Message
from tui_chat.store.errors import (
    ConversationCorrupt,
    ConversationNotFound,
    StoreError,
    StoreProblem,
    os_reason,
)
from tui_chat.store.index import INDEX_NAME, IndexEntry, RawIndex, Stamp
from tui_chat.store.locking import folder_lock, serialized
from tui_chat.store.paths import Paths

# fts*.py is imported where it is used (conversation_search.py): start-up needs none.
if TYPE_CHECKING:
    from tui_chat.store.fts import SearchIndex
    from tui_chat.store.fts_find import SearchListing


def _label(conversation: Conversation) -> str:
    return repr(conversation.title) if conversation.title else conversation.id


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


class ConversationStore(Listing, Searching, Trash):
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
        self._listed: Stamp | object | None = NEVER_LISTED
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

    @serialized
    def load(self, conversation_id: str) -> Conversation:
        """Read one conversation; raises ConversationNotFound, ConversationCorrupt, StoreError."""
        # The file format's modules are imported with the first file read or written: a
        # start listed from the index needs none of them (~10 M instructions).
        from tui_chat.store import lazy
        from tui_chat.store.codec import NewerSchema, Unreadable, parse_conversation

        path = self.path_for(conversation_id)
        conversation = None
        try:
            f = open(path, "rb")  # noqa: SIM115 (a huge one's stays open: lazy.py)
            try:
                # fstat of the open file: the stamp of exactly the bytes we read.
                stamp = stamp_of(os.fstat(f.fileno()))
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

    def journal_path(self, conversation_id: str, slot: int = 0) -> Path:
        """The journal of an answer streaming into the conversation; answers streaming
        at once (several models asked) each have a slot of their own: `<id>~1.journal`."""
        name = validate_id(conversation_id) + (f"{journal.SLOT}{slot}" if slot else "")
        return self.folder / f"{name}{journal.SUFFIX}"

    def journal_paths(self, conversation_id: str) -> list[Path]:
        """Every journal of the conversation on disk (slot 0 first)."""
        first = self.journal_path(conversation_id)
        others = sorted(self.folder.glob(f"{first.stem}{journal.SLOT}*{journal.SUFFIX}"))
        return [path for path in [first, *others] if path.exists()]

    def start_journal(
        self, conversation_id: str, message: Message, slot: int = 0
    ) -> journal.AnswerJournal | None:
        """Write this answer's text to disk as it arrives (see journal.py)."""
        path = self.journal_path(conversation_id, slot)
        return journal.AnswerJournal.start(self.folder, path.stem, message)

    def _fold_journal(self, conversation: Conversation) -> None:
        """Answers a killed process left in journals go into the conversation file."""
        for path in self.journal_paths(conversation.id):
            self._fold_one_journal(conversation, path)

    def _fold_one_journal(self, conversation: Conversation, path: Path) -> None:
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

    # --- writing ---------------------------------------------------------------------

    def _disk_version(self, path: Path, conversation_id: str) -> tuple[Stamp, Conversation] | None:
        """The file's current contents if it changed since we last saw it, else None."""
        from tui_chat.store.codec import Unreadable, parse_conversation

        try:
            with open(path, "rb") as f:
                stamp = stamp_of(os.fstat(f.fileno()))
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

    @serialized
    def save(self, conversation: Conversation) -> None:
        """Write atomically, merging first with any version another instance saved.

        On success `conversation` holds the merged messages. On failure it is
        unchanged and StoreError says why; nothing on disk was damaged.
        """
        from tui_chat.store import merge
        from tui_chat.store.codec import NewerSchema, encode

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
                stamp = stamp_of(os.stat(path))
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

    def _forget(self, conversation_id: str) -> None:
        self._seen.pop(conversation_id, None)
        self._changes += 1
        if self._index is not None and self._index.pop(conversation_id, None) is not None:
            self._index_dirty = True
