"""API keys: set in secrets.toml and in the environment, echoed back by a server in its
error, they never reach the screen, a notification, a conversation file, settings.toml,
state.toml, the log, or `tui-chat ask`'s stderr. The secrets file stays 0600."""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import sys
from pathlib import Path

from aiohttp import web

from tui_chat.model_choice import ModelChoice

from .conftest import SIZE, ask_and_wait, flat, still_usable

ENV_KEY = "sk-env-0123456789abcdef"
FILE_KEY = "sk-file-fedcba9876543210"
KEYS = (ENV_KEY, FILE_KEY)


def every_file(config: Path) -> dict[Path, str]:
    """Every file the app wrote, except secrets.toml (the one place keys belong)."""
    return {
        path: path.read_text(encoding="utf-8", errors="replace")
        for path in config.rglob("*")
        if path.is_file() and path.name != "secrets.toml"
    }


async def echoing_server(serve):
    """Answers 401 quoting back whatever key it was sent, in the body and a header."""

    async def handler(request: web.Request) -> web.StreamResponse:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ")
        body = {"error": {"message": f"Incorrect API key provided: {sent}"}}
        return web.json_response(body, status=401, headers={"X-Echo": sent})

    return await serve(handler)


async def test_keys_never_leave_secrets_toml(harness, serve, caplog):
    caplog.set_level(logging.DEBUG)
    server = await echoing_server(serve)
    app = harness.app(
        server.url,
        kind="openai",
        environ={"BAD_API_KEY": ENV_KEY},
        secrets=f'[keys]\nbad = "{FILE_KEY}"\ngood = "{FILE_KEY}"\n',
    )
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        answer = await ask_and_wait(pilot, app, "my key please")
        assert answer.status == "failed"
        assert "Authentication required (HTTP 401): Incorrect API key provided: ***" in (
            answer.error
        )
        shown = flat(app)
        toasts = " ".join(n.message for n in app._notifications)
        app.chat.set_choice(ModelChoice("good", "echo"))  # saves state.toml
        await still_usable(pilot, app, ["my key please"])
        assert harness.good.requests[-1].headers["Authorization"] == f"Bearer {FILE_KEY}"
    for key in KEYS:
        assert key not in shown
        assert key not in toasts
        assert key not in answer.error
        assert key not in caplog.text
        for path, text in every_file(harness.config).items():
            assert key not in text, path
    assert (harness.config / "settings.toml").exists()
    assert (harness.config / "state.toml").exists()
    mode = stat.S_IMODE((harness.config / "secrets.toml").stat().st_mode)
    assert mode == 0o600


async def test_ask_stderr_never_shows_the_key(harness, serve):
    server = await echoing_server(serve)
    harness.app(server.url, kind="openai", secrets=f'[keys]\nbad = "{FILE_KEY}"\n')
    env = {**os.environ, "BAD_API_KEY": ENV_KEY}
    env.pop("TUI_CHAT_CONFIG_DIR", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tui_chat", "--config-dir", str(harness.config),
        "ask", "-v", "-m", "bad/m", "hello",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 1
    said = err.decode()
    assert "Incorrect API key provided: ***" in said
    for key in KEYS:
        assert key not in said and key.encode() not in out
        for path, text in every_file(harness.config).items():
            assert key not in text, path


def test_secrets_file_created_by_the_app_is_0600(tmp_path):
    """Cited from tests/store: created 0600 from the first byte, never wider."""
    from tui_chat.store import Paths
    from tui_chat.store.keys import save_secret

    paths = Paths(tmp_path / "config")
    paths.ensure()
    save_secret(paths, "bad", FILE_KEY)
    assert stat.S_IMODE(paths.secrets_file.stat().st_mode) == 0o600
