"""An answer is drawn in pieces (for speed); the cuts between them must never show.

Each test draws a text with the answer's widget (`MarkdownBody`, mounted, read row by row
as Textual draws it) and compares the rows with the same text rendered whole at once by
the same renderer at the same width: long paragraphs, words longer than a row, long code
blocks, lists and mixes, finished and while streaming, at several widths, and in the
real app with the fake provider (tests/fakes.py), live, after reopening and after a resize.
"""

from __future__ import annotations

import random

from textual.app import App, ComposeResult

from tui_chat.ui.widgets.markdown.block import MarkdownBody
from tui_chat.ui.widgets.markdown.render import render_markdown
from tui_chat.ui.widgets.markdown.split import MAX_CHARS, split_all

from .conftest import wait_until

WIDTHS = (20, 37, 80, 120)
LONG_1000 = "".join(f"w{i} " for i in range(1000))  # the peer server's `long-1000` answer


def whole(text: str, width: int) -> list[str]:
    """The text rendered at once: the rows a user should see."""
    return [strip.text for strip in render_markdown(text, width)]


class Column(App[None]):
    """An answer's body as wide as the screen."""

    CSS = "Screen { overflow: hidden; }"

    def compose(self) -> ComposeResult:
        yield from ()


async def drawn(pilot, body: MarkdownBody) -> list[str]:
    """The body's rows as the widget draws them, once its layout has settled (a piece
    not rendered yet is laid out by an estimate, and corrected when drawn)."""
    rows: list[str] = []
    for _ in range(10):
        await pilot.pause()
        again = [body.render_line(y).text for y in range(body.virtual_size.height)]
        if again == rows:
            break
        rows = again
    return rows


def starts_a_row(rows: list[str], word: str) -> bool:
    return any(row.startswith(f"{word} ") or row.rstrip() == word for row in rows)


# --- texts -----------------------------------------------------------------------------

WORDS = ["alpha", "be", "gamma", "delta", "x", "epsilon", "zeta", "日本語", "naïve", "2", "-"]
INLINE = [
    "**bold text**",
    "*em*",
    "`code()`",
    "[a link](https://example.org/x)",
    "~~gone~~",
    "_under_",
    "[1]",
    "a < b",
    "2 * 3",
    "<br>",
    "&amp;",
    "\\*",
    "**",
    "`",
    "x" * 90,
]


def words(rng: random.Random, n: int, markup: bool = True) -> str:
    chosen = [
        rng.choice(INLINE) if markup and rng.random() < 0.12 else rng.choice(WORDS)
        for _ in range(n)
    ]
    out = ""
    for word in chosen:
        gap = rng.random()
        out += word + ("\n" if gap < 0.04 else "  \n" if gap < 0.05 else " ")
    return out.strip()


def paragraph(rng: random.Random, n: int) -> str:
    return words(rng, n) + "\n"


def fence(rng: random.Random, lines: int) -> str:
    body = []
    for i in range(lines):
        roll = rng.random()
        if roll < 0.08:
            body.append("")
        elif roll < 0.12:
            body.append(f"\tindented = {i}")
        elif roll < 0.15:
            body.append("x = '" + "a" * rng.randint(50, 300) + "'")
        else:
            body.append(f"value_{i} = compute({i}, '{rng.choice(WORDS)}')  # note")
    language = rng.choice(["python", "", "nosuchlang"])
    return f"```{language}\n" + "\n".join(body) + "\n```\n"


def listing(rng: random.Random, items: int, ordered: bool, loose: bool, start: int = 1) -> str:
    marker = rng.choice("-*+")
    out = []
    for i in range(items):
        mark = f"{start + i}." if ordered else marker
        indent = " " * (len(mark) + 1)
        item = f"{mark} {words(rng, rng.randint(1, 25)).replace(chr(10), ' ')}"
        if rng.random() < 0.15:
            item += f"\n{indent}{words(rng, 8, markup=False)}"
        if rng.random() < 0.15:
            item += f"\n{indent}- nested {rng.choice(WORDS)}\n{indent}- nested two"
        if rng.random() < 0.08:
            item += f"\n\n{indent}{words(rng, 6, markup=False)}"
        out.append(item + "\n")
    return ("\n" if loose else "").join(out)


def document(seed: int) -> str:
    """A seeded mix, sized so that some of its blocks are cut into pieces."""
    rng = random.Random(seed)
    blocks = []
    for _ in range(rng.randint(3, 7)):
        roll = rng.random()
        if roll < 0.3:
            blocks.append(paragraph(rng, rng.choice([12, 400, 1200])))
        elif roll < 0.4:
            blocks.append(f"## {words(rng, 5, markup=False)}\n")
        elif roll < 0.55:
            blocks.append(fence(rng, rng.choice([5, 150])))
        elif roll < 0.7:
            blocks.append(listing(rng, rng.choice([4, 60]), False, rng.random() < 0.3))
        elif roll < 0.82:
            start = rng.choice([1, 1, 7, 95])
            blocks.append(listing(rng, rng.choice([4, 40]), True, rng.random() < 0.3, start))
        elif roll < 0.88:
            blocks.append(f"> {words(rng, 30)}\n")
        elif roll < 0.94:
            rows = "".join(f"| {rng.choice(WORDS)} | {i} |\n" for i in range(6))
            blocks.append(f"| name | n |\n|:--|--:|\n{rows}")
        else:
            blocks.append("".join(rng.choice("abcdefgh日本") for _ in range(6000)) + "\n")
    text = "\n".join(blocks)
    return text.replace("\n", "\r\n") if rng.random() < 0.15 else text


