"""The managed g4f server in the app: the sidebar's states, the welcome panel, a chat.

The app starts with the g4f backend pointing where nothing answers, as a newcomer's
default settings do when no g4f server runs.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from ui.conftest import answered, screen_text, wait_until

from tui_chat import managed
from tui_chat.catalog import READY, UNREACHABLE
from tui_chat.store import Paths
from tui_chat.ui.app import ChatApp

from .conftest import free_port, record, seed_providers, wait_gone


def make_app(tmp_path: Path, extra: str = "") -> ChatApp:
    config = tmp_path / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.toml").write_text(
        f"""openai = []
{extra}
[defaults]
provider = "g4f"
model = "echo"

[[backends]]
name = "g4f"
url = "http://127.0.0.1:{free_port()}"

[dynaspark]
enabled = false
""",
        encoding="utf-8",
    )
    return ChatApp.from_paths(Paths.resolve(config), environ={})


def sidebar_text(app: ChatApp) -> str:
    """The sidebar's column of the screen, its lines joined without their ends' spaces
    (a wrapped reason or path reads whole)."""
    region = app.chat.query_one("#sidebar").region
    rows = screen_text(app).splitlines()[region.y : region.bottom]
    text = "".join(row[region.x : region.right].strip(" ▕") for row in rows)
    return "".join(char for char in text if char not in "├└│┃┣┗━─")


def g4f_state(app: ChatApp) -> str:
    entry = app.catalog.get("g4f")
    assert entry is not None
    return entry.state


async def test_chat_through_the_real_managed_g4f_then_it_stops_with_the_app(
    tmp_path: Path, real_g4f: list[str], managed_env: Path, upstream: str
) -> None:
    seed_providers(managed_env, upstream)
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: g4f_state(app) == READY, timeout=120)
        await wait_until(pilot, lambda: "ready · managed" in screen_text(app))
        entry = app.catalog.get("g4f")
        assert entry.url == entry.managed.status().url  # the managed server's
        pids = record(managed_env)
        await pilot.press(*"hello there", "enter")
        await wait_until(pilot, lambda: answered(app, 2), timeout=60)
        await wait_until(pilot, lambda: "Echo: hello there" in screen_text(app))
    # The app has ended: its server is stopped, and no process of it is left.
    assert wait_gone([pids["pid"], pids["watchdog"]]) == []


async def test_the_sidebar_and_welcome_say_starting_then_ready(
    tmp_path: Path, managed_env: Path, fake_g4f
) -> None:
    fake_g4f("slow:2")
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: g4f_state(app) == managed.STARTING)
        await wait_until(pilot, lambda: "starting · managed" in screen_text(app))
        # The welcome panel says so; the sidebar has the log's path.
        await wait_until(
            pilot, lambda: "tui-chat is starting a g4f server for you" in screen_text(app)
        )
        assert f"Log:{managed_env / 'server.log'}" in sidebar_text(app).replace(" ", "")
        await wait_until(pilot, lambda: g4f_state(app) == READY, timeout=30)
        await wait_until(pilot, lambda: "ready · managed" in screen_text(app))
        assert "Welcome to tui-chat" not in screen_text(app)
        await pilot.press(*"hi", "enter")
        await wait_until(pilot, lambda: answered(app, 2), timeout=30)
        assert "Echo: hi" in screen_text(app)


async def test_a_failed_server_shows_its_reason_and_its_log(
    tmp_path: Path, managed_env: Path, fake_g4f
) -> None:
    fake_g4f("fail")
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: g4f_state(app) == managed.FAILED, timeout=30)
        await wait_until(pilot, lambda: "failed · managed" in screen_text(app))
        tree = sidebar_text(app).replace(" ", "")
        assert "couldnotstart(exitstatus1):ModuleNotFoundError:Nomodulenamed'flask'" in tree
        assert f"Log:{managed_env / 'server.log'}" in tree
        assert "Enter:checkagain" in tree


async def test_without_g4f_the_welcome_says_how_to_get_it(
    tmp_path: Path, managed_env: Path, monkeypatch
) -> None:
    monkeypatch.setenv(managed.COMMAND_ENV, str(tmp_path / "no-such-g4f"))
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: g4f_state(app) == UNREACHABLE)
        await wait_until(pilot, lambda: "pip install 'tui-chat[g4f]'" in screen_text(app))
        assert "managed" not in screen_text(app)
    assert not (managed_env / "server.json").exists()


async def test_managed_never_starts_nothing(
    tmp_path: Path, managed_env: Path, fake_g4f
) -> None:
    fake_g4f("serve")
    app = make_app(tmp_path, '[g4f]\nmanaged = "never"\n')
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: g4f_state(app) == UNREACHABLE)
        await pilot.pause(0.3)
        assert g4f_state(app) == UNREACHABLE
        assert "managed" not in screen_text(app)
    assert not (managed_env / "g4f" / "server.log").exists()
    assert not (managed_env / "server.log").exists()


async def test_a_failed_server_is_started_again_by_enter_not_in_the_background(
    tmp_path: Path, managed_env: Path, fake_g4f, monkeypatch
) -> None:
    from tui_chat.ui.screens.chat import screen

    monkeypatch.setattr(screen, "RECHECK_EVERY", 0.2)  # the background checks, often
    fake_g4f("fail")
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: g4f_state(app) == managed.FAILED, timeout=30)
        fake_g4f("serve")  # g4f fixed meanwhile (say, flask installed)
        await pilot.pause(1.0)  # five checks in the background
        assert g4f_state(app) == managed.FAILED
        assert not (managed_env / "server.log.1").exists()  # started once only
        app.chat.tree.focus()
        app.chat.tree.cursor_line = 0  # the g4f provider
        await pilot.press("enter")
        await wait_until(pilot, lambda: g4f_state(app) == READY, timeout=30)
        await wait_until(pilot, lambda: "ready · managed" in screen_text(app))


async def test_the_settings_switch_stops_and_starts_the_server_on_save(
    tmp_path: Path, managed_env: Path, fake_g4f
) -> None:
    """"Run g4f server" in the settings (F9): off leaves the server tui-chat runs (its
    watchdog stops it), on starts one again, each from Save, without a restart."""
    from tui_chat.ui.screens.settings.screen import SettingsScreen

    async def flip_and_save(pilot) -> None:
        await pilot.press("f9")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        row = app.screen.general.managed
        row.switch.focus()
        before = row.value
        await pilot.press("space")
        await wait_until(pilot, lambda: row.value != before)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, SettingsScreen))

    fake_g4f("serve")
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: g4f_state(app) == READY, timeout=30)
        pids = record(managed_env)
        await flip_and_save(pilot)
        assert wait_gone([pids["pid"], pids["watchdog"]]) == []
        await wait_until(pilot, lambda: g4f_state(app) == UNREACHABLE)
        assert "managed" not in sidebar_text(app)
        await flip_and_save(pilot)
        await wait_until(pilot, lambda: g4f_state(app) == READY, timeout=30)
        await wait_until(pilot, lambda: "ready · managed" in screen_text(app))
        assert record(managed_env)["pid"] != pids["pid"]
    text = (tmp_path / "config" / "settings.toml").read_text()
    assert tomllib.loads(text)["g4f"] == {"managed": "auto"}
