"""The model picker (ctrl+o) against the loopback servers: words in any order, matched
characters highlighted, recent models first among equals, names no list has, and a
backend's own default always there."""

from __future__ import annotations

import time
from pathlib import Path

from textual.widgets import OptionList

from tui_chat.catalog import READY
from tui_chat.model_choice import ModelChoice
from tui_chat.store import Paths
from tui_chat.ui.app import ChatApp
from tui_chat.ui.screens.pickers import MATCH_STYLE, MAX_ROWS, ModelCandidate, ModelPicker

from .conftest import screen_text, wait_until

SIZE = (100, 32)


async def all_ready(pilot, app: ChatApp, *names: str) -> None:
    await wait_until(pilot, lambda: all(app.catalog.get(n).state == READY for n in names))


async def open_picker(pilot, app: ChatApp, typed: str) -> OptionList:
    await pilot.press("ctrl+o")
    await wait_until(pilot, lambda: isinstance(app.screen, ModelPicker))
    if typed:
        await pilot.press(*typed)
    return app.screen.query_one(OptionList)


def rows(option_list: OptionList) -> list[str]:
    return [
        str(option_list.get_option_at_index(i).prompt).split("  ")[0]
        for i in range(option_list.option_count)
    ]


def underlined(option_list: OptionList, index: int) -> str:
    """The characters of a row shown as matched."""
    prompt = option_list.get_option_at_index(index).prompt
    return "".join(prompt.plain[s.start : s.end] for s in prompt.spans if s.style == MATCH_STYLE)


async def send(pilot, text: str) -> None:
    await pilot.press(*text, "enter")


async def test_words_in_any_order_find_the_model_and_show_what_matched(make_app, servers):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await all_ready(pilot, app, "local", "Dynaspark", "backend")
        option_list = await open_picker(pilot, app, "flash 2.0 gemini")
        await wait_until(pilot, lambda: "Dynaspark › gemini-2.0-flash" in screen_text(app))
        # The exact run "2.0" ranks gemini-2.0-flash over -flash-lite (a longer field).
        assert rows(option_list)[:2] == [
            "Dynaspark › gemini-2.0-flash",
            "Dynaspark › gemini-2.0-flash-lite",
        ]
        assert underlined(option_list, 0) == "gemini2.0flash"
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, ModelPicker))
        assert app.chat.choice == ModelChoice("Dynaspark", "gemini-2.0-flash")


async def test_words_match_across_provider_backend_provider_and_model(make_app, servers):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await all_ready(pilot, app, "local", "backend")
        option_list = await open_picker(pilot, app, "b1 beta back")
        await wait_until(pilot, lambda: "backend › Beta › b-1" in screen_text(app))
        assert rows(option_list) == ["backend › Beta › b-1"]
        assert underlined(option_list, 0) == "backBetab1"
        # Every word must match somewhere: one that matches nothing empties the list.
        await pilot.press(*" zq")
        await wait_until(pilot, lambda: "Nothing matches." in screen_text(app))
        await pilot.press("enter")  # nothing to choose: the picker stays
        await pilot.pause()
        assert isinstance(app.screen, ModelPicker)


async def test_the_recent_model_comes_first_among_equal_matches(make_app, servers):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await all_ready(pilot, app, "local")
        option_list = await open_picker(pilot, app, "1000 long")
        await wait_until(pilot, lambda: option_list.option_count == 2)
        # Equal matches, never used: the server's order.
        assert rows(option_list) == ["local › long-1000", "local › long-1000-gated"]
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: app.chat.choice.model == "long-1000-gated")
        option_list = await open_picker(pilot, app, "1000 long")
        await wait_until(pilot, lambda: option_list.option_count == 2)
        assert rows(option_list) == ["local › long-1000-gated", "local › long-1000"]
        # Recent use does not beat a better match: the whole field "long" first.
        await pilot.press("escape")
        option_list = await open_picker(pilot, app, "long")
        await wait_until(pilot, lambda: option_list.option_count >= 3)
        assert rows(option_list)[:2] == ["local › long", "local › long-1000-gated"]


