"""The private Textual names tui-chat relies on (tui_chat/ui/compat.py) still exist in
the installed Textual, with the parameters we pass. When this fails after an upgrade,
fix the wrapper in compat.py (or the overriding widget) named in the message."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from textual.timer import Timer
from textual.widget import Widget

from tui_chat.ui import compat

UI = Path(compat.__file__).parent


@pytest.mark.parametrize(
    ("owner", "name", "params"),
    compat.OVERRIDDEN + compat.USED,
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_each_private_name_is_still_there(owner, name, params) -> None:
    if params is None:  # an attribute Textual sets on each instance, or a property
        from io import StringIO

        from textual._compositor import Compositor
        from textual.app import App
        from textual.drivers._writer_thread import WriterThread
        from textual.screen import Screen

        makers = {
            Timer: lambda: Timer(Widget(), 1.0),
            Screen: Screen,
            Compositor: Compositor,
            App: App,
            WriterThread: lambda: WriterThread(StringIO()),
        }
        instance = makers.get(owner, Widget)()
        assert hasattr(owner, name) or hasattr(instance, name), (
            f"Textual no longer sets {owner.__name__}.{name}"
        )
        return
    method = getattr(owner, name, None)
    assert callable(method), f"Textual no longer has {owner.__name__}.{name}"
    found = tuple(inspect.signature(method).parameters)[1:]
    assert found[: len(params)] == params, (
        f"{owner.__name__}.{name} now takes {found}, compat.py passes {params}"
    )


def test_private_modules_import() -> None:
    from textual._arrange import DockArrangeResult  # noqa: F401
    from textual.widgets._directory_tree import DirEntry

    assert compat.DirEntry is DirEntry


def test_no_private_textual_name_outside_compat() -> None:
    """Only compat.py imports Textual's private modules or calls its private wrappers'
    names (a new use goes through compat, so the tests above cover it)."""
    names = [name for _owner, name, _params in compat.USED]
    pattern = re.compile(
        r"textual\.(?:\w+\.)*_\w+|\.(?:" + "|".join(map(re.escape, names)) + r")\b"
    )
    offenders = []
    for path in UI.rglob("*.py"):
        if path.name == "compat.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(UI)}:{number}: {line.strip()}")
    assert offenders == []
