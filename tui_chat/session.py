"""A chat session without a screen: what the app and `tui-chat ask` share.

It holds the settings, the keys, the state, the conversation store, the catalog of
providers, the conversation in use and the model chosen, and it does a chat turn's steps
the one way both front ends need them: a new conversation, a question added (with its
title), an answer started (its placeholder, journal, request and stream), a retry or an
edit kept as a variant (branches.py), a fork, a model remembered. It raises; it never
tells the user anything itself (no Textual here: the import-guard test checks).
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .attachments import Prepared
from .branches import add_branch, add_hidden, fork, show_variant
from .catalog import Catalog, ProviderEntry
from .chat import (
    AnswerRecorder,
    earlier_images,
    last_index,
    request_messages,
    request_params,
    resend_media,
    title_from,
)
from .media import attached_media, fetch_all
from .media import resolve as resolve_media_url
from .model_choice import ModelChoice
from .providers.errors import ProviderError
from .providers.helpers import MediaItem
from .providers.timeouts import Timeouts
from .record import field, record
from .store import Conversation, ConversationStore, Message
from .store.conversations import MediaFile, provider_state_key
from .store.journal import AnswerJournal
from .store.settings import Settings
from .store.state import State

if TYPE_CHECKING:  # (imported with the first answer: see providers/backend_api.py)
    from .providers.events import Event

#: A streaming answer's new text goes to its journal this often (store/journal.py), in
#: the app and in `tui-chat ask`: a killed process loses at most this much of it, a power
#: cut at most journal.SYNC_EVERY more.
JOURNAL_EVERY = 0.1

#: What is asked of a model that cannot continue an answer by itself.
CONTINUE_PROMPT = (
    "Continue your previous answer exactly where it stopped, without repeating anything."
)


@record
class Answer:
    """One answer being asked for: its message, what records it, and its journal.

    `open_stream()` starts the provider's generator; the caller feeds each item to
    `recorder`, writes the journal as often as it likes, then `recorder.finish()`,
    `.stop()` or `.fail(error)`, and `session.save_answer(answer)`.
    """

    conversation: Conversation
    choice: ModelChoice
    message: Message
    recorder: AnswerRecorder
    journal: AnswerJournal | None
    #: The request holds the messages before this index.
    upto: int
    continuing: bool
    #: The question's images; None: read them again from their files (a retry or a
    #: continue), when the request is built.
    media: list[MediaItem] | None
    #: Earlier images found gone or changed and already said, for this conversation.
    said: set[str] | None = None

    def write_journal(self) -> None:
        if self.journal is not None:
            self.journal.write(self.recorder.text, self.recorder.reasoning)


@record
class ChatSession:
    """The chat without the screen: settings, catalog, store, state and the conversation shown."""

    settings: Settings
    catalog: Catalog
    store: ConversationStore | None
    state: State = field(default_factory=State)
    conversation: Conversation = field(default_factory=Conversation)
    choice: ModelChoice = field(default_factory=lambda: ModelChoice("", ""))
    #: Per conversation id, the earlier images already said to be gone or changed: each
    #: is said once, not under every answer after it.
    images_said: dict[str, set[str]] = field(default_factory=dict)

    # --- conversations --------------------------------------------------------------------

    def new_conversation(self) -> Conversation:
        """An empty conversation with the settings' system prompt and the current model;
        it becomes the current one."""
        conversation = Conversation(system_prompt=self.settings.request.system_prompt)
        self.choice.apply_to(conversation)
        self.conversation = conversation
        return conversation

    def open(self, conversation_id: str) -> Conversation:
        """Load a saved conversation and make it current (its model too, when its
        provider is still configured). Raises StoreError."""
        if self.store is None:
            raise ValueError("this session does not save conversations")
        conversation = self.store.load(conversation_id)
        self.conversation = conversation
        if self.catalog.get(conversation.provider) is not None:
            self.choice = ModelChoice.of(conversation)
        return conversation

    def save(self, conversation: Conversation | None = None) -> None:
        """Write the conversation (the current one by default). Raises StoreError; a
        session that does not save (`ask --no-save`) does nothing."""
        conversation = conversation or self.conversation
        if self.store is not None and conversation.messages:
            conversation.updated = datetime.now(UTC)
            self.store.save(conversation)

    # --- a turn ----------------------------------------------------------------------------

    def add_question(
        self,
        text: str,
        prepared: Sequence[Prepared] = (),
        *,
        title_text: str | None = None,
        replacing: Message | None = None,
    ) -> Message:
        """The user's message, appended to the current conversation; an untitled
        conversation is titled from `title_text` (the question without the files'
        contents), else the text, else the files' names.

        `replacing` (an edit resent): the new question takes that message's place, and
        that message with the answers after it stays as a variant (branches.py)."""
        conversation = self.conversation
        message = Message(
            role="user", content=text, attachments=[p.attachment() for p in prepared]
        )
        if self.data_dir is not None:
            # Copies in the media folder: the conversation shows them when the originals
            # have moved (what is sent again is still read from the originals).
            images = [(p.data, str(p.path)) for p in prepared if p.is_image]
            message.media = attached_media(self.data_dir, self.conversation.id, images)
        messages = conversation.messages
        if replacing is not None and any(m is replacing for m in messages):
            self._untitle_if_first(replacing)
            add_branch(messages, messages.index(replacing), [message])
        else:
            messages.append(message)
        if not conversation.title:
            names = ", ".join(p.name for p in prepared)
            conversation.title = title_from(title_text or text or names)
        return message

    def _untitle_if_first(self, message: Message) -> None:
        """A title made from the first question goes when that question is replaced."""
        messages = self.conversation.messages
        first_user = next((m for m in messages if m.role == "user"), None)
        if message is first_user and self.conversation.title == title_from(message.content):
            self.conversation.title = ""

    def start_answer(
        self,
        *,
        continue_from: Message | None = None,
        replacing: Message | None = None,
        media: Sequence[MediaItem] | None = None,
        choice: ModelChoice | None = None,
    ) -> Answer:
        """The answer's message (a new one at the end, or the stopped one to continue),
        marked streaming, with its recorder and journal. Nothing is sent yet. `media` are
        the images of the question just asked; None reads the last question's again.

        `replacing` (a retry): the new answer takes that answer's place, which stays as a
        variant of it (branches.py). `choice`: another model than the session's."""
        conversation, choice = self.conversation, choice or self.choice
        messages = conversation.messages
        if continue_from is not None:
            message = continue_from
            upto = messages.index(message) + 1
            message.error = ""
        else:
            message = self._answer_message(choice)
            if replacing is not None and any(m is replacing for m in messages):
                upto = messages.index(replacing)
                add_branch(messages, upto, [message])
            else:
                messages.append(message)
                upto = len(messages) - 1
        return self._answer(message, choice, upto, continue_from is not None, media)

    def start_answers(
        self, choices: Sequence[ModelChoice], media: Sequence[MediaItem] | None = None
    ) -> list[Answer]:
        """Several models asked the last question at once: one answer each, streaming
        side by side. The first is shown in the conversation, the others are variants of
        it (`show_variant` picks another to go on with); each has a journal of its own."""
        if not choices:
            raise ValueError("no model to ask")
        first = self.start_answer(media=media, choice=choices[0])
        answers = [first]
        messages = self.conversation.messages
        for slot, choice in enumerate(choices[1:], start=1):
            message = self._answer_message(choice)
            add_hidden(messages, first.upto, [message])
            answers.append(self._answer(message, choice, first.upto, False, media, slot))
        return answers

    def _answer_message(self, choice: ModelChoice) -> Message:
        return Message(role="assistant", content="", provider=choice.answerer(), model=choice.model)

    def _answer(
        self,
        message: Message,
        choice: ModelChoice,
        upto: int,
        continuing: bool,
        media: Sequence[MediaItem] | None,
        slot: int = 0,
    ) -> Answer:
        conversation = self.conversation
        message.status = "streaming"
        recorder = AnswerRecorder(message, conversation, state_key=self.state_key(choice))
        journal = (
            self.store.start_journal(conversation.id, message, slot) if self.store else None
        )
        return Answer(
            conversation,
            choice,
            message,
            recorder,
            journal,
            upto,
            continuing,
            None if media is None else list(media),
            self.images_said.setdefault(conversation.id, set()),
        )

    async def open_stream(self, answer: Answer) -> AsyncIterator[str | Event]:
        """Build the request (history, earlier images read again in a thread, parameters,
        how to continue) and start the provider's generator. Raises ProviderError when
        the provider is not configured. Notes about earlier images go to the recorder."""
        entry = self.entry(answer.choice.provider)
        conversation = answer.conversation
        question = last_index(conversation.messages[: answer.upto], "user") or 0
        images, notes = await asyncio.to_thread(
            earlier_images,
            conversation.messages[:question],
            self.settings.attachments,
            answer.said,
        )
        answer.recorder.notices.extend(notes)
        if answer.media is None:
            answer.media, notes = await asyncio.to_thread(
                self._question_media, conversation.messages[: answer.upto]
            )
            answer.recorder.notices.extend(notes)
        messages = request_messages(conversation, answer.upto, images)
        params = request_params(conversation, self.settings.request)
        state = conversation.provider_state.get(answer.recorder.state_key)
        if state:
            # This provider's own context, as it last left it: another provider's state
            # in between (a switch and back) is kept apart under its own key.
            params["conversation"] = copy.deepcopy(state)
        if answer.continuing:
            if entry.continues_answers:
                params["action"] = "continue"
            else:
                messages.append({"role": "user", "content": CONTINUE_PROMPT})
        request = self.settings.request
        return entry.stream(
            answer.choice,
            messages,
            answer.media or None,
            proxy=request.proxy,
            timeouts=Timeouts(request.connect_timeout, request.read_timeout),
            params=params,
        )

    def _question_media(self, messages: Sequence[Message]) -> tuple[list[MediaItem], list[str]]:
        """The last question's images read again, and what changed in its files since."""
        index = last_index(messages, "user")
        if index is None or not messages[index].attachments:
            return [], []
        return resend_media(messages[index], self.settings.attachments)

    def save_answer(self, answer: Answer) -> None:
        """Save the answer's conversation with every word received; its journal goes
        once the file holds them, and stays (fsynced) when the save fails. Raises
        StoreError."""
        answer.recorder.sync()
        try:
            self.save(answer.conversation)
        except Exception:
            if answer.journal is not None:
                answer.write_journal()
                answer.journal.sync()
            raise
        if answer.journal is not None:
            answer.journal.close()

    # --- branches --------------------------------------------------------------------------

    def show_variant(self, index: int, step: int) -> list[Message]:
        """Show the variant `step` places after the one shown at message `index` (wrapping
        around); returns the messages shown from there on. The conversation goes on
        from it. The caller saves."""
        messages = self.conversation.messages
        head = messages[index]
        return show_variant(messages, index, head.variant + step)

    def fork(self, index: int) -> Conversation:
        """A new conversation with the messages up to and including `index` (same model,
        system prompt and parameters), saved, and current from now on; the original is
        untouched. Raises StoreError."""
        original = self.conversation
        forked = fork(original, index)
        self.save(forked)
        self.conversation = forked
        return forked

    # --- models ------------------------------------------------------------------------------

    def state_key(self, choice: ModelChoice) -> str:
        """Whose conversation state an answer from this model reads and records: the
        provider, and behind a g4f backend the provider asked through it (the choice's,
        else the one its settings name)."""
        entry = self.catalog.get(choice.provider)
        via = entry.via_for(choice) if entry is not None else choice.via
        return provider_state_key(choice.provider, via)

    # --- images ----------------------------------------------------------------------------

    @property
    def data_dir(self) -> Path | None:
        """The folder `MediaFile.path` is relative to; None when nothing is saved."""
        return self.store.paths.config_dir if self.store is not None else None

    def media_to_fetch(self, answer: Answer) -> list[tuple[MediaFile, str]]:
        """The images the answer announced, taken from its recorder, each with its URL
        resolved against its provider's (g4f serves its own as `/media/…`)."""
        items, answer.recorder.media_sources = answer.recorder.media_sources, []
        entry = self.catalog.get(answer.choice.provider)
        base = entry.url if entry is not None else ""
        return [(m, resolve_media_url(url, base)) for m, url in items]

    async def fetch_media(self, conversation_id: str, items: list[tuple[MediaFile, str]]) -> None:
        """Fetch or decode each image into the media folder (a failure is recorded in its
        place, never raised); the caller saves the conversation after."""
        if self.data_dir is None:
            for media, _url in items:
                media.error = "not saved (this session saves nothing)"
            return
        await fetch_all(
            self.data_dir,
            conversation_id,
            items,
            cap=self.settings.attachments.max_image_bytes,
            proxy=self.settings.request.proxy or None,
        )

    def entry(self, provider: str) -> ProviderEntry:
        entry = self.catalog.get(provider)
        if entry is None:
            raise ProviderError(f"No provider named {provider!r} is configured.")
        return entry

    def images_over_limit(self, images: Sequence[Any]) -> int:
        """How many of these images the current provider cannot take in one message."""
        entry = self.catalog.get(self.choice.provider)
        if entry is None or entry.max_images is None:
            return 0
        return max(0, len(images) - entry.max_images)

    def remember(self, choice: ModelChoice, configured: Settings, *, to_front: bool = True) -> None:
        """Use this model from now on, for the current conversation and at the next start
        (state.toml: the caller writes it with `store.save_state`)."""
        self.choice = choice
        choice.apply_to(self.conversation)
        self.state.remember(choice, configured, to_front=to_front)
