"""The settings screen: providers, defaults, start-up and display, request options and
attachment limits.

`SettingsScreen(settings, keys, env_keys, save=...)` is a modal form. It never writes a file
itself: on Save it builds a `SettingsResult` (result.py) and hands it to `save`, the app's,
which writes only what changed. When that refuses (settings.toml cannot be parsed, the disk
is full) the sentence is shown and the form stays open with everything typed; otherwise the
screen dismisses with the result. Without `save` it simply dismisses with the result. Esc or
Cancel dismisses with None (after asking, if something was edited: confirm.py).

API keys are never put into a widget: a stored key shows as an empty password field with a
placeholder saying a key is set (cards.py). Which keys Save changes: result.py.

Every field is checked as it changes and again on Save (the rules: fields.py); Save is
refused while any field is invalid. The label of the row that has the focus is marked
("▸ Name", `RowLabel`). The default provider is chosen from the providers of the form as
it stands (`ChoiceField`), kept in step as cards are added, removed and renamed. The
General section (reopen the last conversation, images, the g4f server) is general.py. Outside
text (names, URLs, headers, messages quoting them) is shown as plain text, never as
markup. The look is in settings.tcss, beside this.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static, Switch, TextArea

from ....store.settings import (
    Backend,
    OpenAIEndpoint,
    Settings,
)
from ...inputs import TextEditor
from ...safe import plain
from .cards import (
    Kind,
    ProviderCard,
    backend_card,
    card_section,
    dynaspark_enabled,
    openai_card,
)
from .confirm import ConfirmDiscard
from .controls import SwitchRow
from .edited import edited
from .fields import (
    DYNASPARK,
    Check,
    ChoiceField,
    Field,
    FormField,
    RowLabel,
    check_default_provider,
    check_plain_text,
    check_provider_name,
    check_url,
)
from .general import GeneralSection
from .request_fields import request_fields
from .result import SettingsResult


class _Form(VerticalScroll, can_focus=False):
    """The scrolling form; not a tab stop itself (focus moving scrolls it)."""


class SettingsScreen(ModalScreen[SettingsResult | None]):
    """Edit settings; dismisses with a SettingsResult on Save, None on Cancel."""

    BINDINGS = [
        # Not priority: a field runs it after the keys typed before it (key_order.py).
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel"),
    ]

    # Beside this file; the same file styles ConfirmDiscard.
    CSS_PATH = "settings.tcss"

    def __init__(
        self,
        settings: Settings,
        keys: Mapping[str, str],
        env_keys: Mapping[str, str] | None = None,
        save: Callable[[SettingsResult], str | None] | None = None,
        plugins: Sequence[str] = (),
        graphics: str | None = None,
    ) -> None:
        super().__init__()
        self.original = settings
        #: The plugins' providers: not edited here, but one may be the default provider.
        self.plugin_names = list(plugins)
        # Writes a result; returns why it could not (shown, and the form stays open).
        self.save = save
        self.stored_keys = dict(keys)
        self.env_keys = dict(env_keys or {})
        self._cards = 0
        self._initial: object = None
        self._showing_problems = False
        s = settings
        self.f_dyn_endpoint = Field("Endpoint", s.dynaspark.endpoint, check_url)
        self.dyn_row = dynaspark_enabled(s.dynaspark.enabled)
        self.dyn_enabled = self.dyn_row.switch
        self.f_provider = ChoiceField(
            "Provider",
            s.default_provider,
            [*(b.name for b in s.backends), DYNASPARK, *(e.name for e in s.openai), *plugins],
            self._check_default_provider,
            blank="the first provider",
            hint="One of the providers above (Enter lists them).",
        )
        self.f_model = Field(
            "Model", s.default_model, check_plain_text, placeholder="the provider's default"
        )
        # Reopen, images (`graphics`: the mode in use, for its hint), the g4f server.
        self.general = GeneralSection(s, graphics)
        # The system prompt's row is not a FormField: its label is marked on focus too.
        self.prompt_label = RowLabel("System prompt", id="system-prompt-label")
        r = s.request
        self.system_prompt = TextEditor(
            r.system_prompt, id="system-prompt", compact=True, tab_behavior="focus"
        )
        q = request_fields(r, s.attachments)
        self.f_temperature, self.f_max_tokens = q.temperature, q.max_tokens
        self.f_connect, self.f_read, self.f_proxy = q.connect, q.read, q.proxy
        self.f_image, self.f_text = q.image, q.text

    # ---- building -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        s = self.original
        with Vertical(id="settings-box"):
            yield Label("Settings", id="settings-title")
            status = Static("", id="settings-status", markup=False)
            status.display = False
            yield status
            with _Form(id="settings-form"):
                yield from card_section(
                    "backend",
                    "Backends (BackendApi servers)",
                    "Headers: Name: value; Name2: value2. Provider: the server-side provider "
                    "to ask (empty lets the server choose).",
                    [self._backend_card(b, original=b.name) for b in s.backends],
                    "Add backend",
                )

                yield Static("Dynaspark", classes="section")
                # A card like the other providers', so its fields line up with theirs.
                with Vertical(id="dynaspark-card", classes="card") as card:
                    card.border_title = "Built-in provider"
                    yield self.f_dyn_endpoint
                    yield self.dyn_row

                yield from card_section(
                    "openai",
                    "OpenAI-compatible endpoints",
                    "API key env: the variable to read the key from (empty: NAME_API_KEY). "
                    "A key from the environment wins over the stored one.",
                    [self._openai_card(e, original=e.name) for e in s.openai],
                    "Add endpoint",
                )

                yield Static("Defaults", classes="section")
                yield self.f_provider
                yield self.f_model

                yield from self.general.compose()

                yield Static("Request", classes="section")
                yield self.prompt_label
                yield self.system_prompt
                yield self.f_temperature
                yield self.f_max_tokens
                yield self.f_connect
                yield self.f_read
                yield self.f_proxy

                yield Static("Attachments", classes="section")
                yield self.f_image
                yield self.f_text
            with Horizontal(id="settings-buttons"):
                yield Button("Save", id="settings-save", variant="primary", compact=True)
                yield Button("Cancel", id="settings-cancel", compact=True)
                yield Label("tab moves · ctrl+s saves · esc cancels", id="settings-hint")

    def on_mount(self) -> None:
        self._initial = self._snapshot()
        self._follow_default(self.original.default_provider)
        self.watch(self, "focused", self._show_focus)
        inputs = self.query(Input)
        if inputs:
            inputs.first().focus()

    def _show_focus(self, focused: Widget | None) -> None:
        """Mark the label of the row that has the focus, and only that one."""
        marked = self._row_label_of(focused)
        for label in self.query(RowLabel):
            label.mark(label is marked)

    def _row_label_of(self, widget: Widget | None) -> RowLabel | None:
        node = widget
        while node is not None and node is not self:
            if isinstance(node, FormField | SwitchRow):
                return node.row_label
            if node is self.system_prompt:
                return self.prompt_label
            node = node.parent  # type: ignore[assignment]
        return None

    def _key_state(self, name: str | None) -> tuple[bool, str | None]:
        """Whether the provider named `name` has a stored key, and the variable set for it."""
        if name is None:
            return False, None
        return bool(self.stored_keys.get(name)), self.env_keys.get(name)

    def _next_number(self) -> int:
        self._cards += 1
        return self._cards

    def _backend_card(self, backend: Backend, original: str | None) -> ProviderCard:
        has_key, env_var = self._key_state(original)
        card = backend_card(
            backend, original, has_key=has_key, env_var=env_var, number=self._next_number()
        )
        card.fields["name"].check = self._name_check(card)
        return card

    def _openai_card(self, endpoint: OpenAIEndpoint, original: str | None) -> ProviderCard:
        has_key, env_var = self._key_state(original)
        card = openai_card(
            endpoint, original, has_key=has_key, env_var=env_var, number=self._next_number()
        )
        card.fields["name"].check = self._name_check(card)
        return card

    # ---- cross-field checks -------------------------------------------------------------------

    def cards(self, kind: Kind | None = None) -> list[ProviderCard]:
        return [c for c in self.query(ProviderCard) if kind is None or c.kind == kind]

    def provider_names(self) -> list[str]:
        backends = [c.name_value for c in self.cards("backend")]
        openai = [c.name_value for c in self.cards("openai")]
        return [*backends, DYNASPARK, *openai, *self.plugin_names]

    def _name_check(self, card: ProviderCard) -> Check:
        def check(value: str) -> str | None:
            others = [c.name_value for c in self.cards() if c is not card]
            return check_provider_name(value, others)

        return check

    def _check_default_provider(self, value: str) -> str | None:
        return check_default_provider(value, self.provider_names())

    def fields(self) -> list[FormField]:
        """Every field in screen order."""
        return list(self.query(FormField))

    def _follow_default(self, name: str) -> None:
        """The card the default provider names follows it through renames (the first
        such card: names are unique by the time the form is saved)."""
        found = False
        for card in self.cards():
            card.follows_default = bool(name) and card.name_value == name and not found
            found = found or card.follows_default

    def _sync_providers(self, value: str | None = None) -> None:
        """List the form's providers as they are now in the default provider's choice."""
        self.f_provider.set_choices(self.provider_names(), value)

    # ---- events -------------------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        owner = getattr(event.input, "field", None)
        if not isinstance(owner, Field):
            return
        owner.refresh_check()
        card = self._card_of(owner)
        if card is not None and owner is card.fields["name"]:
            self._renamed(card)
        self._after_edit()

    def _renamed(self, card: ProviderCard) -> None:
        # The default provider follows a rename of the provider it names.
        old, new = card.last_name.strip(), card.name_value
        value = None
        if card.follows_default:
            if self.f_provider.value == old:
                value = new
            else:
                card.follows_default = False
        card.last_name = card.fields["name"].value
        for other in self.cards():
            name_field = other.fields["name"]
            if name_field is not card.fields["name"]:
                name_field.refresh_check()
        self._sync_providers(value)

    def on_input_blurred(self, event: Input.Blurred) -> None:
        # Leaving a field (even a new, untouched one) shows its problem, if it has one.
        owner = getattr(event.input, "field", None)
        if isinstance(owner, Field) and self.is_attached:
            owner.refresh_check(force=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._after_edit()

    def on_select_changed(self, event: Select.Changed) -> None:
        # Posted only when the user chooses (ChoiceField.set_choices posts none).
        event.stop()
        if event.select is self.f_provider.input:
            self._follow_default(self.f_provider.value)
            self.f_provider.refresh_check(force=True)
        self._after_edit()

    def on_switch_changed(self, event: Switch.Changed) -> None:
        # Its row has shown what the new state means (controls.SwitchRow).
        self._after_edit()

    def _card_of(self, widget: Widget) -> ProviderCard | None:
        node = widget.parent
        while node is not None and not isinstance(node, ProviderCard):
            node = node.parent
        return node

    def _after_edit(self) -> None:
        if self._showing_problems:
            count = len(self._problems())
            if count:
                self._set_status(_problems_text(count))
            else:
                self._showing_problems = False
                self._set_status("")

    def _set_status(self, text: str) -> None:
        status = self.query_one("#settings-status", Static)
        status.update(plain(text))
        status.display = bool(text)

    @on(Button.Pressed, "#add-backend")
    async def _add_backend(self) -> None:
        await self._add_card(self._backend_card(Backend("", ""), original=None))

    @on(Button.Pressed, "#add-openai")
    async def _add_openai(self) -> None:
        await self._add_card(self._openai_card(OpenAIEndpoint("", ""), original=None))

    async def _add_card(self, card: ProviderCard) -> None:
        await self.query_one(f"#{card.kind}-cards").mount(card)
        self._focus_field(card.fields["name"])
        self._renamed(card)

    @on(Button.Pressed, ".remove-card")
    async def _remove_card(self, event: Button.Pressed) -> None:
        card: ProviderCard = event.button.card  # type: ignore[attr-defined]
        cards = self.cards(card.kind)
        index = cards.index(card)
        await card.remove()
        rest = self.cards(card.kind)
        if rest:
            self._focus_field(rest[min(index, len(rest) - 1)].fields["name"])
        else:
            self.query_one(f"#add-{card.kind}").focus()
        for other in self.cards():
            other.fields["name"].refresh_check()
        self._sync_providers()
        self._after_edit()

    @on(Button.Pressed, ".remove-key")
    def _toggle_key(self, event: Button.Pressed) -> None:
        card: ProviderCard = event.button.card  # type: ignore[attr-defined]
        card.key_removed = not card.key_removed
        card.update_key_state()
        self._after_edit()

    @on(Button.Pressed, "#settings-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#settings-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def _focus_field(self, target: FormField) -> None:
        target.input.focus()
        self.call_after_refresh(target.scroll_visible, animate=False)

    # ---- save and cancel ----------------------------------------------------------------------

    def _problems(self) -> list[FormField]:
        return [f for f in self.fields() if f.problem() is not None]

    def action_save(self) -> None:
        for each in self.fields():
            each.refresh_check(force=True)
        problems = self._problems()
        if problems:
            text = _problems_text(len(problems))
            self._showing_problems = True
            self._set_status(text)
            self.notify(text, title="Settings not saved", severity="error", markup=False)
            self._focus_field(problems[0])
            return
        result = self.result()
        refused = self.save(result) if self.save is not None else None
        if refused:
            # Everything typed stays in the form, to save again once the cause is fixed.
            self._set_status(refused)
            self.notify(refused, title="Settings not saved", severity="error", markup=False)
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        if not self.is_dirty():
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmDiscard(), answered)

    def _snapshot(self) -> object:
        cards = tuple(
            (
                c.id,
                c.key_removed,
                tuple((name, f.value) for name, f in c.fields.items()),
            )
            for c in self.cards()
        )
        others = tuple(f.value for f in self.fields() if self._card_of(f) is None)
        switches = (self.dyn_enabled.value, *self.general.snapshot())
        return (cards, others, switches, self.system_prompt.text)

    def is_dirty(self) -> bool:
        return self._snapshot() != self._initial

    def result(self) -> SettingsResult:
        """The edited settings (a new object) and the changed keys. Call only when valid."""
        return edited(self)


def _problems_text(count: int) -> str:
    noun = "problem" if count == 1 else "problems"
    return f"Not saved: {count} {noun} to fix (marked in red; the first one has the cursor)."
