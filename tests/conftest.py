"""What every test shares: no managed g4f server unless a test asks for one.

With g4f installed (CI installs the `g4f` extra), any test whose settings have a g4f
backend on this machine that does not answer (the default settings have one) would have
tui-chat start a real g4f server (tui_chat/managed.py). Only the tests in tests/managed
want that; they undo this. The cache folder is the test's own in any case.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _no_managed_g4f(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory):
    monkeypatch.setenv("TUI_CHAT_NO_MANAGED_BACKEND", "1")
    monkeypatch.setenv("TUI_CHAT_CACHE_DIR", str(Path(tmp_path_factory.mktemp("cache"))))


@pytest.fixture(autouse=True, scope="session")
def _no_app_left_running(tmp_path_factory: pytest.TempPathFactory):
    """At the end of the run, no tui-chat started by a test may still be running: one
    left behind (a hang when its terminal went away) used a core for good, unseen."""
    yield
    import os
    import signal
    import time

    root = str(tmp_path_factory.getbasetemp())  # this run's (not another run's) folder

    def left() -> dict[int, str]:
        found = {}
        for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            line = " ".join(arg.decode(errors="replace") for arg in argv)
            if "tui_chat" in line and root in line:
                found[int(entry.name)] = line
        return found

    deadline = time.monotonic() + 10  # the last tests' apps may still be leaving
    while (found := left()) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in found:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert not found, f"tui-chat processes left running by the tests: {found}"
