"""The F1 help screen at 80x24: it scrolls by keyboard at once, shows keys as people read
them, keeps wrapped descriptions under their text, and uses the terminal's height."""

from __future__ import annotations

from tui_chat.ui.actions import (
    ACTIONS,
    HELP_SECTIONS,
    help_rows,
    help_sections,
    key_display,
    keys_for,
)
from tui_chat.ui.screens.help import HelpScreen

from .conftest import screen_text, wait_until

SIZE = (80, 24)


async def open_help(pilot, app) -> HelpScreen:
    await pilot.press("f1")
    await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
    await pilot.pause()
    return app.screen


def scroll_of(screen: HelpScreen):
    return screen.query_one("#help-scroll")


def test_keys_are_shown_as_people_read_them():
    assert key_display("escape") == "esc"
    assert key_display("ctrl+j,shift+enter") == "ctrl+j / shift+enter"
    assert key_display("question_mark") == "?"
    assert key_display("end,home") == "end / home"
    assert key_display("pagedown") == "pgdn"
    assert key_display("enter") == "enter"
    assert key_display("ctrl+o") == "ctrl+o"
    # Text already meant for reading is left alone, so showing twice changes nothing.
    for keys in ("End / Home", "?", "esc", "ctrl+j / shift+enter"):
        assert key_display(keys) == keys
    assert keys_for("chat.stop", {}) == "esc"
    assert keys_for("prompt.newline", {}) == "ctrl+j / shift+enter"
    assert keys_for("chat.stop", {"chat.stop": "escape,ctrl+x"}) == "esc / ctrl+x"


async def test_the_scroll_keys_work_as_soon_as_it_opens(make_app, servers):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_help(pilot, app)
        scroll = scroll_of(screen)
        assert app.focused is scroll
        assert scroll.max_scroll_y > 0
        assert "Command palette (themes, every action)" not in screen_text(app)

        await pilot.press("down", "down", "down")
        await wait_until(pilot, lambda: scroll.scroll_y == 3)
        await pilot.press("up")
        await wait_until(pilot, lambda: scroll.scroll_y == 2)
        await pilot.press("pagedown")
        await wait_until(pilot, lambda: scroll.scroll_y > 10)
        await pilot.press("end")
        await wait_until(pilot, lambda: scroll.scroll_y == scroll.max_scroll_y)
        text = screen_text(app)
        assert "Command palette (themes, every action)" in text
        await pilot.press("home")
        await wait_until(pilot, lambda: scroll.scroll_y == 0)
        await pilot.press("pagedown", "pageup")
        await wait_until(pilot, lambda: scroll.scroll_y == 0)
        assert "In the prompt" in screen_text(app)  # the first section's heading
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, HelpScreen))


async def test_the_keys_still_scroll_after_a_click_in_the_box(make_app, servers):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_help(pilot, app)
        await pilot.click("#help-hint")
        screen.set_focus(None)  # wherever a click may leave the focus
        await pilot.press("end")
        scroll = scroll_of(screen)
        await wait_until(pilot, lambda: scroll.scroll_y == scroll.max_scroll_y > 0)


async def line_with(pilot, app, words: str) -> str:
    """The help's line holding `words`, paging down to it."""
    for _ in range(6):
        for line in screen_text(app).splitlines():
            if words in line:
                return line
        await pilot.press("pagedown")
        await pilot.pause()
    raise AssertionError(f"{words!r} is not in the help")


async def test_the_text_is_plain_and_keys_are_readable(make_app, servers):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_help(pilot, app)
        text = screen_text(app)
        # The newline keys, in the keys column (which wraps them), never in Textual's form.
        assert "ctrl+j /" in text and "shift+enter" in text
        assert "ctrl+j,shift+enter" not in text
        hint = screen.query_one("#help-hint")
        assert str(hint.render()) == "↑ ↓ pgup pgdn home end scroll · esc closes"
        assert "↑ ↓ pgup pgdn home end scroll · esc closes" in text
        stop = await line_with(pilot, app, "Stop the answer that is")
        assert stop.split("│")[1].split()[0] == "esc"
        await pilot.press("end")
        await wait_until(pilot, lambda: "under [keymap]." in screen_text(app))
        text = screen_text(app)
        assert "Keys can be changed in" in text
        assert "settings.toml under [keymap]." in text
        assert "escape" not in text


