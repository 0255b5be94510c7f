"""Attachments in the app: the file picker by keyboard, chips, refusals and images sent
again, with the fake provider (tests/fakes.py); and the exact request each provider's
loopback server receives."""

from __future__ import annotations

import base64
import os
import tomllib
from pathlib import Path

import pytest
from providers.testkit import PNG

from tui_chat.model_choice import ModelChoice
from tui_chat.store import ConversationStore
from tui_chat.ui.screens.file_picker import FilePicker, FileTree
from tui_chat.ui.widgets.chips import Chip

from .conftest import screen_text, wait_until

SIZE = (80, 24)


def png_bytes() -> bytes:
    """A real 1x1 PNG."""
    return PNG


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "apple.png").write_bytes(png_bytes())
    (folder / "notes.md").write_text("# Notes\n[bold]not markup[/]\n", encoding="utf-8")
    (folder / "blob.bin").write_bytes(bytes(range(256)) * 4)
    (folder / ".secret.txt").write_text("hidden\n", encoding="utf-8")
    (folder / "sub").mkdir()
    monkeypatch.chdir(folder)
    return folder


def log_text(app) -> str:
    """The log's text as words, without the sidebar and the messages' left bars."""
    lines = [line.partition("▕")[2] or line for line in screen_text(app).splitlines()]
    return " ".join(" ".join(lines).replace("█", " ").split())


async def attach_with_picker(pilot, app, *names: str) -> None:
    """Open the picker with ctrl+f and add each file by type-ahead and Enter."""
    await pilot.press("ctrl+f")
    await wait_until(pilot, lambda: isinstance(app.screen, FilePicker))
    tree = app.screen.query_one(FileTree)
    for name in names:
        # Type once the entry is listed, as a person would.
        await wait_until(pilot, lambda n=name: n in visible_names(tree))
        await pilot.press(*name[:3])
        await wait_until(
            pilot, lambda n=name: tree.cursor_node is not None and tree.cursor_node.label.plain == n
        )
        await pilot.press("enter")
        await wait_until(pilot, lambda n=name: any(p.name == n for p in app.screen.chosen))
    await pilot.press("escape")
    await wait_until(pilot, lambda: not isinstance(app.screen, FilePicker))


def visible_names(tree: FileTree) -> list[str]:
    nodes = [tree.get_node_at_line(line) for line in range(tree.last_line + 1)]
    return [node.label.plain for node in nodes if node is not None]


def chip_names(app) -> list[str]:
    return [chip.path.name for chip in app.query(Chip)]


async def test_picker_by_keyboard_adds_several_files_as_chips(fake_app, fake, files):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await attach_with_picker(pilot, app, "notes.md", "apple.png")
        assert chip_names(app) == ["notes.md", "apple.png"]
        text = screen_text(app)
        assert "notes.md" in text and "apple.png" in text
        # A chip is removable with the keyboard.
        chips = list(app.query(Chip))
        chips[0].focus()
        await pilot.press("delete")
        await pilot.pause()
        assert chip_names(app) == ["apple.png"]


async def test_picker_shows_sizes_filters_images_and_hidden_files(fake_app, fake, files):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+f")
        await wait_until(pilot, lambda: isinstance(app.screen, FilePicker))
        tree = app.screen.query_one(FileTree)

        def names() -> list[str]:
            return visible_names(tree)

        await wait_until(pilot, lambda: "notes.md" in names())
        assert ".secret.txt" not in names()
        assert "notes.md" in names()
        text = screen_text(app)
        assert "notes.md  28 bytes" in text  # sizes shown
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: "notes.md" not in names())
        assert "apple.png" in names() and "sub" in names()
        await pilot.press("ctrl+t", "f2")
        await wait_until(pilot, lambda: ".secret.txt" in names())


async def test_path_input_completes_with_tab_and_enter_adds(fake_app, fake, files):
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+f")
        await wait_until(pilot, lambda: isinstance(app.screen, FilePicker))
        field = app.screen.query_one("#picker-path")
        field.focus()
        field.value = str(files) + os.sep + "no"
        field.cursor_position = len(field.value)
        await pilot.press("tab")
        assert field.value == str(files / "notes.md")
        await pilot.press("enter")
        await pilot.press("escape")
        await wait_until(pilot, lambda: chip_names(app) == ["notes.md"])


