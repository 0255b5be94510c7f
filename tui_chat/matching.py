"""Fuzzy matching of typed words against a few short fields (provider, backend provider,
model id), for the model picker. No Textual here: the picker turns the positions into
highlights.

Each typed word must be found, as a subsequence, in one of the fields; words may come in
any order. A word scores more when its letters run together and start words of the field
("flash" in "gemini-2.0-flash" beats "f…l…a…s…h" scattered), and most when it is the whole
field. Scores are small whole numbers on purpose: matches of the same quality tie, so the
caller can rank ties by recent use and then by its own order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: What a matched character is worth, and the bonuses on top.
CHARACTER, WORD_START, RUN, WHOLE_FIELD = 1, 2, 2, 3
#: How many places to start a scattered match from, at most (word starts first).
_TRIES = 6


def words_of(text: str) -> tuple[str, ...]:
    """The typed words, lowered, each once, in the order typed."""
    return tuple(dict.fromkeys(text.lower().split()))


def word_starts(text: str) -> frozenset[int]:
    """Where words begin in a field: after a separator, at a capital after a small letter
    (camelCase), and where letters and digits meet ("llama3", "g4f")."""
    starts: set[int] = set()
    previous = ""
    for index, char in enumerate(text):
        if char.isalnum() and (
            not previous.isalnum()
            or (char.isupper() and previous.islower())
            or (char.isdigit() != previous.isdigit())
        ):
            starts.add(index)
        previous = char
    return frozenset(starts)


@dataclass(frozen=True, slots=True)
class Field:
    """One field prepared once for many queries: its lowered text and its word starts."""

    text: str
    lowered: str
    starts: frozenset[int]
    ordered_starts: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> Field:
        starts = word_starts(text)
        return cls(text, text.lower(), starts, tuple(sorted(starts)))


@dataclass(frozen=True, slots=True)
class Haystack:
    """The fields one candidate is matched on (empty fields are left out)."""

    fields: tuple[Field, ...]

    @classmethod
    def of(cls, texts: Sequence[str]) -> Haystack:
        return cls(tuple(Field.of(text) for text in texts if text))


@dataclass(frozen=True, slots=True)
class Match:
    """How well a candidate matched, and the matched characters of each field."""

    score: int
    positions: tuple[frozenset[int], ...]

    def joined(self, haystack: Haystack, separator: str) -> list[int]:
        """The matched characters' offsets in `separator.join(field texts)`."""
        offsets: list[int] = []
        base = 0
        for field, positions in zip(haystack.fields, self.positions, strict=True):
            offsets.extend(base + position for position in sorted(positions))
            base += len(field.text) + len(separator)
        return offsets


def score_positions(field: Field, positions: Sequence[int], word: str) -> int:
    """The worth of one word matched at these positions (ascending) of a field."""
    score = 0
    previous = -2
    for position in positions:
        score += CHARACTER
        if position in field.starts:
            score += WORD_START
        if position == previous + 1:
            score += RUN
        previous = position
    if word == field.lowered:
        score += WHOLE_FIELD
    return score


def _is_subsequence(word: str, text: str, start: int) -> bool:
    position = start - 1
    for char in word:
        position = text.find(char, position + 1)
        if position < 0:
            return False
    return True


def _scattered(field: Field, word: str, first: int) -> list[int] | None:
    """A match of `word` starting at `first`: each next letter right after the previous
    one when it is there, else at the next word start that leaves room for the rest,
    else at its next occurrence."""
    text, starts = field.lowered, field.starts
    positions = [first]
    for index in range(1, len(word)):
        char, previous = word[index], positions[-1]
        if previous + 1 < len(text) and text[previous + 1] == char:
            positions.append(previous + 1)
            continue
        nearest = text.find(char, previous + 1)
        if nearest < 0:
            return None
        chosen = nearest
        if nearest not in starts:
            later = text.find(char, nearest + 1)
            while later >= 0:
                if later in starts:
                    if _is_subsequence(word[index + 1 :], text, later + 1):
                        chosen = later
                    break
                later = text.find(char, later + 1)
        positions.append(chosen)
    return positions


def match_word(field: Field, word: str) -> tuple[int, list[int]] | None:
    """The best match of one word in one field: (score, positions), or None."""
    text = field.lowered
    if len(word) > len(text):
        return None
    found = text.find(word)
    if found >= 0:
        # The word appears whole: the first occurrence at a word start is the best there
        # is (ties with later ones); else the first occurrence.
        best = found
        while found >= 0 and found not in field.starts:
            found = text.find(word, found + 1)
        if found >= 0:
            best = found
        positions = list(range(best, best + len(word)))
        return score_positions(field, positions, word), positions
    if not _is_subsequence(word, text, 0):
        return None
    first_char = word[0]
    # From the first occurrence a match always exists; word starts may give better ones.
    firsts = [text.find(first_char)]
    firsts += [index for index in field.ordered_starts if text[index] == first_char]
    result: tuple[int, list[int]] | None = None
    for first in dict.fromkeys(firsts[:_TRIES]):
        positions = _scattered(field, word, first)
        if positions is None:
            continue
        score = score_positions(field, positions, word)
        if result is None or score > result[0]:
            result = score, positions
    return result


#: Results of `match_word` by (word, field text): providers' names repeat in every row.
WordCache = dict[tuple[str, str], "tuple[int, list[int]] | None"]


def match(words: Sequence[str], haystack: Haystack, cache: WordCache | None = None) -> Match | None:
    """Every word matched in some field (each its best field), or None when one is not
    found anywhere. No words: everything matches, with score 0."""
    total = 0
    positions: list[set[int]] = [set() for _ in haystack.fields]
    for word in words:
        best: tuple[int, list[int]] | None = None
        best_field = -1
        for index, field in enumerate(haystack.fields):
            if cache is None:
                found = match_word(field, word)
            else:
                key = (word, field.text)
                if key in cache:
                    found = cache[key]
                else:
                    found = cache[key] = match_word(field, word)
            if found is not None and (best is None or found[0] > best[0]):
                best, best_field = found, index
        if best is None:
            return None
        total += best[0]
        positions[best_field].update(best[1])
    return Match(total, tuple(frozenset(p) for p in positions))


def rank(
    words: Sequence[str], haystacks: Sequence[Haystack], recency: Sequence[int | None]
) -> list[tuple[int, Match | None]]:
    """(index, match) of the haystacks that match every word, best first: by match
    quality, then recent use (`recency[i]`: 0 the latest, None never), then index.
    No words: all of them, recent first."""
    never = len(haystacks)

    def recent(index: int) -> int:
        place = recency[index]
        return never if place is None else place

    if not words:
        return [(index, None) for index in sorted(range(never), key=lambda i: (recent(i), i))]
    cache: WordCache = {}
    found: list[tuple[int, int, int, Match]] = []
    for index, haystack in enumerate(haystacks):
        matched = match(words, haystack, cache)
        if matched is not None:
            found.append((-matched.score, recent(index), index, matched))
    found.sort(key=lambda row: row[:3])
    return [(index, matched) for _, _, index, matched in found]
