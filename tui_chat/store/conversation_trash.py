"""Deleting conversations into the trash folder, and what is done with them there."""

from __future__ import annotations

import contextlib
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tui_chat.record import record
from tui_chat.store.atomic import atomic_write, fsync_dir
from tui_chat.store.conversation_files import SUFFIX
from tui_chat.store.conversations import Conversation
from tui_chat.store.errors import (
    ConversationNotFound,
    StoreError,
    StoreProblem,
    os_reason,
)
from tui_chat.store.locking import folder_lock, serialized

# trash.py is imported where it is used: start-up needs none.
if TYPE_CHECKING:
    from tui_chat.store.conversation_store import ConversationStore
    from tui_chat.store.trash import Trashed


# A frozen record (record.py): immutable, compared and printed alike, and made without
# compiling methods from source (a named tuple's class costs ~0.7 M instructions).
@record(frozen=True)
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


class Trash:
    """The part of ConversationStore that moves conversations to the trash and back."""

    @serialized
    def delete(self: ConversationStore, conversation_id: str) -> Path:
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
                for journal_path in self.journal_paths(conversation_id):
                    with contextlib.suppress(OSError):
                        os.unlink(journal_path)
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

    def trashed(self: ConversationStore) -> tuple[list[Trashed], list[StoreProblem]]:
        """The deleted conversations, most recently deleted first (trash.py)."""
        from tui_chat.store.trash import list_trash

        return list_trash(self.paths.trash_dir)

    def purge_trash(self: ConversationStore, keep_days: int | None = None) -> list[Path]:
        """Remove for good what was deleted more than `keep_days` days ago."""
        from tui_chat.store.trash import KEEP_DAYS, purge

        return purge(self.paths.trash_dir, KEEP_DAYS if keep_days is None else keep_days)

    @serialized
    def restore(self: ConversationStore, trashed: Path) -> Restored:
        """Move a deleted conversation back from the trash. One whose id is in use again
        (saved since by another instance, or restored before) is never overwritten: it
        comes back under a new id. Raises ConversationNotFound (no longer in the trash)
        and StoreError (unreadable, or the move failed; the file stays in the trash)."""
        from tui_chat.store.codec import NewerSchema, Unreadable, encode, parse_conversation
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
