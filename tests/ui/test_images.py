"""Images in the app (issue 21), against a loopback g4f backend (BackendApi's wire format)
that answers with media: a PNG data URI, a PNG URL it serves itself (relative, as g4f's
`/media/…`, and absolute), a 404, bad bytes, an image over the size limit.

What is checked is what lands on disk (the file, its SHA-256, the TOML with its path and
no bytes) and what the user sees (thumbnails, the one-line placeholder, reasons).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import tomllib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web
from PIL import Image

from tui_chat.store import Paths
from tui_chat.ui.app import ChatApp
from tui_chat.ui.screens.image import ImageScreen
from tui_chat.ui.widgets.image_view import HalfcellImage, ImageLine

from .conftest import screen_text, wait_until

SIZE = (80, 24)


def png(width: int = 40, height: int = 30, colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A real PNG made with Pillow: a red block on a blue ground."""
    image = Image.new("RGB", (width, height), (20, 40, 220))
    for x in range(width // 4, width * 3 // 4):
        for y in range(height // 4, height * 3 // 4):
            image.putpixel((x, y), colour)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@dataclass
class MediaBackend:
    url: str = ""
    image: bytes = field(default_factory=png)
    #: What the next answer's content event carries as `urls`, by the question asked.
    answers: dict[str, list[str]] = field(default_factory=dict)
    fetched: list[str] = field(default_factory=list)
    runner: web.AppRunner | None = None


@pytest.fixture
async def backend() -> AsyncIterator[MediaBackend]:
    served = MediaBackend()
    # Noise does not compress: well over the test's 20,000-byte limit.
    big_image = Image.frombytes("RGB", (100, 100), os.urandom(30_000))
    out = io.BytesIO()
    big_image.save(out, "PNG")
    big = out.getvalue()

    async def models(request: web.Request) -> web.Response:
        return web.json_response({"Alpha": ["image-1"]})

    async def providers(request: web.Request) -> web.Response:
        return web.json_response([{"name": "Alpha", "label": "Alpha", "vision": True}])

    async def media(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        served.fetched.append(name)
        if name == "cat.png":
            return web.Response(body=served.image, content_type="image/png")
        if name == "bad.png":
            return web.Response(body=b"<html>not a picture</html>", content_type="image/png")
        if name == "big.png":
            return web.Response(body=big, content_type="image/png")
        return web.Response(status=404, text="no such image")

    async def conversation(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        question = body["messages"][-1]["content"]
        question = question if isinstance(question, str) else question[0]["text"]
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        events = [
            {"type": "content", "content": f"Here it is: {question}"},
            {"type": "content", "content": "", "urls": served.answers.get(question, [])},
            {"type": "finish", "finish": {"reason": "stop"}},
        ]
        for event in events:
            if event["type"] == "content" and "urls" in event:
                event["alt"] = "a red square"
            await response.write(f"data: {json.dumps(event)}\n\n".encode())
        return response

    app = web.Application()
    app.router.add_get("/backend-api/v2/models", models)
    app.router.add_get("/backend-api/v2/providers", providers)
    app.router.add_post("/backend-api/v2/conversation", conversation)
    app.router.add_get("/media/{name}", media)
    served.runner = web.AppRunner(app)
    await served.runner.setup()
    site = web.TCPSite(served.runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    served.url = f"http://127.0.0.1:{port}"
    yield served
    await served.runner.cleanup()


def make_app(
    tmp_path: Path, backend: MediaBackend, display: str = "", max_image: int = 0
) -> ChatApp:
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    limits = f"\n[attachments]\nmax_image_bytes = {max_image}\n" if max_image else ""
    (config / "settings.toml").write_text(
        f"""{display}
[defaults]
provider = "g4f"
model = "image-1"
{limits}
[g4f]
managed = "never"

[[backends]]
name = "g4f"
url = "{backend.url}"
provider = "Alpha"
""",
        encoding="utf-8",
    )
    return ChatApp.from_paths(Paths.resolve(config), environ={})


def data_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


async def ask(pilot, app: ChatApp, question: str) -> None:
    await wait_until(pilot, lambda: app.chat.choice.model == "image-1")
    count = len(app.conversation.messages) + 2
    app.chat.prompt.text = question
    await pilot.press("enter")
    await wait_until(
        pilot,
        lambda: (
            len(app.conversation.messages) == count
            and not app.chat.streaming
            and not any(m.pending for m in app.conversation.messages[-1].media)
        ),
    )
    await pilot.pause(0.2)


def saved_file(app: ChatApp) -> dict:
    path = app.paths.conversations_dir / f"{app.conversation.id}.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


async def test_a_data_uri_and_a_served_url_land_on_disk_with_their_hash(tmp_path, backend):
    image = backend.image
    backend.answers["draw"] = [data_uri(image), "/media/cat.png", f"{backend.url}/media/cat.png"]
    app = make_app(tmp_path, backend)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, app, "draw")
        answer = app.conversation.messages[-1]
        assert [m.error for m in answer.media] == ["", "", ""]
        digest = hashlib.sha256(image).hexdigest()
        for media in answer.media:
            assert media.sha256 == digest
            on_disk = app.paths.config_dir / media.path
            assert hashlib.sha256(on_disk.read_bytes()).hexdigest() == digest
            assert media.path == f"media/{app.conversation.id}/{digest[:16]}.png"
        assert backend.fetched == ["cat.png", "cat.png"]
        # The TOML holds paths and hashes, never the bytes (nor the data URI).
        raw = (app.paths.conversations_dir / f"{app.conversation.id}.toml").read_text()
        assert base64.b64encode(image).decode()[:40] not in raw
        tables = saved_file(app)["messages"][-1]["media"]
        assert [t["sha256"] for t in tables] == [digest] * 3
        assert tables[0]["source"] == "data:"
        assert tables[1]["source"] == "/media/cat.png"
        # Drawn as thumbnails under the answer's text, within 12 rows.
        await wait_until(pilot, lambda: len(app.screen.query(HalfcellImage)) == 3)
        thumb = app.screen.query(HalfcellImage).last()
        assert 1 <= thumb.size.height <= 12
        app.chat.log_view.scroll_end(animate=False)
        await pilot.pause(0.3)
        await wait_until(pilot, lambda: "▀" in screen_text(app))
        # Enter on the answer in the log: its images full-screen, ← → between them.
        app.chat.log_view.focus()
        await pilot.pause()
        app.chat.log_view.cursor = answer.id
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ImageScreen))
        await wait_until(pilot, lambda: "1/3" in screen_text(app))
        await pilot.press("right")
        await wait_until(pilot, lambda: "2/3" in screen_text(app))
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ImageScreen))


