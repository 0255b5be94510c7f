"""A g4f backend server that tui-chat runs itself: the "managed" g4f backend.

When g4f is installed in tui-chat's own environment (`pip install 'tui-chat[g4f]'`) and
nothing answers at the URL of the g4f backend entry on this machine (the first
`[[backends]]` entry with a loopback URL: by default `g4f` at http://127.0.0.1:8080),
tui-chat starts `g4f gui` on a free loopback port and points that entry at it. The entry
talks to it as to any g4f backend (providers/backend_api.py); g4f runs in its own process
only, so its imports, its network calls at import and its event-loop patches never enter
tui-chat's.

The server runs under a small watchdog (managed_watchdog.py, standard library only) that
stops it when no tui-chat needs it any more: the tui-chat that started it holds a pipe to
the watchdog, other tui-chats a connection to its control socket, and the end of either
(a quit, a crash, SIGKILL) is noticed by the kernel closing it. A second tui-chat reuses a
running server (its watchdog's socket in the cache folder is the record that it is alive)
or, when there is none, starts one; a lock file keeps two from starting one at the same
moment, and each server gets a port of its own. Everything lives in
`<user cache>/tui-chat/g4f/` ($TUI_CHAT_CACHE_DIR/g4f when set): g4f's home, config and
cache (it reads no browser cookies or key files of the user's), `server.log` (the previous
one as `server.log.1`) and `server.json` (pid, port, URL of the running server).

Off with `[g4f] managed = "never"` in settings.toml, `tui-chat --no-managed-backend`, or
$TUI_CHAT_NO_MANAGED_BACKEND set to anything but "" or "0". $TUI_CHAT_G4F names the g4f
command to run instead of the one installed beside tui-chat (e.g. a pipx install).

Nothing here imports Textual; the app and the commands call `refresh` on their entries.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import os
import select
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit

from .record import record

if TYPE_CHECKING:
    from .catalog import ProviderEntry
    from .providers import Timeouts
    from .store import Settings

#: The states of a managed server, and of the catalog entry using it besides catalog's.
OFF, STARTING, READY, FAILED = "off", "starting", "ready", "failed"
CACHE_ENV = "TUI_CHAT_CACHE_DIR"
OFF_ENV = "TUI_CHAT_NO_MANAGED_BACKEND"
COMMAND_ENV = "TUI_CHAT_G4F"
INSTALL_HINT = "pip install 'tui-chat[g4f]'"
WATCHDOG = Path(__file__).with_name("managed_watchdog.py")
#: Seconds the watchdog has to say it is up (a Python start with the standard library).
WATCHDOG_START = 15.0
#: Seconds a tui-chat waits for a starting server at most (the watchdog gives up first).
WAIT_AT_MOST = 150.0


# A named tuple, not a frozen dataclass: as immutable, compared and printed alike, and
# made without compiling methods from source (~5 M instructions at start-up).
class ServerStatus(NamedTuple):
    """What a tui-chat knows of its managed server."""

    state: str = OFF
    url: str = ""
    #: g4f's process id.
    pid: int | None = None
    log: str = ""
    #: Why it failed.
    reason: str = ""
    #: Started by another tui-chat, whose server this one uses.
    shared: bool = False

    @classmethod
    def from_line(cls, line: bytes, shared: bool) -> ServerStatus | None:
        try:
            data = json.loads(line)
        except ValueError:
            return None
        if not isinstance(data, dict) or data.get("state") not in (STARTING, READY, FAILED):
            return None
        pid = data.get("pid")
        return cls(
            state=str(data["state"]),
            url=str(data.get("url") or ""),
            pid=pid if isinstance(pid, int) else None,
            log=str(data.get("log") or ""),
            reason=str(data.get("reason") or ""),
            shared=shared,
        )


# --- where, and whether -------------------------------------------------------------------


def cache_folder(environ: Mapping[str, str] = os.environ) -> Path:
    """The managed server's folder: `<user cache>/tui-chat/g4f`."""
    if environ.get(CACHE_ENV):
        base = Path(environ[CACHE_ENV]).expanduser()
    else:
        import platformdirs

        base = Path(platformdirs.user_cache_dir("tui-chat"))
    return base.absolute() / "g4f"


