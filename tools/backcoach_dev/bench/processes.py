"""The bench's child processes: a throwaway redis-server and gunicorn servers on
loopback, on free ports, always stopped at the end (error, Ctrl-C or SIGTERM).

Each child runs in its own session, so a Ctrl-C in the terminal reaches only the
bench, which then stops the children in order; on Linux each child also gets SIGTERM
if the bench itself dies without cleaning up.
"""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import redis

from backcoach_dev.ports import HOST, free_port
from skill.cli import GUNICORN_CONF

START_DEADLINE = 30.0  # seconds for a server to answer
STOP_DEADLINE = 15.0  # seconds for a server to exit after SIGTERM (gunicorn drains 10 s)
PR_SET_PDEATHSIG = 1


class BenchProcessError(RuntimeError):
    pass


def die_with_parent() -> None:  # pragma: no cover - runs in the child
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Child:
    """One child process with its log file."""

    def __init__(self, name: str, args: Sequence[str], log: Path, env: Mapping[str, str]) -> None:
        self.name = name
        self.log = log
        self.terminated = False
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                list(args),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=dict(env),
                start_new_session=True,
                preexec_fn=die_with_parent,
            )

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def terminate(self) -> None:
        if self.process.poll() is None and not self.terminated:
            self.process.send_signal(signal.SIGTERM)
            self.terminated = True

    def stop(self) -> None:
        self.terminate()
        try:
            self.process.wait(timeout=STOP_DEADLINE)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # its own session: the workers too
            self.process.wait(timeout=STOP_DEADLINE)

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def check_alive(self) -> None:
        if not self.alive:
            raise BenchProcessError(f"{self.name} exited:\n{self.tail()}")


def stop_all(children: Sequence[Child]) -> None:
    """SIGTERM to every child at once, then wait for each (SIGKILL after the deadline)."""
    for child in children:
        child.terminate()
    for child in children:
        child.stop()


def _wait(child: Child, ready: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + START_DEADLINE
    while time.monotonic() < deadline:
        child.check_alive()
        if ready():
            return
        time.sleep(0.05)
    raise BenchProcessError(f"{what} did not answer within {START_DEADLINE:.0f} s:\n{child.tail()}")


class RedisServer(Child):
    """redis-server as production runs it (append-only file, fsync every second, no
    eviction), on a free loopback port, in the bench's temporary directory."""

    def __init__(self, folder: Path) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            raise BenchProcessError(
                "redis-server is not installed (make bench installs it, or: "
                "apt-get install -y redis-server)"
            )
        self.port = free_port()
        folder.mkdir(parents=True, exist_ok=True)
        args = [
            executable,
            "--port", str(self.port),
            "--bind", HOST,
            "--dir", str(folder),
            "--save", "",
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--maxmemory-policy", "noeviction",
            "--daemonize", "no",
        ]  # fmt: skip
        super().__init__("redis-server", args, folder / "redis.log", os.environ)
        _wait(self, self._pings, "redis-server")

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host=HOST, port=self.port, decode_responses=True, socket_timeout=10)

    def _pings(self) -> bool:
        client = self.client()
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()


class Gunicorn(Child):
    """``app`` (a gunicorn app spec) under production's gunicorn settings
    (infra/gunicorn.conf.py), bound to a free loopback port."""

    def __init__(
        self, name: str, app: str, workers: int, env: Mapping[str, str], log: Path
    ) -> None:
        if not GUNICORN_CONF.is_file():
            raise BenchProcessError(f"gunicorn settings not found at {GUNICORN_CONF}")
        self.port = free_port()
        environment = {
            **os.environ,
            **env,
            "BIND": f"{HOST}:{self.port}",
            "WEB_CONCURRENCY": str(workers),
        }
        args = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), app]
        super().__init__(name, args, log, environment)

    def wait_ready(self) -> None:
        """Until GET /healthz answers (servers start in parallel, then each is awaited)."""
        _wait(self, self._healthy, self.name)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/alexa"

    def _healthy(self) -> bool:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def post(self, body: bytes, headers: Mapping[str, str] | None = None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=10)
        try:
            connection.request(
                "POST",
                "/alexa",
                body=body,
                headers={"Content-Type": "application/json", **(headers or {})},
            )
            reply = connection.getresponse()
            return reply.status, reply.read()
        finally:
            connection.close()
