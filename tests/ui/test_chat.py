"""The chat screen driven by keys: against the in-process fake provider (tests/fakes.py),
and against real providers on loopback servers where HTTP, its errors or the requests on
the wire are the point."""

from __future__ import annotations

import gc
import tomllib

from tui_chat.model_choice import ModelChoice
from tui_chat.providers import ProviderError
from tui_chat.store import ConversationStore
from tui_chat.ui.screens.chat import ChatScreen
from tui_chat.ui.widgets.message_log import MessageLog
from tui_chat.ui.widgets.message_view import MessageView
from tui_chat.ui.widgets.sidebar import ConversationList, ModelNode, ProviderTree

from .conftest import answered, screen_text, wait_until
from .servers import MARKUP_ANSWER

SIZE = (100, 32)


def saved(app) -> dict:
    """The conversation file as it is on disk."""
    path = ConversationStore(app.paths).path_for(app.conversation.id)
    return tomllib.loads(path.read_text(encoding="utf-8"))


async def send(pilot, text: str) -> None:
    await pilot.press(*text)
    await pilot.press("enter")


async def test_send_streams_answer_onto_screen_and_disk(fake_app, fake):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "hello there")
        await wait_until(pilot, lambda: answered(app, 2))
        await pilot.pause()
        text = screen_text(app)
        assert "hello there" in text
        assert "Echo: hello there" in text
        assert "7 in / 3 out tokens" in text
        assert app.chat.prompt.text == ""  # sent text leaves the prompt
        data = saved(app)
        assert [m["role"] for m in data["messages"]] == ["user", "assistant"]
        assert data["messages"][1]["content"] == "Echo: hello there"
        assert data["messages"][1]["status"] == "complete"
        assert data["messages"][1]["model"] == "echo"
        assert fake.requests[-1].messages[-1] == {
            "role": "user",
            "content": "hello there",
        }


async def test_escape_stops_keeps_partial_text_and_saves_it(fake_app):
    app = fake_app("gated")
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "go")
        await wait_until(pilot, lambda: "Partial two." in screen_text(app))
        assert app.chat.streaming
        await pilot.press("escape")
        await wait_until(pilot, lambda: not app.chat.streaming)
        answer = app.conversation.messages[-1]
        assert answer.status == "stopped"
        assert answer.content == "Partial one. Partial two. "
        await pilot.pause()
        assert "Partial one. Partial two." in screen_text(app)
        assert "stopped" in screen_text(app)
        on_disk = saved(app)["messages"][-1]
        assert on_disk["status"] == "stopped"
        assert on_disk["content"] == "Partial one. Partial two. "


async def test_retry_regenerates_the_last_answer(fake_app, fake):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "again")
        await wait_until(pilot, lambda: len(fake.requests) == 1 and not app.chat.streaming)
        first_id = app.conversation.messages[-1].id
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: len(fake.requests) == 2 and not app.chat.streaming)
        messages = app.conversation.messages
        assert [m.role for m in messages] == ["user", "assistant"]
        assert messages[-1].id != first_id
        assert messages[-1].content == "Echo: again"
        # The retried request carries the same history as the first.
        assert fake.requests[1].messages == fake.requests[0].messages
        assert len(saved(app)["messages"]) == 2


async def test_edit_and_resend_the_last_message(fake_app, fake):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "frist")
        await wait_until(pilot, lambda: answered(app, 2))
        await pilot.press("ctrl+g")
        assert app.chat.prompt.text == "frist"
        await pilot.pause()
        assert "Editing your last message" in screen_text(app)
        await pilot.press("ctrl+a", "ctrl+k")  # clear the line with the prompt's own keys
        await send(pilot, "first")
        await wait_until(pilot, lambda: len(fake.requests) == 2 and not app.chat.streaming)
        messages = app.conversation.messages
        assert [(m.role, m.content) for m in messages] == [
            ("user", "first"),
            ("assistant", "Echo: first"),
        ]
        assert [m["content"] for m in saved(app)["messages"]] == ["first", "Echo: first"]
        assert "frist" not in screen_text(app)


