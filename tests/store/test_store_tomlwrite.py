from __future__ import annotations

import math
import tomllib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from tui_chat.store.tomlwrite import sanitize_surrogates, toml_key, toml_string, toml_value

TRICKY = [
    "",
    "plain",
    'say "hi"',
    "back\\slash \\n not a newline",
    'triple """ quotes """ inside',
    "'''single triple'''",
    "multi\nline\r\ntext\n\n",
    "tab\there",
    "emoji 😀👍🏽 and CJK 漢字 and RTL שלום",
    "every control: " + "".join(chr(c) for c in range(1, 32)) + "\x7f",
    "binary-looking: \x01\x02\x1b[31mred\x1b[0m\x08\x0c\x85\u2028\u2029\ufeff",
    "[[messages]]\nrole = \"user\"",  # must stay inside the string
    "\\u0041 literal escape text",
]


@pytest.mark.parametrize("text", TRICKY)
def test_strings_round_trip_through_tomllib(text: str) -> None:
    doc = f"v = {toml_string(text)}\n"
    assert "\n" not in doc[:-1], "strings are always written on one line"
    assert tomllib.loads(doc)["v"] == text


def test_every_bmp_character_round_trips() -> None:
    chars = "".join(chr(c) for c in range(1, 0xD800)) + "".join(
        chr(c) for c in range(0xE000, 0x10000)
    )
    assert tomllib.loads(f"v = {toml_string(chars)}")["v"] == chars


def test_surrogates_are_replaced() -> None:
    assert sanitize_surrogates("a\udcffb") == "a\ufffdb"


@pytest.mark.parametrize("key", ["plain", "model.picker", "with space", 'q"uote', "ü"])
def test_keys(key: str) -> None:
    assert tomllib.loads(f"{toml_key(key)} = 1")[key] == 1


def test_values_round_trip() -> None:
    value = {
        "i": -3,
        "f": 0.1,
        "big": 1e300,
        "b": True,
        "s": "x",
        "list": [1, "two", [3.5], {"nested": {"deep": False}}],
        "empty": {},
        "when": datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
    }
    assert tomllib.loads(f"v = {toml_value(value)}")["v"] == value


def test_special_floats() -> None:
    parsed = tomllib.loads(f"a = {toml_value(math.inf)}\nb = {toml_value(-math.inf)}\n"
                           f"c = {toml_value(math.nan)}")
    assert parsed["a"] == math.inf and parsed["b"] == -math.inf and math.isnan(parsed["c"])


def test_datetimes_are_written_in_utc() -> None:
    local = datetime(2026, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    parsed = tomllib.loads(f"t = {toml_value(local)}")["t"]
    assert parsed == local and parsed.utcoffset() == timedelta(0)
    naive = datetime(2026, 5, 1, 12, 0)
    assert tomllib.loads(f"t = {toml_value(naive)}")["t"] == naive.replace(tzinfo=UTC)
