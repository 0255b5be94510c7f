"""The first thing a newcomer reads while no provider is ready: what was tried, why it
failed, and what to do next."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from textual.content import Content
from textual.widgets import Static

from ...catalog import LOADING, NEEDS_KEY, READY, ProviderEntry
from ..safe import one_line

_MARK = {LOADING: ("…", "dim"), NEEDS_KEY: ("🔑", "$warning"), READY: ("●", "$success")}
#: A reason longer than this is cut here; the sidebar (Enter on the provider) has it whole.
REASON = 160


class Welcome(Static):
    """Shown in place of the empty log while no provider is ready; the chat screen hides
    it once one is, or once a message is sent."""

    DEFAULT_CSS = """
    Welcome {
        height: auto;
        padding: 1 2;
        display: none;
    }
    Welcome.-shown { display: block; }
    """

    def show_providers(self, entries: Iterable[ProviderEntry], keys: Mapping[str, str]) -> None:
        """Say what each provider's state is, and the next steps with the keys in force
        (`keys`: action id -> keys, after the keymap)."""
        entries = list(entries)
        parts: list[Content] = [
            Content.styled("Welcome to tui-chat", "bold $accent"),
            Content(
                "No provider is ready yet. Tried:" if entries else "No provider is configured."
            ),
        ]
        for entry in entries:
            mark, style = _MARK.get(entry.state, ("✗", "$error"))
            where = f" ({entry.kind}, {entry.url})" if entry.url else f" ({entry.kind})"
            reason = "checking…" if entry.state == LOADING else entry.problem or entry.state
            parts.append(
                Content.assemble(
                    (f"  {mark} ", style),
                    (one_line(entry.name, 30), "bold"),
                    (one_line(where, 70), "dim"),
                    ": ",
                    one_line(reason, REASON),
                )
            )
        settings = keys.get("app.settings", "f9")
        parts += [
            Content(""),
            Content.styled("Next steps", "bold"),
            Content(
                "  • Start a g4f server in another terminal: g4f gui --host 127.0.0.1 "
                "--port 8080 (the address the g4f entry points at; pip install 'g4f[gui]')."
            ),
            Content("  • Or start Ollama (ollama serve) and pull a model (ollama pull llama3.2)."),
            Content(
                f"  • Or add an OpenAI-compatible endpoint and its API key: {settings} "
                "(settings). Keys are also read from OPENAI_API_KEY and the like."
            ),
            Content(
                f"  • {keys.get('app.help', 'f1')} lists every key; "
                f"{keys.get('model.picker', 'ctrl+o')} picks a model."
            ),
            Content.styled(
                "tui-chat checks again every few seconds: a server you start appears by itself.",
                "dim",
            ),
        ]
        self.update(Content("\n").join(parts))