async def test_edit_keeps_the_draft_and_puts_it_back(fake_app, fake):
    """ctrl+g takes over the prompt; the half-typed draft comes back on Esc and after the
    edit is sent (issue 16: it was lost)."""
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "frist")
        await wait_until(pilot, lambda: answered(app, 2))
        await pilot.press(*"half typed")
        await pilot.press("ctrl+g")
        assert app.chat.prompt.text == "frist"
        await pilot.press("escape")
        await pilot.pause()
        assert app.chat.prompt.text == "half typed"
        assert "Editing your last message" not in screen_text(app)
        await pilot.press("ctrl+g")
        await pilot.press("ctrl+a", "ctrl+k")
        await send(pilot, "first")
        await wait_until(pilot, lambda: len(fake.requests) == 2 and not app.chat.streaming)
        assert [m.content for m in app.conversation.messages] == ["first", "Echo: first"]
        assert app.chat.prompt.text == "half typed"
        assert "half typed" in screen_text(app)


async def test_continue_shows_streaming_without_the_stopped_line(fake_app, fake):
    """ctrl+l on a stopped answer: while it streams again, the line under it no longer
    says it is stopped (issue 16: both showed at once)."""
    app = fake_app("gated")
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "go")
        await wait_until(pilot, lambda: "Partial two." in screen_text(app))
        await pilot.press("escape")
        await wait_until(pilot, lambda: "ctrl+l continues" in screen_text(app))
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: len(fake.requests) == 2)
        await wait_until(pilot, lambda: "streaming" in screen_text(app))
        await pilot.pause(0.1)
        text = screen_text(app)
        assert "ctrl+l continues" not in text
        assert "stopped" not in text
        fake.gate.set()
        await wait_until(pilot, lambda: not app.chat.streaming)
        await pilot.pause()
        assert app.conversation.messages[-1].status == "complete"
        assert "ctrl+l continues" not in screen_text(app)


async def test_dead_server_error_is_shown_and_app_keeps_running(make_app, servers):
    app = make_app(provider="dead", model="")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await send(pilot, "anyone?")
        await wait_until(pilot, lambda: answered(app, 2))
        answer = app.conversation.messages[-1]
        assert answer.status == "failed"
        assert "Could not connect to 127.0.0.1" in answer.error
        await pilot.pause()
        text = screen_text(app)
        assert "Could not connect to 127.0.0.1" in text
        assert "ctrl+r retries" in text
        assert saved(app)["messages"][-1]["status"] == "failed"
        # The app still works: pick a live model and send again.
        app.chat.set_choice(ModelChoice("local", "echo"))
        await send(pilot, "still here")
        await wait_until(pilot, lambda: app.conversation.messages[-1].content == "Echo: still here")


async def test_http_error_from_provider_is_in_words(make_app, servers):
    app = make_app(model="fail")
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "x")
        await wait_until(pilot, lambda: answered(app, 2))
        await pilot.pause()
        assert "HTTP 500: the model melted" in screen_text(app)


async def test_a_failed_answer_says_why_is_saved_and_can_be_retried(fake_app, fake):
    app = fake_app("fail")
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "x")
        await wait_until(pilot, lambda: answered(app, 2))
        await pilot.pause()
        text = screen_text(app)
        assert "The model melted. Try another model." in text
        assert "ctrl+r retries" in text
        assert saved(app)["messages"][-1]["status"] == "failed"
        fake.script("fail", ["Better now."])  # the same model answers this time
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: len(fake.requests) == 2 and answered(app, 2))
        await pilot.pause()
        assert app.conversation.messages[-1].status == "complete"
        assert "Better now." in screen_text(app)
        assert "The model melted" not in screen_text(app)


