"""`tui-chat ask`: one question, the answer streamed to stdout, the exchange saved.

The answer is recorded exactly as the app records one (`tui_chat.chat.AnswerRecorder`),
so a conversation started here opens, and continues, the same way in the app. With
several -m, each model answers at once and the answers are printed in turn (fanout.py).
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from tui_chat.catalog import Catalog, ProviderEntry, listing_timeouts
from tui_chat.chat import (
    MEDIA,
    REASONING,
    TEXT,
    describe_error,
)
from tui_chat.model_choice import ModelChoice
from tui_chat.session import JOURNAL_EVERY, Answer, ChatSession
from tui_chat.store import (
    Conversation,
    ConversationNotFound,
    ConversationStore,
    StoreError,
)

from ..attachments import (
    AttachmentRefused,
    Prepared,
    compose_prompt,
    media_items,
    prepare_attachments,
    prepare_data,
)
from .common import (
    BROKEN_PIPE,
    FAILED,
    INTERRUPTED,
    OK,
    CommandError,
    command,
    load_context,
    usage_error,
)
from .fanout import (
    MOST_MODELS,
    Fanout,
    model_name,
    unwatch_signals,
    watch_signals,
)
from .terminal import Printer, Section, TextOut, say, silence_stdout


@command
def run_ask(args: Any, paths: Any) -> int:
    models: list[str | None] = list(args.model or [None])
    if len(models) > MOST_MODELS:
        raise usage_error(
            f"At most {MOST_MODELS} models can be asked at once (-m was given "
            f"{len(models)} times). Nothing was sent."
        )
    context = load_context(paths)
    settings, catalog = context.settings, context.catalog
    if not len(catalog):
        raise CommandError("No provider is configured: add one to settings.toml.")
    store = ConversationStore(paths)
    conversation = _existing_conversation(args, store)
    # Every model is checked before anything is sent.
    choices = [
        _choose(args, catalog, settings, conversation, context.state, model) for model in models
    ]
    try:
        prepared = prepare_attachments(args.attach or (), settings.attachments)
    except AttachmentRefused as refused:
        raise usage_error(f"{refused} Nothing was sent.") from None
    piped, piped_media = _read_stdin(args, settings)
    if piped_media is not None:
        prepared.append(piped_media)
    question = " ".join(args.prompt or ())
    text = compose_prompt(question, prepared, piped)
    if not text.strip() and not any(p.is_image for p in prepared):
        raise usage_error("Nothing to ask: give a question, pipe text on stdin, or attach a file.")
    turn = Turn(
        args=args,
        store=None if args.no_save else store,
        settings=settings,
        catalog=catalog,
        conversation=conversation,
        choices=choices,
        question=question,
        text=text,
        prepared=prepared,
    )
    return asyncio.run(turn.run())


# --- choosing the conversation and the model -----------------------------------------------


def _existing_conversation(args: Any, store: ConversationStore) -> Conversation | None:
    conversation_id = args.conversation
    if args.continue_last:
        try:
            summaries, _problems = store.list()
        except StoreError as error:
            raise CommandError(str(error)) from None
        if not summaries:
            raise usage_error("There is no saved conversation to continue.")
        conversation_id = summaries[0].id
    if not conversation_id:
        return None
    try:
        return store.load(conversation_id)
    except ValueError:
        raise usage_error(f"{conversation_id!r} is not a conversation id.") from None
    except ConversationNotFound:
        raise usage_error(
            f"There is no saved conversation {conversation_id!r} (in {store.folder})."
        ) from None
    except StoreError as error:
        raise CommandError(str(error)) from None


def _choose(
    args: Any,
    catalog: Catalog,
    settings: Any,
    conversation: Conversation | None,
    state: Any = None,
    model: str | None = None,
) -> ModelChoice:
    """The model to ask: -p and `model` (one -m), else the continued conversation's,
    else the default."""
    provider: str = args.provider or ""
    via = ""
    if provider and catalog.get(provider) is None:
        raise usage_error(_unknown_provider(provider, catalog))
    if model is not None:
        model, _, via = model.partition(" via ")
        model, via = model.strip(), via.strip()
        head, slash, rest = model.partition("/")
        if slash and catalog.get(head) is not None and (not provider or head == provider):
            provider, model = head, rest
        elif slash and not provider:
            # Without -p, what comes before the first "/" names the provider: asking the
            # default provider for "nosuch/model" would send a typo on as a model id.
            raise usage_error(
                _unknown_provider(head, catalog)
                + " For a model whose id has a '/', use -p PROVIDER -m MODEL."
            )
    if not provider:
        if conversation is not None and catalog.get(conversation.provider) is not None:
            provider = conversation.provider
            if model is None:
                model, via = conversation.model, ModelChoice.of(conversation).via
        elif conversation is not None and conversation.provider and model is None:
            raise usage_error(
                f"The conversation was with {conversation.provider!r}, which is not "
                "configured any more; choose a provider with -p."
            )
        else:
            default = catalog.default_choice(settings, state)
            provider = default.provider
            if model is None:
                model, via = default.model, default.via
    entry = catalog.get(provider)
    if entry is None:
        raise usage_error(_unknown_provider(provider, catalog))
    if model is None:
        model = entry.default_model()
    return ModelChoice(provider, model, via)


def _unknown_provider(name: str, catalog: Catalog) -> str:
    known = ", ".join(catalog.names()) or "none"
    return f"No provider named {name!r} is configured (configured: {known})."


def _read_stdin(args: Any, settings: Any) -> tuple[str, Prepared | None]:
    """Piped input: text to put before the question, or an image to send."""
    stdin = sys.stdin
    if args.no_stdin or stdin is None:
        return "", None
    try:
        if stdin.isatty():
            return "", None
        data = stdin.buffer.read()
    except (OSError, ValueError, AttributeError):
        return "", None
    if not data:
        return "", None
    try:
        prepared = prepare_data(data, "stdin", settings.attachments, path="<stdin>")
    except AttachmentRefused as refused:
        raise usage_error(f"{refused} Nothing was sent.") from None
    if prepared.is_image:
        extension = prepared.mime_type.rpartition("/")[2]
        return "", prepare_data(data, f"stdin.{extension}", settings.attachments, path="<stdin>")
    return prepared.text, None


# --- one turn: request, stream, record -----------------------------------------------------


@dataclass
class Turn:
    args: Any
    store: ConversationStore | None
    settings: Any
    catalog: Catalog
    conversation: Conversation | None
    #: The models asked, in the order given: the first one's answer is the one shown.
    choices: list[ModelChoice]
    question: str
    text: str
    prepared: list[Prepared]
    signal_code: int = 0
    out: TextOut = field(init=False)
    err: TextOut = field(init=False)
    printer: Printer = field(init=False)

    @property
    def choice(self) -> ModelChoice:
        return self.choices[0]

    async def run(self) -> int:
        try:  # a character the output encoding lacks must not end the answer
            sys.stdout.reconfigure(errors="replace")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass
        self.out = TextOut(sys.stdout)
        self.err = TextOut(sys.stderr, dim=True)
        managed: set[str] = set()
        for index, choice in enumerate(self.choices):
            entry = self.catalog.get(choice.provider)
            assert entry is not None
            if entry.managed is not None and entry.name not in managed:
                managed.add(entry.name)
                await self._use_managed(entry)
            if not choice.model and not entry.picks_default_model:
                self.choices[index] = await self._pick_default_model(entry, choice)
        # The same steps as the app's (session.py): the question, the answer's placeholder
        # and journal, the request.
        self.session = ChatSession(self.settings, self.catalog, self.store)
        self.session.choice = self.choice
        conversation = self._conversation()
        media = media_items(self.prepared)
        if len(self.choices) > 1:
            answers = self.session.start_answers(self.choices, media)
        else:
            answers = [self.session.start_answer(media=media)]
        self._save(conversation, before=True)
        if self.args.verbose:
            saved = f"conversation {conversation.id}" if self.store else "not saved"
            if len(answers) > 1:
                names = ", ".join(model_name(choice) for choice in self.choices)
            else:
                names = self.choice.key() or self.choice.provider
            say(f"asking {names} ({saved})")
        if len(answers) > 1:
            return await Fanout(self, answers).run()
        outcome, error = await self._stream(answers[0])
        if outcome != "pipe":
            # The answer's images into the media folder before it is saved (a failed one
            # is recorded with its reason).
            items = self.session.media_to_fetch(answers[0])
            await self.session.fetch_media(answers[0].conversation.id, items)
        return self._finish(answers[0], outcome, error)

    async def _pick_default_model(self, entry: ProviderEntry, choice: ModelChoice) -> ModelChoice:
        """An OpenAI-compatible server with no model named: ask it which it has."""
        request = self.settings.request
        try:
            entry.models = await entry.fetch_models(
                request.proxy or None, listing_timeouts(self.settings.request)
            )
        except Exception as error:  # no answer can be asked for: say why, send nothing
            raise CommandError(f"{entry.name}: {describe_error(error)}") from None
        model = entry.default_model()
        if not model:
            raise usage_error(f"{entry.name} lists no models; choose one with -m.")
        return ModelChoice(choice.provider, model, choice.via)

    async def _use_managed(self, entry: ProviderEntry) -> None:
        """The g4f backend on this machine, when nothing answers at its URL: the g4f
        server tui-chat runs (an open tui-chat's, else one started for this question,
        which stops when the command ends). See tui_chat/managed.py."""
        from tui_chat import managed

        if managed.why_not(entry.managed.mode):
            return  # none to run: the question goes to the configured URL, as always
        request = self.settings.request

        def starting() -> None:
            say(f"{entry.name}: starting a g4f server for you (log: {entry.managed.status().log})")

        await managed.refresh(
            entry, request.proxy or None, listing_timeouts(request), starting
        )
        if entry.state == managed.FAILED:
            raise CommandError(f"{entry.name}: {entry.problem}")

    def _conversation(self) -> Conversation:
        args, choice, session = self.args, self.choice, self.session
        if self.conversation is None:
            conversation = session.new_conversation()
        else:
            conversation = session.conversation = self.conversation
        if args.system is not None:
            conversation.system_prompt = args.system
        choice.apply_to(conversation)
        if args.temperature is not None:
            conversation.parameters["temperature"] = args.temperature
        if args.max_tokens is not None:
            conversation.parameters["max_tokens"] = args.max_tokens
        session.add_question(self.text, self.prepared, title_text=self.question)
        return conversation

    def _save_answer(self, answer: Answer) -> str:
        """Save the answer (its journal goes once saved); the error sentence, or ""."""
        try:
            self.session.save_answer(answer)
        except StoreError as error:
            return str(error)
        return ""

    def _save(self, conversation: Conversation, *, before: bool = False) -> str:
        """Save unless --no-save; returns the error sentence, or "" when saved."""
        try:
            self.session.save(conversation)
        except StoreError as error:
            if before:  # nothing sent yet: better not to ask at all
                raise CommandError(f"{error} Nothing was sent.") from None
            return str(error)
        return ""

    async def _stream(self, answer: Answer) -> tuple[str, BaseException | None]:
        """Run the answer; returns ("complete" | "stopped" | "failed" | "pipe", error)."""
        self.printer = Printer(self.out, self.err, show_reasoning=self.args.show_reasoning)
        consumer = asyncio.create_task(self._consume(answer, self.printer))
        loop = asyncio.get_running_loop()

        def on_signal(signum: int, code: int) -> None:
            self.signal_code = self.signal_code or code
            consumer.cancel()
            # A second Ctrl+C is not caught: it ends the program at once.
            loop.remove_signal_handler(signum)

        # Ctrl+C, and the session ending under it (SSH gone, kill, Ctrl+\\): the words so
        # far are saved, marked stopped, and the exit status says which signal it was.
        watched = watch_signals(loop, on_signal)
        try:
            await consumer
        except asyncio.CancelledError:
            if not self.signal_code:
                raise
            return "stopped", None
        except BrokenPipeError as error:
            return "pipe", error
        except Exception as error:
            return "failed", error
        finally:
            unwatch_signals(loop, watched)
        return "complete", None

    async def _consume(self, answer: Answer, sink: Printer | Section) -> None:
        """Stream the answer into its recorder and journal, its words to `sink`."""
        recorder = answer.recorder
        stream = await self.session.open_stream(answer)
        for note in recorder.notices:  # earlier images gone or changed: said now, once
            say(note)
        recorder.notices.clear()
        # Words go to the journal as they come (at most JOURNAL_EVERY apart): a kill -9
        # or a power cut loses at most that much of the answer.
        journaled = time.monotonic()
        try:
            async for item in stream:
                kind = recorder.feed(item)
                if kind == TEXT:
                    sink.text(recorder.parts[-1])
                elif kind == REASONING:
                    sink.reasoning(recorder.reasoning_parts[-1])
                elif kind == MEDIA:
                    # An image on stdout is its link (a data URI's bytes are not printed);
                    # the file is fetched into the media folder when the answer is saved.
                    count = len(getattr(item, "urls", ()))
                    for media, url in recorder.media_sources[len(recorder.media_sources) - count :]:
                        shown = url if not url.startswith("data:") else "data URI"
                        sink.text(f"\n[image: {media.alt or 'image'}] ({shown})\n")
                # After the output: reading the whole text joins the recorder's parts.
                if time.monotonic() - journaled >= JOURNAL_EVERY:
                    answer.write_journal()
                    journaled = time.monotonic()
        finally:
            aclose = getattr(stream, "aclose", None)
            if aclose is not None:
                try:
                    await aclose()
                except Exception:
                    pass

    def _finish(self, answer: Answer, outcome: str, error: BaseException | None) -> int:
        conversation, recorder = answer.conversation, answer.recorder
        if outcome == "pipe":
            silence_stdout()
        else:
            try:
                self.printer.end()
            except BrokenPipeError:
                silence_stdout()
                outcome = "pipe"
        if outcome == "complete":
            recorder.finish()
        elif outcome == "failed":
            assert error is not None
            recorder.fail(error)
        else:
            recorder.stop()
        problem = self._save_answer(answer)
        if self.args.verbose:
            for notice in recorder.notices:
                say(f"note: {notice}")
        for report in self.catalog.reports.take():  # a plugin's stream broke the contract
            say(f"warning: {report}")
        if outcome == "pipe":
            return BROKEN_PIPE
        if outcome == "stopped":
            if self.store is None:
                say("interrupted; nothing was saved (--no-save).")
            elif problem:
                say(f"interrupted; the partial answer was not saved: {problem}")
            else:
                say(f"interrupted; the partial answer was saved (conversation {conversation.id})")
            return self.signal_code or INTERRUPTED
        if problem:
            say(problem)
        if outcome == "failed":
            assert error is not None
            say(f"{model_name(self.choice)}: {describe_error(error)}")
            return FAILED
        return FAILED if problem else OK
