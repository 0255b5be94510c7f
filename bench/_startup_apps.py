"""The programs bench/startup.py starts in its pseudo-terminal.

    python _startup_apps.py hello [--exit-at-frame]
    python _startup_apps.py app [--exit-at-frame] --config-dir DIR

`hello` is a Textual hello world with what the chat screen's first frame needs at the
least (a prompt with its placeholder, a footer, one label with the newest conversation's
title): the floor a Textual app starts at on this machine, measured the same way.
`app` is `tui-chat` itself (what its console script runs).

With --exit-at-frame the process ends as soon as the terminal driver has been handed the
first complete frame (the same texts the harness waits for), so a count of instructions
under callgrind covers exec -> complete frame and nothing after it (the app's work after
its first complete frame, such as asking for model lists, is not counted).
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import os
import re
import sys
from collections.abc import Callable
from typing import Any

NEWEST = "Newest bench conversation"
NEEDLES = ("Type a message", "Quit", NEWEST)
# Escape sequences, stripped to find a frame's texts (startup.py reads the pty with it too).
ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1bP[^\x1b]*\x1b\\|\x1b[@-Z\\-_]"
)


def _exit_when_complete(write: Callable[[Any, str], None]) -> Callable[[Any, str], None]:
    """The terminal driver's `write`, ending the process once the texts of a complete frame
    have all been handed to it. It runs on the main thread: the check does not wait for
    the driver's writer thread, while the app went on with the work it does after its
    first complete frame (that work is not counted)."""
    written: list[str] = []

    def write_then_check(driver: Any, data: str) -> None:
        write(driver, data)
        written.append(data)
        if all(needle in ESCAPES.sub("", "".join(written)) for needle in NEEDLES):
            driver.flush()
            os._exit(0)

    return write_then_check


class _PatchDriver(importlib.abc.MetaPathFinder):
    """Patches Textual's Linux driver as it is imported, so that nothing is imported
    early for the patch and the program starts exactly as it would (the app turns the
    garbage collector off before it imports Textual, for one)."""

    NAME = "textual.drivers.linux_driver"

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != self.NAME:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.loader is not None
        exec_module = spec.loader.exec_module

        def exec_then_patch(module: Any) -> None:
            exec_module(module)
            module.LinuxDriver.write = _exit_when_complete(module.LinuxDriver.write)

        spec.loader.exec_module = exec_then_patch  # type: ignore[method-assign]
        return spec


def exit_at_first_complete_frame() -> None:
    sys.meta_path.insert(0, _PatchDriver())


def hello() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Input, Label

    class Hello(App[None]):
        BINDINGS = [("ctrl+q", "quit", "Quit")]

        def compose(self) -> ComposeResult:
            yield Input(placeholder="Type a message")
            yield Label(NEWEST)
            yield Footer()

    Hello().run()


def main() -> None:
    which, *rest = sys.argv[1:]
    if "--exit-at-frame" in rest:
        rest.remove("--exit-at-frame")
        exit_at_first_complete_frame()
    if which == "hello":
        hello()
    else:
        from tui_chat.cli import main as tui_chat

        sys.exit(tui_chat(rest))


if __name__ == "__main__":
    main()
