"""Storage faults, seen in the app: corrupt files, failed saves, two instances.

Corrupt files are moved aside (never overwritten) and named to the user, except
settings.toml, which is the user's and stays exactly as it is (tests/ui/test_settings_files.py
has its cases); a failed save is said in words and everything stays in memory until a later
save succeeds.
The same faults at the store level: tests/store/.
"""

from __future__ import annotations

import asyncio
import errno
import os
import sys
import types
from pathlib import Path

import pytest

import tui_chat.store.atomic as atomic
from tui_chat.model_choice import ModelChoice
from tui_chat.store import ConversationStore, Paths

from .conftest import SIZE, ask_and_wait, flat, saved, still_usable, wait_until

STORE_TESTS = Path(__file__).resolve().parents[1] / "store"
if str(STORE_TESTS) not in sys.path:
    sys.path.insert(0, str(STORE_TESTS))

from helpers import full_conversation  # noqa: E402
from test_store_conversations import CORRUPT  # noqa: E402


def notes(app) -> str:
    return " ".join(notification.message for notification in app._notifications)


async def test_every_corrupt_conversation_kind_is_moved_aside_and_named(harness):
    paths = Paths.resolve(harness.config)
    paths.ensure()
    store = ConversationStore(paths)
    good = full_conversation(2)
    good.title = "The good one"
    store.save(good)
    broken: dict[str, Path] = {}
    for corrupt in CORRUPT.values():
        conversation = full_conversation(3)
        store.save(conversation)
        path = store.path_for(conversation.id)
        path.write_bytes(corrupt(path.read_bytes()))
        broken[conversation.id] = path
    app = harness.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        # Some kinds are found while listing, the rest when opened: open each one.
        for conversation_id in broken:
            await app.chat.open_conversation(conversation_id)
            await pilot.pause()
        told = notes(app)
        for kind, path in zip(CORRUPT, broken.values(), strict=True):
            assert not path.exists(), kind
            assert list(path.parent.glob(path.name + ".corrupt-*")), kind
            assert path.name in told, kind
        await app.chat.open_conversation(good.id)
        await pilot.pause()
        assert app.conversation.id == good.id
        assert "#1" in flat(app)  # the good conversation's last message is shown
        await still_usable(pilot, app)


SETTINGS_FAULTS = {
    "settings-bad-toml": ("settings.toml", b"[defaults\nprovider = 1\n", "line 1"),
    "settings-wrong-type": ("settings.toml", b"theme = 7\n", "theme"),
    "settings-not-utf8": ("settings.toml", b'theme = "\xff\xfe"\n', "UTF-8"),
    "secrets-bad-toml": ("secrets.toml", b"[keys\nx = 1\n", "line 1"),
}


@pytest.mark.parametrize("case", list(SETTINGS_FAULTS))
async def test_corrupt_settings_or_secrets_start_with_defaults_and_say_so(harness, case):
    name, data, said = SETTINGS_FAULTS[case]
    harness.app()  # writes a good settings.toml, then this case spoils one file
    (harness.config / name).write_bytes(data)
    (harness.config / name).chmod(0o600)
    from tui_chat.ui.app import ChatApp

    app = ChatApp.from_paths(Paths.resolve(harness.config), environ={}, fetch_models=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        told = notes(app)
        assert name in told and said in told, told
        moved = list(harness.config.glob(name + ".corrupt-*"))
        if name == "secrets.toml":
            assert [path.read_bytes() for path in moved] == [data]
            await still_usable(pilot, app)
        else:  # started with the default providers, and says which one it uses
            # settings.toml is the user's: never moved aside, not a byte changed.
            assert moved == []
            assert (harness.config / name).read_bytes() == data
            assert app.is_running
            assert "tui-chat g4f" in flat(app)
            assert {"g4f", "ollama"} <= set(app.catalog.names())


def failing_os(function: str, code: int) -> types.SimpleNamespace:
    """`os` for the store's atomic writer, with one call failing like a bad disk."""

    def broken(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    namespace = types.SimpleNamespace(**{k: getattr(os, k) for k in dir(os) if k[:2] != "__"})
    setattr(namespace, function, broken)
    return namespace


@pytest.mark.parametrize(
    ("function", "code", "reason"),
    [
        ("replace", errno.EROFS, "Read-only file system"),
        ("write", errno.ENOSPC, "No space left on device"),
        ("open", errno.EACCES, "Permission denied"),
    ],
    ids=["read-only-config-dir", "disk-full", "permission-denied"],
)
async def test_failed_save_is_said_and_nothing_is_lost(
    harness, monkeypatch, function, code, reason
):
    app = harness.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.chat.set_choice(ModelChoice("good", "echo"))
        monkeypatch.setattr(atomic, "os", failing_os(function, code))
        answer = await ask_and_wait(pilot, app, "keep me")
        assert answer.content == "Echo: keep me"
        told = notes(app)
        assert reason in told and "It is kept in memory; try again." in told, told
        assert not ConversationStore(app.paths).path_for(app.conversation.id).exists()
        assert "Echo: keep me" in flat(app)
        monkeypatch.setattr(atomic, "os", os)  # the disk recovers
        await still_usable(pilot, app, ["keep me", "Echo: keep me"])


async def test_two_instances_on_one_config_dir_lose_nothing(harness):
    """The app and `tui-chat ask -c` (a second instance) add to one conversation."""
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        app.chat.set_choice(ModelChoice("good", "echo"))
        await ask_and_wait(pilot, app, "from the app")
        env = {**os.environ}
        env.pop("TUI_CHAT_CONFIG_DIR", None)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tui_chat", "--config-dir", str(harness.config),
            "ask", "-c", "from the other instance",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0, err.decode()
        assert out.decode().strip() == "Echo: from the other instance"
        await ask_and_wait(pilot, app, "from the app again")
        contents = [m["content"] for m in saved(app)["messages"]]
        assert contents == [
            "from the app",
            "Echo: from the app",
            "from the other instance",
            "Echo: from the other instance",
            "from the app again",
            "Echo: from the app again",
        ]
        await wait_until(pilot, lambda: "Echo: from the app again" in flat(app))
