"""Slow clients and ordinary ones, for the tests that show a server still answers while
slow clients hold connections (issue 16): each slow client sends its request one byte
a second, half of them from the first header byte, half with the headers at once and
then the body; whenever the server drops one, it connects again, so ``count`` stay
open for the whole hold, as an attacker would keep them.  Meanwhile ``Probe`` sends
ordinary requests, one at a time, and counts those answered before Alexa's 8 seconds.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import threading
import time
from dataclasses import dataclass, field

from backcoach_dev.ports import HOST

from .alexa import envelope, launch

ALEXA_WAIT = 8.0  # seconds Alexa waits for an answer: later is as good as none
SLOW_BODY = json.dumps({"request": {"type": "LaunchRequest"}, "pad": "x" * 4000}).encode()


def launch_body() -> bytes:
    """A new session's launch request, as Alexa sends it."""
    request = envelope(
        launch(), user_id="amzn1.ask.account.PROBE", session_id="p", new=True, attributes=None
    )
    return json.dumps(request).encode()


def slow_request(headers_at_once: bool) -> tuple[bytes, bytes]:
    """(sent at once, sent a byte a second) for one slow client."""
    head = (
        b"POST /alexa HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(SLOW_BODY)
    )
    return (head, SLOW_BODY) if headers_at_once else (b"", head + SLOW_BODY)


class SlowClients:
    """``count`` connections to ``port`` kept sending a byte a second until ``stop``."""

    def __init__(self, port: int, count: int) -> None:
        self.port = port
        self.count = count
        self.connects = 0
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._client, args=(i % 2 == 0,), daemon=True)
            for i in range(count)
        ]

    def start(self) -> SlowClients:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)

    def _client(self, headers_at_once: bool) -> None:
        while not self._stop.is_set():
            self._one_connection(*slow_request(headers_at_once))

    def _one_connection(self, at_once: bytes, trickle: bytes) -> None:
        try:
            with socket.create_connection((HOST, self.port), timeout=5) as sock:
                self.connects += 1
                sock.sendall(at_once)
                for byte in trickle:
                    if self._stop.wait(1.0):
                        return
                    sock.sendall(bytes([byte]))
        except OSError:
            self._stop.wait(0.2)  # dropped by the server: connect again


@dataclass
class Probe:
    """Ordinary requests (a launch, as Alexa sends it) to ``port``, one after another."""

    port: int
    pause: float = 0.1
    statuses: list[int] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def run(self, seconds: float) -> None:
        body = launch_body()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self._one(body)
            time.sleep(self.pause)

    def _one(self, body: bytes) -> None:
        began = time.monotonic()
        connection = http.client.HTTPConnection(HOST, self.port, timeout=ALEXA_WAIT)
        try:
            connection.request("POST", "/alexa", body, {"Content-Type": "application/json"})
            reply = connection.getresponse()
            reply.read()
            self.statuses.append(reply.status)
            self.latencies.append(time.monotonic() - began)
        except OSError as error:
            self.failures.append(f"{type(error).__name__} after {time.monotonic() - began:.1f} s")
        finally:
            connection.close()

    @property
    def sent(self) -> int:
        return len(self.statuses) + len(self.failures)

    @property
    def answered(self) -> int:
        return sum(1 for code in self.statuses if code == 200)

    def report(self, what: str) -> str:
        if not self.latencies:
            return f"{what}: {self.sent} sent, none answered"
        ordered = sorted(self.latencies)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return (
            f"{what}: {self.answered}/{self.sent} ordinary requests answered 200; "
            f"latency p50 {statistics.median(ordered) * 1000:.0f} ms, "
            f"p99 {p99 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms"
        )


def machine() -> str:
    return f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"


def hold_and_probe(port: int, slow: int, seconds: float) -> tuple[Probe, SlowClients]:
    """``slow`` slow clients on ``port`` for ``seconds`` while a probe runs."""
    clients = SlowClients(port, slow).start()
    time.sleep(1.0)  # every slow client connected and sending
    probe = Probe(port)
    try:
        probe.run(seconds)
    finally:
        clients.stop()
    return probe, clients