async def test_broken_images_show_their_reason_never_a_crash(tmp_path, backend):
    backend.answers["broken"] = [
        f"{backend.url}/media/missing.png",
        f"{backend.url}/media/bad.png",
        f"{backend.url}/media/big.png",
        "data:image/png;base64,!!!notbase64",
        "data:image/png;base64," + base64.b64encode(b"GIF? no").decode(),
    ]
    app = make_app(tmp_path, backend, max_image=20_000)
    async with app.run_test(size=(120, 40)) as pilot:
        await ask(pilot, app, "broken")
        errors = [m.error for m in app.conversation.messages[-1].media]
        assert errors[0] == "HTTP 404"
        assert errors[1].startswith("not an image")
        assert errors[2].startswith("too large")
        assert errors[3] and errors[4].startswith("not an image")
        assert all(not m.path for m in app.conversation.messages[-1].media)
        lines = [str(line.render()) for line in app.screen.query(ImageLine)]
        assert any("missing.png: HTTP 404" in line for line in lines)
        text = screen_text(app)
        assert "HTTP 404" in text and "too large" in text
        tables = saved_file(app)["messages"][-1]["media"]
        assert tables[0]["error"] == "HTTP 404" and "path" not in tables[0]


async def test_images_off_shows_one_line_with_the_path(tmp_path, backend):
    backend.answers["[x] draw"] = [data_uri(backend.image)]
    app = make_app(tmp_path, backend, display='[display]\nimages = "off"\n')
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, app, "[x] draw")
        media = app.conversation.messages[-1].media[0]
        full = app.paths.config_dir / media.path
        await wait_until(pilot, lambda: len(app.screen.query(ImageLine)) == 1)
        assert not app.screen.query(HalfcellImage)
        line = app.screen.query_one(ImageLine)
        assert line.size.height == 1
        assert str(line.render()) == f"[image] {full}"
        assert "▀" not in screen_text(app)


