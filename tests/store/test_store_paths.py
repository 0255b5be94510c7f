from __future__ import annotations

import stat
from pathlib import Path

import platformdirs

from tui_chat.store import Paths


def test_override_wins_over_environment(tmp_path: Path) -> None:
    env = {"TUI_CHAT_CONFIG_DIR": str(tmp_path / "env")}
    assert Paths.resolve(tmp_path / "flag", environ=env).config_dir == tmp_path / "flag"


def test_environment_wins_over_platform_default(tmp_path: Path) -> None:
    env = {"TUI_CHAT_CONFIG_DIR": str(tmp_path / "env")}
    assert Paths.resolve(None, environ=env).config_dir == tmp_path / "env"


def test_platform_default() -> None:
    expected = Path(platformdirs.user_config_dir("tui-chat")).absolute()
    assert Paths.resolve(None, environ={}).config_dir == expected


def test_resolve_reads_os_environ(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TUI_CHAT_CONFIG_DIR", str(tmp_path / "x"))
    assert Paths.resolve().config_dir == tmp_path / "x"


def test_file_layout(tmp_path: Path) -> None:
    p = Paths(tmp_path)
    assert p.settings_file == tmp_path / "settings.toml"
    assert p.secrets_file == tmp_path / "secrets.toml"
    assert p.state_file == tmp_path / "state.toml"
    assert p.conversations_dir == tmp_path / "conversations"
    assert p.themes_dir == tmp_path / "themes"
    assert p.trash_dir == tmp_path / "trash"


def test_ensure_creates_private_config_dir(tmp_path: Path) -> None:
    p = Paths(tmp_path / "a" / "cfg")
    p.ensure()
    assert p.conversations_dir.is_dir()
    assert stat.S_IMODE(p.config_dir.stat().st_mode) & 0o077 == 0
    p.ensure()  # idempotent
