from __future__ import annotations

import os
import stat

import pytest

from tui_chat.store import Paths, api_key_for, load_secrets, save_secret, save_settings
from tui_chat.store.settings import Settings


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_created_with_mode_0600_from_the_start(paths: Paths, monkeypatch) -> None:
    created_modes = []
    real_open = os.open

    def spy(path, flags, mode=0o777, *args, **kwargs):
        if flags & os.O_CREAT and str(path).endswith(".tmp"):
            created_modes.append(mode)
        return real_open(path, flags, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy)
    save_secret(paths, "openai", "sk-1")
    monkeypatch.undo()
    assert created_modes == [0o600]
    assert mode_of(paths.secrets_file) == 0o600
    keys, problems = load_secrets(paths)
    assert keys == {"openai": "sk-1"} and problems == []


def test_set_replace_and_remove(paths: Paths) -> None:
    save_secret(paths, "openai", "sk-1")
    save_secret(paths, "my endpoint", 'we"ird\\key')
    save_secret(paths, "openai", "sk-2")
    assert load_secrets(paths)[0] == {"openai": "sk-2", "my endpoint": 'we"ird\\key'}
    save_secret(paths, "openai", None)
    save_secret(paths, "never-there", None)
    assert load_secrets(paths)[0] == {"my endpoint": 'we"ird\\key'}
    assert mode_of(paths.secrets_file) == 0o600


def test_readable_by_others_is_a_warning(paths: Paths) -> None:
    save_secret(paths, "openai", "sk-1")
    paths.secrets_file.chmod(0o644)
    keys, [problem] = load_secrets(paths)
    assert keys == {"openai": "sk-1"}
    assert "0644" in problem.message and "chmod 600" in problem.message
    assert problem.moved_to is None


def test_missing_file(paths: Paths) -> None:
    assert load_secrets(paths) == ({}, [])


def test_corrupt_file_is_moved_aside_not_overwritten(paths: Paths) -> None:
    paths.secrets_file.write_text("[keys\nopenai = 'sk'")
    paths.secrets_file.chmod(0o600)
    keys, [problem] = load_secrets(paths)
    assert keys == {} and problem.moved_to is not None and problem.line == 1
    assert problem.moved_to.read_text() == "[keys\nopenai = 'sk'"


def test_save_moves_an_unreadable_file_aside_first(paths: Paths) -> None:
    paths.secrets_file.write_text("[keys]\nopenai = 5\n")
    save_secret(paths, "ollama", "k")
    assert load_secrets(paths)[0] == {"ollama": "k"}
    aside = [p for p in paths.config_dir.iterdir() if ".corrupt-" in p.name]
    assert len(aside) == 1 and aside[0].read_text() == "[keys]\nopenai = 5\n"


@pytest.mark.parametrize(
    ("name", "var"),
    [("ollama", "OLLAMA_API_KEY"), ("openai", "OPENAI_API_KEY"), ("g4f", "G4F_API_KEY"),
     ("my-local.llm", "MY_LOCAL_LLM_API_KEY")],
)
def test_environment_wins(name: str, var: str) -> None:
    secrets = {name: "from-file"}
    assert api_key_for(name, secrets, environ={var: "from-env"}) == "from-env"
    assert api_key_for(name, secrets, environ={}) == "from-file"
    assert api_key_for(name, {}, environ={}) is None
    assert api_key_for(name, secrets, environ={var: ""}) == "from-file"


def test_explicit_env_var() -> None:
    env = {"CUSTOM": "c", "OLLAMA_API_KEY": "derived"}
    assert api_key_for("ollama", {}, "CUSTOM", environ=env) == "c"
    assert api_key_for("ollama", {"ollama": "f"}, "UNSET", environ=env) == "f"


def test_keys_never_reach_settings(paths: Paths) -> None:
    save_secret(paths, "ollama", "sk-very-secret")
    save_settings(paths, Settings(theme="tui-chat-light", default_provider="ollama"))
    assert "sk-very-secret" not in paths.settings_file.read_text()
    hits = [p for p in paths.config_dir.rglob("*") if p.is_file()
            and "sk-very-secret" in p.read_text(errors="replace")]
    assert hits == [paths.secrets_file]
