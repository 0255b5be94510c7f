"""Builders shared by the conversation tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tui_chat.store import Attachment, Conversation, Message

NASTY = [
    "multi\nline\n\ntext\r\nwith CRLF",
    'quotes "double" and \'single\'',
    "back\\slashes \\n \\u0041 \\\\",
    'triple """ inside """ content',
    "emoji 😀👩‍👩‍👧 漢字",
    "binary-looking \x01\x02\x1b[0m\x7f\x08\x0c\ufeff\u2028",
    "[[messages]]\nrole = \"system\"\n",
]


def full_conversation(n: int = 3) -> Conversation:
    base = datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)
    messages = []
    for i in range(n):
        messages.append(Message(
            role=("user", "assistant", "system")[i % 3],
            content=NASTY[i % len(NASTY)] + f" #{i}",
            created=base + timedelta(seconds=i),
            provider="g4f", model='gpt "4o"',
            reasoning="thinking\n" + NASTY[(i + 1) % len(NASTY)],
            usage={"prompt_tokens": i, "completion_tokens": 2 * i, "total_tokens": 3 * i},
            finish_reason="stop",
            status=("complete", "stopped", "failed")[i % 3],
            error="HTTP 500: \"boom\"\nline2" if i % 3 == 2 else "",
            attachments=[Attachment("/tmp/a b/ü.png", "image/png", 1234, "ab" * 32),
                         Attachment("C:\\x\\y.txt", "text/plain", 0, "cd" * 32)],
        ))
    return Conversation(
        title='A "title" \\ with 😀',
        created=base,
        updated=base + timedelta(minutes=5),
        provider="ollama", model="llama3:8b",
        system_prompt='You are "helpful".\nTwo lines \\ """',
        parameters={"temperature": 0.7, "max_tokens": 1024, "style": "terse"},
        backend_state={"conversation": {"id": "x", "items": [1, "two", {"three": 3.0}],
                                        "flag": True, "empty": {}}},
        messages=messages,
    )
