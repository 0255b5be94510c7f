"""recent_from_index: the newest conversations as the index says, for the app's first frame."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tui_chat.store import Conversation, ConversationStore, Message


def test_recent_from_index_is_the_index_as_written(store: ConversationStore) -> None:
    assert store.recent_from_index(10) is None  # no index yet
    base = datetime(2026, 1, 1, tzinfo=UTC)
    ids = []
    for i in range(5):
        c = Conversation(
            title=f"c{i}",
            created=base,
            updated=base + timedelta(hours=i),
            messages=[Message("user", "hi", created=base)],
        )
        store.save(c)
        ids.append(c.id)
    full, _ = store.list()  # writes the index
    recent, total = ConversationStore(store.paths).recent_from_index(3)
    assert total == 5
    assert recent == full[:3]
    assert [s.id for s in recent] == ids[:1:-1]


def test_recent_from_index_does_not_check_the_files(store: ConversationStore) -> None:
    """A conversation deleted since the index was written is still there, until list()
    has run (the app runs it after its first frame)."""
    kept, gone = Conversation(title="kept"), Conversation(title="gone")
    for c in (kept, gone):
        c.messages.append(Message("user", "hi"))
        store.save(c)
    store.list()
    store.path_for(gone.id).unlink()
    recent, total = ConversationStore(store.paths).recent_from_index(10)
    assert {s.title for s in recent} == {"kept", "gone"} and total == 2
    ConversationStore(store.paths).list()
    recent, total = ConversationStore(store.paths).recent_from_index(10)
    assert [s.title for s in recent] == ["kept"] and total == 1


def test_recent_from_index_without_a_usable_index(store: ConversationStore) -> None:
    c = Conversation(title="x")
    c.messages.append(Message("user", "hi"))
    store.save(c)
    store.list()
    store.index_file.write_text("{not json")
    assert ConversationStore(store.paths).recent_from_index(10) is None


def test_recent_from_index_reads_only_the_first_line(store: ConversationStore) -> None:
    """At start-up the first list comes from the index's first line (its newest entries:
    a few kB where the whole index of a decade of history is megabytes); `list()`, after
    the first frame, reads the rest."""
    import tui_chat.store.index as index_module

    base = datetime(2026, 1, 1, tzinfo=UTC)
    count = index_module.HEAD + 20
    for i in range(count):
        c = Conversation(title=f"c{i}", updated=base + timedelta(hours=i))
        c.messages.append(Message("user", "hi", created=base))
        store.save(c)
    expected, _ = store.list()
    head, _, rest = store.index_file.read_bytes().partition(b"\n")
    assert len(head) < len(rest) and rest.count(b'"title"') == count
    # The rest of the file unreadable: the first screen does not notice.
    store.index_file.write_bytes(head + b"\n{broken")
    fresh = ConversationStore(store.paths)
    recent, total = fresh.recent_from_index(10)
    assert recent == expected[:10] and total == count
    # list() does, and builds the index again from the files.
    summaries, problems = fresh.list()
    assert summaries == expected and not problems
    # More than the first line holds: the whole index is read (and kept for list()).
    again = ConversationStore(store.paths)
    recent, total = again.recent_from_index(count)
    assert recent == expected and total == count


def test_recent_from_index_builds_only_the_entries_it_shows(
    store: ConversationStore, monkeypatch
) -> None:
    """A first screen shows ~35 of maybe thousands: only those are built from the index;
    `list()` builds the rest afterwards, with the same result."""
    import tui_chat.store.index as index_module

    base = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(30):
        c = Conversation(title=f"c{i}", updated=base + timedelta(hours=i))
        c.messages.append(Message("user", "hi", created=base))
        store.save(c)
    expected, _ = store.list()
    built: list[str] = []
    entry = index_module._entry

    def counted(e):  # type: ignore[no-untyped-def]
        built.append(e["title"])
        return entry(e)

    monkeypatch.setattr(index_module, "_entry", counted)
    fresh = ConversationStore(store.paths)
    recent, total = fresh.recent_from_index(5)
    assert [s.title for s in recent] == ["c29", "c28", "c27", "c26", "c25"] and total == 30
    assert sorted(built) == sorted(s.title for s in recent)
    summaries, problems = fresh.list()
    assert summaries == expected and not problems
    assert len(built) == 5 + 30
