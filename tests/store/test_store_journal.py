"""An answer's journal: words on disk as they arrive, folded into the file by the next reader.

A second `ConversationStore` on the same folder stands in for the next tui-chat process:
the journal's lock is an flock on its own open file, which two opens conflict on even
within one process.
"""

from __future__ import annotations

import os

from tui_chat.store import Conversation, ConversationStore, Message, Paths


def killed_while_writing(
    paths: Paths, conversation: Conversation, answer: Message, *writes: tuple[str, str]
) -> None:
    """A child process starts the journal, writes, and dies without a word (os._exit)."""
    pid = os.fork()
    if pid == 0:
        try:
            journal = ConversationStore(paths).start_journal(conversation.id, answer)
            assert journal is not None
            for text, reasoning in writes:
                journal.write(text, reasoning)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def question_saved(store: ConversationStore) -> tuple[Conversation, Message]:
    """A conversation saved with its question, and an answer that has only begun."""
    conversation = Conversation(title="t", provider="local", model="m")
    conversation.messages.append(Message(role="user", content="tell me"))
    store.save(conversation)
    answer = Message(role="assistant", content="", provider="local", model="m")
    answer.status = "streaming"
    conversation.messages.append(answer)
    return conversation, answer


def test_words_written_to_the_journal_survive_a_crash(paths: Paths, store: ConversationStore):
    conversation, answer = question_saved(store)
    killed_while_writing(
        paths, conversation, answer, ("Once upon", "hmm"), ("Once upon a time", "hmm, a story")
    )
    loaded = ConversationStore(paths).load(conversation.id)
    user, folded = loaded.messages
    assert user.content == "tell me"
    assert (folded.id, folded.content, folded.reasoning) == (
        answer.id,
        "Once upon a time",
        "hmm, a story",
    )
    assert folded.status == "stopped"
    assert (folded.provider, folded.model) == ("local", "m")
    # Folded into the file, once: the journal is gone and a third reader sees the same.
    assert not store.journal_path(conversation.id).exists()
    assert ConversationStore(paths).load(conversation.id).messages[1].content == "Once upon a time"


def test_a_torn_last_line_loses_only_itself(paths: Paths, store: ConversationStore):
    conversation, answer = question_saved(store)
    killed_while_writing(paths, conversation, answer, ("kept", ""))
    with open(store.journal_path(conversation.id), "ab") as f:
        f.write(b'{"t": " and then the cr')  # a write the kill cut in half
    loaded = ConversationStore(paths).load(conversation.id)
    assert loaded.messages[-1].content == "kept"


def test_a_continued_answer_keeps_its_start(paths: Paths, store: ConversationStore):
    conversation, answer = question_saved(store)
    answer.content, answer.status = "First part. ", "stopped"
    store.save(conversation)
    killed_while_writing(paths, conversation, answer, ("First part. Second part.", ""))
    loaded = ConversationStore(paths).load(conversation.id)
    assert loaded.messages[-1].content == "First part. Second part."
    assert loaded.messages[-1].status == "stopped"


def test_a_journal_still_being_written_is_left_alone(paths: Paths, store: ConversationStore):
    conversation, answer = question_saved(store)
    journal = store.start_journal(conversation.id, answer)
    assert journal is not None
    journal.write("still going", "")
    other = ConversationStore(paths)
    assert [m.role for m in other.load(conversation.id).messages] == ["user"]
    assert store.journal_path(conversation.id).exists()  # its writer goes on
    summaries, _ = other.list()
    assert summaries[0].message_count == 1
    # The answer ends: saved whole, the journal removed.
    answer.content, answer.status = "still going, done", "complete"
    store.save(conversation)
    journal.close()
    assert not store.journal_path(conversation.id).exists()
    assert ConversationStore(paths).load(conversation.id).messages[-1].status == "complete"


def test_listing_folds_left_over_journals(paths: Paths, store: ConversationStore):
    conversation, answer = question_saved(store)
    killed_while_writing(paths, conversation, answer, ("an answer", ""))
    summaries, problems = ConversationStore(paths).list()
    assert problems == []
    assert summaries[0].message_count == 2
    assert not store.journal_path(conversation.id).exists()


def test_deleting_a_conversation_takes_its_journal_too(paths: Paths, store: ConversationStore):
    conversation, answer = question_saved(store)
    journal = store.start_journal(conversation.id, answer)
    assert journal is not None
    journal.write("x", "")
    store.delete(conversation.id)
    assert not store.journal_path(conversation.id).exists()
