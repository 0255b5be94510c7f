"""state.toml: what the app remembers by itself, and how it weighs against settings.toml."""

from __future__ import annotations

from tui_chat.store import Paths, Settings, State, load_state, save_state


def test_remember_most_recent_first_unique_at_most_ten() -> None:
    state = State()
    configured = Settings()
    for i in range(15):
        state.remember(f"g4f/m{i}", configured)
    state.remember("g4f/m10", configured)
    assert state.model == "g4f/m10"
    assert state.recent_models == ["g4f/m10", "g4f/m14", "g4f/m13", "g4f/m12", "g4f/m11",
                                   "g4f/m9", "g4f/m8", "g4f/m7", "g4f/m6", "g4f/m5"]
    # Cycling through them (ctrl+t) does not reorder the list.
    state.remember("g4f/m12", configured, to_front=False)
    assert state.model == "g4f/m12"
    assert state.recent_models[:4] == ["g4f/m10", "g4f/m14", "g4f/m13", "g4f/m12"]


def test_saved_file_and_round_trip(paths: Paths) -> None:
    state = State()
    configured = Settings(theme="tui-chat-dark", default_provider="local", default_model="echo")
    state.remember("local/echo", configured)
    state.remember("local/gated", configured)
    state.remember_theme("tui-chat-light", configured)
    save_state(paths, state)
    assert paths.state_file.read_text() == (
        "# Written by tui-chat: what it remembers by itself (the model and theme last used).\n"
        "# Your own settings belong in settings.toml; changing `theme` or [defaults] there\n"
        "# makes yours win over what is remembered here.\n"
        'model = "local/gated"\n'
        'recent_models = ["local/gated", "local/echo"]\n'
        'theme = "tui-chat-light"\n'
        "\n"
        "# settings.toml's values when the ones above were chosen: change one there,\n"
        "# and it wins again.\n"
        "[instead_of]\n"
        'defaults = { provider = "local", model = "echo" }\n'
        'theme = "tui-chat-dark"\n'
    )
    loaded, problems = load_state(paths)
    assert problems == [] and loaded == state


def test_remembered_values_win_until_settings_change() -> None:
    configured = Settings(theme="tui-chat-dark", default_provider="local", default_model="echo")
    state = State()
    assert state.theme_for(configured) == "tui-chat-dark"
    assert state.model_for(configured) == ""
    state.remember("local/gated", configured)
    state.remember_theme("tui-chat-light", configured)
    assert state.theme_for(configured) == "tui-chat-light"
    assert state.model_for(configured) == "local/gated"
    # The user edits settings.toml: theirs win, each setting on its own.
    edited = Settings(theme="tui-chat-16", default_provider="local", default_model="echo")
    assert state.theme_for(edited) == "tui-chat-16"
    assert state.model_for(edited) == "local/gated"
    edited = Settings(theme="tui-chat-dark", default_provider="local", default_model="other")
    assert state.theme_for(edited) == "tui-chat-light"
    assert state.model_for(edited) == ""


def test_old_settings_recent_models_are_a_starting_point() -> None:
    old = Settings(recent_models=["a/x", "b/y", "a/x"])
    fresh = State()
    fresh.adopt_legacy(old)
    assert fresh.recent_models == ["a/x", "b/y"]
    kept = State(recent_models=["c/z"])
    kept.adopt_legacy(old)
    assert kept.recent_models == ["c/z"]


def test_renamed_providers_are_followed() -> None:
    configured = Settings(default_provider="openai", default_model="gpt")
    state = State()
    state.remember("ollama/llama", configured)
    state.remember("openai/gpt via X", configured)
    assert state.rename_providers({"openai": "oa"})
    assert state.model == "oa/gpt via X"
    assert state.recent_models == ["oa/gpt via X", "ollama/llama"]
    # [defaults] followed the rename in settings.toml too: still no change by the user.
    assert state.model_for(Settings(default_provider="oa", default_model="gpt")) == "oa/gpt via X"
    assert not state.rename_providers({"nobody": "x"})


def test_corrupt_state_is_moved_aside_reported_and_forgotten(paths: Paths) -> None:
    paths.state_file.write_text('model = "a/b"\nrecent_models = [\n')
    state, [problem] = load_state(paths)
    assert state == State()
    assert problem.moved_to is not None and problem.moved_to.name in problem.message
    assert problem.message.startswith("state.toml line 2: it is not valid TOML")
    assert "tui-chat starts afresh" in problem.message
    assert not paths.state_file.exists()
    # Reported once: the next start finds no file, and says nothing.
    assert load_state(paths) == (State(), [])


def test_wrong_types_in_state_count_as_corrupt(paths: Paths) -> None:
    paths.state_file.write_text("recent_models = [1, 2]\n")
    state, [problem] = load_state(paths)
    assert state == State() and "recent_models[0]" in problem.message
    assert problem.moved_to is not None


def test_unreadable_state_is_moved_aside(paths: Paths) -> None:
    paths.state_file.mkdir()  # reading it fails (even as root)
    state, [problem] = load_state(paths)
    assert state == State() and "could not be read" in problem.message
    assert not paths.state_file.exists()
    save_state(paths, State(model="a/b"))
    assert load_state(paths)[0].model == "a/b"
