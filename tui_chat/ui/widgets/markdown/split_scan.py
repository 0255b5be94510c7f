"""What `split` reads in the text it cuts: its top-level blocks and lines, and where a
paragraph's inline markup or a character allows a cut.

`Scan` parses the untaken text (markdown-it, blocks only) as the renderer will see it;
`clean_cuts` runs markdown-it's inline rules over a paragraph's text to find where no
inline markup is open across a cut; `splittable` says whether two characters may go to two
pieces (not one character on screen).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from typing import Any, NamedTuple

from .parse import SPACE, parser, prepared
from .piece import CODE, PARA

#: A cut inside a word needs this much of the word before it: an entity (`&amp;`) or an
#: autolink cannot be cut in two.
_WORD_START = 40

_CHANGED = re.compile(r"\r\n|\t")


class Block(NamedTuple):
    """A top-level block of the parsed text: its kind, its lines (in the text's line
    numbers, end excluded) and its tokens (first and last index)."""

    kind: str
    first: int
    end: int
    token: int
    last_token: int


class Scan:
    """The untaken text, prepared as the renderer prepares it and parsed into top-level
    blocks in the context it begins in (inside a paragraph, a fence...)."""

    def __init__(self, text: str, head: str, fence: str) -> None:
        self.text = text
        norm = self.norm = prepared(text)
        self.starts = [0, *(m.end() for m in re.finditer("\n", norm))]
        self._raw_at: tuple[list[int], list[tuple[int, int, int]]] | None = None
        if len(norm) != len(text):
            self._map_positions()
        shift = 0
        if head == PARA:
            # The first line is the rest of a paragraph's line: whatever it looks like, it
            # is text. A stand-in line keeps the next lines in that paragraph.
            src = "x\n" + norm[self.starts[1] :] if len(self.starts) > 1 else "x"
        elif head == CODE:
            src, shift = f"{prepared(fence)}\n{norm}", 1
        else:
            src = norm
        self.shift = shift
        md = parser()
        self.tokens: list[Any] = []
        md.block.parse(src, md, {}, self.tokens)
        self.blocks: list[Block] = []
        tokens = self.tokens
        index = 0
        while index < len(tokens):
            token = tokens[index]
            if token.level == 0 and token.nesting >= 0 and token.map:
                last = index
                if token.nesting == 1:
                    while not (tokens[last].level == 0 and tokens[last].nesting == -1):
                        last += 1
                first, end = token.map
                kind = token.type.removesuffix("_open")
                if kind == "heading" and token.markup in ("=", "-"):
                    kind = "setext"
                self.blocks.append(Block(kind, first - shift, end - shift, index, last))
                index = last + 1
            else:
                index += 1

    # --- lines and positions ---------------------------------------------------------------

    def line_start(self, line: int) -> int:
        starts = self.starts
        return starts[line] if 0 <= line < len(starts) else (0 if line < 0 else len(self.norm))

    def line_end(self, line: int) -> int:
        """Where the line's text ends (its newline, or the end of the text)."""
        if line + 1 < len(self.starts):
            return self.starts[line + 1] - 1
        return len(self.norm)

    def complete(self, line: int) -> bool:
        """The line's end has arrived (its newline)."""
        return line >= 0 and line + 1 < len(self.starts)

    def blank(self, line: int) -> bool:
        return not self.norm[self.line_start(line) : self.line_end(line)].strip(" ")

    def line_of(self, position: int) -> int:
        return bisect_right(self.starts, position) - 1

    def _map_positions(self) -> None:
        # The renderer sees "\r\n" as one character and a tab as four spaces: positions
        # here are in that text; pieces are cut in the original.
        norm_starts: list[int] = []
        changes: list[tuple[int, int, int]] = []  # (end in the prepared text, raw start, end)
        grown = 0
        for match in _CHANGED.finditer(self.text):
            norm_starts.append(match.start() + grown)
            grown += 3 if match.group() == "\t" else -1
            changes.append((match.end() + grown, match.start(), match.end()))
        self._raw_at = (norm_starts, changes)

    def raw(self, position: int) -> int:
        """The original text's position for a position in the prepared one (inside a tab's
        spaces: the tab's)."""
        if self._raw_at is None:
            return position
        norm_starts, changes = self._raw_at
        index = bisect_right(norm_starts, position) - 1
        if index < 0:
            return position
        norm_end, raw_start, raw_end = changes[index]
        if position < norm_end:
            return raw_start
        return raw_end + position - norm_end


def splittable(text: str, position: int) -> bool:
    """Whether text[position - 1] and text[position] may go to two pieces: neither is
    white space, and they are not one character on screen (an accent and its letter, an
    emoji sequence, a flag).
    """
    before, after = text[position - 1], text[position]
    if before in SPACE or after in SPACE or before == "\u200d":
        return False
    if unicodedata.category(after) in ("Mn", "Mc", "Me", "Cf"):
        return False
    if 0x1F3FB <= ord(after) <= 0x1F3FF:  # a skin tone
        return False
    return not (0x1F1E6 <= ord(before) <= 0x1F1FF and 0x1F1E6 <= ord(after) <= 0x1F1FF)