async def test_a_long_failure_is_one_line_in_the_toast_and_whole_under_the_answer(
    fake_app, fake
):
    reason = "No provider could answer: " + "; ".join(
        f"provider{i}.example: DNS lookup failed" for i in range(8)
    )
    fake.script("echo", [ProviderError(reason)])
    app = fake_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await send(pilot, "x")
        await wait_until(pilot, lambda: answered(app, 2))
        toasts = [n for n in app._notifications if n.title == "Answer failed"]
        assert len(toasts) == 1
        assert "\n" not in toasts[0].message and len(toasts[0].message) <= 56
        assert toasts[0].message.startswith("No provider could answer")
        app.clear_notifications()
        await pilot.pause()
        flat = " ".join(screen_text(app).split())
        assert "provider7.example: DNS lookup failed" in flat  # the whole of it, in the log


async def test_reasoning_shows_apart_collapsed_and_is_kept(fake_app):
    app = fake_app("think")
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "ponder")
        await wait_until(pilot, lambda: answered(app, 2))
        await pilot.pause()
        text = screen_text(app)
        assert "Reasoning" in text and "Thought." in text
        assert "Let me think." not in text  # collapsed
        answer = app.conversation.messages[-1]
        assert (answer.content, answer.reasoning) == ("Thought.", "Let me think. Done.")
        assert saved(app)["messages"][-1]["reasoning"] == "Let me think. Done."


async def test_state_read_before_the_widgets_exist(fake_app):
    """Reading `streaming` or `choice` first runs their watchers; before on_mount (as a
    footer building its keys early does, through check_action) they must not touch the
    widgets, which do not exist yet."""
    app = fake_app()
    screen = ChatScreen()
    assert screen.streaming is False
    assert not screen.check_action("stop", ())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "fake › echo" in screen_text(app).splitlines()[0]  # the status line