async def test_image_and_text_file_reach_openai_compatible_server(make_app, servers, files):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await attach_with_picker(pilot, app, "apple.png", "notes.md")
        await pilot.press(*"what is this")
        await pilot.press("enter")
        await wait_until(pilot, lambda: not app.chat.streaming and len(servers.requests) == 1)
        sent = servers.requests[0].body["messages"][-1]
        encoded = base64.b64encode(png_bytes()).decode()
        assert sent == {
            "role": "user",
            "content": [
                {
                    "type": "text",
                    "text": "notes.md:\n```\n# Notes\n[bold]not markup[/]\n```\n\nwhat is this",
                },
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{encoded}"}},
            ],
        }
        assert chip_names(app) == []  # sent with the message
        await pilot.pause()
        assert "📎" in screen_text(app) and "apple.png" in screen_text(app)
        path = ConversationStore(app.paths).path_for(app.conversation.id)
        saved = tomllib.loads(path.read_text(encoding="utf-8"))["messages"][0]
        assert [(a["path"], a["mime_type"], a["size"]) for a in saved["attachments"]] == [
            (str(files / "apple.png"), "image/png", len(png_bytes())),
            (str(files / "notes.md"), "text/markdown", 28),
        ]
        assert "iVBOR" not in repr(saved)  # the user's message records the file, not its bytes


async def test_image_reaches_g4f_backend_as_data_uri(make_app, servers, files):
    app = make_app(provider="backend", model="a-1")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.catalog.get("backend").state == "ready")
        app.chat.set_choice(ModelChoice("backend", "a-1", "Alpha"))  # Alpha has vision
        await attach_with_picker(pilot, app, "apple.png")
        await pilot.press(*"see")
        await pilot.press("enter")
        await wait_until(pilot, lambda: not app.chat.streaming and len(servers.requests) == 1)
        body = servers.requests[0].body
        encoded = base64.b64encode(png_bytes()).decode()
        assert body["media"] == [[f"data:image/png;base64,{encoded}", "apple.png"]]
        assert body["messages"][-1] == {"role": "user", "content": "see"}
        assert body["provider"] == "Alpha"


async def test_text_file_reaches_g4f_backend_inlined(make_app, servers, files):
    app = make_app(provider="backend", model="a-1")
    async with app.run_test(size=SIZE) as pilot:
        await attach_with_picker(pilot, app, "notes.md")
        await pilot.press(*"sum")
        await pilot.press("enter")
        await wait_until(pilot, lambda: not app.chat.streaming and len(servers.requests) == 1)
        body = servers.requests[0].body
        assert "media" not in body
        assert body["messages"][-1]["content"] == (
            "notes.md:\n```\n# Notes\n[bold]not markup[/]\n```\n\nsum"
        )


async def test_image_and_text_reach_dynaspark_as_form_fields(make_app, servers, files):
    app = make_app(provider="Dynaspark", model="gemini-2.0-flash-lite")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await attach_with_picker(pilot, app, "apple.png", "notes.md")
        await pilot.press(*"look")
        await pilot.press("enter")
        await wait_until(pilot, lambda: not app.chat.streaming and len(servers.requests) == 1)
        request = servers.requests[0]
        assert request.path == "/api/generate_response"
        assert request.body["ai_model"] == "gemini-2.0-flash-lite"
        assert request.body["user_input"] == (
            "notes.md:\n```\n# Notes\n[bold]not markup[/]\n```\n\nlook"
        )
        assert request.body["file"] == {
            "filename": "apple.png",
            "content_type": "image/png",
            "data": png_bytes(),
        }
        assert app.conversation.messages[-1].content == "Spark saw 3 fields."


async def test_model_without_vision_warns_before_sending_an_image(fake_app, fake, files):
    fake.lists_vision = True  # its list says which models see images: only `markup`
    fake.vision_models = ["markup"]
    app = fake_app("echo")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await attach_with_picker(pilot, app, "apple.png")
        await pilot.press(*"hm")
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert fake.requests == []
        note = " ".join(str(app.query_one("#prompt-note").render()).split())
        assert "not known to accept images" in note and "Enter again" in note
        assert app.chat.prompt.text == "hm" and chip_names(app) == ["apple.png"]
        await pilot.press("enter")  # the second Enter sends anyway
        await wait_until(pilot, lambda: len(fake.requests) == 1)


