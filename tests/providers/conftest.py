"""Fixtures for the provider tests: loopback servers, a forward proxy, the real g4f peer."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # the package is not installed in every environment
    sys.path.insert(0, str(REPO_ROOT))


def _find_peers() -> Path:
    """`shared/peers` beside the repository (in CI, beside the fresh clone), or beside a
    folder holding it (a git worktree such as /work/wt/NAME next to /work/shared)."""
    for folder in REPO_ROOT.parents:
        if (folder / "shared" / "peers").is_dir():
            return folder / "shared" / "peers"
    return REPO_ROOT.parent / "shared" / "peers"


PEERS = _find_peers()

from .testkit import RawServer, RawServers, Server, Step, forward, start_server  # noqa: E402


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Awaitable[Server]]]:
    """`await serve(handler, ssl_context=None)`: an aiohttp server on 127.0.0.1 recording
    every request it receives (`server.requests`)."""
    runners: list[web.AppRunner] = []

    async def start(
        handler: Callable[..., Awaitable[web.StreamResponse]],
        ssl_context: ssl.SSLContext | None = None,
    ) -> Server:
        return await start_server(handler, runners, ssl_context)

    yield start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def raw_serve() -> AsyncIterator[Callable[..., Awaitable[RawServer]]]:
    """`await raw_serve([bytes | seconds | HANG | CLOSE, ...])`: a socket server from a script."""
    servers = RawServers()

    async def start(script: Sequence[Step], *, read_request: bool = True) -> RawServer:
        return await servers.start(script, read_request=read_request)

    yield start
    await servers.close()


@pytest.fixture
async def proxy(serve: Callable[..., Awaitable[Server]]) -> Server:
    """A plain HTTP forward proxy on loopback; `proxy.requests` are what went through it."""
    return await serve(forward)


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (connections are refused)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    """A server TLS context with a self-signed certificate for 127.0.0.1 (made by openssl)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: cannot make a self-signed certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


@pytest.fixture
def full_backlog_port() -> Iterator[int]:
    """A loopback port whose accept queue is full, so a new connection attempt hangs.

    (Linux drops SYNs to a listener with a full queue; the client waits for its timeout.)
    """
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        try:
            filler.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(filler)
    try:
        yield port
    finally:
        for sock in [*fillers, listener]:
            sock.close()


# --- the real g4f server ------------------------------------------------------------------


@dataclass(frozen=True)
class Peer:
    g4f_url: str
    upstream_url: str
    run: Path

    @property
    def upstream_log(self) -> Path:
        return self.run / "upstream-requests.jsonl"


@pytest.fixture(scope="session")
def g4f_peer() -> Iterator[Peer]:
    """A real g4f 8.8.6 server relaying to a local OpenAI-compatible server, for this session.

    The first start installs g4f into ~/.cache/g4f-peer (minutes on a fresh machine).
    """
    script = PEERS / "g4f-peer"
    if not PEERS.is_dir():
        pytest.skip(f"the g4f peer is not available: {PEERS} does not exist")
    try:
        started = subprocess.run(
            ["bash", str(script), "start"],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"g4f-peer start took longer than 600 s: {error.stderr!r}")
    if started.returncode != 0:
        pytest.fail(f"g4f-peer start failed ({started.returncode}): {started.stderr.strip()}")
    values: dict[str, str] = {}
    for line in started.stdout.splitlines():
        name, equals, value = line.removeprefix("export ").partition("=")
        if equals:
            values[name.strip()] = value.strip()
    missing = {"G4F_URL", "UPSTREAM_URL", "G4F_PEER_RUN"} - values.keys()
    if missing:
        pytest.fail(f"g4f-peer start printed no {sorted(missing)}: {started.stdout!r}")
    peer = Peer(values["G4F_URL"], values["UPSTREAM_URL"], Path(values["G4F_PEER_RUN"]))
    try:
        yield peer
    finally:
        stopped = subprocess.run(
            ["bash", str(script), "stop", str(peer.run)],
            capture_output=True,
            timeout=60,
            check=False,
        )
        if stopped.returncode == 0:
            shutil.rmtree(peer.run, ignore_errors=True)
