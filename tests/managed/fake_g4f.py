"""A stand-in for the `g4f` command in the managed-server tests that need no real g4f.

`python fake_g4f.py MODE gui --host H --port P --ignore-cookie-files` (tests make a small
executable that runs it with MODE baked in, since the watchdog passes g4f no variables of
the caller's). It writes its argv and environment to $G4F_CACHE_DIR/fake-g4f.json, then:

  serve        serves a g4f-style API at once: /backend-api/v2/models and /providers
               ({"Fake": ["echo"]}), POST /backend-api/v2/conversation streams
               "Echo: <last user text>" as content events, then finish
  slow:N       the same, after N seconds
  fail         writes a Python-like error to stderr and exits with status 1
  clash-once   the first time fails as a port already in use would, then serves
"""

from __future__ import annotations

import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt: str, *args: object) -> None:
        sys.stderr.write("fake g4f: " + fmt % args + "\n")

    def reply(self, body: object, status: int = 200) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path.startswith("/backend-api/v2/models"):
            self.reply({"Fake": ["echo"]})
        elif self.path.startswith("/backend-api/v2/providers"):
            self.reply([{"name": "Fake", "label": "Fake", "vision": False}])
        else:
            self.reply({"error": {"message": "not found"}}, 404)

    def do_POST(self) -> None:
        size = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(size) or b"{}")
        text = ""
        for message in request.get("messages") or []:
            if message.get("role") == "user" and isinstance(message.get("content"), str):
                text = message["content"]
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        events = [
            {"type": "provider", "provider": {"name": "Fake", "model": "echo"}},
            *({"type": "content", "content": word} for word in ["Echo:", f" {text}"]),
            {"type": "finish", "finish": {"reason": "stop"}},
        ]
        for event in events:
            self.wfile.write(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode())
            self.wfile.flush()
        self.close_connection = True


def main(mode: str, argv: list[str]) -> int:
    cache = Path(os.environ.get("G4F_CACHE_DIR", "."))
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "fake-g4f.json").write_text(
        json.dumps({"argv": argv, "env": dict(os.environ), "cwd": os.getcwd()})
    )
    port = int(argv[argv.index("--port") + 1])
    if mode == "fail":
        sys.stderr.write("Traceback (most recent call last):\n  ...\n")
        sys.stderr.write("ModuleNotFoundError: No module named 'flask'\n")
        return 1
    if mode == "clash-once":
        marker = cache / "clashed"
        if not marker.exists():
            marker.write_text("1")
            sys.stderr.write("OSError: [Errno 98] Address already in use\n")
            return 1
    if mode.startswith("slow:"):
        time.sleep(float(mode.split(":", 1)[1]))
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    sys.stderr.write(f"fake g4f serving on {port}\n")
    sys.stderr.flush()
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
