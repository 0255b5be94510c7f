"""An image in a real terminal (tmux): inside tmux the app draws half-cell blocks, and
`capture-pane` shows them where the image is, under the answer's text."""

from __future__ import annotations

import io
import shutil

import pytest
from PIL import Image

from tui_chat.media import store_bytes
from tui_chat.store import Conversation, ConversationStore, Message, Paths
from tui_chat.store.conversations import MediaFile
from tui_chat.store.state import State, save_state

from .conftest import app_command, app_env, wait_for_exit, write_settings

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")


def picture() -> bytes:
    image = Image.new("RGB", (60, 40), (30, 60, 200))
    for x in range(15, 45):
        for y in range(10, 30):
            image.putpixel((x, y), (220, 40, 40))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_half_cell_blocks_where_the_image_is(tmux, tmp_path):
    config = tmp_path / "config"
    write_settings(config, "http://127.0.0.1:9/v1", "echo")
    paths = Paths(config)
    paths.ensure()
    conversation = Conversation(title="A picture")
    media = store_bytes(config, conversation.id, picture(), MediaFile(source="data:"))
    conversation.messages = [
        Message("user", "draw a red square"),
        Message("assistant", "ANSWER-TEXT-ABOVE", media=[media]),
    ]
    ConversationStore(paths).save(conversation)
    save_state(paths, State(conversation=conversation.id))
    tmux.start(app_command(config), app_env(), width=80, height=24)
    tmux.wait_for("ANSWER-TEXT-ABOVE")
    screen = tmux.wait_for("▀")
    lines = screen.splitlines()
    text_row = next(i for i, line in enumerate(lines) if "ANSWER-TEXT-ABOVE" in line)
    block_rows = [i for i, line in enumerate(lines) if line.count("▀") >= 20]
    # The image: rows of blocks right under the answer's text, at most 12 of them.
    assert block_rows, screen
    assert block_rows[0] > text_row
    assert 3 <= len(block_rows) <= 12
    tmux.keys("C-q")
    wait_for_exit(tmux)
