"""One message in the log: its header, its body (plain text or Markdown) and its meta line.

A view is laid out once (`LaidOutOnce`) and its Markdown body renders only the pieces
that are seen; a streaming answer re-renders only its open tail (see `message_log`).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import Static

from ...attachments import describe_size
from ...store import Message
from ..safe import one_line, plain
from ..sizing import LaidOutOnce
from .image_view import MediaList
from .markdown.block import MarkdownBody


def _time(value: datetime) -> str:
    local = value.astimezone()
    now = datetime.now().astimezone()
    return local.strftime("%H:%M" if local.date() == now.date() else "%Y-%m-%d %H:%M")


def header_text(message: Message) -> Content:
    if message.role == "user":
        who = "You"
    elif message.role == "system":
        who = "System"
    else:
        who = " › ".join(part for part in (message.provider, message.model) if part) or "Assistant"
    header = Content.assemble((one_line(who, 80), "bold"), (f"  {_time(message.created)}", "dim"))
    if message.variants:
        # Which of the answers (or edits) in this place is shown: alt+←/→ (← → in the
        # log) flip between them.
        shown = f"  ‹ {message.variant + 1}/{len(message.variants) + 1} ›"
        header = Content.assemble(header, (shown, "bold"))
    return header


def usage_summary(usage: dict[str, int]) -> str:
    """Token counts for people: "12 in / 40 out tokens"."""
    if "prompt_tokens" in usage or "completion_tokens" in usage:
        tokens_in = usage.get("prompt_tokens", "?")
        tokens_out = usage.get("completion_tokens", "?")
        return f"{tokens_in} in / {tokens_out} out tokens"
    if "total_tokens" in usage:
        return f"{usage['total_tokens']} tokens"
    return ""


def meta_text(message: Message, notices: list[str] | None = None) -> Content:
    """The quiet line under an answer: finish reason, tokens, status, error."""
    parts: list[str] = []
    # ("streaming…" is drawn by the answer's body, right under its text.)
    if message.status == "stopped":
        parts.append("stopped · ctrl+l continues, ctrl+r retries")
    if message.finish_reason and message.finish_reason != "stop":
        parts.append(f"finish: {message.finish_reason}")
    if message.usage:
        parts.append(usage_summary(message.usage))
    for attachment in message.attachments:
        # The name, not the whole path: a long path would push the name out of sight.
        name = one_line(Path(attachment.path).name or attachment.path, 60)
        parts.append(f"📎 {name} ({describe_size(attachment.size)})")
    for notice in notices or []:
        parts.append(f"note: {one_line(notice, 120)}")
    line = Content(" · ".join(part for part in parts if part))
    if message.status == "failed":
        error = Content.assemble(
            ("✗ ", "bold"), (one_line(message.error or "The answer failed.", 400), "")
        )
        retry = Content.styled("ctrl+r retries · ctrl+o switches model", "dim")
        lines = [error, retry] + ([line] if line else [])
        return Content("\n").join(lines)
    return line


class Text(LaidOutOnce, Static):
    """Plain text in a message: its header, meta line, a question, the reasoning."""


class Reasoning(Vertical):
    """A model's reasoning, folded under one line that a click or F5 unfolds.

    Not a Tab stop: as Textual's Collapsible (a focusable title) a long conversation had
    one between the log and the prompt for every answer that reasoned.
    """

    DEFAULT_CSS = """
    Reasoning { height: auto; }
    Reasoning > .reasoning-title { color: $text-muted; }
    Reasoning > .reasoning { display: none; }
    Reasoning.-open > .reasoning { display: block; }
    """

    def __init__(self, text: str, key_hint: str = "") -> None:
        super().__init__()
        self.text = text
        #: The key that toggles it, for the title.
        self.key_hint = key_hint
        self._title = Text("", classes="reasoning-title")
        # Filled when unfolded: a folded one costs no layout while an answer streams.
        self._body = Text("", classes="reasoning")
        self._show_title()

    def compose(self) -> ComposeResult:
        yield self._title
        yield self._body

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def update(self, text: str) -> None:
        self.text = text
        self._show_title()
        if self.is_open:
            self._body.update(plain(text))

    def toggle(self) -> None:
        self.toggle_class("-open")
        if self.is_open:
            self._body.update(plain(self.text))
        self._show_title()

    def _show_title(self) -> None:
        words = len(self.text.split())
        arrow = "▼" if self.is_open else "▶"
        how = f"{self.key_hint} or click" if self.key_hint else "click"
        self._title.update(
            Content(f"{arrow} Reasoning · {words:,} word{'s' * (words != 1)}  ({how})")
        )

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.toggle()


class MessageView(LaidOutOnce, Vertical):
    """One message: who and when, the reasoning (collapsed), the text, a quiet meta line."""

    # Here rather than in chat.tcss: parsed when the first message is shown, not before
    # the first frame of an empty chat (Textual's CSS parser is slow: ~10 M instructions).
    # Not scoped: the cursor's rule starts at the log.
    SCOPED_CSS = False
    DEFAULT_CSS = """
    MessageView { margin: 1 0 0 0; padding: 0 1; height: auto; }
    MessageView.-user { border-left: thick $primary; background: $boost; }
    MessageView.-assistant { border-left: thick $secondary; }
    MessageView.-failed { border-left: thick $error; }
    MessageView.-stopped { border-left: thick $warning; }
    /* The log's cursor (the message its keys act on), while the log has focus. */
    #log:focus > MessageView.-cursor { background-tint: $accent 18%; }
    MessageView > .header { height: 1; color: $text-muted; }
    MessageView > .body { height: auto; }
    MessageView > .meta { height: auto; color: $text-muted; }
    MessageView.-failed > .meta { color: $error; }
    MessageView .reasoning { color: $text-muted; text-style: italic; }
    """

    def __init__(self, message: Message, *, streaming: bool = False, dark: bool = True) -> None:
        classes = f"message -{message.role}"
        super().__init__(classes=classes)
        self.message = message
        self.streaming = streaming
        self.dark = dark
        self.notices: list[str] = []
        self._header = Text(header_text(message), classes="header")
        meta = meta_text(message)
        self._meta = Text(meta, classes="meta")
        self._meta.display = bool(meta)
        self.reasoning: Reasoning | None = None
        self.media: MediaList | None = None
        self._body: MarkdownBody | Static
        if streaming or message.role == "assistant":
            self._body = MarkdownBody(message.content, streaming=streaming, dark=dark)
        else:
            self._body = Text(plain(message.content), classes="body")
        self._body.display = streaming or bool(message.content)
        self.set_class(message.status == "failed", "-failed")
        self.set_class(message.status == "stopped", "-stopped")

    def render_lines(self, crop: Region) -> list[Strip]:
        # The view's own rows (under its children) are all alike, a left border, side
        # padding and blank, as long as nothing is drawn along its top or bottom. Textual
        # renders each row through its style pipeline (~0.1 ms a row, a screenful every
        # time a streaming answer scrolls): the first row, repeated, instead.
        styles = self.styles
        edges = (styles.border_top, styles.border_bottom, styles.outline_top, styles.outline_bottom)
        if (
            any(kind not in ("", "none") for kind, _ in edges)
            or styles.padding.top
            or styles.padding.bottom
            or not crop.height
        ):
            return super().render_lines(crop)
        row = super().render_lines(Region(crop.x, 0, crop.width, 1))[0]
        return [row] * crop.height

    def render_bottom_first(self) -> None:
        """Render the last screenful of the text before layout, not after a guess."""
        if isinstance(self._body, MarkdownBody):
            self._body.eager_bottom = True

    def compose(self) -> ComposeResult:
        yield self._header
        if self.message.reasoning:
            yield self._make_reasoning(self.message.reasoning)
        yield self._body
        # Its images under its text: fetched ones, attached ones, and reasons.
        session = getattr(self.app, "session", None)
        self.media = MediaList(
            self.message.media,
            getattr(session, "data_dir", None),
            getattr(self.app, "graphics", "halfcell"),
        )
        yield self.media
        yield self._meta

    def _make_reasoning(self, text: str) -> Reasoning:
        # The key from the chat app's keymap, asked of the app: the chat screen does not
        # import this module before its first frame (an empty chat shows no message).
        keys_for = getattr(self.app, "keys_for", None)
        self.reasoning = Reasoning(text, keys_for("chat.reasoning") if keys_for else "")
        return self.reasoning

    # --- streaming ---------------------------------------------------------------------

    def show_progress(self, text: str, reasoning: str) -> None:
        """Bring the screen up to date with the answer so far (called once per frame)."""
        if reasoning:
            if self.reasoning is None:
                self.mount(self._make_reasoning(reasoning), before=self._body)
            elif reasoning != self.reasoning.text:
                self.reasoning.update(reasoning)
        if isinstance(self._body, MarkdownBody):
            self._body.set_text(text)
        self.refresh_media()

    def refresh_media(self) -> None:
        """Show the message's images as they are now (announced, fetched or failed)."""
        if self.media is not None and self.media.is_attached and self.media.stale:
            self.run_worker(self.media.update_media(), group="media-view", exit_on_error=False)

    def refresh_meta(self, notices: list[str] | None = None) -> None:
        if notices is not None:
            self.notices = notices
        meta = meta_text(self.message, self.notices)
        self._meta.update(meta)
        self._meta.display = bool(meta)
        self._header.update(header_text(self.message))
        self.set_class(self.message.status == "failed", "-failed")
        self.set_class(self.message.status == "stopped", "-stopped")

    def finish(self, text: str, reasoning: str) -> None:
        """The answer ended (any way): everything received is on screen."""
        self.show_progress(text, reasoning)
        if isinstance(self._body, MarkdownBody):
            self._body.set_text(text, final=True)
        self.streaming = False
        self._body.display = bool(text)
        self.refresh_meta()

    def set_room(self, screens: int) -> None:
        """Screenfuls of blank room a streaming answer keeps below it to grow into
        (markdown block.py); 0 for one above others (stacked in a comparison), where it
        would push them away."""
        if isinstance(self._body, MarkdownBody) and self._body.room_screens != screens:
            self._body.room_screens = screens
            if self._body.is_mounted:
                self._body.refresh(layout=True)

    def measure_again(self) -> None:
        """Have the next layout measure it anew (a streaming answer's room starts again
        from its text), though its text still fits: answers side by side are laid out
        together (comparison.py)."""
        if isinstance(self._body, MarkdownBody) and self._body.is_mounted:
            self._body.refresh(layout=True)

    @property
    def room(self) -> int:
        """Blank lines at the bottom of the view (a streaming answer's room to grow, in
        the layout in force)."""
        if isinstance(self._body, MarkdownBody):
            return self._body.room
        return 0

    @property
    def awaiting_layout(self) -> bool:
        """Its text outgrew its height: the next layout places it (see MessageLog)."""
        return isinstance(self._body, MarkdownBody) and self._body.awaiting_layout

    def shown_text(self) -> str:
        if isinstance(self._body, MarkdownBody):
            return self._body.shown_text()
        return self.message.content
