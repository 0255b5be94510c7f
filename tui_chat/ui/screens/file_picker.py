"""The file picker: a keyboard-driven modal over a `DirectoryTree`.

A path input with Tab completion, type-ahead in the tree, a filter for images only or all
files, hidden files on a key, and file sizes. Enter adds a file; several can be added
before Esc closes and hands them all back.

A file is checked when it is picked, by the rule messages are sent by
(`attachments.prepare_attachment`, with the [attachments] limits): a binary, a file over
the limit or one that cannot be read is refused there and then, with the reason, rather
than at send. It is checked again when sent (it may change meanwhile).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterable
from pathlib import Path

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Input, Label
from textual.widgets.tree import TreeNode

from ...attachments import AttachmentRefused, describe_size, prepare_attachment
from ...store import AttachmentLimits
from ..compat import DirEntry
from ..inputs import TextInput
from ..safe import one_line, plain

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp"}
TYPE_AHEAD_RESET = 1.0  # seconds of silence that start a new type-ahead search


class FileTree(DirectoryTree):
    """A directory tree whose labels are never markup and that shows file sizes."""

    BINDINGS = [
        Binding("backspace", "parent", "Up a folder", show=False),
    ]

    def __init__(self, path: str | Path, *, id: str | None = None) -> None:
        self.show_hidden = False
        self.images_only = False
        self._sizes: dict[Path, int | None] = {}
        self._typed = ""
        self._typed_at = 0.0
        super().__init__(path, id=id)

    def process_label(self, label: str | Text) -> Text:  # type: ignore[override]
        # File names are outside text: "[bold].txt" is a file name, not markup.
        text = Text(label) if isinstance(label, str) else label
        return text.split()[0] if text.plain else text

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        for path in paths:
            if not self.show_hidden and path.name.startswith("."):
                continue
            if (
                self.images_only
                and not self._is_dir(path)
                and (path.suffix.lower() not in IMAGE_SUFFIXES)
            ):
                continue
            yield path

    @staticmethod
    def _is_dir(path: Path) -> bool:
        try:
            return path.is_dir()
        except OSError:
            return False

    def _file_size(self, path: Path) -> int | None:
        if path not in self._sizes:
            try:
                self._sizes[path] = path.stat().st_size
            except OSError:
                self._sizes[path] = None  # a broken link, say: shown without a size
        return self._sizes[path]

    def render_label(self, node: TreeNode[DirEntry], base_style: Style, style: Style) -> Text:
        label = super().render_label(node, base_style, style)
        if node.data is not None and not node.allow_expand:
            size = self._file_size(node.data.path)
            label.append(
                f"  {describe_size(size)}" if size is not None else "  (unreadable)", "dim"
            )
        return label

    def action_parent(self) -> None:
        current = Path(self.path)
        if current.parent != current:
            self.path = current.parent

    def on_key(self, event: object) -> None:
        """Type-ahead: printable keys jump to the first visible entry starting with them."""
        character = getattr(event, "character", None)
        if not character or not character.isprintable() or character == " ":
            self._typed = ""  # Enter, arrows and the like end a type-ahead search
            return
        now = time.monotonic()
        if now - self._typed_at > TYPE_AHEAD_RESET:
            self._typed = ""
        self._typed_at = now
        self._typed += character.lower()
        lines = self.last_line + 1
        # A first letter searches from the next entry, so pressing it again moves on.
        start = max(self.cursor_line, 0) + (1 if len(self._typed) == 1 else 0)
        for offset in range(lines):
            node = self.get_node_at_line((start + offset) % lines)
            if node is not None and node.label.plain.lower().startswith(self._typed):
                self.move_cursor(node)
                break
        getattr(event, "stop", lambda: None)()


class PathInput(TextInput):
    """A path field: Tab completes the file or folder name."""

    # Not a priority binding: the field runs it in typing order (key_order.KeysInOrder).
    BINDINGS = [Binding("tab", "complete", "Complete", show=False)]

    def action_complete(self) -> None:
        text = os.path.expanduser(self.value) if self.value else ""
        folder, _, stem = text.rpartition(os.sep)
        base = Path(folder or os.sep) if text.startswith(os.sep) else Path(folder or ".")
        try:
            names = sorted(
                entry.name + (os.sep if entry.is_dir() else "")
                for entry in os.scandir(base)
                if entry.name.startswith(stem)
                and (stem.startswith(".") or not entry.name.startswith("."))
            )
        except OSError:
            names = []
        if not names:
            self.app.bell()
            return
        # Completion wants the common characters, not the common path components.
        common = os.path.commonprefix(names)  # noqa: RUF071
        prefix = folder + os.sep if folder or text.startswith(os.sep) else ""
        self.value = prefix + common
        self.cursor_position = len(self.value)
        if len(names) > 1 and common == stem:
            shown = ", ".join(names[:8]) + (" …" if len(names) > 8 else "")
            self.screen.query_one("#picker-note", Label).update(plain(f"Matches: {shown}"))


class FilePicker(ModalScreen[list[Path]]):
    """Choose files to attach; returns the chosen paths (possibly none) on Esc."""

    AUTO_FOCUS = "#picker-tree"

    # The lines under the tree take the box's width, so a long reason (or the key hint)
    # wraps at 80 columns instead of being cut (a Label is only as wide as one line).
    DEFAULT_CSS = """
    FilePicker #picker-note, FilePicker #picker-chosen, FilePicker .modal-hint {
        width: 1fr;
    }
    """

    BINDINGS = [
        Binding("escape", "done", "Done"),
        Binding("ctrl+t", "toggle_images", "Images only / all files"),
        Binding("f2", "toggle_hidden", "Hidden files"),
    ]

    def __init__(self, start: Path | None = None, limits: AttachmentLimits | None = None) -> None:
        """`limits`: the [attachments] limits files are checked against; by default the
        app's settings' (`app.settings.attachments`), else the defaults."""
        super().__init__()
        self.start = start or Path.cwd()
        self.limits = limits
        self.chosen: list[Path] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="files-box"):
            yield Label("Attach files", classes="modal-title")
            yield PathInput(
                value=str(self.start) + os.sep,
                placeholder="A path: Tab completes, Enter adds a file or opens a folder",
                id="picker-path",
            )
            yield FileTree(self.start, id="picker-tree")
            yield Label("", id="picker-note")
            yield Label("", id="picker-chosen")
            yield Label(
                "Enter adds · Tab completes · ↓ to the list · Backspace: up a folder · "
                "type to jump · ctrl+t images only · F2 hidden files · Esc done",
                classes="modal-hint",
            )

    def on_mount(self) -> None:
        self.query_one(FileTree).focus()
        self._show_chosen()

    @property
    def tree(self) -> FileTree:
        return self.query_one(FileTree)

    @on(DirectoryTree.FileSelected)
    async def _file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        await self.add(Path(event.path))

    @on(Input.Submitted, "#picker-path")
    async def _path_submitted(self, event: Input.Submitted) -> None:
        path = Path(os.path.expanduser(event.value.strip() or "."))
        if path.is_dir():
            self.tree.path = path
            self.tree.focus()
        else:
            await self.add(path)

    def on_key(self, event: object) -> None:
        if getattr(event, "key", "") == "down" and self.focused is self.query_one(PathInput):
            self.tree.focus()
            getattr(event, "stop", lambda: None)()

    @property
    def attachment_limits(self) -> AttachmentLimits:
        if self.limits is not None:
            return self.limits
        limits = getattr(getattr(self.app, "settings", None), "attachments", None)
        return limits if isinstance(limits, AttachmentLimits) else AttachmentLimits()

    async def add(self, path: Path) -> bool:
        """Add a file if it can be sent (the check messages are sent by); else say why.
        Whether it was added."""
        note = self.query_one("#picker-note", Label)
        if path in self.chosen:
            note.update(plain(f"{path.name} is already added."))
            return False
        try:
            # In a thread: an image is read whole (up to max_image_bytes) to be checked.
            await asyncio.to_thread(prepare_attachment, path, self.attachment_limits)
        except AttachmentRefused as refused:
            note.update(
                Content.assemble(
                    (f"Not added: {one_line(path.name, 60)}: ", "bold $text-error"),
                    refused.reason,
                )
            )
            return False
        self.chosen.append(path)
        note.update(plain(f"Added {path.name}. Add more, or press Esc when done."))
        self._show_chosen()
        return True

    def _show_chosen(self) -> None:
        names = ", ".join(one_line(path.name, 30) for path in self.chosen)
        self.query_one("#picker-chosen", Label).update(
            Content.assemble(("Chosen: ", "bold"), names or "none yet")
        )

    def action_toggle_images(self) -> None:
        self.tree.images_only = not self.tree.images_only
        self.tree.reload()
        what = "images only" if self.tree.images_only else "all files"
        self.query_one("#picker-note", Label).update(f"Showing {what}.")

    def action_toggle_hidden(self) -> None:
        self.tree.show_hidden = not self.tree.show_hidden
        self.tree.reload()
        what = "shown" if self.tree.show_hidden else "hidden"
        self.query_one("#picker-note", Label).update(f"Hidden files {what}.")

    def action_done(self) -> None:
        self.dismiss(list(self.chosen))
