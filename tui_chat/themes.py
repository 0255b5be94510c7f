"""Theme files: one TOML file per theme, shipped in `themes/` and read from the user's folder.

This module only reads and checks the files; the UI turns the result into Textual `Theme`
objects. A bad file is reported by name with its problem and never stops the others.
Before the first frame the UI reads only the chosen theme's file (`named_theme_file`),
the others right after it (ui/theme_files.py).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from .record import record

COLOR_KEYS = (
    "primary", "secondary", "accent", "warning", "error", "success",
    "foreground", "background", "surface", "panel", "boost",
)  # fmt: skip


# A frozen record (record.py), not a dataclass or a named tuple: compared and printed
# alike, made without compiling methods from source at start-up.
@record(frozen=True)
class ThemeSpec:
    name: str
    dark: bool
    colors: dict[str, str]
    variables: dict[str, str]
    ansi: bool = False
    path: Path | None = None


def builtin_dir() -> Path:
    """The shipped themes: inside the installed package, or the repository's `themes/`."""
    packaged = Path(__file__).parent / "themes"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[1] / "themes"


def parse_theme(path: Path) -> ThemeSpec:
    """Read one theme file; raises ValueError with a sentence naming the problem."""
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ValueError("it is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"it is not valid TOML ({error})") from None
    name = data.get("name", path.stem)
    if not isinstance(name, str) or not name.strip():
        raise ValueError("'name' must be a non-empty string")
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise ValueError("'dark' must be true or false")
    colors = data.get("colors", {})
    if not isinstance(colors, dict):
        raise ValueError("[colors] must be a table")
    unknown = sorted(set(colors) - set(COLOR_KEYS))
    if unknown:
        raise ValueError(f"unknown colour {unknown[0]!r} (known: {', '.join(COLOR_KEYS)})")
    if "primary" not in colors:
        raise ValueError("[colors] needs at least 'primary'")
    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        raise ValueError("[variables] must be a table")
    for table, values in (("colors", colors), ("variables", variables)):
        for key, value in values.items():
            if not isinstance(value, str):
                raise ValueError(f'{table}.{key} must be a string such as "#1e90ff"')
    ansi = data.get("ansi", False)
    return ThemeSpec(name.strip(), dark, dict(colors), dict(variables), bool(ansi), path)


def theme_paths(*folders: Path) -> list[Path]:
    """Every `*.toml` file in the folders, in the order they are registered (a later one
    wins a name two files give)."""
    return [
        path for folder in folders if folder.is_dir() for path in sorted(folder.glob("*.toml"))
    ]


def named_theme_file(name: str, *folders: Path) -> Path | None:
    """The file a theme is normally in, `<name>.toml`: the last folder's that has it (as
    the last registered wins), or None. Whether the file does say that name is for its
    reader to check."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None  # not a file name: the theme can only be found by reading them all
    for folder in reversed(folders):
        path = folder / f"{name}.toml"
        if path.is_file():
            return path
    return None


def theme_problem(path: Path, error: Exception) -> str:
    """How a theme file that was not loaded is said (in a notification)."""
    return f"Theme file {path} was not loaded: {error}."
