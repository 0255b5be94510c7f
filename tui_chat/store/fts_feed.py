"""What the search index's FTS5 tokenizer gets of a text, and what was typed as an FTS5 query."""

from __future__ import annotations

import re
from collections.abc import Callable

from tui_chat.store.search import fold

_WORD = re.compile(r"[a-z0-9]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"

_spelled: dict[str, str] = {}


def _spell(match: re.Match[str]) -> str:
    char = match.group()
    spelled = _spelled.get(char)
    if spelled is None:
        if char.isalnum():
            # "q" and four base-36 digits: a letter of any script becomes part of the
            # ASCII word it is in, as it was part of the word in the text.
            code, digits = ord(char), ""
            for _ in range(4):
                code, digit = divmod(code, 36)
                digits = _B36[digit] + digits
            spelled = "q" + digits
        else:
            spelled = " "
        _spelled[char] = spelled
    return spelled


def feed(text: str) -> str:
    """`text` as the FTS5 tokenizer gets it. ASCII text goes as it is (SQLite's unicode61
    tokenizer folds its case and cuts it at every character that is not a letter or a
    digit); other text is folded as search.py folds it and its other characters become
    ASCII: letters and digits spelled, the rest spaces. Python then cuts words exactly
    where SQLite does (`_WORD`), and a folded needle inside a folded text stays inside it
    once both are fed."""
    if text.isascii():
        return text
    return _NON_ASCII.sub(_spell, fold(text))


def words(fed: str) -> set[str]:
    """The words of a fed text, as SQLite cuts them (for the `terms` table)."""
    return set(_WORD.findall(fed.lower()))


def fts_query(needle: str, terms_like: Callable[[str], list[str] | None]) -> str | None:
    """An FTS5 query naming every message whose folded text may hold the folded `needle`,
    or None when no word of it narrows the search. "" when nothing can match.

    A word of the needle with something else before and after it is a whole word of the
    text; the last one may be the start of a longer word; the first one may be the end of
    one, or (alone) inside one: those are looked up among the words indexed
    (`terms_like(pattern)`, None when there are too many)."""
    fed = _NON_ASCII.sub(_spell, needle).lower()
    parts = []
    for word in _WORD.finditer(fed):
        text = word.group()
        open_before = word.start() == 0
        open_after = word.end() == len(fed)
        if not open_before:
            parts.append(f'"{text}"*' if open_after else f'"{text}"')
            continue
        found = terms_like(f"%{text}%" if open_after else f"%{text}")
        if found is None:
            continue
        if not found:
            return ""
        parts.append("(" + " OR ".join(f'"{term}"' for term in found) + ")")
    return " AND ".join(parts) or None
