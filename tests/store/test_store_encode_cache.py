"""Saving reuses each message's encoded table while the message is unchanged (an answer
being streamed is saved every 2 s): what lands on disk must be exactly what encoding the
conversation afresh gives, whatever changed in between."""

from __future__ import annotations

import copy
import gc
import tomllib

import pytest
from helpers import full_conversation

import tui_chat.store.encode as codec
from tui_chat.record import field_names
from tui_chat.store import Attachment, ConversationStore, Message
from tui_chat.store.codec import encode
from tui_chat.store.conversations import MediaFile


def fresh(conversation) -> bytes:
    """The conversation encoded from new message objects: nothing reused."""
    return encode(copy.deepcopy(conversation))


def test_saving_again_writes_the_same_bytes(store: ConversationStore) -> None:
    c = full_conversation(9)
    store.save(c)
    first = store.path_for(c.id).read_bytes()
    store.save(c)
    assert store.path_for(c.id).read_bytes() == first == fresh(c)


CHANGES = {
    "content (appended, as a stream does)": lambda m: setattr(m, "content", m.content + " more"),
    "status": lambda m: setattr(m, "status", "complete"),
    "reasoning": lambda m: setattr(m, "reasoning", m.reasoning + "!"),
    "usage changed in place": lambda m: m.usage.update(total_tokens=999),
    "usage emptied in place": lambda m: m.usage.clear(),
    "attachment added in place": lambda m: m.attachments.append(
        Attachment("/x.txt", "text/plain", 1, "ef" * 32)
    ),
    "attachment's size changed in place": lambda m: setattr(m.attachments[0], "size", 7),
    "error": lambda m: setattr(m, "error", "new error"),
    "finish_reason": lambda m: setattr(m, "finish_reason", "length"),
    "provider and model": lambda m: (setattr(m, "provider", "p2"), setattr(m, "model", "m2")),
    "role": lambda m: setattr(m, "role", "user"),
    "id": lambda m: setattr(m, "id", "0" * 32),
    "variant added in place": lambda m: m.variants.append([Message("assistant", "other")]),
    "hidden variant changed in place": lambda m: (
        m.variants.append([Message("assistant", "other")]),
        setattr(m.variants[0][0], "content", "changed"),
    ),
}


@pytest.mark.parametrize("change", list(CHANGES), ids=list(CHANGES))
def test_a_changed_message_is_saved_as_it_now_is(store: ConversationStore, change: str) -> None:
    c = full_conversation(6)
    store.save(c)
    CHANGES[change](c.messages[4])
    store.save(c)
    on_disk = store.path_for(c.id).read_bytes()
    assert on_disk == fresh(c)
    assert ConversationStore(store.paths).load(c.id).messages[4] == c.messages[4]


def test_every_field_of_a_message_is_in_what_decides_reuse() -> None:
    """A field added to Message must be added to `encode._message_key` too, or a change of
    it alone would not reach the file: each field, changed, changes the key."""
    message = full_conversation(1).messages[0]
    key = codec._message_key(message)
    for name in field_names(message):
        changed = copy.deepcopy(message)
        value = getattr(changed, name)
        if isinstance(value, dict):
            value["added"] = 1
        elif name == "variants":
            value.append([Message(role="assistant", content="another answer")])
        elif name == "media":
            value.append(MediaFile(path="media/c/0123456789abcdef.png", source="data:"))
        elif isinstance(value, list):
            value.append(Attachment("/new", "text/plain", 1, "0" * 64))
        elif isinstance(value, str):
            setattr(changed, name, value + "x")
        elif isinstance(value, int):
            setattr(changed, name, value + 1)
        else:  # the creation time
            setattr(changed, name, value.replace(year=value.year + 1))
        assert codec._message_key(changed) != key, name


def test_messages_added_and_removed_between_saves(store: ConversationStore) -> None:
    c = full_conversation(5)
    store.save(c)
    c.messages.insert(1, Message(role="user", content="inserted"))
    del c.messages[3]
    store.save(c)
    data = tomllib.loads(store.path_for(c.id).read_text())
    assert [m["content"] for m in data["messages"]] == [m.content for m in c.messages]
    assert store.path_for(c.id).read_bytes() == fresh(c)


def test_the_reused_tables_go_with_their_messages() -> None:
    """Nothing is kept for messages no conversation holds any more."""
    gc.collect()
    before = len(codec._encoded)
    c = full_conversation(50)
    encode(c)
    assert len(codec._encoded) == before + 50
    del c
    gc.collect()
    assert len(codec._encoded) == before
