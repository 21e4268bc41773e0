"""One free loopback port, for every throwaway server the tests and the bench start."""

from __future__ import annotations

import socket

HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now (the OS picks it).

    Another process could take it before the caller binds it; on a developer's
    machine or CI that race is rare enough that a retry by hand is the remedy.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])
