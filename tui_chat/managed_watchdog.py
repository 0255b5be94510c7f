"""The watchdog of the managed g4f server: it runs `g4f gui` and stops it when no tui-chat
needs it any more.

tui_chat/managed.py starts it as `python -I -S managed_watchdog.py FOLDER -- G4F...`, in a
session of its own (so a Ctrl+C or a closed terminal meant for tui-chat does not reach it).
It uses the standard library only: neither tui-chat nor g4f is imported here.

- Its standard input is a pipe from the tui-chat that started it, which never writes to
  it: end of file there means that tui-chat has gone, however it ended (SIGKILL too).
- Other tui-chats connect to its control socket (FOLDER/control.sock) and keep the
  connection open while they use the server; closing it, or dying, is leaving.
- When the tui-chat that started it and every connected one have gone, it stops g4f (its
  process group: SIGTERM, then SIGKILL) and exits. If the watchdog itself is killed, g4f
  dies with it on Linux (PR_SET_PDEATHSIG).
- Every client is told the server's state as one JSON line per change (the one that
  started it on the watchdog's standard output, the others on the socket, starting with
  the state at connection): {"state": "starting" | "ready" | "failed", "url", "pid",
  "log", "reason"}.

g4f runs with HOME, its config and its cache in FOLDER (home/, config/, cache/), with
--ignore-cookie-files and without the caller's environment beyond locale, paths and proxy
settings: it reads no browser cookies, key files or API-key variables of the user's. Its
output goes to FOLDER/server.log. At start g4f loads a list of providers from the internet
unless the day's copy is in its cache (and without the internet it cannot start): the
watchdog fetches that list itself, with a short timeout, and if that fails writes a
minimal one so that g4f starts offline (its providers then fail with a clear message);
that stand-in is removed once g4f has read it, so a later start tries the internet again.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: Seconds g4f has to answer after it was started (its first start compiles and imports
#: a few hundred modules on a busy machine).
START_TIMEOUT = 120.0
#: Seconds between two asks of a starting server.
PROBE_EVERY = 0.25
#: Seconds g4f has to end after SIGTERM before it gets SIGKILL.
STOP_GRACE = 5.0
#: New ports tried when the chosen one was taken meanwhile by another program.
PORT_RETRIES = 4
#: Where g4f 8.8.6 gets its list of providers, and how long the watchdog waits for it.
PROVIDERS_URL = "https://g4f.dev/dist/js/providers.json"
FETCH_TIMEOUT = 5.0
#: The least list g4f starts with: its default provider, at the address the published
#: list gives it.
FALLBACK_PROVIDERS = {
    "providers": {"default": {"backupUrl": "https://g4f.space/v1"}},
    "defaultModels": {"default": "auto"},
}
#: What of the caller's environment g4f gets: locale, search paths, certificates, proxies.
KEPT_ENVIRONMENT = (
    "PATH",
    "LANG",
    "LANGUAGE",
    "LC_ALL",
    "LC_CTYPE",
    "LC_MESSAGES",
    "TZ",
    "TMPDIR",
    "TEMP",
    "TMP",
    "SYSTEMROOT",
    "PYTHONPATH",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    *(name for proxy in ("http", "https", "all", "no") for name in (
        f"{proxy}_proxy", f"{proxy.upper()}_PROXY"
    )),
)  # fmt: skip
PR_SET_PDEATHSIG = 1


def socket_path(folder: Path) -> Path:
    """The control socket of the watchdog serving `folder` (a short path in the temporary
    folder when the folder's own would be too long for a Unix socket's address)."""
    path = folder / "control.sock"
    if len(os.fsencode(str(path))) <= 100:
        return path
    digest = hashlib.sha1(os.fsencode(str(folder))).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"tui-chat-{os.getuid()}-{digest}.sock"


def g4f_environment(folder: Path, environ: dict[str, str] | os._Environ[str]) -> dict[str, str]:
    """g4f's environment: the kept variables, and its home, config and cache in `folder`."""
    env = {name: environ[name] for name in KEPT_ENVIRONMENT if name in environ}
    home = str(folder / "home")
    env.update(
        HOME=home,
        USERPROFILE=home,
        XDG_CONFIG_HOME=str(folder / "home" / ".config"),
        XDG_CACHE_HOME=str(folder / "home" / ".cache"),
        XDG_DATA_HOME=str(folder / "home" / ".local" / "share"),
        G4F_CONFIG_DIR=str(folder / "config"),
        G4F_CACHE_DIR=str(folder / "cache"),
        PYTHONUNBUFFERED="1",
    )
    return env


