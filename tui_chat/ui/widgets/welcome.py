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
from ...managed import INSTALL_HINT, STARTING
from ..safe import one_line

_MARK = {
    LOADING: ("…", "dim"),
    NEEDS_KEY: ("🔑", "$warning"),
    READY: ("●", "$success"),
    STARTING: ("◌", "$warning"),
}


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

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        #: What the three parts say: `show_providers` may come before they are composed
        #: (the chat screen mounts the panel when it first shows it).
        self._said = (Content(), Content(), Content())

    def compose(self) -> ComposeResult:
        head, providers, steps = self._said
        yield Static(head, id="welcome-head")
        yield Static(providers, id="welcome-providers")
        yield Static(steps, id="welcome-steps")

    def show_providers(self, entries: Iterable[ProviderEntry], keys: Mapping[str, str]) -> None:
        """Say what each provider's state is, one line each, and the next steps with the
        keys in force (`keys`: action id -> keys, after the keymap)."""
        entries = list(entries)
        starting = any(entry.state == STARTING for entry in entries)
        if starting:
            head = (
                "tui-chat is starting a g4f server for you: chat as soon as it is ready "
                "(a few seconds)."
            )
        else:
            head = "No provider is ready yet. Tried:" if entries else "No provider is configured."
        said_head = Content("\n").join(
            [Content.styled("Welcome to tui-chat", "bold $accent"), Content(head)]
        )
        rows = []
        for entry in entries:
            mark, style = _MARK.get(entry.state, ("✗", "$error"))
            where = f" ({one_line(entry.url, 60)})" if entry.url else ""
            reason = "checking…" if entry.state == LOADING else entry.problem or entry.state
            if entry.state == STARTING:
                reason = "starting a g4f server (managed by tui-chat)…"
            rows.append(
                Content.assemble(
                    (f"  {mark} ", style),
                    (one_line(entry.name, 30), "bold"),
                    (where, "dim"),
                    ": ",
                    one_line(reason, 300),
                )
            )
        settings = keys.get("app.settings", "f9")
        keys_line = (
            f"{keys.get('app.help', 'f1')} lists every key; "
            f"{keys.get('model.picker', 'ctrl+o')} picks a model."
        )
        if starting:  # nothing to do but wait a moment
            steps = [Content(keys_line)]
        else:
            steps = [
                Content.styled("Next steps", "bold"),
                *_g4f_steps(entries),
                Content("  • Or start Ollama: ollama serve, then ollama pull llama3.2."),
                Content(f"  • Or add an OpenAI-compatible endpoint and its key: {settings}."),
                Content(f"  • {keys_line}"),
                Content.styled(
                    "Checked again every few seconds: a server you start shows up.", "dim"
                ),
            ]
        self._said = (said_head, Content("\n").join(rows), Content("\n").join(steps))
        if self.children:  # composed: else compose shows them
            for part, content in zip(("head", "providers", "steps"), self._said, strict=True):
                self.query_one(f"#welcome-{part}", Static).update(content)


def _g4f_steps(entries: list[ProviderEntry]) -> list[Content]:
    """How to get a g4f server: installing g4f when tui-chat would run one itself but it
    is missing; else starting one by hand."""
    for entry in entries:
        link = getattr(entry, "managed", None)
        if link is not None and "not installed" in link.off:
            return [
                Content("  • Install g4f, and tui-chat runs a g4f server itself:"),
                Content(f"      {INSTALL_HINT}"),
            ]
    return [
        Content("  • Start a g4f server in another terminal (pip install 'g4f[gui]'):"),
        Content(f"      {_g4f_command(entries)}"),
    ]


def _g4f_command(entries: list[ProviderEntry]) -> str:
    """`g4f gui` on the address the first g4f backend entry points at."""
    for entry in entries:
        if entry.kind == "BackendApi" and entry.url:
            parts = urlsplit(entry.url)
            if parts.hostname in ("127.0.0.1", "localhost") and parts.port:
                return f"g4f gui --host 127.0.0.1 --port {parts.port}"
    return "g4f gui --host 127.0.0.1 --port 8080"
