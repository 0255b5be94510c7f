"""Typed events a provider yields besides answer text.

A provider's generator yields `str` for answer text, in order, and one of these objects for
everything else. Consumers dispatch with `isinstance`/`match`; anything a provider does not
understand arrives as `RawEvent` so nothing the server said is silently lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Reasoning:
    """Thinking text, shown apart from the answer.

    `token` is text to append; `status`/`label` describe a phase ("Thinking", "Done").
    """

    token: str = ""
    label: str = ""
    status: str = ""
    is_thinking: bool | None = None


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    model: str = ""
    provider: str = ""

    @classmethod
    def from_counts(cls, counts: Mapping[str, Any], model: str = "", provider: str = "") -> Usage:
        """From a server's `usage` object; counts that are not whole numbers are left out."""

        def count(name: str) -> int | None:
            value = counts.get(name)
            return value if isinstance(value, int) and not isinstance(value, bool) else None

        return cls(
            count("prompt_tokens"), count("completion_tokens"), count("total_tokens"),
            model, provider,
        )  # fmt: skip

    def as_dict(self) -> dict[str, int]:
        """The counts that are known, for storing with a message."""
        counts = {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }
        return {key: value for key, value in counts.items() if value is not None}


@dataclass(frozen=True, slots=True)
class FinishReason:
    reason: str


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    """Which upstream answered (a backend may relay to another provider); may repeat."""

    name: str = ""
    url: str = ""
    label: str = ""
    model: str = ""


@dataclass(frozen=True, slots=True)
class Title:
    title: str


@dataclass(frozen=True, slots=True)
class Preview:
    """Text shown while waiting (a login link, an image preview); not part of the answer."""

    preview: str


@dataclass(frozen=True, slots=True)
class Suggestions:
    suggestions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ConversationState:
    """Opaque state a backend wants sent back with the next turn."""

    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class MediaResponse:
    """Images or other media the answer refers to."""

    urls: tuple[str, ...]
    alt: str = ""


@dataclass(frozen=True, slots=True)
class Notice:
    """A non-fatal problem reported mid-answer; the answer goes on."""

    message: str


@dataclass(frozen=True, slots=True)
class RawEvent:
    """An event whose type this client does not interpret (debug detail, rare types)."""

    type: str
    data: dict[str, Any] = field(default_factory=dict)


Event = (
    Reasoning
    | Usage
    | FinishReason
    | ProviderInfo
    | Title
    | Preview
    | Suggestions
    | ConversationState
    | MediaResponse
    | Notice
    | RawEvent
)
