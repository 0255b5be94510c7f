"""Loopback servers for the UI tests: an OpenAI-compatible one and a g4f backend.

They speak the real wire formats (server-sent events) and record every request, so a
test can assert both what the user sees and what the server received.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

MARKUP_ANSWER = (
    "Look: [bold]not bold[/] and [/] and [link=file:///etc/passwd]x[/link] "
    "\x1b[31mred\x1b[0m \x1b]52;c;SGVsbG8=\x07 \x1b]0;title\x07 end."
)


@dataclass
class Recorded:
    path: str
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class LoopbackServers:
    openai_url: str = ""
    backend_url: str = ""
    dynaspark_url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    runner: web.AppRunner | None = None

    def models_asked(self) -> list[str]:
        return [r.body.get("model", "") for r in self.requests if r.body]


OPENAI_MODELS = [
    "echo",
    "gated",
    "markup",
    "long",
    "long-1000",
    "long-1000-gated",
    "fail",
    "[/]odd [bold]name",
]


def _last_user(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else json.dumps(content)
    return ""


async def start_servers() -> LoopbackServers:
    servers = LoopbackServers()

    async def models(request: web.Request) -> web.Response:
        return web.json_response({"data": [{"id": m} for m in OPENAI_MODELS]})

    async def completions(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        servers.requests.append(Recorded(request.path, body, dict(request.headers)))
        model = body.get("model")
        if model == "fail":
            return web.json_response({"error": {"message": "the model melted"}}, status=500)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)

        async def chunk(text: str) -> None:
            data = {"choices": [{"index": 0, "delta": {"content": text}}]}
            await response.write(b"data: " + json.dumps(data).encode() + b"\n\n")

        if model == "gated":
            await chunk("Partial one. ")
            await chunk("Partial two. ")
            await servers.gate.wait()
            await chunk("Rest.")
        elif model == "markup":
            await chunk(MARKUP_ANSWER)
        elif model.startswith("long-"):
            # As the peer server's `long-N`: one paragraph of N words, "w0 w1 w2 ...";
            # `long-N-gated` waits for the gate after nine tenths of them.
            count = int(model.split("-")[1])
            for i in range(count):
                if model.endswith("-gated") and i == count * 9 // 10:
                    await servers.gate.wait()
                await chunk(f"w{i} ")
        elif model == "long":
            for i in range(120):
                await chunk(f"Line {i} of a long answer.\n\n")
                await asyncio.sleep(0.005)
            await servers.gate.wait()
            await chunk("The end.")
        else:
            words = ("Echo: " + _last_user(body.get("messages", []))).split(" ")
            for i, word in enumerate(words):
                await chunk(word if i == 0 else " " + word)
        finish = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        await response.write(b"data: " + json.dumps(finish).encode() + b"\n\n")
        usage = {
            "choices": [],
            "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10},
        }
        await response.write(b"data: " + json.dumps(usage).encode() + b"\n\ndata: [DONE]\n\n")
        return response

    async def backend_models(request: web.Request) -> web.Response:
        return web.json_response({"Alpha": ["a-1", "a-2"], "Beta": ["b-1"], "Empty": []})

    async def backend_providers(request: web.Request) -> web.Response:
        return web.json_response(
            [
                {"name": "Alpha", "label": "Alpha AI", "vision": True},
                {"name": "Beta", "label": "Beta [bold]Labs", "vision": False},
            ]
        )

    async def conversation(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        servers.requests.append(Recorded(request.path, body, dict(request.headers)))
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        events = [
            {
                "type": "provider",
                "provider": {"name": body.get("provider", ""), "model": body.get("model", "")},
            },
            {"type": "reasoning", "token": "Let me think."},
            {"type": "content", "content": "Backend says: "},
            {"type": "content", "content": _last_user(body.get("messages", []))},
            {"type": "title", "title": "A title from the backend"},
            {"type": "finish", "finish": {"reason": "stop"}},
            {
                "type": "usage",
                "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7},
            },
        ]
        for event in events:
            line = f"event: {event['type']}\ndata: {json.dumps(event)}\n\n"
            await response.write(line.encode())
        return response

    async def dynaspark(request: web.Request) -> web.Response:
        fields: dict[str, Any] = {}
        form = await request.post()
        for name, value in form.items():
            if hasattr(value, "file"):
                fields[name] = {
                    "filename": value.filename,
                    "content_type": value.content_type,
                    "data": value.file.read(),
                }
            else:
                fields[name] = value
        servers.requests.append(Recorded(request.path, fields, dict(request.headers)))
        return web.json_response({"response": f"Spark saw {len(fields)} fields."})

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_post("/api/generate_response", dynaspark)
    app.router.add_get("/v1/models", models)
    app.router.add_post("/v1/chat/completions", completions)
    app.router.add_get("/backend-api/v2/models", backend_models)
    app.router.add_get("/backend-api/v2/providers", backend_providers)
    app.router.add_post("/backend-api/v2/conversation", conversation)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    servers.openai_url = f"http://127.0.0.1:{port}/v1"
    servers.backend_url = f"http://127.0.0.1:{port}"
    servers.dynaspark_url = f"http://127.0.0.1:{port}/api/generate_response"
    servers.runner = runner
    return servers
