from __future__ import annotations

import os
import time
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers import NASTY, full_conversation

from tui_chat.store import (
    SCHEMA_VERSION,
    Conversation,
    ConversationCorrupt,
    ConversationNotFound,
    ConversationStore,
    Message,
    Paths,
    StoreError,
)
from tui_chat.store.codec import encode, parse_header
from tui_chat.store.conversations import MediaFile


def aside(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".corrupt-" in p.name)


def test_every_field_round_trips(store: ConversationStore) -> None:
    c = full_conversation(9)
    # Answer variants (schema 2): a hidden branch of two messages, one of them branching.
    hidden = full_conversation(5).messages[3:5]
    hidden[1].variants, hidden[1].variant = [[full_conversation(3).messages[2]]], 1
    c.messages[4].variants, c.messages[4].variant = [hidden], 0
    # Images (schema 3): one saved, one that failed.
    c.messages[3].media = [
        MediaFile(path="media/x/0123456789abcdef.png", sha256="ab" * 32,
                  content_type="image/png", size=5, source="https://x/y.png", alt="a [b]"),
        MediaFile(source="data:", error="not an image"),
    ]
    store.save(c)
    text = store.path_for(c.id).read_text()
    assert tomllib.loads(text)["schema"] == SCHEMA_VERSION
    loaded = ConversationStore(store.paths).load(c.id)
    assert loaded == c
    assert [m.content for m in loaded.messages][:len(NASTY)] == [
        f"{t} #{i}" for i, t in enumerate(NASTY)]


def test_backend_state_drops_none(store: ConversationStore) -> None:
    c = Conversation(backend_state={"a": None, "b": {"c": None, "d": [1, None, 2]}})
    store.save(c)
    assert store.load(c.id).backend_state == {"b": {"d": [1, 2]}}


def test_lone_surrogates_do_not_fail_a_save(store: ConversationStore) -> None:
    c = Conversation(messages=[Message("user", "bad \udcff byte")])
    store.save(c)
    assert store.load(c.id).messages[0].content == "bad \ufffd byte"


def test_header_comes_before_messages(store: ConversationStore) -> None:
    c = full_conversation(4)
    raw = encode(c)
    head = raw[: raw.index(b"\n[[messages]]")]
    header = tomllib.loads(head.decode())
    assert header["message_count"] == 4 and header["title"] == c.title
    summary, count = parse_header(raw, c.id)
    assert count == 4 and summary.messages == []


def test_streaming_message_loads_as_stopped(store: ConversationStore) -> None:
    c = Conversation(messages=[Message("assistant", "half an answ", status="streaming")])
    store.save(c)
    assert store.load(c.id).messages[0].status == "stopped"


def test_list_is_newest_first_and_uses_headers(store: ConversationStore) -> None:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    ids = []
    for i in range(5):
        c = Conversation(title=f"c{i}", created=base, updated=base + timedelta(hours=i),
                         messages=[Message("user", "hi", created=base)] * i)
        store.save(c)
        ids.append(c.id)
    summaries, problems = ConversationStore(store.paths).list()
    assert problems == []
    assert [s.id for s in summaries] == ids[::-1]
    assert [s.message_count for s in summaries] == [4, 3, 2, 1, 0]
    assert summaries[0].path == store.path_for(ids[4])


def test_save_bumps_updated_to_the_newest_message(store: ConversationStore) -> None:
    old = datetime(2020, 1, 1, tzinfo=UTC)
    c = Conversation(created=old, updated=old)
    c.messages.append(Message("user", "new"))
    store.save(c)
    assert c.updated == c.messages[0].created


def test_index_is_used_rebuilt_and_refreshed(store: ConversationStore) -> None:
    c = Conversation(title="first")
    store.save(c)
    store.list()
    assert store.index_file.exists()
    # Stale: another instance rewrote the file.
    other = ConversationStore(store.paths)
    c2 = other.load(c.id)
    c2.title = "renamed"
    other.save(c2)
    assert [s.title for s in store.list()[0]] == ["renamed"]
    # Corrupt index: rebuilt.
    store.index_file.write_text("{not json")
    fresh = ConversationStore(store.paths)
    assert [s.title for s in fresh.list()[0]] == ["renamed"]
    assert "renamed" in store.index_file.read_text()
    # Missing index: rebuilt.
    store.index_file.unlink()
    assert [s.title for s in ConversationStore(store.paths).list()[0]] == ["renamed"]
    # Vanished file: dropped.
    store.path_for(c.id).unlink()
    assert ConversationStore(store.paths).list()[0] == []


def test_list_does_not_parse_messages(store: ConversationStore, monkeypatch) -> None:
    c = full_conversation(50)
    store.save(c)
    import tui_chat.store.codec as codec  # the store imports it from there when it reads

    def fail(*args, **kwargs):
        raise AssertionError("list() parsed a whole conversation")

    monkeypatch.setattr(codec, "parse_conversation", fail)
    [summary], problems = ConversationStore(store.paths).list()
    assert summary.message_count == 50 and problems == []