async def test_a_wrapped_description_stays_under_its_text(make_app, servers):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_help(pilot, app)
        await pilot.press("end")  # (the app's keys come last)
        scroll = scroll_of(screen)
        await wait_until(pilot, lambda: scroll.scroll_y == scroll.max_scroll_y)
        await pilot.pause()
        lines = screen_text(app).splitlines()
        # "Settings: Providers, keys, defaults, timeouts, proxy, attachments, images, …" is
        # longer than the description column at 80 columns: its second line starts where
        # its first line's text does, not under the keys.
        found = [i for i, line in enumerate(lines) if "Settings: Providers" in line]
        assert found, "the Settings row is not on screen"
        first = found[0]
        column = lines[first].index("Settings: Providers")
        following = lines[first + 1]
        assert following[:column].strip("│ ") == ""
        assert following[column] not in " │", following
        assert column > lines[first].index("f9") + 2


async def test_the_box_uses_the_height_of_the_terminal(make_app, servers):
    """At 80x24 at least 15 lines of the list (rows and their headings) show whole (11
    did)."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_help(pilot, app)
        box = screen.query_one("#help-box")
        assert box.region.height == 24
        # The words of the screen, without the box's sides and the scrollbar's thumb.
        words = screen_text(app).translate({ord(c): " " for c in "│▁▂▃▄▅▆▇█"}).split()
        text = " ".join(words)
        shown = [line for _, line, _ in help_rows({}) if line in text]
        headings = [heading for heading, _ in help_sections({}) if heading in text]
        assert len(shown) + len(headings) >= 15, (headings, shown)
        assert len(help_rows({})) == len(ACTIONS)


def test_every_key_is_under_one_heading_in_the_tables_order():
    sections = help_sections({})
    assert [heading for heading, _ in sections] == [heading for _, heading in HELP_SECTIONS]
    under = {line: heading for heading, rows in sections for _, line, _ in rows}
    assert sum(len(rows) for _, rows in sections) == len(ACTIONS) == len(help_rows({}))
    assert under["Switch model: Fuzzy-pick a provider and model"] == "Models"
    assert under["Send"] == "In the prompt"
    assert under["Fork from the message under the cursor"].startswith("In the log")
    assert under["Quit: Leave tui-chat (a streaming answer is saved)"] == "The app"
    for heading, rows in sections:  # within a section, the table's order
        order = [line for _, line, _ in help_rows({}) if under[line] == heading]
        assert [line for _, line, _ in rows] == order


async def test_the_headings_show_and_the_log_keys_do_not_repeat_where(make_app, servers):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_help(pilot, app)
        text = screen_text(app)
        assert "In the prompt" in text and "Answers" in text
        await pilot.press("end")
        await wait_until(pilot, lambda: "The app" in screen_text(app))
        text = screen_text(app)
        assert "Quit: Leave tui-chat" in text
        # Under "In the log (…)", its rows do not say "in the log" again.
        scroll = scroll_of(screen)
        texts = [str(widget.render()) for widget in scroll.query(".help-text")]
        fork = next(t for t in texts if t.startswith("Fork from the message"))
        assert "in the log" not in fork
        assert "Help: All key bindings  outside the prompt" in texts  # (`?`: said)


async def test_the_palette_shows_keys_the_same_way(make_app, servers):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"stop answer")
        await wait_until(pilot, lambda: "Stop answer  (esc)" in screen_text(app))
        assert "(escape)" not in screen_text(app)
