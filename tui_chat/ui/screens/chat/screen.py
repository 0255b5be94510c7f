"""The chat screen: status line, sidebar, message log, prompt and footer.

It shows the app's `ChatSession` (session.py) and turns keys into its steps. Its parts
live in sibling modules, each a mixin of this class: `models` (model lists, the welcome
panel, the picker), `sending` (the prompt, attachments),
`answers` (the streaming engine, retry, edit, continue, copy), `branching` (answer
variants, forks) and `manage` (rename, delete, search, export, parameters). Widgets
post messages up to it; it calls their methods down. The look is in chat.tcss, beside
this.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message as TextualMessage
from textual.reactive import reactive, var
from textual.screen import Screen
from textual.widgets import Static

from ....catalog import READY, Catalog
from ....model_choice import ModelChoice
from ....session import ChatSession
from ....store import (
    Conversation,
    ConversationNotFound,
    ConversationStore,
    Message,
    StoreError,
)
from ...actions import CHAT, bindings
from ...compat import keep_what_scrolls_apart, update_without_skipping
from ...widgets.footer import ChatFooter
from ...widgets.message_log import MessageLog
from ...widgets.prompt_stand_in import PromptStandIn
from ...widgets.sidebar import ConversationList, ProviderTree, Sidebar
from ...widgets.status import StatusBar
from .answers import Answers
from .branching import Branching
from .comparing import Comparing
from .late_media import LateMedia
from .manage import Manage
from .models import RECHECK_EVERY, WELCOME_GRACE, Models
from .sending import Sending

if TYPE_CHECKING:
    from ...app import ChatApp
    from ...widgets.prompt import PromptArea

#: Below this width the sidebar hides itself.
NARROW = 90


class ChatScreen(Models, Sending, Answers, Comparing, Branching, Manage, LateMedia, Screen):
    """The screen the app starts with, and the only one that is not a dialog."""

    # Keys typed while the app starts belong in the prompt, not the first focusable widget.
    AUTO_FOCUS = "#prompt"
    # Keys, footer labels, palette entries and help lines: actions.ACTIONS.
    BINDINGS: ClassVar = bindings(CHAT)

    # Neither repaints the screen: the status line and the tree follow them, and the keys
    # follow `streaming`. A repaint redrew every widget in the first and the last frame of
    # each answer, on top of their layout.
    streaming: reactive[bool] = reactive(False, bindings=True, repaint=False)
    choice: reactive[ModelChoice] = reactive(ModelChoice("", ""), always_update=True, repaint=False)
    #: The user's message being edited (ctrl+g) until it is sent again or Esc.
    editing: var[Message | None] = var(None, bindings=True)
    #: The last answer's token counts, worded, for the status line.
    last_usage: var[str] = var("")
    #: The models marked in the picker (Tab) to be asked at once; () asks `choice`.
    compare: var[tuple[ModelChoice, ...]] = var(())

    class FirstListShown(TextualMessage):
        """The first conversation list is on screen (or could not be read): what start-up
        put off until the first complete frame may run now."""

    _resumed_once = False

    def __init__(self) -> None:
        super().__init__(id="_default")
        # A followed stream's jump right after a layout redrew the whole screen.
        keep_what_scrolls_apart(self)
        self._sidebar_auto = True
        self._first_list_pending = True
        #: True from on_mount on, when the widgets the watchers update exist.
        self.ready = False

    # --- what it shows ---------------------------------------------------------------------

    @property
    def chat_app(self) -> ChatApp:
        return cast("ChatApp", self.app)

    @property
    def session(self) -> ChatSession:
        return self.chat_app.session

    @property
    def catalog(self) -> Catalog:
        return self.session.catalog

    @property
    def conversation(self) -> Conversation:
        return self.session.conversation

    @property
    def store(self) -> ConversationStore:
        return self.chat_app.store

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status").data_bind(ChatScreen.streaming, ChatScreen.last_usage)
        with Horizontal(id="body"):
            yield Sidebar(id="sidebar")
            with Vertical(id="main"):
                yield MessageLog(self._reopen(), id="log")
                yield Static("", id="prompt-note")
                # The prompt comes right after the first frame (sending.bring_prompt).
                yield PromptStandIn(id="prompt")
        yield ChatFooter()

    @property
    def log_view(self) -> MessageLog:
        return self.query_one("#log", MessageLog)

    @property
    def tree(self) -> ProviderTree:
        return self.query_one("#providers", ProviderTree)

    @property
    def status(self) -> StatusBar:
        return self.query_one("#status", StatusBar)

    def on_mount(self) -> None:
        # A frame that overruns Textual's 1/60 s update slot makes the screen's update
        # timer skip the next slot as well, so a key typed during a long frame (a
        # streaming answer's layout, ~20 ms) was echoed 17-33 ms after it instead of
        # at once (bench/latency.py, p95 at 2,000 chunks/s: 55 -> 38 ms). Not skipping,
        # a due update comes as soon as the loop is free. The timer still pauses when
        # nothing changed, and a stream's paints are paced by `FramePacer`.
        update_without_skipping(self)
        # First of what waits for the first frame: keys are held until the prompt is there.
        self.call_after_refresh(self.bring_prompt)
        self.ready = True
        app = self.chat_app
        self.log_view.dark = app.current_theme.dark
        self.tree.set_catalog(self.catalog)
        if self.conversation.messages and self.session.choice.provider:
            self.choice = self.session.choice  # the reopened conversation's model
        else:
            self.choice = self.catalog.default_choice(app.settings, app.state)
            self.choice.apply_to(self.conversation)
        if not app.fetch_models_on_start:
            for entry in self.catalog:
                entry.state = READY
                entry.models = entry.static_models()
                self.tree.update_entry(entry)
        self._list_conversations_on_start()
        self.query_one(ConversationList).watch_store(app.store)
        self._apply_width(app.size.width)
        self._recheck = self.set_interval(RECHECK_EVERY, self._check_failed_again, pause=True)
        self._welcome_after = time.monotonic() + WELCOME_GRACE
        self.show_welcome()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Runs before Screen's own handler. The first time, its restyling of every widget
        # is skipped: each was styled as it was mounted, moments before, with the final
        # theme and CSS (the theme is chosen before the app runs), so it changed nothing
        # and cost the first frame ~15 ms. Later resumes (after a modal) restyle as usual.
        if not self._resumed_once:
            self._resumed_once = True
            event.refresh_styles = False

    def on_resize(self, event: events.Resize) -> None:
        self._apply_width(event.size.width)

    def _apply_width(self, width: int) -> None:
        if self._sidebar_auto:
            self.query_one("#sidebar").display = width >= NARROW

    def set_dark(self, dark: bool) -> None:
        """Code blocks are highlighted for a dark or a light background."""
        self.log_view.dark = dark
        from ...widgets.markdown.block import MarkdownBody

        for block in self.query(MarkdownBody):
            block.set_dark(dark)

    # --- status ----------------------------------------------------------------------------

    def watch_choice(self, choice: ModelChoice) -> None:
        if not self.ready:
            return  # on_mount sets the first choice
        self.session.choice = choice
        self.tree.mark_current(choice)
        self._show_model()

    def watch_compare(self, compare: tuple[ModelChoice, ...]) -> None:
        if self.ready:
            self._show_model()

    def watch_editing(self, editing: Message | None) -> None:
        if self.ready:
            self.status.editing = editing is not None

    def _show_model(self) -> None:
        """The status line's model and its provider's state (when not ready)."""
        choice = self.choice
        entry = self.catalog.get(choice.provider)
        self.status.model = choice.describe() if choice.provider else ""
        if self.compare:
            self.status.model = "asking " + " · ".join(c.describe() for c in self.compare)
        ready = entry is None or entry.state == READY
        self.status.provider_state = "" if ready else entry.state
        self.app.sub_title = choice.describe()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Stop is shown only while there is something to stop (at 80 columns a dim key
        # costs room the others need); otherwise Esc goes on to its next binding, back to
        # the prompt. Retry, edit and continue are dimmed when they cannot run, and
        # pressing one says why (`on_key`).
        if action == "stop":
            return self.streaming or self.editing is not None
        if action == "focus_prompt":
            return self.focused is None or self.focused.id != "prompt"
        return None if self.why_not(action) else True

    def on_key(self, event: events.Key) -> None:
        # A key whose binding is disabled comes here unhandled: say why it did nothing.
        # (Characters are the prompt's; they never look the bindings up.)
        if event.is_printable:
            return
        active = self.active_bindings.get(event.key)
        if active is not None and not active.enabled:
            reason = self.why_not(active.binding.action)
            if reason:
                event.stop()
                self.notify(reason, markup=False, timeout=4)

    # --- models ----------------------------------------------------------------------------

    def _first_list_shown(self) -> None:
        """Once the first conversation list has been shown (or could not be read): ask
        every provider for its models, after the frame being prepared, the first complete
        one; the app then does what it put off (see ChatApp)."""
        if not self._first_list_pending:
            return
        self._first_list_pending = False
        self.show_plugin_reports()
        if self.chat_app.fetch_models_on_start:
            for entry in self.catalog:
                self.call_after_refresh(self.load_models, entry)
        # What was deleted more than 30 days ago goes for good (store/trash.py).
        self.call_after_refresh(
            self.run_worker, self.chat_app.store.purge_trash, thread=True, group="trash",
            exit_on_error=False,
        )  # fmt: skip
        self.fetch_pending_media()  # the reopened conversation's images a quit cut short
        self.post_message(self.FirstListShown())

    # --- conversations ---------------------------------------------------------------------

    async def _start_new_conversation(self) -> None:
        self.session.new_conversation()
        self._cancel_edit()
        self.last_usage = ""
        await self.log_view.show(self.conversation.messages)
        self.show_welcome()
        self.remember_shown()

    def _reopen(self) -> list[Message]:
        """At start, the conversation shown last (unless settings say not), composed into
        the first frame rather than shown a frame after a blank one. One deleted since is
        forgotten quietly; one that cannot be read is said."""
        app = self.chat_app
        if not (app.settings.reopen_last and app.state.conversation):
            return []
        try:
            return self.session.open(app.state.conversation).messages
        except ConversationNotFound:
            app.state.conversation = ""
            app.save_state()
        except StoreError as error:
            self.notify(str(error), title="Could not reopen", severity="error", markup=False)
        return []

    def remember_shown(self) -> None:
        """Remember the conversation shown (state.toml), for the next start to reopen."""
        self.fetch_pending_media()  # (images a quit cut short)
        app = self.chat_app
        shown = self.conversation.id if self.conversation.messages else ""
        if app.state.conversation != shown:
            app.state.conversation = shown
            app.save_state()

    def _list_conversations_on_start(self) -> None:
        """The first frame lists the newest conversations as the index says (one file,
        ~10 ms for 2,000); `list()`, which also checks every file against the index
        (~40 ms for 2,000), runs in a worker after that frame and brings the list up to
        date. Without a usable index, only the worker."""
        store = self.store
        recent = store.recent_from_index(ConversationList.LIMIT)
        if recent is None:
            self.refresh_conversations()
            return
        summaries, total = recent
        self.query_one(ConversationList).set_summaries(summaries, self.conversation.id, total)
        self.call_after_refresh(self.refresh_conversations)
        self._first_list_shown()

    @work(thread=True, group="list", exclusive=True, exit_on_error=False)
    def refresh_conversations(self) -> None:
        store = self.store
        try:
            summaries, problems = store.list()
        except StoreError as error:
            self.app.call_from_thread(self.notify, str(error), severity="error", markup=False)
        else:
            self.app.call_from_thread(
                self._show_conversations, summaries, [str(p) for p in problems]
            )
        finally:
            # The first list is part of the first complete frame; the model lists come after.
            if self._first_list_pending:
                self.app.call_from_thread(self._first_list_shown)

    def _show_conversations(self, summaries: list[Any], problems: list[str]) -> None:
        self.query_one(ConversationList).set_summaries(summaries, self.conversation.id)
        for problem in problems:
            self.notify(problem, title="Conversation", severity="warning", markup=False, timeout=12)

    @on(ConversationList.Stale)
    def _conversations_changed(self) -> None:
        # While an answer streams, the folder changes every time its journal and the
        # index are written: re-listing then (~290 ms of a worker at 20,000
        # conversations) would be our own saves read back. The answer's end lists again.
        if not self.streaming:
            self.refresh_conversations()

    @on(ConversationList.Opened)
    async def _open_from_list(self, event: ConversationList.Opened) -> None:
        await self.open_conversation(event.conversation_id)

    @on(ConversationList.Requested)
    async def _list_request(self, event: ConversationList.Requested) -> None:
        await self.conversation_request(event.action, event.conversation_id)

    async def open_conversation(self, conversation_id: str, at: str | None = None) -> None:
        """Show a saved conversation; `at`, the id of one of its messages, scrolled to."""
        if conversation_id == self.conversation.id:
            if at:
                await self.log_view.reveal(at)
            self.focus_prompt()
            return
        await self.stop_streaming("Stopped the answer to open another conversation.")
        try:
            conversation = self.session.open(conversation_id)
        except StoreError as error:
            self.notify(str(error), title="Could not open", severity="error", markup=False)
            self.refresh_conversations()
            return
        self._cancel_edit()
        await self.log_view.show(conversation.messages, at=at)
        self.show_welcome()
        self.remember_shown()
        self.choice = self.session.choice
        self.last_usage = ""
        self.focus_prompt()

    async def action_new_chat(self) -> None:
        if not self.conversation.messages:
            self.focus_prompt()
            return
        await self.stop_streaming("Stopped the answer to start a new conversation.")
        await self._start_new_conversation()
        self.refresh_conversations()
        self.focus_prompt()

    def action_pick_conversation(self) -> None:
        self.query_one("#sidebar").display = True
        self._sidebar_auto = False
        self.query_one(ConversationList).focus()

    def action_toggle_sidebar(self) -> None:
        sidebar = self.query_one("#sidebar")
        sidebar.display = not sidebar.display
        self._sidebar_auto = False
        if sidebar.display:
            self.tree.focus()
        else:
            self.focus_prompt()

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

    # --- what the widgets say ----------------------------------------------------------------

    @on(ProviderTree.CheckAgain)
    def _check_again(self, event: ProviderTree.CheckAgain) -> None:
        entry = self.catalog.get(event.provider)
        if entry is not None:
            self.notify(f"Asking {entry.name} for its models again…", markup=False, timeout=2)
            self.load_models(entry)

    @on(ProviderTree.ModelChosen)
    def _tree_choice(self, event: ProviderTree.ModelChosen) -> None:
        self.set_choice(event.choice)
        self.focus_prompt()


    # PromptArea's messages, by their handlers' names: the prompt is imported after the
    # first frame.
    async def on_prompt_area_submitted(self, event: PromptArea.Submitted) -> None:
        try:
            await self.send(event.text, event.handled)
        finally:
            event.handled.set()  # (when nothing was sent)

    def on_prompt_area_path_pasted(self, event: PromptArea.PathPasted) -> None:
        self.path_pasted(event.path)

    # ChipBar.Emptied, by its handler's name: the chips are imported with the first file.
    def on_chip_bar_emptied(self) -> None:
        self.focus_prompt()

    def on_prompt_area_scroll_log(self, event: PromptArea.ScrollLog) -> None:
        self.log_view.move(event.where)

    def action_focus_prompt(self) -> None:
        self.focus_prompt()

    def action_toggle_reasoning(self) -> None:
        """Unfold or fold the reasoning of the answer in view: the last one on screen
        that has reasoning, else the last one in the conversation that has."""
        log = self.log_view
        order = {message.id: index for index, message in enumerate(log.messages)}
        views = sorted(
            (view for view in log.views.values() if view.reasoning is not None),
            key=lambda view: order.get(view.message.id, -1),
        )
        if not views:
            has_any = any(m.reasoning for m in self.conversation.messages)
            self.notify(
                "Scroll to an answer with reasoning first."
                if has_any
                else "No answer in this conversation has reasoning.",
                markup=False,
                timeout=4,
            )
            return
        seen = [view for view in views if view.region.overlaps(log.region)]
        view = (seen or views)[-1]
        assert view.reasoning is not None
        view.reasoning.toggle()
        if not seen:
            log.scroll_to_widget(view, animate=False)
