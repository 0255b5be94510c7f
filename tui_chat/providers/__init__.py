"""Providers: classes whose `create_async_generator` streams an answer.

Nothing here imports Textual: the command line and the UI both build on this package.

The names below are imported on first use (PEP 562), not with the package: start-up
needs a few small modules of it (`helpers`, `errors`, `masking`) and none of the
provider classes, which come with the first model list, after the first frame
(~15 M instructions of ~1.35 G to it, bench/startup.py --instructions).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .backend_api import BackendApi
    from .base import AsyncGeneratorProvider, Messages, ModelInfo, ProviderModelMixin
    from .dynaspark import Dynaspark
    from .errors import (
        AnswerCutError,
        AuthenticationRequiredError,
        BadResponseError,
        ConnectionFailedError,
        HTTPStatusError,
        ModelNotSupportedError,
        ProviderError,
        ProviderTimeoutError,
        RateLimitedError,
        UpstreamError,
    )
    from .helpers import format_prompt, image_type, to_bytes, to_data_uri
    from .openai_compat import OpenAICompatible
    from .timeouts import Timeouts

#: Each public name and the module it lives in.
_WHERE: dict[str, str] = {
    "AnswerCutError": "errors",
    "AsyncGeneratorProvider": "base",
    "AuthenticationRequiredError": "errors",
    "BackendApi": "backend_api",
    "BadResponseError": "errors",
    "ConnectionFailedError": "errors",
    "Dynaspark": "dynaspark",
    "HTTPStatusError": "errors",
    "Messages": "base",
    "ModelInfo": "base",
    "ModelNotSupportedError": "errors",
    "OpenAICompatible": "openai_compat",
    "ProviderError": "errors",
    "ProviderModelMixin": "base",
    "ProviderTimeoutError": "errors",
    "RateLimitedError": "errors",
    "Timeouts": "timeouts",
    "UpstreamError": "errors",
    "format_prompt": "helpers",
    "image_type": "helpers",
    "to_bytes": "helpers",
    "to_data_uri": "helpers",
}

__all__ = [
    "AnswerCutError",
    "AsyncGeneratorProvider",
    "AuthenticationRequiredError",
    "BackendApi",
    "BadResponseError",
    "ConnectionFailedError",
    "Dynaspark",
    "HTTPStatusError",
    "Messages",
    "ModelInfo",
    "ModelNotSupportedError",
    "OpenAICompatible",
    "ProviderError",
    "ProviderModelMixin",
    "ProviderTimeoutError",
    "RateLimitedError",
    "Timeouts",
    "UpstreamError",
    "format_prompt",
    "image_type",
    "list_providers",
    "to_bytes",
    "to_data_uri",
]

#: The built-in provider classes' names.
_KINDS = ("BackendApi", "Dynaspark", "OpenAICompatible")


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # the next look-up is a plain one
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


def list_providers() -> dict[str, type[AsyncGeneratorProvider]]:
    """The provider classes by name."""
    return {kind: __getattr__(kind) for kind in _KINDS}
