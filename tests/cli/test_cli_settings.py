"""The one-shot commands follow the app's rules for settings.toml and state.toml."""

from __future__ import annotations

from .conftest import CLI, settings_toml


def remembered(model: str, defaults_model: str = "echo") -> str:
    """A state.toml as the app writes it after choosing `model` over [defaults]."""
    return (
        f'model = "{model}"\n'
        f'recent_models = ["{model}"]\n'
        "[instead_of]\n"
        f'defaults = {{ provider = "up", model = "{defaults_model}" }}\n'
    )


def test_ask_uses_the_model_chosen_in_the_app_until_defaults_change(
    cli: CLI, down_port: int
) -> None:
    state = cli.config_dir / "state.toml"
    state.write_text(remembered("up/reasoner"))
    result = cli.run("ask", "hi")
    assert result.returncode == 0, result.stderr
    assert [r["model"] for r in cli.requests()] == ["reasoner"]
    # The user changes [defaults] in settings.toml: theirs wins from then on.
    settings = cli.config_dir / "settings.toml"
    settings.write_text(
        settings_toml(cli.upstream.url, down_port).replace('model = "echo"', 'model = "think"')
    )
    result = cli.run("ask", "again")
    assert result.returncode == 0, result.stderr
    assert [r["model"] for r in cli.requests()] == ["reasoner", "think"]
    # A command reads what the app remembers and never writes it.
    assert state.read_text() == remembered("up/reasoner")


def test_a_bad_value_is_one_warning_and_everything_else_works(
    cli: CLI, down_port: int
) -> None:
    text = settings_toml(cli.upstream.url, down_port).replace(
        "read_timeout = 20.0", 'read_timeout = "soon"'
    )
    (cli.config_dir / "settings.toml").write_text(text)
    result = cli.run("ask", "hello")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Echo: hello\n"  # [[openai]] "up" and [defaults] still in use
    assert result.err_lines == [
        "tui-chat: warning: settings.toml line 22: expected a number for "
        "request.read_timeout, got 'soon'; it is ignored and the default, 120.0, is used."
    ]
    assert (cli.config_dir / "settings.toml").read_text() == text
    assert not list(cli.config_dir.glob("*.corrupt-*"))


def test_paths_names_the_state_file(cli: CLI) -> None:
    result = cli.run("paths")
    assert result.returncode == 0
    assert f"state:         {cli.config_dir / 'state.toml'}" in result.stdout.splitlines()
