"""`tui-chat providers` and `tui-chat ask` with the managed g4f server, and its setting."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from tui_chat import managed
from tui_chat.store import Paths, load_settings

from .conftest import REPO, free_port, wait_gone


def write_config(tmp_path: Path, extra: str = "") -> Path:
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    (config / "settings.toml").write_text(
        f"openai = []\n{extra}\n[defaults]\nprovider = \"g4f\"\nmodel = \"echo\"\n\n"
        f'[[backends]]\nname = "g4f"\nurl = "http://127.0.0.1:{free_port()}"\n'
        "\n[dynaspark]\nenabled = false\n",
        encoding="utf-8",
    )
    return config


def tui_chat(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui_chat", "--config-dir", str(config), *args],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )  # fmt: skip


def running(fragment: str) -> list[int]:
    """Processes whose command line holds `fragment`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if fragment.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


async def test_providers_reports_the_managed_server_an_app_runs(
    tmp_path: Path, managed_env: Path, fake_g4f
) -> None:
    fake_g4f("serve")
    config = write_config(tmp_path)
    app = managed.server_for(managed_env, managed.find_g4f())  # the open app's
    await asyncio.to_thread(app.start)
    status = await app.wait(timeout=30)
    assert status.state == managed.READY

    listed = await asyncio.to_thread(tui_chat, config, "providers")
    assert listed.returncode == 0, listed.stderr
    row = listed.stdout.split()
    assert row[:5] == ["g4f", "BackendApi", status.url, "ready", "(managed)"]
    assert f"g4f: managed g4f server (another tui-chat's, pid {status.pid}, log " in listed.stderr

    as_json = await asyncio.to_thread(tui_chat, config, "providers", "--json")
    (item,) = json.loads(as_json.stdout)
    assert item["url"] == status.url and item["state"] == "ready"
    assert item["managed"] | {"log": ""} == {
        "mode": "auto", "off": "", "active": True, "state": "ready", "url": status.url,
        "pid": status.pid, "shared": True, "log": "", "reason": "",
    }  # fmt: skip
    # The listing only used it: the app's server still runs.
    assert (managed_env / "server.json").exists()


def test_providers_starts_none_and_says_the_app_will(
    tmp_path: Path, managed_env: Path, fake_g4f
) -> None:
    fake_g4f("serve")
    listed = tui_chat(write_config(tmp_path), "providers")
    assert listed.returncode == 0
    assert "g4f: unreachable: " in listed.stderr
    assert (
        "tui-chat starts a g4f server of its own for it when the app opens, or for "
        "`tui-chat ask`." in listed.stderr
    )
    assert not (managed_env / "server.log").exists()


def test_providers_without_g4f_says_how_to_install_it(
    tmp_path: Path, managed_env: Path, monkeypatch
) -> None:
    monkeypatch.setenv(managed.COMMAND_ENV, str(tmp_path / "no-g4f-here"))
    listed = tui_chat(write_config(tmp_path), "providers", "--json")
    (item,) = json.loads(listed.stdout)
    assert "pip install 'tui-chat[g4f]'" in item["problem"]
    assert item["managed"]["off"] == (
        "g4f is not installed (pip install 'tui-chat[g4f]' installs it)"
    )


def test_ask_starts_a_server_for_its_question_and_stops_it(
    tmp_path: Path, managed_env: Path, fake_g4f
) -> None:
    script = fake_g4f("serve")
    asked = tui_chat(write_config(tmp_path), "ask", "hello there")
    assert asked.returncode == 0, asked.stderr
    assert asked.stdout == "Echo: hello there\n"
    assert "g4f: starting a g4f server for you (log: " in asked.stderr
    assert wait_gone(running(str(script))) == []
    assert running("managed_watchdog.py " + str(managed_env)) == []


def test_ask_says_why_a_managed_server_failed(
    tmp_path: Path, managed_env: Path, fake_g4f
) -> None:
    fake_g4f("fail")
    asked = tui_chat(write_config(tmp_path), "ask", "hello")
    assert asked.returncode == 1
    assert "The g4f server tui-chat started failed: g4f could not start" in asked.stderr
    assert "No module named 'flask'" in asked.stderr
    assert str(managed_env / "server.log") in asked.stderr


def test_the_g4f_setting(tmp_path: Path) -> None:
    paths = Paths(tmp_path)
    paths.settings_file.write_text('[g4f]\nmanaged = "never"\n', encoding="utf-8")
    settings, problems = load_settings(paths)
    assert settings.g4f.managed == "never" and problems == []
    paths.settings_file.write_text('[g4f]\nmanaged = "sometimes"\nport = 1\n', encoding="utf-8")
    settings, problems = load_settings(paths)
    assert settings.g4f.managed == "auto"
    assert [str(problem) for problem in problems] == [
        "settings.toml line 2: expected \"auto\" or \"never\" for g4f.managed, got "
        "'sometimes'; it is ignored and the default, 'auto', is used.",
        "settings.toml line 3: unknown setting 'g4f.port' is ignored.",
    ]
