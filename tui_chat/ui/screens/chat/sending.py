"""Sending: the prompt's text and the chips' files become a question and an answer.

The prompt itself comes right after the first frame, in the place of a stand-in drawn as
the empty prompt is (`bring_prompt`, widgets/prompt_stand_in.py says why).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from textual.widgets import Static

from ....attachments import (
    AttachmentRefused,
    Prepared,
    compose_prompt,
    paths_in_text,
    prepare_attachments,
)

if TYPE_CHECKING:
    from ...widgets.chips import ChipBar
    from ...widgets.prompt import PromptArea
    from .screen import ChatScreen


class Sending:
    """The part of ChatScreen that sends what the user typed and attached."""

    #: What an image warning was given for (model, text, files): Enter again sends.
    _confirmed_images: tuple[object, ...] | None = None
    #: The bar of attached files, once the first file was attached (`chip_bar`).
    _chips: ChipBar | None = None
    #: The prompt, once it took the stand-in's place (`bring_prompt`).
    _prompt: PromptArea | None = None
    #: Set when it did, for `prompt_ready` (made by the first to wait).
    _prompt_here: asyncio.Event | None = None

    @property
    def prompt(self) -> PromptArea:
        """The prompt. It exists from right after the first frame: what may run before
        that (start-up, a click) focuses it with `focus_prompt` or awaits `prompt_ready`."""
        if self._prompt is None:
            raise RuntimeError("the prompt comes after the first frame: await prompt_ready()")
        return self._prompt

    @property
    def has_prompt(self) -> bool:
        """Whether the prompt took its stand-in's place yet."""
        return self._prompt is not None

    async def prompt_ready(self) -> PromptArea:
        """The prompt, once it exists."""
        if self._prompt is None:
            if self._prompt_here is None:
                self._prompt_here = asyncio.Event()
            await self._prompt_here.wait()  # (set by bring_prompt once it is there)
        return self.prompt

    def focus_prompt(self: ChatScreen) -> None:
        """Focus the prompt, or its stand-in (the prompt takes the focus over from it)."""
        self.query_one("#prompt").focus()

    async def bring_prompt(self: ChatScreen) -> None:
        """Right after the first frame: the prompt in the place of its stand-in, in one
        frame that changes no cell, with the focus if the stand-in had it; then the keys
        the app held since it started (KeyGate) go on, in order, to what has the focus."""
        try:
            from ...widgets.prompt import PromptArea

            stand_in = self.query_one("#prompt")
            parent = stand_in.parent
            assert parent is not None
            place = parent.children.index(stand_in)
            focused = self.focused is stand_in
            prompt = PromptArea(id="prompt")
            with self.app.batch_update():
                # Unfocused before it goes, the focus does not pass to the next widget.
                if focused:
                    self.set_focus(None, scroll_visible=False)
                await stand_in.remove()
                after_it = place < len(parent.children)
                await parent.mount(prompt, before=place if after_it else None)
                if focused:
                    self.set_focus(prompt, scroll_visible=False)
            self._prompt = prompt
            if self._prompt_here is not None:
                self._prompt_here.set()
        finally:
            await self.chat_app.key_gate.release()

    async def chip_bar(self: ChatScreen) -> ChipBar:
        """The bar of the files to send with the next message, above the prompt. Mounted
        with the first file, not composed hidden with the screen: most chats attach none,
        and the first frame went without it and its module (~7 M instructions)."""
        if self._chips is None:
            from ...widgets.chips import ChipBar

            self._chips = ChipBar(id="chips")
            await self.query_one("#main").mount(self._chips, before=self.prompt)
        return self._chips

    def attached(self: ChatScreen) -> list[Path]:
        """The files the chips name, in order ([] before any file was attached)."""
        return self._chips.paths() if self._chips is not None else []

    async def send(self: ChatScreen, text: str, settled: asyncio.Event | None = None) -> None:
        """Send the text and the attached files, or say why not. `settled` is set once
        the prompt holds what it will (cleared, or kept when nothing was sent)."""
        attached = self.attached()
        if not text.strip() and not attached:
            self.notify("Nothing to send: type a message first.", severity="warning", markup=False)
            return
        if self.streaming:
            self.notify(
                "An answer is still streaming. Press Esc to stop it, then send: "
                "your message stays in the prompt.",
                severity="warning",
                markup=False,
            )
            return
        if not self.choice.provider:
            self.notify(
                "No provider is configured: add one in settings.toml.",
                severity="error",
                markup=False,
            )
            return
        prepared = self._prepare_attachments(attached, text)
        if prepared is None:
            return  # refused: the prompt and the chips stay as they are
        if self.editing is None:
            self._set_note("")
        conversation = self.conversation
        replacing = self.editing
        if replacing is not None:
            # The edited message and what followed stay as a variant of the new one.
            start = next(
                (i for i, m in enumerate(conversation.messages) if m is replacing), None
            )
            for shown in conversation.messages[start:] if start is not None else []:
                await self.log_view.drop(shown)
            self.editing = None
            self._set_note("")
        message = self.session.add_question(
            compose_prompt(text, prepared), prepared, title_text=text, replacing=replacing
        )
        self.show_welcome()  # a message sent: the conversation takes the room
        self.remember_shown()
        # One frame shows it all (the prompt emptied, the question and the answer's view,
        # the list, the status and the footer's keys), not one frame for each.
        with self.app.batch_update():
            self.prompt.clear()
            if self._draft is not None:
                self._restore_draft()  # the edit is sent; the draft comes back
            if settled is not None:
                settled.set()  # the keys typed after Enter go on (PromptArea.action_submit)
            if self._chips is not None:
                await self._chips.clear_chips()
            self.save_conversation(conversation)
            if len(conversation.messages) == 1:
                # A new conversation shows in the list at once; otherwise the list is
                # brought up to date when the answer ends (message count, a backend title).
                self.refresh_conversations()
            media = [item for p in prepared if (item := p.media()) is not None]
            question = self.log_view.new_view(message)
            if len(self.compare) > 1:
                await self.start_comparison(self.compare, media, question)
            else:
                await self.start_answer(media=media, question=question)

    def _prepare_attachments(
        self: ChatScreen, paths: list[Path], text: str
    ) -> list[Prepared] | None:
        """Read and check the chips' files now (they may have changed since they were
        picked). None when one is refused or the user is asked to confirm first."""
        if not paths:
            return []
        try:
            prepared = prepare_attachments(paths, self.chat_app.settings.attachments)
        except AttachmentRefused as refused:
            name = Path(refused.path).name or refused.path
            # Inline above the prompt (a toast is cut short on small screens) and as a toast.
            self._set_note(
                f"Cannot attach {name}: {refused.reason} Nothing was sent; your message and "
                "the attachments are kept: remove that one (tab to it, Delete) or fix it and "
                "send again."
            )
            self.notify(
                f"Cannot attach {name}: {refused.reason}",
                title="Attachment refused",
                severity="error",
                markup=False,
                timeout=12,
            )
            return None
        images = [p for p in prepared if p.is_image]
        if not images:
            return prepared
        entry = self.catalog.get(self.choice.provider)
        signature = (self.choice.key(), text, tuple(paths))
        blind = entry is not None and entry.supports_vision(self.choice.model) is False
        if blind and self._confirmed_images != signature:
            self._confirmed_images = signature
            warning = (
                f"{self.choice.describe()} is not known to accept images, so it may ignore "
                f"{images[0].name}. Press Enter again to send anyway, or pick a vision "
                "model with ctrl+o."
            )
            self._set_note(warning)
            self.notify(warning, title="Images", severity="warning", markup=False, timeout=12)
            return None
        self._confirmed_images = None
        left_out = self.session.images_over_limit(images)
        if entry is not None and left_out:
            kept = len(images) - left_out
            taken = "one image" if kept == 1 else f"{kept} images"
            self.notify(
                f"{entry.name} takes {taken}: only "
                f"{', '.join(image.name for image in images[:kept])} is sent "
                f"({left_out} more left out).",
                severity="warning",
                markup=False,
            )
        return prepared

    def _set_note(self: ChatScreen, text: str) -> None:
        """The line above the prompt that explains a mode (editing); hidden when empty."""
        note = self.query_one("#prompt-note", Static)
        note.update(text)
        note.display = bool(text)

    async def action_attach(self: ChatScreen) -> None:
        """Attach the file paths typed or pasted in the prompt, else open the file picker."""
        chips = await self.chip_bar()
        paths = paths_in_text(self.prompt.text)
        if paths:
            for path in paths:
                await chips.add_path(path)
            self.prompt.clear()
            names = ", ".join(path.name for path in paths)
            self.notify(f"Attached {names}.", markup=False)
            return

        async def chosen(picked: list[Path] | None) -> None:
            for path in picked or []:
                await chips.add_path(path)
            self.focus_prompt()

        from ..file_picker import FilePicker

        start = chips.paths()[-1].parent if chips.paths() else Path.cwd()
        self.app.push_screen(FilePicker(start), chosen)

    def path_pasted(self: ChatScreen, path: Path) -> None:
        """A pasted text names a file: offer to attach it rather than send its path."""
        self.notify(
            f"That looks like a file: press {self.chat_app.keys_for('chat.attach')} to attach "
            f"{path.name} instead of sending its path as text.",
            markup=False,
        )
