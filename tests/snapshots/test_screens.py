"""Screen snapshots: what the real app shows, at 80x24 (the smallest size it promises) and
at 120x40 for the screens where the sidebar matters.

Review and update them as the README says (`pytest tests/snapshots --snapshot-update`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tui_chat.catalog import UNREACHABLE
from tui_chat.store import Conversation, ConversationStore, Message, Paths
from tui_chat.ui.app import ChatApp

from .conftest import HOST, settle

SMALL = (80, 24)
LARGE = (120, 40)
BOTH = pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])

#: A day in the past: the log shows it as a full date, whatever day the tests run on.
WHEN = datetime(2025, 3, 14, 9, 26, tzinfo=UTC)

ANSWER = """\
## Reading a CSV file

Python's standard library is enough:

- `csv.DictReader` gives one dict per row;
- `newline=""` keeps quoted line breaks intact;
- name the encoding.

```python
import csv

with open("people.csv", newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        print(row["name"], row["age"])
```

| option | what it does |
|---|---|
| `delimiter` | the field separator |
| `quotechar` | the quoting character |
"""


def newcomer_settings(config: Path, dead: tuple[int, ...]) -> None:
    """The providers a first launch has (g4f, Dynaspark, ollama: see README), each at a
    loopback port that refuses connections (the real Dynaspark host is on the internet)."""
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.toml").write_text(
        f"""
[[backends]]
name = "g4f"
url = "http://{HOST}:{dead[0]}"

[dynaspark]
endpoint = "http://{HOST}:{dead[1]}/api/generate_response"

[[openai]]
name = "ollama"
base_url = "http://{HOST}:{dead[2]}/v1"
""",
        encoding="utf-8",
    )


def save_conversation(config: Path) -> str:
    """A saved conversation with a Markdown answer, every timestamp fixed."""
    conversation = Conversation(
        title="Reading a CSV file in Python",
        created=WHEN,
        updated=WHEN + timedelta(minutes=1),
        provider="local",
        model="echo",
        messages=[
            Message("user", "How do I read a CSV file in Python?", created=WHEN),
            Message(
                "assistant",
                ANSWER,
                created=WHEN + timedelta(minutes=1),
                provider="local",
                model="echo",
                usage={"prompt_tokens": 14, "completion_tokens": 96},
                finish_reason="stop",
            ),
        ],
    )
    ConversationStore(Paths.resolve(config)).save(conversation)
    return conversation.id


@BOTH
def test_first_launch_with_no_provider_reachable(
    snap_compare, make_app: Callable[..., ChatApp], config_dir: Path, dead_ports, size
) -> None:
    """A newcomer's first screen: no conversation yet, every provider unreachable."""
    newcomer_settings(config_dir, dead_ports)
    app = make_app(write=False)

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot, lambda text: "unreachable" in text)
        assert all(entry.state == UNREACHABLE for entry in app.catalog)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@BOTH
def test_saved_conversation_with_markdown_answer(
    snap_compare, make_app: Callable[..., ChatApp], config_dir: Path, size
) -> None:
    """A saved conversation opened: a heading, a list, a code block and a table."""
    app = make_app()
    conversation_id = save_conversation(config_dir)

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot, lambda text: "local › echo" in text)
        await app.chat.open_conversation(conversation_id)
        # The answer from its first paragraph down to the table's last row and the token
        # counts under it (the log follows the newest text).
        await settle(
            pilot,
            lambda text: all(
                part in text for part in ("standard library is enough", "quoting", "96 out")
            ),
        )

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_model_picker(snap_compare, make_app: Callable[..., ChatApp]) -> None:
    """ctrl+o: every provider's models, with the unreachable one said so."""
    app = make_app()

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot, lambda text: "local › echo" in text)
        await pilot.press("ctrl+o")
        await settle(pilot, lambda text: "Switch model" in text and "dead › " in text)

    assert snap_compare(app, terminal_size=SMALL, run_before=run_before)


def test_help_screen(snap_compare, make_app: Callable[..., ChatApp]) -> None:
    """F1: every key."""
    app = make_app()

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot, lambda text: "local › echo" in text)
        await pilot.press("f1")
        await settle(pilot, lambda text: "tui-chat help" in text and "esc closes" in text)

    assert snap_compare(app, terminal_size=SMALL, run_before=run_before)


@BOTH
def test_settings_screen(snap_compare, make_app: Callable[..., ChatApp], size) -> None:
    """F9: the providers' cards first."""
    app = make_app()

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot, lambda text: "local › echo" in text)
        await pilot.press("f9")
        await settle(pilot, lambda text: "Settings" in text and f"{HOST}:" in text)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
