"""Models: the providers' model lists, the welcome panel while none is ready, the picker."""

from __future__ import annotations

import asyncio
import importlib
import math
import time
from typing import TYPE_CHECKING

from textual import work

from .... import managed
from ....catalog import LOADING, READY, Catalog, ProviderEntry, listing_timeouts
from ....model_choice import ModelChoice

if TYPE_CHECKING:
    from ...widgets.welcome import Welcome
    from ..pickers import ModelCandidate
    from .screen import ChatScreen

#: Seconds between checks of the providers that failed, while none is ready (a server
#: started meanwhile appears by itself).
RECHECK_EVERY = 5.0

#: Seconds after start-up during which a provider that failed does not bring up the
#: welcome panel while another is still being asked: a dead backend answers at once,
#: a working server a moment later, and a working setup should not flash the panel.
WELCOME_GRACE = 2.0


class Models:
    """The part of ChatScreen that knows the providers' models and the model in use."""

    #: When the welcome panel may show while a provider is still loading (set on mount).
    _welcome_after: float = math.inf
    _welcome_timer: object = None
    #: The welcome panel, once it has been shown (most starts never show it).
    _welcome: Welcome | None = None

    def load_all_models(self: ChatScreen) -> None:
        """Ask every provider for its models again (after the settings changed)."""
        self.tree.set_catalog(self.catalog)
        for entry in self.catalog:
            self.load_models(entry)

    @work(group="models", exit_on_error=False)
    async def load_models(self: ChatScreen, entry: ProviderEntry, *, quietly: bool = False) -> None:
        """Ask a provider for its models in the background; start-up does not wait.
        `quietly`: a check again that shows nothing until the answer differs."""
        before = (entry.state, entry.problem)
        if not quietly:
            entry.state = LOADING
            self.tree.update_entry(entry)
        # aiohttp takes ~0.15 s to import: in a thread, keys and frames go on meanwhile
        # (`http.session` imports it on the event loop, where it would block them).
        await asyncio.to_thread(importlib.import_module, "aiohttp")
        request = self.chat_app.settings.request
        # For the g4f backend on this machine: when nothing answers there, the g4f server
        # tui-chat runs itself, shown as starting until it answers (managed.py). One that
        # failed is not started again by the checks in the background (every few seconds)
        # but by Enter on the provider.
        await managed.refresh(
            entry,
            request.proxy or None,
            listing_timeouts(request),
            lambda: self._show_entry(entry),
            start=not (quietly and before[0] == managed.FAILED),
        )
        self.show_plugin_reports()
        if quietly and (entry.state, entry.problem) == before:
            return
        self._show_entry(entry)

    def _show_entry(self: ChatScreen, entry: ProviderEntry) -> None:
        """Show a provider's new state: in the tree, the status line, the welcome panel."""
        self.tree.update_entry(entry)
        if entry.name == self.choice.provider:
            self._show_model()
        self.show_welcome()

    def show_plugin_reports(self: ChatScreen) -> None:
        """Each problem of a provider plugin once (catalog.reports: one that could not be
        loaded, broke listing its models or sent what is not text), until clicked."""
        for report in self.catalog.reports.take():
            self.notify(
                report, title="Provider plugin", severity="warning", markup=False, timeout=math.inf
            )

    def on_unmount(self: ChatScreen) -> None:
        # The app is ending: leave the managed g4f server, which its watchdog then stops
        # unless another tui-chat uses it (a crash or SIGKILL leaves it just the same: the
        # kernel closes the link; see managed.py).
        managed.stop_all()

    def _check_failed_again(self: ChatScreen) -> None:
        for entry in self.catalog:
            if entry.state not in (READY, LOADING, managed.STARTING):
                self.load_models(entry, quietly=True)

    def show_welcome(self: ChatScreen) -> None:
        """The welcome panel, in place of an empty conversation while no provider is ready
        (once every provider has answered, or one has failed and the others are still
        silent after WELCOME_GRACE, so that a working setup never flashes it); the
        providers that failed are checked again meanwhile."""
        entries = list(self.catalog)
        states = {entry.state for entry in entries}
        shown = (
            not self.conversation.messages
            and READY not in states
            and (not entries or bool(states - {LOADING}))
        )
        wait = self._welcome_after - time.monotonic()
        if shown and LOADING in states and wait > 0:
            shown = False  # one failed, another may still answer: decide after the grace
            if self._welcome_timer is None and wait != math.inf:
                self._welcome_timer = self.set_timer(wait, self._welcome_after_grace)
        welcome = self._welcome
        if shown and welcome is None:
            # Mounted when first shown, not composed hidden with the screen: it and its
            # module cost a start that never shows it ~16 M instructions.
            from ...widgets.welcome import Welcome

            welcome = self._welcome = Welcome(id="welcome")
            self.query_one("#main").mount(welcome, before=self.log_view)
        if welcome is not None:
            welcome.set_class(shown, "-shown")
        self.log_view.display = not shown  # empty then: the welcome takes its room
        if welcome is not None and shown:
            keys = {
                action: self.chat_app.keys_for(action)
                for action in ("app.settings", "app.help", "model.picker")
            }
            welcome.show_providers(entries, keys)
            self._recheck.resume()
        else:
            self._recheck.pause()

    def _welcome_after_grace(self: ChatScreen) -> None:
        self._welcome_timer = None
        self.show_welcome()

    def model_candidates(self: ChatScreen) -> list[ModelCandidate]:
        from ..pickers import model_candidates

        return model_candidates(self.catalog, self.chat_app.state.recent_models)

    def action_pick_model(self: ChatScreen) -> None:
        from ....model_rows import unlisted_choices
        from ..pickers import ModelPicker

        def chosen(choice: ModelChoice | list[ModelChoice] | None) -> None:
            if isinstance(choice, list):
                # Several marked (Tab): each question goes to all of them at once.
                self.set_choice(choice[0])
                self.compare = tuple(choice)
                self.focus_prompt()
            elif choice is not None:
                self.set_choice(choice)
                self.focus_prompt()  # "pick a model, type the question"

        def unlisted(words: list[str]) -> list[ModelChoice]:
            return unlisted_choices(self.catalog, words, self.choice.provider)

        loading = [entry.name for entry in self.catalog if entry.state == LOADING]
        note = f"Still loading: {', '.join(loading)}" if loading else ""
        self.app.push_screen(ModelPicker(self.model_candidates(), note, unlisted), chosen)

    def action_next_model(self: ChatScreen) -> None:
        recent = self.catalog.recent(self.chat_app.state.recent_models)
        if len(recent) < 2:
            self.notify("No other recently used model yet: pick one with ctrl+o.", markup=False)
            return
        keys = [choice.key() for choice in recent]
        index = keys.index(self.choice.key()) if self.choice.key() in keys else -1
        # Cycle without reordering the list while cycling.
        self.set_choice(recent[(index + 1) % len(recent)], reorder=False)

    def set_choice(self: ChatScreen, choice: ModelChoice, *, reorder: bool = True) -> None:
        """Use this model from now on, for this conversation and at the next start
        (remembered in state.toml; settings.toml is not touched)."""
        self.session.remember(choice, self.chat_app.configured(), to_front=reorder)
        self.compare = ()  # one model from now on
        self.choice = choice
        self.chat_app.save_state()
        self.notify(f"Model: {choice.describe()}", markup=False, timeout=2)

    def use_catalog(self: ChatScreen, catalog: Catalog, renames: dict[str, str]) -> None:
        """New providers (the settings changed): list their models and keep the model in
        use, following a rename, or fall back to the default."""
        self.session.catalog = catalog
        if self.chat_app.settings.g4f.managed == "never":
            # Turned off: leave the server this tui-chat runs (its watchdog stops it unless
            # another tui-chat uses it); the new catalog's g4f entry starts none.
            managed.stop_all()
        self.load_all_models()
        self.show_welcome()
        app = self.chat_app
        if self.choice.provider in renames:
            choice = self.choice
            self.choice = ModelChoice(renames[choice.provider], choice.model, choice.via)
            self.choice.apply_to(self.conversation)
        elif self.choice.provider not in catalog.entries:
            self.choice = catalog.default_choice(app.settings, app.state)
        else:
            self.choice = self.choice  # re-mark it in the new tree
