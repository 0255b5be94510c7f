"""The search index (store/fts*.py): a search through it finds exactly what reading every
file finds; it follows the files (new, changed, edited by hand, deleted); a missing,
damaged, outdated or locked index never changes a result, and is built again."""

from __future__ import annotations

import os
import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tui_chat.store import (
    Conversation,
    ConversationStore,
    Message,
    Paths,
    fts_build,
    fts_find,
    fts_schema,
    lazy,
)
from tui_chat.store.search import fold, search_summaries

_WORDS = (
    "the water walrus Walruses marzipan marzipanologist crème brûlée CRÈME Zürich zurich "
    "Straße strasse naïve café résumé ﬁne 日本語 日本 東京 Ωmega σίσυφος ΣΊΣΥΦΟΣ don’t "
    "c++ foo_bar x=1 e\u0301te\u0301 😀 "
    '"quoted" back\\slash tab\there ﬀ İstanbul'
)
WORDS = _WORDS.split(" ")


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(1, 12))]
    glue = rng.choice([" ", " ", " ", "\n", ", ", "-", ""])
    return glue.join(words)


def corpus(store: ConversationStore, rng: random.Random, count: int) -> list[Conversation]:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    saved = []
    for i in range(count):
        messages = [
            Message("user" if k % 2 == 0 else "assistant", sentence(rng), model=f"m{k % 3}")
            for k in range(rng.randint(0, 9))
        ]
        title = sentence(rng)[:40] if rng.random() < 0.8 else ""
        conversation = Conversation(
            title=title, messages=messages, created=start, updated=start + timedelta(hours=i)
        )
        store.save(conversation)
        saved.append(conversation)
    return saved


def plain(store: ConversationStore, query: str) -> list[tuple]:
    """What reading every file finds (search.py's scan), as comparable tuples."""
    summaries, _ = store.list()
    return [described(hit) for hit in search_summaries(summaries, query)]


def described(hit) -> tuple:
    message = hit.message
    return (
        hit.summary.id,
        hit.title_match,
        None if message is None else (message.index, message.id, message.role, message.model,
                                      message.snippet),
        hit.preview,
    )  # fmt: skip


def found(store: ConversationStore, query: str) -> list[tuple]:
    return [described(hit) for hit in store.find(query)]


def queries(rng: random.Random, conversations: list[Conversation]) -> list[str]:
    """Pieces of the texts (whole words, parts of words, across words, with punctuation),
    in other cases and accents, and words that are nowhere."""
    texts = [m.content for c in conversations for m in c.messages] + [
        c.title for c in conversations
    ]
    picked = ["walrus", "WALR", "alru", "rus", "crème brûlée", "creme", "rem", "zurich",
              "ZÜRICH", "strasse", "STRASSE", "ss", "fine", "日本", "本", "東", "ωmega",
              "σίσυφος", "sisyf", "don’t", "don", "’t", "c++", "+", "foo_bar", "_", "x=1",
              "ete", "é", "😀", '"quoted"', "\\", "e", "a", "the water", "absent", "zzqx",
              "istanbul", "i̇stanbul", "ff", "ﬀ"]  # fmt: skip
    for _ in range(60):
        text = rng.choice(texts)
        if not text:
            continue
        start = rng.randrange(len(text))
        piece = text[start : start + rng.randint(1, 14)]
        if piece.strip():
            picked.append(rng.choice([piece, piece.upper(), fold(piece)]))
    return picked


@pytest.fixture
def rng() -> random.Random:
    return random.Random(22)


@pytest.mark.parametrize(("slot_bits", "huge"), [(fts_schema.SLOT_BITS, lazy.LAZY_BYTES), (2, 300)])
def test_results_equal_a_scan_of_every_file(
    store: ConversationStore, rng, monkeypatch, slot_bits: int, huge: int
) -> None:
    # (With slots of 4 messages, a conversation's messages span several; files of 300
    # bytes and more are indexed a table at a time, as huge ones are.)
    monkeypatch.setattr(fts_schema, "SLOT_BITS", slot_bits)
    monkeypatch.setattr(lazy, "LAZY_BYTES", huge)
    conversations = corpus(store, rng, 60)
    assert store.update_search_index()
    assert store.paths.search_index_file.exists()
    for query in queries(rng, conversations):
        assert found(store, query) == plain(store, query), query


def test_the_index_names_the_candidates(store: ConversationStore, rng, monkeypatch) -> None:
    """With the index up to date, only the files holding a candidate are read."""
    corpus(store, rng, 20)
    narwhal = Conversation(title="t", messages=[Message("user", "a narwhal here")])
    store.save(narwhal)
    assert store.update_search_index()
    read: list[str] = []
    check = fts_find.Search._check

    def counting_check(self, cid, positions, title):
        read.append(cid)
        return check(self, cid, positions, title)

    monkeypatch.setattr(fts_find.Search, "_check", counting_check)
    monkeypatch.setattr(fts_find, "scan_file", lambda *a: pytest.fail("a file was read whole"))
    [hit] = store.find("narwhal here")
    assert hit.summary.id == narwhal.id
    assert read == [narwhal.id]


