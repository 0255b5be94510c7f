"""The providers a user has configured, built from settings and API keys.

Each entry is a configured provider class (a backend at its URL, an endpoint named
"ollama", a plugin's provider), its API key if any, its own timeouts and proxy, and its
models (asked of the class: `list_models`, providers/base.py). The UI and the command
line both start here; nothing in this module knows about Textual.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .chat import describe_error
from .lazy_provider import LazyProvider, provider_url
from .model_choice import ModelChoice
from .plugins import (
    PluginRefused,
    PluginReports,
    Plugins,
    checked_models,
    guarded_stream,
    plugin_message,
)
from .providers.errors import AuthenticationRequiredError, ProviderError
from .providers.masking import mask
from .providers.timeouts import Timeouts
from .record import field, record
from .store import RequestDefaults, Settings, State, api_key_for, env_var_for
from .store.settings import ProviderRequest, default_provider_problem

if TYPE_CHECKING:  # (the provider classes come with the first model list: lazy_provider.py)
    from .providers.base import AsyncGeneratorProvider, ModelInfo
    from .providers.events import Event
    from .providers.helpers import MediaItem

READY, NEEDS_KEY, UNREACHABLE, LOADING = "ready", "needs a key", "unreachable", "loading"
#: A plugin provider that broke while listing its models (a fault of the plugin's).
FAILED = "failed"

#: The longest waits for a model list: listing never keeps a person or a script waiting.
LISTING_CONNECT, LISTING_READ = 5.0, 15.0


def listing_timeouts(request: RequestDefaults) -> Timeouts:
    """Short timeouts for model lists: listing never keeps a person or a script waiting."""
    return Timeouts(
        connect=min(request.connect_timeout, LISTING_CONNECT),
        read=min(request.read_timeout, LISTING_READ),
    )




@record
class ProviderEntry:
    """A provider in the sidebar: its class, its key, and what it last said about its models."""

    name: str
    #: The class, or for a built-in provider a LazyProvider that makes it on first use.
    provider: type[AsyncGeneratorProvider] | LazyProvider
    api_key: str | None = None
    key_env: str = ""
    #: The g4f backend's configured backend-side provider ("" = server chooses).
    default_via: str = ""
    state: str = LOADING
    problem: str = ""
    models: list[ModelInfo] = field(default_factory=list)
    #: This provider's own timeouts and proxy, over [request]'s (settings.ProviderRequest).
    request: ProviderRequest = field(default_factory=ProviderRequest)
    #: Where a plugin's provider came from ("the file …/echo.py"); "" for the built-in ones.
    plugin: str = ""
    #: Problems of plugins found while running, said once (shared with the catalog).
    reports: PluginReports = field(default_factory=PluginReports)
    #: managed.ManagedLink on the g4f backend tui-chat may run a server for, else None.
    managed: Any = None

    @property
    def kind(self) -> str:
        """"BackendApi", "Dynaspark", "OpenAICompatible", or "plugin"."""
        return "plugin" if self.plugin else self.provider.kind()

    @property
    def url(self) -> str:
        return provider_url(self.provider)

    def static_models(self) -> list[ModelInfo]:
        """Models known without asking anyone (Dynaspark's fixed list, a plugin's
        `models`); [] for a provider whose list is live only."""
        try:
            return self.provider.known_models()
        except Exception:  # a plugin's broken attributes: its listing says what is wrong
            return []

    async def fetch_models(self, proxy: str | None, timeouts: Timeouts) -> list[ModelInfo]:
        """The model list, asked of the provider (its `list_models`); raises
        `ProviderError` when it cannot be had (and, from a plugin, whatever it raises)."""
        listed = await self.provider.list_models(
            api_key=self.api_key, proxy=proxy, timeouts=timeouts
        )
        return checked_models(self.name, listed) if self.plugin else listed

    async def refresh(self, proxy: str | None, timeouts: Timeouts) -> None:
        """Ask for the models and record what a user sees: the state, the problem, the
        list. `proxy` and `timeouts` are [request]'s for listing; the provider's own
        settings win over them."""
        proxy, timeouts = self.listing_options(proxy, timeouts)
        if self.provider.needs_auth and not self.api_key:
            self.state, self.models = NEEDS_KEY, []
            self.problem = self.missing_key()
            return
        try:
            models = await self.fetch_models(proxy, timeouts)
        except AuthenticationRequiredError as error:
            secrets = self.provider.request_secrets(self.api_key)
            self.state, self.problem = NEEDS_KEY, mask(describe_error(error), secrets)
            self.models = []
        except Exception as error:  # a model list is never worth a crash
            self.state, self.problem, self.models = self._listing_failed(error)
        else:
            self.state, self.problem, self.models = READY, "", models

    def _listing_failed(self, error: Exception) -> tuple[str, str, list[ModelInfo]]:
        secrets = self.provider.request_secrets(self.api_key)
        if not self.plugin or isinstance(error, ProviderError):
            # (Built-in providers mask their errors themselves; a plugin may not have.)
            return UNREACHABLE, mask(describe_error(error), secrets), []
        # A plugin's own fault, not its server's: said once, and the provider shows it.
        if isinstance(error, PluginRefused):
            reason = str(error)
        else:
            text = str(error).strip()
            reason = f"{type(error).__name__}: {text}" if text else type(error).__name__
            reason = f"listing its models failed: {reason}"
        reason = mask(reason, secrets)
        self.reports.add(plugin_message(self.name, self.plugin, reason))
        return FAILED, f"The plugin broke: {reason}.", []

    def missing_key(self) -> str:
        """What to do about a key a provider needs and has not got."""
        env = self.key_env or self.provider.api_key_env or env_var_for(self.name)
        return (
            f"{self.name} needs an API key: set {env}, or add it in the settings (F9) "
            f"or to secrets.toml under [keys] as {self.name} = \"…\"."
        )

    # --- this provider's own request settings -------------------------------------------

    def listing_options(self, proxy: str | None, timeouts: Timeouts) -> tuple[str | None, Timeouts]:
        """The proxy and timeouts to list models with: the provider's own, where it has
        them (still no longer than listing ever waits), else the ones given."""
        own = self.request
        return self.proxy_for(proxy), Timeouts(
            connect=min(own.connect_timeout, LISTING_CONNECT)
            if own.connect_timeout
            else timeouts.connect,
            read=min(own.read_timeout, LISTING_READ) if own.read_timeout else timeouts.read,
        )

    def proxy_for(self, proxy: str | None) -> str | None:
        """The provider's own proxy ("" for none), else the one given."""
        own = self.request.proxy
        return (own or None) if own is not None else (proxy or None)

    def timeouts_for(self, timeouts: Timeouts) -> Timeouts:
        """The provider's own timeouts for an answer, else the ones given."""
        own = self.request
        return Timeouts(
            connect=own.connect_timeout or timeouts.connect,
            read=own.read_timeout or timeouts.read,
        )

    # --- what the provider can do (its class says; see providers/base.py) ---------------

    @property
    def continues_answers(self) -> bool:
        """The server continues a stopped answer itself."""
        return self.provider.continues_answers

    @property
    def picks_default_model(self) -> bool:
        """Asked for no model, the server uses its own default."""
        return self.provider.picks_default_model

    @property
    def accepts_unlisted_models(self) -> bool:
        """A model name the provider's list lacks may still be asked for: an
        OpenAI-compatible server or a g4f backend judges the name itself (Ollama takes
        "llama3.2" for "llama3.2:latest"; a backend's providers know more than they list).
        Dynaspark's list is all it takes. The class says (providers/base.py)."""
        return self.provider.accepts_unlisted_models

    def via_for(self, choice: ModelChoice) -> str:
        """Who answers behind a g4f backend: the choice's own provider, else the one the
        backend's settings name (`provider = "G4FSpace"`); "" lets the server choose."""
        return choice.via or self.default_via

    def lists(self, choice: ModelChoice) -> bool:
        """Whether the provider's own list (as last fetched) has this model."""
        return any(
            info.id == choice.model and (not choice.via or info.provider == choice.via)
            for info in self.models or self.static_models()
        )

    @property
    def max_images(self) -> int | None:
        """How many images one message may carry (None: no limit of the provider's)."""
        return self.provider.max_images

    def default_model(self) -> str:
        if self.picks_default_model:
            return ""  # e.g. a g4f server picks its own default when asked for no model
        models = self.models or self.static_models()
        for model in models:
            if model.default:
                return model.id
        if getattr(self.provider, "default_model", ""):
            return self.provider.default_model  # type: ignore[attr-defined]
        return models[0].id if models else ""

    def supports_vision(self, model: str) -> bool | None:
        """Whether the model accepts images: True/False when known, None when unknown.

        g4f backends say so per provider and Dynaspark's list is fixed; an
        OpenAI-compatible `/models` listing does not say, so those are unknown.
        """
        if not self.provider.lists_vision:
            return None
        for info in self.models or self.static_models():
            if info.id == model:
                return info.vision
        return None

    def stream(
        self,
        choice: ModelChoice,
        messages: Sequence[Mapping[str, Any]],
        media: Sequence[MediaItem] | None,
        *,
        proxy: str | None,
        timeouts: Timeouts,
        params: Mapping[str, Any],
    ) -> AsyncIterator[str | Event]:
        """Start the provider's generator for one answer. `proxy` and `timeouts` are
        [request]'s; the provider's own settings win over them. A plugin's stream is
        kept to the contract (plugins.guarded_stream)."""
        kwargs: dict[str, Any] = {
            key: value for key, value in params.items() if value not in (None, "")
        }
        timeouts = self.timeouts_for(timeouts)
        kwargs["connect_timeout"] = timeouts.connect
        kwargs["read_timeout"] = timeouts.read
        provider: type[AsyncGeneratorProvider] = self.provider
        if provider.upstream_providers:
            via = self.via_for(choice)
            if via:
                kwargs["provider"] = via
        elif self.accepts_unlisted_models and choice.model and not self.lists(choice):
            # A name the user typed that the fetched list lacks: the server is the judge,
            # not the list the provider class checks names against before asking.
            provider = provider.configured(self.name, models=[choice.model])

        def start() -> AsyncIterator[str | Event]:
            return provider.create_async_generator(
                choice.model,
                list(messages),
                media=list(media) if media else None,
                api_key=self.api_key,
                proxy=self.proxy_for(proxy),
                **kwargs,
            )

        if self.plugin:
            secrets = provider.request_secrets(self.api_key)
            return guarded_stream(self.name, self.plugin, self.reports, start, secrets)
        return start()


