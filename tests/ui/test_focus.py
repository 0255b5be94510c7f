"""Where typed text goes: to the prompt, whatever has the focus, and in typing order.

Pilot's `press` waits between keys; the tmux tests (tests/e2e/test_input_bursts.py) send
real bursts. Here: characters typed where they mean nothing reach the prompt, keys that
mean something there still do their job, and a picked model gives the focus back.
"""

from __future__ import annotations

from textual.widgets import OptionList

from tui_chat.ui.widgets.message_log import MessageLog
from tui_chat.ui.widgets.sidebar import ConversationList, ProviderTree

from .conftest import answered, wait_until

SIZE = (100, 32)


async def test_text_typed_in_the_log_goes_to_the_prompt(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(MessageLog).focus()
        await pilot.pause()
        assert isinstance(app.focused, MessageLog)
        await pilot.press(*"hi there")
        assert app.chat.prompt.text == "hi there"
        assert app.focused is app.chat.prompt


async def test_text_typed_in_the_tree_goes_to_the_prompt_but_its_keys_still_work(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        tree = app.query_one(ProviderTree)
        tree.focus()
        await pilot.pause()
        await pilot.press("down")  # the tree's own key: the cursor moves, nothing typed
        assert app.focused is tree
        assert app.chat.prompt.text == ""
        await pilot.press(*"why")
        assert app.chat.prompt.text == "why"
        assert app.focused is app.chat.prompt


async def test_the_conversation_lists_letters_keep_their_meaning(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"first", "enter")
        await wait_until(pilot, lambda: answered(app, 2))
        listing = app.query_one(ConversationList)
        await wait_until(pilot, lambda: listing.option_count == 1)
        listing.focus()
        await pilot.pause()
        await pilot.press("r")  # rename, not a letter for the prompt
        await wait_until(pilot, lambda: app.screen is not app.screen_stack[0])
        assert app.chat.prompt.text == ""
        await pilot.press("escape")
        await pilot.press(*"zq")  # no meaning in the list: typed into the prompt
        assert app.chat.prompt.text == "zq"


async def test_a_model_picked_with_ctrl_o_gives_the_focus_back_to_the_prompt(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(MessageLog).focus()
        await pilot.pause()
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: app.screen.query(OptionList))
        await pilot.press(*"markup", "enter")
        await wait_until(pilot, lambda: app.chat.choice.model == "markup")
        await pilot.pause()
        assert app.focused is app.chat.prompt
