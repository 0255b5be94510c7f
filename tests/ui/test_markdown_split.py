"""The Markdown splitter: pieces cover the text exactly, stay small, keep code as code."""

from __future__ import annotations

import random

from tui_chat.ui.widgets.markdown.split import BLOCK_CHARS, MAX_CHARS, MarkdownSplitter, split_all

ANSWER = "".join(
    f"## Part {i}\n\nSome **bold** text and `code` in paragraph {i}.\n\n"
    f"- item one\n- item two\n\n```python\n" + "".join(f"x{j} = {j}\n" for j in range(30))
    + "```\n\n"
    for i in range(40)
)


def test_pieces_cover_the_text_exactly_and_stay_small():
    pieces = split_all(ANSWER)
    assert "".join(p.raw for p in pieces) == ANSWER
    assert len(pieces) > 5
    assert all(len(p.raw) <= MAX_CHARS + 200 for p in pieces)
    assert all(len(p.raw) >= BLOCK_CHARS or p is pieces[-1] or "```" in p.raw for p in pieces)


def test_streaming_in_random_chunks_gives_the_same_text():
    rng = random.Random(7)
    splitter = MarkdownSplitter()
    text, committed, raws = "", 0, []
    position = 0
    while position < len(ANSWER):
        step = rng.randint(1, 40)
        text += ANSWER[position : position + step]
        position += step
        pieces, taken = splitter.take(text[committed:])
        committed += taken
        raws += [p.raw for p in pieces]
        assert len(text) - committed <= MAX_CHARS + 40  # the open tail stays bounded
    pieces, taken = splitter.take(text[committed:], final=True)
    raws += [p.raw for p in pieces]
    assert "".join(raws) == ANSWER


def test_a_long_code_block_is_cut_and_the_continuation_is_still_code():
    code = "```python\n" + "".join(f"value_{i} = {i}  # a comment\n" for i in range(600)) + "```\n"
    pieces = split_all(code)
    assert len(pieces) > 2
    assert "".join(p.raw for p in pieces) == code
    assert pieces[0].head == "" and pieces[0].tail == "code"
    for piece in pieces[1:]:
        assert piece.head == "code" and piece.fence == "```python"  # rendered as code
        assert piece.raw.startswith("value_")  # cut before a line of code, never the fence's


def test_a_megabyte_line_without_spaces_is_cut():
    line = "x" * 1_000_000
    pieces = split_all(line)
    assert "".join(p.raw for p in pieces) == line
    assert max(len(p.raw) for p in pieces) <= MAX_CHARS