def settled_problems(problems: Iterable[object], settings: Settings, catalog: Catalog) -> list[str]:
    """The settings' problems as sentences, without the one saying that [defaults]
    provider is not configured when a plugin provides it (settings.toml's loader does not
    know plugins)."""
    sentences = [str(problem) for problem in problems]
    unknown = default_provider_problem(settings)
    if unknown is None or settings.default_provider not in catalog.entries:
        return sentences
    return [sentence for sentence in sentences if not sentence.endswith(f"{unknown}.")]


def _own_timeouts(timeouts: Timeouts, own: ProviderRequest) -> Timeouts:
    return Timeouts(own.connect_timeout or timeouts.connect, own.read_timeout or timeouts.read)


def plugin_entries(
    plugins: Plugins,
    configured: Sequence[ProviderEntry],
    secrets: Mapping[str, str],
    environ: Mapping[str, str],
    reports: PluginReports,
) -> list[ProviderEntry]:
    """An entry for each plugin's provider whose name no configured provider has; the
    problems of loading them, and of names taken, go to `reports`."""
    for problem in plugins.problems:
        reports.add(str(problem))
    taken = {entry.name for entry in configured}
    entries: list[ProviderEntry] = []
    for plugin in plugins.providers:
        provider = plugin.provider
        if plugin.name in taken:
            reports.add(
                plugin_message(
                    plugin.name,
                    plugin.source,
                    "a configured provider has this name, so the plugin is left out "
                    "(rename one of them)",
                )
            )
            continue
        entries.append(
            ProviderEntry(
                plugin.name,
                provider,
                api_key=api_key_for(
                    plugin.name, dict(secrets), provider.api_key_env, environ=environ
                ),
                key_env=provider.api_key_env,
                plugin=plugin.source,
            )
        )
    return entries


