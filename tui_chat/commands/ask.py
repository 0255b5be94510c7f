"""`tui-chat ask`: one question, the answer streamed to stdout, the exchange saved.

The answer is recorded exactly as the app records one (`tui_chat.chat.AnswerRecorder`),
so a conversation started here opens, and continues, the same way in the app.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from tui_chat.catalog import Catalog, ProviderEntry, listing_timeouts
from tui_chat.chat import (
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
from .terminal import TextOut, say, silence_stdout

#: SIGTERM ends an answer like Ctrl+C does (saved as stopped), with its own exit code.
TERMINATED = 143
ENDING_SIGNALS = [(signal.SIGINT, INTERRUPTED), (signal.SIGTERM, TERMINATED)] + [
    (getattr(signal, name), 128 + getattr(signal, name))
    for name in ("SIGHUP", "SIGQUIT")
    if hasattr(signal, name)
]


@command
def run_ask(args: Any, paths: Any) -> int:
    context = load_context(paths)
    settings, catalog = context.settings, context.catalog
    if not len(catalog):
        raise CommandError("No provider is configured: add one to settings.toml.")
    store = ConversationStore(paths)
    conversation = _existing_conversation(args, store)
    choice = _choose(args, catalog, settings, conversation, context.state)
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
        choice=choice,
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
) -> ModelChoice:
    """The model to ask: -p/-m, else the continued conversation's, else the default."""
    provider: str = args.provider or ""
    model: str | None = args.model
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
    choice: ModelChoice
    question: str
    text: str
    prepared: list[Prepared]
    signal_code: int = 0
    out: TextOut = field(init=False)
    err: TextOut = field(init=False)

    async def run(self) -> int:
        entry = self.catalog.get(self.choice.provider)
        assert entry is not None
        try:  # a character the output encoding lacks must not end the answer
            sys.stdout.reconfigure(errors="replace")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass
        self.out = TextOut(sys.stdout)
        self.err = TextOut(sys.stderr, dim=True)
        if entry.managed is not None:
            await self._use_managed(entry)
        if not self.choice.model and not entry.picks_default_model:
            await self._pick_default_model(entry)
        # The same steps as the app's (session.py): the question, the answer's placeholder
        # and journal, the request.
        self.session = ChatSession(self.settings, self.catalog, self.store)
        self.session.choice = self.choice
        conversation = self._conversation()
        answer = self.session.start_answer(media=media_items(self.prepared))
        self._save(conversation, before=True)
        if self.args.verbose:
            saved = f"conversation {conversation.id}" if self.store else "not saved"
            say(f"asking {self.choice.key() or self.choice.provider} ({saved})")
        outcome, error = await self._stream(answer)
        return self._finish(answer, outcome, error)

    async def _pick_default_model(self, entry: ProviderEntry) -> None:
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
        self.choice = ModelChoice(self.choice.provider, model, self.choice.via)

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
        consumer = asyncio.create_task(self._consume(answer))
        loop = asyncio.get_running_loop()
        watched: list[int] = []

        def on_signal(signum: int, code: int) -> None:
            self.signal_code = self.signal_code or code
            consumer.cancel()
            # A second Ctrl+C is not caught: it ends the program at once.
            loop.remove_signal_handler(signum)

        # Ctrl+C, and the session ending under it (SSH gone, kill, Ctrl+\\): the words so
        # far are saved, marked stopped, and the exit status says which signal it was.
        for signum, code in ENDING_SIGNALS:
            try:
                loop.add_signal_handler(signum, on_signal, signum, code)
                watched.append(signum)
            except (NotImplementedError, RuntimeError, ValueError):
                pass  # not the main thread, or no signals here: Ctrl+C raises instead
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
            for signum in watched:
                loop.remove_signal_handler(signum)
        return "complete", None

    async def _consume(self, answer: Answer) -> None:
        recorder = answer.recorder
        stream = await self.session.open_stream(answer)
        for note in recorder.notices:  # earlier images gone or changed: said now, once
            say(note)
        recorder.notices.clear()
        # Words go to the journal as they come (at most JOURNAL_EVERY apart): a kill -9
        # or a power cut loses at most that much of the answer.
        journaled = time.monotonic()
        show_reasoning = self.args.show_reasoning
        in_reasoning = False
        try:
            async for item in stream:
                kind = recorder.feed(item)
                if kind == TEXT:
                    if in_reasoning:
                        self.err.end_line()
                        in_reasoning = False
                    self.out.write(recorder.parts[-1])
                elif kind == REASONING and show_reasoning:
                    in_reasoning = True
                    self.err.write(recorder.reasoning_parts[-1])
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
                self.err.end_line()
                self.out.end_line()
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
            where = self.choice.key() if self.choice.model else self.choice.provider
            say(f"{where}: {describe_error(error)}")
            return FAILED
        return FAILED if problem else OK
