"""Each provider's conversation state (g4f's `conversation` event), kept per provider in
the conversation: switching provider mid-conversation and back keeps each one's context.
In process at the session level, and against a loopback g4f-style backend."""

from __future__ import annotations

import json
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from aiohttp import web

from tui_chat.catalog import Catalog, ProviderEntry
from tui_chat.model_choice import ModelChoice
from tui_chat.providers.base import AsyncGeneratorProvider
from tui_chat.providers.events import ConversationState, FinishReason
from tui_chat.session import ChatSession
from tui_chat.store import ConversationStore, Paths
from tui_chat.store.settings import Backend, Settings


class Stateful(AsyncGeneratorProvider):
    """Counts its turns in its own state, and records the state it was handed."""

    handed: ClassVar[list[Any]] = []

    @classmethod
    async def create_async_generator(  # type: ignore[override]
        cls, model, messages, media=None, conversation=None, **kwargs
    ):
        cls.handed.append(conversation)
        turns = (conversation or {}).get("turns", 0) + 1
        yield f"{cls.name()} turn {turns}"
        yield ConversationState({"turns": turns, "who": cls.name(), "none": None})
        yield FinishReason("stop")


def stateful(name: str) -> type[Stateful]:
    return Stateful.configured(name, handed=[])


def new_session(config: Path, catalog: Catalog) -> ChatSession:
    paths = Paths.resolve(config)
    paths.ensure()
    return ChatSession(Settings(), catalog, ConversationStore(paths))


async def turn(session: ChatSession, choice: ModelChoice, question: str) -> str:
    session.choice = choice
    choice.apply_to(session.conversation)
    session.add_question(question)
    answer = session.start_answer()
    stream = await session.open_stream(answer)
    async for item in stream:
        answer.recorder.feed(item)
    answer.recorder.finish()
    session.save_answer(answer)
    return answer.message.content


def on_disk(session: ChatSession) -> dict[str, Any]:
    assert session.store is not None
    path = session.store.path_for(session.conversation.id)
    return tomllib.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def two() -> tuple[type[Stateful], type[Stateful], Catalog]:
    a, b = stateful("a"), stateful("b")
    return a, b, Catalog([ProviderEntry("a", a), ProviderEntry("b", b)])


async def test_switching_provider_and_back_keeps_each_ones_context(
    tmp_path: Path, two: tuple[type[Stateful], type[Stateful], Catalog]
) -> None:
    a, b, catalog = two
    session = new_session(tmp_path / "config", catalog)
    session.new_conversation()
    assert await turn(session, ModelChoice("a", "m"), "one") == "a turn 1"
    assert await turn(session, ModelChoice("b", "m"), "two") == "b turn 1"
    assert await turn(session, ModelChoice("a", "m"), "three") == "a turn 2"
    assert a.handed == [None, {"turns": 1, "who": "a"}]
    assert b.handed == [None]  # never a's state
    assert on_disk(session)["provider_state"] == {
        "a": {"turns": 2, "who": "a"},
        "b": {"turns": 1, "who": "b"},
    }

    # Opened again later (another session, from the file): both contexts are still there.
    again = new_session(tmp_path / "config", catalog)
    again.open(session.conversation.id)
    assert await turn(again, ModelChoice("b", "m"), "four") == "b turn 2"
    assert b.handed[-1] == {"turns": 1, "who": "b"}


async def test_a_state_handed_over_is_a_copy(
    tmp_path: Path, two: tuple[type[Stateful], type[Stateful], Catalog]
) -> None:
    """A provider that changes what it was handed changes nothing in the conversation."""
    a, _b, catalog = two
    session = new_session(tmp_path / "config", catalog)
    session.new_conversation()
    await turn(session, ModelChoice("a", "m"), "one")
    await turn(session, ModelChoice("a", "m"), "two")
    a.handed[-1]["turns"] = 99
    assert session.conversation.provider_state["a"]["turns"] == 2


OLD_FILE = """\
schema = 1
id = "{id}"
title = "from an older tui-chat"
created = 2025-01-01T10:00:00+00:00
updated = 2025-01-01T10:01:00+00:00
provider = "{provider}"
model = "m"
system_prompt = ""
message_count = 2
parameters = {parameters}
backend_state = {{ turns = 5, who = "before" }}

[[messages]]
id = "q1"
role = "user"
created = 2025-01-01T10:00:00+00:00
status = "complete"
content = "hello"

[[messages]]
id = "a1"
role = "assistant"
created = 2025-01-01T10:00:01+00:00
status = "complete"
content = "hi"
provider = "{provider}"
model = "m"
"""


def write_old(config: Path, provider: str, parameters: str = "{}") -> str:
    paths = Paths.resolve(config)
    paths.ensure()
    conversation_id = "0123456789abcdef0123456789abcdef"
    (paths.conversations_dir / f"{conversation_id}.toml").write_text(
        OLD_FILE.format(id=conversation_id, provider=provider, parameters=parameters),
        encoding="utf-8",
    )
    return conversation_id


