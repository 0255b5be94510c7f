"""API keys: secrets.toml (mode 0600) plus environment variables, which win.

Kept apart from settings.toml so that settings can be shared, pasted into a
bug report or committed to dotfiles without leaking a key. This is the only
module that writes a key, and it writes it only to secrets.toml.

Format:

    [keys]
    openai = "sk-..."
    ollama = "..."
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from typing import Any

from tui_chat.store.atomic import atomic_write, move_aside
from tui_chat.store.errors import StoreError, StoreProblem, os_reason
from tui_chat.store.paths import Paths
from tui_chat.store.tomlread import decode_utf8, parse_toml

SECRETS_MODE = 0o600
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")


def env_var_for(name: str) -> str:
    """The conventional variable for a provider: ollama -> OLLAMA_API_KEY."""
    return _NOT_ALNUM.sub("_", name).upper() + "_API_KEY"


def api_key_for(
    name: str,
    secrets: dict[str, str],
    env_var: str = "",
    environ: Mapping[str, str] = os.environ,
) -> str | None:
    """The key for provider `name`: the environment wins over secrets.toml; None if neither."""
    from_env = environ.get(env_var or env_var_for(name), "")
    if from_env:
        return from_env
    return secrets.get(name) or None


def _parse(raw: bytes) -> tuple[dict[str, str] | None, str, int | None]:
    text, reason, line = decode_utf8(raw)
    if text is None:
        return None, reason, line
    data, reason, line = parse_toml(text)
    if data is None:
        return None, reason, line
    keys: Any = data.get("keys", {})
    if not isinstance(keys, dict) or not all(isinstance(k, str) for k in keys.values()):
        return None, 'expected a [keys] table of name = "key" strings', None
    return dict(keys), "", None


def load_secrets(paths: Paths) -> tuple[dict[str, str], list[StoreProblem]]:
    """Provider name -> key. Never raises; a file others can read gives a warning problem."""
    path = paths.secrets_file
    try:
        raw = path.read_bytes()
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return {}, []
    except OSError as exc:
        return {}, [StoreProblem(path, f"Could not read {path}: {os_reason(exc)}.")]
    problems: list[StoreProblem] = []
    if os.name == "posix" and mode & 0o044:
        problems.append(
            StoreProblem(
                path,
                f"{path} can be read by other users (mode {mode:04o}); "
                f"run `chmod 600 {path}` to protect your API keys.",
            )
        )
    keys, reason, line = _parse(raw)
    if keys is None:
        moved = move_aside(path)
        where = f"{path.name} line {line}" if line else path.name
        tail = (
            f"It was moved aside to {moved.name}; no stored keys are in use."
            if moved
            else "It was left as it is; no stored keys are in use."
        )
        problems.append(StoreProblem(path, f"{where}: {reason}. {tail}", line, moved))
        return {}, problems
    return keys, problems


def secrets_to_toml(keys: Mapping[str, str]) -> str:
    from tui_chat.store.tomlwrite import toml_key, toml_string  # (with the first write)

    lines = ["# API keys for tui-chat. Keep this file private (chmod 600).", "[keys]"]
    lines += [f"{toml_key(name)} = {toml_string(key)}" for name, key in sorted(keys.items())]
    return "\n".join(lines) + "\n"


def save_secret(paths: Paths, name: str, key: str | None) -> None:
    """Set (or with None, remove) the key for `name` in secrets.toml, always mode 0600."""
    path = paths.secrets_file
    try:
        raw: bytes | None = path.read_bytes()
    except FileNotFoundError:
        raw = None
    except OSError as exc:
        raise StoreError(
            f"Could not read {path}: {os_reason(exc)}; the key was not saved.", path
        ) from exc
    keys: dict[str, str] = {}
    if raw is not None:
        parsed, _reason, _line = _parse(raw)
        if parsed is None:
            # Never overwrite a file we cannot read: it may hold keys the user wants back.
            if move_aside(path) is None:
                raise StoreError(
                    f"{path} cannot be read and could not be moved aside; the key was not saved.",
                    path,
                )
        else:
            keys = parsed
    if key is None:
        if name not in keys:
            return
        del keys[name]
    else:
        keys[name] = key
    try:
        if not paths.config_dir.exists():
            paths.config_dir.mkdir(parents=True, mode=0o700)
        atomic_write(path, secrets_to_toml(keys), mode=SECRETS_MODE)
    except (StoreError, OSError) as exc:
        cause = exc.__cause__ if isinstance(exc, StoreError) else exc
        reason = os_reason(cause) if isinstance(cause, OSError) else str(exc)
        raise StoreError(f"Could not save the API key to {path}: {reason}.", path) from exc
