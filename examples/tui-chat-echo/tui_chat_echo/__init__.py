"""tui-chat-echo: an example provider plugin for tui-chat (see its docs/providers.md).

The provider "echo-plugin" has two models and needs no network and no key:

- `echo` says your last message back, word by word;
- `reverse` says it backwards.

It shows every part of the contract a plugin usually needs: a label, a model list, the
classmethod async generator yielding text and events (a finish reason, token counts),
and a conversation state of its own (it counts its turns in each conversation; tui-chat
keeps that state per provider and hands it back on the next turn).

This one file is the whole plugin: it works installed as a package (the entry point in
pyproject.toml) or copied into `<config>/providers/`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any, ClassVar

from tui_chat.providers.base import AsyncGeneratorProvider, Messages, ProviderModelMixin
from tui_chat.providers.errors import ProviderError
from tui_chat.providers.events import ConversationState, Event, FinishReason, Usage
from tui_chat.providers.helpers import MediaItem, message_text

__version__ = "0.1.0"


class EchoProvider(AsyncGeneratorProvider, ProviderModelMixin):
    """Says your last message back (`echo`) or backwards (`reverse`)."""

    # The name in the sidebar, in the picker and in `provider/model` on the command line.
    label: ClassVar[str] = "echo-plugin"
    # The models, and the one used when none is chosen. A provider that asks a server
    # for its list overrides `list_models` instead (see docs/providers.md).
    models: ClassVar[list[str]] = ["echo", "reverse"]
    default_model: ClassVar[str] = "echo"
    # It reads only text: no model of it sees images (the app warns before sending one).
    vision_models: ClassVar[list[str]] = []

    @classmethod
    async def create_async_generator(  # type: ignore[override]
        cls,
        model: str,
        messages: Messages,
        media: Sequence[MediaItem] | None = None,
        conversation: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[str | Event]:
        # "" or "auto" gives the default model; an unknown name raises a ProviderError
        # naming the valid ones, which tui-chat shows under the answer.
        model = cls.get_model(model)
        question = next(
            (
                message_text(message.get("content"))
                for message in reversed(messages)
                if message.get("role") == "user"
            ),
            "",
        )
        if not question.strip():
            raise ProviderError("There is nothing to echo: the last message has no text.")
        turn = int((conversation or {}).get("turns", 0)) + 1
        words = question.split(" ")
        if model == "reverse":
            words = [word[::-1] for word in reversed(words)]
        # Text is yielded as it is made: tui-chat shows each piece as it arrives.
        yield f"({turn}) "
        for index, word in enumerate(words):
            await asyncio.sleep(0)  # a real provider awaits its server here
            yield word if index == 0 else " " + word
        # Events after the text: the state to hand back next turn, how the answer
        # ended, and what it cost.
        yield ConversationState({"turns": turn})
        yield FinishReason("stop")
        yield Usage(prompt_tokens=len(question.split()), completion_tokens=len(words))
