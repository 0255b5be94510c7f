"""`tui-chat ask -m` with a "/" in it: the part before the first "/" names a provider.

An unknown one is a usage error (exit 2, one line, nothing sent or saved) rather than a
model id sent to the default provider. Model ids that hold a "/" themselves
(`meta-llama/Llama-3.1-8B` on an OpenAI-compatible server) still work, with `-p` or
after their provider's name.
"""

from __future__ import annotations

from .conftest import CLI

SLASHED = "meta-llama/Llama-3.1-8B"


def test_unknown_provider_in_model_is_a_usage_error(cli: CLI) -> None:
    result = cli.run("ask", "-m", "nosuch/model", "hi")
    assert result.returncode == 2
    assert result.err_lines == [
        "tui-chat: No provider named 'nosuch' is configured (configured: g4f, up, down). "
        "For a model whose id has a '/', use -p PROVIDER -m MODEL."
    ]
    assert result.stdout == ""
    assert cli.requests() == []
    assert cli.conversations() == []


def test_model_ids_with_a_slash_work_with_their_provider(cli: CLI) -> None:
    # As the error line says: -p names the provider, -m the model as the server knows it.
    with_p = cli.run("ask", "-p", "up", "-m", SLASHED, "first")
    assert with_p.returncode == 0, with_p.stderr
    # Or the provider's name before it: only the first "/" separates them.
    prefixed = cli.run("ask", "-m", f"up/{SLASHED}", "second")
    assert prefixed.returncode == 0, prefixed.stderr
    assert [request["model"] for request in cli.requests()] == [SLASHED, SLASHED]
    assert (with_p.stdout, prefixed.stdout) == ("Echo: first\n", "Echo: second\n")
    saved = sorted(cli.conversations(), key=lambda conversation: conversation.created)
    assert [(c.provider, c.model) for c in saved] == [("up", SLASHED), ("up", SLASHED)]
    # Unknown here too: nothing is sent.
    assert cli.run("ask", "-m", SLASHED, "third").returncode == 2
    assert len(cli.requests()) == 2
