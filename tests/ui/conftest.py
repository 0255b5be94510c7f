from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from fakes import FakeProvider, fake_entry
from textual.app import App

from tui_chat.catalog import LOADING, READY, Catalog
from tui_chat.session import ChatSession
from tui_chat.store import Conversation, ConversationStore, Paths, load_settings, load_state
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


@pytest.fixture
def fake() -> Iterator[type[FakeProvider]]:
    """This test's in-process provider (tests/fakes.py): its requests, gate and scripts."""
    provider = FakeProvider.fresh("fake")
    yield provider
    provider.gate.set()


@pytest.fixture
def fake_app(tmp_path: Path, fake: type[FakeProvider]) -> Callable[..., ChatApp]:
    """Make a ChatApp in a config folder of this test's, talking to `fake` in-process.

    Its session's catalog holds one entry, "fake", ready with its models (with
    `fetch_models=True` it is loading until the app asks for the list, as a server's
    would be); settings.toml names it as the default with `model`. `write=False` keeps
    the files (a restart); `settings` starts settings.toml (top-level keys, tables).
    """

    def make(
        model: str = "echo",
        *,
        write: bool = True,
        settings: str = "",
        fetch_models: bool = False,
        max_image: int = 20 * 1024 * 1024,
        max_text: int = 512 * 1024,
        **kwargs: object,
    ) -> ChatApp:
        paths = Paths.resolve(tmp_path / "config")
        paths.ensure()
        if write:
            paths.settings_file.write_text(
                f"""{settings}
[defaults]
provider = "{fake.name()}"
model = "{model}"

[attachments]
max_image_bytes = {max_image}
max_text_bytes = {max_text}
""",
                encoding="utf-8",
            )
        loaded, problems = load_settings(paths)
        state, state_problems = load_state(paths)
        state.adopt_legacy(loaded)
        entry = fake_entry(fake, state=LOADING if fetch_models else READY)
        session = ChatSession(
            loaded,
            Catalog([entry]),
            ConversationStore(paths),
            state=state,
            conversation=Conversation(system_prompt=loaded.request.system_prompt),
        )
        return ChatApp(
            paths,
            session=session,
            problems=[str(problem) for problem in [*problems, *state_problems]],
            environ={},
            fetch_models=fetch_models,
            **kwargs,  # type: ignore[arg-type]
        )

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
