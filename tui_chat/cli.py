"""The `tui-chat` command: the full-screen app, and a few subcommands for scripts."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import __version__

if TYPE_CHECKING:
    import argparse

DESCRIPTION = """\
A full-screen terminal chat client for language-model providers: g4f backends
(BackendApi), Dynaspark and OpenAI-compatible servers (Ollama, llama.cpp, vLLM...).
Run without a command to open the chat screen."""

EPILOG = """\
configuration:
  settings, API keys, conversations and themes live in the config folder
  (see `tui-chat paths`); override it with --config-dir or $TUI_CHAT_CONFIG_DIR.
  API keys also come from environment variables such as OPENAI_API_KEY or
  <NAME>_API_KEY for a provider named NAME.

managed g4f server:
  with g4f installed (pip install 'tui-chat[g4f]') and nothing answering at the
  g4f backend's URL on this machine, tui-chat runs `g4f gui` itself on a free
  loopback port and stops it when it leaves; its log is in the user cache folder.
  Off with [g4f] managed = "never" in settings.toml or --no-managed-backend.
"""


def build_parser() -> argparse.ArgumentParser:
    import argparse  # (a plain start of the app reads its arguments without it)

    parser = argparse.ArgumentParser(
        prog="tui-chat",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"tui-chat {__version__}")
    parser.add_argument(
        "--config-dir",
        metavar="DIR",
        help="folder for settings, keys and conversations (default: the user config dir)",
    )
    parser.add_argument("--paths", action="store_true", help="print the folders in use and exit")
    parser.add_argument(
        "--no-managed-backend",
        action="store_true",
        help="never start a g4f server when none answers (as [g4f] managed = \"never\")",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("paths", help="print the folders in use")
    try:
        from .commands import add_commands
    except ImportError:  # the one-shot commands are optional while they are being built
        pass
    else:
        add_commands(commands)
    return parser


def app_arguments(argv: Sequence[str]) -> Any:
    """The arguments of a plain start of the app (`--config-dir DIR`, `--paths`,
    `--no-managed-backend`), read without building the parser with every command's
    options (~16 M instructions of start-up with argparse's import); None for anything
    else, which the parser reads (and says what is wrong with)."""
    import types

    args = types.SimpleNamespace(config_dir=None, paths=False, no_managed_backend=False)
    tokens = list(argv)
    while tokens:
        token = tokens.pop(0)
        if token in ("--paths", "--no-managed-backend"):
            setattr(args, token[2:].replace("-", "_"), True)
        elif token == "--config-dir" and tokens and not tokens[0].startswith("-"):
            args.config_dir = tokens.pop(0)
        elif token.startswith("--config-dir=") and len(token) > len("--config-dir="):
            args.config_dir = token.split("=", 1)[1]
        else:
            return None
    args.command = None
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = app_arguments(sys.argv[1:] if argv is None else argv)
    if args is None:
        args = build_parser().parse_args(argv)
    from .store import Paths

    paths = Paths.resolve(args.config_dir)
    if args.no_managed_backend:
        from .managed import switch_off

        switch_off("--no-managed-backend was given")
    if args.paths or args.command == "paths":
        print_paths(paths)
        return 0
    handler = getattr(args, "handler", None)
    if handler is not None:
        return int(handler(args, paths) or 0)
    return run_app(paths)


def print_paths(paths: object) -> None:
    for label, attribute in (
        ("config", "config_dir"),
        ("settings", "settings_file"),
        ("state", "state_file"),
        ("secrets", "secrets_file"),
        ("conversations", "conversations_dir"),
        ("themes", "themes_dir"),
        ("trash", "trash_dir"),
    ):
        print(f"{label + ':':15}{getattr(paths, attribute)}")


def run_app(paths: object) -> int:
    if not sys.stdout.isatty() and not os.environ.get("TUI_CHAT_FORCE_APP"):
        print(
            "tui-chat: the chat screen needs a terminal; for scripts use `tui-chat ask`.",
            file=sys.stderr,
        )
        return 2
    # Start-up creates well over 100,000 objects and keeps most of them (modules, classes,
    # widgets, styles); the cyclic garbage collector, run some 180 times meanwhile, took
    # ~40 ms of it. It is off until the first complete frame has been drawn (the app turns
    # it back on then), and in any case once the app has ended.
    # Textual sizes the screen with shutil.get_terminal_size(), which believes exported
    # COLUMNS/LINES over the terminal itself, at start and on every resize: with them in
    # the environment (some shells and tools export them) the app kept that size forever.
    for name in ("COLUMNS", "LINES"):
        os.environ.pop(name, None)
    gc.disable()
    try:
        from .ui.app import ChatApp

        app = ChatApp.from_paths(paths, resume_gc=True)  # type: ignore[arg-type]
        # Before Textual takes stdin: a terminal's reply read later would be typed text.
        from .ui.graphics import detect, prepare

        app.graphics = detect(app.session.settings.display.images)
        prepare(app.graphics)
        app.run()
    finally:
        gc.enable()
    return app.return_code or 0