def test_accents_and_case_are_ignored_through_the_index(store: ConversationStore) -> None:
    store.save(Conversation(title="x", messages=[Message("user", "Une CRÈME brûlée à Zürich")]))
    store.save(Conversation(title="y", messages=[Message("user", "die Straße, ﬁne")]))
    store.save(Conversation(title="z", messages=[Message("user", "東京の日本語")]))
    assert store.update_search_index()
    for query, match in [("creme brulee", "CRÈME brûlée"), ("ZURICH", "Zürich"),
                         ("strasse", "Straße"), ("fine", "ﬁne"), ("日本", "日本"),
                         ("RÈME BRÛ", "RÈME brû")]:  # fmt: skip
        [hit] = store.find(query)
        assert hit.message is not None and hit.message.snippet.match == match


def test_a_file_changed_on_disk_is_found_as_it_is_now(store: ConversationStore) -> None:
    conversation = Conversation(title="t", messages=[Message("user", "the old walrus")])
    store.save(conversation)
    assert store.update_search_index()
    # Saved by another process: a new file renamed over the old one.
    other = ConversationStore(store.paths)
    again = other.load(conversation.id)
    again.messages[0].content = "the new narwhal"
    other.save(again)
    assert store.find("walrus") == []
    [hit] = store.find("narwhal")
    assert hit.message.snippet.match == "narwhal"
    # And once indexed again, the same.
    assert store.update_search_index()
    assert store.find("walrus") == []
    assert [h.summary.id for h in store.find("narwhal")] == [conversation.id]


def test_a_file_edited_by_hand_in_place_is_found(store: ConversationStore) -> None:
    conversation = Conversation(title="t", messages=[Message("user", "a quiet walrus")])
    store.save(conversation)
    assert store.update_search_index()
    path = store.path_for(conversation.id)
    inode = path.stat().st_ino
    text = path.read_text(encoding="utf-8").replace("quiet walrus", "loud seal, edited")
    with open(path, "w", encoding="utf-8") as f:  # the same file, written in place
        f.write(text)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert path.stat().st_ino == inode
    assert store.find("walrus") == []
    [hit] = store.find("loud seal")
    assert hit.message.snippet.match == "loud seal"


@pytest.mark.parametrize("huge", [lazy.LAZY_BYTES, 100])
def test_a_hand_written_file_in_another_layout_is_searched(
    store: ConversationStore, monkeypatch, huge: int
) -> None:
    monkeypatch.setattr(lazy, "LAZY_BYTES", huge)
    (store.folder / "handmade.toml").write_text(
        'title = "By hand"\ncreated = 2024-01-01T00:00:00+00:00\n\n'
        '[[messages]]\nrole = "user"\ncontent = """a multi-line\nwalrus story"""\n\n'
        "[[messages]]\nrole = 'assistant'\ncontent = 'literal walrus'\n",
        encoding="utf-8",
    )
    store.save(Conversation(title="other", messages=[Message("user", "no animal")]))
    assert store.update_search_index()
    [hit] = store.find("walrus story")
    assert hit.summary.id == "handmade" and hit.message.index == 0
    assert hit.message.snippet.match == "walrus story"
    assert [h.message.index for h in store.find("literal")] == [1]
    assert found(store, "walrus") == plain(store, "walrus")


def test_deleted_conversations_vanish(store: ConversationStore) -> None:
    kept = Conversation(title="kept", messages=[Message("user", "walrus one")])
    gone = Conversation(title="gone", messages=[Message("user", "walrus two")])
    store.save(kept)
    store.save(gone)
    assert store.update_search_index()
    store.delete(gone.id)
    assert [h.summary.id for h in store.find("walrus")] == [kept.id]
    # Deleted by another process (or by hand): gone from the folder.
    store.path_for(kept.id).unlink()
    assert store.find("walrus") == []
    assert store.update_search_index()
    with sqlite3.connect(store.paths.search_index_file) as db:
        assert db.execute("SELECT count(*) FROM convs").fetchone() == (0,)


def test_new_conversations_are_found_before_they_are_indexed(store: ConversationStore) -> None:
    store.save(Conversation(title="a", messages=[Message("user", "walrus one")]))
    assert store.update_search_index()
    newer = Conversation(title="b", messages=[Message("user", "walrus two")])
    ConversationStore(store.paths).save(newer)  # another process
    assert next(h.summary.id for h in store.find("walrus")) == newer.id
    assert len(store.find("walrus")) == 2


