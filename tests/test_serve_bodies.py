"""Bodies as a hostile client frames them, sent over raw sockets to a real ``backcoach
serve`` (gunicorn with production's settings): malformed chunked encoding, truncated
and late bodies get a 4xx (400, or 408 for a body that never comes) with no ERROR
logged; a body over the cap gets 413 however it is framed, and is never parsed.

Verification is off here so that a body cut at the cap, as werkzeug's capped reader
did, would be served (200) and show; the signature checks have their own tests.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from skill.app import SECURITY_HEADERS, create_app
from skill.body import BATCH_SECONDS, BodyGuard, Watchdog
from skill.store import MemoryStore
from tests.redis_server import RedisServer

from .alexa import envelope, launch
from .servers import HOST, Process, body_of, exchange, post, read_reply, start_serve, status

CAP = 64 * 1024  # Settings.max_body_bytes
HEAD = b"POST /alexa HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
CHUNKED = HEAD + b"Transfer-Encoding: chunked\r\n\r\n"


def launch_body() -> bytes:
    return json.dumps(
        envelope(
            launch(), user_id="amzn1.ask.account.BODIES", session_id="s", new=True, attributes=None
        )
    ).encode()


def launch_padded_to_cap() -> bytes:
    """A complete launch request padded with spaces to exactly the cap: what a cut
    at the cap would parse and serve."""
    body = launch_body()
    return body + b" " * (CAP - len(body))


class Server:
    def __init__(self, process: Process, port: int) -> None:
        self.process = process
        self.port = port
        self._seen = 0

    def new_log(self) -> str:
        """What the server logged since the last call."""
        text = self.process.output()
        new, self._seen = text[self._seen :], len(text)
        return new


@pytest.fixture(scope="module")
def server(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    redis_server.start()
    log = tmp_path_factory.mktemp("serve-bodies") / "serve.log"
    process, port = start_serve(redis_server.url, log, ALEXA_VERIFY_SIGNATURE="0")
    served = Server(process, port)
    served.new_log()
    yield served
    process.close()


def refused(server: Server, reply: bytes, code: int) -> None:
    """A ``code`` reply with the short JSON error and the app's security headers, and
    no ERROR (or trace) in the log."""
    assert status(reply) == code, reply[:300]
    assert set(json.loads(body_of(reply))) == {"error"}
    head = reply.partition(b"\r\n\r\n")[0].decode().lower()
    for name, value in SECURITY_HEADERS.items():
        assert f"{name}: {value}".lower() in head, name
    logged = server.new_log()
    assert "ERROR" not in logged and "Traceback" not in logged, logged


BAD_CHUNKING = {
    "chunk size not hex": CHUNKED + b"zz\r\nabc\r\n0\r\n\r\n",
    "chunk size negative": CHUNKED + b"-3\r\nabc\r\n0\r\n\r\n",
    "chunk longer than its size": CHUNKED + b"2\r\nabc\r\n0\r\n\r\n",
    "control character in an extension": CHUNKED + b"3;a\x01b\r\nabc\r\n0\r\n\r\n",
    "NUL in an extension": CHUNKED + b"3;ext=\x00\r\nabc\r\n0\r\n\r\n",
    "bare LF after the size": CHUNKED + b"3\nabc\r\n0\r\n\r\n",
}


@pytest.mark.parametrize("name", sorted(BAD_CHUNKING))
def test_malformed_chunked_bodies_get_400_without_an_error_logged(
    server: Server, name: str
) -> None:
    refused(server, exchange(server.port, BAD_CHUNKING[name]), 400)


TRUNCATED = {
    "chunked, mid-chunk": CHUNKED + b"100\r\n" + b"a" * 10,
    "chunked, no last chunk": CHUNKED + b"3\r\nabc\r\n",
    "chunked, no final CRLF": CHUNKED + b"3\r\nabc\r\n0\r\n",
    "content-length, half the body": HEAD + b"Content-Length: 100\r\n\r\n" + b"{" * 50,
}


@pytest.mark.parametrize("name", sorted(TRUNCATED))
def test_a_body_cut_short_by_the_client_gets_400(server: Server, name: str) -> None:
    # The client shuts its sending side: the body will never be completed.
    refused(server, exchange(server.port, TRUNCATED[name], half_close=True), 400)


@pytest.mark.parametrize(
    "start",
    [
        HEAD + b"Content-Length: 100\r\n\r\n{",
        CHUNKED + b"100\r\n{",
        # A size of 2**160 - 1 is valid hex: the body it promises never comes either.
        CHUNKED + b"f" * 40 + b"\r\nabc\r\n0\r\n\r\n",
    ],
    ids=["content-length", "chunked", "chunk size past any cap"],
)
def test_a_body_that_never_comes_gets_408(server: Server, start: bytes) -> None:
    # The client stays connected and sends nothing more: gunicorn's worker timeout
    # (10 s) must not be what ends it.  The socket's 30 s is only there so a broken
    # server cannot hang the suite.
    began = time.monotonic()
    with socket.create_connection((HOST, server.port), timeout=30) as sock:
        sock.sendall(start)
        reply = read_reply(sock)
    print(f"408 after {time.monotonic() - began:.1f} s")
    refused(server, reply, 408)


def test_a_chunked_body_over_the_cap_gets_413_and_is_never_parsed(server: Server) -> None:
    # Its first 64 KiB are a complete launch request: cut there, it would be served.
    big = launch_padded_to_cap() + b" " * (140 * 1024)
    refused(server, exchange(server.port, post("/alexa", big, chunked=True)), 413)


def test_a_body_over_the_cap_in_many_small_chunks_gets_413(server: Server) -> None:
    padded = launch_padded_to_cap() + b" " * 10
    pieces = [padded[i : i + 1000] for i in range(0, len(padded), 1000)]
    framed = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
    refused(server, exchange(server.port, CHUNKED + framed), 413)


def test_a_declared_length_over_the_cap_gets_413_before_the_body_is_read(server: Server) -> None:
    refused(server, exchange(server.port, HEAD + b"Content-Length: 10000000\r\n\r\n{"), 413)


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
def test_a_body_of_exactly_the_cap_is_served(server: Server, chunked: bool) -> None:
    reply = exchange(server.port, post("/alexa", launch_padded_to_cap(), chunked=chunked))
    assert status(reply) == 200, reply[:300]
    assert json.loads(body_of(reply))["version"] == "1.0"
    assert "ERROR" not in server.new_log()


def test_a_chunked_launch_in_several_chunks_is_served(server: Server) -> None:
    body = launch_body()
    pieces = [body[i : i + 100] for i in range(0, len(body), 100)]
    framed = b"".join(b"%x;name=value\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
    reply = exchange(server.port, CHUNKED + framed)
    assert status(reply) == 200, reply[:300]


def test_a_connection_serves_the_next_request_after_a_refused_body(server: Server) -> None:
    # A 413 on a declared length leaves the unread body to gunicorn (drained or closed);
    # an ordinary request on a fresh connection is served as before.
    exchange(server.port, HEAD + b"Content-Length: 100000\r\n\r\n" + b" " * 100000)
    reply = exchange(server.port, post("/alexa", launch_body()))
    assert status(reply) == 200, reply[:300]


def test_the_log_names_the_cause_as_a_warning(server: Server) -> None:
    exchange(server.port, BAD_CHUNKING["chunk size not hex"])
    logged = server.new_log()
    assert "WARNING" in logged and "refused request" in logged, logged


def test_bodies_are_read_by_the_guard_in_the_app_itself() -> None:
    # The guard is part of the app, so `make run` and embedders get it too.
    app = create_app({"ALEXA_VERIFY_SIGNATURE": "0", "store": MemoryStore()})
    assert isinstance(app.wsgi_app, BodyGuard)
    assert app.wsgi_app.max_bytes == CAP


class CountingCondition(threading.Condition):
    """A Condition that counts how often the watchdog's thread goes to sleep."""

    waits = 0

    def wait(self, timeout: float | None = None) -> bool:
        CountingCondition.waits += 1
        return super().wait(timeout)


def test_the_watchdog_wakes_in_batches_not_once_per_body() -> None:
    """200 deadlines falling due a few milliseconds apart (a busy worker's bodies, five
    seconds after each arrived) are all enforced, by a thread that slept a handful of
    times, not once per body (each waking is a GIL hand-over in the worker)."""
    watchdog = Watchdog()
    watchdog._cond = CountingCondition()
    CountingCondition.waits = 0
    ours, theirs = socket.socketpair()
    deadlines = []
    with ours, theirs:
        for number in range(200):
            with watchdog.watch(ours, 0.05 + number * 0.0025) as deadline:
                deadlines.append(deadline)
            deadline.done = False  # still being read when it falls due
        give_up = time.monotonic() + 10
        while not all(d.expired for d in deadlines) and time.monotonic() < give_up:
            time.sleep(0.05)
    assert all(d.expired for d in deadlines)
    span = 0.05 + 200 * 0.0025  # seconds from the first deadline to the last
    assert CountingCondition.waits <= span / BATCH_SECONDS + 4, CountingCondition.waits
