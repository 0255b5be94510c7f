"""A host app per widget: one widget (or a few) mounted alone in a minimal App, with every
message that reaches the app recorded, so a test sees what the widget shows and what it
posts up, without the chat screen around it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from textual import on
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.pilot import Pilot
from textual.widget import Widget

from ..conftest import screen_text, wait_until

__all__ = ["Host", "hosted", "screen_text", "wait_until"]

M = TypeVar("M", bound=Message)


class Host(App[None]):
    """Mounts the widgets it is given, top to bottom; records what they post up."""

    def __init__(self, *widgets: Widget) -> None:
        super().__init__()
        self.widgets = widgets
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield from self.widgets

    @on(Message)
    def _record(self, message: Message) -> None:
        self.messages.append(message)

    def posted(self, kind: type[M]) -> list[M]:
        """The messages of this kind that reached the app, in order."""
        return [message for message in self.messages if isinstance(message, kind)]


@asynccontextmanager
async def hosted(
    *widgets: Widget,
    size: tuple[int, int] = (80, 24),
    bindings: list[BindingType] | None = None,
    css: str = "",
    **run: Any,
) -> AsyncIterator[tuple[Host, Pilot]]:
    """Run a Host holding `widgets` (with these app bindings and CSS, if any); yields it
    and its pilot once the first frame is up."""
    host: type[Host] = Host
    if bindings is not None or css:
        host = type("Host", (Host,), {"BINDINGS": bindings or [], "CSS": css})
    app = host(*widgets)
    async with app.run_test(size=size, **run) as pilot:
        await pilot.pause()
        yield app, pilot
