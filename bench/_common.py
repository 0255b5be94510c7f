"""Shared pieces of the benchmarks: settings for a loopback backend, verdicts, frames."""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Runnable from a checkout without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def write_settings(config: Path, url: str, model: str) -> None:
    """A config folder whose only provider is the loopback backend at `url`."""
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.toml").write_text(
        f"""openai = []

[defaults]
provider = "bench"
model = "{model}"

[[backends]]
name = "bench"
url = "{url}"

[dynaspark]
enabled = false
""",
        encoding="utf-8",
    )


def verdict(value: float, target: float) -> str:
    return "PASS" if value <= target else "MISS"


def row(label: str, value: float, target: float | None, unit: str = "ms") -> str:
    """One figure with its target beside it: `label  value  target  PASS/MISS`."""
    scale = {"ms": 1000.0, "us": 1e6, "s": 1.0, "x": 1.0, "MB": 1.0}[unit]
    shown = f"{value * scale:10.1f} {unit}" if unit != "x" else f"{value:10.2f} x "
    if target is None:
        return f"  {label:<52}{shown}   (for information)"
    goal = f"{target * scale:.0f} {unit}" if unit not in ("x", "s") else f"{target:g} {unit}"
    return f"  {label:<52}{shown}   target <= {goal:<8} {verdict(value, target)}"


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


class Frames:
    """Calls back on every frame the app sends to the terminal.

    The headless driver used by `run_test` skips turning a frame into terminal output;
    this hook does that work (and throws the text away), so a frame costs what it costs
    in a real terminal, and runs the checks at the moment the frame is out.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.count = 0
        self.listeners: list[Callable[[float], None]] = []
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is None or app._batch_count:
                return
            renderable.render_segments(app.console)
            self.count += 1
            now = time.perf_counter()
            for listener in list(self.listeners):
                listener(now)

        app._display = display

    async def until(self, predicate: Callable[[], bool], timeout: float) -> float:
        """The time of the first frame sent while `predicate()` holds."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[float] = loop.create_future()

        def check(now: float) -> None:
            if not done.done() and predicate():
                done.set_result(now)

        self.listeners.append(check)
        try:
            return await asyncio.wait_for(done, timeout)
        finally:
            self.listeners.remove(check)


def screen_text(app: Any) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def send_key(app: Any, key: str, char: str | None = None) -> None:
    """Deliver a key the way the terminal driver does (posted to the app's queue)."""
    from textual import events

    event = events.Key(key, char if char is not None else (key if len(key) == 1 else None))
    event.set_sender(app)
    app._driver.send_message(event)


def rss_mb() -> float:
    """Peak resident set size of this process, in MB."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
