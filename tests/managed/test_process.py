"""The real `tui-chat` process in a terminal: its managed g4f server goes when it goes,
whether it quits (ctrl+q) or is killed with SIGKILL (no orphan left running)."""

from __future__ import annotations

import fcntl
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tui_chat import managed

from .conftest import REPO, alive, free_port, record, seed_providers, wait_gone


def run_tui_chat(config: Path) -> tuple[subprocess.Popen[bytes], int]:
    """`tui-chat --config-dir CONFIG` in a 100x30 pseudo-terminal; its output is read
    (and dropped) all along so that it never blocks on a full terminal."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = dict(os.environ, TERM="xterm-256color", PYTHONPATH=str(REPO))
    process = subprocess.Popen(
        [sys.executable, "-m", "tui_chat", "--config-dir", str(config)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)

    def drain() -> None:
        while True:
            try:
                if not os.read(master, 65536):
                    break
            except OSError:
                break

    threading.Thread(target=drain, daemon=True).start()
    return process, master


def wait_for_server(folder: Path, process: subprocess.Popen[bytes], timeout: float) -> dict:
    """server.json, once the server it names answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "tui-chat ended"
        if (folder / "server.json").exists():
            data = record(folder)
            try:
                with urllib.request.urlopen(
                    f"{data['url']}/backend-api/v2/providers", timeout=2
                ) as response:
                    if response.status == 200:
                        return data
            except OSError:
                pass
        time.sleep(0.1)
    raise AssertionError(f"no managed server answered within {timeout} s")


@pytest.mark.parametrize("ending", ["SIGKILL", "ctrl+q"])
def test_the_server_goes_with_tui_chat(
    ending: str, tmp_path: Path, real_g4f: list[str], managed_env: Path, upstream: str
) -> None:
    seed_providers(managed_env, upstream)
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.toml").write_text(
        f'openai = []\n\n[[backends]]\nname = "g4f"\nurl = "http://127.0.0.1:{free_port()}"\n'
        "\n[dynaspark]\nenabled = false\n",
        encoding="utf-8",
    )
    process, master = run_tui_chat(config)
    try:
        pids = wait_for_server(managed_env, process, timeout=120)
        assert alive(pids["pid"]) and alive(pids["watchdog"])
        if ending == "SIGKILL":
            process.kill()
        else:
            os.write(master, b"\x11")  # ctrl+q
        assert process.wait(timeout=30) == (-signal.SIGKILL if ending == "SIGKILL" else 0)
        assert wait_gone([pids["pid"], pids["watchdog"]]) == [], "g4f outlived tui-chat"
        assert not (managed_env / "server.json").exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)


def test_no_managed_backend_on_the_command_line(
    tmp_path: Path, managed_env: Path, fake_g4f
) -> None:
    """`tui-chat --no-managed-backend providers`: none is started, and the listing says
    why."""
    fake_g4f("serve")
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.toml").write_text(
        f'openai = []\n\n[[backends]]\nname = "g4f"\nurl = "http://127.0.0.1:{free_port()}"\n'
        "\n[dynaspark]\nenabled = false\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "tui_chat", "--no-managed-backend", "--config-dir", str(config),
         "providers", "--json"],
        capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    import json

    (row,) = json.loads(result.stdout)
    assert row["managed"]["off"] == "--no-managed-backend was given"
    assert row["state"] == "unreachable" and not row["managed"]["active"]
    assert not (managed_env / "server.log").exists()
    assert managed.OFF_ENV not in os.environ
