"""Earlier turns' images in the history sent to the model: re-read, checked, capped."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from providers.testkit import PNG

from tui_chat.chat import HISTORY_IMAGES, earlier_images, request_messages
from tui_chat.store import Attachment, AttachmentLimits, Conversation, Message


def image_message(folder: Path, name: str, data: bytes = PNG) -> Message:
    path = folder / name
    path.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    attachment = Attachment(str(path), "image/png", len(data), digest)
    return Message(role="user", content=f"look at {name}", attachments=[attachment])


def test_only_the_newest_images_go_within_the_cap(tmp_path: Path):
    messages = [image_message(tmp_path, f"{n}.png") for n in range(HISTORY_IMAGES + 2)]
    chosen, notes = earlier_images(messages, AttachmentLimits())
    assert notes == []
    newest = [m.id for m in messages[-HISTORY_IMAGES:]]
    assert sorted(chosen) == sorted(newest)
    conversation = Conversation(messages=messages)
    sent = request_messages(conversation, images=chosen)
    uri = "data:image/png;base64," + base64.b64encode(PNG).decode("ascii")
    assert sent[0] == {"role": "user", "content": "look at 0.png"}  # past the cap: text only
    assert sent[-1]["content"] == [
        {"type": "text", "text": f"look at {HISTORY_IMAGES + 1}.png"},
        {"type": "image_url", "image_url": {"url": uri}},
    ]


def test_a_changed_or_vanished_image_is_said_once_and_not_sent(tmp_path: Path):
    changed = image_message(tmp_path, "changed.png")
    gone = image_message(tmp_path, "gone.png")
    (tmp_path / "changed.png").write_bytes(PNG + b"edited")
    (tmp_path / "gone.png").unlink()
    said: set[str] = set()
    chosen, notes = earlier_images([changed, gone], AttachmentLimits(), said)
    assert chosen == {}
    assert notes == [
        "An image of an earlier message: gone.png is no longer available (there is no such "
        "file); sent without it.",
        "An image of an earlier message: changed.png changed since it was attached; sent "
        "without it.",
    ]
    assert earlier_images([changed, gone], AttachmentLimits(), said) == ({}, [])


def test_the_byte_cap_keeps_the_newest(tmp_path: Path, monkeypatch):
    from tui_chat import chat

    monkeypatch.setattr(chat, "HISTORY_IMAGE_BYTES", 2 * len(PNG))
    messages = [image_message(tmp_path, f"{n}.png") for n in range(3)]
    chosen, _notes = earlier_images(messages, AttachmentLimits())
    assert sorted(chosen) == sorted(m.id for m in messages[1:])
