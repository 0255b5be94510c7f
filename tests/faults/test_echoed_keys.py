"""A key echoed by a server inside the stream: in a notice, a line that is not JSON, a
title, an error event. Neither the API key (secrets.toml) nor a configured header's value
(an `Authorization` header in settings.toml) reaches the screen, a notification, the
conversation file, or `tui-chat ask -v`'s stdout and stderr; `***` stands in its place.

The answer's own words are not masked (see tui_chat/providers/masking.py), so the server
here quotes the secrets everywhere but there. The provider-level cases, every event kind
included: tests/providers/test_masking.py.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from aiohttp import web
from providers.testkit import FINISH, sse

from tui_chat.store import Paths
from tui_chat.ui.app import ChatApp

from .conftest import RELAXED_REQUEST, SIZE, ask_and_wait, flat, saved, still_usable

KEY = "sk-echo-0123456789abcdef"
TOKEN = "hdr-token-fedcba987654"
SECRETS = (KEY, TOKEN)
#: What the server's quote of (key, Authorization header) becomes.
MASKED = "key=*** auth=***"


async def echoing_backend(serve):
    """A g4f backend quoting the key it was sent (in the body) and its Authorization
    header in a title, a notice and a line that is not JSON; or, for a question with
    "fail" in it, in an error event after some text."""

    async def handler(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        said = f"key={body.get('api_key')} auth={request.headers.get('Authorization')}"
        if "fail" in body["messages"][-1]["content"]:
            error = {"type": "error", "error": "ResponseError", "message": f"Refused, {said}"}
            lines = [sse({"type": "content", "content": "Partial."}), sse(error)]
        else:
            lines = [
                sse({"type": "title", "title": f"Title {said}"}),
                sse({"type": "content", "content": "The answer."}),
                sse({"type": "message", "message": f"Upstream warning, {said}"}),
                f"{KEY} is no JSON\n".encode(),
                sse(FINISH),
            ]
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for line in lines:
            await response.write(line)
        return response

    return await serve(handler)


def configure(config: Path, url: str, good_url: str) -> None:
    """`bad`, the echoing backend, with the key in secrets.toml and a bearer token as a
    configured header in settings.toml (the two places a user puts secrets)."""
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.toml").write_text(
        f'[defaults]\nprovider = "bad"\nmodel = "m"\n\n[dynaspark]\nenabled = false\n\n'
        f'[[backends]]\nname = "bad"\nurl = "{url}"\n'
        f'headers = {{ Authorization = "Bearer {TOKEN}" }}\n\n'
        f'[[openai]]\nname = "good"\nbase_url = "{good_url}"\n\n{RELAXED_REQUEST}',
        encoding="utf-8",
    )
    (config / "secrets.toml").write_text(f'[keys]\nbad = "{KEY}"\n', encoding="utf-8")
    (config / "secrets.toml").chmod(0o600)


def conversation_files(config: Path) -> dict[Path, str]:
    return {
        path: path.read_text(encoding="utf-8")
        for path in (config / "conversations").rglob("*")
        if path.is_file()
    }


def assert_nowhere(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, (secret, text)


async def test_echoed_key_and_header_are_masked_on_screen_and_on_disk(harness, serve):
    server = await echoing_backend(serve)
    configure(harness.config, server.url, harness.good.openai_url)
    app = ChatApp.from_paths(Paths.resolve(harness.config), environ={}, fetch_models=False)
    async with app.run_test(size=SIZE) as pilot:
        answer = await ask_and_wait(pilot, app, "echo my secrets")
        assert (answer.status, answer.content) == ("complete", "The answer.")
        shown = flat(app)
        assert f"note: Upstream warning, {MASKED}" in shown
        assert "note: Skipped a line that is not JSON: '*** is no JSON'" in shown
        assert app.conversation.title == f"Title {MASKED}"
        assert saved(app)["title"] == f"Title {MASKED}"

        failed = await ask_and_wait(pilot, app, "now fail")
        assert failed.status == "failed"
        assert failed.error == f"The provider failed: ResponseError: Refused, {MASKED}"
        assert f"✗ The provider failed: ResponseError: Refused, {MASKED}" in flat(app)
        shown += flat(app)
        toasts = " ".join(n.message for n in app._notifications)
        assert "Refused, key=***" in toasts  # cut to one line, masked
        await still_usable(pilot, app, ["echo my secrets", "now fail"])
        # The server was sent both: they are masked on the way back only.
        assert server.requests[0].json()["api_key"] == KEY
        assert server.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert_nowhere(shown, toasts, *conversation_files(harness.config).values())


async def run_ask(config: Path, *args: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.pop("TUI_CHAT_CONFIG_DIR", None)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])  # this checkout's package
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tui_chat", "--config-dir", str(config), "ask", *args,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_ask_verbose_never_shows_an_echoed_key(harness, serve):
    server = await echoing_backend(serve)
    configure(harness.config, server.url, harness.good.openai_url)
    code, out, err = await run_ask(harness.config, "-v", "-m", "bad/m", "echo my secrets")
    assert code == 0, err
    assert out == "The answer.\n"
    assert f"tui-chat: note: Upstream warning, {MASKED}" in err.splitlines()
    assert "tui-chat: note: Skipped a line that is not JSON: '*** is no JSON'" in err.splitlines()

    code, out2, err2 = await run_ask(harness.config, "-v", "-m", "bad/m", "now fail")
    assert code == 1
    assert out2 == "Partial.\n"
    assert err2.splitlines()[-1] == (
        f"tui-chat: bad/m: The provider failed: ResponseError: Refused, {MASKED}"
    )
    assert_nowhere(out, err, out2, err2, *conversation_files(harness.config).values())
    assert len(server.requests) == 2
