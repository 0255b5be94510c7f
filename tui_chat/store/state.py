"""state.toml: what tui-chat remembers by itself, kept apart from the user's settings.

Switching models (ctrl+o, ctrl+t, the sidebar) and picking a theme in the palette are
remembered here, never in settings.toml, so those actions cannot disturb a file the user
writes by hand (its comments, or a value changed in an editor while the app runs).

Precedence: settings.toml's `theme` and `[defaults]` are what the user configured; the
theme and model remembered here win at start, unless the user has changed that setting in
settings.toml since. To tell, the settings value each remembered one was chosen over is
recorded beside it (`[instead_of]`); when settings.toml's value differs from the recorded
one, the user edited it by hand, and it wins.

This is the app's own file: one that cannot be read is moved aside, reported once, and the
app starts afresh.
"""

from __future__ import annotations

from typing import Any, Protocol

from tui_chat.record import field, record
from tui_chat.store import validate as v
from tui_chat.store.atomic import atomic_write, move_aside
from tui_chat.store.errors import StoreError, StoreProblem, os_reason
from tui_chat.store.paths import Paths
from tui_chat.store.settings import MAX_RECENT_MODELS, Settings
from tui_chat.store.tomlread import SchemaError, decode_utf8, parse_toml

_HEADER = (
    "# Written by tui-chat: what it remembers by itself (the model and theme last used).\n"
    "# Your own settings belong in settings.toml; changing `theme` or [defaults] there\n"
    "# makes yours win over what is remembered here.\n"
)


class Keyed(Protocol):
    """A model choice: `key()` is "provider/model[ via X]" (catalog.ModelChoice)."""

    def key(self) -> str: ...


def _defaults_of(settings: Settings) -> tuple[str, str]:
    return (settings.default_provider, settings.default_model)


@record
class State:
    """state.toml: what the app remembers by itself (last model, recent models, theme)."""

    #: The model last used, as "provider/model[ via X]"; "" when none was chosen yet.
    model: str = ""
    #: Most recent first, each once, at most MAX_RECENT_MODELS.
    recent_models: list[str] = field(default_factory=list)
    #: The theme last picked; "" when none was.
    theme: str = ""
    #: settings.toml's [defaults] (provider, model) when `model` was chosen.
    model_instead_of: tuple[str, str] | None = None
    #: settings.toml's `theme` when `theme` was picked.
    theme_instead_of: str | None = None
    #: The id of the conversation shown last ("" for a new, empty one): the next start
    #: opens it, unless settings.toml says `[defaults] reopen_last = false`.
    conversation: str = ""

    def remember(self, choice: Keyed | str, configured: Settings, *, to_front: bool = True) -> None:
        """Use this model from now on. It heads the recent models (unless `to_front` is
        False, as when cycling through them) and wins over `configured`'s [defaults] at
        the next start, until those are changed in settings.toml."""
        key = choice if isinstance(choice, str) else choice.key()
        self.model = key
        self.model_instead_of = _defaults_of(configured)
        if to_front or key not in self.recent_models:
            self.recent_models = [key, *(item for item in self.recent_models if item != key)]
        del self.recent_models[MAX_RECENT_MODELS:]

    def remember_theme(self, theme: str, configured: Settings) -> None:
        self.theme = theme
        self.theme_instead_of = configured.theme

    def theme_for(self, settings: Settings) -> str:
        """The theme to start with: the one remembered, unless settings.toml's changed since."""
        if self.theme and self.theme_instead_of == settings.theme:
            return self.theme
        return settings.theme

    def model_for(self, settings: Settings) -> str:
        """The remembered model to start with, or "" when settings' [defaults] decide
        (nothing remembered, or [defaults] changed in settings.toml since)."""
        if self.model and self.model_instead_of == _defaults_of(settings):
            return self.model
        return ""

    def adopt_legacy(self, settings: Settings) -> None:
        """Start from the `recent_models` of an older settings.toml when none are kept here."""
        if not self.recent_models and settings.recent_models:
            unique = list(dict.fromkeys(settings.recent_models))
            self.recent_models = unique[:MAX_RECENT_MODELS]

    def rename_providers(self, renames: dict[str, str]) -> bool:
        """Follow providers renamed in the settings screen; True when anything changed."""
        if not renames:
            return False
        before = (self.model, list(self.recent_models), self.model_instead_of)
        self.model = _renamed(self.model, renames)
        self.recent_models = list(
            dict.fromkeys(_renamed(key, renames) for key in self.recent_models)
        )
        if self.model_instead_of is not None:
            provider, model = self.model_instead_of
            self.model_instead_of = (renames.get(provider, provider), model)
        return before != (self.model, self.recent_models, self.model_instead_of)


