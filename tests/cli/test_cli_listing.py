"""`tui-chat models` and `tui-chat providers` with one reachable and one unreachable server."""

from __future__ import annotations

import json

from .conftest import CLI


def test_models_lists_every_reachable_provider_and_one_line_per_failure(
    cli: CLI, down_port: int
) -> None:
    result = cli.run("models")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "g4f/m1 via ProvX" in lines and "g4f/m2 via ProvX" in lines
    assert "up/echo" in lines and "up/slow" in lines
    assert not any(line.startswith("down/") for line in lines)
    [problem] = result.err_lines
    assert problem.startswith("tui-chat: down: unreachable: ")
    assert f"127.0.0.1:{down_port}" in problem


def test_models_as_json_and_failing_when_nothing_answers(cli: CLI) -> None:
    listed = cli.run("models", "--json", "-p", "up")
    assert listed.returncode == 0
    models = json.loads(listed.stdout)
    assert {"provider": "up", "model": "echo", "via": "", "key": "up/echo",
            "vision": False, "default": False} in models
    nothing = cli.run("models", "-p", "down")
    assert nothing.returncode == 1
    assert nothing.stdout == ""
    assert len(nothing.err_lines) == 1


def test_providers_shows_each_state(cli: CLI) -> None:
    result = cli.run("providers")
    assert result.returncode == 0
    rows = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert set(rows) == {"g4f", "up", "down"}
    assert "BackendApi" in rows["g4f"] and "ready" in rows["g4f"] and "2 models" in rows["g4f"]
    assert "OpenAICompatible" in rows["up"] and f"{cli.upstream.url}/v1" in rows["up"]
    assert "unreachable" in rows["down"]
    assert result.err_lines[0].startswith("tui-chat: down: unreachable: ")
    as_json = json.loads(cli.run("providers", "--json").stdout)
    states = {item["name"]: (item["kind"], item["state"], item["models"]) for item in as_json}
    assert states["up"] == ("OpenAICompatible", "ready", 9)
    assert states["down"] == ("OpenAICompatible", "unreachable", None)
