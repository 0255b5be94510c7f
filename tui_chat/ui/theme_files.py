"""The app's theme files (themes.py reads them): the chosen one before the first frame,
the others right after it.

The first frame needs only the theme in use; reading and checking every file before it
cost ~4 M instructions more (three TOML files and their colours). The others are
registered after the first complete frame (the app calls `register_other_themes`), or
as a screen is first pushed if that comes sooner (the palette's theme list, a key typed
at once), so every list of themes is whole. A bad file among them is reported as at
start-up, a moment later.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.color import Color
from textual.theme import Theme

from ..themes import (
    ThemeSpec,
    builtin_dir,
    named_theme_file,
    parse_theme,
    theme_paths,
    theme_problem,
)
from .compat import refresh_truecolor_filter

if TYPE_CHECKING:
    from ..store import Paths, Settings, State

#: A problem to show: (message, title, seconds shown; None for Textual's defaults).
Note = tuple[str, str | None, float | None]


class ThemeFiles:
    """The part of ChatApp that registers the theme files and chooses the theme."""

    paths: Paths
    settings: Settings
    state: State
    _remembered_theme: str
    #: The file read before the first frame and what it gave (None: all were read then).
    _early_theme: tuple[Path, Theme] | None = None
    _other_themes_pending = False

    def _theme_folders(self) -> tuple[Path, Path]:
        return builtin_dir(), self.paths.themes_dir

    def _register_themes(self) -> list[Note]:
        """Register the chosen theme's file (all of them when it is not found by its
        name) and choose the theme, before the app runs.

        Chosen here rather than on mount, the stylesheet is parsed once, with this theme's
        variables: a theme set on mount made Textual re-parse and re-apply all the CSS
        before the first frame and left its parse cache empty, so the footer's keys, the
        first new widgets mounted, had all of it parsed once more. Returns the problems
        (message, title, seconds shown) for `on_mount` to show.
        """
        app: Any = self
        wanted = self.state.theme_for(self.settings)
        notes: list[Note] = []
        if not self._register_named(wanted):
            notes = self._register_files(theme_paths(*self._theme_folders()))
        name = wanted  # (not found by name, all the files were read: as before)
        if name not in app.available_themes and name != self.settings.theme:
            name = self.settings.theme  # the remembered theme's file is gone
        # What a theme change is compared with, to remember only a real change.
        self._remembered_theme = name
        if name not in app.available_themes:
            notes.append((f"Theme {name!r} is not installed; using tui-chat-dark.", None, None))
            name = "tui-chat-dark" if "tui-chat-dark" in app.available_themes else "textual-dark"
        # What `App._watch_theme` does, less the CSS refresh it queues: nothing is parsed
        # yet, and the stylesheet gets this theme's variables before it is.
        app.set_reactive(App.theme, name)
        dark = app.current_theme.dark
        classes = {c: False for c in app.classes if c.startswith("-theme-")}
        classes.update({f"-theme-{name}": True, "-dark-mode": dark, "-light-mode": not dark})
        app.update_classes(classes, update=False)
        refresh_truecolor_filter(app, app.ansi_theme)
        app.stylesheet.set_variables(app.get_css_variables())
        return notes

    def _register_named(self, name: str) -> bool:
        """Register the theme `name` from its own file alone; False (nothing registered)
        when it is not there or not good, for all the files to be read as before."""
        app: Any = self
        if name in app.available_themes:
            self._other_themes_pending = True  # one of Textual's: no file needed now
            return True
        path = named_theme_file(name, *self._theme_folders())
        if path is None:
            return False
        try:
            spec = parse_theme(path)
            theme = _to_theme(spec)
        except (ValueError, OSError):
            return False  # said when all are read, as it always was
        if spec.name != name:
            return False
        app.register_theme(theme)
        self._early_theme = (path, theme)
        self._other_themes_pending = True
        return True

    def _register_files(self, paths: list[Path]) -> list[Note]:
        """Register the theme files in order (a later one wins a name); their problems."""
        app: Any = self
        early_path, early_theme = self._early_theme or (None, None)
        notes: list[Note] = []
        for path in paths:
            if path == early_path:
                app.register_theme(early_theme)  # read already: where it was in the order
                continue
            try:
                spec = parse_theme(path)
                app.register_theme(_to_theme(spec))
            except (ValueError, OSError) as error:
                notes.append((theme_problem(path, error), "Themes", 12))
        return notes

    def register_other_themes(self) -> None:
        """The theme files not read before the first frame, registered, and their
        problems shown. Once; nothing when all were read before it."""
        if not self._other_themes_pending:
            return
        self._other_themes_pending = False
        app: Any = self
        applied = app.current_theme
        notes = self._register_files(theme_paths(*self._theme_folders()))
        if app.is_running and app.current_theme is not applied:
            # Another file gives the theme in use the same name, and wins as the later
            # one always did: applied again (rare; the file is normally named after it).
            app.mutate_reactive(App.theme)
        for message, title, timeout in notes:
            app.notify(
                message, title=title or "", severity="warning", markup=False, timeout=timeout
            )

    def push_screen(self, *args: Any, **kwargs: Any) -> Any:
        self.register_other_themes()
        return super().push_screen(*args, **kwargs)  # type: ignore[misc]


def _to_theme(spec: ThemeSpec) -> Theme:
    """A Textual theme from a theme file; ValueError names a colour that does not parse."""
    for key, value in spec.colors.items():
        try:
            Color.parse(value)
        except Exception:
            raise ValueError(f"colors.{key} = {value!r} is not a colour") from None
    return Theme(
        name=spec.name,
        dark=spec.dark,
        variables=dict(spec.variables),
        ansi=spec.ansi,
        **spec.colors,
    )
