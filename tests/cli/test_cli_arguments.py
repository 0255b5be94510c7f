"""A plain start of the app reads its arguments without building the full parser
(cli.app_arguments): it must read them as the parser does, and leave the rest to it."""

from __future__ import annotations

import pytest

from tui_chat.cli import app_arguments, build_parser


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--config-dir", "/x"],
        ["--config-dir=/y", "--paths"],
        ["--no-managed-backend", "--config-dir", "d", "--config-dir", "e"],
        ["--paths", "--paths"],
    ],
)
def test_a_plain_start_reads_its_arguments_as_the_parser_does(argv: list[str]) -> None:
    fast = app_arguments(argv)
    full = build_parser().parse_args(argv)
    assert fast is not None
    for name in ("config_dir", "paths", "no_managed_backend", "command"):
        assert getattr(fast, name) == getattr(full, name), name
    assert getattr(fast, "handler", None) is getattr(full, "handler", None) is None


@pytest.mark.parametrize(
    "argv",
    [
        ["--config", "/x"],  # an abbreviation: the parser's to read
        ["--config-dir"],
        ["--config-dir", "-x"],
        ["--config-dir="],
        ["ask", "hi"],
        ["models"],
        ["paths"],
        ["-h"],
        ["--version"],
        ["--bogus"],
    ],
)
def test_anything_else_is_left_to_the_parser(argv: list[str]) -> None:
    assert app_arguments(argv) is None
