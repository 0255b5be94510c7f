"""Shared set-up for the end-to-end tests: a real terminal (tmux) and a loopback server."""

from __future__ import annotations

import os
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
# The in-repository copy of the shared peer's model server: these tests need nothing
# outside the repository, so they run wherever CI clones it.
UPSTREAM = REPO / "tests" / "cli" / "upstream.py"

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def upstream(tmp_path: Path) -> Iterator[str]:
    """The OpenAI-compatible model server (tests/cli/upstream.py) on a free port."""
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


def wait_for_exit(tmux: Tmux, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while tmux.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not tmux.alive(), "tui-chat did not exit"


def saved_messages(config: Path, role: str | None = None) -> list[str]:
    """The text of every saved message (of one role), oldest conversation first."""
    files = sorted(
        (config / "conversations").glob("*.toml"), key=lambda path: path.stat().st_mtime
    )
    contents: list[str] = []
    for path in files:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        contents += [m["content"] for m in data["messages"] if role in (None, m["role"])]
    return contents
