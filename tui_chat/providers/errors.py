"""Typed failures of a provider call, each with a message a user understands.

`str(error)` is meant to be shown as is: it says what went wrong and, where it helps,
what to do. No error message ever contains an API key.
"""

from __future__ import annotations


class ProviderError(Exception):
    """Base class: the answer could not be produced."""

    #: A short hint on what the user can do, shown under the message.
    hint: str = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint

    @property
    def message(self) -> str:
        return str(self)


class ModelNotSupportedError(ProviderError, ValueError):
    """The requested model is not one the provider offers."""

    def __init__(self, provider: str, model: str, valid: list[str]) -> None:
        shown = ", ".join(valid[:20]) + (", ..." if len(valid) > 20 else "")
        if shown:
            text = f"Model {model!r} is not offered by {provider}. Valid models: {shown}."
        else:
            text = f"No model chosen for {provider}, and it has listed no models to choose from."
        super().__init__(text)
        self.provider = provider
        self.model = model
        self.valid = list(valid)


class ConnectionFailedError(ProviderError):
    """No answer could be had. `unreachable`: the host itself could not be reached (name,
    connection or TLS handshake), as opposed to a proxy failing or a connection cut;
    `reason` is the bare cause ("connection refused")."""

    hint = "Check that the server is running and the URL is right."

    def __init__(
        self, message: str, *, hint: str | None = None, reason: str = "", unreachable: bool = False
    ) -> None:
        super().__init__(message, hint=hint)
        self.reason = reason
        self.unreachable = unreachable


class ProviderTimeoutError(ProviderError, TimeoutError):
    hint = "The server may be overloaded; try again or raise the timeout in settings."


class HTTPStatusError(ProviderError):
    """The server answered with a non-success status; `server_message` is its own words."""

    def __init__(
        self, status: int, server_message: str, *, url: str = "", hint: str | None = None
    ) -> None:
        reason = server_message or "no details given"
        super().__init__(f"The server answered HTTP {status}: {reason}", hint=hint)
        self.status = status
        self.server_message = server_message
        self.url = url


class AuthenticationRequiredError(ProviderError):
    """The server wants an API key or a login (HTTP 401/403, or a backend's `auth` event)."""

    hint = "Set an API key for this provider (settings, secrets.toml or its environment variable)."

    def __init__(self, server_message: str, *, status: int | None = None, url: str = "") -> None:
        where = f" (HTTP {status})" if status else ""
        reason = server_message or "the server wants an API key or a login"
        super().__init__(f"Authentication required{where}: {reason}")
        self.status = status
        self.server_message = server_message
        self.url = url


class RateLimitedError(ProviderError):
    hint = "Wait a moment and retry."

    def __init__(self, server_message: str, *, status: int = 429, url: str = "") -> None:
        reason = server_message or "too many requests"
        super().__init__(f"Rate limited (HTTP {status}): {reason}")
        self.status = status
        self.server_message = server_message
        self.url = url


class AnswerCutError(ProviderError):
    """The stream ended without its protocol's end marker (a g4f backend's `finish`
    event): the answer was cut short somewhere on the way, though no connection failed
    that this client could see."""

    hint = "Retry, or continue the answer."


class BadResponseError(ProviderError):
    """The server answered, but not with something this provider understands."""

    hint = "Check that the URL points at the right kind of server."


class UpstreamError(ProviderError):
    """The server reported that the answer failed (a backend's `error` event)."""

    def __init__(self, message: str, *, kind: str = "") -> None:
        if kind and message and not message.startswith(kind):
            text = f"{kind}: {message}"
        else:
            text = message or kind or "unknown error"
        super().__init__(f"The provider failed: {text}")
        self.kind = kind
