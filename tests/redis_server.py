"""A throwaway real redis-server for tests: start, stop, kill, restart, cluster mode,
and the faults a live Redis has: out of memory, a read-only replica, a stall.

Storage is tested against the real thing (docs/ARCHITECTURE.md, 'Testing'), so a
missing redis-server is a failure, not a skip.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from backcoach_dev.ports import free_port

MISSING = (
    "redis-server is not installed: the storage tests need a real one. "
    "`make test` installs it (or: apt-get install -y redis-server)."
)
START_DEADLINE = 20.0  # seconds to wait for the server to answer (a slow CI machine)


# Keys of the service itself, about no one (skill/store/aof.py's rewrite limit).
SERVICE_KEYS = "backcoach:aof:*"


def people_keys(client: redis.Redis) -> list[str]:
    """Every key in the server but the service's own: what is kept about people."""
    service = set(client.keys(SERVICE_KEYS))
    return [key for key in client.keys("*") if key not in service]


class RedisServerError(RuntimeError):
    pass


class RedisServer:
    """One redis-server on a free loopback port, in its own temporary directory.

    ``stop``/``kill`` then ``start`` bring it back on the same port, empty (nothing
    is saved to disk), which is what a test of "Redis went away and came back" needs.
    In cluster mode it is a single-node cluster owning all 16384 slots.

    ``extra_args`` go on the command line after the defaults, so they win: for example
    ``["--appendonly", "yes"]`` makes a restart on the same directory keep the data.
    """

    def __init__(self, *, cluster: bool = False, extra_args: Sequence[str] = ()) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            raise RedisServerError(MISSING)
        self.executable = executable
        self.cluster = cluster
        self.extra_args = list(extra_args)
        self.port = free_port()
        # The cluster bus defaults to port + 10000, which may be taken or past 65535.
        self.bus_port = free_port() if cluster else None
        self.host = "127.0.0.1"
        self._tmp = tempfile.TemporaryDirectory(prefix="backcoach-redis-")
        self.directory = Path(self._tmp.name)
        self.logfile = self.directory / "redis.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def client(self, **options: object) -> redis.Redis:
        """A plain client for inspecting the server (not the code under test)."""
        return redis.Redis(
            host=self.host, port=self.port, decode_responses=True, socket_timeout=5, **options
        )

    def start(self) -> RedisServer:
        if self.running:
            return self
        args = [
            self.executable,
            "--port", str(self.port),
            "--bind", self.host,
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--dir", str(self.directory),
        ]  # fmt: skip
        if self.cluster:
            args += [
                "--cluster-enabled", "yes",
                "--cluster-config-file", str(self.directory / "nodes.conf"),
                "--cluster-port", str(self.bus_port),
            ]  # fmt: skip
        args += self.extra_args
        with self.logfile.open("ab") as log:
            self._process = subprocess.Popen(
                args, cwd=self.directory, stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_for_ping()
        if self.cluster:
            self._assign_all_slots()
        return self

    def stop(self) -> None:
        """Shut down cleanly (SIGTERM) and wait for the process to end."""
        self._end(kill=False)

    def kill(self) -> None:
        """Die at once (SIGKILL), as a crashed or OOM-killed Redis would."""
        self._end(kill=True)

    def restart(self) -> RedisServer:
        self.stop()
        return self.start()

    def close(self) -> None:
        self.stop()
        self._tmp.cleanup()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- faults of a running server (each undone by its pair, or by a restart) ----------

    def command(self, *args: object) -> object:
        """One command on a fresh admin connection."""
        client = self.client()
        try:
            return client.execute_command(*args)
        finally:
            client.close()

    def out_of_memory(self) -> None:
        """Refuse every write with OOM, as a full ``maxmemory`` with ``noeviction`` does."""
        self.command("CONFIG", "SET", "maxmemory-policy", "noeviction")
        self.command("CONFIG", "SET", "maxmemory", "1")

    def memory_back(self) -> None:
        self.command("CONFIG", "SET", "maxmemory", "0")

    def replicate(self, primary: RedisServer) -> None:
        """Become a read-only replica of ``primary`` (its data replaces ours), and wait
        until the link is up, so the state is settled before the test goes on."""
        self.command("CONFIG", "SET", "replica-read-only", "yes")
        self.command("REPLICAOF", primary.host, str(primary.port))
        deadline = time.monotonic() + START_DEADLINE
        client = self.client()
        try:
            while client.info("replication").get("master_link_status") != "up":
                if time.monotonic() > deadline:
                    raise RedisServerError(f"replica link did not come up:\n{self._log_tail()}")
                time.sleep(0.02)
        finally:
            client.close()

    def promote(self) -> None:
        """Stop replicating: writable again, keeping what it has."""
        self.command("REPLICAOF", "NO", "ONE")

    def stall(self, seconds: float = 1.0) -> None:
        """Block the whole server (DEBUG SLEEP; needs ``--enable-debug-command yes``) and
        return once it has begun to sleep: synchronised, not timed."""
        sleeper = threading.Thread(
            target=self.command, args=("DEBUG", "SLEEP", seconds), daemon=True
        )
        sleeper.start()
        probe = redis.Redis(
            host=self.host, port=self.port, socket_timeout=0.05, retry=Retry(NoBackoff(), 0)
        )
        try:
            while True:
                probe.ping()  # answers until the server has begun to sleep
        except redis.TimeoutError:
            pass
        finally:
            probe.close()

    def wait_awake(self) -> None:
        """Return once a stalled server answers again (queued behind the stall)."""
        patient = redis.Redis(host=self.host, port=self.port, socket_timeout=30)
        try:
            patient.ping()
        finally:
            patient.close()

    def _end(self, *, kill: bool) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        if kill:
            process.kill()
        else:
            process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def _wait_for_ping(self) -> None:
        deadline = time.monotonic() + START_DEADLINE
        client = self.client()
        try:
            while True:
                if self._process is not None and self._process.poll() is not None:
                    raise RedisServerError(f"redis-server exited at start:\n{self._log_tail()}")
                try:
                    if client.ping():
                        return
                except redis.ConnectionError:
                    pass
                if time.monotonic() > deadline:
                    self.kill()
                    raise RedisServerError(f"redis-server did not answer:\n{self._log_tail()}")
                time.sleep(0.02)
        finally:
            client.close()

    def _assign_all_slots(self) -> None:
        client = self.client()
        try:
            # A restart keeps nodes.conf, and with it the slots the node already owns.
            if int(client.cluster("INFO").get("cluster_slots_assigned", 0)) == 0:
                client.execute_command("CLUSTER ADDSLOTSRANGE", 0, 16383)
            deadline = time.monotonic() + START_DEADLINE
            while client.cluster("INFO").get("cluster_state") != "ok":
                if time.monotonic() > deadline:
                    raise RedisServerError(f"cluster did not reach state ok:\n{self._log_tail()}")
                time.sleep(0.02)
        finally:
            client.close()

    def _log_tail(self) -> str:
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-20:])
        except OSError:
            return "(no log)"
