"""`tui-chat ask` with an image model: the image's link is printed (a data URI is not),
and the file is fetched into the media folder before the conversation is saved."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import tomllib
from pathlib import Path

from aiohttp import web
from PIL import Image

from tui_chat.cli import main


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), (250, 120, 0)).save(out, "PNG")
    return out.getvalue()


async def test_ask_prints_links_and_saves_the_files(tmp_path: Path, capsys) -> None:
    image = png()
    uri = "data:image/png;base64," + base64.b64encode(image).decode()

    async def models(request: web.Request) -> web.Response:
        return web.json_response({"Alpha": ["image-1"]})

    async def providers(request: web.Request) -> web.Response:
        return web.json_response([{"name": "Alpha", "label": "Alpha"}])

    async def served(request: web.Request) -> web.Response:
        return web.Response(body=image, content_type="image/png")

    async def conversation(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for event in (
            {"type": "content", "content": "Done."},
            {"type": "content", "content": "", "urls": [uri, "/media/x.png"], "alt": "orange"},
            {"type": "finish", "finish": {"reason": "stop"}},
        ):
            await response.write(f"data: {json.dumps(event)}\n\n".encode())
        return response

    app = web.Application()
    app.router.add_get("/backend-api/v2/models", models)
    app.router.add_get("/backend-api/v2/providers", providers)
    app.router.add_post("/backend-api/v2/conversation", conversation)
    app.router.add_get("/media/x.png", served)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.toml").write_text(
        f'openai = []\n[dynaspark]\nenabled = false\n[g4f]\nmanaged = "never"\n'
        f'[[backends]]\nname = "g4f"\nurl = "http://127.0.0.1:{port}"\n',
        encoding="utf-8",
    )
    try:
        code = await asyncio.to_thread(
            main, ["--config-dir", str(config), "ask", "-m", "g4f/image-1", "draw"]
        )
    finally:
        await runner.cleanup()
    out = capsys.readouterr().out
    assert code == 0
    assert "Done." in out and "[image: orange] (/media/x.png)" in out
    assert "[image: orange] (data URI)" in out and base64.b64encode(image).decode() not in out
    saved = next((config / "conversations").glob("*.toml"))
    media = tomllib.loads(saved.read_text())["messages"][-1]["media"]
    digest = hashlib.sha256(image).hexdigest()
    assert [m["sha256"] for m in media] == [digest, digest]
    assert (config / media[0]["path"]).read_bytes() == image
