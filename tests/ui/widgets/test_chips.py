"""ChipBar on its own: a chip per file, removed by key, and a message when none is left."""

from __future__ import annotations

from pathlib import Path

from tui_chat.ui.widgets.chips import Chip, ChipBar

from .conftest import hosted, screen_text

#: As the chat screen lays chips out (screens/chat/chat.tcss): side by side.
CHIPS = "Chip { width: auto; margin-right: 1; }"


async def test_removing_the_last_chip_posts_emptied(tmp_path: Path) -> None:
    notes, image = tmp_path / "notes.md", tmp_path / "[bold]apple.png"
    notes.write_text("hello", encoding="utf-8")
    image.write_bytes(b"\x89PNG" + bytes(2000))
    bar = ChipBar()
    async with hosted(bar, size=(80, 6), css=CHIPS) as (app, pilot):
        assert not bar.display and not bar.paths()
        assert await bar.add_path(notes)
        assert not await bar.add_path(notes)  # once each
        assert await bar.add_path(image)
        await pilot.pause()
        assert bar.display and bar.paths() == [notes, image]
        text = screen_text(app)
        assert "📎 notes.md · 5 bytes ✕" in text
        assert "📎 [bold]apple.png · 2.0 KiB ✕" in text  # a file name is not markup

        chips = list(bar.query(Chip))
        chips[0].focus()
        await pilot.press("delete")
        await pilot.pause()
        assert bar.paths() == [image]
        assert app.focused is bar.query_one(Chip)  # the focus stays on the chip left
        assert app.posted(ChipBar.Emptied) == []

        await pilot.press("backspace")
        await pilot.pause()
        assert bar.paths() == []
        assert len(app.posted(ChipBar.Emptied)) == 1
        assert not bar.display
        assert "notes.md" not in screen_text(app)
