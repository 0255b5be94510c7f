"""An answer's text on disk as it arrives: an append-only journal beside the conversation.

Saving the whole conversation file for every few words would rewrite it hundreds of times
per answer. Instead the words are appended to `<id>.journal` as they are shown (one small
write per frame) and the file is fsynced at most every `SYNC_EVERY` seconds; the
conversation file is written when the answer ends, and the journal is removed. If the
process dies first (kill -9, a power cut), the next one to open or list the conversation
folds the journal into the file: the answer is there, marked stopped, to continue.

The writer holds an exclusive `flock` on its journal for as long as it writes, so another
tui-chat sharing the folder never folds a journal that is still being written.

Format: JSON lines. The first holds the answer's message (id, role, provider, model,
created) and the text it started from (a continued answer has some); each later line is
`{"t": "..."}` (more answer text) or `{"r": "..."}` (more reasoning). A line torn by the
crash is ignored: at most that much is lost.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from datetime import datetime
from pathlib import Path

from tui_chat.record import record
from tui_chat.store.conversations import Conversation, Message, all_messages

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock, folding is left to load()
    fcntl = None  # type: ignore[assignment]

SUFFIX = ".journal"
#: Between the conversation's id and the slot of an answer streaming beside another.
SLOT = "~"
#: A power cut loses at most this many seconds of an answer (kill -9 loses nothing written).
SYNC_EVERY = 0.5


class AnswerJournal:
    """Appends one answer's text to disk as it grows (see the module docstring)."""

    def __init__(self, path: Path, message: Message) -> None:
        self.path = path
        self._text = len(message.content)
        self._reasoning = len(message.reasoning)
        self._synced = time.monotonic()
        self._dirty = False
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
        self._fd = os.open(path, flags, 0o600)
        try:
            if fcntl is not None:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            head = {
                "id": message.id,
                "role": message.role,
                "provider": message.provider,
                "model": message.model,
                "created": message.created.isoformat(),
                "text": message.content,
                "reasoning": message.reasoning,
            }
            self._append(json.dumps(head, ensure_ascii=False) + "\n")
            self.sync()
        except BaseException:
            os.close(self._fd)
            raise

    @classmethod
    def start(cls, folder: Path, conversation_id: str, message: Message) -> AnswerJournal | None:
        """A journal for this answer, or None when it cannot be written (a read-only or
        full disk): the answer is still saved when it ends, as it always was."""
        try:
            folder.mkdir(parents=True, exist_ok=True)
            return cls(folder / f"{conversation_id}{SUFFIX}", message)
        except OSError:
            return None

    def write(self, text: str, reasoning: str) -> None:
        """Append what `text` and `reasoning` (the whole answer so far) add to what is on
        disk; fsync when the last one is `SYNC_EVERY` seconds old."""
        lines = []
        if len(reasoning) > self._reasoning:
            lines.append(json.dumps({"r": reasoning[self._reasoning :]}, ensure_ascii=False))
            self._reasoning = len(reasoning)
        if len(text) > self._text:
            lines.append(json.dumps({"t": text[self._text :]}, ensure_ascii=False))
            self._text = len(text)
        if lines:
            self._append("\n".join(lines) + "\n")
            self._dirty = True
        if self._dirty and time.monotonic() - self._synced >= SYNC_EVERY:
            self.sync()

    def sync(self) -> None:
        """Make what was written survive a power cut."""
        with contextlib.suppress(OSError):
            os.fsync(self._fd)
        self._synced = time.monotonic()
        self._dirty = False

    def close(self) -> None:
        """The answer is in the conversation file: the journal goes."""
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        with contextlib.suppress(OSError):
            os.close(self._fd)  # releases the lock

    def _append(self, data: str) -> None:
        try:
            view = memoryview(data.encode("utf-8", "surrogatepass"))
            while view:
                view = view[os.write(self._fd, view) :]
        except OSError:
            pass  # a full disk: the conversation file is still written at the end


# A frozen record (record.py): immutable, compared and printed alike, and made without
# compiling methods from source (a named tuple's class costs ~0.7 M instructions).
@record(frozen=True)
class JournalAnswer:
    """What a journal left behind holds."""

    message: Message
    text: str
    reasoning: str


def read_journal(path: Path) -> JournalAnswer | None:
    """The answer a journal holds; None when there is nothing usable in it."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    lines = raw.decode("utf-8", "replace").split("\n")
    try:
        head = json.loads(lines[0])
        message = Message(
            role=str(head.get("role") or "assistant"),
            content="",
            id=str(head["id"]),
            created=datetime.fromisoformat(head["created"]),
            provider=str(head.get("provider") or ""),
            model=str(head.get("model") or ""),
        )
    except (ValueError, KeyError, TypeError, IndexError):
        return None
    text = [str(head.get("text") or "")]
    reasoning = [str(head.get("reasoning") or "")]
    for line in lines[1:]:
        try:
            record = json.loads(line)
        except ValueError:
            continue  # the line a crash tore (or an empty last line)
        if isinstance(record, dict):
            text.append(str(record.get("t", "")))
            reasoning.append(str(record.get("r", "")))
    return JournalAnswer(message, "".join(text), "".join(reasoning))


def claim(path: Path) -> int | None:
    """An open, locked handle on a journal nobody is writing; None if one is (or it is
    gone). Close it after folding."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
    return fd


def fold(conversation: Conversation, answer: JournalAnswer) -> bool:
    """Put a journal's answer into the conversation, as stopped; True if anything changed."""
    # (an answer of several asked at once may be a hidden variant)
    for message in all_messages(conversation.messages):
        if message.id == answer.message.id:
            if len(answer.text) <= len(message.content) and message.status != "streaming":
                return False  # the file was saved after the journal's last words
            message.content = max(answer.text, message.content, key=len)
            message.reasoning = max(answer.reasoning, message.reasoning, key=len)
            if message.status in ("streaming", "complete"):
                message.status = "stopped"
            return True
    if not answer.text and not answer.reasoning:
        return False
    message = answer.message
    message.content, message.reasoning, message.status = answer.text, answer.reasoning, "stopped"
    conversation.messages.append(message)
    return True
