"""One scale run: the cluster, two instances, the front, the crowd, a master killed
part way, then the checks and the figures (one JSON object)."""

from __future__ import annotations

import json
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from backcoach_dev.bench.processes import BenchProcessError, Child, stop_all
from backcoach_dev.bench.runner import machine
from skill.coach.catalog import load_catalog
from skill.coach.prescription import parse_prescription
from skill.store import RedisStore
from skill.store.journal import Journal

from .check import Findings, check
from .cluster import Cluster, ClusterNode
from .figures import LogCounts, degraded, per_instance, read_logs, traffic
from .patients import Crowd, Ledger
from .servers import SALT, Front, Instance

PRESCRIPTION = {
    "patient": "Scale test",
    "exercises": [
        {"id": "b03-back-extensions", "hold_seconds": 3, "reps": 2},
        {"id": "b05-deep-abdominal-strengthening", "hold_seconds": 7, "reps": 2},
        {"id": "b01-knee-rolls", "reps": 4},
    ],
}
DRAIN_DEADLINE = 60.0  # seconds for the journals to be replayed after the run


@dataclass(frozen=True)
class Settings:
    patients: int = 500
    think: float = 3.0  # seconds between turns, on average
    ramp: float = 4.0  # seconds over which the patients start (all mid-routine at once)
    kill_after: float = 30.0  # seconds into the run the master is killed (0: never)
    masters: int = 3
    instances: int = 2
    workers: int = 1  # gunicorn workers per instance


def say(message: str) -> None:
    print(f"scale: {message}", file=sys.stderr, flush=True)


class Failover:
    """Kills a master ``after`` seconds in, then times the replica's takeover."""

    def __init__(self, cluster: Cluster, after: float, masters: int) -> None:
        self.cluster = cluster
        self.after = after
        self.masters = masters
        self.seconds: float | None = None
        self.victim: ClusterNode | None = None
        self.error: str = ""
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        if self.after > 0:
            self.thread.start()

    def _run(self) -> None:
        time.sleep(self.after)
        try:
            self.victim = self.cluster.kill_a_master()
            say(f"killed master {self.victim.address} (SIGKILL)")
            self.seconds = self.cluster.wait_failover(self.victim, self.masters)
            say(f"a replica took over after {self.seconds:.1f} s")
        except BenchProcessError as error:
            self.error = str(error)

    def join(self) -> None:
        if self.thread.is_alive() or self.after > 0:
            self.thread.join()


def create_plan(store: RedisStore, links: int) -> tuple[str, str]:
    checked = parse_prescription(PRESCRIPTION, load_catalog(), "scale prescription")
    return store.plan_store().create(checked.to_dict(), datetime.now(UTC).isoformat(), links=links)


def drain(journals: list[Path]) -> int:
    """Wait until every instance's journal is empty; what is left after the deadline."""
    deadline = time.monotonic() + DRAIN_DEADLINE
    left = 0
    while time.monotonic() < deadline:
        left = sum(_rows(path) for path in journals if path.exists())
        if left == 0:
            return 0
        time.sleep(0.5)
    return left


def _rows(path: Path) -> int:
    journal = Journal(path)
    try:
        return journal.count()
    finally:
        journal.close()


def run(settings: Settings, folder: Path) -> tuple[dict[str, Any], Findings]:
    with ExitStack() as stack:
        children: list[Child] = []
        stack.callback(lambda: stop_all(children))
        cluster = Cluster(folder / "redis", settings.masters)
        children.extend(cluster.nodes)
        say(f"cluster up: {settings.masters} masters, {settings.masters} replicas")
        instances = [
            Instance(f"instance{n}", cluster.url, folder / f"instance{n}", settings.workers)
            for n in range(settings.instances)
        ]
        children.extend(instances)
        for instance in instances:
            instance.wait_ready()
        front = Front(folder / "front", [i.address for i in instances])
        children.insert(0, front)
        store = RedisStore.from_url(
            cluster.url,
            cluster=True,
            salt=SALT,
            socket_timeout=5,
            retry=Retry(ExponentialBackoff(), 8),
        )
        stack.callback(store.close)
        plan_id, code = create_plan(store, links=settings.patients)
        say(
            f"{settings.instances} instances behind nginx on port {front.port}; "
            f"{settings.patients} patients start"
        )
        crowd = Crowd(settings.patients, front.port, settings.think, settings.ramp, [code])
        failover = Failover(cluster, settings.kill_after, settings.masters)
        started = time.monotonic()
        crowd.start()
        failover.start()
        ledgers = crowd.wait()
        failover.join()
        say(f"patients done after {time.monotonic() - started:.0f} s; waiting for journals")
        left = drain([i.journal for i in instances])
        counts = read_logs([i.log for i in instances])
        findings = check(store, ledgers, plan_id, counts.degraded_ids)
        report = _report(settings, ledgers, started, failover, counts, findings, left)
        return report, findings
    raise AssertionError("unreachable")  # pragma: no cover


def _report(
    settings: Settings,
    ledgers: list[Ledger],
    started: float,
    failover: Failover,
    counts: LogCounts,
    findings: Findings,
    journal_left: int,
) -> dict[str, Any]:
    return {
        "instances": settings.instances,
        "workers_per_instance": settings.workers,
        "redis_masters": settings.masters,
        "redis_replicas": settings.masters,
        "patients": len(ledgers),
        **traffic(ledgers, started),
        "failover_seconds": None if failover.seconds is None else round(failover.seconds, 1),
        "failover_error": failover.error or None,
        **degraded(ledgers, counts),
        "journal_left": journal_left,
        "events_acknowledged": findings.events_expected,
        "lost_events": findings.lost_events,
        "duplicate_events": findings.duplicate_events,
        "unexpected_events": findings.unexpected_events,
        "duplicate_history": findings.duplicate_history,
        "lost_progress": findings.lost_progress,
        "lockouts_missing": findings.lockouts_missing,
        "lockouts_unheard_in_failover": findings.lockouts_unheard_degraded,
        "links_missing": findings.links_missing,
        "patients_linked": sum(1 for ledger in ledgers if ledger.linked),
        "red_flags": sum(1 for ledger in ledgers if "red_flag" in ledger.events.values()),
        "patients_unfinished": sum(1 for ledger in ledgers if ledger.unfinished),
        "answers_per_instance": per_instance(ledgers),
        "problems": findings.problems,
        "settings": {
            "think_seconds": settings.think,
            "ramp_seconds": settings.ramp,
            "kill_after_seconds": settings.kill_after,
        },
        "machine": machine(),
    }


def scale_main(settings: Settings, keep: Path | None = None, out: Path | None = None) -> int:
    folder = keep or Path(tempfile.mkdtemp(prefix="backcoach-scale-"))
    report, findings = run(settings, folder)
    text = json.dumps(report, indent=2)
    print(text)
    if out is not None:
        out.write_text(text + "\n")
    if keep is None:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    ok = findings.clean and report["errors_5xx"] == 0 and report["journal_left"] == 0
    ok = ok and (settings.kill_after <= 0 or report["failover_seconds"] is not None)
    return 0 if ok else 1
