"""ProviderTree on its own: each provider with its state, why one failed, its models."""

from __future__ import annotations

from fakes import FakeProvider, fake_entry

from tui_chat.catalog import LOADING, NEEDS_KEY, READY, UNREACHABLE, Catalog
from tui_chat.model_choice import ModelChoice
from tui_chat.providers.base import Timeouts
from tui_chat.providers.errors import AuthenticationRequiredError, ProviderError
from tui_chat.ui.widgets.sidebar import ModelNode, ProviderTree

from .conftest import hosted, screen_text, wait_until


async def test_a_failed_provider_shows_its_state_and_why(fake: type[FakeProvider]) -> None:
    fake.listing_error = ProviderError("Could not connect to 127.0.0.1:9 [/] [bold]")
    locked = FakeProvider.fresh("locked", listing_error=AuthenticationRequiredError("no key"))
    working = FakeProvider.fresh("working", models=["echo", "gated"])
    entries = [fake_entry(provider, state=LOADING) for provider in (fake, locked, working)]
    tree = ProviderTree()
    async with hosted(tree, size=(80, 20)) as (app, pilot):
        tree.set_catalog(Catalog(entries))
        await pilot.pause()
        assert screen_text(app).count("… loading") == 3
        for entry in entries:  # as the chat screen does once a list came, or did not
            await entry.refresh(None, Timeouts())
            tree.update_entry(entry)
        assert [entry.state for entry in entries] == [UNREACHABLE, NEEDS_KEY, READY]
        for node in tree.root.children:
            node.expand()
        await pilot.pause()
        text = screen_text(app)
        assert "fake  ✗ unreachable" in text
        assert "Could not connect to 127.0.0.1:9 [/] [bold]" in text  # as said, not markup
        assert "locked  🔑 needs a key" in text
        assert "Authentication required: no key" in text
        assert "working  ● ready" in text
        assert "echo" in text and "gated" in text


async def test_enter_on_a_model_posts_model_chosen(fake: type[FakeProvider]) -> None:
    tree = ProviderTree()
    async with hosted(tree, size=(80, 20)) as (app, pilot):
        entry = fake_entry(fake)
        tree.set_catalog(Catalog([entry]))
        tree.update_entry(entry)
        tree.mark_current(ModelChoice("fake", "echo"))
        tree.focus()
        await pilot.pause()
        assert "● echo" in screen_text(app)  # the current model, its provider open
        for _ in range(5):  # down to the second model, with the keys
            node = tree.cursor_node
            if node is not None and node.data == ModelNode(ModelChoice("fake", "gated")):
                break
            await pilot.press("down")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.posted(ProviderTree.ModelChosen))
        [chosen] = app.posted(ProviderTree.ModelChosen)
        assert chosen.choice == ModelChoice("fake", "gated")
