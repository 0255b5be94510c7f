"""Search: which message matched, the words around it, case and accents ignored; and the
cheap check that tells the app the folder changed."""

from __future__ import annotations

import os
import time

from tui_chat.store import Conversation, ConversationStore, Message
from tui_chat.store.search import find_folded, fold, snippet


def test_folding_ignores_case_and_accents() -> None:
    assert fold("Café CRÈME Straße") == "cafe creme strasse"
    assert fold("ﬁne") == "fine"  # compatibility forms decompose
    assert fold("plain ascii") == "plain ascii"


def test_a_match_is_placed_in_the_original_characters() -> None:
    text = "Un café crème, s'il vous plaît"
    start, end = find_folded(text, fold("CAFE CREME"))
    assert text[start:end] == "café crème"
    text = "die Straße hier"
    start, end = find_folded(text, "strasse")
    assert text[start:end] == "Straße"
    text = "e\u0301te\u0301 (decomposed)"
    start, end = find_folded(text, "ete")
    assert text[start:end] == "e\u0301te\u0301"
    assert find_folded("nothing here", "absent") is None


def test_a_snippet_is_one_line_around_the_match() -> None:
    text = "word " * 100 + "the\nNEEDLE\tis   here" + " tail" * 100
    start = text.index("NEEDLE")
    shown = snippet(text, start, start + len("NEEDLE"))
    assert shown.match == "NEEDLE"
    assert shown.before.startswith("…") and shown.before.endswith("word the ")
    assert shown.after.startswith(" is here tail") and shown.after.endswith("…")
    assert "\n" not in shown.text and "\t" not in shown.text and "  " not in shown.text
    short = snippet("find me", 0, 4)
    assert (short.before, short.match, short.after) == ("", "find", " me")


def test_find_names_the_first_matching_message(store: ConversationStore) -> None:
    messages = [Message("user", f"question {i}") for i in range(4)]
    messages.append(Message("assistant", "An answer about the Crème brûlée.", model="m-1"))
    messages.append(Message("user", "more creme brulee please"))
    dessert = Conversation(title="Dessert", messages=messages)
    other = Conversation(title="Other", messages=[Message("user", "nothing to see")])
    store.save(dessert)
    store.save(other)
    [hit] = store.find("CREME BRULEE")
    assert hit.summary.id == dessert.id and hit.title_match is None
    assert hit.message is not None
    assert (hit.message.index, hit.message.id) == (4, messages[4].id)
    assert (hit.message.role, hit.message.model) == ("assistant", "m-1")
    assert hit.message.snippet.match == "Crème brûlée"
    assert hit.message.snippet.before == "An answer about the "
    assert hit.message.snippet.after == "."


def test_a_title_match_alone_shows_the_first_message(store: ConversationStore) -> None:
    c = Conversation(title="Trip to Zürich", messages=[Message("user", "where to\neat?")])
    store.save(c)
    [hit] = store.find("zurich")
    assert hit.title_match == (8, 14) and hit.message is None
    assert hit.preview is not None and hit.preview.text == "where to eat?"


def test_words_the_file_escapes_are_found(store: ConversationStore) -> None:
    c = Conversation(title="t", messages=[Message("user", 'say "hi"\nthen\\go')])
    store.save(c)
    [hit] = store.find('"HI"\nthen\\')
    assert hit.message is not None and hit.message.snippet.match == '"hi" then\\'
    assert store.find("absent") == []


def test_a_search_stops_when_asked(store: ConversationStore) -> None:
    for i in range(3):
        store.save(Conversation(title=f"same {i}", messages=[Message("user", "same")]))
    asked = []

    def stop() -> bool:
        asked.append(1)
        return len(asked) > 1

    assert len(store.find("same", stop)) == 1
    assert len(store.find("same")) == 3


def _age(folder) -> None:
    """Make the folder's time old, as if the last change was long ago."""
    past = time.time() - 60
    os.utime(folder, (past, past))


def test_changed_on_disk_sees_another_writer(store: ConversationStore, paths) -> None:
    assert store.changed_on_disk() is False  # nothing listed yet: the app lists anyway
    store.save(Conversation(title="mine", messages=[Message("user", "a")]))
    store.list()  # writes the index, itself a change of the folder
    _age(paths.conversations_dir)
    store.list()
    assert store.changed_on_disk() is False
    other = ConversationStore(paths)  # another process: `tui-chat ask`
    other.save(Conversation(title="theirs", messages=[Message("user", "b")]))
    assert store.changed_on_disk() is True
    assert [s.title for s in store.list()[0]] == ["theirs", "mine"]
    _age(paths.conversations_dir)  # (the listing rewrote the index: one more look)
    store.list()
    assert store.changed_on_disk() is False


def test_a_change_in_the_same_tick_as_the_listing_is_not_missed(store, paths) -> None:
    store.save(Conversation(title="mine", messages=[Message("user", "a")]))
    store.list()  # the folder changed just now: its time may not show the next change
    assert store.changed_on_disk() is True
