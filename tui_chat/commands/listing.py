"""`tui-chat models` and `tui-chat providers`: what is configured, asked live."""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import dataclass, field
from typing import Any

from tui_chat.catalog import NEEDS_KEY, READY, UNREACHABLE, ModelChoice, ProviderEntry
from tui_chat.providers import AuthenticationRequiredError, ProviderError
from tui_chat.providers.base import ModelInfo

from .common import FAILED, OK, CommandError, command, explain, load_context, model_timeouts
from .terminal import is_tty, neutralize, say


@dataclass
class Listed:
    entry: ProviderEntry
    state: str = READY
    problem: str = ""
    models: list[ModelInfo] = field(default_factory=list)


@command
def run_models(args: Any, paths: Any) -> int:
    listed = _survey(paths, args)
    rows = [
        (item, model, ModelChoice(item.entry.name, model.id, model.provider))
        for item in listed
        for model in item.models
    ]
    if args.json:
        _print_json(
            [
                {
                    "provider": item.entry.name,
                    "model": model.id,
                    "via": model.provider,
                    "key": choice.key(),
                    "vision": model.vision,
                    "default": model.default,
                }
                for item, model, choice in rows
            ]
        )
    else:
        _print_lines(choice.key() for _item, _model, choice in rows)
    _report_problems(listed)
    reachable = any(item.state == READY for item in listed)
    return OK if reachable else FAILED


@command
def run_providers(args: Any, paths: Any) -> int:
    listed = _survey(paths, args)
    if args.json:
        _print_json(
            [
                {
                    "name": item.entry.name,
                    "kind": item.entry.kind,
                    "url": item.entry.url,
                    "state": item.state,
                    "models": len(item.models) if item.state == READY else None,
                    "problem": item.problem,
                }
                for item in listed
            ]
        )
    else:
        rows = [
            (
                item.entry.name,
                item.entry.kind,
                item.entry.url,
                item.state,
                f"{len(item.models)} model" + ("" if len(item.models) == 1 else "s")
                if item.state == READY
                else "-",
            )
            for item in listed
        ]
        widths = [max(len(row[column]) for row in rows) for column in range(4)]
        _print_lines(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
            + "  "
            + row[4]
            for row in rows
        )
    _report_problems(listed)
    return OK


# --- asking every provider at once ---------------------------------------------------------


def _survey(paths: Any, args: Any) -> list[Listed]:
    context = load_context(paths)
    entries = list(context.catalog)
    if args.provider:
        entries = [entry for entry in entries if entry.name in args.provider]
        missing = sorted(set(args.provider) - {entry.name for entry in entries})
        if missing:
            known = ", ".join(context.catalog.names()) or "none"
            raise CommandError(
                f"No provider named {missing[0]!r} is configured (configured: {known}).", 2
            )
    if not entries:
        raise CommandError("No provider is configured: add one to settings.toml.")
    settings = context.settings
    return asyncio.run(_ask_all(entries, settings.request.proxy or None, model_timeouts(settings)))


async def _ask_all(entries: list[ProviderEntry], proxy: str | None, timeouts: Any) -> list[Listed]:
    return list(await asyncio.gather(*(_ask_one(entry, proxy, timeouts) for entry in entries)))


async def _ask_one(entry: ProviderEntry, proxy: str | None, timeouts: Any) -> Listed:
    listed = Listed(entry)
    try:
        static = entry.static_models()
        if static:
            listed.models = static
            await _probe(entry, proxy, timeouts)
        else:
            listed.models = await entry.fetch_models(proxy, timeouts)
    except AuthenticationRequiredError as error:
        listed.state, listed.problem, listed.models = NEEDS_KEY, explain(error), []
    except ProviderError as error:
        listed.state, listed.problem, listed.models = UNREACHABLE, explain(error), []
    except Exception as error:  # a model list is never worth a traceback
        listed.state, listed.problem, listed.models = UNREACHABLE, explain(error), []
    entry.state, entry.problem, entry.models = listed.state, listed.problem, listed.models
    return listed


async def _probe(entry: ProviderEntry, proxy: str | None, timeouts: Any) -> None:
    """For a fixed model list (Dynaspark): is the host there at all? Any HTTP answer,
    even an error status for a GET on a POST endpoint, says it is."""
    from tui_chat.providers import HTTPStatusError, http

    try:
        async with (
            http.session({}, timeouts) as client,
            http.request(client, "GET", entry.url, proxy=proxy, timeouts=timeouts),
        ):
            pass
    except AuthenticationRequiredError:
        raise
    except HTTPStatusError:
        pass


# --- output ----------------------------------------------------------------------------------


def _report_problems(listed: list[Listed]) -> None:
    for item in listed:
        if item.state != READY:
            say(f"{item.entry.name}: {item.state}: {item.problem}")


def _print_lines(lines: Any) -> None:
    tty = is_tty(sys.stdout)
    for line in lines:
        sys.stdout.write((neutralize(line) if tty else line) + "\n")
    sys.stdout.flush()


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()
