"""The terminal driver the app runs with: Textual's, writing through `ScreenWriter`
(terminal_output.py), and safe from the signals that arrive in the middle of a write.

Textual's Linux driver handles SIGTSTP and SIGCONT with Python signal handlers, which run
in the main thread between two steps of whatever it was doing, a frame's write included.
It took every SIGCONT for the end of a suspend and started the terminal again (a second
input and output thread); bash and sshd send SIGCONT together with SIGHUP when a
connection drops, and anyone may send one. Caught in the middle of a write, the handler's
own write waited forever for the lock its thread held: the app hung, its input thread
spinning on the dead terminal. Here a SIGCONT resumes only what was suspended, and a
write made by a handler while its thread is inside a write goes out as it is.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import Any

from .terminal_output import ScreenWriter

#: Writes sent as they were made at most, before the writer reads them anyway.
UNREAD_WRITES = 64


def compressing(driver_class: type[Any]) -> type[Any]:
    """A subclass of a Textual driver class that writes through a `ScreenWriter` (told
    the terminal's size before each write: a new size may have moved what it showed)."""

    class CompressingDriver(driver_class):  # type: ignore[valid-type,misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._screen = ScreenWriter(self._terminal_size)
            # Writes come from the app's loop and, now and then, the input thread: each
            # is rewritten and queued in one go, in the order the terminal gets them.
            self._writing = threading.Lock()
            self._inside = threading.local()  # `.write`: this thread is inside a write
            # What the terminal shows is not known from the next write on. Set without
            # the lock: a signal handler sets it while its thread may hold the lock.
            self._forget = False
            self._suspended = False
            # Until the app's first frames are out (`read_what_was_written`), writes go
            # out as Textual made them and the writer reads them afterwards: rewriting
            # the first frame cost ~33 M instructions (~10 ms) before it was seen. With
            # the terminal's size at each write.
            self._unread: list[tuple[tuple[int, int] | None, str]] | None = []

        def _terminal_size(self) -> tuple[int, int] | None:
            try:
                return tuple(os.get_terminal_size(self.fileno))  # type: ignore[return-value]
            except (AttributeError, OSError, TypeError, ValueError):
                return None

        def write(self, data: str) -> None:
            if getattr(self._inside, "write", False):
                # A signal handler (a suspend, a resume) writing while its thread is in
                # the middle of a write: out as it is, and the screen is not known.
                self._forget = True
                super().write(data)
                return
            with self._held():
                self._write(data)

        @contextlib.contextmanager
        def _held(self) -> Iterator[None]:
            """The lock, with this thread marked as inside it (for its signal handlers)."""
            inside = self._inside
            inside.write = True
            try:
                with self._writing:
                    yield
            finally:
                inside.write = False

        def _write(self, data: str) -> None:
            unread = self._unread
            if unread is not None and len(unread) < UNREAD_WRITES:
                unread.append((self._terminal_size(), data))
                super().write(data)
                return
            self._read_unread()
            if self._forget:
                self._forget = False
                self._screen.forget()
            out = self._screen.compress(data)
            if self._forget:
                # The terminal was suspended or resumed while this was rewritten: the
                # rest of this frame was for the screen before that (a resume redraws
                # the whole screen).
                return
            super().write(out)

        def read_what_was_written(self) -> None:
            """The writes sent as they were made, read now: from here on, writes are
            rewritten (the app calls this after its first complete frame)."""
            with self._held():
                self._read_unread()

        def _read_unread(self) -> None:
            unread, self._unread = self._unread, None
            if not unread:
                return
            if {size for size, _ in unread} != {self._terminal_size()}:
                self._screen.forget()  # written at another size: what shows is not known
                return
            self._screen.read(data for _, data in unread)

        def start_application_mode(self) -> None:
            self._forget = True
            super().start_application_mode()

        def stop_application_mode(self) -> None:
            super().stop_application_mode()
            self._forget = True

        def suspend_application_mode(self) -> None:
            self._suspended = True
            super().suspend_application_mode()

        def resume_application_mode(self) -> None:
            if not self._suspended:
                return  # a SIGCONT with nothing stopped (as with SIGHUP): nothing to do
            self._suspended = False
            super().resume_application_mode()

    CompressingDriver.__name__ = f"Compressing{driver_class.__name__}"
    CompressingDriver.__qualname__ = CompressingDriver.__name__
    return CompressingDriver
