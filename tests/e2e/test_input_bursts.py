"""Keys arriving in bursts, as SSH and tmux deliver them, in the real `tui-chat`.

Pilot's `press` waits for the app between keys, so it cannot show what a burst does:
`tmux send-keys` writes the whole text (and then Enter) to the terminal at once. Every
character typed before Enter must be in the sent message, in order, from the first frame.
"""

from __future__ import annotations

import shutil
import time
import tomllib
from pathlib import Path

import pytest

from .conftest import app_command, app_env, saved_messages, wait_for_exit, write_settings

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

def start_app(tmux, upstream: str, tmp_path: Path, **env: str) -> Path:
    """The real tui-chat on the loopback server's `echo` model, its prompt on screen;
    returns its config folder."""
    config = tmp_path / "config"
    write_settings(config, upstream, "echo")
    tmux.start(app_command(config), {**app_env(), **env})
    tmux.wait_for("Type a message", timeout=20)
    return config


BURSTS = [
    "hello",
    "burst number 2 with several words",
    "the quick brown fox jumps over the lazy dog",
    "x",
    "punctuation, [brackets] and `code` too!",
    "burst number 6 with several words",
    "a somewhat longer burst of words that keeps going for a while to fill the line up",
    "last one",
]


@pytest.mark.parametrize("launch", [1, 2])
def test_bursts_of_text_and_enter_from_the_first_frame(tmux, upstream, tmp_path, launch):
    config = start_app(tmux, upstream, tmp_path)
    for text in BURSTS:
        # One tmux command: the text and Enter reach the terminal back to back.
        tmux.run("send-keys", "-t", tmux.name, "-l", text, ";", "send-keys", "-t", tmux.name,
                 "Enter")  # fmt: skip
        # The next burst once this answer is on screen (sending while an answer streams
        # is refused on purpose, the text kept in the prompt).
        tmux.wait_for(f"Echo: {text}"[:24])
    tmux.keys("C-q")
    wait_for_exit(tmux)
    assert saved_messages(config, "user") == BURSTS


def test_bursts_with_ctrl_j_keep_the_line_breaks_in_place(tmux, upstream, tmp_path):
    config = start_app(tmux, upstream, tmp_path)
    parts = ["Here is code:", "```python", "print('hi')", "```"]
    command: list[str] = []
    for index, part in enumerate(parts):
        command += ["send-keys", "-t", tmux.name, "-l", part, ";"]
        if index < len(parts) - 1:
            command += ["send-keys", "-t", tmux.name, "C-j", ";"]
    command += ["send-keys", "-t", tmux.name, "Enter"]
    tmux.run(*command)
    tmux.wait_for("Echo: Here is code:")
    tmux.keys("C-q")
    wait_for_exit(tmux)
    assert saved_messages(config, "user") == ["\n".join(parts)]


def test_text_typed_while_the_sidebar_or_log_has_focus_goes_to_the_prompt(
    tmux, upstream, tmp_path
):
    config = start_app(tmux, upstream, tmp_path)
    tmux.wait_for("● ready")  # the model list of "local" is in
    # Pick a model (the focus used to land on the log) and type the question at once.
    tmux.keys("C-o")
    tmux.wait_for("Switch model")
    tmux.type("echo")
    tmux.wait_for("local › echo")
    tmux.run("send-keys", "-t", tmux.name, "Enter", ";", "send-keys", "-t", tmux.name, "-l",
             "first question", ";", "send-keys", "-t", tmux.name, "Enter")  # fmt: skip
    tmux.wait_for("Echo: first question")
    # Tab away from the prompt (to the sidebar's tree), then type.
    tmux.keys("Tab")
    tmux.run("send-keys", "-t", tmux.name, "-l", "second question", ";", "send-keys", "-t",
             tmux.name, "Enter")  # fmt: skip
    tmux.wait_for("Echo: second question")
    tmux.keys("C-q")
    wait_for_exit(tmux)
    assert saved_messages(config, "user") == ["first question", "second question"]


def test_a_settings_field_typed_in_a_burst_then_ctrl_s_saves_all_of_it(
    tmux, upstream, tmp_path
):
    """ctrl+s saves the form after the characters typed before it, not in the middle."""
    config = start_app(tmux, upstream, tmp_path)
    tmux.keys("F9")
    tmux.wait_for("Settings")
    tmux.keys("Tab", "Tab")  # the first backend's Name, URL, then Provider
    value = "ProviderTypedInOneBurstBeforeCtrlS"
    tmux.run("send-keys", "-t", tmux.name, "-l", value, ";", "send-keys", "-t", tmux.name,
             "C-s")  # fmt: skip
    tmux.wait_for("Type a message")
    tmux.keys("C-q")
    wait_for_exit(tmux)
    saved = tomllib.loads((config / "settings.toml").read_text(encoding="utf-8"))
    assert [backend.get("provider") for backend in saved["backends"]] == [value]


def test_exported_columns_and_lines_do_not_freeze_the_size(tmux, upstream, tmp_path):
    """Some shells export COLUMNS/LINES; the app must still fill the terminal it is in
    and follow its resizes (Textual believed them over the terminal)."""
    start_app(tmux, upstream, tmp_path, COLUMNS="60", LINES="20")

    def last_row_width() -> tuple[int, int]:
        rows = tmux.screen().rstrip("\n").split("\n")
        return len(rows), len(rows[-1].rstrip())

    deadline = time.monotonic() + 5
    while last_row_width()[1] <= 60 and time.monotonic() < deadline:
        time.sleep(0.1)
    rows, width = last_row_width()
    assert rows == 30 and width > 60  # the footer spans the 100 columns, not 60
    tmux.run("resize-window", "-t", tmux.name, "-x", "120", "-y", "40")
    deadline = time.monotonic() + 5
    while last_row_width()[0] != 40 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert last_row_width()[0] == 40
    tmux.keys("C-q")
    wait_for_exit(tmux)


def test_a_question_typed_as_the_app_starts_lands_whole_and_in_order(tmux, upstream, tmp_path):
    """Typed from the moment the command starts (over SSH a user types on): before the
    terminal is raw, before the first frame, and in the moment after it when the prompt
    is a stand-in and the app holds the keys for the real one. Every word lands, in
    order, and Enter sends them."""
    config = tmp_path / "config"
    write_settings(config, upstream, "echo")
    tmux.start(app_command(config), app_env())
    words: list[str] = []
    drawn_at: int | None = None
    # A word every ~15 ms until the first frame is on screen, then 20 more at once.
    while drawn_at is None or len(words) < drawn_at + 20:
        word = f"w{len(words)}"
        tmux.type(f"{word} ")
        words.append(word)
        if drawn_at is None and "Type a message" not in tmux.screen():
            time.sleep(0.01)
        elif drawn_at is None:
            drawn_at = len(words)
        assert len(words) < 2000, "no first frame"
    question = " ".join(words) + " "
    tmux.wait_for(f"{words[-2]} {words[-1]}")
    tmux.keys("Enter")
    tmux.wait_for(f"Echo: {words[0]} {words[1]}")
    tmux.keys("C-q")
    wait_for_exit(tmux)
    assert saved_messages(config, "user") == [question]
