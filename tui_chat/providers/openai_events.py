"""What the chunks of an OpenAI-compatible stream mean (providers/openai_compat.py):
answer text, reasoning (`reasoning_content`, `<think>` spans), a finish reason, token
counts. Imported with the first answer, not at start-up."""

from __future__ import annotations

import json

from . import http
from .errors import UpstreamError
from .events import Event, FinishReason, Notice, Reasoning, Usage
from .masking import Secrets, mask


def parse_chunk(data: str, splitter: ThinkSplitter, secrets: Secrets = ()) -> list[str | Event]:
    """What one chunk means. Texts quoted from the line are masked before being shortened
    (a key cut in two would no longer be found); the caller masks the events."""
    try:
        chunk = json.loads(data)
    except ValueError:
        return [Notice(f"Skipped a line that is not JSON: {mask(data, secrets)[:60]!r}")]
    if not isinstance(chunk, dict):
        shown = mask(data, secrets)[:60]
        return [Notice(f"Skipped a line that is not a JSON object: {shown!r}")]
    if "error" in chunk and not chunk.get("choices"):
        # Some servers report a failure mid-stream as a chunk with an "error" member.
        message = http.server_message(data.encode(), secrets=secrets) or "unknown error"
        raise UpstreamError(message)
    out: list[str | Event] = []
    choices = chunk.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        choice = choices[0]
        delta = choice.get("delta") or choice.get("message") or {}
        if isinstance(delta, dict):
            reasoning = delta.get("reasoning_content") or delta.get("reasoning")
            if isinstance(reasoning, str) and reasoning:
                out.append(Reasoning(token=reasoning))
            content = delta.get("content")
            if isinstance(content, str) and content:
                out.extend(splitter.feed(content))
        reason = choice.get("finish_reason")
        if isinstance(reason, str) and reason:
            out.extend(splitter.flush())
            out.append(FinishReason(reason))
    usage = chunk.get("usage")
    if isinstance(usage, dict):
        out.append(Usage.from_counts(usage, str(chunk.get("model") or "")))
    return out


class ThinkSplitter:
    """Moves `<think>...</think>` spans in content into reasoning events.

    Tags may be split across chunks ("<thi" + "nk>"), so a possible tag prefix at the end
    of a chunk is held back until the next chunk decides it.
    """

    OPEN, CLOSE = "<think>", "</think>"

    def __init__(self) -> None:
        self.thinking = False
        self.pending = ""

    def feed(self, text: str) -> list[str | Event]:
        out: list[str | Event] = []
        text = self.pending + text
        self.pending = ""
        while text:
            tag = self.CLOSE if self.thinking else self.OPEN
            index = text.find(tag)
            if index >= 0:
                self._emit(out, text[:index])
                text = text[index + len(tag) :]
                self.thinking = not self.thinking
                continue
            keep = _partial_suffix(text, tag)
            self._emit(out, text[: len(text) - keep])
            self.pending = text[len(text) - keep :]
            break
        return out

    def flush(self) -> list[str | Event]:
        out: list[str | Event] = []
        self._emit(out, self.pending)
        self.pending = ""
        return out

    def _emit(self, out: list[str | Event], text: str) -> None:
        if text:
            out.append(Reasoning(token=text) if self.thinking else text)


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest end of `text` that is a start of `tag`."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0