class Catalog:
    """The configured providers, by the names the sidebar shows, in settings order."""

    def __init__(
        self,
        entries: list[ProviderEntry],
        *,
        plugins: Plugins | None = None,
        reports: PluginReports | None = None,
    ) -> None:
        self.entries: dict[str, ProviderEntry] = {entry.name: entry for entry in entries}
        #: The plugins these entries were made with (a catalog made again keeps them).
        self.plugins = plugins
        #: Plugins' problems, each said once: those found loading them, and at run time.
        self.reports = reports if reports is not None else PluginReports()
        for entry in self.entries.values():
            entry.reports = self.reports

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        secrets: Mapping[str, str],
        environ: Mapping[str, str] = os.environ,
        *,
        plugins: Plugins | None = None,
    ) -> Catalog:
        """The providers settings.toml configures, in its order, then the plugins'
        (plugins.load_plugins; a plugin whose name a configured provider has is left out
        and reported)."""
        timeouts = Timeouts(settings.request.connect_timeout, settings.request.read_timeout)
        entries: list[ProviderEntry] = []
        for backend in settings.backends:
            provider = LazyProvider(
                "BackendApi",
                backend.name,
                backend.url,
                url=backend.url,
                headers=dict(backend.headers),
                timeouts=_own_timeouts(timeouts, backend.request),
            )
            entries.append(
                ProviderEntry(
                    backend.name,
                    provider,
                    api_key=api_key_for(backend.name, dict(secrets), environ=environ),
                    default_via=backend.provider,
                    request=backend.request,
                )
            )
        if settings.dynaspark.enabled:
            url = settings.dynaspark.endpoint  # (none: the class's default, known to it)
            provider = LazyProvider(
                "Dynaspark", "Dynaspark", url or None, api_endpoint=url, timeouts=timeouts
            )
            entries.append(ProviderEntry("Dynaspark", provider))
        for endpoint in settings.openai:
            provider = LazyProvider(
                "OpenAICompatible",
                endpoint.name,
                endpoint.base_url,
                url=endpoint.base_url,
                headers=dict(endpoint.headers),
                timeouts=_own_timeouts(timeouts, endpoint.request),
                api_key_env=endpoint.api_key_env,
            )
            entries.append(
                ProviderEntry(
                    endpoint.name,
                    provider,
                    api_key=api_key_for(
                        endpoint.name, dict(secrets), endpoint.api_key_env, environ=environ
                    ),
                    key_env=endpoint.api_key_env,
                    request=endpoint.request,
                )
            )
        _attach_managed(entries, settings)
        reports = PluginReports()
        if plugins is not None:
            entries += plugin_entries(plugins, entries, secrets, environ, reports)
        return cls(entries, plugins=plugins, reports=reports)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.entries.values())

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, name: str) -> ProviderEntry | None:
        return self.entries.get(name)

    def names(self) -> list[str]:
        return list(self.entries)

    def recent(self, keys: Iterable[str]) -> list[ModelChoice]:
        """The recent models (state's list) whose provider is configured, in order."""
        found: list[ModelChoice] = []
        for key in dict.fromkeys(keys):
            choice = ModelChoice.parse(key)
            if choice is not None and choice.provider in self.entries:
                found.append(choice)
        return found

    def default_choice(self, settings: Settings, state: State | None = None) -> ModelChoice:
        """The model to start with: the one remembered in state.toml, unless settings'
        [defaults] changed since; else [defaults]; else the most recent model still
        configured; else the first provider's default."""
        if state is not None:
            remembered = self.recent([state.model_for(settings)])
            if remembered:
                return remembered[0]
        if settings.default_provider in self.entries:
            entry = self.entries[settings.default_provider]
            return ModelChoice(entry.name, settings.default_model or entry.default_model())
        recent = self.recent(state.recent_models if state is not None else settings.recent_models)
        if recent:
            return recent[0]
        first = next(iter(self.entries.values()), None)
        if first is None:
            return ModelChoice("", "")
        return ModelChoice(first.name, first.default_model())


# --- the managed g4f backend (managed.py) ----------------------------------------------------


def _attach_managed(entries: list[ProviderEntry], settings: Settings) -> None:
    """The g4f backend on this machine falls back on a server tui-chat runs itself."""
    from .managed import attach

    attach(entries, settings)
