"""The Markdown parser and the text it is given: what cutting and rendering share.

Pieces are cut (`split`) where the parser's reading of the whole text says a cut cannot
show, and rendered (`render`) from the same parser's tree of each piece: both must give
it the same text (`prepared`) and see the same white space (`SPACE`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ...safe import visible

if TYPE_CHECKING:
    from markdown_it.rules_block.state_block import StateBlock

#: What markdown-it treats as white space around a paragraph, and trims from its ends
#: (CommonMark's whitespace).
#: (markdown_it.common.utils.MD_TRIM_CHARS, not imported here: start-up does not need it.)
SPACE = " \t\n\v\f\r\u00a0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(
    chr(code) for code in range(0x2000, 0x200B)
)


@lru_cache(maxsize=1)
def parser() -> Any:
    """The Markdown parser: markdown-it (the parser Rich and Textual use), CommonMark with
    tables and strikethrough.

    Each list item's token also records in `meta["tight"]` whether the item's blocks had
    no blank line between them. markdown-it keeps that only as hidden paragraphs, which an
    item without paragraphs does not have; `split` needs it to space a list cut into
    pieces as the whole list is spaced.
    """
    # Imported on first use: start-up does not need it.
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable("strikethrough").enable("table")
    tokenize = md.block.tokenize

    def tokenize_noting_tightness(state: StateBlock, start_line: int, end_line: int) -> None:
        first = len(state.tokens)
        tokenize(state, start_line, end_line)
        # The list rule calls this for each item's content, right after the item's token.
        if first and state.tokens[first - 1].type == "list_item_open":
            state.tokens[first - 1].meta["tight"] = state.tight

    md.block.tokenize = tokenize_noting_tightness
    return md


def prepared(text: str) -> str:
    """What the parser is given for `text`: control characters made visible, tabs as four
    spaces."""
    return visible(text).replace("\t", "    ")
