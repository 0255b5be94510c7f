"""tui-chat's Textual application: construction, themes, keys, start-up and leaving.

What is on screen is the chat screen's (screens/chat/); what is chatted about is the
session's (session.py, no Textual). The app holds the session, builds the theme and the
keymap before the first frame, routes typed keys in typing order (key_routing.py), and does what is
app-wide: help, settings, the palette's theme list, signals and quitting.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import math
import os
import signal
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual.app import App, SystemCommand
from textual.command import Command, CommandPalette
from textual.screen import Screen

from ..catalog import Catalog, settled_problems
from ..plugins import load_plugins
from ..session import ChatSession
from ..store import (
    Conversation,
    ConversationStore,
    Paths,
    Settings,
    State,
    StoreError,
    load_secrets,
    load_settings,
    load_state,
    read_settings,
    save_secret,
    save_settings,
    save_state,
)
from .actions import APP, bindings, help_sections
from .actions import keys_for as action_keys
from .compat import driver_of
from .driver import compressing
from .graphics import choose as choose_graphics
from .key_order import KeyGate
from .key_routing import KeyRouting
from .palette import ChatCommands
from .screens import DialogsCss
from .screens.chat import ChatScreen
from .theme_files import ThemeFiles

# The modal screens (settings, dialogs, file picker, pickers, help) and the export are
# imported where they are opened: the first frame needs none of them, and together with
# the widgets they pull in (Input, Select, DirectoryTree...) they cost start-up time.
if TYPE_CHECKING:
    from textual.driver import Driver
    from textual.pilot import Pilot

    from .screens.settings.result import SettingsResult

#: Signals that end the app as a closed terminal or a shutdown does: what was received is
#: saved first, and the exit status is 128 + the signal's number.
ENDING_SIGNALS = (signal.SIGHUP, signal.SIGTERM, signal.SIGQUIT)
#: Full garbage collections after this many middle-generation ones (Python's default: 10).
FULL_GC_EVERY = 100


class ChatApp(ThemeFiles, DialogsCss, KeyRouting, App[int]):
    """tui-chat's application: one screen of chat, and dialogs over it."""

    # The chat screen's look; app.tcss, what the dialogs share, comes later (DialogsCss).
    CSS_PATH: ClassVar = ["screens/chat/chat.tcss"]
    TITLE = "tui-chat"
    COMMANDS: ClassVar = App.COMMANDS | {ChatCommands}

    # The app-wide keys (help, settings, quit); the chat's are the chat screen's. Keys,
    # footer labels, palette entries and help lines: actions.ACTIONS.
    BINDINGS: ClassVar = bindings(APP)

    def __init__(
        self,
        paths: Paths,
        settings: Settings | None = None,
        *,
        session: ChatSession | None = None,
        secrets: Mapping[str, str] | None = None,
        state: State | None = None,
        problems: list[str] | None = None,
        environ: Mapping[str, str] | None = None,
        fetch_models: bool = True,
        resume_gc: bool = False,
    ) -> None:
        """`session` is the chat to show (tests and tools build their own); without one,
        it is made from `settings`, `secrets` and `state` with a store in `paths`."""
        super().__init__()
        self.paths = paths
        self.secrets: dict[str, str] = dict(secrets or {})
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        if session is None:
            if settings is None:
                raise TypeError("ChatApp needs settings or a session")
            state = state if state is not None else State()
            state.adopt_legacy(settings)
            session = ChatSession(
                settings,
                Catalog.from_settings(
                    settings, self.secrets, self.environ, plugins=load_plugins(paths.config_dir)
                ),
                ConversationStore(paths),
                state=state,
                conversation=Conversation(system_prompt=settings.request.system_prompt),
            )
        #: The chat without the screen: settings, state, store, catalog, the conversation.
        self.session = session
        self.startup_problems = settled_problems(problems or [], session.settings, session.catalog)
        self._problems_shown: set[str] = set()
        self.fetch_models_on_start = fetch_models
        #: A key was handled since a stream's last paint (the next paint waits its frame).
        self.keys_since_paint = False
        self._theme_before: str | None = None
        self._resume_gc = resume_gc
        self._theme_problems = self._register_themes()
        # Held from the start until the prompt is there (ChatScreen.bring_prompt).
        self.key_gate = KeyGate(self, holding=True)
        #: How images are drawn (ui/graphics.py): `run_app` asks the terminal before the
        #: app starts; otherwise (tests) "auto" is half-cell, which works everywhere.
        self.graphics = choose_graphics(session.settings.display.images, {}) or "halfcell"

    # What the user configured in settings.toml (never changed by the app on its own),
    # what it remembers by itself (state.toml), the store, the providers, the conversation
    # shown: the session's.
    @property
    def settings(self) -> Settings:
        return self.session.settings

    @settings.setter
    def settings(self, settings: Settings) -> None:
        self.session.settings = settings

    @property
    def state(self) -> State:
        return self.session.state

    @property
    def store(self) -> ConversationStore:
        assert self.session.store is not None
        return self.session.store

    @property
    def catalog(self) -> Catalog:
        return self.session.catalog

    @property
    def conversation(self) -> Conversation:
        return self.session.conversation

    @property
    def chat(self) -> ChatScreen:
        """The chat screen (under any dialog open over it)."""
        return cast(ChatScreen, self.screen_stack[0])

    def get_default_screen(self) -> Screen:
        return ChatScreen()

    @asynccontextmanager
    async def run_test(self, **kwargs: Any) -> AsyncIterator[Pilot[int]]:
        """Textual's, with the prompt there: it takes the place of its stand-in right
        after the first frame, and a test drives the app as a user sees it."""
        async with super().run_test(**kwargs) as pilot:
            await self.chat.prompt_ready()
            await pilot.pause()
            yield pilot

    def get_driver_class(self) -> type[Driver]:
        # Writes to the terminal only the cells that change, with only the style changes
        # between them (terminal_output.ScreenWriter; bench/bytes.py).
        return compressing(super().get_driver_class())

    @classmethod
    def from_paths(cls, paths: Paths, **kwargs: Any) -> ChatApp:
        """Load settings, keys and state from the config folder; problems become
        notifications."""
        paths.ensure()
        settings, settings_problems = load_settings(paths)
        secrets, secret_problems = load_secrets(paths)
        state, state_problems = load_state(paths)
        problems = [
            str(problem) for problem in [*settings_problems, *secret_problems, *state_problems]
        ]
        return cls(paths, settings, secrets=secrets, state=state, problems=problems, **kwargs)

    # --- start-up ------------------------------------------------------------------------

    def on_mount(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in ENDING_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, self._ending_signal, signum)
        if self.settings.keymap:
            self.set_keymap(dict(self.settings.keymap))
        for problem, title, timeout in self._theme_problems:
            self.notify(
                problem, title=title or "", severity="warning", markup=False, timeout=timeout
            )
        self.show_problems(self.startup_problems)

    def on_chat_screen_first_list_shown(self) -> None:
        """After the first complete frame: warm the Markdown renderer and settle the
        garbage collector (the chat screen asks for the model lists)."""
        # The Markdown parser and lexers load in a thread, after the complete frame.
        from .widgets.markdown.render import warm_up

        self.call_after_refresh(
            self.run_worker, warm_up, thread=True, group="warm-up", exit_on_error=False
        )
        self.call_after_refresh(self._settle_gc)
        self.call_after_refresh(self.add_dialogs_css)
        self.call_after_refresh(self.register_other_themes)
        # The first frames went out as Textual wrote them (driver.compressing):
        # the driver reads them now, to rewrite the next ones.
        read = getattr(driver_of(self), "read_what_was_written", None)
        if read is not None:
            self.call_after_refresh(read)

    def _settle_gc(self) -> None:
        """After the first complete frame, the garbage collector's settings for the session.

        A full collection walks every object and stalls the loop (40-90 ms on a 2-core
        machine): frames and keystrokes wait. What start-up made (modules, widgets, styles)
        lives as long as the app: frozen out of the collector's sight. Full collections
        come ten times less often (about every 8 s while an answer streams, not about once
        a second): cycles left over wait a little longer. Then the collector is back on if
        start-up turned it off (`resume_gc`, see cli.run_app)."""
        gc.freeze()
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, FULL_GC_EVERY)
        if self._resume_gc:
            gc.enable()

    # --- themes --------------------------------------------------------------------------

    def watch_theme(self, theme: str) -> None:
        if not self.is_running:
            return
        self.chat.set_dark(self.current_theme.dark)
        if self._theme_before is None:
            self._remember_theme(theme)

    def action_change_theme(self) -> None:
        """The theme list of the palette, previewing each theme as it is highlighted."""
        self._theme_before = self.theme
        self.search_themes()

    def on_command_palette_option_highlighted(
        self, event: CommandPalette.OptionHighlighted
    ) -> None:
        option = event.highlighted_event.option
        if self._theme_before is None or not isinstance(option, Command):
            return
        name = str(option.hit.text or "")
        if name in self.available_themes:
            self.theme = name

    def on_command_palette_closed(self, event: CommandPalette.Closed) -> None:
        before, self._theme_before = self._theme_before, None
        if before is None:
            return
        if not event.option_selected:
            self.theme = before  # Esc: back to the theme in use before the preview
        else:
            self._remember_theme(self.theme)

    def _remember_theme(self, theme: str) -> None:
        """Remember a theme picked (in state.toml; settings.toml's `theme` is the user's)."""
        if theme == self._remembered_theme:
            return
        self._remembered_theme = theme
        self.state.remember_theme(theme, self.configured())
        self.save_state()

    def get_system_commands(self, screen: Screen) -> Any:
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Switch model", "Pick a provider and model", lambda: self.chat.action_pick_model()
        )

    # --- keys ----------------------------------------------------------------------------

    def keys_for(self, binding_id: str) -> str:
        """The keys bound to a binding id now, after keymap overrides, for display."""
        return action_keys(binding_id, self.settings.keymap)

    # --- state and problems --------------------------------------------------------------

    def configured(self) -> Settings:
        """settings.toml's values now, which a remembered choice is recorded against: one
        edited by hand while the app runs counts as chosen before this choice."""
        read = read_settings(self.paths)
        return self.settings if read.unusable else read.settings

    def save_state(self) -> None:
        """Write state.toml (the model, recent models and theme remembered)."""
        try:
            save_state(self.paths, self.state)
        except StoreError as error:
            self.notify(str(error), title="Not remembered", severity="error", markup=False)

    def show_problems(self, problems: list[str]) -> None:
        """Each problem with the settings once, in a notification that stays until clicked:
        a value ignored is a thing the user wrote that is not in effect."""
        for problem in problems:
            if problem in self._problems_shown:
                continue
            self._problems_shown.add(problem)
            self.notify(
                problem, title="Settings", severity="warning", markup=False, timeout=math.inf
            )

    # --- settings ------------------------------------------------------------------------

    def action_settings(self) -> None:
        """The settings screen; saved settings take effect at once."""
        from .screens.settings.result import env_key_sources
        from .screens.settings.screen import SettingsScreen

        sources = env_key_sources(self.settings, self.environ)
        self.push_screen(
            SettingsScreen(
                self.settings,
                self.secrets,
                sources,
                save=self.apply_settings,
                plugins=[entry.name for entry in self.catalog if entry.plugin],
                graphics=self.graphics,
            )
        )

    def apply_settings(self, result: SettingsResult) -> str | None:
        """Save what the settings screen changed, and use it. Returns why nothing could be
        saved (the screen shows it and stays open), or None."""
        try:
            # Only what the form changed is written, into the file as it is on disk now.
            saved = save_settings(
                self.paths,
                result.settings,
                before=result.opened_with,
                origins=result.origins or None,
            )
            # New keys before removals: a failure halfway through a rename loses no key.
            for name, key in sorted(result.keys.items(), key=lambda item: item[1] is None):
                save_secret(self.paths, name, key)
        except StoreError as error:
            return str(error)
        for name, key in result.keys.items():
            if key is None:
                self.secrets.pop(name, None)
            else:
                self.secrets[name] = key
        # The file as saved: with what the form changed, and what was edited by hand.
        self.settings = saved.settings
        self.show_problems(settled_problems(saved.problems, self.settings, self.catalog))
        renames = result.renames
        if self.state.rename_providers(renames):
            self.save_state()
        catalog = Catalog.from_settings(
            self.settings, self.secrets, self.environ, plugins=self.catalog.plugins
        )
        self.chat.use_catalog(catalog, renames)
        self.notify("Settings saved.", markup=False)
        return None

    # --- help and leaving ----------------------------------------------------------------

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        self.push_screen(HelpScreen(help_sections(self.settings.keymap)))

    async def action_quit(self) -> None:
        # A streaming answer is stopped and saved before leaving.
        await self.chat.stop_and_save()
        self.exit(0)

    def _ending_signal(self, signum: int) -> None:
        """SIGHUP (the terminal or SSH connection went away), SIGTERM, SIGQUIT: keep what
        arrived, marked stopped, and leave with 128 + the signal's number."""
        self.chat.save_now()
        self.exit(return_code=128 + signum)
