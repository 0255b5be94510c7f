"""Merging a conversation with the version another instance saved meanwhile.

Messages carry stable ids, so the merge is a union by id. Rules:
- a message only on disk is added, unless we had seen it before (then we
  deleted it on purpose, e.g. "regenerate", and it must not come back);
- a message on both sides keeps the version with more text, then the later
  status (a "streaming" save is superseded by the "complete" one);
- their additions are placed by creation time; our order is kept as it is;
- header fields are ours, except an empty title, which takes theirs.
Their deletions are not honoured: without tombstones a message missing on
disk could as well be one they never had, and losing a message is worse
than showing one twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from tui_chat.store.conversations import Conversation, Message

_STATUS_RANK = {"streaming": 0, "stopped": 1, "failed": 1, "complete": 2}


def _when(m: Message) -> datetime:
    # A caller may have set a naive time; our files are UTC, so compare as UTC.
    return m.created if m.created.tzinfo else m.created.replace(tzinfo=UTC)


def _weight(m: Message) -> tuple[int, int]:
    return len(m.content) + len(m.reasoning), _STATUS_RANK.get(m.status, 0)


def merge_messages(
    ours: list[Message], theirs: list[Message], known_ids: Iterable[str]
) -> list[Message]:
    """A new list: ours, with their additions and their newer versions (their objects)."""
    known = set(known_ids)
    their_by_id = {m.id: m for m in theirs}
    our_ids = {m.id for m in ours}
    merged: list[Message] = []
    for m in ours:
        other = their_by_id.get(m.id)
        merged.append(other if other is not None and _weight(other) > _weight(m) else m)
    for m in theirs:
        if m.id in our_ids or m.id in known:
            continue
        # Slot it in by time after the last message not newer than it. Our own
        # order is never rearranged, even where it does not follow the clock.
        at = len(merged)
        while at > 0 and _when(merged[at - 1]) > _when(m):
            at -= 1
        merged.insert(at, m)
    return merged


def merge_header(ours: Conversation, theirs: Conversation) -> str:
    """The title to keep (the only header field where theirs can win)."""
    return ours.title or theirs.title


def adopt(conversation: Conversation, merged: list[Message]) -> None:
    """Make `conversation.messages` equal to `merged`, keeping our Message objects.

    The UI may hold references to messages (the one being streamed into), so a
    message that exists on our side is updated in place rather than replaced.
    """
    ours = {m.id: m for m in conversation.messages}
    result = []
    for m in merged:
        mine = ours.get(m.id)
        if mine is None:
            result.append(m)
            continue
        if mine is not m:
            mine.__dict__.update(vars(m))
        result.append(mine)
    conversation.messages[:] = result
