"""Fuzzy matching for the model picker (tui_chat/matching.py): words in any order, each a
subsequence of one field, runs and word starts scoring more, ties left to the caller."""

from __future__ import annotations

import time

from tui_chat.matching import (
    Haystack,
    match,
    match_word,
    rank,
    word_starts,
    words_of,
)


def labels(found: list[tuple[int, object]], rows: list[tuple[str, ...]]) -> list[str]:
    return [" › ".join(rows[index]) for index, _ in found]


def test_words_are_lowered_split_and_kept_once() -> None:
    assert words_of("  Gemini  FLASH gemini ") == ("gemini", "flash")
    assert words_of("   ") == ()


def test_word_starts_after_separators_at_capitals_and_digits() -> None:
    assert sorted(word_starts("gemini-2.0-flash")) == [0, 7, 9, 11]
    assert sorted(word_starts("PollinationsAI")) == [0, 12]
    assert sorted(word_starts("llama3.2:latest")) == [0, 5, 7, 9]


def test_words_match_in_any_order_across_fields() -> None:
    haystack = Haystack.of(["Dynaspark", "gemini-2.0-flash"])
    for typed in ("gemini flash", "flash gemini", "geminiflash", "dyn flash", "flash DYN"):
        assert match(words_of(typed), haystack) is not None, typed
    assert match(words_of("gemini flash"), haystack) == match(words_of("flash gemini"), haystack)


def test_every_word_must_match_somewhere() -> None:
    haystack = Haystack.of(["local", "echo"])
    assert match(words_of("echo"), haystack) is not None
    assert match(words_of("echo up"), haystack) is None
    assert match(words_of("ehco"), haystack) is None  # a subsequence keeps the order


def test_a_word_matches_within_one_field_not_across_the_separator() -> None:
    # "lg" would be l(ocal) + g(ated) across fields: not a match of one word.
    assert match(words_of("lg"), Haystack.of(["local", "gated"])) is None
    assert match(words_of("l g"), Haystack.of(["local", "gated"])) is not None


def test_runs_and_word_starts_score_higher() -> None:
    field = Haystack.of(["gemini-2.0-flash"]).fields[0]
    run = match_word(field, "flash")
    scattered = match_word(field, "fls")
    assert run is not None and scattered is not None
    assert run[1] == [11, 12, 13, 14, 15]
    # "g f": word starts beat earlier letters inside words.
    found = match_word(field, "gf")
    assert found is not None and found[1] == [0, 11]
    whole = match_word(Haystack.of(["gated"]).fields[0], "gated")
    inside = match_word(Haystack.of(["long-1000-gated"]).fields[0], "gated")
    assert whole is not None and inside is not None and whole[0] > inside[0]


def test_a_scattered_word_prefers_word_starts_that_leave_room_for_the_rest() -> None:
    field = Haystack.of(["claude-sonnet-4-5"]).fields[0]
    found = match_word(field, "cs4")
    assert found is not None and found[1] == [0, 7, 14]
    # "b" at the word start after the last "-", when "c" still follows it...
    found = match_word(Haystack.of(["a-xbc-bc"]).fields[0], "abc")
    assert found is not None and found[1] == [0, 6, 7]
    # ...but not when that would leave no room for "c": the nearest "b" then.
    found = match_word(Haystack.of(["a-xbc-b"]).fields[0], "abc")
    assert found is not None and found[1] == [0, 3, 4]


def test_positions_in_the_joined_label() -> None:
    rows = Haystack.of(["local", "gemini-flash"])
    found = match(words_of("flash lo"), rows)
    assert found is not None
    label = " › ".join(field.text for field in rows.fields)
    assert "".join(label[i] for i in found.joined(rows, " › ")) == "loflash"


def test_empty_fields_are_left_out() -> None:
    haystack = Haystack.of(["local", "", "echo"])
    assert [field.text for field in haystack.fields] == ["local", "echo"]


def test_rank_by_quality_then_recent_use_then_order() -> None:
    rows = [
        ("local", "long-1000"),
        ("local", "long-1000-gated"),
        ("local", "gated"),
        ("backend", "Alpha", "a-1"),
    ]
    haystacks = [Haystack.of(row) for row in rows]
    never = [None, None, None, None]
    # Equal quality: the catalog's order.
    assert labels(rank(words_of("1000"), haystacks, never), rows) == [
        "local › long-1000",
        "local › long-1000-gated",
    ]
    # Equal quality: the recent one first.
    assert labels(rank(words_of("1000"), haystacks, [None, 0, None, None]), rows)[0] == (
        "local › long-1000-gated"
    )
    # Better quality beats recent use: the whole field "gated" first.
    assert labels(rank(words_of("gated"), haystacks, [None, 0, None, None]), rows) == [
        "local › gated",
        "local › long-1000-gated",
    ]
    # No words: everything, recent first (latest first), then in order.
    assert labels(rank((), haystacks, [None, 1, None, 0]), rows) == [
        "backend › Alpha › a-1",
        "local › long-1000-gated",
        "local › long-1000",
        "local › gated",
    ]


def test_two_thousand_candidates_per_keystroke_are_fast() -> None:
    rows = [
        (f"provider{i % 9}", f"Backend{i % 40}", f"model-{i}-{'flash' if i % 7 else 'pro'}")
        for i in range(2000)
    ]
    haystacks = [Haystack.of(row) for row in rows]
    recency = [None] * len(rows)
    for typed in ("f", "fl", "flash", "pro 7", "zz"):
        started = time.perf_counter()
        rank(words_of(typed), haystacks, recency)
        # Generous for a loaded test machine; measured ~10 ms for one letter.
        assert time.perf_counter() - started < 0.25, typed
