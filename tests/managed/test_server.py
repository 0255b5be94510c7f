"""The managed g4f server's life, without the UI: start, share, stop, fail, die.

The real g4f (skipped without it) and fake_g4f.py (everywhere) behind the same watchdog.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import pytest

from tui_chat import managed
from tui_chat.catalog import READY, Catalog
from tui_chat.providers import Timeouts
from tui_chat.store import Settings

from .conftest import alive, record, seed_providers, wait_gone

TIMEOUTS = Timeouts(connect=5, read=30)


async def chat(url: str, text: str, **kwargs: object) -> str:
    """What a g4f backend at `url` answers, through tui-chat's BackendApi provider."""
    from tui_chat.providers import BackendApi

    provider = BackendApi.configured("test", url=url)
    parts = []
    async for item in provider.create_async_generator(
        "echo", [{"role": "user", "content": text}], **kwargs
    ):
        if isinstance(item, str):
            parts.append(item)
    return "".join(parts)


def start(folder: Path, command: list[str]) -> managed.ManagedServer:
    """A tui-chat's link (a fresh object stands for another tui-chat process), left at
    the end of the test by `managed_env`."""
    server = managed.ManagedServer(folder, command)
    managed._servers[(folder, ("test", str(id(server))))] = server
    return server


async def test_real_g4f_starts_answers_is_shared_and_stops(
    real_g4f: list[str], managed_env: Path, upstream: str
) -> None:
    seed_providers(managed_env, upstream)
    first = start(managed_env, real_g4f)
    status = await asyncio.to_thread(first.start)
    assert status.state == managed.STARTING
    status = await first.wait()
    assert status.state == managed.READY, status.reason
    assert status.url.startswith("http://127.0.0.1:") and not status.shared
    assert await chat(status.url, "hello there") == "Echo: hello there"

    # g4f lives in the private folder: home, config and cache there, no cookie files.
    pids = record(managed_env)
    assert pids["url"] == status.url and pids["pid"] == status.pid
    environ = Path(f"/proc/{status.pid}/environ").read_bytes().split(b"\0")
    assert f"HOME={managed_env / 'home'}".encode() in environ
    assert f"G4F_CACHE_DIR={managed_env / 'cache'}".encode() in environ
    cmdline = Path(f"/proc/{status.pid}/cmdline").read_bytes().split(b"\0")
    assert b"--ignore-cookie-files" in cmdline and b"127.0.0.1" in cmdline

    # A second tui-chat uses the same server; the first leaving does not stop it.
    second = start(managed_env, real_g4f)
    shared = await asyncio.to_thread(second.start)
    assert shared.state == managed.READY and shared.shared and shared.url == status.url
    first.stop(wait=2)
    assert alive(pids["pid"]) and alive(pids["watchdog"])
    assert await chat(status.url, "still there") == "Echo: still there"

    # The last one leaving stops it: no process is left, and no record.
    second.stop()
    assert wait_gone([pids["pid"], pids["watchdog"]]) == []
    assert not (managed_env / "server.json").exists()


async def test_real_g4f_starts_offline_and_a_request_fails_clearly(
    real_g4f: list[str], managed_env: Path
) -> None:
    """No list of providers in g4f's cache and no internet: the stand-in list lets it
    start; asking its default provider fails with a message, not a hang."""
    server = start(managed_env, real_g4f)
    await asyncio.to_thread(server.start)
    status = await server.wait()
    assert status.state == managed.READY, status.reason
    # Removed once read, so that a later start tries the internet again.
    assert not list((managed_env / "cache" / ".models").glob("*/providers.json"))
    from tui_chat.providers import ProviderError

    with pytest.raises(ProviderError) as failed:
        await asyncio.wait_for(chat(status.url, "hello", read_timeout=60), 90)
    assert str(failed.value).strip()
    server.stop(wait=10)


async def test_a_failing_g4f_is_reported_with_its_reason_and_log(
    managed_env: Path, fake_g4f
) -> None:
    command = [str(fake_g4f("fail"))]
    server = start(managed_env, command)
    await asyncio.to_thread(server.start)
    status = await server.wait(timeout=30)
    assert status.state == managed.FAILED
    assert "could not start (exit status 1)" in status.reason
    assert "No module named 'flask'" in status.reason
    assert status.log == str(managed_env / "server.log")
    assert "No module named 'flask'" in Path(status.log).read_text()
    watchdog = server._process
    assert watchdog is None or wait_gone([watchdog.pid]) == []


async def test_a_port_taken_meanwhile_gets_another(managed_env: Path, fake_g4f) -> None:
    server = start(managed_env, [str(fake_g4f("clash-once"))])
    await asyncio.to_thread(server.start)
    status = await server.wait(timeout=30)
    assert status.state == managed.READY, status.reason
    assert "was taken; trying another" in (managed_env / "server.log").read_text()
    assert await chat(status.url, "hi") == "Echo: hi"


