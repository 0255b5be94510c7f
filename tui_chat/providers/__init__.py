"""Providers: classes whose `create_async_generator` streams an answer.

Nothing here imports Textual: the command line and the UI both build on this package.
"""

from __future__ import annotations

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
from .http import Timeouts
from .openai_compat import OpenAICompatible

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

_PROVIDERS: dict[str, type[AsyncGeneratorProvider]] = {
    "BackendApi": BackendApi,
    "Dynaspark": Dynaspark,
    "OpenAICompatible": OpenAICompatible,
}


def list_providers() -> dict[str, type[AsyncGeneratorProvider]]:
    """The provider classes by name."""
    return dict(_PROVIDERS)
