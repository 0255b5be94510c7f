"""Plugin providers from the command line: `tui-chat models`, `providers` and `ask` with
the example installed through its entry point, and with plugins that break."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from plugins.conftest import install_example, write_plugin
from plugins.test_plugin_app import BAD_ANSWER
from plugins.test_plugin_loading import LISTING_FAILS

from .conftest import CLI, REPO, Result


def run(cli: CLI, site: Path | None, *args: str) -> Result:
    """The real tui-chat, with `site` (where the example is installed) on its path."""
    env = cli.env()
    if site is not None:
        env["PYTHONPATH"] = f"{site}{os.pathsep}{REPO}"
    done = subprocess.run(
        cli.argv(*args),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env=env,
        timeout=30,
        cwd=cli.config_dir,
    )
    return Result(done.returncode, done.stdout.decode(), done.stderr.decode())


def test_an_installed_plugin_is_listed_and_answers(cli: CLI, tmp_path: Path) -> None:
    site = install_example(tmp_path / "site")
    models = run(cli, site, "models", "-p", "echo-plugin")
    assert models.returncode == 0, models.stderr
    assert models.stdout.splitlines() == ["echo-plugin/echo", "echo-plugin/reverse"]

    providers = run(cli, site, "providers")
    rows = {line.split()[0]: line.split() for line in providers.stdout.splitlines()}
    assert rows["echo-plugin"] == ["echo-plugin", "plugin", "-", "ready", "2", "models"]
    assert list(rows) == ["g4f", "up", "down", "echo-plugin"]

    first = run(cli, site, "ask", "-m", "echo-plugin/reverse", "one two three")
    assert (first.returncode, first.stdout) == (0, "(1) eerht owt eno\n")
    second = run(cli, site, "ask", "-c", "four five")
    assert (second.returncode, second.stdout) == (0, "(2) evif ruof\n")
    [conversation] = cli.conversations()
    assert conversation.provider_state == {"echo-plugin": {"turns": 2}}

    # Not installed: not there, and nothing else changes.
    without = run(cli, None, "models", "-p", "echo-plugin")
    assert without.returncode == 2 and "No provider named 'echo-plugin'" in without.stderr


def test_broken_plugins_are_rows_of_their_own_and_a_line_on_stderr(cli: CLI) -> None:
    config = cli.config_dir
    write_plugin(config, "broken.py", "raise RuntimeError('half installed')\n")
    write_plugin(config, "nolist.py", LISTING_FAILS)
    result = run(cli, None, "providers")
    assert result.returncode == 0
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()}
    assert rows["broken.py"] == ["broken.py", "plugin", "-", "broken", "-"]
    assert rows["nolist"][:4] == ["nolist", "plugin", "-", "failed"]
    assert rows["up"][3] == "ready"  # the others as usual
    broken = [line for line in result.err_lines if "broken.py" in line]
    assert broken == [
        f"tui-chat: warning: Provider plugin 'broken.py' (the file {config}/providers/broken.py): "
        "could not be imported: RuntimeError: half installed. The other providers work as usual."
    ]
    assert (
        "tui-chat: nolist: failed: The plugin broke: listing its models failed: ValueError: "
        "no list today." in result.err_lines
    )
    as_json = {
        item["name"]: item for item in json.loads(run(cli, None, "providers", "--json").stdout)
    }
    assert as_json["broken.py"]["state"] == "broken"
    assert as_json["broken.py"]["problem"] == "could not be imported: RuntimeError: half installed"
    assert as_json["nolist"]["kind"] == "plugin" and as_json["nolist"]["state"] == "failed"


def test_ask_skips_what_a_plugin_sends_that_is_not_text_and_says_so_once(cli: CLI) -> None:
    write_plugin(cli.config_dir, "sloppy.py", BAD_ANSWER)
    result = run(cli, None, "ask", "-m", "sloppy/s-1", "go")
    assert (result.returncode, result.stdout) == (0, "Half an answer.\n")
    [warning] = result.err_lines
    assert warning.startswith("tui-chat: warning: Provider plugin 'sloppy' (the file ")
    assert "its answer held a dict, which is neither text nor an event; it was skipped." in warning
