"""Stream content faults, seen in the app: odd lines, odd bytes, odd framing, odd bodies.

Each case: the user's message and whatever answer text arrived are on screen and on disk,
the user is told in words about what was skipped or what failed, and a next message to
another provider gets its answer.
"""

from __future__ import annotations

import asyncio

import pytest
from providers.testkit import (
    CLOSE,
    FINISH,
    http_head,
    ndjson,
    reply,
    split_bytes,
    sse,
    stream,
)
from textual.screen import Screen

from .conftest import SIZE, ask_and_wait, flat, in_turn, saved, still_usable, wait_until


def content(text: str) -> dict[str, str]:
    return {"type": "content", "content": text}


HELLO = ndjson(content("Hello from the stream."))

#: Lines that are skipped with a note while the answer around them is kept.
ODD_LINES = {
    "invalid-json": (b"this is not json\n", "Skipped a line that is not JSON"),
    "json-not-object": (b"[1, 2, 3]\n", "Skipped a line that is not a JSON object"),
    "json-string": (b'"just a string"\n', "Skipped a line that is not a JSON object"),
    "missing-type": (b'{"no_type": true, "content": "lost?"}\n', "without a type"),
    "unknown-type": (b'{"type": "hologram", "content": "x"}\n', "'hologram'"),
    "content-not-string": (
        b'{"type": "content", "content": {"nested": "object"}}\n',
        "Skipped content that is not text",
    ),
    "content-null-then-number": (
        b'{"type": "content", "content": null}\n{"type": "content", "content": 42}\n',
        "42",
    ),
}


async def test_odd_lines_are_skipped_with_a_note_and_the_answer_kept(harness, serve):
    """One app, one message per odd line, each answered around the odd line."""
    server = await serve(
        in_turn(
            [
                stream(
                    [
                        ndjson(content(f"Before {case}. ")),
                        line,
                        ndjson(content("After.")),
                        ndjson(FINISH),
                    ]
                )
                for case, (line, _) in ODD_LINES.items()
            ]
        )
    )
    app = harness.app(server.url)
    async with app.run_test(size=SIZE) as pilot:
        for case, (_, said) in ODD_LINES.items():
            answer = await ask_and_wait(pilot, app, f"odd line: {case}")
            assert answer.status == "complete", (case, answer.error)
            assert answer.content.startswith(f"Before {case}. "), case
            assert answer.content.endswith("After."), case
            text = flat(app)
            assert f"Before {case}." in text and "After." in text, case
            assert said in text, case
            assert saved(app)["messages"][-1]["content"] == answer.content
        await still_usable(pilot, app, [f"odd line: {case}" for case in ODD_LINES])


async def test_five_megabyte_single_line_is_kept_whole(harness, serve):
    """The 5 MB line arrives whole, is saved, and the app goes on. What this does not
    check is how long the screen freezes meanwhile: see the next test."""
    big = "x" * (5 * 1024 * 1024)
    server = await serve(stream([ndjson(content(big)), ndjson(content(" tail.")), ndjson(FINISH)]))
    app = harness.app(server.url)
    async with app.run_test(size=SIZE) as pilot:
        # Cover the log with a blank screen so the 5 MB line is not rendered meanwhile.
        await app.push_screen(Screen())
        await app.chat.send("big line")
        await wait_until(pilot, lambda: not app.chat.streaming, 30)
        answer = app.conversation.messages[-1]
        assert answer.status == "complete", answer.error
        assert answer.content == big + " tail."
        assert saved(app)["messages"][1]["content"] == big + " tail."
        await app.chat.action_new_chat()  # still covered: the 5 MB answer is never drawn
        app.pop_screen()
        await still_usable(pilot, app)


async def test_megabyte_single_line_does_not_freeze_the_screen(harness, serve):
    # 1.5 MB: drawn as ~400 pieces of one widget, rendered only where seen (it froze the
    # app for seconds when each piece was a widget, and ~20 s for 5 MB as one paragraph).
    big = "x" * (3 * 512 * 1024)
    server = await serve(stream([ndjson(content(big)), ndjson(content(" tail.")), ndjson(FINISH)]))
    app = harness.app(server.url)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"big line")
        loop = asyncio.get_running_loop()
        start = loop.time()
        await pilot.press("enter")  # returns once the app has handled the key
        last = loop.time()
        longest = last - start
        deadline = last + 60
        settled = None
        while last < deadline and (settled is None or last < settled):
            await pilot.pause(0.05)  # returns once the app has handled its pending work
            now = loop.time()
            longest, last = max(longest, now - last), now
            if settled is None and not app.chat.streaming and len(app.conversation.messages) == 2:
                settled = now + 1.0  # and a second more, for the frames that draw it
        assert app.conversation.messages[-1].content == big + " tail."
        # The event loop (keys, Esc, frames) never stalls for a second.
        print(f"longest stall: {longest:.2f} s")
        assert longest < 1.0, f"the app froze for {longest:.1f} s"


