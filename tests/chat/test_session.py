"""The chat session (tui_chat/session.py) on its own: no Textual, no server.

The provider is an in-process class following the provider contract; what it was asked
and what lands on disk are checked.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tui_chat.catalog import Catalog, ProviderEntry
from tui_chat.model_choice import ModelChoice
from tui_chat.providers.base import AsyncGeneratorProvider
from tui_chat.session import CONTINUE_PROMPT, ChatSession
from tui_chat.store import ConversationStore, Paths
from tui_chat.store.settings import Settings

REPO = Path(__file__).resolve().parents[2]


class Scripted(AsyncGeneratorProvider):
    """Yields its words and records what it was asked."""

    words: ClassVar[list[str]] = ["Hello ", "there."]
    asked: ClassVar[list[dict[str, Any]]] = []

    @classmethod
    async def create_async_generator(cls, model, messages, media=None, **kwargs):  # type: ignore[override]
        cls.asked.append({"model": model, "messages": messages, "media": media, **kwargs})
        for word in cls.words:
            yield word


class Continuing(Scripted):
    continues_answers = True
    asked: ClassVar[list[dict[str, Any]]] = []


@pytest.fixture
def session(tmp_path: Path) -> ChatSession:
    return make_session(tmp_path)


def make_session(tmp_path: Path) -> ChatSession:
    """A session saving under tmp_path, asking Scripted ("plain", model m1)."""
    Scripted.words = ["Hello ", "there."]
    Scripted.asked.clear()
    Continuing.asked.clear()
    paths = Paths.resolve(tmp_path / "config")
    paths.ensure()
    settings = Settings()
    settings.request.system_prompt = "Be brief."
    catalog = Catalog([ProviderEntry("plain", Scripted), ProviderEntry("cont", Continuing)])
    chat = ChatSession(settings, catalog, ConversationStore(paths))
    chat.choice = ModelChoice("plain", "m1")
    chat.new_conversation()
    return chat


async def answer(session: ChatSession, **kwargs: Any) -> None:
    started = session.start_answer(**kwargs)
    stream = await session.open_stream(started)
    async for item in stream:
        started.recorder.feed(item)
    started.recorder.finish()
    session.save_answer(started)


def on_disk(session: ChatSession) -> dict[str, Any]:
    assert session.store is not None
    path = session.store.path_for(session.conversation.id)
    return tomllib.loads(path.read_text(encoding="utf-8"))


async def test_a_turn_asks_with_the_history_and_lands_on_disk(session: ChatSession) -> None:
    session.add_question("What is up?\n(second line)")
    session.save()
    await answer(session)
    [asked] = Scripted.asked
    assert asked["model"] == "m1"
    assert asked["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is up?\n(second line)"},
    ]
    data = on_disk(session)
    assert data["title"] == "What is up?"
    assert [(m["role"], m["content"], m["status"]) for m in data["messages"]] == [
        ("user", "What is up?\n(second line)", "complete"),
        ("assistant", "Hello there.", "complete"),
    ]
    assert data["messages"][1]["provider"] == "plain"
    # The journal is gone once the file holds the answer.
    assert session.store is not None
    assert not session.store.journal_path(session.conversation.id).exists()


async def test_continue_asks_each_provider_the_way_it_can(session: ChatSession) -> None:
    for provider, kind in (("plain", Scripted), ("cont", Continuing)):
        session.choice = ModelChoice(provider, "m1")
        session.new_conversation()
        session.add_question("go")
        started = session.start_answer()
        started.recorder.feed("Half")
        started.recorder.stop()
        session.save_answer(started)
        stopped = session.conversation.messages[-1]
        stopped.error = "was stopped"
        await answer(session, continue_from=stopped)
        assert stopped.content == "HalfHello there."
        assert stopped.status == "complete" and stopped.error == ""
        [asked] = kind.asked
        if kind is Continuing:
            assert asked["action"] == "continue"
            assert asked["messages"][-1] == {"role": "assistant", "content": "Half"}
        else:
            assert "action" not in asked
            assert asked["messages"][-1] == {"role": "user", "content": CONTINUE_PROMPT}


def test_a_provider_that_takes_one_image_says_how_many_are_left_out(tmp_path: Path) -> None:
    class OneImage(Scripted):
        max_images = 1

    chat = ChatSession(Settings(), Catalog([ProviderEntry("one", OneImage)]), None)
    chat.choice = ModelChoice("one", "m")
    assert chat.images_over_limit(["a", "b", "c"]) == 2
    chat.choice = ModelChoice("missing", "m")
    assert chat.images_over_limit(["a", "b"]) == 0


def test_the_layers_below_the_ui_never_import_textual() -> None:
    """providers/, store/, catalog, the model choice and rows, chat, plugins, the managed
    server, the session and the CLI's ask import neither Textual nor ui/ (the CLI starts
    fast and the rules live in one place)."""
    code = (
        "import sys, tui_chat.providers, tui_chat.store, tui_chat.catalog, tui_chat.chat, "
        "tui_chat.model_choice, tui_chat.model_rows, tui_chat.matching, tui_chat.plugins, "
        "tui_chat.managed, tui_chat.session, tui_chat.commands.ask; "
        "bad = [m for m in sys.modules if m.startswith(('textual', 'tui_chat.ui'))]; "
        "print(bad); sys.exit(bool(bad))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
