"""`tui-chat models` and `tui-chat providers`: what is configured, asked live."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from tui_chat.catalog import READY, ProviderEntry, listing_timeouts
from tui_chat.model_choice import ModelChoice

from .common import FAILED, OK, CommandError, command, load_context
from .terminal import is_tty, neutralize, say


@command
def run_models(args: Any, paths: Any) -> int:
    listed = _survey(paths, args)
    rows = [
        (item, model, ModelChoice(item.name, model.id, model.provider))
        for item in listed
        for model in item.models
    ]
    if args.json:
        _print_json(
            [
                {
                    "provider": item.name,
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


#: The state `tui-chat providers` gives a plugin that could not be loaded.
BROKEN = "broken"


@command
def run_providers(args: Any, paths: Any) -> int:
    listed = _survey(paths, args)
    broken = _broken_plugins(paths, args)
    if args.json:
        _print_json(
            [
                {
                    "name": item.name,
                    "kind": item.kind,
                    "url": item.url,
                    "state": item.state,
                    "models": len(item.models) if item.state == READY else None,
                    "problem": item.problem,
                    **_managed_json(item),
                }
                for item in listed
            ]
            + [
                {
                    "name": problem.plugin,
                    "kind": "plugin",
                    "url": "",
                    "source": problem.source,
                    "state": BROKEN,
                    "models": None,
                    "problem": problem.reason,
                }
                for problem in broken
            ]
        )
    else:
        rows = [
            (
                item.name,
                item.kind,
                item.url or "-",
                item.state + (" (managed)" if _managed_active(item) else ""),
                f"{len(item.models)} model" + ("" if len(item.models) == 1 else "s")
                if item.state == READY
                else "-",
            )
            for item in listed
        ] + [(problem.plugin, "plugin", "-", BROKEN, "-") for problem in broken]
        widths = [max(len(row[column]) for row in rows) for column in range(4)]
        _print_lines(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
            + "  "
            + row[4]
            for row in rows
        )
    _report_problems(listed)
    return OK


def _broken_plugins(paths: Any, args: Any) -> list[Any]:
    """The plugins that could not be loaded (each already said on stderr), as rows."""
    from tui_chat.plugins import load_plugins

    if args.provider:
        return []
    return list(load_plugins(paths.config_dir).problems)


# --- asking every provider at once ---------------------------------------------------------


def _survey(paths: Any, args: Any) -> list[ProviderEntry]:
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
    request = context.settings.request
    asyncio.run(_ask_all(entries, request.proxy or None, listing_timeouts(request)))
    return entries


async def _ask_all(entries: list[ProviderEntry], proxy: str | None, timeouts: Any) -> None:
    """Every provider at once: the slowest sets the pace, not the sum. The g4f backend on
    this machine uses a managed g4f server already running (an open tui-chat's) when
    nothing answers at its URL; a listing starts none."""
    from tui_chat import managed

    await asyncio.gather(
        *(managed.refresh(entry, proxy, timeouts, start=False) for entry in entries)
    )


# --- output ----------------------------------------------------------------------------------


def _report_problems(listed: list[ProviderEntry]) -> None:
    for item in listed:
        if item.state != READY:
            say(f"{item.name}: {item.state}: {item.problem}")
        elif _managed_active(item):
            say(f"{item.name}: {item.managed.describe()}")


# --- the managed g4f server (tui_chat/managed.py) -------------------------------------------


def _managed_active(item: ProviderEntry) -> bool:
    return item.managed is not None and item.managed.active


def _managed_json(item: ProviderEntry) -> dict[str, Any]:
    """`"managed"` for the g4f backend tui-chat may run a server for: whether it may
    (`off` says why not), and the server in use, if any."""
    link = item.managed
    if link is None:
        return {}
    status = link.failure or link.status()
    return {
        "managed": {
            "mode": link.mode,
            "off": link.off,
            "active": link.active,
            "state": status.state if link.active else "off",
            "url": status.url if link.active else "",
            "pid": status.pid if link.active else None,
            "shared": status.shared if link.active else False,
            "log": status.log or "",
            "reason": status.reason if link.active else "",
        }
    }


def _print_lines(lines: Any) -> None:
    tty = is_tty(sys.stdout)
    for line in lines:
        sys.stdout.write((neutralize(line) if tty else line) + "\n")
    sys.stdout.flush()


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()
