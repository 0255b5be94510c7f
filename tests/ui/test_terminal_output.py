"""What reaches the terminal: the same cells with fewer bytes (tui_chat/ui/terminal_output.py).

Checked with a small terminal of the test's own (below): it draws what it is sent into a
grid of cells, and the grid drawn from the rewritten output must equal the one drawn from
Textual's own output, write by write, also for the frames of a real streaming answer."""

from __future__ import annotations

import re

import pytest
from rich.cells import cell_len

from tui_chat.ui.driver import UNREAD_WRITES, compressing
from tui_chat.ui.terminal_output import ScreenWriter

from .conftest import wait_until

_OFF = {"22": "12", "23": "3", "24": "4,21", "25": "5,6", "27": "7", "28": "8", "29": "9"}
_OFF |= {"54": "51,52", "55": "53"}
#: What shows on a blank cell besides its background.
_ON_BLANK = {"4", "21", "7", "8", "9", "51", "52", "53"}
_SEQUENCE = re.compile(r"\x1b\[([0-9;:?]*)([A-Za-z])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|(.)", re.S)


class Terminal:
    """Cells of (character, what shows of its style); the cursor; the current style."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.cells = [[(" ", ())] * width for _ in range(height)]
        self.x = self.y = 0
        self.attrs: set[str] = set()
        self.fg = self.bg = "default"

    def feed(self, data: str) -> None:
        for match in _SEQUENCE.finditer(data):
            params, final, char = match.group(1), match.group(2), match.group(3)
            if final == "m":
                self._sgr(params)
            elif final == "H":
                row, _, column = (params or "1;1").partition(";")
                self.y, self.x = int(row or 1) - 1, int(column or 1) - 1
            elif final is not None and final in "CD":
                self.x += int(params or 1) * (1 if final == "C" else -1)
            elif char == "\r":
                self.x = 0
            elif char == "\n":
                self.y += 1
            elif char is not None and char >= " ":
                self._put(char)

    def _put(self, char: str) -> None:
        reverse = "7" in self.attrs
        if char == " " and not reverse:
            shown: tuple = (self.bg, tuple(sorted(self.attrs & _ON_BLANK)))
        else:
            shown = (self.fg, self.bg, tuple(sorted(self.attrs)))
        if 0 <= self.y < self.height and 0 <= self.x < self.width:
            self.cells[self.y][self.x] = (char, shown)
        self.x += cell_len(char)

    def _sgr(self, params: str) -> None:
        codes = params.split(";") if params else ["0"]
        while codes:
            code = codes.pop(0)
            if code in ("", "0"):
                self.attrs, self.fg, self.bg = set(), "default", "default"
            elif code == "22":
                self.attrs -= {"1", "2"}
            elif code in _OFF:
                self.attrs -= set(_OFF[code].split(","))
            elif ":" in code:
                self.attrs.add(code)  # a curly underline, say
            elif code in ("38", "48", "58"):
                count = 2 if codes[0] == "5" else 4
                color = ";".join(codes[:count])
                del codes[:count]
                if code == "38":
                    self.fg = color
                elif code == "48":
                    self.bg = color
                else:
                    self.attrs.add(f"underline {color}")
            elif code in ("39", "49"):
                if code == "39":
                    self.fg = "default"
                else:
                    self.bg = "default"
            elif 30 <= int(code) <= 37 or 90 <= int(code) <= 97:
                self.fg = code
            elif 40 <= int(code) <= 47 or 100 <= int(code) <= 107:
                self.bg = code
            else:
                self.attrs.add(code)


def drawn(width: int, height: int, *writes: str) -> tuple[list, Terminal]:
    terminal = Terminal(width, height)
    for data in writes:
        terminal.feed(data)
    return terminal.cells, terminal


@pytest.mark.parametrize(
    "writes",
    [
        ["\x1b[1;1H\x1b[1;38;2;1;2;3;48;2;9;9;9mab\x1b[0m\x1b[38;2;1;2;3;48;2;9;9;9m c\x1b[0m"],
        ["\x1b[1;1H\x1b[7;31mrev\x1b[0m\x1b[31m   \x1b[0m\x1b[4m  \x1b[0m  x"],
        ["\x1b[2;3H\x1b[1mbold\x1b[0m\r\n\x1b[3;1H\x1b[2mdim\x1b[0m\x1b[9mstrike\x1b[0m"],
        ["\x1b[1;1H\x1b[38;5;200;48;5;17mcolour\x1b[0m", "\x1b[41m  \x1b[0m\x1b[100mX\x1b[0m"],
        [
            "\x1b[1;1H\x1b[1;4mA\x1b[0m\x1b[4mB\x1b[0m\x1b[1mC\x1b[0m\x1b[21;53mD\x1b[0m\x1b[51mE\x1b[0m"
        ],
        ["\x1b[2;2H\x1b[34mblue\x1b[0mplain \x1b[1mbold\x1b[0m", "\x1b[5;1Hnext write"],
    ],
)
def test_the_terminal_shows_the_same_cells(writes: list[str]) -> None:
    compressor = ScreenWriter()
    ours = [compressor.compress(data) for data in writes]
    assert drawn(20, 6, *ours)[0] == drawn(20, 6, *writes)[0]
    last = drawn(20, 6, *ours)[1]
    assert (last.attrs, last.fg, last.bg) == (set(), "default", "default")  # left as found


def test_codes_it_does_not_know_pass_as_they_are() -> None:
    """A curly underline (`4:3`) or an underline colour (58) is not read: sent as it came,
    after the style it was written over, and the next style is sent whole."""
    compressor = ScreenWriter()
    given = "\x1b[1;1H\x1b[31mred\x1b[0m\x1b[58;5;2mX\x1b[0m\x1b[4:3mY\x1b[0m\x1b[31mZ"
    out = compressor.compress(given)
    assert "\x1b[58;5;2m" in out and "\x1b[4:3m" in out
    assert drawn(10, 1, out)[0] == drawn(10, 1, given)[0]


def test_a_frame_loses_its_repeated_colours() -> None:
    style = "\x1b[38;2;220;223;228;48;2;24;27;32m"
    words = ["the", "parser", "reads", "each", "line", "once"]
    row = "\x1b[1;1H" + "".join(f"{style}{word}\x1b[0m{style} \x1b[0m" for word in words)
    out = ScreenWriter().compress(row)
    assert len(out) < len(row) / 3, out
    assert drawn(80, 1, out)[0] == drawn(80, 1, row)[0]


async def test_a_sessions_frames_draw_the_same_screen(fake_app, fake):
    """The frames Textual makes for a session (a whole first frame, an answer streaming,
    dialogs opened and closed, the sidebar hidden, a new terminal size), sent through the
    writer: after each write the terminal shows what it shows without it, for a fraction
    of the bytes."""
    app = fake_app("long")
    sizes = [(100, 30)]
    async with app.run_test(size=sizes[0]) as pilot:
        writes: list[tuple[tuple[int, int], str]] = []
        original = app._display

        def display(screen, update) -> None:
            original(screen, update)
            if update is not None:
                writes.append((sizes[-1], update.render_segments(app.console)))

        app._display = display
        app.screen.refresh()  # a whole frame first
        await pilot.pause(0.05)
        await pilot.press(*"long please", "enter")
        log = app.chat.log_view
        answer = lambda: log.view_for(app.conversation.messages[-1])  # noqa: E731
        await wait_until(pilot, lambda: "Line 119" in answer().shown_text())
        fake.gate.set()
        await wait_until(pilot, lambda: not app.chat.streaming)
        streamed = len(writes)
        for keys in (["f1"], ["escape"], ["ctrl+o", "e", "c"], ["escape"], ["ctrl+b"]):
            await pilot.press(*keys)
            await pilot.pause(0.2)
        sizes.append((90, 26))
        await pilot.resize_terminal(*sizes[-1])
        await pilot.pause(0.3)
        await pilot.press("ctrl+b", *"more")
        await pilot.pause(0.2)
    assert streamed > 10 and len(writes) > streamed + 5
    writer = ScreenWriter(lambda: now[0])
    now = [sizes[0]]
    plain, ours = Terminal(*sizes[0]), Terminal(*sizes[0])
    sent = 0
    for index, (size, data) in enumerate(writes):
        if size != now[0]:  # a terminal of the new size (what it shows: unknown, blank)
            now[0] = size
            plain, ours = Terminal(*size), Terminal(*size)
        compressed = writer.compress(data)
        sent += len(compressed.encode())
        plain.feed(data)
        ours.feed(compressed)
        wrong = [
            (y, x, plain.cells[y][x], ours.cells[y][x])
            for y in range(size[1])
            for x in range(size[0])
            if plain.cells[y][x] != ours.cells[y][x]
        ]
        assert not wrong, (index, wrong[:5], repr(data[:300]), repr(compressed[:300]))
    assert sent < 0.5 * sum(len(data.encode()) for _, data in writes)
    assert any("more" in "".join(char for char, _ in row) for row in ours.cells)


def test_the_driver_writes_through_the_compressor() -> None:
    written: list[str] = []

    class Driver:
        def __init__(self, *args: object) -> None:
            pass

        def write(self, data: str) -> None:
            written.append(data)

    driver = compressing(Driver)()
    driver.read_what_was_written()  # (nothing written yet: rewritten from the first)
    driver.write("\x1b[1;1H\x1b[31mA\x1b[0m\x1b[31mB\x1b[0m")
    driver.write("\x1b[1;1H\x1b[31mA\x1b[0m\x1b[31mC\x1b[0m")
    assert written == ["\x1b[1;1H\x1b[31mAB\x1b[0m", "\x1b[D\x1b[31mC\x1b[0m"]


def test_the_first_frames_go_out_as_made_and_are_read_after() -> None:
    """Until the app says its first frames are out, writes go out as Textual made them
    (rewriting the first frame delayed it); read then, they leave out of the next write
    what they drew."""
    written: list[str] = []

    class Driver:
        def __init__(self, *args: object) -> None:
            pass

        def write(self, data: str) -> None:
            written.append(data)

    first = "\x1b[2;1H\x1b[31mthe parser\x1b[0m\x1b[31m reads\x1b[0m"
    second = "\x1b[2;1H\x1b[31mthe parser\x1b[0m\x1b[31m reads each\x1b[0m"
    driver = compressing(Driver)()
    driver.write(first)
    assert written == [first]
    driver.read_what_was_written()
    driver.write(second)
    assert "the parser" not in written[1] and " each" in written[1]
    assert drawn(40, 3, *written)[0] == drawn(40, 3, first, second)[0]
    # Never read: after UNREAD_WRITES writes the driver reads them itself.
    written.clear()
    driver = compressing(Driver)()
    for _ in range(UNREAD_WRITES + 1):
        driver.write(first)
    assert written[:-1] == [first] * UNREAD_WRITES and written[-1] == ""


def test_cells_written_as_they_are_are_left_out() -> None:
    """A row sent again with one word more: only the new word goes out. Sent again as it
    is: only the cursor's place. What it cannot know the terminal still shows (a new
    size, a clear) makes it write everything again."""
    sizes = [(40, 3)]
    writer = ScreenWriter(lambda: sizes[-1])
    style = "\x1b[38;2;220;223;228;48;2;24;27;32m"
    first = f"\x1b[2;5H{style}the parser reads\x1b[0m{style}          \x1b[0m\x1b[3;1H"
    second = f"\x1b[2;5H{style}the parser reads each\x1b[0m{style}     \x1b[0m\x1b[3;1H"
    out = [writer.compress(first), writer.compress(second), writer.compress(second)]
    assert drawn(40, 3, *out)[0] == drawn(40, 3, first, second, second)[0]
    assert "the parser" not in out[1] and "each" in out[1]
    assert out[2] == ""  # nothing changed, the cursor is where it was left
    sizes.append((50, 3))
    assert "the parser reads each" in writer.compress(second)  # a new size: all again
    assert "the parser reads each" not in writer.compress(second)
    assert "the parser reads each" in writer.compress("\x1b[2J" + second)  # a clear


def test_wide_characters_are_written_whole() -> None:
    writer = ScreenWriter()
    first = "\x1b[1;1H\x1b[31mab日本cd\x1b[0m"
    second = "\x1b[1;1H\x1b[31mab日x cd\x1b[0m"
    third = "\x1b[1;1H\x1b[31mab日本cd\x1b[0m"
    out = [writer.compress(first), writer.compress(second), writer.compress(third)]
    assert drawn(10, 1, *out)[0] == drawn(10, 1, first, second, third)[0]
    assert out[2].count("本") == 1 and "日" not in out[2]