def find_g4f(environ: Mapping[str, str] = os.environ) -> list[str] | None:
    """The command that runs g4f from tui-chat's own environment, or None when g4f is
    not installed there. g4f is looked for, never imported."""
    named = environ.get(COMMAND_ENV, "")
    if named:
        path = Path(named).expanduser()
        return [str(path)] if path.is_file() and os.access(path, os.X_OK) else None
    scripts = Path(sys.executable).parent
    for name in ("g4f", "g4f.exe"):
        script = scripts / name
        if script.is_file() and os.access(script, os.X_OK):
            return [str(script)]
    try:
        found = importlib.util.find_spec("g4f") is not None
    except (ImportError, ValueError):
        found = False
    return [sys.executable, "-m", "g4f"] if found and sys.executable else None


def g4f_version() -> str:
    """The installed g4f's version, from its metadata ("" when unknown)."""
    from importlib import metadata

    try:
        return metadata.version("g4f")
    except metadata.PackageNotFoundError:
        return ""


_switched_off = ""


def switch_off(reason: str) -> None:
    """No managed server in this process (`--no-managed-backend`)."""
    global _switched_off
    _switched_off = reason


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


def why_not(mode: str, environ: Mapping[str, str] = os.environ) -> str:
    """Why tui-chat runs no g4f server here ("" when it may), in a user's words."""
    if mode == "never":
        return 'managed = "never" in settings.toml [g4f]'
    if _switched_off:
        return _switched_off
    if environ.get(OFF_ENV, "") not in ("", "0"):
        return f"${OFF_ENV} is set"
    if os.name != "posix":
        return "tui-chat runs a g4f server itself on Linux and macOS only"
    if find_g4f(environ) is None:
        return f"g4f is not installed ({INSTALL_HINT} installs it)"
    return ""