#: Each kind the brief names, plus a seeded mix of everything.
TEXTS = {
    "long paragraph": LONG_1000,
    "paragraph with markup": paragraph(random.Random(1), 1500),
    "line without spaces": "x" * 9000,
    "wide characters without spaces": "日本語のテキスト" * 700,
    "long code block": fence(random.Random(2), 250),
    "code line without spaces": "```\n" + "y" * 7000 + "\n```\n",
    "long ordered list": listing(random.Random(3), 120, True, False, start=5),
    "loose bullet list": listing(random.Random(4), 80, False, True),
    **{f"mix {seed}": document(seed) for seed in range(10)},
}


def test_the_texts_are_cut_into_pieces_of_each_kind() -> None:
    """(So that the comparisons below compare something: every kind of cut happens.)"""
    heads = {piece.head for text in TEXTS.values() for piece in split_all(text)}
    assert {"", "para", "code", "item"} <= heads
    assert all(len(split_all(text)) > 1 for name, text in TEXTS.items() if "mix" not in name)
    assert max(len(text) for text in TEXTS.values()) > 3 * MAX_CHARS


async def test_pieces_draw_the_same_rows_as_the_whole_text_at_every_width() -> None:
    for width in WIDTHS:
        app = Column()
        async with app.run_test(size=(width, 30)) as pilot:
            for name, text in TEXTS.items():
                body = MarkdownBody(text)
                await app.mount(body)
                assert await drawn(pilot, body) == whole(text, width), (name, width)
                await body.remove()


async def test_long_1000_breaks_its_rows_where_the_whole_text_does() -> None:
    for width in (40, 80, 100):
        app = Column()
        async with app.run_test(size=(width, 30)) as pilot:
            body = MarkdownBody(LONG_1000)
            await app.mount(body)
            rows = await drawn(pilot, body)
            expected = whole(LONG_1000, width)
            for word in ("w421", "w422", "w821", "w822"):
                # (At these widths the whole text itself starts a row with w421 and w821.)
                assert starts_a_row(rows, word) == starts_a_row(expected, word), (width, word)
            assert rows == expected, width


async def test_a_stream_shows_the_whole_text_so_far_at_each_paint_and_at_the_end() -> None:
    streams = {
        "long paragraph": LONG_1000,
        "paragraph with markup": TEXTS["paragraph with markup"],
        "long ordered list": TEXTS["long ordered list"],
        "mix": TEXTS["mix 3"],
    }
    for width in (37, 80):
        app = Column()
        async with app.run_test(size=(width, 30)) as pilot:
            for name, text in streams.items():
                body = MarkdownBody("", streaming=True)
                await app.mount(body)
                rng = random.Random(width)
                end = 0
                while end < len(text):
                    end = min(len(text), end + rng.randint(1, 1200))  # chunks of any size
                    body.set_text(text[:end])
                    rows = await drawn(pilot, body)
                    expected = whole(text[:end], width)
                    assert rows[: len(expected)] == expected, (name, width, end)
                    assert rows[len(expected)].strip() == "streaming…", (name, width, end)
                body.set_text(text, final=True)
                assert await drawn(pilot, body) == whole(text, width), (name, width)
                await body.remove()


async def test_a_resize_rewraps_a_long_paragraph_as_a_whole() -> None:
    app = Column()
    async with app.run_test(size=(80, 30)) as pilot:
        body = MarkdownBody(LONG_1000 + "\n\n" + TEXTS["long code block"])
        await app.mount(body)
        for width in (80, 37, 120, 20):
            await pilot.resize_terminal(width, 30)
            assert await drawn(pilot, body) == whole(body.text, width), width


# --- in the app ------------------------------------------------------------------------


def answer_rows(app, count: int) -> list[str]:
    """The first `count` rows of the newest answer's text, as on the terminal."""
    body = app.chat.log_view.query(MarkdownBody).last()
    region = body.content_region
    screen = app.screen._compositor.render_strips()
    return [
        screen[y].crop(region.x, region.right).text for y in range(region.y, region.y + count)
    ]


async def test_long_answer_in_the_app_has_no_premature_break(fake_app, fake) -> None:
    """`long-1000` (one paragraph of 1,000 words) as the user sees it in a terminal tall
    enough to show all of it: while it streams, when it ends, after the conversation is
    reopened, and after a resize."""
    app = fake_app("long-1000-gated")
    async with app.run_test(size=(80, 120)) as pilot:
        await pilot.press(*"long please", "enter")
        partial = "".join(f"w{i} " for i in range(900))
        await wait_until(pilot, lambda: "w899" in app.chat.log_view.query(MarkdownBody).last().text)
        await pilot.pause(0.2)  # the paint of the text received so far
        body = app.chat.log_view.query(MarkdownBody).last()
        expected = whole(partial, body.content_region.width)
        assert len(expected) < 100  # all of it on screen
        assert answer_rows(app, len(expected)) == expected
        assert answer_rows(app, len(expected) + 1)[-1].strip() == "streaming…"

        fake.gate.set()
        await wait_until(pilot, lambda: not app.chat.streaming)
        await pilot.pause(0.2)
        answer = app.conversation.messages[-1].content
        assert answer == LONG_1000
        expected = whole(answer, body.content_region.width)
        assert answer_rows(app, len(expected)) == expected

        conversation = app.conversation.id
        await app.chat.action_new_chat()
        await pilot.pause()
        await app.chat.open_conversation(conversation)
        await pilot.pause(0.2)
        body = app.chat.log_view.query(MarkdownBody).last()
        expected = whole(answer, body.content_region.width)
        assert answer_rows(app, len(expected)) == expected

        await pilot.resize_terminal(61, 160)
        await pilot.pause(0.2)
        expected = whole(answer, body.content_region.width)
        assert answer_rows(app, len(expected)) == expected