@pytest.mark.parametrize(
    "fault, expected",
    [
        ("vanished", "there is no such file"),
        ("too big image", "over the 50 bytes limit for images"),
        ("too big text", "over the 20 bytes limit for text files"),
        ("binary", "neither an image"),
        ("broken link", "link to a file that does not exist"),
        ("became a folder", "it is a folder"),
    ],
)
async def test_refused_attachment_sends_nothing_and_keeps_everything(
    fake_app, fake, files, fault, expected
):
    limits = {"too big image": (50, 20), "too big text": (50, 20)}.get(fault, (10**6, 10**6))
    app = fake_app(max_image=limits[0], max_text=limits[1])
    target = {
        "vanished": "notes.md",
        "too big image": "apple.png",
        "too big text": "notes.md",
        "binary": "blob.bin",
        "broken link": "link.txt",
        "became a folder": "notes.md",
    }[fault]
    if fault == "broken link":
        (files / "link.txt").symlink_to(files / "gone.txt")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await (await app.chat.chip_bar()).add_path(files / target)
        if fault == "vanished":
            (files / "notes.md").unlink()
        elif fault == "became a folder":
            (files / "notes.md").unlink()
            (files / "notes.md").mkdir()
        await pilot.press(*"keep me")
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert fake.requests == []
        assert app.conversation.messages == []
        assert app.chat.prompt.text == "keep me"
        assert chip_names(app) == [target]
        # The reason is shown in full above the prompt (a toast may be cut short).
        note = " ".join(str(app.query_one("#prompt-note").render()).split())
        assert expected in note
        assert "Nothing was sent" in note
        assert app.query_one("#prompt-note").region.height >= 2  # wrapped, not cut


async def test_retry_after_the_image_changed_says_so(fake_app, fake, files):
    app = fake_app()
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await attach_with_picker(pilot, app, "apple.png")
        await pilot.press(*"img")
        await pilot.press("enter")
        await wait_until(pilot, lambda: not app.chat.streaming and len(fake.requests) == 1)
        (files / "apple.png").write_bytes(png_bytes() + b"changed")
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: not app.chat.streaming and len(fake.requests) == 2)
        assert "apple.png changed since it was attached" in " ".join(screen_text(app).split())
        (files / "apple.png").unlink()
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: not app.chat.streaming and len(fake.requests) == 3)
        assert "apple.png is no longer available" in " ".join(screen_text(app).split())
        [(_, name)] = fake.requests[0].media
        assert name == "apple.png"
        # Retried without the changed image, then without the vanished one.
        assert fake.requests[1].media == fake.requests[2].media == []
        assert fake.requests[2].question == "img"


async def test_pasted_path_becomes_an_attachment(fake_app, fake, files):
    app = fake_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.chat.prompt.focus()
        from textual import events

        app.post_message(events.Paste(f"'{files / 'notes.md'}'"))  # as the terminal sends it
        await pilot.pause()
        assert app.chat.prompt.text == f"'{files / 'notes.md'}'"  # pasted once, as text
        assert "That looks like a file" in " ".join(screen_text(app).split())
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert chip_names(app) == ["notes.md"]
        assert app.chat.prompt.text == ""  # the path became the chip


async def test_a_follow_up_question_sends_the_earlier_image_again(fake_app, fake, files):
    app = fake_app()
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await attach_with_picker(pilot, app, "apple.png")
        await pilot.press(*"what is this")
        await pilot.press("enter")
        await wait_until(pilot, lambda: not app.chat.streaming and len(fake.requests) == 1)
        await pilot.press(*"and its colour?")
        await pilot.press("enter")
        await wait_until(pilot, lambda: not app.chat.streaming and len(fake.requests) == 2)
        first, _answer, follow_up = fake.requests[1].messages
        assert first["content"][0] == {"type": "text", "text": "what is this"}
        [image] = first["content"][1:]
        assert image["image_url"]["url"] == "data:image/png;base64," + base64.b64encode(
            png_bytes()
        ).decode("ascii")
        assert follow_up == {"role": "user", "content": "and its colour?"}
        # Gone from disk: said once, in the log, and the question goes without it.
        (files / "apple.png").unlink()
        await pilot.press(*"third")
        await pilot.press("enter")
        await wait_until(pilot, lambda: not app.chat.streaming and len(fake.requests) == 3)
        assert fake.requests[2].messages[0]["content"] == "what is this"
        said = "An image of an earlier message: apple.png is no longer available"
        await pilot.pause()
        assert log_text(app).count(said) == 1
        await pilot.press(*"fourth")
        await pilot.press("enter")
        await wait_until(pilot, lambda: not app.chat.streaming and len(fake.requests) == 4)
        await pilot.pause()
        assert log_text(app).count(said) == 1  # not again
