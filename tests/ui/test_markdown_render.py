"""The Markdown renderer: what a reader sees, line by line, at a given width."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from rich.style import Style

from tui_chat.ui.widgets.markdown.render import render_markdown


def lines(text: str, width: int = 40) -> list[str]:
    return [strip.text.rstrip() for strip in render_markdown(text, width)]


@pytest.mark.parametrize("width", [1, 2, 7, 40, 133])
def test_every_line_is_exactly_the_width(width: int) -> None:
    text = (
        "# Title\n\nSome **bold** text, 日本語の文章 and a verylongwordwithoutanyspaces"
        "goingonandon.\n\n- a\n- b\n\n```python\nprint('x' * 300)\n```\n\n| a | b |\n|-|-|\n"
        "| 1 | 2 |\n\n> quoted\n\n---\n"
    )
    for strip in render_markdown(text, width):
        assert strip.cell_length == width
        assert cell_len(strip.text) == width


def test_markup_and_escapes_are_shown_not_interpreted() -> None:
    shown = "\n".join(lines("Say [bold]hi[/] and [/] then \x1b[31mred\x1b[0m \x07 done", 80))
    assert "[bold]hi[/]" in shown
    assert "[/]" in shown
    assert "\x1b" not in shown and "\x07" not in shown
    assert "␛[31mred␛[0m" in shown


def test_inline_markers_are_rendered_and_words_are_kept() -> None:
    text = "A **bold** word, an *italic* one, `code()` and ~~gone~~ text."
    strips = render_markdown(text, 80)
    assert strips[0].text.rstrip() == "A bold word, an italic one, code() and gone text."
    styles = {seg.text: seg.style for seg in strips[0] if seg.text.strip()}
    assert styles["bold"].bold
    assert styles["italic"].italic
    assert styles["gone"].strike


def test_wrapping_breaks_between_words_and_loses_none() -> None:
    words = [f"word{i}" for i in range(60)]
    out = lines(" ".join(words), 23)
    assert all(len(line) <= 23 for line in out)
    assert " ".join(out).split() == words


def test_a_word_longer_than_the_line_is_cut_not_lost() -> None:
    word = "x" * 95
    out = lines(f"before {word} after", 30)
    assert "".join(out).replace(" ", "") == f"before{word}after"


def test_wide_characters_wrap_by_cells() -> None:
    out = lines("日本語" * 20, 10)
    assert all(cell_len(line) <= 10 for line in out)
    assert "".join(out) == "日本語" * 20


def test_links_keep_their_address() -> None:
    assert lines("See [the docs](https://example.org/d) now.", 80) == [
        "See the docs (https://example.org/d) now."
    ]
    assert lines("<https://example.org>", 80) == ["https://example.org"]


def test_lists_are_numbered_and_nested_items_indented() -> None:
    text = "1. first\n2. second item that wraps around\n   - inner\n3. third"
    assert lines(text, 20) == [
        "1. first",
        "2. second item that",
        "   wraps around",
        "   ◦ inner",
        "3. third",
    ]


def test_code_block_keeps_its_text_without_fences_on_a_background() -> None:
    text = "Before\n\n```python\ndef f(x):\n    return x\n```\n\nAfter"
    strips = render_markdown(text, 30)
    shown = [strip.text.rstrip() for strip in strips]
    assert shown == ["Before", "", " def f(x):", "     return x", "", "After"]
    code_line = strips[2]
    assert all(seg.style and seg.style.bgcolor for seg in code_line)
    assert code_line.cell_length == 30


def test_long_code_lines_wrap_inside_the_block() -> None:
    code = "x = '" + "a" * 70 + "'"
    out = lines(f"```\n{code}\n```", 30)
    assert len(out) == 3
    assert "".join(line[1:] for line in out) == code


def test_unknown_language_and_unclosed_fence_still_show_code() -> None:
    assert lines("```nosuchlang\nhello\n", 20) == [" hello"]


def test_table_columns_line_up() -> None:
    text = "| name | n |\n|:--|--:|\n| alpha | 1 |\n| b | 22 |"
    assert lines(text, 40) == [
        "name  │  n",
        "──────┼───",
        "alpha │  1",
        "b     │ 22",
    ]


def test_a_table_wider_than_the_screen_is_squeezed() -> None:
    row = "| " + " | ".join("word " * 8 for _ in range(3)) + " |"
    text = "| a | b | c |\n|-|-|-|\n" + row
    out = lines(text, 40)
    assert all(cell_len(line) <= 40 for line in out)
    assert " ".join(out).count("word") == 24


def test_headings_quotes_rules_and_html_are_readable() -> None:
    text = "## Part *two*\n\n> quoted text\n\n---\n\n<div>raw</div>"
    out = lines(text, 20)
    assert out == ["Part two", "", "▌ quoted text", "", "─" * 20, "", "<div>raw</div>"]


def test_base_style_is_under_everything() -> None:
    base = Style(bgcolor="#101010", color="#eeeeee")
    for strip in render_markdown("plain **bold** text\n\n- item", 30, base):
        for segment in strip:
            assert segment.style is not None and segment.style.bgcolor == base.bgcolor


def test_empty_text_renders_nothing_visible() -> None:
    assert [s.text.strip() for s in render_markdown("", 10)] in ([], [""])
    assert [s.text.strip() for s in render_markdown("\n\n", 10)] in ([], [""])
