"""A first launch with no provider ready: the welcome panel says what was tried, why it
failed and what to do; the sidebar has the whole reason; a server started later is found."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

from aiohttp import web

from tui_chat.store import Paths
from tui_chat.ui.app import ChatApp
from tui_chat.ui.screens.chat import screen as chat_screen
from tui_chat.ui.widgets.welcome import Welcome

from .conftest import dead_port, screen_text, wait_until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nothing_answers(config: Path, backend_port: int, openai_port: int) -> ChatApp:
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.toml").write_text(
        f"""
[[backends]]
name = "g4f"
url = "http://127.0.0.1:{backend_port}"

[dynaspark]
enabled = false

[[openai]]
name = "ollama"
base_url = "http://127.0.0.1:{openai_port}/v1"
""",
        encoding="utf-8",
    )
    return ChatApp.from_paths(Paths.resolve(config), environ={})


def welcome_shown(app: ChatApp) -> bool:
    # The panel is mounted when first shown: none at all is not shown.
    return any(welcome.has_class("-shown") for welcome in app.chat.query(Welcome))


async def test_nothing_reachable_says_what_was_tried_and_what_to_do(tmp_path):
    backend, openai = dead_port(), dead_port()
    app = nothing_answers(tmp_path / "config", backend, openai)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: welcome_shown(app))
        await wait_until(pilot, lambda: "Welcome to tui-chat" in screen_text(app))
        await wait_until(pilot, lambda: "checking" not in screen_text(app))
        text = screen_text(app)
        assert "Welcome to tui-chat" in text
        assert "No provider is ready yet. Tried:" in text
        rows = [line for line in text.splitlines() if "✗" in line]
        assert any("g4f" in row and "Could not connect" in row for row in rows), rows
        assert any("ollama" in row and "Could not connect" in row for row in rows), rows
        assert f"g4f gui --host 127.0.0.1 --port {backend}" in text and "ollama serve" in text
        assert "key: f9." in text and "f1 lists every key" in text
        assert "Type a message" in text  # the prompt is still there at 80x24
        # A message sent: the conversation takes the room (the answer fails, and says so).
        await pilot.press(*"hello", "enter")
        await wait_until(pilot, lambda: not welcome_shown(app))
        await wait_until(pilot, lambda: not app.chat.streaming)
        assert "hello" in screen_text(app)


async def test_a_server_started_later_is_found_without_a_key(tmp_path, monkeypatch):
    monkeypatch.setattr(chat_screen, "RECHECK_EVERY", 0.2)
    port = free_port()
    app = nothing_answers(tmp_path / "config", dead_port(), port)
    models = web.Application()

    async def listing(request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "llama3.2"}]})

    models.router.add_get("/v1/models", listing)
    runner = web.AppRunner(models)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: welcome_shown(app))
        await runner.setup()
        try:
            await web.TCPSite(runner, "127.0.0.1", port).start()
            await wait_until(pilot, lambda: app.catalog.get("ollama").state == "ready")
            await wait_until(pilot, lambda: not welcome_shown(app))
            assert "Welcome to tui-chat" not in screen_text(app)
        finally:
            await runner.cleanup()


async def test_a_working_setup_never_shows_it(make_app, servers):
    app = make_app()
    seen: list[bool] = []
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(20):
            seen.append(welcome_shown(app))
            await pilot.pause(0.02)
        await wait_until(pilot, lambda: app.catalog.get("local").state == "ready")
        seen.append(welcome_shown(app))
    assert not any(seen)


async def test_the_sidebar_has_the_whole_reason_and_enter_checks_again(tmp_path):
    backend = dead_port()
    app = nothing_answers(tmp_path / "config", backend, dead_port())
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        entry = app.catalog.get("g4f")
        await wait_until(pilot, lambda: entry.state == "unreachable")
        await pilot.pause(0.1)
        # Every word of the reason is in the tree, wrapped to its width, not cut.
        tree = app.chat.tree
        shown = " ".join(
            str(node.label) for node in tree._providers["g4f"].children
        )
        assert " ".join(entry.problem.split()) in " ".join(shown.split())
        assert f"127.0.0.1:{backend}" in screen_text(app)
        tree.focus()
        tree.move_cursor(tree._providers["g4f"])
        await pilot.press("enter")
        await wait_until(pilot, lambda: "Asking g4f for its models again" in screen_text(app))
        await wait_until(pilot, lambda: entry.state == "unreachable")


async def test_a_dead_backend_beside_a_slow_working_server_does_not_flash_it(tmp_path):
    """A dead backend fails at once; a working server that takes a moment to list its
    models must still win: the panel stays hidden the whole time."""
    port = free_port()
    models = web.Application()

    async def listing(request: web.Request) -> web.Response:
        await asyncio.sleep(0.6)
        return web.json_response({"object": "list", "data": [{"id": "llama3.2"}]})

    models.router.add_get("/v1/models", listing)
    runner = web.AppRunner(models)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        app = nothing_answers(tmp_path / "config", dead_port(), port)
        seen: list[bool] = []
        async with app.run_test(size=(80, 24)) as pilot:
            while app.catalog.get("ollama").state != "ready":
                seen.append(welcome_shown(app))
                await pilot.pause(0.02)
            await pilot.pause(0.1)
            seen.append(welcome_shown(app))
            assert app.catalog.get("g4f").state == "unreachable"
            assert "Welcome to tui-chat" not in screen_text(app)
        assert len(seen) > 10 and not any(seen)
    finally:
        await runner.cleanup()
