"""Images of messages in conversation files ([[messages.media]] tables): written and read
back whole, inside answer variants too, by the fast reader as by tomllib, lazily in a huge
file; a bad entry is reported with its line; never any image bytes in the file."""

from __future__ import annotations

import tomllib

import pytest

from tui_chat.record import replace
from tui_chat.store import Conversation, ConversationStore, Message, lazy
from tui_chat.store.codec import Unreadable, encode, parse_conversation
from tui_chat.store.conversations import MediaFile
from tui_chat.store.fast_toml import fast_document

GOOD = MediaFile(
    path="media/abc/0123456789abcdef.png",
    sha256="0123456789abcdef" * 4,
    content_type="image/png",
    size=1234,
    source="https://img.example/cat.png?sig=[x]",
    alt='a "red" square',
)
FAILED = MediaFile(source="https://img.example/gone.png", error="HTTP 404")


def with_media() -> Conversation:
    hidden = Message("assistant", "another", media=[replace(FAILED)])
    answer = Message(
        "assistant", "here", media=[replace(GOOD), replace(FAILED)], variants=[[hidden]]
    )
    question = Message("user", "draw", media=[MediaFile(source="/home/me/mine.png", error="x")])
    return Conversation(title="pics", messages=[question, answer])


def test_media_round_trip_in_variants_too_and_fast_reader_agrees() -> None:
    c = with_media()
    raw = encode(c)
    text = raw.decode()
    assert "[[messages.media]]" in text and "[[messages.variants.messages.media]]" in text
    assert fast_document(text) == tomllib.loads(text)
    back = parse_conversation(raw, c.id, settle_streaming=True)
    assert back.messages[1].media == [GOOD, FAILED]
    assert back.messages[1].variants[0][0].media == [FAILED]
    assert back.messages[0].media == c.messages[0].media
    # A pending image (not fetched yet) keeps only its source.
    c.messages[1].media.append(MediaFile(source="data:"))
    back = parse_conversation(encode(c), c.id, settle_streaming=True)
    assert back.messages[1].media[-1].pending


def test_a_media_entry_outside_the_media_folder_is_reported_with_its_line() -> None:
    c = with_media()
    c.messages[1].media[0].path = "../../etc/passwd"
    raw = encode(c)
    with pytest.raises(Unreadable) as caught:
        parse_conversation(raw, c.id, settle_streaming=True)
    line = raw.decode().splitlines().index('path = "../../etc/passwd"') + 1
    assert "media" in caught.value.reason and caught.value.line == line
    fresh = with_media()
    bad = encode(fresh).replace(b"size = 1234", b'size = "big"')
    with pytest.raises(Unreadable) as caught:
        parse_conversation(bad, fresh.id, settle_streaming=True)
    assert "whole number" in caught.value.reason


def test_a_lazily_read_message_keeps_its_media(store: ConversationStore, monkeypatch) -> None:
    monkeypatch.setattr(lazy, "LAZY_BYTES", 2000)
    monkeypatch.setattr(lazy, "TAIL", 10)
    messages = [Message("user" if i % 2 == 0 else "assistant", f"m{i} " * 20) for i in range(40)]
    messages[3].media = [replace(GOOD)]
    saved = Conversation(title="big", messages=messages)
    store.save(saved)
    loaded = store.load(saved.id)
    assert lazy.unread_at(loaded.messages[3]) is not None
    assert encode(loaded) == store.path_for(saved.id).read_bytes()
    assert loaded.messages[3].media == [GOOD]


#: The last commit whose reader knows variants (schema 2) but not images.
SCHEMA_2_COMMIT = "d514c2a"


def test_a_file_with_images_is_schema_3_and_the_schema_2_reader_says_so(
    store: ConversationStore, tmp_path
) -> None:
    """The reader before images would drop their references on its next save: it must
    refuse the file as newer instead (files without images stay readable by it)."""
    import os
    import shutil
    import subprocess
    import sys
    import tarfile
    from io import BytesIO
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    git = shutil.which("git")
    done = (
        subprocess.run(
            [git, "-C", str(root), "archive", "--format=tar", SCHEMA_2_COMMIT, "tui_chat"],
            capture_output=True,
        )
        if git
        else None
    )
    if done is None or done.returncode != 0:
        pytest.skip(f"this clone has no commit {SCHEMA_2_COMMIT} (a shallow clone)")
    with tarfile.open(fileobj=BytesIO(done.stdout)) as tar:
        tar.extractall(tmp_path / "old", filter="data")
    pictured = with_media()
    store.save(pictured)
    assert tomllib.loads(store.path_for(pictured.id).read_text())["schema"] == 3
    branched = Conversation(messages=[Message("user", "q"), Message(
        "assistant", "a", variants=[[Message("assistant", "b")]])])
    store.save(branched)
    assert tomllib.loads(store.path_for(branched.id).read_text())["schema"] == 2
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
    ran = subprocess.run(
        [sys.executable, "-c", script, str(store.paths.config_dir), pictured.id, branched.id],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,  # not the repo's tui_chat
        env={**os.environ, "PYTHONPATH": str(tmp_path / "old")},
    )
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.splitlines()
    assert lines[0] == "2"  # variants without images: read as before
    assert lines[1].startswith("refused:") and "newer tui-chat (schema 3)" in lines[1]
    assert tomllib.loads(store.path_for(pictured.id).read_text())["schema"] == 3
