"""Answers cut short without a network error, seen in the app and through `tui-chat ask`.

A g4f server relays an upstream that drops its connection as a stream that simply ends:
provider, content…, usage, log, then the end of the body, only without its `finish`
event. The answer is then failed in words, with everything that arrived kept, on screen,
on disk and on stdout; a whole answer (with its finish event) still completes.

The real g4f server (`g4f_peer`, tests/providers/conftest.py) gives the cut as g4f sends
it; a loopback server gives the same body where the peer is not available.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from providers.conftest import Peer, g4f_peer
from providers.testkit import FINISH, sse, stream

from tui_chat.model_choice import ModelChoice
from tui_chat.store import ConversationStore, Paths
from tui_chat.ui.app import ChatApp

from .conftest import RELAXED_REQUEST, SIZE, ask_and_wait, flat, saved, still_usable

__all__ = ["g4f_peer"]  # a fixture, shared with tests/providers

REPO = Path(__file__).resolve().parents[2]


def cut_short(host: str) -> str:
    """What the user is told, hint included."""
    return (
        f"The answer from {host} was cut short: the stream ended before the answer finished. "
        "Retry, or continue the answer."
    )


def write_settings(config: Path, backend_url: str, via: str, good_url: str = "") -> None:
    """A g4f backend `g4f` (asking the backend-side provider `via`) as the default."""
    config.mkdir(parents=True, exist_ok=True)
    good = f'[[openai]]\nname = "good"\nbase_url = "{good_url}"\n\n' if good_url else ""
    (config / "settings.toml").write_text(
        f'[defaults]\nprovider = "g4f"\nmodel = "echo"\n\n[dynaspark]\nenabled = false\n\n'
        f'[[backends]]\nname = "g4f"\nurl = "{backend_url}"\nprovider = "{via}"\n\n'
        f"{good}{RELAXED_REQUEST}",
        encoding="utf-8",
    )


def app_at(config: Path) -> ChatApp:
    return ChatApp.from_paths(Paths.resolve(config), environ={}, fetch_models=False)


async def see_the_cut(pilot, app: ChatApp, host: str) -> None:
    """Ask `cut`; the partial answer stays with the failure under it, on screen and disk."""
    app.chat.set_choice(ModelChoice("g4f", "cut"))
    answer = await ask_and_wait(pilot, app, "one two three")
    assert answer.status == "failed"
    assert answer.content == "Echo: one"
    assert answer.error == cut_short(host)
    text = flat(app)
    assert "Echo: one" in text
    assert f"✗ {cut_short(host)}" in text
    on_disk = saved(app)["messages"][-1]
    assert (on_disk["status"], on_disk["content"]) == ("failed", "Echo: one")
    assert on_disk["error"] == cut_short(host)
    # What came after the text (g4f's usage event) is kept as well.
    assert on_disk["usage"]["total_tokens"] > 0
    await still_usable(pilot, app, ["one two three", "Echo: one"])


@pytest.mark.peer
async def test_cut_upstream_through_g4f_fails_in_words_and_keeps_what_arrived(
    harness, g4f_peer: Peer
):
    write_settings(harness.config, g4f_peer.g4f_url, g4f_peer.upstream_url, harness.good.openai_url)
    app = app_at(harness.config)
    async with app.run_test(size=SIZE) as pilot:
        # A whole answer through the same server still completes.
        whole = await ask_and_wait(pilot, app, "all of it")
        assert (whole.status, whole.content) == ("complete", "Echo: all of it")
        assert "✗" not in flat(app)
        await see_the_cut(pilot, app, urlsplit(g4f_peer.g4f_url).netloc)
        toasts = " ".join(n.message for n in app._notifications)
        assert "was cut short" in toasts


async def test_g4f_stream_without_its_finish_event_fails_in_words(harness, serve):
    """The body the real g4f server sends for a cut upstream, from a loopback server."""
    bodies = {
        "echo": [sse({"type": "content", "content": "Echo: all of it"}), sse(FINISH)],
        "cut": [
            sse({"type": "provider", "provider": {"name": "up", "model": "cut"}}),
            sse({"type": "content", "content": "Echo:"}),
            sse({"type": "content", "content": " one"}),
            sse({"type": "usage", "usage": {"prompt_tokens": 8, "completion_tokens": 2,
                                            "total_tokens": 10}}),
            sse({"type": "log", "log": "up: Using model 'cut'"}),
        ],
    }  # fmt: skip

    async def handler(request):
        model = (await request.json())["model"]
        return await stream(bodies[model])(request)

    server = await serve(handler)
    write_settings(harness.config, server.url, "", harness.good.openai_url)
    app = app_at(harness.config)
    async with app.run_test(size=SIZE) as pilot:
        whole = await ask_and_wait(pilot, app, "all of it")
        assert (whole.status, whole.content) == ("complete", "Echo: all of it")
        await see_the_cut(pilot, app, server.host)


def run_ask(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.pop("TUI_CHAT_CONFIG_DIR", None)
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "tui_chat", "--config-dir", str(config), "ask", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


@pytest.mark.peer
def test_ask_through_g4f_exits_1_when_the_answer_is_cut(tmp_path: Path, g4f_peer: Peer) -> None:
    config = tmp_path / "config"
    write_settings(config, g4f_peer.g4f_url, g4f_peer.upstream_url)
    whole = run_ask(config, "-m", "g4f/echo", "all of it")
    assert (whole.returncode, whole.stdout, whole.stderr) == (0, "Echo: all of it\n", "")

    cut = run_ask(config, "-m", "g4f/cut", "one two three")
    assert cut.returncode == 1
    assert cut.stdout == "Echo: one\n"  # what arrived stays printed
    host = urlsplit(g4f_peer.g4f_url).netloc
    assert cut.stderr == f"tui-chat: g4f/cut: {cut_short(host)}\n"
    store = ConversationStore(Paths(config))
    files = sorted(store.folder.glob("*.toml"), key=lambda path: path.stat().st_mtime)
    answer = tomllib.loads(files[-1].read_text(encoding="utf-8"))["messages"][-1]
    assert (answer["status"], answer["content"]) == ("failed", "Echo: one")
    assert answer["error"] == cut_short(host)
