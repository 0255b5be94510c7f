"""An in-process provider for the UI tests: no HTTP, no server, the provider contract.

`FakeProvider` is a real provider class (providers/base.py): a classmethod async generator
`create_async_generator(model, messages, media=None, **kwargs)` yielding answer text and
typed events, with the class attributes the UI asks about. Each test gets its own
subclass (`FakeProvider.fresh()`), so what it records and its gate are the test's.

Its models answer as the loopback servers' do (tests/ui/servers.py), for the UI tests
that are not about HTTP: `echo` (and any model it does not know) says "Echo: " and the
question, `gated` holds the stream open on `gate`, `markup` answers MARKUP_ANSWER,
`long` and `long-N[-gated]` are long answers, `fail` fails, `think` reasons first. Every
built-in answer ends with a finish reason and usage (7 in, 3 out), as the servers' do.
A test can script any model's answer with `script(model, [...])`.

`FakeEntry` is the catalog entry for it: its model list comes from the class, not over
HTTP (ProviderEntry asks BackendApi and OpenAI-compatible servers, and probes any other
provider's URL).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ui.servers import MARKUP_ANSWER  # the answer of markup and escapes, shared

from tui_chat.catalog import ProviderEntry
from tui_chat.providers.base import (
    AsyncGeneratorProvider,
    Messages,
    ModelInfo,
    ProviderModelMixin,
    Timeouts,
)
from tui_chat.providers.errors import ProviderError
from tui_chat.providers.events import Event, FinishReason, Reasoning, Usage
from tui_chat.providers.helpers import MediaItem

#: The models listed, as the loopback OpenAI-compatible server lists them (and `think`).
FAKE_MODELS = (
    "echo",
    "gated",
    "markup",
    "long",
    "long-1000",
    "long-1000-gated",
    "fail",
    "think",
    "[/]odd [bold]name",
)

#: The usage every built-in answer ends with.
USAGE = Usage(prompt_tokens=7, completion_tokens=3, total_tokens=10)


class Wait:
    """A step of a script: wait for the provider's gate (the test sets it)."""

    def __repr__(self) -> str:
        return "WAIT"


WAIT = Wait()


@dataclass(frozen=True)
class Pause:
    """A step of a script: sleep this long (a slow server between chunks)."""

    seconds: float


#: What a script is made of: text, an event, an error to raise there, WAIT or a Pause.
Step = str | Event | BaseException | Wait | Pause


@dataclass
class FakeRequest:
    """One request the provider got, as the session made it."""

    model: str
    messages: list[dict[str, Any]]
    media: list[MediaItem]
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def question(self) -> Any:
        """The content of the last user message (text, or parts with images)."""
        return last_user(self.messages)


def last_user(messages: Messages) -> Any:
    for message in reversed(messages):
        if message.get("role") == "user":
            return message.get("content")
    return ""


def _as_text(content: Any) -> str:
    return content if isinstance(content, str) else json.dumps(content)


