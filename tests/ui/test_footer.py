"""The footer: the screen's keys on one line, drawn as Textual's Footer draws them, from the
first frame, following bindings and focus; a click presses the key."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Label

from tui_chat.ui.screens.help import HelpScreen
from tui_chat.ui.widgets.footer import ChatFooter
from tui_chat.ui.widgets.sidebar import ConversationList

from .conftest import screen_text, wait_until

SIZE = (120, 40)


def last_row(app: App) -> list[tuple[str, str]]:
    """The bottom row of the terminal, cell by cell: (character, style as written)."""
    strip = app.screen._compositor.render_strips()[-1]
    return [(char, str(segment.style)) for segment in strip for char in segment.text]


def footer_text(app: App) -> str:
    return screen_text(app).splitlines()[-1]


def colour_of(app: App, word: str) -> str:
    """The style of the first cell of `word` in the footer."""
    text = footer_text(app)
    assert f" {word}" in text, (word, text)
    return last_row(app)[text.index(f" {word}") + 1][1]


def dimmed(app: App, word: str) -> bool:
    """Whether a key's description is drawn dim (disabled) rather than as Quit's is."""
    return colour_of(app, word) != colour_of(app, "Quit")


async def test_keys_are_there_when_the_app_has_started(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        line = footer_text(app)
        for shown in ("⏎ Send", "^q Quit", "^n New", "^o Model", "f1 Help"):
            assert shown in line, (shown, line)
        assert line.rstrip().endswith("▏^p palette")
        assert "Next model" not in line  # show=False
        assert "Stop" not in line  # shown only while there is something to stop
        assert dimmed(app, "Retry")  # nothing to retry yet
        assert not dimmed(app, "New")


class _Keys(App):
    """The same bindings for Textual's footer and for ours: shown, hidden, disabled."""

    BINDINGS = [
        Binding("ctrl+n", "noop", "New"),
        Binding("ctrl+r", "off", "Retry"),
        Binding("ctrl+t", "noop", "Hidden", show=False),
        Binding("f1", "noop_help", "Help"),
        Binding("ctrl+x", "noop_two", "Second action on a wide line"),
    ]

    def __init__(self, footer: type) -> None:
        super().__init__()
        self.footer = footer

    def compose(self) -> ComposeResult:
        yield Label("body")
        yield self.footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if action == "off" else True

    def action_noop(self) -> None:
        pass

    action_noop_two = action_noop_help = action_noop


async def test_the_line_is_textuals_footer_cell_for_cell():
    """Characters, colours, bold and dim (a disabled key) as Textual's Footer writes them."""
    rows = []
    for footer in (Footer, ChatFooter):
        app = _Keys(footer)
        async with app.run_test(size=(100, 5)) as pilot:
            await pilot.pause(0.1)
            rows.append(last_row(app))
    theirs, ours = rows
    assert "".join(c for c, _ in ours) == "".join(c for c, _ in theirs)
    # Blank cells may differ in a foreground colour nobody sees.
    assert [cell for cell in ours if cell[0] != " "] == [c for c in theirs if c[0] != " "]
    assert any("#" in style for _, style in ours)  # colours were compared, not nothing


async def test_keys_that_do_not_fit_are_left_out_whole():
    app = _Keys(ChatFooter)
    async with app.run_test(size=(50, 5)) as pilot:
        await pilot.pause(0.1)
        line = footer_text(app)
        assert len(line) == 50
        assert line.startswith(" ^n New  ^r Retry  f1 Help ")
        assert "Second" not in line and "action" not in line
        assert line.rstrip().endswith("▏^p palette")
        assert [key.description for key in app.query_one(ChatFooter).keys] == [
            "New",
            "Retry",
            "Help",
            "Second action on a wide line",
        ]


async def test_an_answer_turns_stop_on_and_retry_off_and_back(fake_app, fake):
    app = fake_app("gated")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(*"hi")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.chat.streaming)
        await wait_until(pilot, lambda: "esc Stop" in footer_text(app))
        assert not dimmed(app, "Stop")
        assert dimmed(app, "Retry")
        fake.gate.set()
        await wait_until(pilot, lambda: not app.chat.streaming)
        await wait_until(pilot, lambda: "Stop" not in footer_text(app))
        assert not dimmed(app, "Retry")
        assert "⏎ Send" in footer_text(app)


async def test_keys_follow_focus(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.query_one(ConversationList).focus()
        await wait_until(pilot, lambda: " r Rename" in footer_text(app))
        assert "Send" not in footer_text(app)
        app.chat.prompt.focus()
        await wait_until(pilot, lambda: "⏎ Send" in footer_text(app))
        assert "Rename" not in footer_text(app)


async def test_clicking_a_key_presses_it(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        x = footer_text(app).index(" f1 Help")
        await pilot.click(ChatFooter, offset=(x + 2, 0))
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))


async def test_clicking_a_disabled_key_rings_the_bell_and_does_nothing(fake_app):
    app = fake_app()
    rung: list[bool] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.bell = lambda: rung.append(True)  # observe the terminal bell
        x = footer_text(app).index(" ^r Retry")
        await pilot.click(ChatFooter, offset=(x + 5, 0))
        await pilot.pause(0.1)
        assert rung == [True]
        assert app.conversation.messages == []


async def test_the_key_under_the_mouse_is_highlighted(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        before = colour_of(app, "Help")
        x = footer_text(app).index(" f1 Help")
        await pilot.hover(ChatFooter, offset=(x + 2, 0))
        await wait_until(pilot, lambda: colour_of(app, "Help") != before)
        assert colour_of(app, "New") != colour_of(app, "Help")
        await pilot.hover(ChatFooter, offset=(110, -5))  # back over the log
        await wait_until(pilot, lambda: colour_of(app, "Help") == before)
