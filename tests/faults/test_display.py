"""Provider output shown in the app: markup is text, escapes never reach the terminal.

The answer is saved exactly as received; the screen shows it as typed, with control
characters as visible symbols (␛, ␇, …), so no colour, cursor move, clipboard write
(OSC 52) or title change is obeyed by the terminal.
"""

from __future__ import annotations

from providers.testkit import FINISH, ndjson, stream

from .conftest import (
    SIZE,
    ask_and_wait,
    flat,
    in_turn,
    saved,
    screen_text,
    still_usable,
    wait_until,
)

ESC = "\x1b"
#: name: (what the provider sends, what the screen must show)
OUTPUTS = {
    "markup-close": ("a [/] b", "a [/] b"),
    "markup-bold-red": ("[bold red]not red[/bold red]", "[bold red]not red[/bold red]"),
    "markup-link": ("[link=file:///etc/passwd]x[/link]", "[link=file:///etc/passwd]x[/link]"),
    "ansi-colour": (f"{ESC}[31mred{ESC}[0m", "␛[31mred␛[0m"),
    "ansi-cursor-moves": (f"{ESC}[2J{ESC}[H{ESC}[10;10Hmoved", "␛[2J␛[H␛[10;10Hmoved"),
    "osc52-clipboard": (f"{ESC}]52;c;SGVsbG8=\x07", "␛]52;c;SGVsbG8=␇"),
    "osc-title": (f"{ESC}]0;pwned{ESC}\\", "␛]0;pwned␛\\"),
    "c1-csi": ("\x9b31mx", "\ufffd31mx"),
    "other-controls": ("bell\x07 back\x08 nul\x00 del\x7f", "bell␇ back␈ nul␀ del␡"),
    "right-to-left": ("שלום עולם مرحبا بالعالم", "שלום עולם"),
    "wide-emoji": ("👩‍👩‍👧‍👦 🇫🇷 漢字 done", "漢字 done"),
}


async def test_provider_output_is_shown_as_text(harness, serve):
    """One app, one answer per kind of output."""
    server = await serve(
        in_turn(
            [
                stream(
                    [ndjson({"type": "content", "content": f"Start {sent} end."}), ndjson(FINISH)]
                )
                for sent, _ in OUTPUTS.values()
            ]
        )
    )
    app = harness.app(server.url)
    async with app.run_test(size=SIZE) as pilot:
        for case, (sent, shown) in OUTPUTS.items():
            answer_text = f"Start {sent} end."
            answer = await ask_and_wait(pilot, app, f"show me {case}")
            assert answer.status == "complete", (case, answer.error)
            assert answer.content == answer_text, case
            assert saved(app)["messages"][-1]["content"] == answer_text, case
            await wait_until(pilot, lambda shown=shown: shown in flat(app), 3)
            # What would be written to the terminal holds no control character at all.
            for strip in app.screen._compositor.render_strips():
                for segment in strip:
                    assert not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in segment.text), (
                        case,
                        repr(segment.text),
                    )
        await still_usable(pilot, app, [f"show me {case}" for case in OUTPUTS])


LONG_LINE = "".join(chr(ord("a") + i % 26) for i in range(100_000)) + " end."


async def test_hundred_thousand_characters_without_spaces(harness, serve):
    server = await serve(
        stream([ndjson({"type": "content", "content": LONG_LINE}), ndjson(FINISH)])
    )
    app = harness.app(server.url)
    async with app.run_test(size=SIZE) as pilot:
        answer = await ask_and_wait(pilot, app, "long line", timeout=20)
        assert answer.status == "complete", answer.error
        assert answer.content == LONG_LINE
        assert saved(app)["messages"][1]["content"] == LONG_LINE
        text = screen_text(app)
        assert "abcdefghijklmnopqrstuvwxyz" in text
        # Wrapped to the screen, never wider than it.
        assert all(len(row) <= SIZE[0] for row in text.splitlines())
        await still_usable(pilot, app, ["long line"])


async def test_end_of_a_hundred_thousand_character_line_is_in_view(harness, serve):
    server = await serve(
        stream([ndjson({"type": "content", "content": LONG_LINE}), ndjson(FINISH)])
    )
    app = harness.app(server.url)
    async with app.run_test(size=SIZE) as pilot:
        await ask_and_wait(pilot, app, "long line", timeout=20)
        await pilot.pause(0.3)
        assert "end." in screen_text(app)