class FakeProvider(ProviderModelMixin, AsyncGeneratorProvider):
    """Scripted answers per model, recorded requests, a gate; see the module's doc."""

    _is_protocol = True
    label: ClassVar[str] = "fake"
    models: ClassVar[list[str]] = list(FAKE_MODELS)
    default_model: ClassVar[str] = "echo"
    #: Its listing does not say which models see images (as an OpenAI-compatible one);
    #: with True, those in `vision_models` do and the others do not.
    lists_vision: ClassVar[bool] = False

    # A test uses a subclass of its own (`fresh`): these lists are then its own.
    #: Every request, in order.
    requests: ClassVar[list[FakeRequest]] = []
    #: What `gated`, `long`, `long-N-gated` and WAIT steps wait for.
    gate: ClassVar[asyncio.Event] = asyncio.Event()
    #: Scripted answers by model; they win over the built-in ones.
    scripts: ClassVar[dict[str, list[Step]]] = {}
    #: Seconds slept before each text chunk (0: just let the loop run, as a socket read).
    pace: ClassVar[float] = 0.0
    #: The model list fails with this error instead (the provider is unreachable).
    listing_error: ClassVar[BaseException | None] = None
    #: How many times the model list was asked for.
    listed: ClassVar[int] = 0

    @classmethod
    def fresh(cls, name: str = "fake", **attributes: Any) -> type[FakeProvider]:
        """A provider of its own for one test: its requests, gate, scripts and name."""
        attributes.setdefault("requests", [])
        attributes.setdefault("gate", asyncio.Event())
        attributes.setdefault("scripts", {})
        return cls.configured(name, **attributes)

    @classmethod
    def script(cls, model: str, steps: Sequence[Step]) -> None:
        """Answer `model` with these steps (text, events, an error to raise, WAIT, Pause)."""
        if model not in cls.models:
            cls.models = [*cls.models, model]
        cls.scripts[model] = list(steps)

    @classmethod
    def model_infos(cls) -> list[ModelInfo]:
        return [
            ModelInfo(
                model,
                model,
                vision=cls.is_vision_model(model),
                default=model == cls.default_model,
            )
            for model in cls.models
        ]

    @classmethod
    async def fetch_models(cls) -> list[ModelInfo]:
        """The listing, as a server would give it (or its failure)."""
        cls.listed += 1
        await asyncio.sleep(0)
        if cls.listing_error is not None:
            raise cls.listing_error
        return cls.model_infos()

    @classmethod
    async def create_async_generator(  # type: ignore[override]
        cls,
        model: str,
        messages: Messages,
        media: Sequence[MediaItem] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[str | Event]:
        cls.requests.append(
            FakeRequest(model, [dict(m) for m in messages], list(media or []), dict(kwargs))
        )
        for step in cls.steps(model, messages):
            if isinstance(step, Wait):
                await cls.gate.wait()
            elif isinstance(step, Pause):
                await asyncio.sleep(step.seconds)
            elif isinstance(step, BaseException):
                raise step
            else:
                await asyncio.sleep(cls.pace if isinstance(step, str) else 0)
                yield step

    @classmethod
    def steps(cls, model: str, messages: Messages) -> list[Step]:
        """The answer to `model`: its script, else the built-in one."""
        if model in cls.scripts:
            return list(cls.scripts[model])
        end: list[Step] = [FinishReason("stop"), USAGE]
        if model == "gated":
            return ["Partial one. ", "Partial two. ", WAIT, "Rest.", *end]
        if model == "markup":
            return [MARKUP_ANSWER, *end]
        if model == "fail":
            return [ProviderError("The model melted.", hint="Try another model.")]
        if model == "think":
            return [Reasoning(token="Let me think."), Reasoning(token=" Done."), "Thought.", *end]
        if model.startswith("long-"):
            # As the peer server's `long-N`: one paragraph of N words, "w0 w1 w2 ...";
            # `long-N-gated` waits for the gate after nine tenths of them.
            count = int(model.split("-")[1])
            words: list[Step] = [f"w{i} " for i in range(count)]
            if model.endswith("-gated"):
                words.insert(count * 9 // 10, WAIT)
            return [*words, *end]
        if model == "long":
            lines: list[Step] = []
            for i in range(120):
                lines += [f"Line {i} of a long answer.\n\n", Pause(0.005)]
            return [*lines, WAIT, "The end.", *end]
        words = ("Echo: " + _as_text(last_user(messages))).split(" ")
        return [word if i == 0 else " " + word for i, word in enumerate(words)] + end


class FakeEntry(ProviderEntry):
    """A catalog entry for a FakeProvider: models from the class, never over HTTP."""

    def static_models(self) -> list[ModelInfo]:
        return self._fake().model_infos()

    async def fetch_models(self, proxy: str | None, timeouts: Timeouts) -> list[ModelInfo]:
        return await self._fake().fetch_models()

    def _fake(self) -> type[FakeProvider]:
        assert issubclass(self.provider, FakeProvider)
        return self.provider


def fake_entry(provider: type[FakeProvider], state: str = "ready", **kwargs: Any) -> FakeEntry:
    """The entry for `provider` under its name, ready with its models (unless told)."""
    entry = FakeEntry(provider.name(), provider, state=state, **kwargs)
    if state == "ready":
        entry.models = provider.model_infos()
    return entry


__all__ = [
    "FAKE_MODELS",
    "MARKUP_ANSWER",
    "USAGE",
    "WAIT",
    "FakeEntry",
    "FakeProvider",
    "FakeRequest",
    "Pause",
    "Step",
    "fake_entry",
    "last_user",
]