async def test_an_older_file_with_one_state_gives_it_to_its_provider(
    tmp_path: Path, two: tuple[type[Stateful], type[Stateful], Catalog]
) -> None:
    a, b, catalog = two
    conversation_id = write_old(tmp_path / "config", "a")
    session = new_session(tmp_path / "config", catalog)
    loaded = session.open(conversation_id)
    assert [m.content for m in loaded.messages] == ["hello", "hi"]
    assert await turn(session, ModelChoice("b", "m"), "two") == "b turn 1"
    assert await turn(session, ModelChoice("a", "m"), "three") == "a turn 6"
    assert b.handed == [None]
    assert a.handed == [{"turns": 5, "who": "before"}]
    data = on_disk(session)
    assert data["provider_state"]["a"] == {"turns": 6, "who": "a"}
    # Saved in the new shape once: reading it again does not hand the old state to the
    # provider now in use (b).
    again = new_session(tmp_path / "config", catalog)
    again.open(conversation_id)
    assert await turn(again, ModelChoice("b", "m"), "four") == "b turn 2"


# --- against a loopback g4f-style backend ------------------------------------------------


@pytest.fixture
async def backend() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """A g4f-style backend whose upstream providers keep a turn count in the state they
    send (`conversation` events), from the `conversation` the request carries."""
    bodies: list[dict[str, Any]] = []

    async def conversation(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        bodies.append(body)
        upstream = body.get("provider") or "Auto"
        state = body.get("conversation") or {}
        turn = state.get("turn", 0) + 1
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        events = [
            {"type": "provider", "provider": {"name": upstream, "model": body.get("model")}},
            {"type": "content", "content": f"{upstream} turn {turn}"},
            {"type": "conversation", "conversation": {"upstream": upstream, "turn": turn}},
            {"type": "finish", "finish": {"reason": "stop"}},
        ]
        for event in events:
            await response.write(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode())
        return response

    app = web.Application()
    app.router.add_post("/backend-api/v2/conversation", conversation)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}", bodies
    await runner.cleanup()


def backend_catalog(url: str) -> Catalog:
    settings = Settings()
    settings.backends = [Backend("g4f", url), Backend("pinned", url, provider="Alpha")]
    settings.openai = []
    settings.dynaspark.enabled = False
    return Catalog.from_settings(settings, {}, {})


async def test_each_backend_provider_gets_its_own_state_back_from_a_g4f_backend(
    tmp_path: Path, backend: tuple[str, list[dict[str, Any]]]
) -> None:
    url, bodies = backend
    session = new_session(tmp_path / "config", backend_catalog(url))
    session.new_conversation()
    said = [
        await turn(session, ModelChoice("g4f", "m", "Alpha"), "one"),
        await turn(session, ModelChoice("g4f", "m", "Beta"), "two"),
        await turn(session, ModelChoice("g4f", "m"), "three"),  # the server chooses
        await turn(session, ModelChoice("g4f", "m", "Alpha"), "four"),
        # A backend whose settings name Alpha: a provider of its own, with its own state.
        await turn(session, ModelChoice("pinned", "m"), "five"),
        await turn(session, ModelChoice("g4f", "m", "Beta"), "six"),
    ]
    assert said == [
        "Alpha turn 1",
        "Beta turn 1",
        "Auto turn 1",
        "Alpha turn 2",
        "Alpha turn 1",
        "Beta turn 2",
    ]
    assert [body.get("conversation") for body in bodies] == [
        None,
        None,
        None,
        {"upstream": "Alpha", "turn": 1},
        None,
        {"upstream": "Beta", "turn": 1},
    ]
    assert on_disk(session)["provider_state"] == {
        "g4f via Alpha": {"upstream": "Alpha", "turn": 2},
        "g4f via Beta": {"upstream": "Beta", "turn": 2},
        "g4f": {"upstream": "Auto", "turn": 1},
        "pinned via Alpha": {"upstream": "Alpha", "turn": 1},
    }


async def test_an_older_g4f_conversation_hands_its_one_state_to_the_backend(
    tmp_path: Path, backend: tuple[str, list[dict[str, Any]]]
) -> None:
    url, bodies = backend
    conversation_id = write_old(tmp_path / "config", "g4f", '{ via = "Beta" }')
    session = new_session(tmp_path / "config", backend_catalog(url))
    session.open(conversation_id)
    assert session.choice == ModelChoice("g4f", "m", "Beta")
    assert await turn(session, ModelChoice("g4f", "m", "Alpha"), "two") == "Alpha turn 1"
    await turn(session, ModelChoice("g4f", "m", "Beta"), "three")
    assert bodies[-1]["conversation"] == {"turns": 5, "who": "before"}
