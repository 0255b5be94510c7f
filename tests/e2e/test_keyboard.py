"""A keyboard-only newcomer in a real terminal (tmux) at 80x24: the welcome panel on a
first launch without a server, and the keys that bring the focus back to the prompt and
scroll the conversation from it, sent as bursts the way SSH delivers them."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from .conftest import app_command, app_env, saved_messages, write_settings

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def refused_url() -> str:
    """A loopback address where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/v1"


def test_first_launch_without_a_server_says_what_to_do(tmux, tmp_path: Path) -> None:
    config = tmp_path / "config"
    write_settings(config, refused_url(), "echo")
    tmux.start(app_command(config), app_env(), width=80, height=24)
    screen = tmux.wait_for("Welcome to tui-chat", timeout=20)
    assert "No provider is ready yet" in screen
    assert "Could not connect" in screen
    assert "Type a message" in screen  # the prompt is still on screen
    assert "f1 Help" in screen.splitlines()[-1]
    tmux.keys("F1")
    tmux.wait_for("tui-chat help")
    tmux.keys("Escape")
    tmux.wait_for("Welcome to tui-chat")


def test_escape_then_text_in_one_burst_lands_in_the_prompt(tmux, upstream, tmp_path) -> None:
    config = tmp_path / "config"
    write_settings(config, upstream, "echo")
    tmux.start(app_command(config), app_env(), width=100, height=30)
    tmux.wait_for("Type a message", timeout=20)
    # Tab away from the prompt (to the sidebar), Esc back, type and send: one burst.
    tmux.keys("Tab", "Escape")
    tmux.type("back in the prompt")
    tmux.keys("Enter")
    tmux.wait_for("Echo: back in the prompt")
    assert saved_messages(config, "user") == ["back in the prompt"]


def test_page_up_in_the_prompt_scrolls_the_conversation(tmux, upstream, tmp_path) -> None:
    config = tmp_path / "config"
    write_settings(config, upstream, "long-2000")
    tmux.start(app_command(config), app_env(), width=80, height=24)
    tmux.wait_for("Type a message", timeout=20)
    tmux.type("many words")
    tmux.keys("Enter")
    tmux.wait_for("w1999")
    tmux.wait_for("in /")  # the answer's token line: it has ended
    assert "w0 " not in tmux.screen()
    # Keys pressed in the prompt, in one burst: far enough up to see the first words.
    tmux.keys(*["PageUp"] * 40)
    screen = tmux.wait_for("w0 ")
    assert "w1999" not in screen
    tmux.keys(*["PageDown"] * 40)
    tmux.wait_for("w1999")
    tmux.type("still typing here")  # and the prompt kept the focus all along
    tmux.wait_for("still typing here")