def providers_list(folder: Path) -> Path:
    """Where g4f looks for today's list of providers in its cache."""
    day = datetime.date.today().strftime("%Y-%m-%d")
    return folder / "cache" / ".models" / day / "providers.json"


def prepare(folder: Path) -> Path | None:
    """g4f's folders, and today's providers list: fetched, else the stand-in (whose path
    is returned, to be removed once g4f has read it)."""
    for name in ("home", "config", "cache"):
        (folder / name).mkdir(mode=0o700, parents=True, exist_ok=True)
    target = providers_list(folder)
    if target.exists():
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    import urllib.request

    try:
        with urllib.request.urlopen(PROVIDERS_URL, timeout=FETCH_TIMEOUT) as response:
            listing = json.loads(response.read())
        if not isinstance(listing, dict) or not isinstance(listing.get("providers"), dict):
            raise ValueError("not a list of providers")
    except Exception as error:  # offline, blocked, or a page that is not the list
        say(f"the list of g4f's providers could not be fetched ({error}); using a stand-in")
        _write_json(target, FALLBACK_PROVIDERS)
        return target
    _write_json(target, listing)
    return None


def say(text: str) -> None:
    """A line in the server's log (the watchdog's stderr is the log file)."""
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(f"tui-chat watchdog: {text}\n")
        sys.stderr.flush()


def _write_json(path: Path, value: object) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(value), encoding="utf-8")
    os.replace(temporary, path)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(port: int) -> bool:
    """Whether g4f serves its API on the port yet."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/backend-api/v2/providers")
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):  # not yet
        return False
    finally:
        connection.close()


def log_tail(path: Path, limit: int = 4096) -> str:
    try:
        with path.open("rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - limit))
            return log.read().decode("utf-8", "replace")
    except OSError:
        return ""


def last_line(text: str) -> str:
    """The last line of g4f's output that says something (an exception's message)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith("tui-chat watchdog:")]
    return lines[-1][:300] if lines else ""


