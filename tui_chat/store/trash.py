"""The trash folder: what is in it, and forgetting what has been there too long.

`ConversationStore.delete` moves a conversation's file into `<config>/trash`, as
`<id>.toml` or, when a file of that name is there already, `<id>-<time>-<n>.toml`, and
sets its modification time to the moment of deletion. `ConversationStore.restore`
brings one back. Nothing here imports anything above the store.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tui_chat.store.codec import NewerSchema, Unreadable, parse_conversation, split_header
from tui_chat.store.errors import StoreProblem, os_reason
from tui_chat.store.search import Snippet, preview

#: Conversations deleted longer ago than this are removed for good at start-up.
KEEP_DAYS = 30

# `<id>.toml` or `<id>-<YYYYmmddTHHMMSS>-<n>.toml`, as delete() names them.
_TRASH_NAME = re.compile(r"([A-Za-z0-9_-]{1,64}?)(?:-\d{8}T\d{6}-\d+)?\.toml")
_HEADER_ID = re.compile(rb'^id = "([A-Za-z0-9_-]{1,64})"[ \t]*\r?$', re.MULTILINE)


@dataclass(frozen=True)
class Trashed:
    """A deleted conversation, as the trash list shows it."""

    path: Path  # its file in the trash
    conversation_id: str  # the id it had
    title: str
    deleted: datetime
    updated: datetime
    message_count: int
    preview: Snippet  # the start of its first message


def is_trash_name(name: str) -> bool:
    return _TRASH_NAME.fullmatch(name) is not None


def original_id(path: Path, raw: bytes) -> str:
    """The id the conversation had: the one its header names, else its file name's."""
    found = _HEADER_ID.search(split_header(raw)[0])
    if found:
        return found.group(1).decode("ascii")
    named = _TRASH_NAME.fullmatch(path.name)
    return named.group(1) if named else path.stem


def deleted_at(st: os.stat_result) -> datetime:
    """When the file was moved to the trash. delete() sets the modification time then;
    a file trashed by an older version kept the time it was last saved, but the move
    changed its status-change time (ctime): the later of the two is never too early."""
    return datetime.fromtimestamp(max(st.st_mtime, st.st_ctime), UTC)


def _entries(trash: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(trash) as found:
            return [
                entry
                for entry in found
                if is_trash_name(entry.name) and entry.is_file(follow_symlinks=False)
            ]
    except FileNotFoundError:
        return []


def list_trash(trash: Path) -> tuple[list[Trashed], list[StoreProblem]]:
    """The deleted conversations, most recently deleted first. A file that cannot be read
    is reported and left where it is."""
    found: list[Trashed] = []
    problems: list[StoreProblem] = []
    try:
        entries = _entries(trash)
    except OSError as exc:
        return [], [StoreProblem(trash, f"Could not list {trash}: {os_reason(exc)}.")]
    for entry in entries:
        path = Path(entry.path)
        try:
            with open(path, "rb") as f:
                st = os.fstat(f.fileno())
                raw = f.read()
        except FileNotFoundError:
            continue  # restored or purged by another instance meanwhile
        except OSError as exc:
            problems.append(StoreProblem(path, f"Could not read {path}: {os_reason(exc)}."))
            continue
        cid = original_id(path, raw)
        try:
            conversation = parse_conversation(raw, cid, settle_streaming=True)
        except Unreadable as exc:
            where = f"{path.name} line {exc.line}" if exc.line else path.name
            problems.append(StoreProblem(path, f"{where} in the trash: {exc.reason}.", exc.line))
            continue
        except NewerSchema as exc:
            problems.append(
                StoreProblem(
                    path,
                    f"{path.name} in the trash was written by a newer tui-chat "
                    f"(schema {exc.version}).",
                )
            )
            continue
        first = conversation.messages[0].content if conversation.messages else ""
        found.append(
            Trashed(
                path,
                cid,
                conversation.title,
                deleted_at(st),
                conversation.updated,
                len(conversation.messages),
                preview(first),
            )
        )
    found.sort(key=lambda t: t.deleted, reverse=True)
    return found, problems


def purge(trash: Path, keep_days: int = KEEP_DAYS, now: datetime | None = None) -> list[Path]:
    """Remove for good the conversations deleted more than `keep_days` days ago; returns
    the files removed. Only files named as delete() names them are touched."""
    limit = (now or datetime.now(UTC)) - timedelta(days=keep_days)
    removed: list[Path] = []
    try:
        entries = _entries(trash)
    except OSError:
        return removed
    for entry in entries:
        with contextlib.suppress(OSError):
            if deleted_at(entry.stat(follow_symlinks=False)) < limit:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed
