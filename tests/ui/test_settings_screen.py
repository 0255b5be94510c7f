"""Pilot tests of the settings screen, driven through a tiny host app at 80x24."""

from __future__ import annotations

import copy
import tomllib

import pytest
from textual.app import App
from textual.widgets import Button, Input, TextArea

from tui_chat.record import replace
from tui_chat.store.settings import (
    Backend,
    OpenAIEndpoint,
    Settings,
    settings_from_dict,
)
from tui_chat.store.settings_edit import edit_settings_text
from tui_chat.ui.screens.settings.confirm import ConfirmDiscard
from tui_chat.ui.screens.settings.fields import (
    Field,
    check_url,
    format_size,
    parse_headers,
    parse_size,
)
from tui_chat.ui.screens.settings.result import SettingsResult, env_key_sources
from tui_chat.ui.screens.settings.screen import SettingsScreen

from .conftest import screen_text, wait_until

SECRET = "sk-SECRET-0123456789"


def make_settings() -> Settings:
    s = Settings()
    s.default_provider = "g4f"
    s.default_model = "gpt-4o"
    s.recent_models = ["openai/gpt-4o", "g4f/gpt-4o"]
    s.backends = [Backend("g4f", "http://127.0.0.1:8080", {"X-Team": "blue"}, "Copilot")]
    s.openai = [
        OpenAIEndpoint("openai", "https://api.openai.com/v1"),
        OpenAIEndpoint("ollama", "http://127.0.0.1:11434/v1"),
    ]
    return s


class Host(App[None]):
    def __init__(
        self,
        settings: Settings | None = None,
        keys: dict[str, str] | None = None,
        env_keys: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings if settings is not None else make_settings()
        self.keys = {"openai": SECRET} if keys is None else keys
        self.env_keys = env_keys or {}
        self.results: list[SettingsResult | None] = []

    def on_mount(self) -> None:
        self.push_screen(
            SettingsScreen(self.settings, self.keys, self.env_keys), self.results.append
        )

    @property
    def form(self) -> SettingsScreen:
        for screen in self.screen_stack:
            if isinstance(screen, SettingsScreen):
                return screen
        raise AssertionError("the settings screen is not open")


def card_field(app: Host, kind: str, index: int, name: str) -> Field:
    return app.form.cards(kind)[index].fields[name]  # type: ignore[arg-type]


async def set_value(pilot, target: Field, value: str) -> None:
    """Focus a field and replace its text (as pasting would)."""
    target.input.focus()
    target.input.value = value
    await pilot.pause()


async def type_into(pilot, target: Field, text: str) -> None:
    """Focus a field, clear it and type `text` key by key."""
    target.input.focus()
    target.input.value = ""
    await pilot.pause()
    await pilot.press(*text)


async def save(pilot) -> None:
    await pilot.press("ctrl+s")
    await pilot.pause()


async def tab_to(pilot, app: App, predicate, limit: int = 80) -> None:
    for _ in range(limit):
        if app.focused is not None and predicate(app.focused):
            return
        await pilot.press("tab")
    raise AssertionError("could not reach the widget with tab")


def result_of(app: Host) -> SettingsResult:
    assert len(app.results) == 1, app.results
    result = app.results[0]
    assert isinstance(result, SettingsResult)
    return result


async def test_edit_fields_and_save_returns_new_values() -> None:
    app = Host()
    original = copy.deepcopy(app.settings)
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.form
        await set_value(pilot, form.f_temperature, "0.7")
        await set_value(pilot, form.f_max_tokens, "2048")
        await set_value(pilot, form.f_model, "gpt-4.1")
        await set_value(pilot, form.f_connect, "5")
        await set_value(pilot, form.f_read, "60.5")
        await set_value(pilot, form.f_proxy, "socks5://127.0.0.1:1080")
        await set_value(pilot, form.f_image, "10MB")
        await set_value(pilot, form.f_text, "4096")
        await set_value(pilot, card_field(app, "backend", 0, "url"), "https://g4f.example/")
        await set_value(pilot, card_field(app, "backend", 0, "headers"), "A: 1; B-2: x=y")
        form.system_prompt.focus()
        form.system_prompt.text = "Be brief."
        form.dyn_enabled.value = False
        await pilot.pause()
        await save(pilot)
    result = result_of(app)
    new = result.settings
    assert new.request.temperature == 0.7
    assert new.request.max_tokens == 2048
    assert new.request.connect_timeout == 5.0
    assert new.request.read_timeout == 60.5
    assert new.request.proxy == "socks5://127.0.0.1:1080"
    assert new.request.system_prompt == "Be brief."
    assert new.default_model == "gpt-4.1"
    assert new.attachments.max_image_bytes == 10 * 1024 * 1024
    assert new.attachments.max_text_bytes == 4096
    assert new.backends == [
        Backend("g4f", "https://g4f.example/", {"A": "1", "B-2": "x=y"}, "Copilot")
    ]
    assert new.dynaspark.enabled is False
    assert result.keys == {}
    # What the screen accepts, the store writes and reads back the same (all but the
    # recent models of old files, which settings.toml never gets back).
    written = edit_settings_text("", Settings(), new)
    assert settings_from_dict(tomllib.loads(written))[0] == replace(
        new, recent_models=[]
    )
    # A new object: the settings passed in are untouched.
    assert app.settings == original
    assert new is not app.settings and new.request is not app.settings.request


async def test_save_unchanged_returns_equal_settings() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await save(pilot)
    result = result_of(app)
    assert result.settings == app.settings
    assert result.keys == {}


async def test_add_and_remove_backend_and_endpoint() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.form
        form.query_one("#add-backend", Button).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert len(form.cards("backend")) == 2
        new = form.cards("backend")[1]
        assert app.focused is new.fields["name"].input
        await pilot.press(*"local")
        await pilot.press("tab")
        await pilot.press(*"http://localhost:1337")
        # Remove the first backend with its button.
        first = form.cards("backend")[0]
        first.query_one(".remove-card", Button).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert [c.name_value for c in form.cards("backend")] == ["local"]
        # The default provider named the removed backend: now refused until changed.
        await save(pilot)
        assert app.results == []
        assert "No provider is named 'g4f'" in str(form.f_provider.error.render())
        await set_value(pilot, form.f_provider, "local")

        form.query_one("#add-openai", Button).focus()
        await pilot.press("enter")
        await pilot.pause()
        endpoint = form.cards("openai")[2]
        await set_value(pilot, endpoint.fields["name"], "groq")
        await set_value(pilot, endpoint.fields["url"], "https://api.groq.com/openai/v1")
        await set_value(pilot, endpoint.fields["key"], "gsk-new")
        await set_value(pilot, endpoint.fields["key_env"], "MY_GROQ_KEY")
        ollama = form.cards("openai")[1]
        ollama.query_one(".remove-card", Button).press()
        await pilot.pause()
        await save(pilot)
    result = result_of(app)
    assert result.settings.backends == [Backend("local", "http://localhost:1337")]
    assert result.settings.default_provider == "local"
    assert [e.name for e in result.settings.openai] == ["openai", "groq"]
    assert result.settings.openai[1] == OpenAIEndpoint(
        "groq", "https://api.groq.com/openai/v1", "MY_GROQ_KEY"
    )
    assert result.keys == {"groq": "gsk-new"}


async def test_removing_a_provider_removes_its_key() -> None:
    app = Host(keys={"openai": SECRET, "g4f": "g4f-key", "orphan": "kept"})
    async with app.run_test(size=(80, 24)) as pilot:
        app.form.cards("openai")[0].query_one(".remove-card", Button).press()
        await pilot.pause()
        await set_value(pilot, app.form.f_model, "x")
        await save(pilot)
    # The key of a provider not in the settings is left alone.
    assert result_of(app).keys == {"openai": None}


async def test_new_card_is_quiet_until_edited_but_save_checks_it() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.form
        form.query_one("#add-backend", Button).press()
        await pilot.pause()
        card = form.cards("backend")[1]
        assert not card.fields["name"].error.display
        # Leaving a field untouched shows its problem.
        card.fields["name"].input.focus()
        await pilot.pause()
        await pilot.press("tab")
        await pilot.pause()
        assert card.fields["name"].error.display
        assert not card.fields["url"].error.display
        await save(pilot)
        assert app.results == []
        assert card.fields["url"].error.display
        assert app.focused is card.fields["name"].input
        assert "Not saved: 2 problems" in screen_text(app)


async def test_url_without_scheme_is_refused_at_the_field_then_fixed() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.form
        url = card_field(app, "openai", 1, "url")
        await type_into(pilot, url, "localhost:11434/v1")
        assert url.error.display
        message = str(url.error.render())
        assert "scheme" in message and "http://" in message
        assert url.input.has_class("-invalid")
        assert "The URL needs a scheme" in screen_text(app)

        # Focus elsewhere, then save: refused, the bad field gets the cursor.
        form.f_model.input.focus()
        await save(pilot)
        assert app.results == []
        assert app.screen is form
        assert app.focused is url.input
        status = str(form.query_one("#settings-status").render())
        assert "1 problem" in status

        await type_into(pilot, url, "http://localhost:11434/v1")
        assert not url.error.display
        assert not url.input.has_class("-invalid")
        assert not form.query_one("#settings-status").display
        await save(pilot)
    assert result_of(app).settings.openai[1].base_url == "http://localhost:11434/v1"


async def test_url_checks() -> None:
    assert check_url("http://127.0.0.1:8080") is None
    assert check_url("HTTPS://api.example.com/v1") is None
    assert "scheme" in (check_url("127.0.0.1:8080") or "")
    assert "scheme" in (check_url("api.example.com") or "")
    assert "not 'ftp'" in (check_url("ftp://example.com") or "")
    assert "host" in (check_url("http://") or "")
    assert check_url("http://h:99999") is not None
    assert check_url("http://a b") is not None
    assert check_url("") is not None


async def test_temperature_hot_is_refused() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.form
        await type_into(pilot, form.f_temperature, "hot")
        assert form.f_temperature.input.value == "hot"
        assert form.f_temperature.error.display
        assert "not 'hot'" in str(form.f_temperature.error.render())
        assert "Temperature must be a number from 0 to 2" in screen_text(app)
        await save(pilot)
        assert app.results == []
        await type_into(pilot, form.f_temperature, "3")
        assert "from 0 to 2" in str(form.f_temperature.error.render())
        await save(pilot)
        assert app.results == []
        await type_into(pilot, form.f_temperature, "")
        assert not form.f_temperature.error.display
        await save(pilot)
    assert result_of(app).settings.request.temperature is None


async def test_other_number_fields_are_checked() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.form
        bad = {
            form.f_max_tokens: "-5",
            form.f_connect: "0",
            form.f_read: "soon",
            form.f_proxy: "127.0.0.1:3128",
            form.f_image: "big",
            form.f_text: "0",
        }
        for target, value in bad.items():
            await set_value(pilot, target, value)
            assert target.error.display, target.label
        await save(pilot)
        assert app.results == []
        assert "6 problems" in str(form.query_one("#settings-status").render())
        assert app.focused is form.f_max_tokens.input
        await wait_until(pilot, lambda: "Max tokens must be a whole number" in screen_text(app))
        assert "Not saved: 6 problems" in screen_text(app)


async def test_duplicate_and_bad_names_are_refused() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        name = card_field(app, "openai", 1, "name")
        await type_into(pilot, name, "g4f")
        # Both providers with the name are marked.
        assert "names must be unique" in str(name.error.render())
        assert card_field(app, "backend", 0, "name").error.display
        await save(pilot)
        assert app.results == []

        await set_value(pilot, name, "Dynaspark")
        assert "built-in" in str(name.error.render())
        assert not card_field(app, "backend", 0, "name").error.display
        await set_value(pilot, name, "my/ollama")
        assert "'/'" in str(name.error.render())
        await set_value(pilot, name, "   ")
        assert "required" in str(name.error.render())
        await save(pilot)
        assert app.results == []

        await set_value(pilot, name, "ollama2")
        assert not name.error.display
        await save(pilot)
    result = result_of(app)
    assert [e.name for e in result.settings.openai] == ["openai", "ollama2"]
    assert result.settings.default_provider == "g4f"


async def test_api_key_is_never_shown() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.form
        key = card_field(app, "openai", 0, "key")
        # Visit every field so the whole form has been on screen.
        texts = []
        for each in form.fields():
            each.input.focus()
            await pilot.pause()
            texts.append(screen_text(app))
            if each is key:
                # Focusing scrolls the form; the field may need a few frames to arrive.
                await wait_until(pilot, lambda: "•••• set (type to replace)" in screen_text(app))
                texts.append(screen_text(app))
        assert not any(SECRET in text for text in texts)
        assert not any(
            SECRET in i.value or SECRET in i.placeholder for i in app.screen.query(Input)
        )
        assert key.input.password
        # Typing a new key shows bullets only.
        await type_into(pilot, key, "sk-typed")
        assert "sk-typed" not in screen_text(app)
        assert "••••••••" in screen_text(app)
        await save(pilot)
    assert result_of(app).keys == {"openai": "sk-typed"}


async def test_remove_key_returns_none_and_can_be_undone() -> None:
    app = Host(keys={"openai": SECRET, "ollama": "ol-key"})
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.form
        openai, ollama = form.cards("openai")
        button = openai.query_one(".remove-key", Button)
        button.focus()
        await pilot.press("enter")
        await pilot.pause()
        # Whole, beside the button, at 80 columns (it was cut after "(Keep key").
        assert "•••• removed on save (Keep key undoes)" in screen_text(app)
        assert str(button.label) == "Keep key"
        toggle = ollama.query_one(".remove-key", Button)
        toggle.press()
        await pilot.pause()
        toggle.press()  # Keep key: undone
        await pilot.pause()
        await save(pilot)
    assert result_of(app).keys == {"openai": None}


async def test_provider_without_key_has_no_remove_button() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)):
        assert not app.form.cards("openai")[1].query(".remove-key")
        assert (
            "none (type a key to store it)" in card_field(app, "openai", 1, "key").input.placeholder
        )


async def test_rename_carries_the_key_and_default_and_is_told_as_a_rename() -> None:
    app = Host()
    app.settings.default_provider = "openai"
    async with app.run_test(size=(80, 24)) as pilot:
        name = card_field(app, "openai", 0, "name")
        await type_into(pilot, name, "oa")
        assert app.form.f_provider.value == "oa"
        await save(pilot)
    result = result_of(app)
    assert result.keys == {"openai": None, "oa": SECRET}
    assert result.settings.default_provider == "oa"
    # A rename, not a removal and an addition (the app follows it in state.toml).
    assert result.origins == {"backends": ["g4f"], "openai": ["openai", "ollama"]}
    assert result.renames == {"openai": "oa"}
    assert result.opened_with is app.settings


async def test_swapping_names_swaps_keys() -> None:
    app = Host(keys={"openai": "k1", "ollama": "k2"})
    async with app.run_test(size=(80, 24)) as pilot:
        first, second = (card_field(app, "openai", i, "name") for i in (0, 1))
        await set_value(pilot, first, "tmp")
        await set_value(pilot, second, "openai")
        await set_value(pilot, first, "ollama")
        await save(pilot)
    assert result_of(app).keys == {"openai": "k2", "ollama": "k1"}


async def test_env_provided_key_is_shown_as_such() -> None:
    app = Host(env_keys={"openai": "OPENAI_API_KEY"})
    async with app.run_test(size=(80, 24)) as pilot:
        card_field(app, "openai", 0, "key").input.focus()
        await pilot.pause()
        assert "from $OPENAI_API_KEY" in screen_text(app)


def test_env_key_sources() -> None:
    s = make_settings()
    s.openai[1].api_key_env = "MY_OLLAMA"
    environ = {"OPENAI_API_KEY": "x", "MY_OLLAMA": "y", "G4F_API_KEY": "", "OLLAMA_API_KEY": "z"}
    assert env_key_sources(s, environ) == {"openai": "OPENAI_API_KEY", "ollama": "MY_OLLAMA"}


async def test_escape_without_edits_closes() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None]


async def test_escape_with_edits_asks_before_discarding() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.form
        await set_value(pilot, form.f_model, "other")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDiscard)
        assert "Discard the changes" in screen_text(app)
        # Esc on the question keeps editing.
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is form
        assert app.results == []
        assert form.f_model.value == "other"
        # Cancel asks too; this time discard, by keyboard.
        form.query_one("#settings-cancel", Button).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDiscard)
        await tab_to(pilot, app, lambda w: w.id == "discard-yes")
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [None]


async def test_editing_back_to_the_original_is_not_an_edit() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await set_value(pilot, app.form.f_model, "other")
        await set_value(pilot, app.form.f_model, "gpt-4o")
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None]


async def test_keyboard_only_add_backend_and_save_at_80x24() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await tab_to(pilot, app, lambda w: w.id == "add-backend")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*"kb")
        await pilot.press("tab")
        await pilot.press(*"http://10.0.0.2:8080")
        await pilot.press("enter")  # Enter in a field moves on
        await pilot.pause()
        assert app.focused is card_field(app, "backend", 1, "provider").input
        # Temperature, by tabbing to it.
        temperature = app.form.f_temperature.input
        await tab_to(pilot, app, lambda w: w is temperature)
        await wait_until(pilot, lambda: 1 < temperature.region.y < 22)  # scrolled into view
        await pilot.press(*"1.1")
        await tab_to(pilot, app, lambda w: w.id == "settings-save")
        await pilot.press("enter")
        await pilot.pause()
    result = result_of(app)
    assert result.settings.backends[1] == Backend("kb", "http://10.0.0.2:8080")
    assert result.settings.request.temperature == 1.1


async def test_every_field_is_a_tab_stop_and_visible_when_focused() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.form
        wanted = {f.input for f in form.fields()} | {form.system_prompt, form.dyn_enabled}
        wanted |= {row.switch for row in form.general.switches}
        seen = set()
        for _ in range(60):
            await pilot.press("tab")
            focused = app.focused
            if focused in wanted:
                seen.add(focused)
                # The form scrolls to bring the focused field into view.
                await wait_until(pilot, lambda w=focused: 1 < w.region.y < 22 and w.region.height)
            if seen == wanted:
                break
        assert seen == wanted
        # shift+tab goes back.
        before = app.focused
        await pilot.press("tab", "shift+tab")
        assert app.focused is before
        assert isinstance(form.system_prompt, TextArea)


async def test_markup_looking_values_show_as_typed() -> None:
    s = make_settings()
    s.backends = [Backend("[bold]x", "http://h.example/[/]", {"X-Tag": "a[/]b [red]"})]
    s.default_provider = "[bold]x"
    app = Host(settings=s)
    async with app.run_test(size=(80, 24)) as pilot:
        text = screen_text(app)
        assert "[bold]x" in text
        assert "http://h.example/[/]" in text
        assert "X-Tag: a[/]b [red]" in text
        form = app.form
        # Messages that quote the input do not parse it either.
        await type_into(pilot, form.f_temperature, "[/]")
        assert "not '[/]'" in screen_text(app)
        name = card_field(app, "openai", 0, "name")
        await set_value(pilot, name, "[bold]x")
        assert "'[bold]x'" in screen_text(app)
        await set_value(pilot, name, "openai")
        await set_value(pilot, form.f_temperature, "")
        await save(pilot)
    result = result_of(app)
    assert result.settings.backends == s.backends


def test_headers_and_sizes() -> None:
    assert parse_headers("") == ({}, None)
    assert parse_headers("A: 1; B: 2") == ({"A": "1", "B": "2"}, None)
    # A ";" inside a value (cookies) does not split it.
    assert parse_headers("Cookie: a=1; b=2; X: y") == ({"Cookie": "a=1; b=2", "X": "y"}, None)
    assert parse_headers("novalue")[1] is not None
    assert parse_headers("A: 1; a: 2")[1] is not None
    assert parse_headers("Bad Name: 1")[1] is not None
    assert parse_size("20MB") == 20 * 1024 * 1024
    assert parse_size("512 kb") == 512 * 1024
    assert parse_size("1.5M") == 1536 * 1024
    assert parse_size("4096") == 4096
    assert parse_size("1.5") is None
    assert parse_size("hot") is None
    assert format_size(20 * 1024 * 1024) == "20MB"
    assert format_size(1000) == "1000"


# ---- focus, the default provider's choice, the layout at 80x24 ---------------------------


def marked_rows(app: Host) -> list[str]:
    """The lines of the screen with the focus mark on them."""
    return [line for line in screen_text(app).splitlines() if "▸" in line]


async def test_the_focused_field_is_marked_on_screen() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.form
        targets = [
            (card_field(app, "backend", 0, "url").input, "▸ URL"),
            (form.f_dyn_endpoint.input, "▸ Endpoint"),
            (form.dyn_enabled, "▸ Enabled"),
            (card_field(app, "openai", 0, "key").input, "▸ API key"),
            (form.f_provider.input, "▸ Provider"),
            (form.general.reopen.switch, "▸ Reopen last"),
            (form.general.images.input, "▸ Images"),
            (form.general.managed.switch, "▸ Run g4f server"),
            (form.system_prompt, "▸ System prompt"),
            (form.f_temperature.input, "▸ Temperature"),
        ]
        for widget, mark in targets:
            await tab_to(pilot, app, lambda w, target=widget: w is target)
            await wait_until(pilot, lambda m=mark: any(m in row for row in marked_rows(app)))
            # One row is marked, in the focus colour, and it is the focused field's.
            [row] = marked_rows(app)
            assert mark in row, (mark, row)
            [label] = form.query(".field-label.-focused")
            assert label.styles.text_style.bold  # and in the accent colour (settings.tcss)
        # A button has its own focus style: no row is marked then.
        form.query_one("#settings-save", Button).focus()
        await wait_until(pilot, lambda: marked_rows(app) == [])


async def test_default_provider_is_chosen_from_the_providers_of_the_form() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.form
        choice = form.f_provider
        assert choice.names == ["g4f", "Dynaspark", "openai", "ollama"]
        assert choice.value == "g4f"
        # A card added, then named: listed as soon as it has its name.
        form.query_one("#add-backend", Button).press()
        await pilot.pause()
        await type_into(pilot, card_field(app, "backend", 1, "name"), "local")
        assert choice.names == ["g4f", "local", "Dynaspark", "openai", "ollama"]
        await set_value(pilot, card_field(app, "backend", 1, "url"), "http://127.0.0.1:1337")
        # A rename of another provider follows in the list; the value stays.
        await type_into(pilot, card_field(app, "openai", 1, "name"), "llama")
        assert choice.names == ["g4f", "local", "Dynaspark", "openai", "llama"]
        assert choice.value == "g4f"
        # Removed: gone from the list.
        form.cards("openai")[0].query_one(".remove-card", Button).press()
        await pilot.pause()
        assert choice.names == ["g4f", "local", "Dynaspark", "llama"]
        # Chosen by keyboard: Enter lists them, the arrows move, Enter picks.
        choice.input.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: choice.input.expanded)
        text = screen_text(app)
        for name in ("the first provider", "local", "Dynaspark", "llama"):
            assert name in text, name
        assert "openai" not in text.split("Defaults", 1)[1]
        await pilot.press("down", "down", "enter")  # g4f -> local -> Dynaspark
        await wait_until(pilot, lambda: not choice.input.expanded)
        assert choice.value == "Dynaspark"
        await save(pilot)
    assert result_of(app).settings.default_provider == "Dynaspark"


async def test_the_chosen_default_follows_a_rename_and_a_removal_is_refused() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.form
        await type_into(pilot, card_field(app, "backend", 0, "name"), "g5f")
        assert form.f_provider.value == "g5f"
        assert form.f_provider.names[0] == "g5f"
        form.cards("backend")[0].query_one(".remove-card", Button).press()
        await pilot.pause()
        # Not silently swapped for another: kept, marked, and Save says why not.
        assert form.f_provider.value == "g5f"
        assert "g5f (not configured)" in str(form.f_provider.input.query_one("#label").render())
        await save(pilot)
        assert app.results == []
        assert "No provider is named 'g5f'" in str(form.f_provider.error.render())
        form.f_provider.input.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: form.f_provider.input.expanded)
        await pilot.press("home", "enter")  # the blank choice: the first provider
        await wait_until(pilot, lambda: not form.f_provider.input.expanded)
        assert form.f_provider.value == ""
        assert not form.f_provider.error.display
        await save(pilot)
    assert result_of(app).settings.default_provider == ""


async def test_an_unknown_default_in_the_file_is_shown_not_dropped() -> None:
    settings = make_settings()
    settings.default_provider = "nosuch"
    app = Host(settings=settings)
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.form
        form.f_provider.input.focus()
        await wait_until(pilot, lambda: "nosuch (not configured)" in screen_text(app))
        assert "No provider is named 'nosuch'" in screen_text(app)
        assert form.f_provider.value == "nosuch"
        await save(pilot)
        assert app.results == []


async def test_dynaspark_lines_up_with_the_other_providers_at_80x24() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.form
        form.dyn_enabled.focus()
        await wait_until(pilot, lambda: 1 < form.dyn_enabled.region.y < 22)
        await pilot.pause()
        columns = {field.input.region.x for card in form.cards() for field in card.fields.values()}
        assert len(columns) == 1, columns
        assert form.f_dyn_endpoint.input.region.x in columns
        assert form.dyn_enabled.region.x in columns
        # The switch, its label and its state on one row; the endpoint shown whole.
        enabled = form.query_one("#dynaspark-enabled-label")
        state = form.query_one("#dynaspark-state")
        assert enabled.region.y == form.dyn_enabled.region.y == state.region.y
        assert state.region.x > form.dyn_enabled.region.right
        assert "https://dynaspark.onrender.com/api/generate_response" in screen_text(app)


async def _flip_reopen(pilot, form: SettingsScreen) -> None:
    form.general.reopen.switch.focus()
    await pilot.press("enter")


async def _flip_managed(pilot, form: SettingsScreen) -> None:
    form.general.managed.switch.focus()
    await pilot.press("space")


async def _choose_sixel(pilot, form: SettingsScreen) -> None:
    form.general.images.input.focus()
    await pilot.press("enter")
    await wait_until(pilot, lambda: form.general.images.input.expanded)
    await pilot.press("down", "down", "enter")  # auto -> kitty -> sixel


@pytest.mark.parametrize("change", [_flip_reopen, _choose_sixel, _flip_managed])
async def test_a_general_setting_changed_asks_before_discarding(change) -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.form
        await change(pilot, form)
        await pilot.pause()
        assert form.is_dirty()
        form.query_one("#settings-cancel", Button).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDiscard))
        await tab_to(pilot, app, lambda w: w.id == "discard-yes")
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [None]


async def test_general_settings_are_returned_and_flipping_back_is_no_edit() -> None:
    s = make_settings()
    s.reopen_last, s.display.images, s.g4f.managed = True, "auto", "auto"
    app = Host(settings=s)
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.form
        await _flip_reopen(pilot, form)
        await _flip_reopen(pilot, form)
        await pilot.pause()
        assert not form.is_dirty()
        await _flip_reopen(pilot, form)
        await _choose_sixel(pilot, form)
        await _flip_managed(pilot, form)
        await wait_until(pilot, lambda: not form.general.managed.value)
        await save(pilot)
    new = result_of(app).settings
    assert (new.reopen_last, new.display.images, new.g4f.managed) == (False, "sixel", "never")
    # The rest as it was.
    assert replace(new, reopen_last=True, display=s.display, g4f=s.g4f) == s


async def test_the_images_hint_says_when_a_change_applies() -> None:
    s = make_settings()
    s.display.images = "kitty"
    app = Host(settings=s)
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.form
        form.general.images.input.focus()
        await wait_until(pilot, lambda: "Kitty graphics" in screen_text(app))
        hint = str(form.general.images.query_one(".field-hint").render())
        # A host that does not say how images are drawn now: the hint does not guess.
        assert hint.endswith("at start-up: a change applies at the next start.")
