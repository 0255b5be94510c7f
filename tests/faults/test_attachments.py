"""Attachment refusals, through `tui-chat ask -a` (the app's file picker is being built):
each refusal is one sentence naming the file and the reason, exit status 2, and nothing
is sent or saved. The provider is a dead port, so a request would fail differently (1)."""

from __future__ import annotations

import builtins
import os
import subprocess
import sys
from pathlib import Path

import pytest
from providers.testkit import PNG

import tui_chat.attachments as attachments
from tui_chat.attachments import AttachmentRefused, prepare_attachment
from tui_chat.store import AttachmentLimits

LIMITS = "[attachments]\nmax_image_bytes = 1000\nmax_text_bytes = 100\n"


def make(tmp: Path, case: str) -> Path:
    if case == "image-over-cap":
        (tmp / "big.png").write_bytes(PNG + b"\0" * 2000)
        return tmp / "big.png"
    if case == "text-over-cap":
        (tmp / "big.txt").write_text("x" * 101)
        return tmp / "big.txt"
    if case == "directory":
        (tmp / "folder").mkdir()
        return tmp / "folder"
    if case == "broken-link":
        (tmp / "dangling").symlink_to(tmp / "gone")
        return tmp / "dangling"
    if case == "binary":
        (tmp / "blob.bin").write_bytes(bytes(range(0, 256, 4)))
        return tmp / "blob.bin"
    if case == "vanished":
        (tmp / "picked.txt").write_text("here when picked")
        (tmp / "picked.txt").unlink()  # gone by the time it is sent
        return tmp / "picked.txt"
    raise AssertionError(case)


REASONS = {
    "image-over-cap": "limit for images",
    "text-over-cap": "over the 100 bytes limit for text files",
    "directory": "is a folder",
    "broken-link": "link to a file that does not exist",
    "binary": "neither an image",
    "vanished": "no such file",
}


@pytest.mark.parametrize("case", list(REASONS))
def test_refused_attachment_is_said_and_nothing_is_sent(harness, tmp_path, case):
    harness.app(extra=LIMITS)  # settings only; the app is not run
    path = make(tmp_path, case)
    env = {k: v for k, v in os.environ.items() if k != "TUI_CHAT_CONFIG_DIR"}
    done = subprocess.run(
        [sys.executable, "-m", "tui_chat", "--config-dir", str(harness.config),
         "ask", "-a", str(path), "look at this"],
        capture_output=True, text=True, timeout=30, env=env,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"tui-chat: Cannot attach {path}: ")
    assert REASONS[case] in done.stderr
    assert done.stdout == ""
    assert not list((harness.config / "conversations").glob("*.toml"))


def test_unreadable_file_is_refused(tmp_path, monkeypatch):
    """Root reads any file, so the refusal to open is simulated."""
    path = tmp_path / "locked.txt"
    path.write_text("secret")
    real_open = builtins.open

    def refusing(file, *args, **kwargs):
        if Path(file) == path:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(attachments, "open", refusing, raising=False)
    with pytest.raises(AttachmentRefused) as refused:
        prepare_attachment(path, AttachmentLimits())
    assert str(refused.value) == f"Cannot attach {path}: it cannot be read (permission denied)."


def test_file_vanishing_between_check_and_read_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "racy.txt"
    path.write_text("here for the check")
    real_open = builtins.open

    def vanishing(file, *args, **kwargs):
        if Path(file) == path:
            path.unlink()
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(attachments, "open", vanishing, raising=False)
    with pytest.raises(AttachmentRefused) as refused:
        prepare_attachment(path, AttachmentLimits())
    assert str(refused.value).startswith(f"Cannot attach {path}: ")
    assert "no such file" in str(refused.value).lower()