def _die_with_parent_hook():  # type: ignore[no-untyped-def]
    """A preexec_fn that makes the child get SIGKILL when the watchdog dies (Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def hook() -> None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        if os.getppid() != parent:  # the watchdog died before the line above
            os._exit(1)

    return hook


class Watchdog:
    def __init__(self, folder: Path, command: list[str]) -> None:
        self.folder = folder
        self.command = command
        self.log = folder / "server.log"
        self.record = folder / "server.json"
        self.socket_path = socket_path(folder)
        self.state: dict[str, object] = {
            "state": "starting",
            "url": "",
            "pid": None,
            "log": str(self.log),
            "reason": "",
        }
        self.selector = selectors.DefaultSelector()
        self.listener: socket.socket | None = None
        self.clients: list[socket.socket] = []
        self.owner = True
        self.stopping = False
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    # --- clients ----------------------------------------------------------------------

    def send_all(self) -> None:
        line = (json.dumps(self.state) + "\n").encode()
        if self.owner:
            try:
                os.write(1, line)
            except OSError:  # the tui-chat that started it is gone
                self._owner_gone()
        for client in list(self.clients):
            try:
                client.sendall(line)
            except OSError:
                self._drop(client)

    def _owner_gone(self) -> None:
        if self.owner:
            self.owner = False
            with contextlib.suppress(KeyError, ValueError):
                self.selector.unregister(0)

    def _drop(self, client: socket.socket) -> None:
        if client in self.clients:
            self.clients.remove(client)
            with contextlib.suppress(KeyError, ValueError):
                self.selector.unregister(client)
            client.close()

    def _listen(self) -> None:
        if not hasattr(socket, "AF_UNIX"):
            return
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()  # a dead watchdog's: the caller found nobody there
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(str(self.socket_path))
            os.chmod(self.socket_path, 0o600)
            listener.listen(16)
        except OSError as error:
            say(f"no control socket, so no other tui-chat can share this server: {error}")
            listener.close()
            return
        listener.setblocking(False)
        self.listener = listener
        self.selector.register(listener, selectors.EVENT_READ, "listener")

    def _handle(self, timeout: float) -> None:
        for key, _events in self.selector.select(timeout):
            if key.data == "owner":
                try:
                    data = os.read(0, 1024)
                except OSError:
                    data = b""
                if not data:
                    self._owner_gone()
            elif key.data == "listener":
                assert self.listener is not None
                try:
                    client, _ = self.listener.accept()
                except OSError:
                    continue
                client.settimeout(1.0)
                self.clients.append(client)
                self.selector.register(client, selectors.EVENT_READ, "client")
                try:
                    client.sendall((json.dumps(self.state) + "\n").encode())
                except OSError:
                    self._drop(client)
            else:
                client = key.fileobj  # type: ignore[assignment]
                try:
                    data = client.recv(1024)  # type: ignore[union-attr]
                except OSError:
                    data = b""
                if not data:
                    self._drop(client)  # type: ignore[arg-type]

    # --- the server ---------------------------------------------------------------------

    def _spawn(self) -> None:
        self.port = free_port()
        self.state.update(url=f"http://127.0.0.1:{self.port}", pid=None)
        argv = [
            *self.command,
            "gui",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--ignore-cookie-files",
        ]
        say(f"starting {' '.join(argv)}")
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                argv,
                env=g4f_environment(self.folder, os.environ),
                cwd=self.folder / "home",
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent_hook(),
            )
        self.state["pid"] = self.process.pid
        self._write_record()

    def _write_record(self) -> None:
        _write_json(
            self.record,
            {
                "watchdog": os.getpid(),
                "pid": self.state["pid"],
                "port": self.port,
                "url": self.state["url"],
                "log": str(self.log),
                "socket": str(self.socket_path),
                "started": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            },
        )

    def _stop_server(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        say("stopping g4f")
        for sig, wait in ((signal.SIGTERM, STOP_GRACE), (signal.SIGKILL, STOP_GRACE)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, sig)
            try:
                process.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def _forget(self) -> None:
        """No new client can find this watchdog any more."""
        if self.listener is not None:
            with contextlib.suppress(KeyError, ValueError):
                self.selector.unregister(self.listener)
            self.listener.close()
            self.listener = None
            with contextlib.suppress(OSError):
                self.socket_path.unlink()
        with contextlib.suppress(OSError):
            recorded = json.loads(self.record.read_text(encoding="utf-8"))
            if recorded.get("watchdog") == os.getpid():
                self.record.unlink()

    def fail(self, reason: str) -> None:
        say(f"failed: {reason}")
        self._forget()
        self.state.update(state="failed", reason=reason)
        self.send_all()

    def run(self) -> int:
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(sig, self._on_signal)
        self.selector.register(0, selectors.EVENT_READ, "owner")
        self._listen()
        stand_in: Path | None = None
        try:
            self.state["url"] = ""
            self.send_all()  # the caller waits for this line: the socket is up
            stand_in = prepare(self.folder)
            self._spawn()
            self.send_all()
            self._loop(stand_in)
        except Exception as error:  # said to the clients and in the log, never a traceback
            self.fail(f"{type(error).__name__}: {error}")
        finally:
            self._forget()
            self._stop_server()
            if stand_in is not None:
                with contextlib.suppress(OSError):
                    stand_in.unlink()
            for client in list(self.clients):
                self._drop(client)
            say("exited")
        return 0

    def _on_signal(self, signum: int, frame: object) -> None:
        self.stopping = True

    def _loop(self, stand_in: Path | None) -> None:
        assert self.process is not None
        started = time.monotonic()
        asked = 0.0
        retries = 0
        while True:
            self._handle(PROBE_EVERY / 2)
            if self.stopping or (not self.owner and not self.clients):
                return
            code = self.process.poll()
            if code is not None:
                tail = log_tail(self.log)
                if (
                    self.state["state"] == "starting"
                    and "address already in use" in tail.lower()
                    and retries < PORT_RETRIES
                ):
                    retries += 1
                    say(f"port {self.port} was taken; trying another")
                    self._spawn()
                    self.send_all()
                    continue
                what = "could not start" if self.state["state"] == "starting" else "stopped"
                detail = last_line(tail)
                self.fail(f"g4f {what} (exit status {code})" + (f": {detail}" if detail else ""))
                return
            if self.state["state"] != "starting":
                continue
            now = time.monotonic()
            if now - asked >= PROBE_EVERY:
                asked = now
                if answers(self.port):
                    self.state["state"] = "ready"
                    say(f"ready at {self.state['url']}")
                    self.send_all()
                    if stand_in is not None:  # read by g4f now: a later start tries again
                        with contextlib.suppress(OSError):
                            stand_in.unlink()
                    continue
            if now - started > START_TIMEOUT:
                self.fail(f"g4f did not answer within {START_TIMEOUT:.0f} seconds")
                return


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[2] != "--":
        sys.stderr.write("usage: managed_watchdog.py FOLDER -- G4F-COMMAND...\n")
        return 2
    return Watchdog(Path(argv[1]), argv[3:]).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
