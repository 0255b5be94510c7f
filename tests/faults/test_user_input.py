"""What the user types, and the terminal they type in.

Empty prompts are not sent, a 1 MB paste is sent whole, a message sent while an answer
streams is refused in words and stays in the prompt, quitting mid-answer saves the
partial answer, and a resize to 40x10 and back mid-answer loses nothing.
"""

from __future__ import annotations

import json
import tomllib

from aiohttp import web

from tui_chat.model_choice import ModelChoice
from tui_chat.store import ConversationStore

from .conftest import (
    SIZE,
    answered,
    ask_and_wait,
    flat,
    saved,
    screen_text,
    send,
    still_usable,
    wait_until,
)

#: The gated answer waits for the test: no short read timeout here.
PATIENT = "[request]\nread_timeout = 30.0\n"


def notes(app) -> list[str]:
    """The notifications the user has been shown (toasts)."""
    return [notification.message for notification in app._notifications]


async def test_empty_and_whitespace_prompts_are_not_sent(harness):
    app = harness.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.chat.set_choice(ModelChoice("good", "echo"))
        await pilot.press("enter")
        await pilot.press("space", "space", "enter")
        app.chat.prompt.text = " \n\t \n"
        await pilot.press("enter")
        await pilot.pause()
        assert app.conversation.messages == []
        assert harness.good.requests == []
        assert notes(app).count("Nothing to send: type a message first.") == 3
        assert "Nothing to send" in flat(app)
        await still_usable(pilot, app)


async def test_one_megabyte_paste_is_sent_whole(harness, serve):
    received: list[str] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        received.append(body["messages"][-1]["content"])
        event = {"type": "content", "content": f"Got {len(received[-1]):,} characters."}
        finish = {"type": "finish", "finish": {"reason": "stop"}}
        lines = f"{json.dumps(event)}\n{json.dumps(finish)}\n"
        return web.Response(body=lines, content_type="text/event-stream")

    server = await serve(handler)
    app = harness.app(server.url)
    pasted = ("A line of pasted text, with words. " * 30 + "\n") * 970 + "The end."
    assert len(pasted.encode()) >= 1_000_000
    async with app.run_test(size=SIZE) as pilot:
        answer = await ask_and_wait(pilot, app, pasted, timeout=20)
        assert answer.status == "complete", answer.error
        assert received == [pasted]
        assert f"Got {len(pasted):,} characters." in flat(app)
        assert saved(app)["messages"][0]["content"] == pasted
        assert app.chat.prompt.text == ""
        await still_usable(pilot, app, fresh=True)


async def test_sending_while_an_answer_streams_is_refused_and_kept(harness):
    app = harness.app(extra=PATIENT)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.chat.set_choice(ModelChoice("good", "gated"))
        await send(pilot, "first")
        await wait_until(pilot, lambda: "Partial two." in screen_text(app))
        await send(pilot, "second")
        assert app.chat.prompt.text == "second"  # not lost: still in the prompt
        assert any("An answer is still streaming" in n for n in notes(app))
        assert len(harness.good.requests) == 1
        harness.good.gate.set()
        await wait_until(pilot, lambda: not app.chat.streaming)
        await pilot.press("enter")  # the kept text goes once the answer is done
        await wait_until(pilot, lambda: answered(app, 4))
        assert [m["content"] for m in saved(app)["messages"]] == [
            "first",
            "Partial one. Partial two. Rest.",
            "second",
            "Partial one. Partial two. Rest.",
        ]


async def test_quit_while_an_answer_streams_saves_the_partial_answer(harness):
    app = harness.app(extra=PATIENT)
    async with app.run_test(size=SIZE) as pilot:
        app.chat.set_choice(ModelChoice("good", "gated"))
        await send(pilot, "go")
        await wait_until(pilot, lambda: "Partial two." in screen_text(app))
        path = ConversationStore(app.paths).path_for(app.conversation.id)
        await pilot.press("ctrl+q")
    assert app.return_code == 0
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["messages"][0]["content"] == "go"
    assert data["messages"][-1]["status"] == "stopped"
    assert data["messages"][-1]["content"] == "Partial one. Partial two. "


async def test_resize_to_40x10_and_back_while_streaming(harness):
    app = harness.app(extra=PATIENT)
    async with app.run_test(size=SIZE) as pilot:
        app.chat.set_choice(ModelChoice("good", "gated"))
        await send(pilot, "resize me")
        await wait_until(pilot, lambda: "Partial two." in screen_text(app))
        await pilot.resize_terminal(40, 10)
        await pilot.pause(0.1)
        small = screen_text(app).splitlines()
        assert len(small) == 10 and all(len(row) <= 40 for row in small)
        assert app.chat.streaming
        await pilot.resize_terminal(*SIZE)
        await pilot.pause(0.1)
        harness.good.gate.set()
        await wait_until(pilot, lambda: not app.chat.streaming)
        await wait_until(pilot, lambda: "Partial one. Partial two. Rest." in flat(app))
        assert saved(app)["messages"][1]["content"] == "Partial one. Partial two. Rest."
        assert saved(app)["messages"][1]["status"] == "complete"
        await still_usable(pilot, app, ["resize me"])
