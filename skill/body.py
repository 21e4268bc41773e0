"""Request bodies read whole, under a size cap and a deadline, before Flask sees them.

gunicorn decodes chunked bodies lazily, as the app reads ``wsgi.input``, so a bad
chunk size, a truncated body or a control character in a chunk extension raised
inside the view (a 500 with an ERROR line); werkzeug's capped reader for a body
without Content-Length stops at the cap without saying there was more (a body over
it was cut and parsed); and a body that never came held the worker until gunicorn
killed it.  ``BodyGuard`` wraps the WSGI app and reads every body first:

- over ``max_bytes``, however it is framed: 413, and nothing is parsed;
- unreadable (bad framing, truncated, the client gone): 400;
- not all there within ``deadline`` seconds: 408 (under gunicorn, which puts the
  socket in the environ; the read side is shut so the blocked read returns);

each with a WARNING naming the cause (never an ERROR: the client's doing) and
``Connection: close`` (gunicorn decides for itself: it drains what is left of a
body within its own bound, or closes).  The app then gets the body as a plain
in-memory stream with its Content-Length, so Flask's own checks run unchanged.
"""

from __future__ import annotations

import heapq
import io
import itertools
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import IO, Any

log = logging.getLogger("skill.body")

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

READ_STEP = 16 * 1024  # bytes asked of wsgi.input per read
BATCH_SECONDS = 0.25  # the watchdog's least sleep: how late a deadline may be enforced


class BodyError(Exception):
    """The body cannot be served: ``status`` says why."""

    def __init__(self, status: int, message: str, cause: str) -> None:
        super().__init__(cause)
        self.status = status
        self.message = message


def declared_length(environ: dict[str, Any]) -> int | None:
    """Content-Length as a number, or None when absent (gunicorn has checked its form)."""
    text = str(environ.get("CONTENT_LENGTH") or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise BodyError(400, "bad content length", "Content-Length is not a number")
    return int(text)


def is_chunked(environ: dict[str, Any]) -> bool:
    return "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower()


class Deadline:
    """One body's time limit: when it passes, the read side of ``sock`` is shut, so a
    read blocked on a body that stopped coming returns (empty) instead of holding the
    worker.  Without a socket (not gunicorn) it never expires."""

    def __init__(self, sock: socket.socket | None, when: float) -> None:
        self.sock = sock
        self.when = when
        self.expired = False
        self.done = False

    def expire(self) -> None:
        if self.done or self.sock is None:
            return
        self.expired = True
        with suppress(OSError):  # the client has gone already
            self.sock.shutdown(socket.SHUT_RD)


class Watchdog:
    """One thread per process that expires the deadlines of bodies still being read
    (a thread per request would cost more than the request: about 0.9 ms here).

    The thread wakes at most every ``BATCH_SECONDS`` and expires every deadline due by
    then, so a deadline may pass up to that late.  Waking for each deadline as it fell
    due woke the thread once per request (almost every body has long been read by
    then), a GIL hand-over each time: 7% of a busy worker's samples (issue 21).
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Deadline]] = []
        self._count = itertools.count()
        self._pid = 0  # the process whose thread runs; a forked worker starts its own

    @contextmanager
    def watch(self, sock: socket.socket | None, seconds: float) -> Iterator[Deadline]:
        deadline = Deadline(sock, time.monotonic() + seconds)
        if sock is not None:
            self._add(deadline)
        try:
            yield deadline
        finally:
            deadline.done = True  # dropped from the heap when its time comes

    def _add(self, deadline: Deadline) -> None:
        with self._cond:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self._heap.clear()
                threading.Thread(target=self._run, name="body-deadlines", daemon=True).start()
            first = not self._heap or deadline.when < self._heap[0][0]
            heapq.heappush(self._heap, (deadline.when, next(self._count), deadline))
            if first:
                self._cond.notify()

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                while self._heap and self._heap[0][0] <= now:
                    heapq.heappop(self._heap)[2].expire()
                self._cond.wait(max(self._heap[0][0] - now, BATCH_SECONDS) if self._heap else None)


WATCHDOG = Watchdog()


def read_capped(stream: IO[bytes], length: int | None, max_bytes: int) -> bytes:
    """The whole body: ``length`` bytes, or (chunked) up to the end, at most ``max_bytes``."""
    wanted = max_bytes + 1 if length is None else length
    parts: list[bytes] = []
    got = 0
    while got < wanted:
        part = stream.read(min(READ_STEP, wanted - got))
        if not part:
            break
        parts.append(part)
        got += len(part)
    if got > max_bytes:
        raise BodyError(413, "request too large", f"chunked body over {max_bytes} bytes")
    if length is not None and got < length:
        raise BodyError(400, "incomplete body", f"body ended after {got} of {length} bytes")
    return b"".join(parts)


def read_body(environ: dict[str, Any], max_bytes: int, deadline: float) -> bytes:
    """The request body, or BodyError (never any other exception)."""
    length = declared_length(environ)
    if length is not None and length > max_bytes:
        raise BodyError(413, "request too large", f"Content-Length {length} over {max_bytes}")
    sock = environ.get("gunicorn.socket")
    with WATCHDOG.watch(sock if isinstance(sock, socket.socket) else None, deadline) as timer:
        try:
            body = read_capped(environ["wsgi.input"], length, max_bytes)
        except BodyError:
            if timer.expired:
                raise BodyError(408, "request timeout", "body not sent in time") from None
            raise
        except Exception as error:  # gunicorn's parse errors, a reset: all the client's doing
            if timer.expired:
                raise BodyError(408, "request timeout", "body not sent in time") from None
            raise BodyError(400, "unreadable body", type(error).__name__) from None
    if timer.expired:
        raise BodyError(408, "request timeout", "body not sent in time")
    return body


REASONS = {400: "Bad Request", 408: "Request Timeout", 413: "Content Too Large"}


def refusal(
    error: BodyError, start_response: StartResponse, headers: Mapping[str, str]
) -> list[bytes]:
    """The short JSON refusal the app's own refusals look like, with its ``headers``."""
    body = json.dumps({"error": error.message}).encode()
    start_response(
        f"{error.status} {REASONS.get(error.status, 'Refused')}",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Connection", "close"),
            *headers.items(),
        ],
    )
    return [body]


class BodyGuard:
    """WSGI middleware: the body read whole (see the module's docstring), or refused."""

    def __init__(
        self,
        app: WSGIApp,
        max_bytes: int,
        deadline: float,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.deadline = deadline
        self.headers = dict(headers or {})  # on every refusal (the app's security headers)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if not is_chunked(environ) and not environ.get("CONTENT_LENGTH"):
            return self.app(environ, start_response)  # no body (GET /healthz)
        try:
            body = read_body(environ, self.max_bytes, self.deadline)
        except BodyError as error:
            log.warning("refused request: %s (%d)", error, error.status)
            return refusal(error, start_response, self.headers)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ.pop("wsgi.input_terminated", None)  # Content-Length frames it now
        return self.app(environ, start_response)
