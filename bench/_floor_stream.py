"""The floor bench/bytes.py measures tui-chat against: a Textual app with the least in it
that shows the same streamed answer at the same paint rate.

    python _floor_stream.py URL MODEL [--rate 15]

A prompt (placeholder "Type a message"), Textual's `Log` (plain text, made for appending a
stream: no Markdown, no highlighting, no saving) and a footer with Quit. Enter posts the
prompt to the loopback backend as BackendApi does, reads its server-sent events with
aiohttp and `json.loads` (the least a client does), and appends what arrived to the log
`--rate` times a second; at the end it writes "<N> out tokens" from the usage event, the
text the harness waits for, as it does for tui-chat.
"""

from __future__ import annotations

import argparse
import json

import aiohttp
from textual import work
from textual.app import App, ComposeResult
from textual.widgets import Footer, Input, Log


class FloorApp(App[None]):
    BINDINGS = [("ctrl+q", "quit", "Quit")]
    AUTO_FOCUS = "Input"

    def __init__(self, url: str, model: str, rate: float) -> None:
        super().__init__()
        self.url, self.model, self.rate = url, model, rate
        self.pending: list[str] = []

    def compose(self) -> ComposeResult:
        yield Log()
        yield Input(placeholder="Type a message")
        yield Footer()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(Log).write_line(f"> {event.value}")
        event.input.value = ""
        self.set_interval(1 / self.rate, self.flush)
        self.ask(event.value)

    def flush(self) -> None:
        if self.pending:
            self.query_one(Log).write("".join(self.pending))
            self.pending.clear()

    @work(exclusive=True)
    async def ask(self, question: str) -> None:
        body = {"model": self.model, "messages": [{"role": "user", "content": question}]}
        tokens = 0
        url = f"{self.url}/backend-api/v2/conversation"
        async with aiohttp.ClientSession() as session, session.post(url, json=body) as r:
            async for line in r.content:
                if not line.startswith(b"data: "):
                    continue
                event = json.loads(line[6:])
                if event.get("type") == "content":
                    self.pending.append(event["content"])
                elif event.get("type") == "usage":
                    tokens = event["usage"]["completion_tokens"]
        self.flush()
        self.query_one(Log).write(f"\n{tokens} out tokens\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("model")
    parser.add_argument("--rate", type=float, default=15.0)
    args = parser.parse_args()
    FloorApp(args.url, args.model, args.rate).run()


if __name__ == "__main__":
    main()