def _tag_start(src: str, position: int) -> bool:
    """A `<` followed by this may become an inline tag."""
    return src[position].isalpha() or src[position] in "/!?"


def closes(line: str, markup: str) -> bool:
    """Whether `line` closes a fence opened with `markup`."""
    if len(line) - len(line.lstrip(" ")) > 3:
        return False
    mark = line.strip(" ")
    return len(mark) >= len(markup) and set(mark) == {markup[0]}


class Cuts(NamedTuple):
    """Where a paragraph's text can be cut with no inline markup open across the cut."""

    spaces: list[int]  # before a space or a line's end
    words: list[tuple[int, int]]  # inside these runs of plain text, from `_WORD_START` on
    blocked: bytearray  # 1: not there (from `base`)
    base: int


def clean_cuts(norm: str, start: int, end: int) -> Cuts:
    """Cuts of the paragraph text norm[start:end], which begins at the paragraph's start or
    at a clean cut, where nothing of the inline markup before the cut can be changed by
    what comes after it: markdown-it's own inline rules run over the text, and a cut is
    clean outside every code span, link, autolink or inline tag, after every emphasis or
    strikethrough delimiter that may still open (and outside each matched pair), after
    every backtick run still unmatched, `[` whose label may still close into a link, or
    `<` that may still become a tag. Whatever follows can then only change what is after
    the cut, in the whole text as in the pieces. (Link reference definitions, which
    markdown-it applies across the whole text, are left aside.)
    """
    from markdown_it.rules_inline import StateInline, link_pairs
    from markdown_it.rules_inline import text as text_rule

    src = norm[start:end]
    size = len(src)
    md = parser()
    state = StateInline(src, md, {}, [])
    rules = md.inline.ruler.getRules("")
    max_nesting = md.options["maxNesting"]
    blocked = bytearray(size + 1)
    delimiter_steps: list[tuple[int, int]] = []
    text_steps: list[tuple[int, int]] = []
    unsafe = size + 1  # no cut after this
    while state.pos < size:
        pos = state.pos
        delimiters, tokens = len(state.delimiters), len(state.tokens)
        matched = None
        if state.level < max_nesting:
            for rule in rules:
                if rule(state, False):
                    matched = rule
                    break
        if matched is None:  # a character no rule takes: literal text
            char = src[pos]
            if char == "[":
                label_end = md.helpers.parseLinkLabel(state, pos, False)
                if label_end < 0 or label_end + 1 >= size or src[label_end + 1] == "(":
                    unsafe = min(unsafe, pos + 1)  # may still become a link
                else:
                    blocked[pos + 1 : label_end + 1] = b"\1" * (label_end - pos)
            elif char == "<" and pos + 1 < size and (_tag_start(src, pos + 1)):
                close = src.find(">", pos)
                if close < 0:
                    unsafe = min(unsafe, pos + 1)  # may still become a tag
                else:
                    blocked[pos + 1 : close + 1] = b"\1" * (close - pos)
            state.append_pending(char)
            state.pos += 1
            continue
        stop = state.pos
        if matched is text_rule:
            text_steps.append((pos, stop))
            continue
        if stop - pos > 1:
            blocked[pos + 1 : stop] = b"\1" * (stop - pos - 1)
        if src[pos] == "`" and len(state.tokens) == tokens:
            unsafe = min(unsafe, pos + 1)  # a backtick run not closed (yet)
        delimiter_steps.extend([(pos, stop)] * (len(state.delimiters) - delimiters))
    link_pairs(state)  # markdown-it's matching of emphasis and strikethrough delimiters
    for index, delimiter in enumerate(state.delimiters):
        if delimiter.end >= 0:
            first, last = delimiter_steps[index][0], delimiter_steps[delimiter.end][1]
            blocked[first + 1 : last] = b"\1" * (last - first - 1)
        elif delimiter.open:
            unsafe = min(unsafe, delimiter_steps[index][0] + 1)
    if unsafe <= size:
        blocked[unsafe:] = b"\1" * (size + 1 - unsafe)
    spaces = []
    for space in " \n":  # (str.find: a long word is passed over at C speed)
        at = src.find(space, 1)
        while at >= 0:
            if src[at - 1] not in SPACE and not blocked[at]:
                spaces.append(start + at)
            at = src.find(space, at + 1)
    spaces.sort()
    words = [(start + a + _WORD_START, start + b) for a, b in text_steps if b - a > _WORD_START]
    return Cuts(spaces, words, blocked, start)