# --- the link to a server -------------------------------------------------------------------


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One tui-chat at a time decides whether to start a server."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: managed servers are off there
        yield
        return
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class ManagedServer:
    """This process's link to the managed g4f server of one cache folder: the watchdog it
    started, or a connection to another tui-chat's. Thread-safe; `start` blocks briefly
    (run it in a thread), `wait` is a coroutine."""

    def __init__(self, folder: Path, command: list[str]) -> None:
        self.folder = folder
        self.command = command
        self.status = ServerStatus(log=str(folder / "server.log"))
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._socket: socket.socket | None = None
        self._closing = False

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    @property
    def linked(self) -> bool:
        return self._process is not None or self._socket is not None

    def start(self, *, spawn: bool = True) -> ServerStatus:
        """Use the running server (another tui-chat's too), else start one (`spawn`).
        Returns at once with the state: starting, ready, failed, or off (nothing running
        and not `spawn`)."""
        with self._lock:
            if self.linked and self.status.state in (STARTING, READY):
                return self.status
            self._unlink()
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            with _locked(self.folder / "server.lock"):
                if self._attach():
                    return self.status
                if spawn:
                    self._spawn()
            return self.status

    def _attach(self) -> bool:
        from .managed_watchdog import socket_path

        path = socket_path(self.folder)
        if not hasattr(socket, "AF_UNIX") or not path.exists():
            return False
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.settimeout(3.0)
        try:
            client.connect(str(path))
            stream = client.makefile("rb")
            status = ServerStatus.from_line(stream.readline(), shared=True)
        except OSError:
            client.close()
            return False
        if status is None or status.state == FAILED:
            client.close()
            return False
        client.settimeout(None)
        self._socket, self._closing = client, False
        self.status = status
        self._follow(stream, None)
        return True

    def _spawn(self) -> None:
        log = self.log
        with contextlib.suppress(OSError):
            log.replace(log.with_name("server.log.1"))
        with log.open("wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-I", "-S", str(WATCHDOG), str(self.folder), "--", *self.command],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=output,
                start_new_session=True,
                close_fds=True,
            )
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], WATCHDOG_START)
        status = ServerStatus.from_line(process.stdout.readline(), shared=False) if ready else None
        if status is None:
            process.kill()
            process.wait()
            detail = _last_line(log)
            self.status = ServerStatus(
                FAILED,
                log=str(log),
                reason="the watchdog of the g4f server did not start"
                + (f": {detail}" if detail else ""),
            )
            return
        self._process, self._closing = process, False
        self.status = status
        self._follow(process.stdout, process)

    def _follow(self, stream: IO[bytes], process: subprocess.Popen[bytes] | None) -> None:
        """Read the watchdog's lines as they come, in a thread of their own."""

        def read() -> None:
            for line in stream:
                status = ServerStatus.from_line(line, shared=process is None)
                if status is not None:
                    self.status = status
            if process is not None:
                with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                    process.wait(10)
            if not self._closing and self.status.state != FAILED:
                self.status = self.status._replace(
                    state=FAILED, reason="the managed g4f server stopped"
                )

        threading.Thread(target=read, name="tui-chat managed g4f", daemon=True).start()

    async def wait(self, timeout: float = WAIT_AT_MOST) -> ServerStatus:
        """Until the server is no longer starting (ready or failed)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.status.state == STARTING:
            if loop.time() > deadline:
                self.stop()
                self.status = self.status._replace(
                    state=FAILED,
                    reason=f"g4f did not answer within {timeout:.0f} seconds",
                )
                break
            await asyncio.sleep(0.1)
        return self.status

    def stop(self, wait: float = 0.0) -> None:
        """Leave the server: the watchdog stops it unless another tui-chat uses it.
        `wait`: seconds to wait for the watchdog this process started to end."""
        with self._lock:
            process = self._process
            self._unlink()
            if process is not None and wait:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(wait)
            self.status = ServerStatus(log=str(self.log))

    def _unlink(self) -> None:
        self._closing = True
        if self._process is not None:
            with contextlib.suppress(OSError, ValueError):
                assert self._process.stdin is not None
                self._process.stdin.close()
            self._process = None
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
            self._socket.close()
            self._socket = None


def _last_line(log: Path) -> str:
    from .managed_watchdog import last_line, log_tail

    return last_line(log_tail(log))


_servers: dict[tuple[Path, tuple[str, ...]], ManagedServer] = {}


def server_for(folder: Path, command: list[str]) -> ManagedServer:
    """This process's link to the server of `folder` (one per folder and command)."""
    key = (folder, tuple(command))
    if key not in _servers:
        _servers[key] = ManagedServer(folder, command)
    return _servers[key]


def stop_all(wait: float = 0.0) -> None:
    """Leave every managed server this process uses (their watchdogs stop them unless
    another tui-chat uses them)."""
    for server in list(_servers.values()):
        server.stop(wait)


# --- the catalog entry it serves --------------------------------------------------------------


@record
class ManagedLink:
    """On the catalog entry that tui-chat may run a g4f server for (`entry.managed`)."""

    #: The entry's provider class as configured (at its configured URL).
    configured: Any
    #: `[g4f] managed` in settings.
    mode: str = "auto"
    server: ManagedServer | None = None
    #: The entry points at the managed server, or waits for it.
    active: bool = False
    #: Why tui-chat runs no server for it ("" when it may, or has not had to look).
    off: str = ""
    #: How the last server it started failed, until one starts again.
    failure: ServerStatus | None = None

    @property
    def configured_url(self) -> str:
        return str(self.configured.url)

    def status(self) -> ServerStatus:
        return self.server.status if self.server is not None else ServerStatus()

    def describe(self) -> str:
        """One phrase for `tui-chat providers`: what the managed server is doing."""
        status = self.status()
        if self.active and status.state == READY:
            whose = "another tui-chat's" if status.shared else "started by tui-chat"
            return f"managed g4f server ({whose}, pid {status.pid}, log {status.log})"
        failed = self.failure or (status if status.state == FAILED else None)
        if self.active and failed is not None:
            return f"managed g4f server failed: {failed.reason} (log {failed.log})"
        if self.off:
            return f"no managed g4f server: {self.off}"
        return ""


