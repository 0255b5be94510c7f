"""The file picker (ctrl+f) refuses at pick time what could not be sent, by the same rule
as sending (attachments.prepare_attachment), and says why in the picker."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from providers.testkit import PNG
from textual.app import App

from tui_chat.attachments import AttachmentRefused, prepare_attachment
from tui_chat.store import AttachmentLimits
from tui_chat.ui.screens.file_picker import FilePicker, FileTree
from tui_chat.ui.widgets.chips import Chip

from .conftest import screen_text, wait_until

SIZE = (80, 24)
BINARY = "neither an image (PNG, JPEG, GIF, WebP) nor UTF-8 text."


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "apple.png").write_bytes(PNG)
    (folder / "notes.md").write_text("# Notes\n", encoding="utf-8")
    (folder / "blob.bin").write_bytes(bytes(range(256)) * 4)
    (folder / "latin1.txt").write_bytes("café\n".encode("latin-1"))
    monkeypatch.chdir(folder)
    return folder


def note(app: App) -> str:
    return " ".join(str(app.screen.query_one("#picker-note").render()).split())


def words(app: App) -> str:
    return " ".join(screen_text(app).replace("│", " ").split())


async def pick(pilot, app: App, name: str) -> None:
    """Move to `name` in the tree by type-ahead and press Enter, as a person would."""
    tree = app.screen.query_one(FileTree)

    def names() -> list[str]:
        nodes = (tree.get_node_at_line(line) for line in range(tree.last_line + 1))
        return [node.label.plain for node in nodes if node is not None]

    await wait_until(pilot, lambda: name in names())
    await pilot.press(*name[:3])
    await wait_until(
        pilot, lambda: tree.cursor_node is not None and tree.cursor_node.label.plain == name
    )
    await pilot.press("enter")


async def test_a_binary_is_refused_when_picked_with_the_reason(make_app, servers, files):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+f")
        await wait_until(pilot, lambda: isinstance(app.screen, FilePicker))
        picker = app.screen
        await pick(pilot, app, "blob.bin")
        await wait_until(pilot, lambda: "Not added" in note(app))
        assert note(app) == f"Not added: blob.bin: it is {BINARY}"
        assert picker.chosen == []
        # Said on the screen, whole, at 80x24.
        assert f"Not added: blob.bin: it is {BINARY}" in words(app)
        assert "Chosen: none yet" in words(app)
        # The picker stays open; a text file is then added as before.
        await pick(pilot, app, "notes.md")
        await wait_until(pilot, lambda: [p.name for p in picker.chosen] == ["notes.md"])
        assert note(app) == "Added notes.md. Add more, or press Esc when done."
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, FilePicker))
        assert [chip.path.name for chip in app.query(Chip)] == ["notes.md"]


async def test_the_limits_of_the_settings_apply_when_picking(make_app, servers, files):
    app = make_app(max_image=50, max_text=10**6)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+f")
        await wait_until(pilot, lambda: isinstance(app.screen, FilePicker))
        await pick(pilot, app, "apple.png")
        await wait_until(pilot, lambda: "Not added" in note(app))
        assert "over the 50 bytes limit for images" in note(app)
        assert "attachments.max_image_bytes in settings.toml" in note(app)
        assert app.screen.chosen == []


async def test_a_typed_path_is_checked_the_same_way(make_app, servers, files):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+f")
        await wait_until(pilot, lambda: isinstance(app.screen, FilePicker))
        field = app.screen.query_one("#picker-path")
        field.focus()
        for name, expected in (
            ("latin1.txt", f"Not added: latin1.txt: it is {BINARY}"),
            ("gone.txt", "Not added: gone.txt: there is no such file."),
        ):
            field.value = str(files / name)
            await pilot.press("enter")
            await wait_until(pilot, lambda e=expected: note(app) == e)
        assert app.screen.chosen == []
        field.value = str(files / "apple.png")
        await pilot.press("enter")
        await wait_until(pilot, lambda: [p.name for p in app.screen.chosen] == ["apple.png"])


class Host(App[None]):
    def __init__(self, start: Path, limits: AttachmentLimits) -> None:
        super().__init__()
        self.start, self.limits = start, limits

    def on_mount(self) -> None:
        self.push_screen(FilePicker(self.start, self.limits))


async def test_the_picker_accepts_exactly_what_sending_accepts(files):
    """One rule: for each file, added by the picker exactly when prepare_attachment
    (what sending runs) takes it."""
    (files / "empty.txt").write_bytes(b"")
    (files / "big.txt").write_text("x" * 200, encoding="utf-8")
    (files / "link.txt").symlink_to(files / "nowhere.txt")
    (files / "sub").mkdir()
    limits = AttachmentLimits(max_image_bytes=10**6, max_text_bytes=100)
    app = Host(files, limits)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, FilePicker))
        picker = app.screen
        for name in sorted(os.listdir(files)):
            path = files / name
            try:
                prepare_attachment(path, limits)
                sendable = True
            except AttachmentRefused:
                sendable = False
            added = await picker.add(path)
            assert added == sendable, name
            assert (path in picker.chosen) == sendable, name
        assert sorted(p.name for p in picker.chosen) == ["apple.png", "empty.txt", "notes.md"]
