"""End to end: the real `tui-chat` in a real terminal (tmux), against a loopback server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
#: `shared/peers` beside the repository, or beside a folder holding it (a git worktree).
UPSTREAM = next(
    (
        folder / "shared" / "peers" / "openai_upstream.py"
        for folder in REPO.parents
        if (folder / "shared" / "peers").is_dir()
    ),
    REPO.parent / "shared" / "peers" / "openai_upstream.py",
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def upstream(tmp_path: Path) -> Iterator[str]:
    """The OpenAI-compatible model server from shared/peers, or our own copy of its idea."""
    if not UPSTREAM.exists():
        pytest.skip(f"{UPSTREAM} is absent")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(UPSTREAM), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/v1"
    process.terminate()
    process.wait(timeout=5)


class Tmux:
    def __init__(self, name: str) -> None:
        self.name = name
        self.socket = f"tui-chat-test-{uuid.uuid4().hex[:8]}"

    def run(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10
        )
        return result.stdout

    def start(self, command: list[str], env: dict[str, str], width: int = 100,
              height: int = 30) -> None:
        exports = " ".join(f"{key}={value}" for key, value in env.items())
        line = f"env {exports} " + " ".join(command)
        self.run("new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height), line)

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", self.name, *keys)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", self.name, "-l", text)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.name)

    def wait_for(self, text: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared on screen:\n{screen}")

    def alive(self) -> bool:
        return self.name in self.run("list-sessions", "-F", "#{session_name}")

    def kill(self) -> None:
        self.run("kill-server")


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    session = Tmux("chat")
    yield session
    session.kill()


def write_settings(config: Path, base_url: str, model: str) -> None:
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.toml").write_text(
        f"""
[defaults]
provider = "local"
model = "{model}"

backends = []

[dynaspark]
enabled = false

[[openai]]
name = "local"
base_url = "{base_url}"
""".replace("backends = []\n", ""),
        encoding="utf-8",
    )


def app_command(config: Path) -> list[str]:
    return [sys.executable, "-m", "tui_chat", "--config-dir", str(config)]


def app_env() -> dict[str, str]:
    home = os.environ.get("HOME", "/tmp")
    return {"TERM": "xterm-256color", "PYTHONPATH": str(REPO), "HOME": home}


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
    deadline = time.monotonic() + 10
    while tmux.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not tmux.alive()
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
    deadline = time.monotonic() + 10
    while tmux.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    files = list((config / "conversations").glob("*.toml"))
    data = tomllib.loads(files[0].read_text(encoding="utf-8"))
    answer = data["messages"][-1]
    assert answer["status"] == "stopped"
    assert answer["content"].startswith("s0 s1 ")
