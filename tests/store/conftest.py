from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The package is not installed in the venv and pytest's config sets no pythonpath,
# so `pytest tests/store` would not find tui_chat; harmless once either is fixed.
_REPO = str(Path(__file__).resolve().parents[2])
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)

from tui_chat.store import ConversationStore, Paths  # noqa: E402


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    p = Paths(tmp_path / "config")
    p.ensure()
    return p


@pytest.fixture
def store(paths: Paths) -> ConversationStore:
    return ConversationStore(paths)
