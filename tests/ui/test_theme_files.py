"""Theme files: the chosen one read before the first frame, the others right after it.
Whatever was read when, the app shows what it always showed: the chosen theme from the
start, every theme in the palette's list, a bad file reported by name."""

from __future__ import annotations

from pathlib import Path

from tui_chat.store import Paths
from tui_chat.ui.screens.chat import ChatScreen

from .conftest import screen_text, wait_until

SIZE = (120, 40)
BAD = 'name = "bad-one"\n[colors]\nprimary = "not a colour"\n'


def themes_dir(tmp_path) -> Path:
    folder = Paths.resolve(tmp_path / "config").themes_dir
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shown(app) -> str:
    return " ".join(screen_text(app).split())


async def palette_lists(pilot, app, name: str, timeout: float = 15.0) -> bool:
    """Whether the palette's theme list offers `name`: typed in, it is previewed."""
    before = app.theme
    app.action_change_theme()
    await pilot.pause()
    await pilot.press(*name)
    try:
        await wait_until(pilot, lambda: app.theme == name, timeout=timeout)
        return True
    except AssertionError:
        return False
    finally:
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.theme == before)


async def test_a_bad_theme_file_other_than_the_chosen_one_is_still_reported(tmp_path, fake_app):
    folder = themes_dir(tmp_path)
    (folder / "broken.toml").write_text(BAD)
    (folder / "garbage.toml").write_text("this is [not toml")
    (folder / "mine.toml").write_text('name = "mine"\ndark = true\n[colors]\nprimary = "#336699"\n')
    app = fake_app(settings='theme = "tui-chat-light"')
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(pilot, lambda: "broken.toml" in shown(app))
        text = shown(app)
        assert "not a colour" in text and "garbage.toml" in text and "not valid TOML" in text
        # The chosen theme was in use from the first frame and still is.
        assert app.theme == "tui-chat-light" and app.has_class("-light-mode")
        assert app.query_one("#sidebar").styles.background.hex == "#FFFFFF"  # its $surface


async def test_the_palette_lists_every_theme(tmp_path, fake_app):
    (themes_dir(tmp_path) / "mine.toml").write_text(
        'name = "mine"\ndark = false\n[colors]\nprimary = "#336699"\n'
    )
    app = fake_app(settings='theme = "tui-chat-16"')
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "Quit" in screen_text(app))
        for name in ("tui-chat-dark", "tui-chat-light", "mine", "textual-light"):
            assert await palette_lists(pilot, app, name), name
        assert app.theme == "tui-chat-16"
        assert not await palette_lists(pilot, app, "no-such-theme", timeout=1.0)


async def test_the_palette_opened_at_once_lists_every_theme(tmp_path, fake_app):
    """A palette opened before the first frame's themes were all read (a key typed at
    once) has them all the same."""

    class AtOnce(ChatScreen):
        def on_mount(self) -> None:
            super().on_mount()
            self.app.action_change_theme()

    app = fake_app()
    app.get_default_screen = AtOnce  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(*"tui-chat-16")
        await wait_until(pilot, lambda: app.theme == "tui-chat-16")


async def test_a_theme_in_a_file_of_another_name_is_found(tmp_path, fake_app):
    """The chosen theme is looked for in the file of its name; not there, all the files
    are read before the first frame, as always."""
    (themes_dir(tmp_path) / "other-name.toml").write_text(
        'name = "custom"\ndark = false\n[colors]\nprimary = "#336699"\nsurface = "#fafafa"\n'
    )
    app = fake_app(settings='theme = "custom"')
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(pilot, lambda: "Quit" in screen_text(app))
        assert app.theme == "custom" and app.has_class("-light-mode")
        assert app.query_one("#sidebar").styles.background.hex == "#FAFAFA"
        assert "not installed" not in shown(app)


async def test_a_later_file_giving_the_chosen_name_wins_as_before(tmp_path, fake_app):
    """Of two files giving one name, the later one (the user's folder after the shipped
    one, by file name within a folder) is the theme: so it is when the chosen theme was
    first read from the file of its name."""
    (themes_dir(tmp_path) / "zz-mine.toml").write_text(
        'name = "tui-chat-dark"\n[colors]\nprimary = "#336699"\nsurface = "#102030"\n'
    )
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        sidebar = app.query_one("#sidebar")
        await wait_until(pilot, lambda: sidebar.styles.background.hex == "#102030")
        assert app.theme == "tui-chat-dark"