def test_huge_header_still_lists(store: ConversationStore) -> None:
    c = Conversation(system_prompt="x" * 200_000, messages=[Message("user", "a")])
    store.save(c)
    [summary], _ = ConversationStore(store.paths).list()
    assert summary.message_count == 1


def test_temp_files_are_ignored_and_old_ones_cleaned(store: ConversationStore) -> None:
    c = Conversation(title="real")
    store.save(c)
    folder = store.folder
    old = folder / f".{c.id}.toml.abc123.tmp"
    young = folder / ".other.toml.def456.tmp"
    old.write_text("schema = 1\ntitle = 'tor")
    young.write_text("")
    os.utime(old, (time.time() - 3600,) * 2)
    summaries, problems = store.list()
    assert [s.title for s in summaries] == ["real"] and problems == []
    assert not old.exists() and young.exists()


CORRUPT = {
    "truncated": lambda good: good[: len(good) // 2 - 7],
    "truncated_header": lambda good: good[:40],
    "empty": lambda good: b"",
    "whitespace": lambda good: b"  \n\n",
    "not_utf8": lambda good: good.replace(b"title = ", b"title = \"\xff\xfe\" #", 1),
    "binary_garbage": lambda good: bytes(range(256)) * 10,
    "messages_is_string": lambda good: good.split(b"\n[[messages]]")[0] + b'\nmessages = "x"\n',
    "created_is_int": lambda good: good.replace(b"created = 2026", b"created = 5 #", 1),
    "role_is_int": lambda good: good.replace(b'role = "user"', b"role = 3", 1),
    "bad_status": lambda good: good.replace(b'status = "complete"', b'status = "meh"', 1),
    "usage_not_int": lambda good: good.replace(b"prompt_tokens = 0", b'prompt_tokens = "0"', 1),
    "attachment_size": lambda good: good.replace(b"size = 1234", b"size = -1", 1),
    "title_table": lambda good: good.replace(b"title = ", b"title = {x=1} #", 1),
}


@pytest.mark.parametrize("kind", sorted(CORRUPT))
def test_corrupt_file_on_load_is_moved_aside(store: ConversationStore, kind: str) -> None:
    c = full_conversation(3)
    store.save(c)
    path = store.path_for(c.id)
    bad = CORRUPT[kind](path.read_bytes())
    path.write_bytes(bad)
    with pytest.raises(ConversationCorrupt) as info:
        ConversationStore(store.paths).load(c.id)
    problem = info.value.problem
    assert problem.path == path
    assert path.name in problem.message
    assert problem.moved_to is not None and problem.moved_to.read_bytes() == bad
    assert not path.exists()
    assert aside(store.folder) == [problem.moved_to.name]
    assert isinstance(info.value, StoreError)
    if kind not in ("empty", "whitespace", "binary_garbage"):
        assert problem.line is not None, problem.message


def test_wrong_type_names_the_key_and_line(store: ConversationStore) -> None:
    c = full_conversation(3)
    store.save(c)
    path = store.path_for(c.id)
    text = path.read_text()
    lines = text.splitlines()
    target = [i for i, line in enumerate(lines) if line.startswith("role =")][1]
    lines[target] = "role = 3"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ConversationCorrupt) as info:
        store.load(c.id)
    assert info.value.problem.line == target + 1
    assert "messages[1].role" in info.value.problem.message


@pytest.mark.parametrize("kind", ["truncated_header", "empty", "not_utf8", "binary_garbage",
                                  "title_table"])
def test_corrupt_file_found_while_listing_is_reported(store: ConversationStore, kind: str) -> None:
    good, bad = full_conversation(2), full_conversation(2)
    store.save(good)
    store.save(bad)
    path = store.path_for(bad.id)
    broken = CORRUPT[kind](path.read_bytes())
    path.write_bytes(broken)
    summaries, [problem] = ConversationStore(store.paths).list()
    assert [s.id for s in summaries] == [good.id]
    assert problem.moved_to is not None and problem.moved_to.read_bytes() == broken
    # And it stays gone: the next listing is clean.
    assert ConversationStore(store.paths).list()[1] == []


