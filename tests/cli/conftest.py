"""The real `tui-chat` command, run as a subprocess against loopback servers.

One OpenAI-compatible upstream (upstream.py) serves the whole session; it appends every
request it receives to a log, and each test reads only the lines written since it began.
Each test gets its own config folder whose settings.toml names:

- `up`:   an OpenAI-compatible endpoint at the upstream (the default provider, model echo);
- `g4f`:  a g4f backend at the same server (only its model list is used);
- `down`: an OpenAI-compatible endpoint on a port where nothing listens.

Dynaspark is disabled, so nothing leaves the machine.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
UPSTREAM = Path(__file__).with_name("upstream.py")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@dataclass
class Upstream:
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def mark(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def requests_since(self, mark: int) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        with open(self.log, "rb") as f:
            f.seek(mark)
            return [json.loads(line)["request"] for line in f.read().splitlines() if line]


@pytest.fixture(scope="session")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Upstream]:
    log = tmp_path_factory.mktemp("upstream") / "requests.jsonl"
    port = free_port()
    env = {**os.environ, "UPSTREAM_LOG": str(log)}
    process = subprocess.Popen(
        [sys.executable, str(UPSTREAM), str(port)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield Upstream(port, log)
    finally:
        process.terminate()
        process.wait(timeout=5)


def settings_toml(upstream_url: str, down_port: int, extra: str = "") -> str:
    return f"""\
[defaults]
provider = "up"
model = "echo"

[[backends]]
name = "g4f"
url = "{upstream_url}"

[dynaspark]
enabled = false

[[openai]]
name = "up"
base_url = "{upstream_url}/v1"

[[openai]]
name = "down"
base_url = "http://127.0.0.1:{down_port}/v1"

[request]
connect_timeout = 3.0
read_timeout = 20.0
{extra}"""


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def err_lines(self) -> list[str]:
        return self.stderr.splitlines()


class CLI:
    """Runs `python -m tui_chat --config-dir DIR ...` and reads what it saved."""

    def __init__(self, config_dir: Path, upstream: Upstream) -> None:
        self.config_dir = config_dir
        self.upstream = upstream
        self._mark = upstream.mark()

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "tui_chat", "--config-dir", str(self.config_dir), *args]

    @staticmethod
    def env() -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
        env.pop("TUI_CHAT_CONFIG_DIR", None)
        env["PYTHONPATH"] = str(REPO)
        env["NO_COLOR"] = "1"
        return env

    def run(self, *args: str, input: str | bytes | None = None, timeout: float = 30) -> Result:
        data = input.encode() if isinstance(input, str) else input
        done = subprocess.run(
            self.argv(*args),
            input=data,
            stdin=subprocess.DEVNULL if data is None else None,
            capture_output=True,
            env=self.env(),
            timeout=timeout,
            cwd=self.config_dir,
        )
        return Result(
            done.returncode,
            done.stdout.decode("utf-8", "replace"),
            done.stderr.decode("utf-8", "replace"),
        )

    def popen(self, *args: str, **kwargs: Any) -> subprocess.Popen[bytes]:
        kwargs.setdefault("stdin", subprocess.DEVNULL)
        kwargs.setdefault("stdout", subprocess.PIPE)
        kwargs.setdefault("stderr", subprocess.PIPE)
        return subprocess.Popen(self.argv(*args), env=self.env(), cwd=self.config_dir, **kwargs)

    def requests(self) -> list[dict[str, Any]]:
        """Requests the upstream received since this test began."""
        return self.upstream.requests_since(self._mark)

    def conversations(self) -> list[Any]:
        from tui_chat.store import ConversationStore, Paths

        store = ConversationStore(Paths(self.config_dir))
        summaries, problems = store.list()
        assert not problems
        return [store.load(summary.id) for summary in summaries]


@pytest.fixture
def down_port() -> int:
    return free_port()


@pytest.fixture
def cli(tmp_path: Path, upstream: Upstream, down_port: int) -> CLI:
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.toml").write_text(settings_toml(upstream.url, down_port))
    return CLI(config, upstream)


def user_text(request: dict[str, Any]) -> str:
    """The text of the last user message of a chat request."""
    content = [m for m in request["messages"] if m["role"] == "user"][-1]["content"]
    if isinstance(content, str):
        return content
    return "\n".join(part["text"] for part in content if part.get("type") == "text")
