"""The first thing a newcomer reads while no provider is ready: what was tried, why it
failed, and what to do next."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from ...catalog import LOADING, NEEDS_KEY, READY, ProviderEntry
from ..safe import one_line

_MARK = {LOADING: ("…", "dim"), NEEDS_KEY: ("🔑", "$warning"), READY: ("●", "$success")}


class Welcome(VerticalScroll, can_focus=False):
    """Shown in place of the empty log while no provider is ready; the chat screen hides
    it once one is, or once a message is sent. It scrolls when the terminal is short."""

    DEFAULT_CSS = """
    Welcome {
        height: 1fr;
        padding: 1 2;
        display: none;
    }
    Welcome.-shown { display: block; }
    /* One line per provider, cut at the edge: the sidebar has the whole reason. */
    Welcome > #welcome-providers { text-wrap: nowrap; text-overflow: ellipsis; }
    Welcome > #welcome-steps { margin-top: 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="welcome-head")
        yield Static(id="welcome-providers")
        yield Static(id="welcome-steps")

    def show_providers(self, entries: Iterable[ProviderEntry], keys: Mapping[str, str]) -> None:
        """Say what each provider's state is, one line each, and the next steps with the
        keys in force (`keys`: action id -> keys, after the keymap)."""
        entries = list(entries)
        head = "No provider is ready yet. Tried:" if entries else "No provider is configured."
        self.query_one("#welcome-head", Static).update(
            Content("\n").join(
                [Content.styled("Welcome to tui-chat", "bold $accent"), Content(head)]
            )
        )
        rows = []
        for entry in entries:
            mark, style = _MARK.get(entry.state, ("✗", "$error"))
            where = f" ({one_line(entry.url, 60)})" if entry.url else ""
            reason = "checking…" if entry.state == LOADING else entry.problem or entry.state
            rows.append(
                Content.assemble(
                    (f"  {mark} ", style),
                    (one_line(entry.name, 30), "bold"),
                    (where, "dim"),
                    ": ",
                    one_line(reason, 300),
                )
            )
        self.query_one("#welcome-providers", Static).update(Content("\n").join(rows))
        settings = keys.get("app.settings", "f9")
        steps = [
            Content.styled("Next steps", "bold"),
            Content("  • Start a g4f server in another terminal (pip install 'g4f[gui]'):"),
            Content(f"      {_g4f_command(entries)}"),
            Content("  • Or start Ollama: ollama serve, then ollama pull llama3.2."),
            Content(f"  • Or add an OpenAI-compatible endpoint and its key: {settings}."),
            Content(
                f"  • {keys.get('app.help', 'f1')} lists every key; "
                f"{keys.get('model.picker', 'ctrl+o')} picks a model."
            ),
            Content.styled("Checked again every few seconds: a server you start shows up.", "dim"),
        ]
        self.query_one("#welcome-steps", Static).update(Content("\n").join(steps))


def _g4f_command(entries: list[ProviderEntry]) -> str:
    """`g4f gui` on the address the first g4f backend entry points at."""
    for entry in entries:
        if entry.kind == "BackendApi" and entry.url:
            parts = urlsplit(entry.url)
            if parts.hostname in ("127.0.0.1", "localhost") and parts.port:
                return f"g4f gui --host 127.0.0.1 --port {parts.port}"
    return "g4f gui --host 127.0.0.1 --port 8080"
