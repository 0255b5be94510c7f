"""The status line at the top: the model in use, its provider's state, what is going on."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from ..safe import one_line


class StatusBar(Widget):
    """One line drawn from its reactives; the chat screen binds or sets them.

    A change repaints this line only: `streaming` and `last_usage` are bound to the
    screen's reactives of those names (`data_bind`), the rest are set when they change.
    """

    DEFAULT_CSS = """
    StatusBar { height: 1; }
    """

    #: The model in use, as `ModelChoice.describe()` words it ("" for no provider).
    model: reactive[str] = reactive("")
    #: Its provider's state when it is not ready ("loading", "unreachable", ...).
    provider_state: reactive[str] = reactive("")
    streaming: reactive[bool] = reactive(False)
    editing: reactive[bool] = reactive(False)
    #: The last answer's token counts, worded.
    last_usage: reactive[str] = reactive("")

    def render(self) -> Content:
        parts: list[tuple[str, str] | str] = [("tui-chat ", "bold")]
        parts.append((one_line(self.model or "no provider", 60), "$accent"))
        if self.provider_state:
            parts.append((f" ({self.provider_state})", "dim"))
        if self.streaming:
            parts.append(("  ● streaming… Esc stops", "bold $success"))
        elif self.editing:
            parts.append(("  ✎ editing your last message", "bold $warning"))
        if self.last_usage:
            parts.append((f"  last answer: {self.last_usage}", "dim"))
        return Content.assemble(*parts)
