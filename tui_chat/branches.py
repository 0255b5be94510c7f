"""Branches of a conversation: answer variants, edited questions, forks. No Textual here.

A conversation is the path it shows, `Conversation.messages`. Where it branched (a
retried answer, an edited question, several models asked the same question), the first
message of the branch shown holds the others in `Message.variants`, each the messages
that followed there instead (themselves able to branch), and `Message.variant` says
where the shown one sits among them all, in the order they were made. Flipping to
another variant swaps the tails: the conversation goes on from the variant shown, and
nothing is ever dropped.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Sequence
from datetime import UTC, datetime

from .store.conversations import Conversation, Message, all_messages

__all__ = ["add_branch", "all_messages", "count", "fork", "last_branch_point", "show_variant"]


def count(message: Message) -> int:
    """How many variants there are in this message's place (1: no other)."""
    return len(message.variants) + 1


def last_branch_point(messages: Sequence[Message]) -> int | None:
    """The index of the newest message with variants (the one flip keys act on from
    the prompt), or None."""
    for index in range(len(messages) - 1, -1, -1):
        if messages[index].variants:
            return index
    return None


def _branches(messages: list[Message], index: int) -> list[list[Message]]:
    """Every branch at `index`, the shown one (messages[index:]) in its place; the
    head's record of them is cleared (the caller gives it to the new head)."""
    head = messages[index]
    branches = [*head.variants[: head.variant], messages[index:], *head.variants[head.variant :]]
    head.variants, head.variant = [], 0
    return branches


def add_branch(messages: list[Message], index: int, tail: list[Message]) -> None:
    """Show `tail` from `index` on (a retried answer, an edited question); what was
    there stays as a variant, and the new branch is the last of them."""
    if not tail:
        raise ValueError("a branch needs at least one message")
    branches = _branches(messages, index) if index < len(messages) else []
    head = tail[0]
    head.variants, head.variant = branches, len(branches)
    messages[index:] = tail


def add_hidden(messages: list[Message], index: int, tail: list[Message]) -> None:
    """Keep `tail` as the last variant at `index` without showing it (the other
    answers when several models are asked at once)."""
    messages[index].variants.append(tail)


def show_variant(messages: list[Message], index: int, to: int) -> list[Message]:
    """Show variant `to` (0-based; wraps around) at `index`; returns the tail shown now."""
    branches = _branches(messages, index)
    to %= len(branches)
    shown = branches.pop(to)
    shown[0].variants, shown[0].variant = branches, to
    messages[index:] = shown
    return shown


def fork(conversation: Conversation, index: int, title_suffix: str = " (fork)") -> Conversation:
    """A new conversation holding the messages shown up to and including `index`, with
    the same model, system prompt and parameters; the original is untouched. Variants
    of those messages stay behind (the fork is the path that was read), and so does
    each provider's own context (it goes on past the fork point)."""
    now = datetime.now(UTC)
    kept = []
    for message in conversation.messages[: index + 1]:
        clone = copy.deepcopy(message, {id(message.variants): []})
        clone.variants, clone.variant = [], 0
        if clone.status == "streaming":
            clone.status = "stopped"
        kept.append(clone)
        clone.id = os.urandom(16).hex()  # its own: two instances merge messages by id
    return Conversation(
        title=(conversation.title or "Untitled") + title_suffix,
        created=now,
        updated=now,
        provider=conversation.provider,
        model=conversation.model,
        system_prompt=conversation.system_prompt,
        parameters=dict(conversation.parameters),
        messages=kept,
    )
