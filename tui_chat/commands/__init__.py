"""The one-shot commands: `tui-chat ask`, `tui-chat models`, `tui-chat providers`.

For scripts and quick questions without the full screen. Nothing in this package imports
Textual: these commands start fast and work without a terminal. The modules doing the
work are imported only when their command runs, so `tui-chat --help` stays quick.
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_commands"]

ASK_DESCRIPTION = """\
Ask one question and stream the answer to stdout as it arrives.

Text piped on stdin goes before the question (`cat notes.md | tui-chat ask "summarise"`);
a piped image is sent as an image. The exchange is saved as a conversation that the app
shows; -c continues the most recent conversation, --conversation ID a chosen one."""

ASK_EPILOG = """\
models:
  -m takes "MODEL", "PROVIDER/MODEL" or, for a g4f backend, "PROVIDER/MODEL via X"
  (as `tui-chat models` prints them). Without -p, what comes before the first "/" must
  be a configured provider; a model id with a "/" of its own goes as -p PROVIDER -m
  MODEL (or -m PROVIDER/MODEL). Without -m/-p: the continued conversation's model,
  else the model last chosen in the app (state.toml) unless [defaults] in settings.toml
  changed since, else [defaults].
  -m may be given 2 to 4 times to compare models: each is asked the same question at
  once, and the answers are printed one after the other, in the order given, each under
  a line naming its model (`── PROVIDER/MODEL ──`). The conversation goes on with the
  first model's answer; the others are saved as variants of it (flip to them in the app).

attachments (-a):
  PNG, JPEG, GIF and WebP images (recognised by content) are sent as images; UTF-8 text
  files are put into the message in a fenced block under their name. Anything else, a
  folder, a missing file, or a file over the size limits of [attachments] in
  settings.toml is refused and nothing is sent.

output:
  the answer goes to stdout exactly as received, with a newline added at the end if it
  has none. On a terminal, control characters (escape sequences) in it are shown as
  symbols rather than obeyed. Reasoning is hidden unless --show-reasoning (stderr).

exit status:
  0 answered (with several -m: every model did); 1 an answer failed (server down, bad
  key, unknown model, an answer cut short, ...) - it is saved as failed with what
  arrived; 2 a usage error (unknown provider or conversation, a refused attachment,
  nothing to ask, more than 4 -m) - nothing is sent or saved; 130 interrupted by
  Ctrl+C (143 by SIGTERM) - what arrived stays printed and is saved as stopped.
"""

LIST_EPILOG = """\
exit status: 0 when at least one provider answered (models) / always for providers;
1 when none could be reached; each provider that fails gets one line on stderr.
"""


def add_commands(subparsers: Any) -> None:
    """Add `ask`, `models` and `providers` to the `tui-chat` argument parser."""
    _add_ask(subparsers)
    _add_models(subparsers)
    _add_providers(subparsers)


def _add_ask(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "ask",
        help="ask one question; the answer streams to stdout",
        description=ASK_DESCRIPTION,
        epilog=ASK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "prompt", nargs="*", metavar="QUESTION", help="the question (words are joined)"
    )
    choose = parser.add_argument_group("model")
    choose.add_argument(
        "-m",
        "--model",
        action="append",
        metavar="MODEL",
        help="model, or PROVIDER/MODEL; repeat (up to 4) to compare models",
    )
    choose.add_argument("-p", "--provider", metavar="NAME", help="provider, as configured")
    choose.add_argument(
        "-s", "--system", metavar="TEXT", help="system prompt (replaces a continued one's)"
    )
    choose.add_argument("--temperature", type=float, metavar="T", help="sampling temperature")
    choose.add_argument(
        "--max-tokens", type=_positive_int, metavar="N", help="longest answer, in tokens"
    )
    content = parser.add_argument_group("input and output")
    content.add_argument(
        "-a",
        "--attach",
        action="append",
        metavar="FILE",
        help="attach an image or a text file (repeatable)",
    )
    content.add_argument(
        "--no-stdin", action="store_true", help="do not read stdin even when it is not a terminal"
    )
    content.add_argument(
        "--show-reasoning", action="store_true", help="print the model's reasoning to stderr"
    )
    content.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="say on stderr which model is asked, the conversation id, and provider notes",
    )
    saving = parser.add_argument_group("conversation")
    which = saving.add_mutually_exclusive_group()
    which.add_argument(
        "-c",
        "--continue",
        dest="continue_last",
        action="store_true",
        help="continue the most recent conversation",
    )
    which.add_argument("--conversation", metavar="ID", help="continue the conversation ID")
    saving.add_argument(
        "--no-save", action="store_true", help="save nothing (the exchange is not kept)"
    )
    parser.set_defaults(handler=_ask)


def _add_models(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "models",
        help="list the models of every configured provider",
        description="List PROVIDER/MODEL pairs, asked live from each configured provider "
        "(for a g4f backend: PROVIDER/MODEL via X). Usable as `tui-chat ask -m`.",
        epilog=LIST_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_listing_options(parser)
    parser.set_defaults(handler=_models)


def _add_providers(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "providers",
        help="list the configured providers and their state",
        description="One line per configured provider: name, kind, URL, state (ready, "
        "unreachable, needs a key) and number of models. Each provider is asked live.",
        epilog=LIST_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_listing_options(parser)
    parser.set_defaults(handler=_providers)


def _add_listing_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-p", "--provider", action="append", metavar="NAME", help="only this provider (repeatable)"
    )
    parser.add_argument("--json", action="store_true", help="print a JSON array")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _ask(args: Any, paths: Any) -> int:
    from .ask import run_ask

    return run_ask(args, paths)


def _models(args: Any, paths: Any) -> int:
    from .listing import run_models

    return run_models(args, paths)


def _providers(args: Any, paths: Any) -> int:
    from .listing import run_providers

    return run_providers(args, paths)
