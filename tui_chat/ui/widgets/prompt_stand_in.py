"""The prompt of the first frame: drawn as the empty prompt is, without Textual's TextArea.

The prompt (`PromptArea`, prompt.py) is a TextArea: importing it costs ~36 M instructions
and our field and prompt modules ~11 M more, a third of what start-up adds to a Textual
hello world, and composing and styling it more still. The first frame shows no more of it
than an empty field shows: its border, the placeholder and the cursor. So the chat screen
composes this stand-in instead, with the prompt's id (chat.tcss styles both alike), and
puts the real prompt in its place right after the first frame (`Sending.bring_prompt`);
keys typed meanwhile are held by the app (`KeyGate`) and handed to the prompt then.

It draws what `TextArea.render_line` draws for an empty field with a placeholder: the
placeholder wrapped to the width, its first line's first cell in the cursor's style while
focused; its CSS is TextArea's, for the parts an empty field shows. It has the prompt's
bindings, so the footer shows the same keys. `tests/ui/test_prompt_stand_in.py` compares
the screen before and after the swap, cell by cell.
"""

from __future__ import annotations

from textual.content import Content
from textual.strip import Strip
from textual.style import Style
from textual.widget import Widget

from ..actions import PROMPT, bindings

#: The prompt's placeholder (PromptArea's too).
PLACEHOLDER = "Type a message · Enter sends · ctrl+j new line"


class PromptStandIn(Widget, can_focus=True):
    """Looks like the empty, focused prompt; takes no keys (the app holds them)."""

    BINDINGS = bindings(PROMPT)
    COMPONENT_CLASSES = {"text-area--cursor", "text-area--placeholder"}
    # TextArea's DEFAULT_CSS (textual 8.2), the rules an empty field draws with.
    DEFAULT_CSS = """
    PromptStandIn {
        width: 1fr;
        height: 1fr;
        border: tall $border-blurred;
        padding: 0 1;
        color: $foreground;
        background: $surface;
        pointer: text;
        & .text-area--cursor {
            text-style: $input-cursor-text-style;
        }
        & .text-area--placeholder {
            color: $text 40%;
        }
        &:focus {
            border: tall $border;
        }
        &:ansi {
            .text-area--cursor {
                color: $input-cursor-foreground;
                background: $input-cursor-background;
                text-style: reverse;
            }
        }
        &:dark {
            .text-area--cursor {
                color: $input-cursor-foreground;
                background: $input-cursor-background;
            }
        }
        &:light {
            .text-area--cursor {
                color: $text 90%;
                background: $foreground 70%;
            }
        }
    }
    """

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return 1  # an empty document's one line, as TextArea's height: auto gives

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        lines = Content(PLACEHOLDER).wrap(width) if width > 0 else []
        if y >= len(lines):
            return Strip.blank(width, self.rich_style)
        content = lines[y].stylize(self.get_visual_style("text-area--placeholder"))
        if y == 0 and self.has_focus:
            # TextArea's theme takes the cursor's rich style from the component class.
            cursor = self.get_component_rich_style("text-area--cursor")
            content = content.stylize(Style.from_rich_style(cursor), 0, 1)
        return Strip(content.render_segments(self.visual_style), content.cell_length)
