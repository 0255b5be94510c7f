"""StatusBar on its own: the line is drawn from its reactives alone."""

from __future__ import annotations

from tui_chat.ui.widgets.status import StatusBar

from .conftest import hosted, screen_text, wait_until


async def test_its_reactives_drive_the_line() -> None:
    bar = StatusBar()
    async with hosted(bar, size=(120, 3)) as (app, pilot):

        def line() -> str:
            return screen_text(app).splitlines()[0].rstrip()

        async def shows(expected: str) -> None:
            await wait_until(pilot, lambda: line() == expected, timeout=2)

        await shows("tui-chat no provider")
        bar.model = "fake › echo"
        await shows("tui-chat fake › echo")
        bar.provider_state = "loading"
        await shows("tui-chat fake › echo (loading)")
        bar.provider_state = ""
        bar.editing = True
        await shows("tui-chat fake › echo  ✎ editing your last message")
        bar.streaming = True  # streaming is said over editing
        await shows("tui-chat fake › echo  ● streaming… Esc stops")
        bar.streaming = bar.editing = False
        bar.last_usage = "7 in / 3 out tokens"
        await shows("tui-chat fake › echo  last answer: 7 in / 3 out tokens")


async def test_a_model_name_is_text_on_one_line() -> None:
    bar = StatusBar()
    async with hosted(bar, size=(120, 3)) as (app, pilot):
        bar.model = "[/]odd [bold]name\x1b[31m\nsecond line"
        await pilot.pause()
        assert screen_text(app).splitlines()[0].rstrip() == (
            "tui-chat [/]odd [bold]name␛[31m second line"
        )
        bar.model = "m" * 100
        await pilot.pause()
        assert screen_text(app).splitlines()[0].rstrip() == "tui-chat " + "m" * 59 + "…"
