"""Fixtures for the managed g4f server's tests (tui_chat/managed.py).

- `managed_env`: managed servers allowed again (tests/conftest.py turns them off for
  every other test), in this test's own cache folder; every server this process links to
  is left at the end, and the test fails if a watchdog or g4f it started is still running.
- `fake_g4f(mode)`: the g4f command is fake_g4f.py in that mode (no g4f needed).
- `real_g4f`: the real g4f 8.8.6: installed beside tui-chat (the `g4f` extra), else the
  one ../shared/peers/g4f-peer installed; the test is skipped, saying so, without either.
- `upstream`: the OpenAI-compatible model server of tests/cli (a copy of the shared peer's)
  on a free port; `seed_providers` makes g4f's default provider that server, so g4f
  starts and answers offline.
"""

from __future__ import annotations

import datetime
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tui_chat import managed

REPO = Path(__file__).resolve().parents[2]
UPSTREAM = REPO / "tests" / "cli" / "upstream.py"
FAKE = Path(__file__).with_name("fake_g4f.py")
PEER_G4F = Path(os.environ.get("G4F_PEER_HOME", Path.home() / ".cache" / "g4f-peer")) / "venv"


def alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is gone for good; only its parent has yet to collect it.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def wait_gone(pids: list[int | None], timeout: float = 15.0) -> list[int]:
    """The pids still running after up to `timeout` seconds (none, when all ended)."""
    deadline = time.monotonic() + timeout
    while True:
        left = [pid for pid in pids if pid and alive(pid)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def record(folder: Path) -> dict:
    """server.json: the running server's watchdog and g4f pids, port and URL."""
    return json.loads((folder / "server.json").read_text(encoding="utf-8"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def managed_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Managed servers on, in tmp_path/cache; yields the server folder (cache/g4f)."""
    monkeypatch.delenv(managed.OFF_ENV, raising=False)
    monkeypatch.delenv(managed.COMMAND_ENV, raising=False)
    monkeypatch.setenv(managed.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(managed, "_servers", {})
    monkeypatch.setattr(managed, "_switched_off", "")
    folder = tmp_path / "cache" / "g4f"
    yield folder
    started = []
    if (folder / "server.json").exists():
        data = record(folder)
        started = [data.get("watchdog"), data.get("pid")]
    managed.stop_all(wait=10)
    assert wait_gone(started) == [], "a managed server outlived its tui-chat"


@pytest.fixture
def fake_g4f(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    def make(mode: str) -> Path:
        script = tmp_path / f"fake-g4f-{mode.replace(':', '-')}"
        script.write_text(
            f"#!{sys.executable}\n"
            "import sys\n"
            f"sys.path.insert(0, {str(FAKE.parent)!r})\n"
            "import fake_g4f\n"
            f"sys.exit(fake_g4f.main({mode!r}, sys.argv[1:]))\n",
            encoding="utf-8",
        )
        script.chmod(0o755)
        monkeypatch.setenv(managed.COMMAND_ENV, str(script))
        return script

    return make


def _real_g4f_command() -> list[str] | None:
    own = managed.find_g4f({})
    if own is not None:
        return own
    script = PEER_G4F / "bin" / "g4f"
    return [str(script)] if script.is_file() else None


@pytest.fixture
def real_g4f(monkeypatch: pytest.MonkeyPatch, managed_env: Path) -> list[str]:
    command = _real_g4f_command()
    if command is None:
        pytest.skip(
            "g4f is not installed: `pip install -e '.[test,g4f]'` (as .ci/run does) runs "
            "these tests against the real g4f server"
        )
    if managed.find_g4f({}) is None:  # the peer's g4f, named as a user would name one
        monkeypatch.setenv(managed.COMMAND_ENV, command[0])
    return command


@pytest.fixture
def upstream(tmp_path: Path) -> Iterator[str]:
    """The OpenAI-compatible model server's base URL (…/v1)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(UPSTREAM), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ, UPSTREAM_LOG=str(tmp_path / "upstream.jsonl")),
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/v1"
    process.terminate()
    process.wait(timeout=5)


def seed_providers(folder: Path, upstream_url: str) -> Path:
    """g4f's list of providers for today, whose default provider is the upstream."""
    day = datetime.date.today().strftime("%Y-%m-%d")
    target = folder / "cache" / ".models" / day / "providers.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        json.dumps(
            {
                "providers": {"default": {"baseUrl": upstream_url}},
                "defaultModels": {"default": "echo"},
            }
        ),
        encoding="utf-8",
    )
    return target
