"""Finding words in conversations: matching that ignores case and accents, and the
snippet around the first match that a search result shows.

Text is compared "folded": decomposed (NFKD), combining marks dropped, case-folded, so
"cafe" finds "Café" and "strasse" finds "Straße". A match found in the folded text is
mapped back to the characters of the original, which is what a result highlights.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tui_chat.store.codec import NewerSchema, Unreadable, parse_conversation
from tui_chat.store.conversations import (
    Conversation,
    ConversationSummary,
    Message,
    all_messages,
)

#: How much context a snippet keeps on each side of the match (the UI cuts it to fit).
BEFORE = 80
AFTER = 240

_SPACES = re.compile(r"\s+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@functools.cache
def _marks() -> dict[int, None]:
    """Every combining mark (canonical combining class > 0), for str.translate to drop.
    Built once, on the first search (~20 ms), not at import."""
    return {cp: None for cp in range(0x300, 0x20000) if unicodedata.combining(chr(cp))}


def fold(text: str) -> str:
    """`text` for comparing: no case, no accents, compatibility forms decomposed."""
    if text.isascii():
        return text.lower()  # the same as below for ASCII, and much cheaper
    # NFKD again after casefold: a few folded characters decompose further (ǰ, ΐ).
    decomposed = unicodedata.normalize("NFKD", text).casefold()
    return unicodedata.normalize("NFKD", decomposed).translate(_marks())


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    return fold(char)


def find_folded(text: str, needle: str) -> tuple[int, int] | None:
    """Where the (already folded) `needle` first occurs in `text`, as the [start, end)
    of the original characters; None when it does not."""
    if not needle:
        return None
    if text.isascii():
        start = text.lower().find(needle)
        return None if start < 0 else (start, start + len(needle))
    # Character by character, remembering where each folded piece came from: a run of
    # ASCII characters folds to as many, another character to its own fold ("ß" to two,
    # a combining accent to none). Only the others are folded one by one.
    pieces: list[str] = []
    origins: list[int] = []  # where each piece starts in `text`
    starts: list[int] = []  # where it starts in the folded text
    at = folded_at = 0
    for found in _NON_ASCII.finditer(text):
        index = found.start()
        for part, origin in ((text[at:index].lower(), at), (_fold_char(found.group()), index)):
            if part:
                pieces.append(part)
                origins.append(origin)
                starts.append(folded_at)
                folded_at += len(part)
        at = index + 1
    if at < len(text):
        pieces.append(text[at:].lower())
        origins.append(at)
        starts.append(folded_at)
    start = "".join(pieces).find(needle)
    if start < 0:
        return None

    def origin_of(folded_index: int) -> int:
        piece = bisect.bisect_right(starts, folded_index) - 1
        if text[origins[piece]].isascii():
            return origins[piece] + folded_index - starts[piece]
        return origins[piece]

    end = origin_of(start + len(needle) - 1) + 1
    start = origin_of(start)
    # The accents on the last letter matched are part of it.
    while end < len(text) and not _fold_char(text[end]):
        end += 1
    return start, end


@dataclass(frozen=True)
class Snippet:
    """A line of text around a match: `before`, the matched words, `after`. Whitespace is
    collapsed to single spaces; "…" marks text cut off at either end."""

    before: str
    match: str
    after: str

    @property
    def text(self) -> str:
        return self.before + self.match + self.after


def _flat(text: str) -> str:
    return _SPACES.sub(" ", text)


def snippet(text: str, start: int, end: int) -> Snippet:
    """The words around text[start:end], on one line."""
    head = _flat(text[max(0, start - 4 * BEFORE) : start]).lstrip() if start else ""
    if len(head) > BEFORE or start > 4 * BEFORE:
        head = "…" + head[-BEFORE:].lstrip()
    tail = _flat(text[end : end + 4 * AFTER]).rstrip()
    if len(tail) > AFTER or end + 4 * AFTER < len(text):
        tail = tail[:AFTER].rstrip() + "…"
    return Snippet(head, _flat(text[start:end]), tail)


def preview(text: str) -> Snippet:
    """The start of a text, on one line, with nothing matched."""
    return snippet(text, 0, 0)


class MessageMatch:
    """The first message of a conversation that holds the words searched for; `snippet`,
    the words around the match, is worked out when first asked for (a search of a common
    word finds 20,000 conversations, and shows a page of them)."""

    __slots__ = ("_found", "_snippet", "id", "index", "model", "provider", "role")

    def __init__(
        self, index: int, id: str, role: str, provider: str, model: str,
        snippet: Snippet | None = None, *, found: tuple[str, str] | None = None,
    ) -> None:  # fmt: skip
        self.index = index  # its place in the conversation, from 0
        self.id = id
        self.role = role
        self.provider = provider
        self.model = model
        self._snippet = snippet
        self._found = found  # (the message's text, the folded needle) for `snippet`

    @property
    def snippet(self) -> Snippet:
        if self._snippet is None:
            text, needle = self._found or ("", "")
            span = find_folded(text, needle)
            # (Folding character by character may disagree with folding the whole text
            # in rare sequences of combining marks: the message still matched, shown
            # from its start.)
            self._snippet = snippet(text, *span) if span else preview(text)
            self._found = None
        return self._snippet

    def __repr__(self) -> str:
        return f"MessageMatch({self.index}, {self.id!r}, {self.role!r})"


@dataclass(frozen=True)
class SearchHit:
    """A conversation found: where the words are in its title (if there), and the first
    message holding them (None when only the title does; `preview` is then the start
    of its first message)."""

    summary: ConversationSummary
    title_match: tuple[int, int] | None
    message: MessageMatch | None
    preview: Snippet | None = None


def first_message_match(messages: Iterable[Message], needle: str) -> MessageMatch | None:
    for index, message in enumerate(messages):
        # A message is found by the words of its variants too (those hidden under it).
        text = (
            "\n\n".join(m.content for m in all_messages([message]))
            if message.variants
            else message.content
        )
        if needle not in fold(text):
            continue
        span = find_folded(text, needle)
        # (Folding character by character may disagree with folding the whole text in
        # rare sequences of combining marks: the message still matched, shown from its
        # start.)
        shown = snippet(text, *span) if span else preview(text)
        return MessageMatch(index, message.id, message.role, message.provider, message.model, shown)
    return None


def hit_in(
    summary: ConversationSummary, conversation: Conversation | None, needle: str
) -> SearchHit | None:
    """`summary`'s conversation as a search result, or None when it does not match.
    `conversation` is None when its messages could not be read."""
    title_match = None
    if needle in fold(summary.title):
        # (0, 0): matched, but folding character by character placed it nowhere.
        title_match = find_folded(summary.title, needle) or (0, 0)
    message = first_message_match(conversation.messages, needle) if conversation else None
    if title_match is None and message is None:
        return None
    first = None
    if message is None and conversation is not None and conversation.messages:
        first = preview(conversation.messages[0].content)
    return SearchHit(summary, title_match, message, first)


def can_prefilter(needle: str) -> bool:
    """Whether a file's raw text can rule it out: the codec writes every character as it
    is except quotes, backslashes and control characters, which it escapes."""
    return all(ch >= " " and ch not in '"\\\x7f' for ch in needle)


def search_summaries(
    summaries: list[ConversationSummary],
    query: str,
    stop: Callable[[], bool] | None = None,
) -> list[SearchHit]:
    """The conversations among `summaries` whose title or any message holds `query`, in
    the same order. `stop` is asked between files: a newer search replaces this one."""
    needle = fold(query)
    if not needle:
        return []
    prefilter = can_prefilter(needle)
    found: list[SearchHit] = []
    for summary in summaries:
        if stop is not None and stop():
            break
        hit = scan_file(summary, needle, prefilter)
        if hit is not None:
            found.append(hit)
    return found


def scan_file(summary: ConversationSummary, needle: str, prefilter: bool) -> SearchHit | None:
    """`summary`'s conversation as a search result for the folded `needle`, its file read
    whole; None when it does not match. `prefilter`: can_prefilter(needle)."""
    in_title = needle in fold(summary.title)
    conversation = None
    try:
        raw = summary.path.read_bytes()
        # The raw file rules most conversations out without parsing them.
        if in_title or not prefilter or needle in fold(raw.decode("utf-8", "replace")):
            conversation = parse_conversation(raw, summary.id, settle_streaming=False)
    except (OSError, Unreadable, NewerSchema):
        pass  # list() reports broken files; a search just skips their messages
    return hit_in(summary, conversation, needle)
