"""Where tui-chat keeps its files."""

from __future__ import annotations

import os
from pathlib import Path

from tui_chat.record import record
from tui_chat.store.errors import StoreError, os_reason

APP_NAME = "tui-chat"
ENV_VAR = "TUI_CHAT_CONFIG_DIR"


@record(frozen=True)
class Paths:
    """The folders and files in use; `tui-chat paths` prints these."""

    config_dir: Path
    #: Where derived files go (the search index): the platform's cache folder for the
    #: platform's config folder; None (the default) puts them in the config folder's
    #: `cache/`, so a config folder chosen with --config-dir (a test, a second profile)
    #: keeps its caches with it and leaves the user's cache folder alone.
    cache_dir: Path | None = None

    def __post_init__(self) -> None:
        # Accept a str too (Paths("~/x") from a script); everything below needs a Path.
        if not isinstance(self.config_dir, Path):
            object.__setattr__(self, "config_dir", Path(self.config_dir))
        if self.cache_dir is not None and not isinstance(self.cache_dir, Path):
            object.__setattr__(self, "cache_dir", Path(self.cache_dir))

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.toml"

    @property
    def state_file(self) -> Path:
        """What the app remembers by itself (last model, recent models, theme picked)."""
        return self.config_dir / "state.toml"

    @property
    def secrets_file(self) -> Path:
        return self.config_dir / "secrets.toml"

    @property
    def conversations_dir(self) -> Path:
        return self.config_dir / "conversations"

    @property
    def media_dir(self) -> Path:
        """Images of conversations (generated or attached), one folder per conversation;
        a message's `MediaFile.path` is relative to `config_dir`."""
        return self.config_dir / "media"

    @property
    def themes_dir(self) -> Path:
        return self.config_dir / "themes"

    @property
    def trash_dir(self) -> Path:
        return self.config_dir / "trash"

    @property
    def search_index_file(self) -> Path:
        """The words of every conversation, for F3 (store/fts.py): derived from the
        conversation files, rebuilt when missing or damaged."""
        return (self.cache_dir or self.config_dir / "cache") / "search-index.sqlite3"

    @classmethod
    def resolve(
        cls,
        override: str | Path | None = None,
        environ: os._Environ[str] | dict[str, str] | None = None,
    ) -> Paths:
        """`--config-dir` wins, then $TUI_CHAT_CONFIG_DIR, then the platform's config folder."""
        env = os.environ if environ is None else environ
        cache = None
        if override is not None and str(override) != "":
            chosen = Path(override)
        elif env.get(ENV_VAR):
            chosen = Path(env[ENV_VAR])
        else:
            import platformdirs  # imported only when the folder is not given

            chosen = Path(platformdirs.user_config_dir(APP_NAME))
            cache = Path(platformdirs.user_cache_dir(APP_NAME)).expanduser().absolute()
        # Absolute so that a later chdir (or a message naming the file) stays correct.
        return cls(chosen.expanduser().absolute(), cache)

    def ensure(self) -> None:
        """Create the config and conversations folders; the config folder is private (0700)."""
        try:
            if not self.config_dir.exists():
                # Conversations and keys live here, so other users should not list it.
                self.config_dir.mkdir(parents=True, mode=0o700)
            self.conversations_dir.mkdir(exist_ok=True)
        except OSError as exc:
            target = Path(exc.filename) if exc.filename else self.config_dir
            raise StoreError(
                f"Could not create the folder {target}: {os_reason(exc)}.", target
            ) from exc
