"""Reading settings.toml: the file as read (its text, its problems with their lines, or
why nothing in it can be used), never raising, never moving or changing it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tui_chat.record import field, record
from tui_chat.store.errors import StoreProblem, os_reason
from tui_chat.store.paths import Paths
from tui_chat.store.settings import Settings, build_settings
from tui_chat.store.tomlread import decode_utf8, find_line, parse_toml


# A named tuple, not a dataclass (it is never changed): compared and printed alike, and
# made without compiling methods from source (~2 M instructions at start-up).
@record(frozen=True)
class SettingsFile:
    """settings.toml as read."""

    settings: Settings
    problems: list[StoreProblem]
    #: The file's text; "" when it is missing or could not be used.
    text: str = ""
    exists: bool = False
    #: Why nothing in the file could be used (not TOML, not UTF-8, unreadable); "" when
    #: it could. Such a file is never saved over: what the user wrote would be lost.
    unusable: str = ""
    line: int | None = None
    positions: dict[tuple[str, str], int] = field(default_factory=dict)


def read_settings(paths: Paths) -> SettingsFile:
    """Read settings.toml. Never raises, never moves or changes the file."""
    path = paths.settings_file
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return SettingsFile(Settings(), [])
    except OSError as exc:
        reason = f"it could not be read: {os_reason(exc)}"
        message = (
            f"Could not read {path}: {os_reason(exc)}. Defaults are in use, and the file "
            "is left as it is."
        )
        return SettingsFile(Settings(), [StoreProblem(path, message)], "", True, reason)

    text, reason, line = decode_utf8(raw)
    if text is not None:
        return settings_file_from_text(path, text)
    return _unusable(path, reason, line)


def settings_file_from_text(path: Path, text: str) -> SettingsFile:
    """The settings in `text`, the contents of settings.toml at `path`."""
    name = path.name
    data, reason, line = parse_toml(text)
    if data is None:
        return _unusable(path, reason, line)
    built = build_settings(data)
    problems = []
    for where, sentence in built.issues:
        at = find_line(text, where)
        problems.append(StoreProblem(path, f"{_located(name, at)}{sentence}.", at))
    # In the order of the file, as the user reads it.
    problems.sort(key=lambda p: p.line if p.line is not None else 1 << 30)
    return SettingsFile(built.settings, problems, text, True, "", None, built.positions)


def _unusable(path: Path, reason: str, line: int | None) -> SettingsFile:
    # Nothing in it can be trusted, but it is the user's: left exactly as it is.
    message = (
        f"{_located(path.name, line)}{reason}. Nothing in it is used until that is fixed: "
        "defaults are in use, and the file is left as it is."
    )
    return SettingsFile(Settings(), [StoreProblem(path, message, line)], "", True, reason, line)


def settings_positions(data: dict[str, Any]) -> dict[tuple[str, str], int]:
    """("backends" or "openai", name) -> index in the array, of the entries the loader uses."""
    return build_settings(data).positions


def load_settings(paths: Paths) -> tuple[Settings, list[StoreProblem]]:
    """Read settings.toml. Never raises: problems come back as StoreProblems beside the
    settings (defaults for what was bad)."""
    read = read_settings(paths)
    return read.settings, read.problems


def _located(name: str, line: int | None) -> str:
    return f"{name} line {line}: " if line else f"{name}: "
