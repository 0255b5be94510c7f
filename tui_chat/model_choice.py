"""The model in use: a provider by its configured name, a model, and for a g4f backend
the provider it asks on its side ("g4f/gpt-4o via PollinationsAI")."""

from __future__ import annotations

from typing import NamedTuple

from .store import Conversation


# A named tuple, not a frozen dataclass: as immutable, compared and printed alike, and
# made without compiling methods from source (~5 M instructions at start-up).
class ModelChoice(NamedTuple):
    """A model to talk to: the provider's name, the model id, and for a g4f backend the
    backend-side provider to ask (`via`, "" lets the server choose)."""

    provider: str
    model: str
    via: str = ""

    def key(self) -> str:
        """The string kept in state.toml (`model`, `recent_models`): "provider/model[ via X]"."""
        return f"{self.provider}/{self.model}" + (f" via {self.via}" if self.via else "")

    @classmethod
    def parse(cls, text: str) -> ModelChoice | None:
        head, _, via = text.partition(" via ")
        provider, slash, model = head.partition("/")
        if not slash or not provider:
            return None
        return cls(provider, model, via.strip())

    @classmethod
    def of(cls, conversation: Conversation) -> ModelChoice:
        """The model a conversation was last talking to."""
        via = str(conversation.parameters.get("via", ""))
        return cls(conversation.provider, conversation.model, via)

    def apply_to(self, conversation: Conversation) -> None:
        """Make this the conversation's model, kept with it for the next turn."""
        conversation.provider, conversation.model = self.provider, self.model
        if self.via:
            conversation.parameters["via"] = self.via
        else:
            conversation.parameters.pop("via", None)

    def answerer(self) -> str:
        """Who answers, as an answer records it: "g4f", or "g4f › PollinationsAI"."""
        return f"{self.provider} › {self.via}" if self.via else self.provider

    def describe(self) -> str:
        """For people: "g4f › PollinationsAI › gpt-4o"."""
        parts = [self.provider, self.via, self.model or "default model"]
        return " › ".join(part for part in parts if part)
