"""A small, fast TOML emitter for the values tui-chat writes.

tomli_w is correct but pure Python: a 1,000-message conversation took ~100 ms
to serialise, against a 50 ms budget for the whole save. Conversation files
have a fixed shape, so they are written with these few functions instead;
every string goes out as a single-line basic string, which also guarantees
that a line reading exactly `[[messages]]` can only be a real table header
(the header-only read in the index relies on that).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from json.encoder import encode_basestring  # C-accelerated; keeps non-ASCII as is

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
# Lone surrogates (from surrogateescape'd bytes) have no TOML or UTF-8 form.
_SURROGATE = re.compile("[\ud800-\udfff]")


def toml_string(text: str) -> str:
    """A TOML basic string for `text`.

    JSON escaping is almost TOML's: both escape quote, backslash and every
    control character below 0x20 (as \\n, \\t... or \\u00XX), but TOML also forbids
    a raw DEL (0x7f), which JSON leaves alone.
    """
    out = encode_basestring(text)
    if "\x7f" in out:
        out = out.replace("\x7f", "\\u007f")
    return out


def sanitize_surrogates(text: str) -> str:
    """Replace lone surrogates with U+FFFD; only called when encoding to UTF-8 failed."""
    return _SURROGATE.sub("\ufffd", text)


def toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else toml_string(key)


def toml_datetime(value: datetime) -> str:
    # Stored in UTC so files compare and sort the same on every machine.
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def toml_value(value: object) -> str:
    """An inline TOML value: scalars, datetimes, arrays and inline tables."""
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, datetime):
        return toml_datetime(value)
    if isinstance(value, Mapping):
        return toml_inline_table(value)
    if isinstance(value, Sequence):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def toml_inline_table(table: Mapping[str, object]) -> str:
    if not table:
        return "{}"
    body = ", ".join(f"{toml_key(str(k))} = {toml_value(v)}" for k, v in table.items())
    return "{ " + body + " }"
