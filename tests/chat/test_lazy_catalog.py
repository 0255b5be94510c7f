"""The catalog's built-in entries before their classes are made (catalog.LazyProvider):
what the sidebar and the managed server's check read of them is what the classes say,
and reading it imports none of the provider classes (start-up leaves them for after
its first frame)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tui_chat.catalog import Catalog
from tui_chat.store.settings import (
    Backend,
    DynasparkSettings,
    OpenAIEndpoint,
    Settings,
)

REPO = Path(__file__).resolve().parents[2]


def settings(dynaspark_endpoint: str) -> Settings:
    return Settings(
        backends=[Backend("g4f", "http://127.0.0.1:8080"), Backend("far", "https://x.test/g4f/")],
        dynaspark=DynasparkSettings(endpoint=dynaspark_endpoint, enabled=True),
        openai=[OpenAIEndpoint("ollama", "http://127.0.0.1:11434/v1", headers={"X-A": "b"})],
    )


@pytest.mark.parametrize("endpoint", ["https://spark.test/api/generate_response", ""])
def test_an_entry_says_what_its_class_would(endpoint):
    before = Catalog.from_settings(settings(endpoint), {}, {})
    said = [(entry.name, entry.kind, entry.url) for entry in before]
    made = [entry.provider.made() for entry in Catalog.from_settings(settings(endpoint), {}, {})]
    told = [
        (cls.label, cls.kind(), getattr(cls, "api_endpoint", "") or cls.url) for cls in made
    ]
    assert said == told
    assert said[2][2] == (endpoint or "https://dynaspark.onrender.com")
    # Made, an entry is its class in all it is asked (here: what it sends with a request).
    ollama = before.get("ollama")
    assert ollama.provider.headers == {"X-A": "b"}
    assert ollama.provider.request_secrets("sk-1") == made[3].request_secrets("sk-1")
    assert ollama.default_model() == "" and ollama.accepts_unlisted_models is True


def test_what_the_sidebar_reads_imports_no_provider_class():
    code = """
import json, sys
from tui_chat.catalog import Catalog
from tui_chat.store.settings import Settings
catalog = Catalog.from_settings(Settings(), {}, {})
seen = [(e.name, e.kind, e.url, e.state, e.managed is not None) for e in catalog]
print(json.dumps([seen, sorted(m for m in sys.modules if m.startswith("tui_chat.providers"))]))
"""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout
    seen, modules = json.loads(out)
    assert seen == [
        ["g4f", "BackendApi", "http://127.0.0.1:8080", "loading", True],
        ["Dynaspark", "Dynaspark", "https://dynaspark.onrender.com/api/generate_response",
         "loading", False],
        ["ollama", "OpenAICompatible", "http://127.0.0.1:11434/v1", "loading", False],
    ]  # fmt: skip
    for module in ("backend_api", "dynaspark", "openai_compat", "base", "http"):
        assert f"tui_chat.providers.{module}" not in modules
