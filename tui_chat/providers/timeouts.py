"""How long a provider waits: a module of its own, so the catalog and the session can
make timeouts at start-up without importing `http` (~10 M instructions, before the first
frame, for what only a model list or an answer uses)."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import aiohttp


# Named tuples, not frozen dataclasses: as immutable, compared and printed alike, and
# made without compiling methods from source (~5 M instructions each at start-up).
class Timeouts(NamedTuple):
    """Seconds to wait for a connection, and for each read (the longest silence allowed)."""

    connect: float = 10.0
    read: float = 120.0

    def client_timeout(self) -> aiohttp.ClientTimeout:
        import aiohttp  # here, not at start-up: it costs a quarter second

        # No total limit: a long answer may stream for minutes; only silence is an error.
        return aiohttp.ClientTimeout(
            total=None, connect=self.connect, sock_connect=self.connect, sock_read=self.read
        )
