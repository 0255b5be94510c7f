"""What the screen snapshots need: the app as tests/ui builds it, with nothing that changes
between runs.

`snap_compare` (pytest-textual-snapshot) runs the app with `App.run()` on an event loop of
its own, so the test is synchronous and the loopback servers (tests/ui/servers.py) run on
another loop, in a thread. Everything a screen shows is fixed:

- URLs: the settings screen shows each provider's URL, so the servers answer on a fixed
  loopback port (as well as on their random one) and "dead" providers point at fixed ports
  held bound without listening (a connection is refused at once, nothing can answer);
- dates: messages and conversations get fixed timestamps (a day in the past, so the log
  shows the full date, whatever today is) and the local time zone is UTC;
- the cursor: blinking is switched off once the screen has settled (`settle`).
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import pytest_textual_snapshot
import ui.conftest as ui_conftest
from aiohttp import web
from textual.pilot import Pilot
from textual.widgets import Input, TextArea
from ui.conftest import make_app, screen_text, wait_until  # noqa: F401  (make_app: fixture)
from ui.servers import LoopbackServers, start_servers

from tui_chat.catalog import LOADING
from tui_chat.ui.app import ChatApp

T = TypeVar("T")

# pytest-textual-snapshot 1.0.0 names its file type with syrupy 4's `_file_extension`;
# syrupy 5 renamed it `file_extension` (syrupy 4 needs pytest < 9), so without this the
# snapshots would be saved as `.raw` files.
pytest_textual_snapshot.SVGImageExtension.file_extension = "svg"

#: Where the loopback servers also answer, and the ports that refuse every connection.
#: Below Linux's ephemeral range (32768 and up), so random ports taken by other tests and
#: outgoing connections never collide with them.
HOST = "127.0.0.1"
LIVE_PORT = 28470
DEAD_PORTS = (28471, 28472, 28473)


def _hold(port: int) -> socket.socket:
    """Bind `port` without listening: connecting to it is refused, and nothing else can
    take it while the test runs."""
    sock = socket.socket()
    try:
        sock.bind((HOST, port))
    except OSError as error:
        sock.close()
        pytest.fail(f"the snapshots need {HOST}:{port} free (URLs are on screen): {error}")
    return sock


@pytest.fixture
def dead_ports(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, ...]]:
    """The fixed ports that refuse connections; tests/ui's settings use the first one for
    their "dead" backend."""
    held = [_hold(port) for port in DEAD_PORTS]
    monkeypatch.setattr(ui_conftest, "dead_port", lambda: DEAD_PORTS[0])
    yield DEAD_PORTS
    for sock in held:
        sock.close()


@pytest.fixture
def servers(dead_ports: tuple[int, ...]) -> Iterator[LoopbackServers]:
    """tests/ui's loopback servers, run in a thread, answering at HOST:LIVE_PORT."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="snapshot-servers", daemon=True)
    thread.start()

    def run(coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=15)

    async def start() -> LoopbackServers:
        running = await start_servers()
        assert running.runner is not None
        try:
            await web.TCPSite(running.runner, HOST, LIVE_PORT).start()
        except OSError:
            await running.runner.cleanup()
            raise
        return running

    async def stop(running: LoopbackServers) -> None:
        running.gate.set()
        assert running.runner is not None
        await running.runner.cleanup()

    try:
        try:
            running = run(start())
        except OSError as error:
            pytest.fail(f"the snapshots need {HOST}:{LIVE_PORT} free (URLs are on screen): {error}")
        base = f"http://{HOST}:{LIVE_PORT}"
        running.openai_url = f"{base}/v1"
        running.backend_url = base
        running.dynaspark_url = f"{base}/api/generate_response"
        yield running
        run(stop(running))
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=15)
        loop.close()


@pytest.fixture(autouse=True)
def utc() -> Iterator[None]:
    """Local time is UTC: the times on screen do not depend on the machine's zone."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """The config folder `make_app` uses."""
    return tmp_path / "config"


def freeze_cursors(app: ChatApp) -> None:
    """Stop every cursor on screen blinking (it stays shown where the focus is)."""
    for widget in app.screen.query("TextArea, Input"):
        assert isinstance(widget, TextArea | Input)
        widget.cursor_blink = False


def providers_settled(app: ChatApp) -> bool:
    """Every provider has answered or failed: its state in the tree will not change."""
    return all(entry.state != LOADING for entry in app.catalog) and not any(
        worker.group == "models" for worker in app.workers
    )


async def settle(pilot: Pilot, shown: Callable[[str], bool]) -> None:
    """Wait until the providers have settled and `shown(screen text)` holds, then stop the
    cursor blinking."""
    app = pilot.app
    assert isinstance(app, ChatApp)
    # snap_compare runs the app with `App.run`, not ChatApp.run_test, which waits for the
    # prompt to take its stand-in's place (a frame later, alike cell for cell).
    await app.chat.prompt_ready()
    await wait_until(pilot, lambda: providers_settled(app))
    await wait_until(pilot, lambda: shown(screen_text(app)))
    freeze_cursors(app)
    await pilot.pause()
