"""The chat screen: sidebar, message log, prompt, and the workers that stream answers."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import math
import os
import signal
import time
from collections.abc import Mapping
from contextlib import aclosing
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.color import Color
from textual.command import Command, CommandPalette
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.theme import Theme
from textual.widget import Widget
from textual.widgets import Input, Static, TextArea
from textual.worker import Worker

from ..attachments import (
    AttachmentRefused,
    Prepared,
    compose_prompt,
    paths_in_text,
    prepare_attachments,
)
from ..catalog import LOADING, READY, Catalog, ModelChoice, ProviderEntry, listing_timeouts
from ..chat import (
    AnswerRecorder,
    last_index,
)
from ..providers.helpers import MediaItem
from ..session import Answer, ChatSession
from ..store import (
    Conversation,
    ConversationStore,
    Message,
    Paths,
    Settings,
    State,
    StoreError,
    atomic_write,
    load_secrets,
    load_settings,
    load_state,
    read_settings,
    save_secret,
    save_settings,
    save_state,
)
from ..themes import ThemeSpec, builtin_dir, load_theme_files
from .actions import bindings, help_rows
from .actions import keys_for as action_keys
from .compat import forward_event, refresh_truecolor_filter
from .inputs import KeyGate
from .pacing import FramePacer
from .palette import ChatCommands
from .safe import one_line
from .widgets.chips import ChipBar
from .widgets.footer import ChatFooter
from .widgets.markdown.block import MarkdownBody
from .widgets.markdown.render import warm_up
from .widgets.message_log import MessageLog
from .widgets.message_view import MessageView, usage_summary
from .widgets.prompt import PromptArea
from .widgets.sidebar import ConversationList, ProviderTree, Sidebar

# The modal screens (settings, dialogs, file picker, pickers, help) and the export are
# imported where they are opened: the first frame needs none of them, and together with
# the widgets they pull in (Input, Select, DirectoryTree...) they cost start-up time.
if TYPE_CHECKING:
    from .screens.pickers import ModelCandidate
    from .screens.settings.result import SettingsResult

#: Screen updates while streaming: at most this many per second.
FRAME_RATE = 30
#: A streaming answer's new text goes to its journal this often (store/journal.py): a
#: killed app loses at most this much of it, a power cut at most journal.SYNC_EVERY more.
JOURNAL_EVERY = 0.1
#: Signals that end the app as a closed terminal or a shutdown does: what was received is
#: saved first, and the exit status is 128 + the signal's number.
ENDING_SIGNALS = (signal.SIGHUP, signal.SIGTERM, signal.SIGQUIT)
#: Full garbage collections after this many middle-generation ones (Python's default: 10).
FULL_GC_EVERY = 100
#: Below this width the sidebar hides itself.
NARROW = 90



class ChatApp(App[int]):
    """tui-chat's application: one screen of chat."""

    CSS_PATH = "app.tcss"
    TITLE = "tui-chat"
    # Keys typed while the app starts belong in the prompt, not the first focusable widget.
    AUTO_FOCUS = "#prompt"
    COMMANDS: ClassVar = App.COMMANDS | {ChatCommands}

    # Keys, footer labels, palette entries and help lines: actions.ACTIONS.
    BINDINGS: ClassVar = bindings()

    # Neither repaints the screen: their watchers update the status line and the tree, and
    # the keys follow `streaming`. A repaint redrew every widget in the first and the last
    # frame of each answer, on top of their layout.
    streaming: reactive[bool] = reactive(False, bindings=True, repaint=False)
    choice: reactive[ModelChoice] = reactive(ModelChoice("", ""), always_update=True, repaint=False)

    def __init__(
        self,
        paths: Paths,
        settings: Settings,
        *,
        secrets: Mapping[str, str] | None = None,
        state: State | None = None,
        problems: list[str] | None = None,
        environ: Mapping[str, str] | None = None,
        fetch_models: bool = True,
        resume_gc: bool = False,
    ) -> None:
        super().__init__()
        self.paths = paths
        self.secrets: dict[str, str] = dict(secrets or {})
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        state = state if state is not None else State()
        state.adopt_legacy(settings)
        # The chat without the screen (session.py): settings, state, store, catalog, the
        # conversation; the app shows it and turns keys into its steps.
        self.session = ChatSession(
            settings,
            Catalog.from_settings(settings, self.secrets, self.environ),
            ConversationStore(paths),
            state=state,
            conversation=Conversation(system_prompt=settings.request.system_prompt),
        )
        self.startup_problems = list(problems or [])
        self._problems_shown: set[str] = set()
        self.fetch_models_on_start = fetch_models
        # The conversation's model is set on mount, once the default choice is known
        # (reading the `choice` reactive here would run its watcher before the app runs).
        self.answer_worker: Worker[None] | None = None
        self.editing: Message | None = None
        # What the prompt held when ctrl+g took it over; put back after the edit.
        self._draft: str | None = None
        self.last_usage = ""
        self._keys_since_paint = False  # a key was handled since a stream's last paint
        self._sidebar_auto = True
        self._confirmed_images: tuple[object, ...] | None = None
        self._theme_before: str | None = None
        # True from on_mount on, when the widgets the watchers update exist. (Not
        # `self.is_mounted`: on an App that is a method, is_mounted(widget), always true.)
        self._widgets_ready = False
        # What waits for the first complete frame (with the conversation list): the model
        # lists, and turning the garbage collector back on (`resume_gc`, see cli.run_app).
        self._first_list_pending = True
        self._resume_gc = resume_gc
        self._theme_problems = self._register_themes()
        self.key_gate = KeyGate(self)
        # The answer streaming now (session.Answer: its message, recorder and journal).
        self._answer: Answer | None = None

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

    @catalog.setter
    def catalog(self, catalog: Catalog) -> None:
        self.session.catalog = catalog

    @property
    def conversation(self) -> Conversation:
        return self.session.conversation

    @conversation.setter
    def conversation(self, conversation: Conversation) -> None:
        self.session.conversation = conversation

    def get_default_screen(self) -> Screen:
        return ChatScreen(id="_default")

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

    # --- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static("", id="status")
        with Horizontal(id="body"):
            yield Sidebar(id="sidebar")
            with Vertical(id="main"):
                yield MessageLog(self.conversation.messages, id="log")
                yield Static("", id="prompt-note")
                yield ChipBar(id="chips")
                yield PromptArea(id="prompt")
        yield ChatFooter()

    @property
    def log_view(self) -> MessageLog:
        return self.query_one("#log", MessageLog)

    @property
    def prompt(self) -> PromptArea:
        return self.query_one("#prompt", PromptArea)

    @property
    def tree(self) -> ProviderTree:
        return self.query_one("#providers", ProviderTree)

    def on_mount(self) -> None:
        self._widgets_ready = True
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
        self._show_problems(self.startup_problems)
        self.log_view.dark = self.current_theme.dark
        self.tree.set_catalog(self.catalog)
        self.choice = self.catalog.default_choice(self.settings, self.state)
        self.choice.apply_to(self.conversation)
        if not self.fetch_models_on_start:
            for entry in self.catalog:
                entry.state = READY
                entry.models = entry.static_models()
                self.tree.update_entry(entry)
        self._list_conversations_on_start()
        self._apply_width(self.size.width)
        self.prompt.focus()
        self._update_status()

    def _register_themes(self) -> list[tuple[str, str | None, float | None]]:
        """Register the theme files and choose the theme, before the app runs.

        Chosen here rather than on mount, the stylesheet is parsed once, with this theme's
        variables: a theme set on mount made Textual re-parse and re-apply all the CSS
        before the first frame and left its parse cache empty, so the footer's keys, the
        first new widgets mounted, had all of it parsed once more. Returns the problems
        (message, title, seconds shown) for `on_mount` to show.
        """
        specs, problems = load_theme_files(builtin_dir(), self.paths.themes_dir)
        notes: list[tuple[str, str | None, float | None]] = [
            (problem, "Themes", 12) for problem in problems
        ]
        for spec in specs:
            try:
                self.register_theme(_to_theme(spec))
            except ValueError as error:
                notes.append((f"Theme file {spec.path} was not loaded: {error}.", "Themes", 12))
        name = self.state.theme_for(self.settings)
        if name not in self.available_themes and name != self.settings.theme:
            name = self.settings.theme  # the remembered theme's file is gone
        # What a theme change is compared with, to remember only a real change.
        self._remembered_theme = name
        if name not in self.available_themes:
            notes.append((f"Theme {name!r} is not installed; using tui-chat-dark.", None, None))
            name = "tui-chat-dark" if "tui-chat-dark" in self.available_themes else "textual-dark"
        # What `App._watch_theme` does, less the CSS refresh it queues: nothing is parsed
        # yet, and the stylesheet gets this theme's variables before it is.
        self.set_reactive(App.theme, name)
        dark = self.current_theme.dark
        classes = {c: False for c in self.classes if c.startswith("-theme-")}
        classes.update({f"-theme-{name}": True, "-dark-mode": dark, "-light-mode": not dark})
        self.update_classes(classes, update=False)
        refresh_truecolor_filter(self, self.ansi_theme)
        self.stylesheet.set_variables(self.get_css_variables())
        return notes

    def watch_theme(self, theme: str) -> None:
        if self._widgets_ready:
            # Code blocks are highlighted for a dark or a light background.
            dark = self.current_theme.dark
            self.log_view.dark = dark
            for block in self.query(MarkdownBody):
                block.set_dark(dark)
        if self._widgets_ready and self._theme_before is None:
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
        self.state.remember_theme(theme, self._configured())
        self._save_state()

    def on_resize(self, event: Any) -> None:
        self._apply_width(event.size.width)

    def _apply_width(self, width: int) -> None:
        if self._sidebar_auto:
            self.query_one("#sidebar").display = width >= NARROW

    def get_system_commands(self, screen: Screen) -> Any:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Switch model", "Pick a provider and model", self.action_pick_model)

    # --- status --------------------------------------------------------------------------

    def watch_choice(self, choice: ModelChoice) -> None:
        self.session.choice = choice
        if not self._widgets_ready:
            return
        self.tree.mark_current(choice)
        self._update_status()

    def watch_streaming(self, streaming: bool) -> None:
        self._update_status()

    def _update_status(self) -> None:
        if not self._widgets_ready:
            return
        parts: list[tuple[str, str] | str] = [("tui-chat ", "bold")]
        parts.append(
            (
                one_line(self.choice.describe() if self.choice.provider else "no provider", 60),
                "$accent",
            )
        )
        entry = self.catalog.get(self.choice.provider)
        if entry is not None and entry.state != READY:
            parts.append((f" ({entry.state})", "dim"))
        if self.streaming:
            parts.append(("  ● streaming… Esc stops", "bold $success"))
        elif self.editing is not None:
            parts.append(("  ✎ editing your last message", "bold $warning"))
        if self.last_usage:
            parts.append((f"  last answer: {self.last_usage}", "dim"))
        self.query_one("#status", Static).update(Content.assemble(*parts))
        self.sub_title = self.choice.describe()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return True if self.streaming or self.editing is not None else None
        if action in ("retry", "edit_last", "continue_answer"):
            if self.streaming:
                return None
            if action == "continue_answer":
                last = self.conversation.messages[-1] if self.conversation.messages else None
                ok = last is not None and last.role == "assistant" and last.status != "complete"
                return True if ok else None
            return True if self.conversation.messages else None
        return True

    def keys_for(self, binding_id: str) -> str:
        """The keys bound to a binding id now, after keymap overrides, for display."""
        return action_keys(binding_id, self.settings.keymap)

    # --- models --------------------------------------------------------------------------

    def _first_list_shown(self) -> None:
        """Once the first conversation list has been shown (or could not be read): ask
        every provider for its models, warm the Markdown renderer and settle the garbage
        collector, all after the frame being prepared, the first complete one."""
        if not self._first_list_pending:
            return
        self._first_list_pending = False
        if self.fetch_models_on_start:
            for entry in self.catalog:
                self.call_after_refresh(self.load_models, entry)
        # The Markdown parser and lexers load in a thread, after the complete frame.
        self.call_after_refresh(
            self.run_worker, warm_up, thread=True, group="warm-up", exit_on_error=False
        )
        self.call_after_refresh(self._settle_gc)

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

    @work(group="models", exit_on_error=False)
    async def load_models(self, entry: ProviderEntry) -> None:
        """Ask a provider for its models in the background; start-up does not wait."""
        entry.state = LOADING
        self.tree.update_entry(entry)
        # aiohttp takes ~0.15 s to import: in a thread, keys and frames go on meanwhile
        # (`http.session` imports it on the event loop, where it would block them).
        await asyncio.to_thread(importlib.import_module, "aiohttp")
        request = self.settings.request
        await entry.refresh(request.proxy or None, listing_timeouts(request))
        self.tree.update_entry(entry)
        if entry.name == self.choice.provider:
            self._update_status()

    def model_candidates(self) -> list[ModelCandidate]:
        from .screens.pickers import model_candidates

        return model_candidates(self.catalog, self.state.recent_models)

    def action_pick_model(self) -> None:
        from .screens.pickers import ModelPicker

        def chosen(choice: ModelChoice | None) -> None:
            if choice is not None:
                self.set_choice(choice)
                self.prompt.focus()  # "pick a model, type the question"

        def unlisted(words: list[str]) -> list[ModelChoice]:
            return self.catalog.unlisted_choices(words, self.choice.provider)

        loading = [entry.name for entry in self.catalog if entry.state == LOADING]
        note = f"Still loading: {', '.join(loading)}" if loading else ""
        self.push_screen(ModelPicker(self.model_candidates(), note, unlisted), chosen)

    def action_next_model(self) -> None:
        recent = self.catalog.recent(self.state.recent_models)
        if len(recent) < 2:
            self.notify("No other recently used model yet: pick one with ctrl+o.", markup=False)
            return
        keys = [choice.key() for choice in recent]
        index = keys.index(self.choice.key()) if self.choice.key() in keys else -1
        # Cycle without reordering the list while cycling.
        self.set_choice(recent[(index + 1) % len(recent)], reorder=False)

    @on(ProviderTree.ModelChosen)
    def _tree_choice(self, event: ProviderTree.ModelChosen) -> None:
        self.set_choice(event.choice)
        self.prompt.focus()

    def set_choice(self, choice: ModelChoice, *, reorder: bool = True) -> None:
        """Use this model from now on, for this conversation and at the next start
        (remembered in state.toml; settings.toml is not touched)."""
        self.session.remember(choice, self._configured(), to_front=reorder)
        self.choice = choice
        self._save_state()
        self.notify(f"Model: {choice.describe()}", markup=False, timeout=2)

    def _configured(self) -> Settings:
        """settings.toml's values now, which a remembered choice is recorded against: one
        edited by hand while the app runs counts as chosen before this choice."""
        read = read_settings(self.paths)
        return self.settings if read.unusable else read.settings

    def _save_state(self) -> None:
        try:
            save_state(self.paths, self.state)
        except StoreError as error:
            self.notify(str(error), title="Not remembered", severity="error", markup=False)

    def _show_problems(self, problems: list[str]) -> None:
        """Each problem with the settings once, in a notification that stays until clicked:
        a value ignored is a thing the user wrote that is not in effect."""
        for problem in problems:
            if problem in self._problems_shown:
                continue
            self._problems_shown.add(problem)
            self.notify(
                problem, title="Settings", severity="warning", markup=False, timeout=math.inf
            )

    # --- conversations -------------------------------------------------------------------

    async def _start_new_conversation(self) -> None:
        self.session.new_conversation()
        self._cancel_edit()
        self.last_usage = ""
        await self.log_view.show(self.conversation.messages)
        self._update_status()

    def _list_conversations_on_start(self) -> None:
        """The first frame lists the newest conversations as the index says (one file,
        ~10 ms for 2,000); `list()`, which also checks every file against the index
        (~40 ms for 2,000), runs in a worker after that frame and brings the list up to
        date. Without a usable index, only the worker."""
        recent = self.store.recent_from_index(ConversationList.LIMIT)
        if recent is None:
            self.refresh_conversations()
            return
        summaries, total = recent
        self.query_one(ConversationList).set_summaries(summaries, self.conversation.id, total)
        self.call_after_refresh(self.refresh_conversations)
        self._first_list_shown()

    @work(thread=True, group="list", exclusive=True, exit_on_error=False)
    def refresh_conversations(self) -> None:
        try:
            summaries, problems = self.store.list()
        except StoreError as error:
            self.call_from_thread(self.notify, str(error), severity="error", markup=False)
        else:
            self.call_from_thread(self._show_conversations, summaries, [str(p) for p in problems])
        finally:
            # The first list is part of the first complete frame; the model lists come after.
            if self._first_list_pending:
                self.call_from_thread(self._first_list_shown)

    def _show_conversations(self, summaries: list[Any], problems: list[str]) -> None:
        self.query_one(ConversationList).set_summaries(summaries, self.conversation.id)
        for problem in problems:
            self.notify(problem, title="Conversation", severity="warning", markup=False, timeout=12)

    @on(ConversationList.Opened)
    async def _open_from_list(self, event: ConversationList.Opened) -> None:
        await self.open_conversation(event.conversation_id)

    async def open_conversation(self, conversation_id: str) -> None:
        if conversation_id == self.conversation.id:
            self.prompt.focus()
            return
        await self._stop_streaming("Stopped the answer to open another conversation.")
        try:
            conversation = self.session.open(conversation_id)
        except StoreError as error:
            self.notify(str(error), title="Could not open", severity="error", markup=False)
            self.refresh_conversations()
            return
        self._cancel_edit()
        await self.log_view.show(conversation.messages)
        self.choice = self.session.choice
        self.last_usage = ""
        self._update_status()
        self.prompt.focus()

    async def action_new_chat(self) -> None:
        if not self.conversation.messages:
            self.prompt.focus()
            return
        await self._stop_streaming("Stopped the answer to start a new conversation.")
        await self._start_new_conversation()
        self.refresh_conversations()
        self.prompt.focus()

    def action_pick_conversation(self) -> None:
        self.query_one("#sidebar").display = True
        self._sidebar_auto = False
        self.query_one(ConversationList).focus()

    def save_conversation(
        self, conversation: Conversation | None = None, *, quiet: bool = False
    ) -> bool:
        """Save atomically; on failure say so and keep everything in memory to retry."""
        try:
            self.session.save(conversation)
        except StoreError as error:
            if not quiet:
                self.notify(
                    str(error), title="Not saved", severity="error", markup=False, timeout=15
                )
            return False
        return True

    # --- sending -------------------------------------------------------------------------

    @on(PromptArea.Submitted)
    async def _submitted(self, event: PromptArea.Submitted) -> None:
        await self.send(event.text)

    async def send(self, text: str) -> None:
        chips = self.query_one(ChipBar)
        if not text.strip() and not chips.paths():
            self.notify("Nothing to send: type a message first.", severity="warning", markup=False)
            return
        if self.streaming:
            self.notify(
                "An answer is still streaming. Press Esc to stop it, then send: "
                "your message stays in the prompt.",
                severity="warning",
                markup=False,
            )
            return
        if not self.choice.provider:
            self.notify(
                "No provider is configured: add one in settings.toml.",
                severity="error",
                markup=False,
            )
            return
        prepared = self._prepare_attachments(chips.paths(), text)
        if prepared is None:
            return  # refused: the prompt and the chips stay as they are
        if self.editing is None:
            self._set_note("")
        conversation = self.conversation
        if self.editing is not None:
            await self._truncate_from(self.editing)
            self.editing = None
            self._set_note("")
        message = self.session.add_question(
            compose_prompt(text, prepared), prepared, title_text=text
        )
        # One frame shows it all (the prompt emptied, the question and the answer's view,
        # the list, the status and the footer's keys), not one frame for each.
        with self.batch_update():
            self.prompt.clear()
            if self._draft is not None:
                self._restore_draft()  # the edit is sent; the draft comes back
            await chips.clear_chips()
            self.save_conversation(conversation)
            if len(conversation.messages) == 1:
                # A new conversation shows in the list at once; otherwise the list is
                # brought up to date when the answer ends (message count, a backend title).
                self.refresh_conversations()
            media = [item for p in prepared if (item := p.media()) is not None]
            await self.start_answer(media=media, question=self.log_view.new_view(message))

    def _prepare_attachments(self, paths: list[Path], text: str) -> list[Prepared] | None:
        """Read and check the chips' files now (they may have changed since they were
        picked). None when one is refused or the user is asked to confirm first."""
        if not paths:
            return []
        try:
            prepared = prepare_attachments(paths, self.settings.attachments)
        except AttachmentRefused as refused:
            name = Path(refused.path).name or refused.path
            # Inline above the prompt (a toast is cut short on small screens) and as a toast.
            self._set_note(
                f"Cannot attach {name}: {refused.reason} Nothing was sent; your message and "
                "the attachments are kept: remove that one (tab to it, Delete) or fix it and "
                "send again."
            )
            self.notify(
                f"Cannot attach {name}: {refused.reason}",
                title="Attachment refused",
                severity="error",
                markup=False,
                timeout=12,
            )
            return None
        images = [p for p in prepared if p.is_image]
        if not images:
            return prepared
        entry = self.catalog.get(self.choice.provider)
        signature = (self.choice.key(), text, tuple(paths))
        blind = entry is not None and entry.supports_vision(self.choice.model) is False
        if blind and self._confirmed_images != signature:
            self._confirmed_images = signature
            warning = (
                f"{self.choice.describe()} is not known to accept images, so it may ignore "
                f"{images[0].name}. Press Enter again to send anyway, or pick a vision "
                "model with ctrl+o."
            )
            self._set_note(warning)
            self.notify(
                warning,
                title="Images",
                severity="warning",
                markup=False,
                timeout=12,
            )
            return None
        self._confirmed_images = None
        left_out = self.session.images_over_limit(images)
        if entry is not None and left_out:
            kept = len(images) - left_out
            taken = "one image" if kept == 1 else f"{kept} images"
            self.notify(
                f"{entry.name} takes {taken}: only "
                f"{', '.join(image.name for image in images[:kept])} is sent "
                f"({left_out} more left out).",
                severity="warning",
                markup=False,
            )
        return prepared

    async def start_answer(
        self,
        *,
        continue_from: Message | None = None,
        media: list[MediaItem] | None = None,
        question: MessageView | None = None,
    ) -> None:
        """Begin streaming an answer to the conversation as it stands.

        `media` are the images of the message just sent; for a retry or a continue (None)
        the session reads them again from their files, in a thread, with the request. `question`
        is the view of the message just sent: it is shown with the answer's, in one mount.
        """
        if continue_from is not None:
            await self.log_view.drop(continue_from)
        answer = self.session.start_answer(continue_from=continue_from, media=media)
        # Marked streaming by the session: the new view does not also say "stopped".
        view = self.log_view.new_view(answer.message, streaming=True)
        await self.log_view.add(*([question] if question else []), view)
        self.streaming = True
        self.answer_worker = self.stream_answer(answer, view)

    @work(exclusive=True, group="chat", exit_on_error=False)
    async def stream_answer(self, answer: Answer, view: MessageView) -> None:
        """Run the provider's generator; the screen catches up once per frame, the
        journal ten times a second."""
        recorder = answer.recorder
        painter = FramePacer(
            self,
            lambda: self._paint(view, recorder),
            FRAME_RATE,
            input_waiting=lambda: self._keys_since_paint,
        ).start()
        journaling = (
            self.set_interval(JOURNAL_EVERY, answer.write_journal)
            if answer.journal is not None
            else None
        )
        self._answer = answer
        last_yield = time.monotonic()
        try:
            stream = await self.session.open_stream(answer)
            # aclosing: a stopped answer closes the provider's generator (and its
            # connection) here, not later from the garbage collector.
            async with aclosing(stream):
                async for item in stream:
                    recorder.feed(item)
                    now = time.monotonic()
                    if now - last_yield >= 0.01:
                        # Data already buffered does not suspend; let keys and frames through.
                        await asyncio.sleep(0)
                        last_yield = now
            recorder.finish()
        except asyncio.CancelledError:
            recorder.stop()
            raise
        except Exception as error:
            recorder.fail(error)
            self.notify(
                answer.message.error,
                title="Answer failed",
                severity="error",
                markup=False,
                timeout=10,
            )
        finally:
            painter.stop()
            if journaling is not None:
                journaling.stop()
            self._finish_answer(view, recorder)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self._keys_since_paint = True  # the next paint of a stream waits for its frame
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            # Typed keys are acted on in typing order (see inputs.py).
            if self.key_gate.hold(event) or self._route_to_prompt(event):
                return
            self.key_gate.watch(event)
        await super().on_event(event)

    def _route_to_prompt(self, event: events.Key | events.Paste) -> bool:
        """Text typed where it means nothing (the log, the sidebar, or before anything has
        focus) goes to the prompt, in the order it was typed: focus moves at once, not
        after a refresh as `focus()` does, so the rest of a burst follows this key there."""
        screen = self.screen
        if not isinstance(screen, ChatScreen) or not self._widgets_ready:
            return False
        focused = screen.focused
        prompt = self.prompt
        if focused is prompt or (focused is not None and _takes_text(focused)):
            return False
        if isinstance(event, events.Key) and (
            not event.is_printable or event.key in screen.active_bindings
        ):
            return False
        screen.set_focus(prompt)
        forward_event(prompt, event)
        return True

    def _paint(self, view: MessageView, recorder: AnswerRecorder) -> None:
        self._keys_since_paint = False
        if not view.is_attached:
            return  # the log shows another conversation now, or the app is closing
        view.show_progress(recorder.text, recorder.reasoning)
        self.log_view.follow_now()

    def _finish_answer(self, view: MessageView, recorder: AnswerRecorder) -> None:
        message = recorder.message
        if view.is_attached:
            view.finish(recorder.text, recorder.reasoning)
            view.refresh_meta(recorder.notices)
            self.log_view.follow()
        self.streaming = False
        if message.usage:
            self.last_usage = usage_summary(message.usage)
        self._save_answer()
        self.refresh_conversations()
        self.refresh_bindings()
        self._update_status()

    def _save_answer(self) -> None:
        """Save the conversation of the answer that streams or just ended, with every word
        received; its journal goes once the file holds them (kept if the save failed)."""
        answer, self._answer = self._answer, None
        if answer is None:
            return
        try:
            self.session.save_answer(answer)
        except StoreError as error:
            self.notify(str(error), title="Not saved", severity="error", markup=False, timeout=15)

    def _ending_signal(self, signum: int) -> None:
        """SIGHUP (the terminal or SSH connection went away), SIGTERM, SIGQUIT: keep what
        arrived, marked stopped, and leave with 128 + the signal's number."""
        if self._answer is not None:
            self._answer.recorder.stop()
            self._save_answer()
        else:
            self.save_conversation(quiet=True)
        self.exit(return_code=128 + signum)

    async def _stop_streaming(self, note: str = "") -> None:
        worker = self.answer_worker
        if self.streaming and worker is not None and not worker.is_finished:
            worker.cancel()
            try:
                await worker.wait()
            except Exception:
                pass
            if note:
                self.notify(note, markup=False, timeout=3)

    async def action_stop(self) -> None:
        if self.streaming:
            await self._stop_streaming()
        elif self.editing is not None:
            self._cancel_edit()
            self._update_status()

    async def action_retry(self) -> None:
        if self.streaming or not self.conversation.messages:
            return
        last = self.conversation.messages[-1]
        if last.role == "assistant":
            self.conversation.messages.pop()
            await self.log_view.drop(last)
        if not self.conversation.messages or self.conversation.messages[-1].role != "user":
            self.notify("There is no message of yours to answer.", markup=False)
            return
        await self.start_answer()

    def action_edit_last(self) -> None:
        index = last_index(self.conversation.messages, "user")
        if self.streaming or index is None:
            return
        message = self.conversation.messages[index]
        if self.editing is None:
            self._draft = self.prompt.text
        self.editing = message
        self.prompt.text = message.content
        self.prompt.move_cursor(self.prompt.document.end)
        self.prompt.focus()
        self._set_note(
            "Editing your last message: Enter resends it (the answers after it are "
            "replaced), Esc cancels."
        )
        self._update_status()

    def _cancel_edit(self) -> None:
        """Leave edit mode (Esc, another conversation): the draft comes back."""
        if self.editing is not None:
            self.editing = None
            self._restore_draft()
            self._set_note("")

    def _restore_draft(self) -> None:
        """Put back what the prompt held before ctrl+g (empty when it held nothing)."""
        draft, self._draft = self._draft or "", None
        self.prompt.text = draft
        self.prompt.move_cursor(self.prompt.document.end)

    def _set_note(self, text: str) -> None:
        """The line above the prompt that explains a mode (editing); hidden when empty."""
        note = self.query_one("#prompt-note", Static)
        note.update(text)
        note.display = bool(text)

    async def _truncate_from(self, message: Message) -> None:
        for doomed in self.session.truncate_from(message):
            await self.log_view.drop(doomed)

    async def action_continue_answer(self) -> None:
        messages = self.conversation.messages
        if self.streaming or not messages:
            return
        last = messages[-1]
        if last.role != "assistant" or last.status == "complete":
            self.notify("Only a stopped or failed answer can be continued.", markup=False)
            return
        await self.start_answer(continue_from=last)

    def action_copy(self) -> None:
        from .screens.pickers import CopyPicker, code_blocks

        answers = [
            m for m in reversed(self.conversation.messages) if m.role == "assistant" and m.content
        ]
        if not answers:
            self.notify("There is no answer to copy yet.", markup=False)
            return
        items = [("The whole last answer", answers[0].content)]
        for number, answer in enumerate(answers[:10]):
            for language, code in code_blocks(answer.content):
                first = next((line for line in code.splitlines() if line.strip()), "")
                where = "last answer" if number == 0 else f"answer −{number}"
                items.append((f"Code ({language or 'text'}, {where}): {first}", code))

        def copy(text: str | None) -> None:
            if text is not None:
                self.copy_to_clipboard(text)
                self.notify(f"Copied {len(text):,} characters to the clipboard.", markup=False)

        self.push_screen(CopyPicker(items[:40]), copy)

    # --- attachments ---------------------------------------------------------------------

    async def action_attach(self) -> None:
        """Attach the file paths typed or pasted in the prompt, else open the file picker."""
        paths = paths_in_text(self.prompt.text)
        if paths:
            for path in paths:
                await self.query_one(ChipBar).add_path(path)
            self.prompt.clear()
            names = ", ".join(path.name for path in paths)
            self.notify(f"Attached {names}.", markup=False)
            return

        async def chosen(paths: list[Path] | None) -> None:
            for path in paths or []:
                await self.query_one(ChipBar).add_path(path)
            self.prompt.focus()

        from .screens.file_picker import FilePicker

        self.push_screen(FilePicker(self._picker_start), chosen)

    @property
    def _picker_start(self) -> Path:
        chips = self.query_one(ChipBar).paths()
        return chips[-1].parent if chips else Path.cwd()

    @on(PromptArea.PathPasted)
    def _path_pasted(self, event: PromptArea.PathPasted) -> None:
        self.notify(
            f"That looks like a file: press {self.keys_for('chat.attach')} to attach "
            f"{event.path.name} instead of sending its path as text.",
            markup=False,
        )

    # --- managing conversations ------------------------------------------------------------

    @on(ConversationList.Requested)
    async def _list_request(self, event: ConversationList.Requested) -> None:
        actions = {
            "rename": self.action_rename_conversation,
            "delete": self.action_delete_conversation,
            "export": self.action_export_conversation,
        }
        if event.action == "search":
            self.action_search_conversations()
        elif event.action in actions:
            await actions[event.action](event.conversation_id)

    def _conversation(self, conversation_id: str | None) -> Conversation | None:
        """The conversation to act on: the one shown, or a saved one by id."""
        if conversation_id is None or conversation_id == self.conversation.id:
            return self.conversation
        try:
            return self.store.load(conversation_id)
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
            return None

    async def action_rename_conversation(self, conversation_id: str | None = None) -> None:
        from .screens.dialogs import TextPrompt

        conversation = self._conversation(conversation_id)
        if conversation is None:
            return

        def renamed(title: str | None) -> None:
            if title is None or not title.strip():
                return
            conversation.title = " ".join(title.split())
            if conversation.messages:
                self.save_conversation(conversation)
            self.refresh_conversations()
            self.notify(f"Renamed to {conversation.title}.", markup=False)

        self.push_screen(
            TextPrompt("Rename conversation", conversation.title, check=_non_empty), renamed
        )

    async def action_delete_conversation(self, conversation_id: str | None = None) -> None:
        from .screens.dialogs import Confirm

        conversation = self._conversation(conversation_id)
        if conversation is None:
            return
        if not conversation.messages:
            self.notify("This conversation is empty: there is nothing to delete.", markup=False)
            return
        title = conversation.title or "Untitled"

        async def answered(yes: bool | None) -> None:
            if not yes:
                return
            if conversation is self.conversation:
                await self._stop_streaming()
            try:
                moved = self.store.delete(conversation.id)
            except StoreError as error:
                self.notify(str(error), title="Not deleted", severity="error", markup=False)
                return
            self.notify(f"Moved {title!r} to the trash: {moved}", markup=False, timeout=8)
            if conversation is self.conversation:
                await self._start_new_conversation()
            self.refresh_conversations()

        self.push_screen(
            Confirm(
                f"Delete {title!r} ({len(conversation.messages)} messages)? The file moves to "
                f"the trash folder ({self.paths.trash_dir}), where it can be recovered.",
                yes="Delete",
            ),
            answered,
        )

    def action_search_conversations(self) -> None:
        from .screens.dialogs import SearchConversations

        async def chosen(conversation_id: str | None) -> None:
            if conversation_id:
                await self.open_conversation(conversation_id)

        self.push_screen(SearchConversations(self.store), chosen)

    async def action_export_conversation(self, conversation_id: str | None = None) -> None:
        from ..export import conversation_to_markdown, export_filename
        from .screens.dialogs import TextPrompt

        conversation = self._conversation(conversation_id)
        if conversation is None:
            return
        if not conversation.messages:
            self.notify("This conversation is empty: there is nothing to export.", markup=False)
            return
        suggested = Path.home() / export_filename(conversation)

        def check(text: str) -> str:
            target = Path(os.path.expanduser(text.strip()))
            if not text.strip():
                return "Give a file name."
            if target.is_dir():
                return f"{target} is a folder: add a file name."
            if not target.parent.is_dir():
                return f"The folder {target.parent} does not exist."
            if target.exists():
                return f"{target.name} exists already: choose another name."
            return ""

        def chosen(text: str | None) -> None:
            if text is None:
                return
            target = Path(os.path.expanduser(text.strip()))
            document = conversation_to_markdown(conversation, self.catalog_keys())
            try:
                atomic_write(target, document)
            except StoreError as error:
                self.notify(str(error), title="Not exported", severity="error", markup=False)
                return
            self.notify(f"Exported to {target}", markup=False, timeout=8)

        self.push_screen(
            TextPrompt(
                "Export to a Markdown file",
                str(suggested),
                check=check,
                hint="Enter writes the file · Esc cancels",
            ),
            chosen,
        )

    def catalog_keys(self) -> list[str]:
        """Every API key in use, so an export can be checked for them."""
        return [entry.api_key for entry in self.catalog if entry.api_key]

    def action_conversation_parameters(self) -> None:
        from .screens.dialogs import Parameters, ParametersScreen

        conversation = self.conversation
        current = Parameters(
            conversation.system_prompt,
            _float(conversation.parameters.get("temperature")),
            _int(conversation.parameters.get("max_tokens")),
        )

        def chosen(parameters: Parameters | None) -> None:
            if parameters is None:
                return
            conversation.system_prompt = parameters.system_prompt
            for name, value in (
                ("temperature", parameters.temperature),
                ("max_tokens", parameters.max_tokens),
            ):
                if value is None:
                    conversation.parameters.pop(name, None)
                else:
                    conversation.parameters[name] = value
            if conversation.messages:
                self.save_conversation(conversation)
            self.notify("Parameters set for this conversation.", markup=False)

        self.push_screen(ParametersScreen(current), chosen)

    # --- settings --------------------------------------------------------------------------

    def action_settings(self) -> None:
        """The settings screen; saved settings take effect at once."""
        from .screens.settings.result import env_key_sources
        from .screens.settings.screen import SettingsScreen

        sources = env_key_sources(self.settings, self.environ)
        self.push_screen(
            SettingsScreen(self.settings, self.secrets, sources, save=self.apply_settings)
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
        self._show_problems([str(problem) for problem in saved.problems])
        renames = result.renames
        if self.state.rename_providers(renames):
            self._save_state()
        self.catalog = Catalog.from_settings(self.settings, self.secrets, self.environ)
        self.tree.set_catalog(self.catalog)
        for entry in self.catalog:
            self.load_models(entry)
        if self.choice.provider in renames:
            choice = self.choice
            self.choice = ModelChoice(renames[choice.provider], choice.model, choice.via)
            self.choice.apply_to(self.conversation)
        elif self.choice.provider not in self.catalog.entries:
            self.choice = self.catalog.default_choice(self.settings, self.state)
        else:
            self.choice = self.choice  # re-mark it in the new tree
        self._update_status()
        self.notify("Settings saved.", markup=False)
        return None

    # --- the rest ------------------------------------------------------------------------

    def action_toggle_sidebar(self) -> None:
        sidebar = self.query_one("#sidebar")
        sidebar.display = not sidebar.display
        self._sidebar_auto = False
        if sidebar.display:
            self.tree.focus()
        else:
            self.prompt.focus()

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        self.push_screen(HelpScreen(help_rows(self.settings.keymap)))

    async def action_quit(self) -> None:
        # A streaming answer is stopped and saved before leaving.
        await self._stop_streaming()
        self.save_conversation()
        self.exit(0)


class ChatScreen(Screen):
    """The screen the app starts with."""

    _resumed_once = False

    def on_mount(self) -> None:
        # A frame that overruns Textual's 1/60 s update slot makes the screen's update
        # timer skip the next slot as well, so a key typed during a long frame (a
        # streaming answer's layout, ~20 ms) was echoed 17-33 ms after it instead of
        # at once (bench/latency.py, p95 at 2,000 chunks/s: 55 -> 38 ms). Not skipping,
        # a due update comes as soon as the loop is free. The timer still pauses when
        # nothing changed, and a stream's paints are paced by `FramePacer`.
        self._update_timer._skip = False

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Runs before Screen's own handler. The first time, its restyling of every widget
        # is skipped: each was styled as it was mounted, moments before, with the final
        # theme and CSS (the theme is chosen before the app runs), so it changed nothing
        # and cost the first frame ~15 ms. Later resumes (after a modal) restyle as usual.
        if not self._resumed_once:
            self._resumed_once = True
            event.refresh_styles = False


def _takes_text(widget: Widget) -> bool:
    """Whether the widget has a use for typed characters of its own."""
    return isinstance(widget, (Input, TextArea))


def _non_empty(text: str) -> str:
    return "" if text.strip() else "A title cannot be empty."


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None




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
