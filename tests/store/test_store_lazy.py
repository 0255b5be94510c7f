"""Huge conversations (store/lazy.py): loaded without parsing their older messages, which
read themselves from the file when used; equal to a whole parse in every way; saved
without reading them all and without changing them; a broken table loses nothing."""

from __future__ import annotations

import pytest
from helpers import NASTY

from tui_chat.store import Conversation, ConversationStore, Message, lazy
from tui_chat.store.codec import encode, parse_conversation

COUNT = 60


@pytest.fixture(autouse=True)
def small_thresholds(monkeypatch) -> None:
    # Lazy from a few kB on, the newest 10 parsed at once (the app: 4 MB, 300).
    monkeypatch.setattr(lazy, "LAZY_BYTES", 2000)
    monkeypatch.setattr(lazy, "TAIL", 10)


def big(count: int = COUNT) -> Conversation:
    messages = []
    for i in range(count):
        role = "user" if i % 2 == 0 else "assistant"
        text = f"message {i}: " + NASTY[i % len(NASTY)]
        extra = {"model": "m", "provider": "p", "usage": {"total_tokens": i}} if i % 2 else {}
        messages.append(Message(role, text, reasoning="why" if i % 7 == 0 else "", **extra))
    return Conversation(title="Big one", system_prompt="sys", messages=messages)


def unread(conversation: Conversation) -> int:
    return sum(lazy.unread_at(m) is not None for m in conversation.messages)


def test_a_big_file_loads_lazily_and_equals_a_whole_parse(store: ConversationStore) -> None:
    saved = big()
    store.save(saved)
    raw = store.path_for(saved.id).read_bytes()
    loaded = store.load(saved.id)
    assert unread(loaded) == COUNT - 10
    # Ids and roles come from the tables' first lines; the rest stays unread.
    assert [m.id for m in loaded.messages] == [m.id for m in saved.messages]
    assert [m.role for m in loaded.messages] == [m.role for m in saved.messages]
    assert unread(loaded) == COUNT - 10
    # Saving writes the unread tables as they are: the same bytes.
    assert encode(loaded) == raw
    assert unread(loaded) == COUNT - 10
    # Any other field reads the table; the message is then a plain Message.
    assert loaded.messages[3].content == saved.messages[3].content
    assert type(loaded.messages[3]) is Message and unread(loaded) == COUNT - 11
    assert loaded == parse_conversation(raw, saved.id, settle_streaming=True)
    assert loaded == saved
    assert unread(loaded) == 0


def test_changes_to_a_lazy_conversation_are_saved(store: ConversationStore) -> None:
    saved = big()
    store.save(saved)
    loaded = store.load(saved.id)
    loaded.messages[5].content = "changed in the middle"
    del loaded.messages[20]
    loaded.messages.append(Message("user", "a new question"))
    store.save(loaded)
    again = ConversationStore(store.paths).load(saved.id)
    expected = big()
    expected.messages[5].content = "changed in the middle"
    del expected.messages[20]
    assert [(m.role, m.content) for m in again.messages] == [
        *((m.role, m.content) for m in expected.messages),
        ("user", "a new question"),
    ]


def test_a_file_replaced_after_loading_is_read_as_it_was(store: ConversationStore) -> None:
    saved = big()
    store.save(saved)
    loaded = store.load(saved.id)
    # Another process saves its own version over it.
    other = ConversationStore(store.paths)
    theirs = other.load(saved.id)
    theirs.messages[1].content = "their much longer version of message one, which wins"
    other.save(theirs)
    assert loaded.messages[2].content == saved.messages[2].content
    # Our next save merges with theirs (their longer message wins, as in any merge).
    loaded.messages.append(Message("user", "ours"))
    store.save(loaded)
    merged = ConversationStore(store.paths).load(saved.id)
    assert merged.messages[1].content.startswith("their much longer")
    assert merged.messages[-1].content == "ours"
    assert len(merged.messages) == COUNT + 1


def test_a_broken_table_shows_as_failed_and_is_kept(store: ConversationStore) -> None:
    saved = big()
    store.save(saved)
    path = store.path_for(saved.id)
    raw = path.read_bytes()
    table = raw.rindex(b"\n\n[[messages]]\n", 0, raw.index(saved.messages[5].id.encode()))
    broken_at = raw.index(b"\nstatus = ", table + 2)
    broken = raw[:broken_at] + b"\nstatus = what is this" + raw[raw.index(b"\n", broken_at + 1) :]
    path.write_bytes(broken)
    loaded = ConversationStore(store.paths).load(saved.id)
    shown = loaded.messages[5]
    assert shown.status == "failed" and "could not be read" in shown.content
    assert shown.id == saved.messages[5].id
    assert loaded.messages[6].content == saved.messages[6].content
    # Saved: the broken table goes back as it was; the new message after it.
    loaded.messages.append(Message("user", "still here"))
    ConversationStore(store.paths).save(loaded)
    after = path.read_bytes()
    assert broken[table : broken_at + 40] in after
    assert after.endswith(b'content = "still here"\n')


def test_an_answer_saved_while_streaming_is_settled(store: ConversationStore) -> None:
    saved = big()
    saved.messages[7].status = "streaming"
    store.save(saved)
    loaded = store.load(saved.id)
    assert lazy.unread_at(loaded.messages[7]) is None
    assert loaded.messages[7].status == "stopped"
    assert unread(loaded) == COUNT - 11


def test_files_in_another_layout_are_parsed_whole(store: ConversationStore) -> None:
    saved = big()
    store.save(saved)
    path = store.path_for(saved.id)
    raw = path.read_bytes()
    # A message count that does not match the tables (a hand edit).
    path.write_bytes(raw.replace(f"message_count = {COUNT}".encode(), b"message_count = 3"))
    loaded = ConversationStore(store.paths).load(saved.id)
    assert unread(loaded) == 0 and loaded == saved
    # A multi-line string holding a line that looks like a table's header.
    text = raw.decode().replace(
        'content = "message 2: ', 'content = """\n\n[[messages]]\nid = "x"\nmessage 2: ', 1
    )
    at = text.index('"""') + 3
    end = text.index("\n", at + 40)
    text = text[:end] + '"""' + text[end:]
    path.write_text(text, encoding="utf-8")
    loaded = ConversationStore(store.paths).load(saved.id)
    assert unread(loaded) == 0
    assert loaded.messages[2].content.startswith("\n[[messages]]\nid = \"x\"\nmessage 2: ")


def test_small_files_are_parsed_whole(store: ConversationStore) -> None:
    saved = big(8)
    store.save(saved)
    assert unread(store.load(saved.id)) == 0