async def test_bytes_that_are_not_utf8_become_replacement_characters(harness, serve):
    body = b'{"type": "content", "content": "caf\xe9 \xff\xfe ok"}\n'
    server = await serve(stream([body, ndjson(FINISH)]))
    app = harness.app(server.url)
    async with app.run_test(size=SIZE) as pilot:
        answer = await ask_and_wait(pilot, app, "latin-1")
        assert answer.status == "complete", answer.error
        assert answer.content == "caf\ufffd \ufffd\ufffd ok"
        assert "caf\ufffd" in flat(app)
        assert saved(app)["messages"][1]["content"] == answer.content
        await still_usable(pilot, app)


@pytest.mark.parametrize("newline", [b"\r\n", b"\r"], ids=["CRLF", "CR"])
@pytest.mark.parametrize("framing", ["ndjson", "sse"])
async def test_crlf_and_cr_line_ends(harness, raw_serve, newline, framing):
    events = [content("One, "), content("two."), FINISH]
    make = ndjson if framing == "ndjson" else sse
    body = b"".join(make(event) for event in events).replace(b"\n", newline)
    server = await raw_serve([http_head(), body, CLOSE])
    app = harness.app(server.url)
    async with app.run_test(size=SIZE) as pilot:
        answer = await ask_and_wait(pilot, app, "line ends")
        assert answer.status == "complete", answer.error
        assert answer.content == "One, two."
        assert "One, two." in flat(app)
        await still_usable(pilot, app)


async def test_line_split_byte_by_byte_across_reads(harness, raw_serve):
    body = sse(content("Byte by byte: ünïcødé 😀.")) + sse(FINISH)
    server = await raw_serve([http_head(), *split_bytes(body), CLOSE])
    app = harness.app(server.url)
    async with app.run_test(size=SIZE) as pilot:
        answer = await ask_and_wait(pilot, app, "slowly")
        assert answer.status == "complete", answer.error
        assert answer.content == "Byte by byte: ünïcødé 😀."
        assert "ünïcødé" in flat(app)
        await still_usable(pilot, app)


EMPTY_200 = {
    "empty-body": (
        reply(b"", content_type="text/event-stream"),
        "ended the stream without sending anything",
    ),
    "blank-lines": (stream([b"\n\n\n"]), "ended the stream without sending anything"),
    "html-page": (
        reply(
            b"<!DOCTYPE html><html><title>g4f GUI</title></html>",
            content_type="text/html; charset=utf-8",
        ),
        "answered with a web page, not a chat stream",
    ),
}


async def test_200_without_an_answer_fails_in_words(harness, serve):
    server = await serve(in_turn([handler for handler, _ in EMPTY_200.values()]))
    app = harness.app(server.url)
    async with app.run_test(size=SIZE) as pilot:
        for case, (_, said) in EMPTY_200.items():
            answer = await ask_and_wait(pilot, app, f"anything? ({case})")
            assert answer.status == "failed", case
            assert said in answer.error, case
            text = flat(app)
            assert said in text, case
            assert "ctrl+r retries" in text
            on_disk = saved(app)["messages"]
            assert on_disk[-2]["content"] == f"anything? ({case})"
            assert on_disk[-1]["status"] == "failed" and said in on_disk[-1]["error"]
        await still_usable(pilot, app, [f"anything? ({case})" for case in EMPTY_200])


async def test_error_event_after_content_keeps_the_content_and_shows_the_error(harness, serve):
    error = {"type": "error", "error": "ResponseError", "message": "upstream exploded"}
    body = [
        sse(content("Partial ")),
        sse(content("answer.")),
        sse(error),
        sse(content("never shown")),
    ]
    server = await serve(stream(body))
    app = harness.app(server.url)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        answer = await ask_and_wait(pilot, app, "explode")
        assert answer.status == "failed"
        assert answer.content == "Partial answer."
        assert answer.error == "The provider failed: ResponseError: upstream exploded"
        text = flat(app)
        assert "Partial answer." in text
        assert "The provider failed: ResponseError: upstream exploded" in text
        assert "never shown" not in text
        on_disk = saved(app)["messages"][1]
        assert on_disk["content"] == "Partial answer."
        assert on_disk["status"] == "failed"
        assert "upstream exploded" in on_disk["error"]
        await still_usable(pilot, app, ["explode", "Partial answer."])


async def test_openai_stream_with_bad_chunks(harness, serve):
    """The same for an OpenAI-compatible server: a bad line among good ones."""
    good = b'data: {"choices": [{"delta": {"content": "Fine "}}]}\n\n'
    bad = b"data: {not json\n\n"
    odd = b'data: {"choices": "nope"}\n\n'
    end = b'data: {"choices": [{"delta": {"content": "answer."}}]}\n\ndata: [DONE]\n\n'
    server = await serve(stream([good, bad, odd, end]))
    app = harness.app(server.url, kind="openai")
    async with app.run_test(size=SIZE) as pilot:
        answer = await ask_and_wait(pilot, app, "openai odd")
        assert answer.content == "Fine answer.", answer.error
        assert answer.status == "complete"
        assert "Fine answer." in flat(app)
        await still_usable(pilot, app)
