"""End to end: the real `tui-chat` in a real terminal (tmux), against a loopback server."""

from __future__ import annotations

import shutil
import tomllib

import pytest

from .conftest import app_command, app_env, wait_for_exit, write_settings

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def test_prompt_and_streamed_answer_in_a_real_terminal(tmux, upstream, tmp_path):
    config = tmp_path / "config"
    write_settings(config, upstream, "echo")
    tmux.start(app_command(config), app_env())
    tmux.wait_for("Type a message")
    tmux.type("hello from tmux [bold]")
    tmux.wait_for("hello from tmux [bold]")
    tmux.keys("Enter")
    screen = tmux.wait_for("Echo: hello from tmux [bold]")
    assert "You" in screen
    tmux.keys("C-q")
    wait_for_exit(tmux)
    files = list((config / "conversations").glob("*.toml"))
    assert len(files) == 1
    data = tomllib.loads(files[0].read_text(encoding="utf-8"))
    assert [m["content"] for m in data["messages"]] == [
        "hello from tmux [bold]",
        "Echo: hello from tmux [bold]",
    ]


def test_escape_stops_a_slow_answer_and_it_is_saved(tmux, upstream, tmp_path):
    config = tmp_path / "config"
    write_settings(config, upstream, "slow")
    tmux.start(app_command(config), app_env())
    tmux.wait_for("Type a message")
    tmux.type("take your time")
    tmux.wait_for("take your time")
    tmux.keys("Enter")
    tmux.wait_for("s1 ")
    tmux.keys("Escape")
    tmux.wait_for("stopped")
    tmux.keys("C-q")
    wait_for_exit(tmux)
    files = list((config / "conversations").glob("*.toml"))
    data = tomllib.loads(files[0].read_text(encoding="utf-8"))
    answer = data["messages"][-1]
    assert answer["status"] == "stopped"
    assert answer["content"].startswith("s0 s1 ")