async def test_model_lists_load_after_the_conversation_list(make_app, servers):
    """Model lists are asked for once the first conversation list is shown..."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.catalog.get("backend").state == "ready")
        await wait_until(pilot, lambda: app.catalog.get("local").state == "ready")
        assert app.catalog.get("dead").state == "unreachable"


async def test_model_lists_load_when_the_conversation_list_fails(fake_app, fake):
    """...and also when it cannot be read."""
    from tui_chat.store import StoreError

    app = fake_app(fetch_models=True)

    def failing_list():
        raise StoreError("Could not list the conversations: test.", app.paths.conversations_dir)

    app.store.list = failing_list  # type: ignore[method-assign]
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(pilot, lambda: app.catalog.get("fake").state == "ready")
        assert fake.listed == 1
        await wait_until(pilot, lambda: "Could not list" in screen_text(app))


async def test_garbage_collector_back_on_after_the_first_list(fake_app):
    """The command line turns the collector off for the start-up (resume_gc)."""
    gc.disable()
    try:
        app = fake_app(resume_gc=True)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, gc.isenabled)
            assert app.query_one(ConversationList).option_count == 0  # listed (nothing)
    finally:
        gc.enable()


async def test_garbage_collector_left_alone_without_resume_gc(fake_app):
    app = fake_app(fetch_models=True)
    gc.disable()
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: app.catalog.get("fake").state == "ready")
            await pilot.pause(0.1)
            assert not gc.isenabled()
    finally:
        gc.enable()


async def test_model_switch_through_the_picker(fake_app, fake):
    app = fake_app()
    settings_before = app.paths.settings_file.read_bytes()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+o")
        await pilot.press(*"gated")
        await pilot.press("enter")
        assert app.chat.choice == ModelChoice("fake", "gated")
        fake.gate.set()
        await send(pilot, "hi")
        await wait_until(pilot, lambda: not app.chat.streaming and len(fake.requests) == 1)
        assert fake.requests[0].model == "gated"
        # Remembered in state.toml; settings.toml (the user's) is not touched.
        state = tomllib.loads(app.paths.state_file.read_text())
        assert state["model"] == "fake/gated"
        assert state["recent_models"][0] == "fake/gated"
        assert app.paths.settings_file.read_bytes() == settings_before


async def test_model_switch_through_the_sidebar_tree(make_app, servers):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.catalog.get("backend").state == "ready")
        tree = app.query_one(ProviderTree)
        tree.focus()
        await pilot.pause()
        # Walk down with the arrow keys until the cursor is on a backend model.
        for _ in range(40):
            node = tree.cursor_node
            data = node.data if node is not None else None
            if isinstance(data, ModelNode) and data.choice.model == "b-1":
                break
            if node is not None and node.allow_expand and not node.is_expanded:
                await pilot.press("enter")
            await pilot.press("down")
        await pilot.press("enter")
        assert app.chat.choice == ModelChoice("backend", "b-1", "Beta")
        await send(pilot, "via tree")
        await wait_until(pilot, lambda: not app.chat.streaming and len(servers.requests) == 1)
        request = servers.requests[0]
        assert request.path == "/backend-api/v2/conversation"
        assert request.body["model"] == "b-1"
        assert request.body["provider"] == "Beta"
        answer = app.conversation.messages[-1]
        assert answer.content == "Backend says: via tree"
        assert answer.reasoning == "Let me think."
        assert app.conversation.title == "A title from the backend"


async def test_markup_and_escapes_in_answer_and_model_name_show_as_typed(fake_app):
    app = fake_app("markup")
    async with app.run_test(size=(160, 40)) as pilot:
        await send(pilot, "[bold]mine[/] [link=x]y")
        await wait_until(pilot, lambda: answered(app, 2))
        await pilot.pause()
        text = screen_text(app)
        assert "[bold]mine[/] [link=x]y" in text
        assert "[bold]not bold[/] and [/] and [link=file:///etc/passwd]x[/link]" in text
        # Escape sequences are shown as symbols; none reaches the terminal.
        assert "\x1b" not in text and "\x07" not in text
        assert "␛[31mred␛[0m" in text
        assert app.conversation.messages[-1].content == MARKUP_ANSWER  # stored as received
        # A model whose name is markup, in the tree and the status line.
        tree = app.query_one(ProviderTree)
        labels = []

        def walk(node):
            for child in node.children:
                labels.append(child.label.plain)
                walk(child)

        walk(tree.root)
        assert any("[/]odd [bold]name" in label for label in labels)
        app.chat.set_choice(ModelChoice("fake", "[/]odd [bold]name"))
        await pilot.pause()
        assert "fake › [/]odd [bold]name" in screen_text(app)


async def test_log_follows_only_while_reader_is_at_the_bottom(fake_app, fake):
    app = fake_app("long")
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "long please")
        log = app.query_one(MessageLog)
        await wait_until(pilot, lambda: log.max_scroll_y > 30)
        # At the end of the text (a stream's blank room to grow into is below, unseen).
        await wait_until(pilot, lambda: log.scroll_y >= log.max_scroll_y - 1)
        assert log.following
        log.focus()
        await wait_until(pilot, lambda: app.focused is log)
        await pilot.press("pageup", "pageup")
        # The page scroll is animated: wait until it has come to rest.
        await wait_until(pilot, lambda: log.scroll_y == log.scroll_target_y)
        assert not log.following
        held = log.scroll_y
        assert held < log.max_scroll_y - 10
        answer_view = log.view_for(app.conversation.messages[-1])
        await wait_until(pilot, lambda: "Line 119" in answer_view.shown_text())
        await pilot.pause(0.2)
        assert log.scroll_y == held  # reading is not disturbed by new text
        await pilot.press("end")
        await pilot.pause()
        assert log.following
        await wait_until(pilot, lambda: "Line 119" in screen_text(app))  # text, not blank room
        fake.gate.set()
        await wait_until(pilot, lambda: not app.chat.streaming)
        await pilot.pause(0.1)
        assert log.scroll_y >= log.max_scroll_y - 1
        assert "The end." in screen_text(app)


async def test_conversation_reopens_after_restart(fake_app):
    first = fake_app()
    async with first.run_test(size=SIZE) as pilot:
        await send(pilot, "remember me")
        await wait_until(
            pilot, lambda: not first.chat.streaming and len(first.conversation.messages) == 2
        )
        conversation_id = first.conversation.id
        await pilot.press("ctrl+q")
    second = fake_app(write=False)
    async with second.run_test(size=SIZE) as pilot:
        listing = second.query_one(ConversationList)
        await wait_until(pilot, lambda: listing.option_count == 1)
        listing.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: second.conversation.id == conversation_id)
        await pilot.pause()
        text = screen_text(second)
        assert "remember me" in text
        assert "Echo: remember me" in text
        assert second.chat.choice == ModelChoice("fake", "echo")


async def test_sending_while_streaming_is_refused_and_text_kept(fake_app, fake):
    app = fake_app("gated")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await send(pilot, "first")
        await wait_until(pilot, lambda: "Partial one." in screen_text(app))
        await send(pilot, "second")
        assert app.chat.prompt.text == "second"
        assert len(fake.requests) == 1
        fake.gate.set()
        await wait_until(pilot, lambda: not app.chat.streaming)
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(fake.requests) == 2)


async def test_empty_prompt_is_not_sent(fake_app, fake):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "space", "enter")
        await pilot.pause(0.1)
        assert app.conversation.messages == []
        assert fake.requests == []


async def test_ctrl_j_inserts_newline_and_enter_sends_both_lines(fake_app, fake):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "ctrl+j", "b", "enter")
        await wait_until(pilot, lambda: len(fake.requests) == 1)
        assert fake.requests[0].messages[-1]["content"] == "a\nb"


async def test_quit_while_streaming_saves_the_partial_answer(fake_app):
    app = fake_app("gated")
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "go")
        await wait_until(pilot, lambda: "Partial two." in screen_text(app))
        path = ConversationStore(app.paths).path_for(app.conversation.id)
        await pilot.press("ctrl+q")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["messages"][-1]["status"] == "stopped"
    assert data["messages"][-1]["content"] == "Partial one. Partial two. "


async def test_usable_at_80x24_and_sidebar_hides_when_narrow(fake_app):
    app = fake_app()
    async with app.run_test(size=(80, 24)) as pilot:
        assert not app.query_one("#sidebar").display
        await pilot.press("ctrl+b")
        assert app.query_one("#sidebar").display
        await pilot.press("ctrl+b")
        await pilot.resize_terminal(120, 30)
        await pilot.pause()
        await send(pilot, "small screen")
        await wait_until(pilot, lambda: answered(app, 2))
        await pilot.resize_terminal(40, 10)
        await pilot.pause()
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert "Echo: small screen" in screen_text(app)


async def test_help_screen_lists_bindings(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert "ctrl+j" in screen_text(app)  # the prompt's keys come first
        for _ in range(4):  # the models' further down
            if "Switch model" in screen_text(app):
                break
            await pilot.press("pagedown")
            await pilot.pause()
        text = screen_text(app)
        assert "ctrl+o" in text and "Switch model" in text
        await pilot.press("escape")
        await pilot.pause()
        assert "Switch model" not in screen_text(app)


async def test_keymap_override_from_settings(fake_app):
    app = fake_app(settings='[keymap]\n"model.picker" = "f9"')
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f9")
        await pilot.pause()
        assert "Switch model" in screen_text(app)


async def test_message_views_exist_for_the_streamed_answer(fake_app):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "views")
        await wait_until(pilot, lambda: answered(app, 2))
        views = list(app.query(MessageView))
        assert [v.message.role for v in views] == ["user", "assistant"]
        assert views[-1].shown_text() == "Echo: views"


async def test_log_keeps_following_when_content_shrinks(fake_app):
    """An estimated height corrected downward clamps the scroll: still following."""
    from textual.widgets import Static

    app = fake_app()
    async with app.run_test(size=(80, 24)) as pilot:
        log = app.query_one(MessageLog)
        tall = Static("\n".join(f"line {i}" for i in range(200)))
        await log.mount(tall)
        log.follow()
        await wait_until(
            pilot, lambda: log.max_scroll_y > 100 and log.scroll_y >= log.max_scroll_y - 1
        )
        assert log.following
        tall.update("\n".join(f"line {i}" for i in range(60)))
        await wait_until(pilot, lambda: log.max_scroll_y < 100)
        await pilot.pause()
        assert log.following
        assert log.scroll_y >= log.max_scroll_y - 1
