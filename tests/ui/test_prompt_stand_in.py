"""The first frame's prompt is a stand-in (widgets/prompt_stand_in.py); the real prompt
takes its place right after that frame. The swap must change no cell on screen, and what
is typed before it must reach the prompt, complete and in order."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from textual import events
from textual.app import App

from tui_chat.ui.app import ChatApp
from tui_chat.ui.screens import DIALOGS_CSS
from tui_chat.ui.widgets.prompt import PromptArea
from tui_chat.ui.widgets.prompt_stand_in import PromptStandIn

from .conftest import wait_until

Cells = list[list[tuple[str, object]]]
#: ChatApp's CSS for a subclass defined here (a relative CSS_PATH is found beside the
#: class's module).
CSS_PATH = [DIALOGS_CSS.parent / path for path in ChatApp.CSS_PATH]


def cells(app: App) -> Cells:
    """Every cell of the screen as it is now: its character and style."""
    rows = []
    for strip in app.screen._compositor.render_strips():
        row = []
        for segment in strip:
            row.extend((character, segment.style) for character in segment.text)
        rows.append(row)
    # The status line's clock may turn between two frames.
    rows[0] = [(re.sub(r"\d", "0", c), s) for c, s in rows[0]]
    return rows


async def frames_around_the_swap(app: ChatApp, size: tuple[int, int]) -> tuple[Cells, Cells]:
    """The screen of the last frame sent with the stand-in and of the first with the
    prompt (Textual's run_test, not ChatApp's, which waits for the prompt)."""
    before: list[Cells] = []
    after: list[Cells] = []
    display = app._display

    def record(screen, renderable) -> None:
        if renderable is not None and not app._batch_count and not after:
            shown = app.chat.query_one("#prompt")
            (after if isinstance(shown, PromptArea) else before).append(cells(app))
        display(screen, renderable)

    app._display = record  # type: ignore[method-assign]
    async with App.run_test(app, size=size) as pilot:
        await wait_until(pilot, lambda: bool(after))
    assert before, "no frame was sent with the stand-in"
    return before[-1], after[0]


@pytest.mark.parametrize(
    ("size", "theme"),
    [((80, 24), "tui-chat-dark"), ((120, 40), "tui-chat-dark"), ((120, 40), "tui-chat-light")],
)
async def test_the_swap_changes_no_cell(fake_app, size, theme) -> None:
    app = fake_app(settings=f'theme = "{theme}"')
    stand_in, prompt = await frames_around_the_swap(app, size)
    assert any("Type a message" in "".join(c for c, _ in row) for row in prompt)
    for y, (old, new) in enumerate(zip(stand_in, prompt, strict=True)):
        assert old == new, f"row {y} changed: {old} -> {new}"


class _TypesAtOnce(ChatApp):
    """Receives keys and a paste as the app starts, before its prompt exists (as a burst
    typed over SSH arrives)."""

    CSS_PATH = CSS_PATH
    sent_before_the_prompt = False

    def on_mount(self) -> None:
        super().on_mount()
        self.sent_before_the_prompt = not self.chat.has_prompt
        typed: list[events.Event] = [events.Key(c, c) for c in "ab"]
        typed += [events.Paste("c d"), events.Key("enter", "\r")]
        typed += [events.Key(c, c) for c in "xy"]
        for event in typed:
            self.post_message(event)


async def test_keys_typed_before_the_prompt_exists_reach_it_in_order(fake_app) -> None:
    paths = fake_app().paths
    made = fake_app(write=False)
    app = _TypesAtOnce(paths, session=made.session, environ={}, fetch_models=False)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: len(app.conversation.messages) == 2)
        await wait_until(pilot, lambda: app.chat.prompt.text == "xy")
        assert app.sent_before_the_prompt
        assert app.conversation.messages[0].content == "abc d"
        assert app.focused is app.chat.prompt
        assert not app.chat.query(PromptStandIn)


class _QuitsAtOnce(ChatApp):
    """ctrl+q as the app starts: held with the keys, and acted on once they go on."""

    CSS_PATH = CSS_PATH

    def on_mount(self) -> None:
        super().on_mount()
        self.post_message(events.Key("ctrl+q", "\x11"))


async def test_a_binding_pressed_before_the_prompt_exists_still_runs(fake_app) -> None:
    paths = fake_app().paths
    made = fake_app(write=False)
    app = _QuitsAtOnce(paths, session=made.session, environ={}, fetch_models=False)
    async with App.run_test(app) as pilot:
        await wait_until(pilot, lambda: app.return_code is not None)
    assert app.return_code == 0


def test_the_first_frame_imports_no_text_area(tmp_path: Path) -> None:
    # In a process of its own: other tests have imported TextArea already.
    script = textwrap.dedent(
        """
        import asyncio, sys
        from pathlib import Path
        from tui_chat.store import Paths
        from tui_chat.ui.app import ChatApp

        app = ChatApp.from_paths(Paths.resolve(Path(sys.argv[1])), environ={},
                                 fetch_models=False)
        seen = []
        display = app._display

        def record(screen, renderable):
            if renderable is not None and not seen:
                seen.append("textual.widgets._text_area" in sys.modules)
            display(screen, renderable)

        app._display = record

        async def main():
            async with app.run_test():
                pass

        asyncio.run(main())
        print("text area imported at the first frame:", seen[0])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "config")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parents[2],
    )
    assert "text area imported at the first frame: False" in done.stdout, done.stderr
