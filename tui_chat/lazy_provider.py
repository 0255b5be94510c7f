"""A built-in provider class configured from settings, made the first time it is used.

The catalog is built before the first frame, which shows each provider's name and state
and nothing its class knows; the classes (providers/: HTTP, streams, their errors: ~15 M
instructions to import, of ~1.35 G to the first complete frame) are first needed to ask
for a model list or an answer, after that frame. So `Catalog.from_settings` gives each
built-in entry a `LazyProvider` in place of `BackendApi.configured(name, url=…)`: it says
its kind and the URL a user configured without the class, and makes the class on the
first other attribute asked of it, then answers everything from it.

Nothing here imports Textual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .providers.base import AsyncGeneratorProvider


class LazyProvider:
    """Stands for `<kind>.configured(name, **attributes)` (providers/base.py).

    `kind()` and `shown_url` are known without the class; any other attribute (a
    classmethod such as `list_models`, a capability such as `picks_default_model`) is
    read from the class, made once on the first of them.
    """

    def __init__(self, kind: str, name: str, shown_url: str | None, **attributes: Any) -> None:
        #: "BackendApi", "Dynaspark" or "OpenAICompatible" (a name in tui_chat.providers).
        self._kind = kind
        self._name = name
        self._attributes = attributes
        self._made: type[AsyncGeneratorProvider] | None = None
        #: The URL the entry shows (`provider_url`), as the made class would give it;
        #: None when only the class knows it (Dynaspark's default endpoint).
        self.shown_url = shown_url

    def kind(self) -> str:
        """As `AsyncGeneratorProvider.kind()`: the protocol class's name."""
        return self._kind

    def made(self) -> type[AsyncGeneratorProvider]:
        """The configured class, made (and the providers imported) on the first call."""
        if self._made is None:
            from . import providers

            base: type[AsyncGeneratorProvider] = getattr(providers, self._kind)
            self._made = base.configured(self._name, **self._attributes)
        return self._made

    def __getattr__(self, name: str) -> Any:
        # Only for what is not set on the instance: the class's attributes and methods.
        if name.startswith("__") or name in ("_kind", "_name", "_attributes", "_made"):
            raise AttributeError(name)  # (copy and pickle probe before __init__ ran)
        return getattr(self.made(), name)

    def __repr__(self) -> str:
        made = "" if self._made is not None else ", not made yet"
        return f"<LazyProvider {self._kind}[{self._name}]{made}>"


def provider_url(provider: Any) -> str:
    """Where a provider is reached, as the sidebar, the welcome panel and the managed
    server's check see it: its `api_endpoint` (Dynaspark's), else its `url`."""
    if isinstance(provider, LazyProvider) and provider.shown_url is not None:
        return provider.shown_url
    return getattr(provider, "api_endpoint", "") or provider.url
