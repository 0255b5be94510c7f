"""Answer variants on disk (schema 2): nested under their message, read back equal by the
fast reader and by tomllib, kept by lazy loads and journals, refused clearly by a
tui-chat that knows only schema 1, and never written where no message has variants."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
from io import BytesIO
from pathlib import Path

import pytest
from helpers import NASTY

from tui_chat.store import Conversation, ConversationStore, Message, lazy
from tui_chat.store.codec import encode, parse_conversation
from tui_chat.store.fast_toml import fast_document
from tui_chat.store.journal import AnswerJournal

#: The last commit whose reader knew only schema 1.
SCHEMA_1_COMMIT = "72e8b77"
ROOT = Path(__file__).resolve().parents[2]


def branched() -> Conversation:
    """Q1 A1 with A1 retried twice (A1 shown second of three), Q2 edited once: the old
    Q2 and its answer hidden, the old answer itself retried (a branch inside a branch)."""
    q1 = Message("user", "first question " + NASTY[0])
    a1 = [Message("assistant", f"answer {n} " + NASTY[n], model=f"m{n}") for n in range(3)]
    old_q2 = Message("user", "old second question")
    old_a2 = Message("assistant", "old second answer " + NASTY[6], status="stopped")
    old_a2.variants, old_a2.variant = [[Message("assistant", "older still")]], 1
    q2, a2 = Message("user", "new second question"), Message("assistant", "new answer")
    shown = a1[1]
    shown.variants, shown.variant = [[a1[0]], [a1[2]]], 1
    q2.variants, q2.variant = [[old_q2, old_a2]], 1
    return Conversation(title="Branches", messages=[q1, shown, q2, a2])


def test_variants_round_trip_through_both_readers(store: ConversationStore) -> None:
    c = branched()
    store.save(c)
    raw = store.path_for(c.id).read_bytes()
    by_tomllib = tomllib.loads(raw.decode())
    assert by_tomllib["schema"] == 2
    assert by_tomllib["message_count"] == 4  # the path shown; variants are not counted
    assert fast_document(raw.decode()) == by_tomllib
    loaded = ConversationStore(store.paths).load(c.id)
    assert loaded == c
    assert [m.content for m in loaded.messages[1].variants[1]] == ["answer 2 " + NASTY[2]]
    assert loaded.messages[2].variants[0][1].variants[0][0].content == "older still"
    # A save of what was loaded is the same bytes.
    assert encode(loaded) == raw


def test_a_conversation_without_variants_stays_schema_1(store: ConversationStore) -> None:
    c = Conversation(messages=[Message("user", "q"), Message("assistant", "a")])
    store.save(c)
    assert tomllib.loads(store.path_for(c.id).read_text())["schema"] == 1


def test_a_bad_variant_number_is_a_clear_reason(store: ConversationStore) -> None:
    c = branched()
    store.save(c)
    path = store.path_for(c.id)
    path.write_text(path.read_text().replace("variant = 1\n", "variant = 7\n", 1))
    with pytest.raises(Exception) as caught:
        ConversationStore(store.paths).load(c.id)
    assert "variant" in str(caught.value) and "a number from 0 to 2" in str(caught.value)


def test_lazy_loads_keep_unread_variants_and_the_schema(
    store: ConversationStore, monkeypatch
) -> None:
    monkeypatch.setattr(lazy, "LAZY_BYTES", 2000)
    monkeypatch.setattr(lazy, "TAIL", 10)
    c = branched()
    c.messages += [Message("user" if i % 2 == 0 else "assistant", f"filler {i} " + "x" * 80)
                   for i in range(60)]
    store.save(c)
    raw = store.path_for(c.id).read_bytes()
    loaded = ConversationStore(store.paths).load(c.id)
    assert lazy.unread_at(loaded.messages[1]) is not None
    # Saving writes the unread tables as they were, variants and schema 2 included.
    assert encode(loaded) == raw
    assert loaded.messages[1].variants[1][0].content.startswith("answer 2")
    assert loaded == parse_conversation(raw, c.id, settle_streaming=True)


def test_a_journal_of_a_hidden_variant_goes_into_that_variant(store: ConversationStore) -> None:
    c = branched()
    hidden = c.messages[1].variants[0][0]
    hidden.status, hidden.content = "streaming", "ans"
    store.save(c)
    journal = AnswerJournal.start(store.folder, c.id, hidden)
    assert journal is not None
    journal.write("answer 0, and what came after the last save", "")
    journal.sync()
    os.close(journal._fd)  # the process is killed: its lock goes, the journal stays
    # The next load folds it in.
    loaded = ConversationStore(store.paths).load(c.id)
    kept = loaded.messages[1].variants[0][0]
    assert kept.content == "answer 0, and what came after the last save"
    assert kept.status == "stopped"
    assert len(loaded.messages) == 4


def _schema_1_tree(tmp_path: Path) -> Path | None:
    git = shutil.which("git")
    if git is None:
        return None
    done = subprocess.run(
        [git, "-C", str(ROOT), "archive", "--format=tar", SCHEMA_1_COMMIT, "tui_chat"],
        capture_output=True,
    )
    if done.returncode != 0:
        return None
    with tarfile.open(fileobj=BytesIO(done.stdout)) as tar:
        tar.extractall(tmp_path / "old", filter="data")
    return tmp_path / "old"


def test_the_schema_1_reader_says_the_file_is_newer(store: ConversationStore, tmp_path) -> None:
    old = _schema_1_tree(tmp_path)
    if old is None:
        pytest.skip(f"this clone has no commit {SCHEMA_1_COMMIT} (a shallow clone)")
    c = branched()
    store.save(c)
    plain = Conversation(messages=[Message("user", "q"), Message("assistant", "a")])
    store.save(plain)
    script = (
        "import sys\n"
        "from tui_chat.store import ConversationStore, StoreError\n"
        "from tui_chat.store.paths import Paths\n"
        "from pathlib import Path\n"
        "store = ConversationStore(Paths(Path(sys.argv[1])))\n"
        "print(len(store.load(sys.argv[3]).messages))\n"
        "try:\n"
        "    store.load(sys.argv[2])\n"
        "except StoreError as e:\n"
        "    print('refused:', e)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(store.paths.config_dir), c.id, plain.id],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,  # not the repo's tui_chat
        env={**os.environ, "PYTHONPATH": str(old)},
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "2"  # a file without variants: read as before
    assert lines[1].startswith("refused:") and "newer tui-chat (schema 2)" in lines[1]
    # The old reader moved nothing aside: the file is as it was.
    assert tomllib.loads(store.path_for(c.id).read_text())["schema"] == 2


@pytest.mark.parametrize("indexed", [True, False], ids=["index", "scan"])
def test_search_finds_words_of_hidden_variants(store: ConversationStore, indexed: bool) -> None:
    c = branched()
    store.save(c)
    store.save(Conversation(title="other", messages=[Message("user", "nothing here")]))
    if indexed:
        assert store.update_search_index()
    # "older still" is a variant of a variant of the edited question's old answer.
    for query, position in [("OLDER STILL", 2), ("answer 2", 1), ("old second question", 2)]:
        [hit] = store.find(query)
        assert hit.summary.id == c.id and hit.message is not None, query
        assert hit.message.index == position, query
        assert hit.message.id == c.messages[position].id, query
        assert hit.message.snippet.match.casefold() == query.casefold(), query
