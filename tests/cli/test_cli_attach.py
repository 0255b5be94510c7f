"""Attachments: the rules of `tui_chat.attachments`, and `tui-chat ask -a` for real."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

import pytest
from providers.testkit import PNG

from tui_chat.attachments import (
    IMAGE,
    TEXT,
    AttachmentRefused,
    compose_prompt,
    media_items,
    prepare_attachment,
    prepare_data,
)
from tui_chat.store import AttachmentLimits

from .conftest import CLI, user_text

LIMITS = AttachmentLimits(max_image_bytes=1000, max_text_bytes=100)


# --- the module ----------------------------------------------------------------------------


def test_an_image_is_media_whatever_its_name(tmp_path: Path) -> None:
    path = tmp_path / "photo.txt"
    path.write_bytes(PNG)
    prepared = prepare_attachment(path, LIMITS)
    assert (prepared.kind, prepared.mime_type, prepared.size) == (IMAGE, "image/png", len(PNG))
    assert prepared.media() == (PNG, "photo.txt")
    assert media_items([prepared]) == [(PNG, "photo.txt")]
    assert prepared.inline_block() == ""
    saved = prepared.attachment()
    assert saved.path == str(path) and saved.sha256 == hashlib.sha256(PNG).hexdigest()


def test_text_is_inlined_in_a_fence_the_text_cannot_close(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text("\ufeffsee ```code``` here")
    prepared = prepare_attachment(path, LIMITS)
    assert prepared.kind == TEXT
    assert prepared.media() is None
    assert prepared.mime_type == "text/markdown"
    assert prepared.inline_block() == "notes.md:\n````\nsee ```code``` here\n````"
    assert compose_prompt("question?", [prepared], context="piped\n") == (
        "piped\n\nnotes.md:\n````\nsee ```code``` here\n````\n\nquestion?"
    )


def test_refusals_say_why(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("x" * 101)
    (tmp_path / "big.png").write_bytes(PNG + b"\0" * 1000)
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01\x02\xff")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (tmp_path / "dangling").symlink_to(tmp_path / "gone")
    cases = {
        "big.txt": "over the 100 bytes limit for text files",
        "big.png": "limit for images",
        "blob.bin": "neither an image",
        "latin1.txt": "nor UTF-8 text",
        "dangling": "link to a file that does not exist",
        "missing": "no such file",
        ".": "is a folder",
    }
    for name, reason in cases.items():
        with pytest.raises(AttachmentRefused) as caught:
            prepare_attachment(tmp_path / name, LIMITS)
        assert reason in str(caught.value), name
        assert str(caught.value).startswith(f"Cannot attach {tmp_path / name}: ")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "locked.txt"
    path.write_text("x")
    path.chmod(0)
    try:
        with pytest.raises(AttachmentRefused, match="permission denied"):
            prepare_attachment(path, LIMITS)
    finally:
        path.chmod(0o600)


def test_bytes_follow_the_same_rules() -> None:
    assert prepare_data(PNG, "stdin.png", LIMITS, path="<stdin>").attachment().path == "<stdin>"
    assert prepare_data(b"hi", "stdin", LIMITS).text == "hi"
    with pytest.raises(AttachmentRefused, match="over the"):
        prepare_data(b"x" * 101, "stdin", LIMITS)


# --- through the command -------------------------------------------------------------------


def test_ask_with_an_image_and_a_text_file(cli: CLI, tmp_path: Path) -> None:
    image = tmp_path / "dot.png"
    image.write_bytes(PNG)
    notes = tmp_path / "notes.txt"
    notes.write_text("alpha\nbeta\n")
    result = cli.run("ask", "-a", str(image), "--attach", str(notes), "describe")
    assert result.returncode == 0, result.stderr
    [request] = cli.requests()
    content = request["messages"][-1]["content"]
    assert isinstance(content, list)
    [image_part] = [part for part in content if part["type"] == "image_url"]
    assert image_part["image_url"]["url"] == (
        "data:image/png;base64," + base64.b64encode(PNG).decode()
    )
    assert user_text(request) == "notes.txt:\n```\nalpha\nbeta\n```\n\ndescribe"
    [conversation] = cli.conversations()
    user = conversation.messages[0]
    assert user.content == "notes.txt:\n```\nalpha\nbeta\n```\n\ndescribe"
    assert [(a.path, a.mime_type, a.size) for a in user.attachments] == [
        (str(image), "image/png", len(PNG)),
        (str(notes), "text/plain", len("alpha\nbeta\n")),
    ]
    assert user.attachments[0].sha256 == hashlib.sha256(PNG).hexdigest()


def test_piped_image_is_sent_as_an_image(cli: CLI) -> None:
    result = cli.run("ask", "--no-save", "what is this", input=PNG)
    assert result.returncode == 0, result.stderr
    [request] = cli.requests()
    parts = request["messages"][-1]["content"]
    assert [part["type"] for part in parts] == ["text", "image_url"]
    assert user_text(request) == "what is this"


@pytest.mark.parametrize("case", ["folder", "missing", "binary", "over the cap"])
def test_a_refused_attachment_sends_nothing(cli: CLI, tmp_path: Path, case: str) -> None:
    settings = cli.config_dir / "settings.toml"
    settings.write_text(settings.read_text() + "\n[attachments]\nmax_text_bytes = 100\n")
    path = {
        "folder": tmp_path,
        "missing": tmp_path / "nope.txt",
        "binary": tmp_path / "blob.bin",
        "over the cap": tmp_path / "long.txt",
    }[case]
    (tmp_path / "blob.bin").write_bytes(bytes(range(256)))
    (tmp_path / "long.txt").write_text("y" * 200)
    result = cli.run("ask", "-a", str(path), "hi")
    assert result.returncode == 2
    [line] = result.err_lines
    assert line.startswith(f"tui-chat: Cannot attach {path}: ")
    assert result.stdout == ""
    assert cli.requests() == []
    assert cli.conversations() == []
