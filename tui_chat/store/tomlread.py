"""Turning TOML read failures into a file name, a line and a plain sentence."""

from __future__ import annotations

import re
import tomllib
from typing import Any

# Patterns as strings, compiled (and cached) by `re` when first used: only a file that
# fails to parse needs them, and compiling costs start-up ~1 M instructions each.
_AT_LINE = r"\(at line (\d+), column (\d+)\)"
# `[table]` or `[[array]]` alone on its line; a line of a multi-line array must not match.
_TABLE_HEADER = r'^\s*(\[\[?)\s*([A-Za-z0-9_."\' -]+?)\s*\]\]?\s*(?:#.*)?$'


class SchemaError(ValueError):
    """A value of the wrong type or shape; `where` is its key path, e.g. ("request", "proxy")."""

    def __init__(self, where: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.where = where


def decode_utf8(data: bytes) -> tuple[str | None, str, int | None]:
    """(text, "", None) or (None, reason, line) for bytes that are not UTF-8."""
    try:
        return data.decode("utf-8"), "", None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.start + 1].hex()
        return None, f"it is not UTF-8 text (byte 0x{bad} at offset {exc.start})", line


def parse_toml(text: str) -> tuple[dict[str, Any] | None, str, int | None]:
    """(data, "", None) or (None, reason, line) using tomllib's own position."""
    try:
        return tomllib.loads(text), "", None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = re.search(_AT_LINE, message)
        if found:
            line: int | None = int(found.group(1))
        elif "(at end of document)" in message:
            # A truncated file: the last line is where it stops making sense.
            line = text.count("\n") + (0 if text.endswith("\n") else 1)
        else:
            line = None
        reason = re.sub(_AT_LINE, "", message)
        reason = reason.replace("(at end of document)", "at the end of the file")
        reason = reason.strip().rstrip(".")
        return None, f"it is not valid TOML ({reason[:1].lower()}{reason[1:]})", line


def format_where(where: tuple[str | int, ...]) -> str:
    out = ""
    for part in where:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def find_line(text: str, where: tuple[str | int, ...]) -> int | None:
    """Best-effort line number of the key at `where` in hand-written or generated TOML.

    tomllib only reports positions for syntax errors, but a user fixing
    `request.temperature = "hot"` wants a line too. Handles the shapes our files
    use: `key = ...` at top level, inside `[table]`, or inside the N-th `[[array]]`;
    otherwise falls back to the first line assigning that key anywhere.
    """
    names = [p for p in where if isinstance(p, str)]
    if not names:
        return None
    index = next((p for p in where if isinstance(p, int)), None)
    if index is not None and len(names) == 1:
        # The element itself is wrong (e.g. messages[3] is a string): point at its header.
        table, key = names[0], ""
    else:
        table, key = ".".join(names[:-1]), names[-1]
    key_re = re.compile(r'^\s*"?' + re.escape(key) + r'"?\s*=') if key else None
    current, seen = "", -1
    fallback: int | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        header = re.match(_TABLE_HEADER, raw)
        if header:
            current = header.group(2).strip()
            if header.group(1) == "[[" and current == table:
                seen += 1
                if key_re is None and seen == index:
                    return number
            continue
        if key_re is None or not key_re.match(raw):
            continue
        if current == table and (index is None or seen == index):
            return number
        if fallback is None:
            fallback = number
    if fallback is None and len(where) > 1:
        # Inside an inline table (`usage = { ... }`) or a table written as a value:
        # point at the line of the key that holds it.
        return find_line(text, where[:-1])
    return fallback