def _renamed(key: str, renames: dict[str, str]) -> str:
    provider, slash, rest = key.partition("/")
    if slash and provider in renames:
        return f"{renames[provider]}/{rest}"
    return key


def state_to_toml(state: State) -> str:
    from tui_chat.store.tomlwrite import toml_string, toml_value  # (with the first write)

    out = [_HEADER.rstrip("\n")]
    if state.model:
        out.append(f"model = {toml_string(state.model)}")
    out.append(f"recent_models = {toml_value(state.recent_models[:MAX_RECENT_MODELS])}")
    if state.theme:
        out.append(f"theme = {toml_string(state.theme)}")
    if state.conversation:
        out.append(f"conversation = {toml_string(state.conversation)}")
    instead: list[str] = []
    if state.model and state.model_instead_of is not None:
        provider, model = state.model_instead_of
        value = toml_value({"provider": provider, "model": model})
        instead.append(f"defaults = {value}")
    if state.theme and state.theme_instead_of is not None:
        instead.append(f"theme = {toml_string(state.theme_instead_of)}")
    if instead:
        out += [
            "",
            "# settings.toml's values when the ones above were chosen: change one there,",
            "# and it wins again.",
            "[instead_of]",
            *instead,
        ]
    return "\n".join(out) + "\n"


def state_from_dict(data: dict[str, Any]) -> State:
    """Raises SchemaError for a value of the wrong type; unknown keys are ignored."""
    state = State(
        model=v.string(data, "model", ()),
        recent_models=(v.string_list(data, "recent_models", ()) or [])[:MAX_RECENT_MODELS],
        theme=v.string(data, "theme", ()),
        conversation=v.string(data, "conversation", ()),
    )
    instead = v.table(data, "instead_of", ())
    if "defaults" in instead:
        defaults = v.table(instead, "defaults", ("instead_of",))
        where = ("instead_of", "defaults")
        state.model_instead_of = (
            v.string(defaults, "provider", where),
            v.string(defaults, "model", where),
        )
    if "theme" in instead:
        state.theme_instead_of = v.string(instead, "theme", ("instead_of",))
    return state


def load_state(paths: Paths) -> tuple[State, list[StoreProblem]]:
    """Read state.toml. Never raises. One that cannot be used is moved aside (it is the
    app's own file) and reported; the app then starts afresh."""
    path = paths.state_file
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return State(), []
    except OSError as exc:
        reason, line = f"it could not be read ({os_reason(exc)})", None
    else:
        text, reason, line = decode_utf8(raw)
        data: dict[str, Any] | None = None
        if text is not None:
            data, reason, line = parse_toml(text)
        if data is not None:
            try:
                return state_from_dict(data), []
            except SchemaError as exc:
                reason = str(exc)
    moved = move_aside(path)
    if moved is not None:
        tail = f"It was moved aside to {moved.name}"
    else:
        tail = "It could not be moved aside; it is replaced when a model or theme is next chosen"
    where = f"{path.name} line {line}" if line else path.name
    message = (
        f"{where}: {reason}. {tail}. tui-chat starts afresh: the last model and theme "
        "chosen are forgotten (settings.toml is unaffected)."
    )
    return State(), [StoreProblem(path, message, line, moved)]


def save_state(paths: Paths, state: State) -> None:
    """Write state.toml atomically; raises StoreError with a user sentence on failure."""
    path = paths.state_file
    try:
        if not paths.config_dir.exists():
            paths.config_dir.mkdir(parents=True, mode=0o700)
        atomic_write(path, state_to_toml(state))
    except StoreError as exc:
        cause = exc.__cause__
        reason = os_reason(cause) if isinstance(cause, OSError) else str(exc)
        raise StoreError(
            f"Could not save {path}: {reason}. The choice is in use but will not be "
            "remembered at the next start.",
            path,
        ) from cause
    except OSError as exc:
        raise StoreError(
            f"Could not save {path}: {os_reason(exc)}. The choice is in use but will not be "
            "remembered at the next start.",
            path,
        ) from exc
