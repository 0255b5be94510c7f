"""Attachments waiting to be sent, as chips above the prompt."""

from __future__ import annotations

from pathlib import Path

from textual.binding import Binding
from textual.containers import HorizontalScroll
from textual.message import Message
from textual.widgets import Static

from ...attachments import describe_size
from ..safe import one_line


class Chip(Static, can_focus=True):
    """One attachment; Delete, Backspace or Enter removes it."""

    # (Parsed with the first attachment, not before the first frame as chat.tcss is.)
    DEFAULT_CSS = """
    Chip { width: auto; height: 1; margin-right: 1; padding: 0 1; background: $panel; }
    Chip:focus { background: $primary; color: $text; }
    """

    BINDINGS = [
        Binding("delete,backspace,enter", "remove", "Remove attachment"),
        Binding("left", "app.focus_previous", show=False),
        Binding("right", "app.focus_next", show=False),
    ]

    class Removed(Message):
        # (Not a dataclass: creating one costs ~2 M instructions of start-up.)
        def __init__(self, chip: Chip) -> None:
            super().__init__()
            self.chip = chip

    def __init__(self, path: Path, size: int | None) -> None:
        label = one_line(path.name, 40)
        if size is not None:
            label += f" · {describe_size(size)}"
        super().__init__(f"📎 {label} ✕", markup=False, classes="chip")
        self.path = path

    def action_remove(self) -> None:
        self.post_message(self.Removed(self))


class ChipBar(HorizontalScroll):
    """The attachments of the next message; hidden while there are none."""

    class Emptied(Message):
        """The last chip was removed by the user: the focus has nowhere to stay here."""

    DEFAULT_CSS = """
    ChipBar { height: auto; max-height: 2; display: none; padding: 0 1; }
    ChipBar.-has-chips { display: block; }
    """

    def paths(self) -> list[Path]:
        return [chip.path for chip in self.query(Chip)]

    async def add_path(self, path: Path) -> bool:
        if path in self.paths():
            return False
        try:
            size: int | None = path.stat().st_size
        except OSError:
            size = None
        await self.mount(Chip(path, size))
        self.add_class("-has-chips")
        return True

    async def clear_chips(self) -> None:
        await self.remove_children()
        self.remove_class("-has-chips")

    async def on_chip_removed(self, event: Chip.Removed) -> None:
        event.stop()
        chips = list(self.query(Chip))
        index = chips.index(event.chip)
        await event.chip.remove()
        rest = list(self.query(Chip))
        if rest:
            rest[min(index, len(rest) - 1)].focus()
        else:
            self.remove_class("-has-chips")
            self.post_message(self.Emptied())
        self.app.notify(f"Removed {event.chip.path.name} from the attachments.", markup=False)
