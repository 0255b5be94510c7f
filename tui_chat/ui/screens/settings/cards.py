"""Provider cards: one bordered group of fields per backend or OpenAI-compatible endpoint.

`backend_card` and `openai_card` build a card from a `Backend` or an `OpenAIEndpoint`; the
settings screen then gives the name field its check (names must be unique across every
card, which only the screen can see) and `card_section` lays the cards out with their
"Add" button. A card only learns whether a key is stored, never the key: API keys are not
put into widgets (see `KEY_SET`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

from textual.containers import Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Button, Static

from ....store.settings import Backend, OpenAIEndpoint
from .controls import SwitchRow
from .fields import (
    Field,
    check_env_name,
    check_headers,
    check_plain_text,
    check_url,
    format_headers,
)

# The key field stays empty; its placeholder says whether a key is stored.
KEY_SET = "•••• set (type to replace)"
KEY_NONE = "none (type a key to store it)"
# Short enough to show whole beside the "Keep key" button at 80 columns.
KEY_REMOVED = "•••• removed on save (Keep key undoes)"

Kind = Literal["backend", "openai"]


class ProviderCard(Vertical):
    """One backend or OpenAI-compatible endpoint."""

    def __init__(
        self,
        kind: Kind,
        fields: dict[str, Field],
        *,
        original: str | None,
        remove_key: Button | None,
        number: int,
    ) -> None:
        self.kind = kind
        self.fields = fields
        self.original = original  # the name in the settings passed in; None for a new card
        self.has_key = remove_key is not None  # a key is stored: it can be removed
        self.key_removed = False
        self.remove_key = remove_key
        if remove_key is not None:
            remove_key.card = self  # type: ignore[attr-defined]
        self.last_name = fields["name"].value
        self.follows_default = False  # the default provider names this card
        noun = "backend" if kind == "backend" else "endpoint"
        remove = Button(f"Remove {noun}", compact=True, classes="remove-card")
        remove.card = self  # type: ignore[attr-defined]
        children: list[Widget] = [*fields.values()]
        children.append(remove)
        super().__init__(*children, id=f"{kind}-card-{number}", classes="card")
        self.border_title = "Backend" if kind == "backend" else "OpenAI-compatible endpoint"

    @property
    def name_value(self) -> str:
        return self.fields["name"].value.strip()

    def typed_key(self) -> str:
        return self.fields["key"].value.strip()

    def update_key_state(self) -> None:
        key_input = self.fields["key"].input
        if not self.has_key:
            key_input.placeholder = KEY_NONE
        elif self.key_removed:
            key_input.placeholder = KEY_REMOVED
        else:
            key_input.placeholder = KEY_SET
        if self.remove_key is not None:
            self.remove_key.label = "Keep key" if self.key_removed else "Remove key"


def key_field(has_key: bool, env_var: str | None, eager: bool) -> tuple[Field, Button | None]:
    """The API key field, and its "Remove key" button when a key is stored."""
    remove = Button("Remove key", compact=True, classes="remove-key") if has_key else None
    env_note = Static(
        Content(f"from ${env_var} (the environment wins over a stored key)"),
        classes="key-env",
    )
    key = Field(
        "API key",
        "",
        check_plain_text,
        password=True,
        placeholder=KEY_SET if has_key else KEY_NONE,
        extra=[remove] if remove else [],
        below=[env_note] if env_var else [],
        eager=eager,
    )
    return key, remove


def backend_card(
    backend: Backend, original: str | None, *, has_key: bool, env_var: str | None, number: int
) -> ProviderCard:
    """A card for a backend; `original` is its name in the settings opened, None if new."""
    eager = original is not None
    key, remove = key_field(has_key, env_var, eager)
    fields = {
        "name": Field("Name", backend.name, None, placeholder="e.g. g4f", eager=eager),
        "url": Field(
            "URL", backend.url, check_url, placeholder="http://127.0.0.1:8080", eager=eager
        ),
        "provider": Field(
            "Provider",
            backend.provider,
            check_plain_text,
            placeholder="optional: the server chooses",
            eager=eager,
        ),
        "headers": _headers_field(backend.headers, eager),
        "key": key,
    }
    return ProviderCard("backend", fields, original=original, remove_key=remove, number=number)


def openai_card(
    endpoint: OpenAIEndpoint,
    original: str | None,
    *,
    has_key: bool,
    env_var: str | None,
    number: int,
) -> ProviderCard:
    """A card for an OpenAI-compatible endpoint; `original` as for `backend_card`."""
    eager = original is not None
    key, remove = key_field(has_key, env_var, eager)
    fields = {
        "name": Field("Name", endpoint.name, None, placeholder="e.g. openai", eager=eager),
        "url": Field(
            "Base URL",
            endpoint.base_url,
            check_url,
            placeholder="https://api.openai.com/v1",
            eager=eager,
        ),
        "key": key,
        "key_env": Field(
            "API key env",
            endpoint.api_key_env,
            check_env_name,
            placeholder="optional: NAME_API_KEY",
            eager=eager,
        ),
        "headers": _headers_field(endpoint.headers, eager),
    }
    return ProviderCard("openai", fields, original=original, remove_key=remove, number=number)


def _headers_field(headers: Mapping[str, str], eager: bool) -> Field:
    return Field(
        "Headers",
        format_headers(headers),
        check_headers,
        placeholder="optional: Name: value; Name2: value2",
        eager=eager,
    )


def card_section(
    kind: Kind, title: str, hint: str, cards: list[ProviderCard], add: str
) -> Iterable[Widget]:
    """A section of provider cards: its title, a hint, the cards and the button adding one."""
    yield Static(title, classes="section")
    yield Static(hint, classes="section-hint", markup=False)
    yield Vertical(*cards, id=f"{kind}-cards", classes="cards")
    yield Button(add, id=f"add-{kind}", compact=True)


def dynaspark_enabled(enabled: bool) -> SwitchRow:
    """The built-in provider's on/off row, for its card (the screen lays that out)."""
    return SwitchRow(
        "Enabled",
        enabled,
        "on: listed with the providers",
        "off: not listed",
        switch_id="dynaspark-enabled",
        label_id="dynaspark-enabled-label",
        state_id="dynaspark-state",
    )
