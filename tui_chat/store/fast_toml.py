"""Our own files read without tomllib: the line-by-line readers behind codec.py.

tomllib reads strings character by character in Python; the files encode.py writes are
simpler than TOML at large, so these read them with the C JSON string scanner, and
return None for anything else (the caller then uses tomllib).
"""

from __future__ import annotations

import re
from datetime import datetime
from json.decoder import scanstring
from typing import Any

from tui_chat.store.conversations import SCHEMA_VERSION, Conversation
from tui_chat.store.tomlread import parse_toml

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{6})?[+-]\d\d:\d\d")
# JSON string escapes that TOML does not have (\/) or reads differently (surrogate pairs).
_NOT_TOML_ESCAPE = re.compile(r"\\(?:/|u[dD][89a-fA-F])")


def fast_value(value: str) -> Any:
    """One value as encode() writes it; ValueError for anything else."""
    if value[:1] == '"':
        # A basic string that is also a JSON string: read by the C scanner (strict: no
        # raw control characters). JSON-only escapes and a raw DEL are refused here.
        text, end = scanstring(value, 1, True)
        if (
            end != len(value)
            or "\x7f" in value
            or ("\\" in value and _NOT_TOML_ESCAPE.search(value))
        ):
            raise ValueError(value)
        return text
    if _DATETIME.fullmatch(value):
        return datetime.fromisoformat(value)
    if value.isascii() and value.isdigit() and (value == "0" or value[0] != "0"):
        return int(value)
    if value[:1] in "{[":
        # Inline tables and arrays (usage, parameters, attachments): small, so tomllib.
        parsed, _reason, _line = parse_toml("x = " + value)
        if parsed is None:
            raise ValueError(value)
        return parsed["x"]
    raise ValueError(value)


def fast_document(text: str) -> dict[str, Any] | None:
    """A whole file exactly as encode() writes it, parsed without tomllib, or None.

    tomllib reads basic strings character by character in Python: a 10,000-message
    conversation (5 MB) took ~1 s to load. Our files are `key = value` lines with
    single-line values and `[[messages]]` headers (and, for answer variants,
    `[[messages.variants]]` and `[[messages.variants.messages]]`, nested as deep as
    branches go), where every string is also a JSON string, so they are read line by
    line with the C JSON string scanner. Anything else (comments, other tables,
    multi-line values, dotted or quoted keys, escapes TOML and JSON read differently,
    duplicate keys) returns None and the caller parses with tomllib, which also words
    the error for a broken file.
    """
    top: dict[str, Any] = {}
    messages: list[dict[str, Any]] = []
    # The arrays made by [[...]] headers: only those take more tables.
    made = {id(messages)}
    table = top
    try:
        for line in text.split("\n"):
            if not line:
                continue
            if line == "[[messages]]":
                table = {}
                messages.append(table)
                continue
            if line[:2] == "[[":
                table = _nested_table(line, messages, made)
                if table is None:
                    return None
                continue
            key, sep, value = line.partition(" = ")
            if not sep or key in table or not _BARE_KEY.fullmatch(key):
                return None
            table[key] = fast_value(value)
    except ValueError:
        return None
    if messages:
        if "messages" in top:
            return None
        top["messages"] = messages
    return top


_BRANCH_HEADER = re.compile(
    r"\[\[messages((?:\.variants\.messages)*(?:\.variants|\.media)?)\]\]"
)


def _nested_table(
    line: str, messages: list[dict[str, Any]], made: set[int]
) -> dict[str, Any] | None:
    """The new table a `[[messages.variants…]]` or `[[messages….media]]` header opens,
    in the last table of each array on its path (as TOML reads it), or None for any
    other header."""
    found = _BRANCH_HEADER.fullmatch(line)
    if found is None or not messages:
        return None
    names = found.group(1).split(".")[1:]
    parent = messages[-1]
    for name in names[:-1]:
        array = parent.get(name)
        if not isinstance(array, list) or id(array) not in made or not array:
            return None
        parent = array[-1]
    array = parent.get(names[-1])
    if array is None:
        array = parent[names[-1]] = []
        made.add(id(array))
    elif not isinstance(array, list) or id(array) not in made:
        return None
    table: dict[str, Any] = {}
    array.append(table)
    return table


_FAST_STR = frozenset({"id", "title", "provider", "model"})
_FAST_TIME = frozenset({"created", "updated"})
_FAST_INT = frozenset({"schema", "message_count"})


def fast_header(head: bytes, conversation_id: str) -> tuple[Conversation, int] | None:
    """The summary fields from a header exactly as encode() writes it, or None.

    tomllib is pure Python and was ~60% of a cold listing of 2,000 files. Our
    header is one `key = value` per line with single-line values, where a basic
    string is also valid JSON, so the few fields a listing needs can be read
    with json/fromisoformat. Anything unexpected returns None and the caller
    uses tomllib, which also produces the proper error for a broken file.
    """
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    found: dict[str, Any] = {}
    for line in text.split("\n"):
        if not line:
            continue
        key, sep, value = line.partition(" = ")
        if not sep:
            return None  # a comment, a table, a multi-line value: not our layout
        try:
            if key in _FAST_STR:
                if not value.startswith('"'):
                    return None
                # The C string scanner behind json.loads, without its per-call overhead.
                found[key], end = scanstring(value, 1)
                if end != len(value):
                    return None
            elif key in _FAST_TIME:
                when = datetime.fromisoformat(value)
                if when.tzinfo is None:
                    return None
                found[key] = when
            elif key in _FAST_INT:
                if not value.isdigit():
                    return None
                found[key] = int(value)
                if key == "message_count":
                    break  # the rest (parameters, backend_state) is not listed
        except ValueError:
            return None
    if found.get("schema", 0) > SCHEMA_VERSION or not {"created", "message_count"} <= found.keys():
        return None
    header = Conversation(
        id=conversation_id,
        title=found.get("title", ""),
        created=found["created"],
        updated=found.get("updated", found["created"]),
        provider=found.get("provider", ""),
        model=found.get("model", ""),
    )
    return header, found["message_count"]