async def test_g4f_gets_a_private_home_and_none_of_the_users_keys(
    managed_env: Path, fake_g4f, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    monkeypatch.setenv("LANG", "C.UTF-8")
    server = start(managed_env, [str(fake_g4f("serve"))])
    await asyncio.to_thread(server.start)
    assert (await server.wait(timeout=30)).state == managed.READY
    seen = json.loads((managed_env / "cache" / "fake-g4f.json").read_text())
    assert seen["env"]["HOME"] == str(managed_env / "home")
    assert seen["env"]["G4F_CONFIG_DIR"] == str(managed_env / "config")
    assert seen["env"]["G4F_CACHE_DIR"] == str(managed_env / "cache")
    assert seen["env"]["LANG"] == "C.UTF-8"
    assert "OPENAI_API_KEY" not in seen["env"]
    assert "sk-secret" not in json.dumps(seen)
    assert seen["argv"][0] == "gui" and "--ignore-cookie-files" in seen["argv"]
    assert seen["argv"][seen["argv"].index("--host") + 1] == "127.0.0.1"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
async def test_g4f_dies_with_a_killed_watchdog(managed_env: Path, fake_g4f) -> None:
    server = start(managed_env, [str(fake_g4f("serve"))])
    await asyncio.to_thread(server.start)
    assert (await server.wait(timeout=30)).state == managed.READY
    pids = record(managed_env)
    os.kill(pids["watchdog"], signal.SIGKILL)
    assert wait_gone([pids["pid"]]) == []
    # This tui-chat hears of it: the server is failed, not ready.
    for _ in range(100):
        if server.status.state == managed.FAILED:
            break
        await asyncio.sleep(0.05)
    assert server.status.state == managed.FAILED


async def test_a_starting_server_is_shared_too(managed_env: Path, fake_g4f) -> None:
    """Two tui-chats starting at once: one server, never two on clashing ports."""
    command = [str(fake_g4f("slow:1.5"))]
    first, second = start(managed_env, command), start(managed_env, command)
    one, two = await asyncio.gather(
        asyncio.to_thread(first.start), asyncio.to_thread(second.start)
    )
    assert {one.state, two.state} == {managed.STARTING}
    assert sorted([one.shared, two.shared]) == [False, True]
    ready = await asyncio.gather(first.wait(timeout=30), second.wait(timeout=30))
    assert ready[0].url == ready[1].url and ready[0].state == managed.READY
    first.stop()
    second.stop()


async def test_refresh_points_the_g4f_entry_at_the_managed_server(
    managed_env: Path, fake_g4f
) -> None:
    fake_g4f("serve")
    settings = Settings()  # the default g4f backend at 127.0.0.1:8080, where nothing runs
    from .conftest import free_port

    settings.backends[0].url = f"http://127.0.0.1:{free_port()}"
    catalog = Catalog.from_settings(settings, {}, {})
    entry = catalog.get("g4f")
    assert entry is not None and entry.managed is not None
    seen: list[str] = []
    await managed.refresh(entry, None, TIMEOUTS, lambda: seen.append(entry.state))
    assert seen == [managed.STARTING]
    assert entry.state == READY and entry.managed.active
    assert entry.url == entry.managed.status().url != settings.backends[0].url
    assert [model.id for model in entry.models] == ["echo"]
    # The configured URL is the entry's again when the server is gone and none starts.
    entry.managed.server.stop(wait=10)
    await managed.refresh(entry, None, TIMEOUTS, start=False)
    assert entry.url == settings.backends[0].url and not entry.managed.active


def test_only_a_g4f_backend_on_this_machine_is_managed() -> None:
    settings = Settings()
    settings.backends[0].url = "https://g4f.example.org"
    assert Catalog.from_settings(settings, {}, {}).get("g4f").managed is None
    settings.backends[0].url = "http://localhost:1337"
    assert Catalog.from_settings(settings, {}, {}).get("g4f").managed is not None
    assert Catalog.from_settings(settings, {}, {}).get("ollama").managed is None


def test_g4f_is_looked_for_beside_tuichat_never_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scripts = tmp_path / "venv" / "bin"
    scripts.mkdir(parents=True)
    monkeypatch.setattr(sys, "executable", str(scripts / "python"))
    monkeypatch.setattr(managed.importlib.util, "find_spec", lambda name: None)
    assert managed.find_g4f({}) is None
    assert "not installed" in managed.why_not("auto", {})
    g4f = scripts / "g4f"
    g4f.write_text("#!/bin/sh\n")
    g4f.chmod(0o755)
    assert managed.find_g4f({}) == [str(g4f)]
    assert managed.why_not("auto", {}) == ""
    assert managed.why_not("never", {}) != ""
    assert managed.why_not("auto", {managed.OFF_ENV: "1"}) != ""
    assert "g4f" not in sys.modules