async def test_reopened_after_a_restart_the_image_is_shown(tmp_path, backend):
    backend.answers["draw"] = ["/media/cat.png"]
    app = make_app(tmp_path, backend)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, app, "draw")
        conversation_id = app.conversation.id
    (tmp_path / "config" / "settings.toml").write_text(
        (tmp_path / "config" / "settings.toml").read_text()
    )
    again = ChatApp.from_paths(Paths.resolve(tmp_path / "config"), environ={})
    async with again.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: again.conversation.id == conversation_id)
        await wait_until(pilot, lambda: len(again.screen.query(HalfcellImage)) == 1)
        await pilot.pause(0.3)
        await wait_until(pilot, lambda: "▀" in screen_text(again))
        # Enter on it in the log: full-screen, Esc back.
        again.chat.log_view.focus()
        await pilot.pause()
        again.chat.log_view.cursor = again.conversation.messages[-1].id
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(again.screen, ImageScreen))
        await pilot.pause(0.3)
        shown = again.screen.query_one(HalfcellImage)
        assert shown.size.height > 12
        await pilot.press("right")  # one image: stays
        assert again.screen.query_one(HalfcellImage).size.height > 12
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(again.screen, ImageScreen))


async def test_ctrl_e_without_a_display_copies_the_path(tmp_path, backend):
    backend.answers["draw"] = [data_uri(backend.image)]
    app = make_app(tmp_path, backend)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ask(pilot, app, "draw")
        app.chat.log_view.focus()
        await pilot.pause()
        app.chat.log_view.cursor = app.conversation.messages[-1].id
        await pilot.press("ctrl+e")
        media = app.conversation.messages[-1].media[0]
        assert copied == [str(app.paths.config_dir / media.path)]
        await wait_until(pilot, lambda: "copied" in screen_text(app))


async def test_attached_image_is_copied_into_the_media_folder(tmp_path, backend):
    picture = tmp_path / "mine.png"
    picture.write_bytes(png(20, 20, (0, 200, 0)))
    app = make_app(tmp_path, backend)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.chat.choice.model == "image-1")
        app.chat.prompt.text = str(picture)
        await pilot.press("ctrl+f")  # the path in the prompt becomes an attachment
        await pilot.pause(0.2)
        app.chat.prompt.text = "look"
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: len(app.conversation.messages) == 2 and not app.chat.streaming
        )
        question = app.conversation.messages[0]
        assert [a.path for a in question.attachments] == [str(picture)]
        media = question.media[0]
        assert media.source == str(picture)
        copy = app.paths.config_dir / media.path
        assert copy.read_bytes() == picture.read_bytes()


async def test_a_fetch_cut_short_by_a_quit_is_done_at_the_next_start(tmp_path, backend):
    from tui_chat.store import Conversation, ConversationStore, Message
    from tui_chat.store.conversations import MediaFile
    from tui_chat.store.state import State, save_state

    app = make_app(tmp_path, backend)  # writes settings.toml
    paths = app.paths
    conversation = Conversation(title="cut", provider="g4f", model="image-1")
    conversation.messages = [
        Message("user", "draw"),
        Message(
            "assistant",
            "Here.",
            media=[MediaFile(source="/media/cat.png"), MediaFile(source="data:")],
        ),
    ]
    ConversationStore(paths).save(conversation)
    save_state(paths, State(conversation=conversation.id))
    again = ChatApp.from_paths(paths, environ={})
    async with again.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: again.conversation.id == conversation.id)
        media = again.conversation.messages[-1].media
        await wait_until(pilot, lambda: not any(m.pending for m in media))
        assert media[0].sha256 == hashlib.sha256(backend.image).hexdigest()
        assert media[1].error.startswith("not saved")
        await wait_until(pilot, lambda: len(again.screen.query(HalfcellImage)) == 1)
        await pilot.pause(0.3)
    tables = tomllib.loads(paths.conversations_dir.joinpath(f"{conversation.id}.toml").read_text())
    assert tables["messages"][-1]["media"][0]["sha256"] == media[0].sha256
