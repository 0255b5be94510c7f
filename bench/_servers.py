"""A loopback g4f-style backend for the benchmarks, run in its own process.

    python bench/_servers.py            # prints "PORT <n>" then serves until killed

It speaks the BackendApi wire format: `POST /backend-api/v2/conversation` answers with
server-sent events (`event: content\\ndata: {"type":"content",...}\\n\\n`), and
`GET /backend-api/v2/models` / `providers` answer at once. The model name chooses the
answer: `md:N` streams the N-chunk Markdown answer of `answer_chunks(N)` as fast as the
socket takes it; `md:N:R` paces it at R chunks per second; `para:N` (and `para:N:R`) is
one paragraph of N words instead, `w0 w1 w2 ...` (the answer that showed seams in long
paragraphs); `doc:N[:R]` is the same kind of Markdown as `md` in N chunks of ~21 bytes
each, as a language model's tokens come in bursts (`doc:1000:50`, 21 KB in 20 s, is
bench/bytes.py's answer).

The server runs in a separate process (`start_server()`), so what the benchmark process
measures is the client's work only, not the server's.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import subprocess
import sys
import time
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiohttp import web

HOST = "127.0.0.1"

_TEXT = (
    "the stream parser reads each line once and keeps the cost linear in the size of "
    "an answer so a long reply never slows down as it grows while the screen repaints "
    "only the open block at the end which is cheap because finished blocks stay as they "
    "are with their layout cached between frames"
)
_WORDS = _TEXT.split()
_CODE = [
    "def handle(event):",
    "    if event.kind == 'content':",
    "        parts.append(event.text)",
    "    return len(parts)  # chunks so far",
    "for line in response.splitlines():",
    "    total += parse(line)",
    "print(f'{total} chunks')",
]
_TOKEN = re.compile(r"\S+\s*|\s+")


def _document(rng: random.Random, tokens_wanted: int) -> str:
    """Markdown with paragraphs, lists and code fences, one blank line between blocks."""
    blocks: list[str] = []
    count = 0
    section = 0
    while count < tokens_wanted:
        kind = section % 6
        if kind == 0:
            block = f"## Part {section // 6 + 1}: {' '.join(rng.sample(_WORDS, 3))}"
        elif kind in (1, 4):
            sentences = []
            for _ in range(rng.randint(2, 4)):
                words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 16))]
                words[rng.randrange(len(words))] = f"**{rng.choice(_WORDS)}**"
                words[rng.randrange(len(words))] = f"`{rng.choice(_WORDS)}()`"
                sentences.append(" ".join(words).capitalize() + ".")
            block = " ".join(sentences)
        elif kind == 2:
            items = [
                f"- {' '.join(rng.choice(_WORDS) for _ in range(rng.randint(4, 9)))}"
                for _ in range(rng.randint(3, 6))
            ]
            block = "\n".join(items)
        elif kind == 3:
            lines = [rng.choice(_CODE) for _ in range(rng.randint(4, 9))]
            block = "```python\n" + "\n".join(lines) + "\n```"
        else:
            items = [
                f"{i}. {' '.join(rng.choice(_WORDS) for _ in range(rng.randint(4, 9)))}"
                for i in range(1, rng.randint(3, 6) + 1)
            ]
            block = "\n".join(items)
        blocks.append(block)
        count += len(_TOKEN.findall(block)) + 1
        section += 1
    return "\n\n".join(blocks) + "\n"


@lru_cache(maxsize=8)
def answer_chunks(n: int, seed: int = 7) -> tuple[str, ...]:
    """The answer as exactly `n` chunks (a word and its trailing space or newlines)."""
    wanted = n + 50
    while True:
        tokens = _TOKEN.findall(_document(random.Random(seed), wanted))
        if len(tokens) >= n:
            return tuple(tokens[:n])
        wanted += n // 4 + 50


#: Bytes per chunk of the `doc` answers (the issue's answer: 21,400 bytes in 1,000 chunks).
DOC_CHUNK = 21.4


@lru_cache(maxsize=8)
def doc_chunks(n: int) -> tuple[str, ...]:
    """`answer_chunks`' Markdown regrouped into `n` chunks of about `DOC_CHUNK` bytes (whole
    words and their trailing space or newlines)."""
    words = answer_chunks(int(n * DOC_CHUNK / 4) + 50)
    chunks: list[str] = []
    current = ""
    size = 0
    for word in words:
        current += word
        size += len(word.encode())
        if size >= (len(chunks) + 1) * DOC_CHUNK:
            chunks.append(current)
            current = ""
            if len(chunks) == n:
                break
    if len(chunks) < n:
        raise ValueError(f"not enough text for {n} chunks")
    return tuple(chunks)


def chunks_of(kind: str, n: int) -> tuple[str, ...]:
    """The answer of a model kind: `md` (answer_chunks), `doc` (doc_chunks) or `para`
    (one paragraph)."""
    if kind == "para":
        return tuple(f"w{i} " for i in range(n))
    if kind == "doc":
        return doc_chunks(n)
    return answer_chunks(n)


def answer_text(n: int, kind: str = "md") -> str:
    return "".join(chunks_of(kind, n))


@lru_cache(maxsize=8)
def _events(n: int, kind: str = "md") -> tuple[bytes, ...]:
    out = []
    for chunk in chunks_of(kind, n):
        data = json.dumps({"type": "content", "content": chunk})
        out.append(f"event: content\ndata: {data}\n\n".encode())
    return tuple(out)


_FINISH = (
    b'event: finish\ndata: {"type": "finish", "finish": {"reason": "stop"}}\n\n'
    b'event: usage\ndata: {"type": "usage", "usage": {"prompt_tokens": 12, '
    b'"completion_tokens": 900, "total_tokens": 912}}\n\n'
)


def parse_model(model: str) -> tuple[int, float, str]:
    """`md:N[:R]`, `doc:N[:R]` or `para:N[:R]` -> (chunks, chunks per second; 0 means as
    fast as possible, kind)."""
    parts = model.split(":")
    if len(parts) < 2 or parts[0] not in ("md", "doc", "para"):
        return 20, 0.0, "md"
    return int(parts[1]), float(parts[2]) if len(parts) > 2 else 0.0, parts[0]


async def _stream(
    response: web.StreamResponse, events: tuple[bytes, ...], n: int, rate: float
) -> None:
    if rate <= 0:
        for event in events:
            await response.write(event)
    else:
        start = time.perf_counter()
        sent = 0
        while sent < n:
            due = min(n, int((time.perf_counter() - start) * rate) + 1)
            while sent < due:
                await response.write(events[sent])
                sent += 1
            await asyncio.sleep(0.001)
    await response.write(_FINISH)
    await response.write_eof()


async def serve() -> None:
    from aiohttp import web

    async def conversation(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        n, rate, kind = parse_model(str(body.get("model", "")))
        events = _events(n, kind)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        try:
            await _stream(response, events, n, rate)
        except ConnectionResetError:  # aiohttp's ClientConnectionResetError is one
            pass  # the app stopped reading (a benchmark ended its answer early): fine
        return response

    async def models(request: web.Request) -> web.Response:
        return web.json_response({"P": ["m"]})

    async def providers(request: web.Request) -> web.Response:
        return web.json_response([])

    app = web.Application()
    app.router.add_post("/backend-api/v2/conversation", conversation)
    app.router.add_get("/backend-api/v2/models", models)
    app.router.add_get("/backend-api/v2/providers", providers)
    app.router.add_get("/", providers)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, HOST, 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    for n in (1000, 10_000):
        _events(n)  # encode the usual answers before saying we are ready
    print(f"PORT {port}", flush=True)
    await asyncio.Event().wait()


class ServerProcess:
    """The backend in a child process: `url` to use, `stop()` when done."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"the bench server did not start: {line!r}")
        self.url = f"http://{HOST}:{int(line.split()[1])}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_server() -> ServerProcess:
    return ServerProcess()


if __name__ == "__main__":
    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