def attach(entries: list[ProviderEntry], settings: Settings) -> None:
    """Give the first g4f backend on this machine (loopback URL) its managed link."""
    for entry in entries:
        if entry.kind == "BackendApi" and is_loopback(entry.url):
            entry.managed = ManagedLink(entry.provider, settings.g4f.managed)
            return


def _point(entry: ProviderEntry, link: ManagedLink, url: str) -> None:
    """Point the entry at `url`: the configured one, or the managed server's."""
    if url == link.configured_url:
        entry.provider = link.configured
    elif entry.url != url:
        entry.provider = link.configured.configured(entry.name, url=url)


def starting_problem(link: ManagedLink, status: ServerStatus) -> str:
    """What a starting managed server's entry says (the sidebar puts the log apart)."""
    return (
        f"tui-chat is starting a g4f server for you (nothing answered at "
        f"{link.configured_url}). Log: {status.log}"
    )


def failed_problem(status: ServerStatus) -> str:
    reason = status.reason.rstrip(".")
    return f"The g4f server tui-chat started failed: {reason}. Log: {status.log}"


async def refresh(
    entry: ProviderEntry,
    proxy: str | None,
    timeouts: Timeouts,
    changed: Callable[[], object] = lambda: None,
    *,
    start: bool = True,
    environ: Mapping[str, str] = os.environ,
) -> None:
    """`entry.refresh` (its state and models), and for the entry with a managed link,
    when nothing answers at its URL: the managed server, reused or (with `start`)
    started, and waited for without blocking; `changed()` is called when the entry shows
    that it is starting. Without `start`, an entry whose server failed stays failed,
    saying why (a check again in the background must not start one every few seconds),
    and one whose server never ran says that tui-chat would start one."""
    link: ManagedLink | None = getattr(entry, "managed", None)
    if link is None:
        await entry.refresh(proxy, timeouts)
        return
    status = link.status()
    if status.state == READY and link.server is not None and link.server.linked:
        _point(entry, link, status.url)
        await entry.refresh(proxy, timeouts)
        if entry.state == READY:
            return
    _point(entry, link, link.configured_url)
    link.active = False
    await entry.refresh(proxy, timeouts)
    from .catalog import READY as ENTRY_READY

    if entry.state == ENTRY_READY:
        return  # a g4f server of the user's own answers there
    link.off = why_not(link.mode, environ)
    if link.off:
        if "not installed" in link.off:
            entry.problem = (
                f"{entry.problem} tui-chat runs a g4f server itself once g4f is installed: "
                f"{INSTALL_HINT}."
            )
        return
    command = find_g4f(environ)
    assert command is not None
    server = link.server = server_for(cache_folder(environ), command)
    status = await asyncio.to_thread(server.start, spawn=start)
    if status.state == OFF and link.failure is not None:
        status = link.failure  # failed, and not to be started again now: still says why
    elif status.state == OFF:
        entry.problem = (
            f"{entry.problem} tui-chat starts a g4f server of its own for it when the app "
            "opens, or for `tui-chat ask`."
        )
        return
    link.active = True
    if status.state == STARTING:
        entry.state, entry.problem, entry.models = STARTING, starting_problem(link, status), []
        changed()
        status = await server.wait()
    link.failure = status if status.state == FAILED else None
    if status.state == READY:
        _point(entry, link, status.url)
        await entry.refresh(proxy, timeouts)
    else:
        entry.state, entry.problem, entry.models = FAILED, failed_problem(status), []
