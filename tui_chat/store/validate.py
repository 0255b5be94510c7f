"""Type checks for data read from TOML, raising SchemaError with the key path.

Shared by settings and conversations so both report a wrong type the same
way: "expected a number for request.temperature, got 'hot'".
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from tui_chat.store.tomlread import SchemaError, format_where

Where = tuple[str | int, ...]


def describe(value: object) -> str:
    """How a wrong value is shown to the user."""
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return repr(shown)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, datetime | date | time):
        return f"the date/time {value.isoformat()}"
    return type(value).__name__


def fail(where: Where, expected: str, value: object) -> SchemaError:
    shown = describe(value)
    return SchemaError(where, f"expected {expected} for {format_where(where)}, got {shown}")


def table(data: dict[str, Any], key: str, where: Where) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise fail((*where, key), "a table", value)
    return value


def string(data: dict[str, Any], key: str, where: Where, default: str = "") -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise fail((*where, key), "a string", value)
    return value


def boolean(data: dict[str, Any], key: str, where: Where, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise fail((*where, key), "true or false", value)
    return value


def integer(
    data: dict[str, Any], key: str, where: Where, default: int | None, minimum: int = 0
) -> int | None:
    value = data.get(key, default)
    if value is None:
        return None
    # bool is an int in Python but `true` is not a count in TOML.
    if not isinstance(value, int) or isinstance(value, bool):
        raise fail((*where, key), "a whole number", value)
    if value < minimum:
        raise fail((*where, key), f"a whole number of at least {minimum}", value)
    return value


def number(
    data: dict[str, Any], key: str, where: Where, default: float | None, positive: bool = False
) -> float | None:
    value = data.get(key, default)
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise fail((*where, key), "a number", value)
    if value < 0 or (positive and value == 0):
        raise fail((*where, key), "a positive number" if positive else "a number >= 0", value)
    return float(value)


def string_table(data: dict[str, Any], key: str, where: Where) -> dict[str, str]:
    value = table(data, key, where)
    for name, item in value.items():
        if not isinstance(item, str):
            raise fail((*where, key, name), "a string", item)
    return dict(value)


def string_list(data: dict[str, Any], key: str, where: Where) -> list[str] | None:
    if key not in data:
        return None
    value = data[key]
    if not isinstance(value, list):
        raise fail((*where, key), "an array of strings", value)
    for position, item in enumerate(value):
        if not isinstance(item, str):
            raise fail((*where, key, position), "a string", item)
    return list(value)


def table_list(data: dict[str, Any], key: str, where: Where) -> list[dict[str, Any]] | None:
    if key not in data:
        return None
    value = data[key]
    if not isinstance(value, list):
        raise fail((*where, key), "an array of tables", value)
    for position, item in enumerate(value):
        if not isinstance(item, dict):
            raise fail((*where, key, position), "a table", item)
    return list(value)


def timestamp(data: dict[str, Any], key: str, where: Where, default: datetime) -> datetime:
    value = data.get(key, default)
    if not isinstance(value, datetime):
        raise fail((*where, key), "a date and time", value)
    if value.tzinfo is None:
        # A hand-written local datetime: our files are UTC, so read it as UTC.
        value = value.replace(tzinfo=UTC)
    return value