async def test_a_name_the_server_does_not_list_is_used_when_chosen(make_app, servers):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await all_ready(pilot, app, "local")
        option_list = await open_picker(pilot, app, "long-1")
        await wait_until(pilot, lambda: "use long-1 with local" in screen_text(app))
        # Offered last: what the list has comes first.
        assert rows(option_list) == [
            "local › long-1000",
            "local › long-1000-gated",
            "use long-1 with local",
        ]
        await pilot.press("escape")
        option_list = await open_picker(pilot, app, "long-20")
        await wait_until(pilot, lambda: "use long-20 with local" in screen_text(app))
        assert rows(option_list) == ["use long-20 with local"]
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.chat.choice == ModelChoice("local", "long-20"))
        await send(pilot, "hi")
        await wait_until(pilot, lambda: not app.chat.streaming and servers.requests)
        assert servers.requests[-1].body["model"] == "long-20"
        # The server's twenty words, as long-N answers.
        await wait_until(pilot, lambda: "w19" in screen_text(app))


async def test_a_provider_named_among_the_words_takes_the_typed_name(make_app, servers):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await all_ready(pilot, app, "local", "backend")
        option_list = await open_picker(pilot, app, "backend zz-9")
        await wait_until(pilot, lambda: "use zz-9 with backend" in screen_text(app))
        # Nothing listed matches: the named provider first, then the current one.
        assert rows(option_list) == ["use zz-9 with backend", "use zz-9 with local"]
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.chat.choice == ModelChoice("backend", "zz-9"))
        await send(pilot, "hello")
        await wait_until(pilot, lambda: not app.chat.streaming and servers.requests)
        assert servers.requests[-1].path == "/backend-api/v2/conversation"
        assert servers.requests[-1].body["model"] == "zz-9"
        await wait_until(pilot, lambda: "Backend says: hello" in screen_text(app))


async def test_a_backend_with_its_own_provider_keeps_its_default_entry(tmp_path: Path, servers):
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.toml").write_text(
        f"""
[defaults]
provider = "local"
model = "echo"

[[backends]]
name = "peer"
url = "{servers.backend_url}"
provider = "Alpha"

[dynaspark]
enabled = false

[[openai]]
name = "local"
base_url = "{servers.openai_url}"
""",
        encoding="utf-8",
    )
    app = ChatApp.from_paths(Paths.resolve(config), environ={})
    async with app.run_test(size=SIZE) as pilot:
        await all_ready(pilot, app, "local", "peer")
        # Typing the backend's provider finds its models and the backend's own default.
        option_list = await open_picker(pilot, app, "alpha")
        await wait_until(pilot, lambda: "peer › Alpha › default model" in screen_text(app))
        assert rows(option_list) == [
            "peer › Alpha › default model",
            "peer › Alpha › a-1",
            "peer › Alpha › a-2",
        ]
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.chat.choice == ModelChoice("peer", ""))
        await send(pilot, "hi")
        await wait_until(pilot, lambda: not app.chat.streaming and servers.requests)
        # The server picks the model; the backend's configured provider is asked.
        assert servers.requests[-1].body["model"] == ""
        assert servers.requests[-1].body["provider"] == "Alpha"


async def test_two_thousand_models_filter_without_lag(make_app, servers):
    """A letter typed over 2,000 models: the list follows at once (measured: 5-15 ms a
    keystroke for ranking, highlighting and setting the rows, on a 2-CPU machine)."""
    app = make_app()
    candidates = [
        ModelCandidate(
            ModelChoice(f"p{i % 9}", f"model-{i}-{'flash' if i % 7 else 'pro'}", f"Via{i % 40}"),
            (f"p{i % 9}", f"Via{i % 40}", f"model-{i}-{'flash' if i % 7 else 'pro'}"),
        )
        for i in range(2000)
    ]
    async with app.run_test(size=SIZE) as pilot:
        picker = ModelPicker(candidates)
        await app.push_screen(picker)
        option_list = picker.query_one(OptionList)
        await wait_until(pilot, lambda: option_list.option_count)
        # The first rows, then one that says how many more there are.
        assert option_list.option_count == MAX_ROWS + 1
        more = option_list.get_option_at_index(MAX_ROWS)
        assert str(more.prompt) == "… and 1700 more: type to narrow the list"
        assert more.disabled
        slowest = 0.0
        for typed in ("p", "pr", "pro", "pro 1", "pro 19"):
            started = time.perf_counter()
            picker.filter(typed)
            slowest = max(slowest, time.perf_counter() - started)
        # Generous for a loaded test machine; a keystroke's budget is one frame or two.
        assert slowest < 0.25
        await pilot.press(*"1995 pro")
        await wait_until(pilot, lambda: "p6 › Via35 › model-1995-pro" in screen_text(app))
        assert rows(option_list)[0] == "p6 › Via35 › model-1995-pro"
