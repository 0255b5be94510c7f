"""Provider plugins (tui_chat/plugins.py): the example package installed through its entry
point, provider files in a config folder's providers/, and plugins that break."""

from __future__ import annotations

import shutil
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from ui.conftest import servers  # noqa: F401  (the loopback servers, for the app tests)

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "tui-chat-echo"
#: The example's one module: the whole plugin.
EXAMPLE_MODULE = EXAMPLE / "tui_chat_echo" / "__init__.py"


def install_example(site: Path) -> Path:
    """Install the example package into `site` as pip would, without pip (offline): its
    module, and a .dist-info whose entry_points.txt says what its pyproject.toml declares.
    Returns `site`, to put on sys.path (or PYTHONPATH)."""
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    shutil.copytree(EXAMPLE / "tui_chat_echo", site / "tui_chat_echo")
    dist = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n",
        encoding="utf-8",
    )
    lines = []
    for group, points in project["entry-points"].items():
        lines.append(f"[{group}]")
        lines += [f"{name} = {target}" for name, target in points.items()]
    (dist / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return site


@pytest.fixture
def installed_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The example plugin installed in a site folder on sys.path, for this test only."""
    site = install_example(tmp_path / "site")
    monkeypatch.syspath_prepend(str(site))
    yield site
    for name in [name for name in sys.modules if name.startswith("tui_chat_echo")]:
        del sys.modules[name]


def write_plugin(config: Path, file_name: str, code: str) -> Path:
    """A provider file in the config folder's providers/."""
    folder = config / "providers"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name
    path.write_text(code, encoding="utf-8")
    return path


def copy_example(config: Path, file_name: str = "echo.py") -> Path:
    return write_plugin(config, file_name, EXAMPLE_MODULE.read_text(encoding="utf-8"))
