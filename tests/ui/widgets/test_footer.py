"""ChatFooter on its own: whichever order the bindings come in, the keys are shown in
actions.FOOTER's order, other shown keys after them, the palette's key on the right."""

from __future__ import annotations

from textual.binding import Binding

from tui_chat.ui.actions import BY_ID, FOOTER
from tui_chat.ui.widgets.footer import ChatFooter

from .conftest import hosted, screen_text


async def test_keys_in_the_order_of_actions_footer() -> None:
    other = Binding("ctrl+x", "other", "Other")
    hidden = Binding("ctrl+y", "hidden", "Hidden", show=False)
    shuffled = [other, hidden, *[BY_ID[action_id].binding() for action_id in reversed(FOOTER)]]
    async with hosted(ChatFooter(), bindings=shuffled, size=(200, 3)) as (app, _):
        footer = app.query_one(ChatFooter)
        labels = [BY_ID[action_id].label for action_id in FOOTER]
        assert [key.description for key in footer.keys] == [*labels, "Other"]
        line = screen_text(app).splitlines()[-1]
        places = [line.index(f" {label} ") for label in [*labels, "Other"]]
        assert places == sorted(places), line
        assert "Hidden" not in line
        assert line.rstrip().endswith("▏^p palette")
