"""What every one-shot command shares: exit codes, errors, settings and the catalog."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .terminal import say, silence_stdout

#: Exit codes. 2 is also what argparse uses for a malformed command line.
OK, FAILED, USAGE, INTERRUPTED, BROKEN_PIPE = 0, 1, 2, 130, 141


class CommandError(Exception):
    """A failure to report as one line on stderr, with the exit code to end with."""

    def __init__(self, message: str, code: int = FAILED) -> None:
        super().__init__(message)
        self.code = code


def usage_error(message: str) -> CommandError:
    return CommandError(message, USAGE)


Handler = Callable[[Any, Any], int]


def command(handler: Handler) -> Handler:
    """Wrap a command: CommandError, Ctrl+C and a closed stdout end it with one line."""

    @functools.wraps(handler)
    def run(args: Any, paths: Any) -> int:
        try:
            return handler(args, paths)
        except CommandError as error:
            say(str(error))
            return error.code
        except KeyboardInterrupt:
            say("interrupted.")
            return INTERRUPTED
        except BrokenPipeError:
            silence_stdout()
            return BROKEN_PIPE

    return run


@dataclass
class Context:
    settings: Any
    secrets: dict[str, str]
    catalog: Any
    #: What the app remembers (state.toml): read here, never written by a command.
    state: Any = None


def load_context(paths: Any, *, warn: bool = True) -> Context:
    """Settings, keys, what the app remembers and the configured providers (plugins'
    included); problems become warnings on stderr."""
    from tui_chat.catalog import Catalog, settled_problems
    from tui_chat.plugins import load_plugins
    from tui_chat.store import load_secrets, load_settings, load_state

    settings, problems = load_settings(paths)
    secrets, key_problems = load_secrets(paths)
    state, state_problems = load_state(paths)
    state.adopt_legacy(settings)
    plugins = load_plugins(paths.config_dir)
    catalog = Catalog.from_settings(settings, secrets, os.environ, plugins=plugins)
    if warn:
        for problem in [*settled_problems(problems, settings, catalog), *key_problems,
                        *state_problems]:  # fmt: skip
            say(f"warning: {problem}")
    # A plugin that could not be loaded (or whose name is taken) is said once, here.
    for problem in catalog.reports.take():
        if warn:
            say(f"warning: {problem}")
    return Context(settings, secrets, catalog, state)


def stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
