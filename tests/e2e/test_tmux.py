"""End to end: the real `tui-chat` in a real terminal (tmux), against a loopback server."""

from __future__ import annotations

import shutil
import time
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


def test_three_models_at_once_at_80x24(tmux, upstream, tmp_path):
    """Marked in the picker with Tab, asked at once: at 80 columns the answers are tabs, a
    line per model over the one shown (alt+→ shows the next); one fails, the slow one is
    stopped with Esc, one completes."""
    config = tmp_path / "config"
    write_settings(config, upstream, "echo")
    tmux.start(app_command(config), app_env(), width=80, height=24)
    tmux.wait_for("Type a message")
    for _ in range(30):  # the picker lists what is loaded when it opens
        tmux.keys("C-o")
        time.sleep(0.3)
        if "local › e500" in tmux.screen():
            break
        tmux.keys("Escape")
        time.sleep(0.3)
    for model in ("echo", "slow", "e500"):
        tmux.type(model)
        tmux.keys("Tab", "C-u")
    tmux.wait_for("Marked 3/4")
    tmux.keys("Enter")
    tmux.wait_for("asking local")
    tmux.type("side by side")
    tmux.keys("Enter")
    screen = tmux.wait_for("Echo: side by side")
    lines = screen.splitlines()
    bars = [next(i for i, line in enumerate(lines) if f"alt+{n}  ·" in line) for n in (1, 2, 3)]
    assert bars == [bars[0], bars[0] + 1, bars[0] + 2]  # a line per model, one under another
    assert "▸ alt+1" in lines[bars[0]] and "s1 " not in screen
    tmux.keys("M-Right")  # the slow one's answer, streaming
    screen = tmux.wait_for("s1 ")
    assert "Echo: side by side" not in screen
    tmux.keys("Escape")
    screen = tmux.wait_for("stopped")
    tmux.wait_for("failed")
    tmux.keys("C-q")
    wait_for_exit(tmux)
    [file] = (config / "conversations").glob("*.toml")
    data = tomllib.loads(file.read_text(encoding="utf-8"))
    answer = data["messages"][1]
    assert (answer["model"], answer["content"]) == ("echo", "Echo: side by side")
    hidden = [branch["messages"][0] for branch in answer["variants"]]
    assert [(m["model"], m["status"]) for m in hidden] == [("slow", "stopped"), ("e500", "failed")]
    assert hidden[0]["content"].startswith("s0 s1 ")
