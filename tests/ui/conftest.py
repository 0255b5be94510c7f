from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from textual.app import App

from tui_chat.store import Paths
from tui_chat.ui.app import ChatApp

from .servers import LoopbackServers, start_servers


@pytest.fixture
async def servers() -> AsyncIterator[LoopbackServers]:
    running = await start_servers()
    yield running
    running.gate.set()
    assert running.runner is not None
    await running.runner.cleanup()


def dead_port() -> int:
    """A port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_settings(
    config: Path,
    servers: LoopbackServers,
    model: str = "echo",
    provider: str = "local",
    max_image: int = 20 * 1024 * 1024,
    max_text: int = 512 * 1024,
) -> None:
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.toml").write_text(
        f"""
[defaults]
provider = "{provider}"
model = "{model}"

[[backends]]
name = "backend"
url = "{servers.backend_url}"

[[backends]]
name = "dead"
url = "http://127.0.0.1:{dead_port()}"

[dynaspark]
endpoint = "{servers.dynaspark_url}"

[attachments]
max_image_bytes = {max_image}
max_text_bytes = {max_text}

[[openai]]
name = "local"
base_url = "{servers.openai_url}"
""",
        encoding="utf-8",
    )


@pytest.fixture
def make_app(tmp_path: Path, servers: LoopbackServers) -> Callable[..., ChatApp]:
    def make(
        model: str = "echo", provider: str = "local", write: bool = True, **limits: int
    ) -> ChatApp:
        config = tmp_path / "config"
        if write:
            write_settings(config, servers, model, provider, **limits)
        return ChatApp.from_paths(Paths.resolve(config), environ={})

    return make


def screen_text(app: App) -> str:
    """What the terminal shows now, as plain text lines."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


async def wait_until(pilot, predicate: Callable[[], object], timeout: float = 15.0) -> None:
    """Pause until the predicate holds; fail with a clear message after `timeout`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {predicate}")
        await pilot.pause(0.02)


def answered(app: ChatApp, count: int) -> bool:
    """The conversation holds `count` messages and no answer is streaming."""
    return not app.chat.streaming and len(app.conversation.messages) == count
