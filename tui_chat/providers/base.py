"""The provider contract: class attributes that describe a provider, its generator, and
its model listing.

Every provider follows it: the built-in ones (BackendApi, Dynaspark, OpenAICompatible)
and plugins (docs/providers.md; tui_chat/plugins.py loads them). A provider is a class,
never an instance; everything is a class attribute or a classmethod.

What a provider must have:

- `create_async_generator(model, messages, media=None, **kwargs)`: a classmethod async
  generator yielding answer text (`str`) and events (`providers/events.py`). Keyword
  arguments it may get: `api_key`, `proxy`, `connect_timeout`, `read_timeout`,
  `temperature`, `max_tokens`, `action="continue"` (when `continues_answers`),
  `conversation` (the state it last yielded as `ConversationState`, for this provider in
  this conversation), `provider` (when `upstream_providers`). It should accept and ignore
  any other keyword. It raises `ProviderError` (errors.py) for a failure to show as is.

What it may have (each has a default here):

- `label`: its name in the sidebar and in `provider/model` (else the class name);
- `models`, `default_model`, `vision_models`, `model_aliases` (ProviderModelMixin), or
  `list_models()` for a live list;
- `needs_auth` and `api_key_env`: it needs a key, read from that environment variable
  (else `<NAME>_API_KEY`) or secrets.toml;
- the capabilities below: `continues_answers`, `picks_default_model`, `max_images`,
  `lists_vision`, `accepts_unlisted_models`, `upstream_providers`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from .errors import ModelNotSupportedError
from .helpers import MediaItem
from .http import SSLSetting, Timeouts
from .masking import Secrets, request_secrets

if TYPE_CHECKING:  # (imported with the first answer: see backend_api.py)
    from .events import Event

Messages = Sequence[Mapping[str, Any]]
AsyncResult = AsyncIterator["str | Event"]

P = TypeVar("P", bound="AsyncGeneratorProvider")


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """A model as a live listing describes it."""

    id: str
    label: str = ""
    #: The backend-side provider that serves it (BackendApi only), "" otherwise.
    provider: str = ""
    vision: bool = False
    default: bool = False


class AsyncGeneratorProvider:
    """A provider: `create_async_generator` yields answer text (`str`) and typed events.

    Configured providers (a backend at some URL, an endpoint named "ollama") are
    subclasses made with `configured(...)`, so the contract stays classmethod-based.
    """

    url: ClassVar[str] = ""
    label: ClassVar[str] = ""
    working: ClassVar[bool] = True
    needs_auth: ClassVar[bool] = False
    supports_stream: ClassVar[bool] = True
    supports_system_message: ClassVar[bool] = True
    supports_message_history: ClassVar[bool] = True
    #: Environment variable holding this provider's API key, if it takes one.
    api_key_env: ClassVar[str] = ""
    headers: ClassVar[dict[str, str]] = {}
    ssl: ClassVar[SSLSetting] = None
    timeouts: ClassVar[Timeouts] = Timeouts()
    # What the UI and `ask` may count on, so they ask instead of checking classes:
    #: the server continues a stopped answer itself (else a "continue" message is sent);
    continues_answers: ClassVar[bool] = False
    #: the server picks its own model when none is named (else one is chosen from its list);
    picks_default_model: ClassVar[bool] = False
    #: at most this many images per message (None: no limit of its own).
    max_images: ClassVar[int | None] = None
    #: whether its model list says which models see images (else that is unknown).
    lists_vision: ClassVar[bool] = True
    #: a model name its list lacks may still be asked for (the server judges the name).
    accepts_unlisted_models: ClassVar[bool] = False
    #: its models are served by upstream providers it names (`ModelInfo.provider`), and
    #: `provider=` picks one (a g4f backend).
    upstream_providers: ClassVar[bool] = False

    @classmethod
    def create_async_generator(
        cls,
        model: str,
        messages: Messages,
        media: Sequence[MediaItem] | None = None,
        api_key: str | None = None,
        proxy: str | None = None,
        **kwargs: Any,
    ) -> AsyncResult:
        raise NotImplementedError

    @classmethod
    def known_models(cls) -> list[ModelInfo]:
        """The models known without asking anyone: `models` (else `default_model`), with
        `vision_models` and `default_model` marked. Providers whose list is live only
        return []."""
        models = [str(model) for model in getattr(cls, "models", None) or []]
        default = str(getattr(cls, "default_model", "") or "")
        if not models and default:
            models = [default]
        vision = {str(model) for model in getattr(cls, "vision_models", None) or []}
        vision.add(str(getattr(cls, "default_vision_model", "") or ""))
        return [
            ModelInfo(model, model, vision=model in vision, default=model == default)
            for model in dict.fromkeys(models)
            if model
        ]

    @classmethod
    async def list_models(
        cls,
        *,
        api_key: str | None = None,
        proxy: str | None = None,
        timeouts: Timeouts | None = None,
    ) -> list[ModelInfo]:
        """The models to offer now, asked where they live (a server's list).

        The default is `known_models()`. A provider with a live list overrides it; it
        raises `ProviderError` when the list cannot be had (the provider then shows as
        unreachable, or as needing a key for `AuthenticationRequiredError`).
        """
        return cls.known_models()

    @classmethod
    def kind(cls) -> str:
        """The protocol class's name ("BackendApi"), even for a configured subclass."""
        for klass in cls.__mro__:
            if klass.__dict__.get("_is_protocol"):
                return klass.__name__
        return cls.__name__

    @classmethod
    def name(cls) -> str:
        """The name users see: the configured label, else the class name."""
        return cls.label or cls.__name__

    @classmethod
    def configured(cls: type[P], name: str, **attributes: Any) -> type[P]:
        """A subclass with some class attributes set, e.g. a backend at a given URL."""
        attributes.setdefault("label", name)
        return type(f"{cls.kind()}[{name}]", (cls,), attributes)

    @classmethod
    def request_secrets(cls, api_key: str | None) -> Secrets:
        """What this provider's requests must never show back: the key and the values of
        its configured headers (masked out of every event and error, see `masking`)."""
        return request_secrets(api_key, cls.headers)

    @classmethod
    def request_timeouts(cls, kwargs: dict[str, Any]) -> Timeouts:
        """Timeouts for one call: `connect_timeout`/`read_timeout` kwargs override the class's."""
        connect = kwargs.pop("connect_timeout", None)
        read = kwargs.pop("read_timeout", None)
        return Timeouts(
            connect=float(connect) if connect else cls.timeouts.connect,
            read=float(read) if read else cls.timeouts.read,
        )


class ProviderModelMixin:
    default_model: ClassVar[str] = ""
    default_vision_model: ClassVar[str] = ""
    models: ClassVar[list[str]] = []
    vision_models: ClassVar[list[str]] = []
    model_aliases: ClassVar[dict[str, str]] = {}

    @classmethod
    def get_models(cls) -> list[str]:
        """The models offered: `models`, or just the default model when the list is empty."""
        if cls.models:
            return list(cls.models)
        return [cls.default_model] if cls.default_model else []

    @classmethod
    def get_model(cls, model: str | None) -> str:
        """The model to send for a requested name.

        Empty or "auto" gives the default model, an alias gives its target, a known
        model passes; anything else is `ModelNotSupportedError` naming the valid ones.
        A provider whose list is not known yet (nothing fetched) passes the name through.
        """
        if not model or model == "auto":
            if cls.default_model:
                return cls.default_model
            known = cls.get_models()
            if known:
                return known[0]
            raise ModelNotSupportedError(_name(cls), model or "auto", [])
        if model in cls.model_aliases:
            return cls.model_aliases[model]
        known = cls.get_models()
        if not known or model in known:
            return model
        raise ModelNotSupportedError(_name(cls), model, known)

    @classmethod
    def is_vision_model(cls, model: str) -> bool:
        return model in cls.vision_models or (
            bool(cls.default_vision_model) and model == cls.default_vision_model
        )


def _name(cls: type) -> str:
    return getattr(cls, "label", "") or cls.__name__
