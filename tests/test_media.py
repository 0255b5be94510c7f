"""tui_chat/media.py and the export of images: bytes checked by their magic and size,
written once under the conversation's media folder, reasons for what fails; Markdown
links to the saved files."""

from __future__ import annotations

import base64
import hashlib
import io
from pathlib import Path

from PIL import Image

from tui_chat.export import conversation_to_markdown
from tui_chat.media import decode_data_uri, fetch_all, resolve, store_bytes
from tui_chat.store import Conversation, Message
from tui_chat.store.conversations import MediaFile


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (10, 200, 30)).save(out, "PNG")
    return out.getvalue()


def test_store_bytes_writes_once_under_the_conversation(tmp_path: Path) -> None:
    data = png()
    first = store_bytes(tmp_path, "c1", data, MediaFile(source="data:"))
    digest = hashlib.sha256(data).hexdigest()
    assert first.path == f"media/c1/{digest[:16]}.png" and first.sha256 == digest
    assert (tmp_path / first.path).read_bytes() == data
    again = store_bytes(tmp_path, "c1", data, MediaFile(source="x"))
    assert again.path == first.path
    assert [p.name for p in (tmp_path / "media" / "c1").iterdir()] == [f"{digest[:16]}.png"]
    # A strange id cannot climb out of the media folder.
    odd = store_bytes(tmp_path, "../../x", data, MediaFile())
    assert odd.path.startswith("media/x/")


async def test_fetch_all_records_reasons_never_raises(tmp_path: Path) -> None:
    good = "data:image/png;base64," + base64.b64encode(png()).decode()
    items = [
        (MediaFile(source="data:"), good),
        (MediaFile(source="data:"), "data:text/plain,hello"),
        (MediaFile(source="data:"), "data:image/png;base64," + "A" * 40_000),
        (MediaFile(source="ftp://x"), "ftp://x/y.png"),
        (MediaFile(source="http://127.0.0.1:9/x.png"), "http://127.0.0.1:9/x.png"),
    ]
    out = await fetch_all(tmp_path, "c", items, cap=20_000)
    assert out[0].path and not out[0].error
    assert out[1].error.startswith("not an image")
    assert out[2].error.startswith("too large")
    assert out[3].error.startswith("not a URL")
    assert out[4].error.startswith("unreachable")


def test_data_uri_and_relative_urls() -> None:
    assert decode_data_uri("data:image/png,%89PNG") == b"\x89PNG"
    assert resolve("/media/a.png", "http://127.0.0.1:8080") == "http://127.0.0.1:8080/media/a.png"
    assert resolve("https://x/a.png", "http://h") == "https://x/a.png"


def test_export_links_the_saved_files_or_says_why(tmp_path: Path) -> None:
    saved = MediaFile(path="media/c/0123.png", sha256="ab", source="data:", alt="a [cat]")
    failed = MediaFile(source="https://img.example/x.png", error="HTTP 404")
    c = Conversation(title="t", messages=[Message("assistant", "Here.", media=[saved, failed])])
    text = conversation_to_markdown(c, data_dir=tmp_path)
    assert f"![a cat](<{tmp_path}/media/c/0123.png>)" in text
    assert "*Image (https://img.example/x.png): HTTP 404*" in text
