"""No test reaches the internet: in the test process, a connection anywhere but
loopback is refused and recorded; in the processes tests start (gunicorn, the CLI),
every proxy variable points at a loopback trap that records what they tried to reach.

``tests/conftest.py`` fails the test during which either was seen, naming the
destination, so a test that would have talked to Amazon fails loudly instead of
passing offline for the wrong reason.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")
LOOPBACK_NAMES = "localhost,127.0.0.1,::1"


class OutboundConnectionError(ConnectionRefusedError):
    """A test tried to connect beyond loopback."""


def is_loopback(address: Any) -> bool:
    """Whether a socket address stays on this machine (Unix sockets always do)."""
    if not isinstance(address, tuple):
        return True  # AF_UNIX path or abstract name
    host = str(address[0])
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False  # a host name: connect() would resolve it outside loopback


class Attempts:
    """What was tried, in the order seen."""

    def __init__(self) -> None:
        self._seen: list[str] = []
        self._lock = threading.Lock()

    def add(self, what: str) -> None:
        with self._lock:
            self._seen.append(what)

    def since(self, mark: int) -> list[str]:
        with self._lock:
            return self._seen[mark:]

    def mark(self) -> int:
        with self._lock:
            return len(self._seen)


@contextmanager
def refuse_outbound(attempts: Attempts) -> Iterator[None]:
    """Refuse (and record) connect() to anything but loopback in this process."""
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def connect(self: socket.socket, address: Any) -> None:
        if not is_loopback(address):
            attempts.add(f"connect to {address!r}")
            raise OutboundConnectionError(f"test tried to reach {address!r}")
        original_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if not is_loopback(address):
            attempts.add(f"connect_ex to {address!r}")
            raise OutboundConnectionError(f"test tried to reach {address!r}")
        return original_connect_ex(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.socket.connect = original_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = original_connect_ex  # type: ignore[method-assign]


class ProxyTrap:
    """A loopback listener that child processes use as their proxy: it records the
    first line of every request (``CONNECT s3.amazonaws.com:443 HTTP/1.1``) and closes."""

    def __init__(self, attempts: Attempts) -> None:
        self._attempts = attempts
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(16)
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, name="proxy-trap", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                peer, _ = self._server.accept()
            except OSError:
                return
            with peer:
                peer.settimeout(2)
                try:
                    first = peer.recv(1024).split(b"\r\n", 1)[0]
                except OSError:
                    first = b"(nothing said)"
                self._attempts.add(
                    "a started process asked its proxy for " + first.decode("latin-1")
                )

    def environment(self) -> dict[str, str]:
        """Proxy variables (both cases) for child processes: everything but loopback
        goes to the trap."""
        values = dict.fromkeys(PROXY_VARIABLES, self.url)
        values["no_proxy"] = LOOPBACK_NAMES
        return {**values, **{name.upper(): value for name, value in values.items()}}

    def close(self) -> None:
        self._server.close()
