"""An answer streamed into a MarkdownBody looks, once finished, as if shown all at once."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import VerticalScroll

from tui_chat.ui.widgets.markdown.block import MarkdownBody

ANSWER = (
    "# Plan\n\nFirst a paragraph with **bold** and `code` that runs on for a while so it "
    "wraps at the width of the test screen.\n\n"
    + "".join(f"- item {n} of the list\n" for n in range(30))
    + "\n```python\n"
    + "".join(f"print({n})\n" for n in range(40))
    + "```\n\nThe last paragraph [bold]stays text[/] and ends here."
)


class Pair(App[None]):
    def compose(self) -> ComposeResult:
        with VerticalScroll(id="streamed"):
            yield MarkdownBody("", streaming=True)
        with VerticalScroll(id="whole"):
            yield MarkdownBody(ANSWER)


def lines_of(body: MarkdownBody) -> list[str]:
    return [body.render_line(y).text for y in range(body.virtual_size.height)]


async def test_streamed_then_finished_equals_shown_whole() -> None:
    app = Pair()
    async with app.run_test(size=(60, 200)) as pilot:
        streamed, whole = app.query(MarkdownBody)
        for end in [*range(0, len(ANSWER), 37), len(ANSWER)]:  # cuts words, lines, fence
            streamed.set_text(ANSWER[:end])
            await pilot.pause()
        # Grown in place (the lines that changed redrawn, no layout): the screen has it all.
        screen = [strip.text for strip in app.screen._compositor.render_strips()]
        assert any(
            "The last paragraph [bold]stays text[/] and ends here." in line for line in screen
        )
        assert any(line.strip() == "streaming…" for line in screen)
        streamed.set_text(ANSWER, final=True)  # as the app does: all shown, then final
        await pilot.pause()
        await pilot.pause()
        assert streamed.shown_text() == ANSWER
        screen = [strip.text for strip in app.screen._compositor.render_strips()]
        assert not any(line.strip() == "streaming…" for line in screen)
        assert streamed.virtual_size.height == whole.virtual_size.height > 60
        assert lines_of(streamed) == lines_of(whole)
        assert "The last paragraph [bold]stays text[/] and ends here." in lines_of(streamed)[-1]
