"""The footer's keys: there from the first frame, rebuilt when (and only when) they change."""

from __future__ import annotations

from textual.widgets import Footer

from tui_chat.ui.footer import ChatFooter
from tui_chat.ui.sidebar import ConversationList

from .conftest import screen_text, wait_until

SIZE = (120, 40)


def keys(app) -> dict[str, object]:
    """The footer's keys by action."""
    return {key.action: key for key in app.query_one(ChatFooter).query("FooterKey")}


def stop_disabled(app) -> bool | None:
    """Whether the Stop key is shown dimmed; None while the keys are being rebuilt."""
    key = keys(app).get("stop")
    return None if key is None else key.has_class("-disabled")


async def test_keys_are_there_when_the_app_has_started(make_app, servers):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        shown = keys(app)
        assert {"submit", "stop", "new_chat", "pick_model", "help", "quit"} <= set(shown)
        line = screen_text(app).splitlines()[-1]
        assert "Send" in line and "Quit" in line
        # Nothing changed since: the same key widgets, not rebuilt.
        await pilot.pause(0.2)
        assert all(a is b for a, b in zip(keys(app).values(), shown.values(), strict=True))


async def test_keys_look_as_textuals_footer_draws_them(make_app, servers):
    """The bound keys follow the footer's `compact` (False), the palette key is compact."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        footer = app.query_one(ChatFooter)
        assert not footer.compact
        for action, key in keys(app).items():
            palette = action == "command_palette"
            assert key.compact is palette, action
            assert key.has_class("-compact") is palette, action


async def test_keys_follow_bindings_and_focus(make_app, servers):
    app = make_app(model="gated")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: stop_disabled(app) is True)
        await pilot.press(*"hi")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.streaming)
        await wait_until(pilot, lambda: stop_disabled(app) is False)
        servers.gate.set()
        await wait_until(pilot, lambda: not app.streaming)
        await wait_until(pilot, lambda: stop_disabled(app) is True)
        app.query_one(ConversationList).focus()
        await wait_until(pilot, lambda: "request('rename')" in keys(app))
        assert "submit" not in keys(app)
        app.prompt.focus()
        await wait_until(pilot, lambda: "submit" in keys(app))


async def test_an_answer_turns_keys_on_and_off_in_place(make_app, servers):
    """Starting and ending an answer changes only which keys are enabled: the same key
    widgets are updated (a rebuild made each answer's last frame dearer)."""
    app = make_app(model="gated")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: stop_disabled(app) is True)
        before = keys(app)
        await pilot.press(*"hi")
        await pilot.press("enter")
        await wait_until(pilot, lambda: stop_disabled(app) is False)
        assert before["retry"].has_class("-disabled")
        servers.gate.set()
        await wait_until(pilot, lambda: stop_disabled(app) is True)
        after = keys(app)
        assert not after["retry"].has_class("-disabled")
        assert all(after[action] is key for action, key in before.items())
        line = screen_text(app).splitlines()[-1]
        assert "Stop" in line and "Send" in line


def test_is_textuals_footer():
    assert issubclass(ChatFooter, Footer)
