"""The fault catalogue: each case seen the way the user sees it.

The app under test is the real `ChatApp` (Pilot) with two providers:

- `bad`: the provider that meets the fault, pointed at a loopback server (aiohttp or a raw
  socket script from tests/providers/testkit.py) or at a dead port;
- `good`: the OpenAI-compatible loopback server from tests/ui/servers.py, used after the
  fault to prove the app still works (a second message gets its answer).

Every case then checks the screen, that the app is running, and the conversation file.
"""

from __future__ import annotations

import asyncio
import socket
import tomllib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from providers.conftest import raw_serve, serve  # noqa: F401  (fixtures used here)
from ui.conftest import answered, screen_text, wait_until  # noqa: F401  (answered: for the tests)
from ui.servers import LoopbackServers, start_servers

from tui_chat.model_choice import ModelChoice
from tui_chat.store import ConversationStore, Paths
from tui_chat.ui.app import ChatApp

#: Every case runs at 80x24, the smallest size the app promises to work at.
SIZE = (80, 24)
#: Frame and gutter characters around messages and the prompt.
_FRAME = str.maketrans(dict.fromkeys("█▊▎▏▕▔▁│", " "))
#: Short timeouts so the timeout cases finish quickly (they pass it explicitly).
FAST_REQUEST = "[request]\nconnect_timeout = 1.0\nread_timeout = 0.6\n"
#: For every other case: generous, so a loaded CI machine does not turn a slow loopback
#: answer into a false timeout.
RELAXED_REQUEST = "[request]\nconnect_timeout = 10.0\nread_timeout = 20.0\n"


def dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
async def good() -> AsyncIterator[LoopbackServers]:
    running = await start_servers()
    yield running
    running.gate.set()
    assert running.runner is not None
    await running.runner.cleanup()


def in_turn(handlers: Sequence[Any]) -> Any:
    """An aiohttp handler answering the n-th request with the n-th handler."""
    served: list[int] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        served.append(1)
        return await handlers[len(served) - 1](request)

    return handler


def settings_text(kind: str, url: str, good_url: str, extra: str = "", model: str = "m") -> str:
    """settings.toml with `bad` (a backend or an OpenAI endpoint at `url`) as default."""
    bad = (
        f'[[backends]]\nname = "bad"\nurl = "{url}"\n'
        if kind == "backend"
        else f'[[openai]]\nname = "bad"\nbase_url = "{url}/v1"\n'
    )
    return (
        f'[defaults]\nprovider = "bad"\nmodel = "{model}"\n\n'
        f"[dynaspark]\nenabled = false\n\n{bad}\n"
        f'[[openai]]\nname = "good"\nbase_url = "{good_url}"\n\n{extra}'
    )


@dataclass
class Harness:
    """Builds the app for one case and checks what every case must hold."""

    tmp_path: Path
    good: LoopbackServers

    @property
    def config(self) -> Path:
        return self.tmp_path / "config"

    def app(
        self,
        url: str = "",
        kind: str = "backend",
        *,
        extra: str = RELAXED_REQUEST,
        environ: dict[str, str] | None = None,
        secrets: str = "",
        model: str = "m",
    ) -> ChatApp:
        self.config.mkdir(parents=True, exist_ok=True)
        url = url or f"http://127.0.0.1:{dead_port()}"
        (self.config / "settings.toml").write_text(
            settings_text(kind, url, self.good.openai_url, extra, model), encoding="utf-8"
        )
        if secrets:
            (self.config / "secrets.toml").write_text(secrets, encoding="utf-8")
            (self.config / "secrets.toml").chmod(0o600)
        # No model lists at start: every request the fault server sees is the chat request.
        return ChatApp.from_paths(
            Paths.resolve(self.config), environ=environ or {}, fetch_models=False
        )


@pytest.fixture
def harness(tmp_path: Path, good: LoopbackServers) -> Harness:
    return Harness(tmp_path, good)


def flat(app: ChatApp) -> str:
    """The screen as one line of words: wrapped sentences read whole again."""
    return " ".join(screen_text(app).translate(_FRAME).split())


async def send(pilot: Any, text: str) -> None:
    """Type like a user (one key per character) and press Enter."""
    await pilot.press(*text)
    await pilot.press("enter")


async def paste_and_send(pilot: Any, app: ChatApp, text: str) -> None:
    """Put text in the prompt as a paste does, then press Enter."""
    app.chat.prompt.text = text
    await pilot.press("enter")


async def ask_and_wait(
    pilot: Any, app: ChatApp, text: str, timeout: float = 10.0, *, paste: bool = True
) -> Any:
    """Send `text` (typed, or pasted), wait for the answer to end, return the answer."""
    before = len(app.conversation.messages)
    if paste:
        await paste_and_send(pilot, app, text)
    else:
        await send(pilot, text)
    await wait_until(
        pilot,
        lambda: not app.chat.streaming and len(app.conversation.messages) >= before + 2,
        timeout,
    )
    await pilot.pause()
    return app.conversation.messages[-1]


def saved(app: ChatApp) -> dict[str, Any]:
    path = ConversationStore(app.paths).path_for(app.conversation.id)
    return tomllib.loads(path.read_text(encoding="utf-8"))


async def still_usable(
    pilot: Any, app: ChatApp, earlier: Sequence[str] = (), *, fresh: bool = False
) -> None:
    """The app runs on: switch to the good provider, ask again, get the answer; and every
    message typed or received so far is on disk, in order.

    `fresh`: ask in a new conversation (ctrl+n), for histories too big for the test server.
    """
    assert app.is_running
    before = saved(app)["messages"] if fresh else []
    if fresh:
        await pilot.press("ctrl+n")
        await pilot.pause()
    app.chat.set_choice(ModelChoice("good", "echo"))
    answer = await ask_and_wait(pilot, app, "still there?")
    assert answer.status == "complete", answer.error
    assert answer.content == "Echo: still there?"
    await wait_until(pilot, lambda: "Echo: still there?" in flat(app))
    contents = [m["content"] for m in saved(app)["messages"]]
    assert contents[-2:] == ["still there?", "Echo: still there?"]
    if fresh:
        contents = [m["content"] for m in before]
    for text in earlier:
        assert text in contents, (text, contents)


async def settle(pilot: Any, seconds: float = 0.1) -> None:
    await pilot.pause(seconds)
    await asyncio.sleep(0)


__all__ = [
    "FAST_REQUEST",
    "SIZE",
    "Harness",
    "ask_and_wait",
    "dead_port",
    "flat",
    "in_turn",
    "paste_and_send",
    "saved",
    "screen_text",
    "send",
    "settle",
    "still_usable",
    "wait_until",
]
