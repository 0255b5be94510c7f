"""Error types the storage layer hands to its callers.

Two kinds exist because they are handled differently by the app: a
`StoreProblem` is something found while *reading* that the app survives
(it goes on with defaults, or without one conversation) and merely shows to
the user; a `StoreError` is raised when *writing* fails, and the caller keeps
its data in memory so the user can retry.
"""

from __future__ import annotations

from pathlib import Path

from tui_chat.record import record


# A frozen record (record.py), not a dataclass or a named tuple: compared and printed
# alike, made without compiling methods from source at start-up.
@record(frozen=True)
class StoreProblem:
    """A file that could not be used, in words a user understands."""

    path: Path
    message: str
    line: int | None = None
    moved_to: Path | None = None

    def __str__(self) -> str:
        return self.message


class StoreError(Exception):
    """A storage operation failed; `str(e)` is a sentence naming the file and the reason."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


class ConversationNotFound(StoreError):
    """The conversation has no file (never saved, or deleted by another instance)."""


class ConversationCorrupt(StoreError):
    """A conversation file could not be read; it has been moved aside (see `.problem`)."""

    def __init__(self, problem: StoreProblem) -> None:
        super().__init__(problem.message, problem.path)
        self.problem = problem


def os_reason(exc: OSError) -> str:
    """The human part of an OSError ("No space left on device"), without errno noise."""
    return exc.strerror or str(exc)
