"""Real servers for the serving tests, on loopback: ``backcoach serve`` (gunicorn with
production's settings, infra/gunicorn.conf.py) and nginx with the shipped front's
limits (infra/nginx/); plus raw HTTP over sockets, for what a well-behaved client
library would never send.  Each server logs to a file the test can read, and is
stopped (SIGTERM, then SIGKILL) by ``close``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from backcoach_dev.ports import HOST, free_port
from backcoach_dev.scale.servers import front_config

INFRA = Path(__file__).resolve().parents[1] / "infra"
NGINX_DIR = INFRA / "nginx"
START_DEADLINE = 30.0  # seconds for a server to answer (a slow, shared CI machine)
NGINX_MISSING = (
    "nginx is not installed: the front-proxy tests need a real one. "
    "`make test` installs it (or: apt-get install -y nginx)."
)


class Process:
    """A child process logging to ``log``; ``close`` stops it and waits."""

    def __init__(self, command: list[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.log = log
        self._log_file = log.open("ab")
        self.process = subprocess.Popen(
            command, env=env, stdout=self._log_file, stderr=subprocess.STDOUT
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def logs(self, text: str) -> bool:
        """Whether ``text`` is in the log, waiting a little for a line being written
        (gunicorn logs a request after answering it)."""
        for _ in range(50):
            if text in self.output():
                return True
            time.sleep(0.1)
        return False

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log_file.close()


def wait_until_answering(port: int, process: Process) -> None:
    """Returns once ``GET /healthz`` on ``port`` gets any HTTP answer."""
    deadline = time.monotonic() + START_DEADLINE
    while time.monotonic() < deadline:
        if process.process.poll() is not None:
            break
        try:
            if exchange(port, b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"):
                return
        except OSError:
            time.sleep(0.1)
    process.close()
    raise AssertionError(f"server on port {port} did not start:\n{process.output()[-3000:]}")


# `backcoach serve` refuses to start without a salt of at least 16 characters.
SALT = "a test salt of more than sixteen characters"


def start_serve(redis_url: str, log: Path, **env: str) -> tuple[Process, int]:
    """``backcoach serve`` on a free loopback port; ``env`` on top (WEB_CONCURRENCY...)."""
    port = free_port()
    environment = {
        **os.environ,
        "REDIS_URL": redis_url,
        "BIND": f"{HOST}:{port}",
        "WEB_CONCURRENCY": "1",
        "ALEXA_VERIFY_SIGNATURE": "1",
        "BACKCOACH_USER_KEY_SALT": SALT,
        **env,
    }
    process = Process([sys.executable, "-m", "skill.cli", "serve"], log, environment)
    wait_until_answering(port, process)
    return process, port


def nginx_executable() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").is_file() else None
    )
    if found is None:
        raise AssertionError(NGINX_MISSING)
    return found


def nginx_test_config(prefix: Path, port: int, upstream_port: int) -> str:
    """The shipped front (infra/nginx/limits.conf and locations.conf, included as they
    are) over plain HTTP on loopback, upstream the test's gunicorn: the scale test's
    own config (backcoach_dev.scale.servers.front_config) with one upstream."""
    return front_config(prefix, port, [f"{HOST}:{upstream_port}"])


class Nginx(Process):
    """nginx in its own temporary prefix, removed by ``close``."""

    def __init__(self, command: list[str], prefix: Path) -> None:
        super().__init__(command, prefix / "stdout.log")
        self.prefix = prefix

    def close(self) -> None:
        super().close()
        shutil.rmtree(self.prefix, ignore_errors=True)


def start_nginx(upstream_port: int) -> tuple[Nginx, int, Path]:
    """A non-daemon nginx on a free port with its own prefix, config, pid and logs."""
    prefix = Path(tempfile.mkdtemp(prefix="backcoach-nginx-"))
    port = free_port()
    config = prefix / "nginx.conf"
    config.write_text(nginx_test_config(prefix, port, upstream_port))
    command = [
        nginx_executable(),
        *("-p", str(prefix), "-c", str(config), "-e", str(prefix / "error.log")),
        *("-g", "daemon off;"),
    ]
    check = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    if check.returncode != 0:
        shutil.rmtree(prefix, ignore_errors=True)
        raise AssertionError(check.stderr)
    process = Nginx(command, prefix)
    wait_until_answering(port, process)
    return process, port, prefix


# --- raw HTTP ---------------------------------------------------------------------------


def exchange(port: int, data: bytes, *, half_close: bool = False, timeout: float = 30.0) -> bytes:
    """Send ``data`` on a new connection and return the whole reply (until the server
    closes, or the first reply once its Content-Length is in).  ``half_close`` shuts our
    sending side after ``data``, as a client that stopped mid-body."""
    with socket.create_connection((HOST, port), timeout=timeout) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        return read_reply(sock)


def read_reply(sock: socket.socket) -> bytes:
    reply = b""
    while True:
        try:
            part = sock.recv(65536)
        except ConnectionResetError:
            return reply
        if not part:
            return reply
        reply += part
        if complete(reply):
            return reply


def complete(reply: bytes) -> bool:
    head, sep, body = reply.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def status(reply: bytes) -> int:
    """The status code of a raw reply (0 for no reply at all)."""
    parts = reply.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def body_of(reply: bytes) -> bytes:
    return reply.partition(b"\r\n\r\n")[2]


def post(path: str, body: bytes, *, chunked: bool = False, extra: bytes = b"") -> bytes:
    """A raw POST: Content-Length framed, or ``chunked`` in one chunk."""
    head = f"POST {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n".encode()
    if chunked:
        framed = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        return head + b"Transfer-Encoding: chunked\r\n" + extra + b"\r\n" + framed
    return head + b"Content-Length: %d\r\n" % len(body) + extra + b"\r\n" + body
