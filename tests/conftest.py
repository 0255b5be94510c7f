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
