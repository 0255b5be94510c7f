"""Answer variants, edited questions kept as branches, and forks, in the session alone
(tui_chat/branches.py, session.py): what the model is asked and what lands on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tui_chat.session import ChatSession
from tui_chat.store import ConversationStore

from .test_session import Scripted, answer, make_session, on_disk


@pytest.fixture
def session(tmp_path: Path) -> ChatSession:
    return make_session(tmp_path)


def asked_texts() -> list[str]:
    """The contents of the messages of the last request."""
    return [m["content"] for m in Scripted.asked[-1]["messages"] if m["role"] != "system"]


async def ask(session: ChatSession, text: str, words: list[str], **kwargs: Any) -> None:
    Scripted.words = words
    session.add_question(text, **kwargs)
    await answer(session)


async def retry(session: ChatSession, words: list[str]) -> None:
    Scripted.words = words
    await answer(session, replacing=session.conversation.messages[-1])


async def test_retry_adds_a_variant_and_nothing_is_lost(session: ChatSession) -> None:
    await ask(session, "Q", ["first"])
    await retry(session, ["second"])
    await retry(session, ["third"])
    messages = session.conversation.messages
    assert [m.content for m in messages] == ["Q", "third"]
    assert messages[1].variant == 2
    assert [[m.content for m in b] for b in messages[1].variants] == [["first"], ["second"]]
    # The retry asked the question alone, not with the answer it replaced.
    assert asked_texts() == ["Q"]
    data = on_disk(session)
    assert data["schema"] == 2 and data["message_count"] == 2
    hidden = data["messages"][1]["variants"]
    assert [b["messages"][0]["content"] for b in hidden] == ["first", "second"]


async def test_the_conversation_goes_on_from_the_variant_shown(session: ChatSession) -> None:
    await ask(session, "Q", ["first"])
    await retry(session, ["second"])
    shown = session.show_variant(1, -1)  # ‹: back to the first
    assert [m.content for m in shown] == ["first"]
    assert session.conversation.messages[1].variant == 0
    await ask(session, "Q2", ["after first"])
    assert asked_texts() == ["Q", "first", "Q2"]
    # Flip back to the second: what followed the first goes with it, as a branch.
    session.show_variant(1, 1)
    assert [m.content for m in session.conversation.messages] == ["Q", "second"]
    session.save()
    reopened = ConversationStore(session.store.paths).load(session.conversation.id)
    assert [m.content for m in reopened.messages] == ["Q", "second"]
    reopened_first = reopened.messages[1].variants[0]
    assert [m.content for m in reopened_first] == ["first", "Q2", "after first"]
    # Flipping wraps around: › from the last is the first.
    session.show_variant(1, 1)
    assert [m.content for m in session.conversation.messages] == [
        "Q", "first", "Q2", "after first"]


async def test_an_edit_keeps_the_old_question_and_answer_as_a_branch(
    session: ChatSession,
) -> None:
    await ask(session, "Q1", ["A1"])
    await ask(session, "Q2 with a typo", ["A2"])
    old = session.conversation.messages[2]
    await ask(session, "Q2", ["A2 again"], replacing=old)
    messages = session.conversation.messages
    assert [m.content for m in messages] == ["Q1", "A1", "Q2", "A2 again"]
    assert [[m.content for m in b] for b in messages[2].variants] == [["Q2 with a typo", "A2"]]
    assert asked_texts() == ["Q1", "A1", "Q2"]
    assert session.conversation.title == "Q1"
    data = on_disk(session)
    assert data["messages"][2]["variants"][0]["messages"][1]["content"] == "A2"


async def test_editing_the_first_question_retitles(session: ChatSession) -> None:
    await ask(session, "Tpyo title", ["A"])
    await ask(session, "Typo title", ["B"], replacing=session.conversation.messages[0])
    assert session.conversation.title == "Typo title"
    assert session.conversation.messages[0].variants[0][0].content == "Tpyo title"


async def test_fork_copies_the_path_up_to_a_message(session: ChatSession) -> None:
    await ask(session, "Q1", ["A1"])
    await retry(session, ["A1 bis"])
    await ask(session, "Q2", ["A2"])
    original = session.conversation
    before = on_disk(session)
    forked = session.fork(1)
    assert session.conversation is forked and forked.id != original.id
    assert [m.content for m in forked.messages] == ["Q1", "A1 bis"]
    assert all(not m.variants for m in forked.messages)
    assert forked.title == "Q1 (fork)"
    assert (forked.provider, forked.model) == (original.provider, original.model)
    assert {m.id for m in forked.messages}.isdisjoint(m.id for m in original.messages)
    # Saved; the original untouched on disk.
    assert session.store is not None
    assert len(session.store.load(forked.id).messages) == 2
    assert session.store.load(original.id).messages[1].variants
    session.conversation = original
    assert on_disk(session) == before
    # The fork goes on by itself.
    session.conversation = forked
    await ask(session, "Q3", ["A3"])
    assert asked_texts() == ["Q1", "A1 bis", "Q3"]


async def test_export_lists_every_variant_after_the_conversation(session: ChatSession) -> None:
    from tui_chat.export import conversation_to_markdown

    await ask(session, "Q", ["first"])
    await retry(session, ["second"])
    await ask(session, "Q2", ["A2"])
    session.show_variant(1, -1)  # the first answer shown; "second", Q2, A2 its variant
    text = conversation_to_markdown(session.conversation)
    main, others = text.split("## Other variants")
    assert "variant 1 of 2" in main and "first" in main and "A2" not in main
    assert "### Message 2, variant 2 of 2" in others
    assert others.index("second") < others.index("Q2") < others.index("A2")


async def test_several_models_at_once_each_answer_is_kept(session: ChatSession) -> None:
    from tui_chat.catalog import Catalog, ProviderEntry
    from tui_chat.model_choice import ModelChoice

    from .test_session import Scripted as Base

    class Slow(Base):
        words = ["slow ", "answer"]

    class Broken(Base):
        @classmethod
        async def create_async_generator(cls, model, messages, media=None, **kwargs):  # type: ignore[override]
            yield "half "
            raise RuntimeError("upstream went away")

    session.catalog = Catalog([
        ProviderEntry("plain", Base), ProviderEntry("slow", Slow), ProviderEntry("broken", Broken)
    ])
    Scripted.words = ["fast answer"]
    session.add_question("Q")
    choices = [ModelChoice("plain", "m1"), ModelChoice("slow", "s"), ModelChoice("broken", "b")]
    answers = session.start_answers(choices)
    assert session.store is not None
    # Each streams into its own journal while the others do.
    journals = session.store.journal_paths(session.conversation.id)
    assert len(journals) == 3

    async def run(answer) -> None:
        try:
            async for item in await session.open_stream(answer):
                answer.recorder.feed(item)
            answer.recorder.finish()
        except RuntimeError as error:
            answer.recorder.fail(error)
        session.save_answer(answer)

    import asyncio

    await asyncio.gather(*(run(a) for a in answers))
    assert not session.store.journal_paths(session.conversation.id)
    messages = session.conversation.messages
    assert [m.content for m in messages] == ["Q", "fast answer"]
    hidden = [branch[0] for branch in messages[1].variants]
    assert [(m.provider, m.content, m.status) for m in hidden] == [
        ("slow", "slow answer", "complete"), ("broken", "half ", "failed")]
    # Each was asked the same question.
    data = on_disk(session)
    assert [b["messages"][0]["content"] for b in data["messages"][1]["variants"]] == [
        "slow answer", "half "]
    # Going on with the second one.
    session.show_variant(1, 1)
    await ask(session, "Q2", ["ok"])
    assert asked_texts() == ["Q", "slow answer", "Q2"]