def test_without_an_index_the_files_are_read(store: ConversationStore, rng) -> None:
    conversations = corpus(store, rng, 15)
    for query in queries(rng, conversations)[:20]:
        assert found(store, query) == plain(store, query)


def damage(path: Path) -> None:
    with open(path, "r+b") as f:
        f.seek(0)
        f.write(b"this is not a database at all" * 100)


def test_a_damaged_index_is_not_used_and_is_rebuilt(paths: Paths, rng) -> None:
    store = ConversationStore(paths)
    conversations = corpus(store, rng, 20)
    assert store.update_search_index()
    store.search_index.close()
    damage(paths.search_index_file)
    for suffix in ("-wal", "-shm"):
        Path(f"{paths.search_index_file}{suffix}").unlink(missing_ok=True)
    fresh = ConversationStore(paths)  # as the next start of the app
    picked = queries(rng, conversations)[:15]
    for query in picked:
        assert found(fresh, query) == plain(fresh, query)
    assert fresh.update_search_index()
    with sqlite3.connect(paths.search_index_file) as db:
        assert db.execute("SELECT count(*) FROM convs").fetchone() == (20,)
    for query in picked:
        assert found(fresh, query) == plain(fresh, query)


def test_a_locked_index_is_not_used_nor_deleted(store: ConversationStore) -> None:
    store.save(Conversation(title="a", messages=[Message("user", "walrus one")]))
    assert store.update_search_index()
    newer = Conversation(title="b", messages=[Message("user", "walrus two")])
    store.save(newer)
    other = ConversationStore(store.paths)
    other.search_index  # noqa: B018 (its own connections, as another process)
    holder = sqlite3.connect(store.paths.search_index_file, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        fts_busy = fts_schema.BUSY_SECONDS
        fts_schema.BUSY_SECONDS = 0.1
        try:
            assert not other.update_search_index()
            assert len(other.find("walrus")) == 2
        finally:
            fts_schema.BUSY_SECONDS = fts_busy
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert store.paths.search_index_file.exists()
    assert other.update_search_index()
    assert len(other.find("walrus")) == 2


def test_an_index_of_another_version_is_built_again(store: ConversationStore, monkeypatch):
    store.save(Conversation(title="a", messages=[Message("user", "walrus one")]))
    assert store.update_search_index()
    store.search_index.close()
    monkeypatch.setattr(fts_schema, "FEED", "another Unicode")
    fresh = ConversationStore(store.paths)
    assert fresh.update_search_index()
    with sqlite3.connect(store.paths.search_index_file) as db:
        assert dict(db.execute("SELECT key, value FROM meta"))["feed"] == "another Unicode"
    assert len(fresh.find("walrus")) == 1


def test_rows_left_behind_lead_to_a_rebuild(store: ConversationStore, monkeypatch) -> None:
    monkeypatch.setattr(fts_build, "MAX_GARBAGE", 5)
    conversation = Conversation(title="a", messages=[Message("user", f"walrus {i}")
                                                     for i in range(4)])  # fmt: skip
    store.save(conversation)
    assert store.update_search_index()

    def garbage() -> int:
        with sqlite3.connect(store.paths.search_index_file) as db:
            return dict(db.execute("SELECT key, value FROM meta"))["garbage"]

    for round_ in range(3):
        conversation.messages.append(Message("user", f"seal {round_}"))
        store.save(conversation)
        assert store.update_search_index()
        assert [h.message.index for h in store.find("seal")] == [4]
    assert garbage() <= 5 + len(conversation.messages)
    assert [h.message.index for h in store.find("walrus 3")] == [3]


def test_a_search_stops_when_asked(store: ConversationStore) -> None:
    for i in range(3):
        store.save(Conversation(title=f"t{i}", messages=[Message("user", "same walrus")]))
    assert store.update_search_index()
    assert store.find("walrus", stop=lambda: True) == []
    partials: list[int] = []
    results = store.find("walrus", partial=lambda hits: partials.append(len(hits)))
    assert len(results) == 3 and partials and partials[0] >= 1


def test_the_cache_folder(tmp_path: Path) -> None:
    # An explicit config folder keeps its caches with it; the platform's config folder
    # puts them in the platform's cache folder.
    assert Paths(tmp_path).search_index_file == tmp_path / "cache" / "search-index.sqlite3"
    assert Paths.resolve(tmp_path, environ={}).search_index_file.parent == tmp_path / "cache"
    import platformdirs

    default = Paths.resolve(None, environ={})
    assert default.search_index_file.parent == Path(
        platformdirs.user_cache_dir("tui-chat")
    ).absolute()
