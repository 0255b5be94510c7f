#!/usr/bin/env python3
"""A small OpenAI-compatible chat server on loopback (standard library only).

Copied from the project's shared peer (peers/openai_upstream.py) so the CLI tests need
nothing outside the repository; added: a g4f-style model list (`/backend-api/v2/models`,
one backend-side provider "ProvX" with models m1 and m2), a model "ansi" whose
answer holds an escape sequence, and a model "drip" (a slow echo that ends).

It stands in for a model behind a real g4f server (see g4f-peer), or in front of any
OpenAI-compatible client. The model name picks the behaviour:

  echo        "Echo: <last user text>" in word chunks (the default)
  reasoner    two reasoning_content chunks, then the echo
  think       "<think>pondering</think>Answer." as content
  long-N      N chunks "w0 w1 w2 ..." as fast as the socket takes them
  slow        one word every 0.5 s for 60 s (for cancel tests)
  drip        "Drip: <last user text>", one word every 0.2 s (slow, but it ends; unlisted)
  cut         two chunks, then the connection drops without [DONE]
  e401        HTTP 401 {"error": {"message": "bad key"}}
  e500        HTTP 500 {"error": {"message": "upstream exploded"}}

Usage: openai_upstream.py PORT   (GET /v1/models, POST /v1/chat/completions)
Every request's JSON and Authorization header are appended to $UPSTREAM_LOG if set.
"""

import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# drip answers but is not listed: tests count the models listed.
MODELS = ["echo", "ansi", "reasoner", "think", "long-1000", "slow", "cut", "e401", "e500"]


def last_user_text(messages):
    text = ""
    for message in messages or []:
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            text = content
        elif isinstance(content, list):
            text = " ".join(
                p.get("text", "")
                for p in content
                if isinstance(p, dict) and p.get("type") == "text"
            )
    return text


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply_json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.rstrip("/").endswith("/backend-api/v2/models"):
            return self.reply_json(200, {"ProvX": ["m1", "m2"]})
        if self.path.rstrip("/").endswith("/backend-api/v2/providers"):
            return self.reply_json(200, [{"name": "ProvX", "label": "Prov X"}])
        if self.path.rstrip("/").endswith("/models"):
            self.reply_json(
                200,
                {
                    "object": "list",
                    "data": [{"id": m, "object": "model", "owned_by": "local"} for m in MODELS],
                },
            )
        else:
            self.reply_json(404, {"error": {"message": "not found"}})

    def do_POST(self):
        size = int(self.headers.get("Content-Length") or 0)
        try:
            request = json.loads(self.rfile.read(size) or b"{}")
        except ValueError:
            return self.reply_json(400, {"error": {"message": "invalid JSON"}})
        log = os.environ.get("UPSTREAM_LOG")
        if log:
            with open(log, "a") as f:
                f.write(
                    json.dumps(
                        {"request": request, "authorization": self.headers.get("Authorization")}
                    )
                    + "\n"
                )
        if not self.path.rstrip("/").endswith("/chat/completions"):
            return self.reply_json(404, {"error": {"message": "not found"}})
        model = request.get("model") or "echo"
        if model == "e401":
            return self.reply_json(401, {"error": {"message": "bad key"}})
        if model == "e500":
            return self.reply_json(500, {"error": {"message": "upstream exploded"}})
        text = last_user_text(request.get("messages"))
        reasoning, words = [], ["Echo:"] + [" " + word for word in text.split(" ")]
        if model == "reasoner":
            reasoning = ["Thinking", " about it"]
        elif model == "think":
            words = ["<think>", "pondering", "</think>", "Answer."]
        elif model.startswith("long-"):
            words = [f"w{i} " for i in range(int(model[5:]))]
        elif model == "ansi":
            words = ["plain ", "\x1b[31mred\x1b[0m", " \x07bell\r\n", "end"]
        elif model == "slow":
            words = [f"s{i} " for i in range(120)]
        elif model == "drip":
            words[0] = "Drip:"
        if not request.get("stream"):
            return self.reply_json(
                200,
                {
                    "id": "chatcmpl-local",
                    "object": "chat.completion",
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": "".join(words)},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {
                        "prompt_tokens": 5,
                        "completion_tokens": len(words),
                        "total_tokens": 5 + len(words),
                    },
                },
            )
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

        def chunk(delta=None, finish=None, usage=None):
            body = {
                "id": "chatcmpl-local",
                "object": "chat.completion.chunk",
                "model": model,
                "choices": []
                if usage
                else [{"index": 0, "delta": delta or {}, "finish_reason": finish}],
            }
            if usage:
                body["usage"] = usage
            self.wfile.write(b"data: " + json.dumps(body).encode() + b"\n\n")

        for token in reasoning:
            chunk({"reasoning_content": token})
        for i, word in enumerate(words):
            chunk({"content": word})
            if model in ("slow", "drip"):
                self.wfile.flush()
                time.sleep(0.5 if model == "slow" else 0.2)
            if model == "cut" and i == 1:
                self.wfile.flush()
                return
        chunk(finish="stop")
        chunk(
            usage={
                "prompt_tokens": 5,
                "completion_tokens": len(words),
                "total_tokens": 5 + len(words),
            }
        )
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.daemon_threads = True
    server.serve_forever()
