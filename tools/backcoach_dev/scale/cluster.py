"""A real Redis Cluster on loopback: redis-server processes with ``cluster-enabled yes``
and the append-only file on, joined by ``redis-cli --cluster create``.

``cluster-node-timeout`` is 2 s (production's advice, docs/SCALING.md): a master that
stops answering is flagged failed after it, and its replica takes over right after.
``cluster-require-full-coverage no``: while one master is down, the other masters'
slots go on serving.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import redis

from backcoach_dev.bench.processes import BenchProcessError, Child, _wait
from backcoach_dev.ports import HOST, free_port

NODE_TIMEOUT_MS = 2000
FAILOVER_DEADLINE = 60.0  # seconds for a replica to take over
BUS_OFFSET = 10_000  # the cluster bus listens this many ports higher
MAX_PORT = 65_535 - BUS_OFFSET


def executable(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BenchProcessError(
            f"{name} is not installed (make scale-test installs it, or: "
            "apt-get install -y redis-server)"
        )
    return found


def cluster_port() -> int:
    """A free port whose cluster bus port (10,000 higher) is free too."""
    for _ in range(200):
        port = free_port()
        if port <= MAX_PORT and _free(port + BUS_OFFSET):
            return port
    raise BenchProcessError("no free port pair for a cluster node")


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


class ClusterNode(Child):
    """One redis-server of the cluster, in its own folder (nodes.conf, the AOF)."""

    def __init__(self, folder: Path) -> None:
        self.port = cluster_port()
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        args = [
            executable("redis-server"),
            "--port", str(self.port),
            "--bind", HOST,
            "--dir", str(folder),
            "--cluster-enabled", "yes",
            "--cluster-config-file", "nodes.conf",
            "--cluster-node-timeout", str(NODE_TIMEOUT_MS),
            "--cluster-require-full-coverage", "no",
            "--save", "",
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--maxmemory-policy", "noeviction",
            "--repl-diskless-sync-delay", "0",  # a replica's first sync starts at once
            "--daemonize", "no",
        ]  # fmt: skip
        super().__init__(f"redis-{self.port}", args, folder / "redis.log", os.environ)
        _wait(self, self._pings, self.name)

    @property
    def address(self) -> str:
        return f"{HOST}:{self.port}"

    def client(self) -> redis.Redis:
        return redis.Redis(host=HOST, port=self.port, decode_responses=True, socket_timeout=2)

    def _pings(self) -> bool:
        try:
            with self.client() as client:
                return bool(client.ping())
        except redis.RedisError:
            return False

    def kill(self) -> None:
        """SIGKILL: no shutdown, no last AOF flush (as a machine that dies)."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


@dataclass(frozen=True)
class NodeView:
    node_id: str
    address: str
    master: bool
    failed: bool


class Cluster:
    """``masters`` masters with one replica each."""

    def __init__(self, folder: Path, masters: int = 3) -> None:
        self.nodes: list[ClusterNode] = []
        try:
            for number in range(masters * 2):
                self.nodes.append(ClusterNode(folder / f"node{number}"))
            self._create(masters)
        except BaseException:
            self.stop()
            raise

    def _create(self, masters: int) -> None:
        command = [
            executable("redis-cli"),
            "--cluster", "create",
            *(node.address for node in self.nodes),
            "--cluster-replicas", "1",
            "--cluster-yes",
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        if done.returncode != 0:
            raise BenchProcessError(f"redis-cli --cluster create failed:\n{done.stdout[-2000:]}")
        deadline = time.monotonic() + FAILOVER_DEADLINE
        while time.monotonic() < deadline:
            if self._settled(masters):
                return
            time.sleep(0.2)
        raise BenchProcessError("the cluster did not settle (cluster_state ok on every node)")

    def _settled(self, masters: int) -> bool:
        for node in self.alive:
            with node.client() as client:
                if client.cluster("info").get("cluster_state") != "ok":
                    return False
        views = self.view()
        if sum(v.master and not v.failed for v in views) != masters or len(views) != 2 * masters:
            return False
        return all(self._synced(node) for node in self.replicas())

    @staticmethod
    def _synced(replica: ClusterNode) -> bool:
        """The replica has its master's data (a replica that never synced cannot take over)."""
        with replica.client() as client:
            return client.info("replication").get("master_link_status") == "up"

    @property
    def alive(self) -> list[ClusterNode]:
        return [node for node in self.nodes if node.alive]

    @property
    def url(self) -> str:
        """A startup node for redis-py (it discovers the others)."""
        return f"redis://{self.nodes[0].address}/0"

    def view(self) -> list[NodeView]:
        """The nodes as a live node sees them (CLUSTER NODES)."""
        with self.alive[0].client() as client:
            nodes = client.execute_command("CLUSTER NODES")  # redis-py parses it
        views = []
        for address, node in dict(nodes).items():
            flags = str(node["flags"]).split(",")
            where = f"{HOST}{address}" if address.startswith(":") else address.split("@", 1)[0]
            views.append(NodeView(node["node_id"], where, "master" in flags, "fail" in flags))
        return views

    def masters(self) -> list[ClusterNode]:
        addresses = {v.address for v in self.view() if v.master and not v.failed}
        return [node for node in self.alive if node.address in addresses]

    def replicas(self) -> list[ClusterNode]:
        addresses = {v.address for v in self.view() if not v.master}
        return [node for node in self.alive if node.address in addresses]

    def kill_a_master(self) -> ClusterNode:
        """SIGKILL one master: the node the webhooks were given as REDIS_URL (the
        harder case: their clients must have learned the others from it)."""
        masters = self.masters()
        victim = self.nodes[0] if self.nodes[0] in masters else masters[0]
        victim.kill()
        return victim

    def wait_failover(self, victim: ClusterNode, masters: int) -> float:
        """Seconds until a replica has taken over the dead master's slots and every live
        node says cluster_state ok."""
        started = time.monotonic()
        deadline = started + FAILOVER_DEADLINE
        while time.monotonic() < deadline:
            views = self.view()
            serving = [
                v for v in views if v.master and not v.failed and v.address != victim.address
            ]
            if len(serving) == masters and self._all_ok():
                return time.monotonic() - started
            time.sleep(0.05)
        raise BenchProcessError("no replica took over within the deadline")

    def _all_ok(self) -> bool:
        for node in self.alive:
            with node.client() as client:
                if client.cluster("info").get("cluster_state") != "ok":
                    return False
        return True

    def stop(self) -> None:
        for node in self.nodes:
            node.terminate()
        for node in self.nodes:
            node.stop()