def test_upgrade_from_schema_0(store: ConversationStore) -> None:
    cid = "0ld"
    store.path_for(cid).write_text(
        'title = "old"\ncreated = 2024-01-01T00:00:00Z\nupdated = 2024-01-02T00:00:00Z\n'
        'provider = "g4f"\nmodel = "gpt-4"\n\n'
        '[[messages]]\nrole = "user"\ncontent = "hi"\ntime = 1704067200.5\n\n'
        '[[messages]]\nrole = "assistant"\ncontent = ""\nerror = "timeout"\n'
        "time = 2024-01-01T00:00:01Z\n"
    )
    [summary], problems = store.list()
    assert problems == [] and summary.message_count == 2 and summary.title == "old"
    c = store.load(cid)
    assert c.messages[0].created == datetime(2024, 1, 1, 0, 0, 0, 500000, tzinfo=UTC)
    assert c.messages[1].status == "failed" and c.messages[1].error == "timeout"
    assert len({m.id for m in c.messages}) == 2
    # The same ids in every instance, so two instances can merge an upgraded file.
    assert [m.id for m in ConversationStore(store.paths).load(cid).messages] == [
        m.id for m in c.messages]
    store.save(c)
    # Upgraded to schema 1, the lowest that holds it (no variants): older readers read it.
    assert tomllib.loads(store.path_for(cid).read_text())["schema"] == 1
    assert ConversationStore(store.paths).load(cid) == c


def test_newer_schema_is_not_treated_as_corrupt(store: ConversationStore) -> None:
    c = Conversation(title="future")
    store.save(c)
    path = store.path_for(c.id)
    path.write_text(path.read_text().replace("schema = 1", "schema = 99"))
    with pytest.raises(StoreError, match="newer tui-chat"):
        ConversationStore(store.paths).load(c.id)
    with pytest.raises(StoreError, match="newer tui-chat"):
        ConversationStore(store.paths).save(Conversation(id=c.id))
    assert path.exists() and aside(store.folder) == []


@pytest.mark.parametrize("bad_id", ["../x", "a/b", "", "x" * 65, "a.b", "..", "ü"])
def test_crafted_ids_are_refused(store: ConversationStore, bad_id: str) -> None:
    with pytest.raises(ValueError):
        store.path_for(bad_id)
    with pytest.raises(ValueError):
        store.save(Conversation(id=bad_id))


def test_load_missing(store: ConversationStore) -> None:
    with pytest.raises(ConversationNotFound):
        store.load("nothere")


def test_delete_moves_to_trash(store: ConversationStore, paths: Paths) -> None:
    c = Conversation(title="bye")
    store.save(c)
    store.list()
    first = store.delete(c.id)
    assert first.parent == paths.trash_dir and first.exists()
    assert store.list()[0] == []
    store.save(c)
    second = store.delete(c.id)
    assert second != first and first.exists() and second.exists()
    with pytest.raises(ConversationNotFound):
        store.delete(c.id)


def test_search(store: ConversationStore) -> None:
    a = Conversation(title="Cooking", messages=[Message("user", "How long to boil an EGG?")])
    b = Conversation(title="Travel", messages=[Message("user", 'Say "hi"\nin Ünïcode')])
    store.save(a)
    store.save(b)
    assert [s.id for s in store.search("egg")] == [a.id]
    assert [s.id for s in store.search("cook")] == [a.id]
    assert [s.id for s in store.search('"HI"\nIN ü')] == [b.id]
    assert [s.id for s in store.search("ünïcode")] == [b.id]
    assert store.search("absent") == []
    assert len(store.search("")) == 2


def test_list_reads_escaped_titles_from_the_fast_header(store: ConversationStore) -> None:
    c = full_conversation(2)
    store.save(c)
    [summary], _ = ConversationStore(store.paths).list()
    assert (summary.title, summary.created, summary.updated) == (c.title, c.created, c.updated)
    assert (summary.provider, summary.model, summary.message_count) == ("ollama", "llama3:8b", 2)


def test_hand_edited_header_is_listed(store: ConversationStore) -> None:
    store.path_for("hand").write_text(
        '# written by hand\nschema = 1\ntitle = """Multi\nline"""\n'
        "created = 2025-05-05T10:00:00+02:00\n\n"
        '[[messages]]\nrole = "user"\ncontent = \'\'\'raw \\ text\'\'\'\n'
    )
    [summary], problems = store.list()
    assert problems == [] and summary.title == "Multi\nline" and summary.message_count == 1
    assert store.load("hand").messages[0].content == "raw \\ text"


def test_list_and_save_from_threads(store: ConversationStore) -> None:
    import threading

    conversations = [Conversation(title=f"t{i}") for i in range(20)]
    errors: list[BaseException] = []

    def saver() -> None:
        try:
            for c in conversations:
                c.messages.append(Message("user", "x"))
                store.save(c)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def lister() -> None:
        try:
            for _ in range(20):
                store.list()
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=saver), threading.Thread(target=lister)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(store.list()[0]) == 20


def test_store_imports_no_ui_or_providers() -> None:
    import subprocess
    import sys

    code = ("import sys, tui_chat.store; "
            "bad = [m for m in sys.modules if m.startswith(('textual', 'tui_chat.providers',"
            " 'tui_chat.ui', 'aiohttp'))]; print(bad); sys.exit(bool(bad))")
    repo = str(Path(__file__).resolve().parents[2])
    done = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
