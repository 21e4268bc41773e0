"""Scale-out (issue 18): a small ``make scale-test`` run, and its checker caught out.

The run is the real thing at a small size: a 3-master, 3-replica Redis Cluster of
redis-server processes, two ``backcoach serve`` instances behind a round-robin nginx,
20 patients each doing a whole routine, one master killed with SIGKILL part way.
Nothing is timed here; ``make scale-test`` prints the figures.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from backcoach_dev.scale.check import check
from backcoach_dev.scale.cluster import Cluster
from backcoach_dev.scale.patients import Ledger, Script, user_id
from backcoach_dev.scale.run import Settings, run
from skill.store import RedisStore

from .redis_server import RedisServer

SMALL = Settings(patients=20, think=0.5, ramp=2.0, kill_after=3.0)


def test_a_small_run_loses_nothing_through_a_master_failover(tmp_path: Path) -> None:
    report, findings = run(SMALL, tmp_path)

    assert report["failover_seconds"] is not None, report["failover_error"]
    assert report["patients"] == 20 and report["patients_unfinished"] == 0
    assert report["events_acknowledged"] > 0 and report["red_flags"] > 0
    assert report["patients_linked"] > 0
    assert len(report["answers_per_instance"]) == 2  # turns landed on both instances
    assert report["errors_5xx"] == 0 and report["unspoken_answers"] == 0
    assert report["journal_left"] == 0
    assert findings.problems == []
    assert findings.clean


@pytest.fixture(scope="module")
def cluster() -> Iterator[RedisServer]:
    with RedisServer(cluster=True) as server:
        yield server


def pain(request_id: str) -> dict[str, object]:
    return {"id": f"{request_id}:0", "kind": "pain", "at": "2026-12-01T10:00:00+00:00"}


def test_the_checker_counts_lost_and_duplicate_events_and_lost_progress(
    cluster: RedisServer,
) -> None:
    store = RedisStore.from_url(cluster.url, cluster=True, salt="x" * 16)
    number = 1  # a patient with no red flag in their script
    assert Script.of(number).red_flag_at is None
    ledger = Ledger(Script.of(number), user_id(number))
    stored_state = {"ph": "positioning", "i": 1, "d": ["b01-knee-rolls"]}
    store.save(ledger.user_id, stored_state, [pain("heard-once")])
    ledger.events = {"heard-once:0": "pain"}
    ledger.state = dict(stored_state)

    assert check(store, [ledger], None).clean

    ledger.events["never-stored:0"] = "pain"
    ledger.state = {**stored_state, "i": 2}
    with cluster.client() as client:
        client.rpush(store.keys(ledger.user_id).pain, json.dumps(pain("heard-once")))
    findings = check(store, [ledger], None)

    assert (findings.lost_events, findings.duplicate_events, findings.lost_progress) == (1, 1, 1)
    assert not findings.clean
    store.close()


def test_a_link_cut_short_by_a_failover_links_on_the_next_try_without_spending_the_code(
    cluster: RedisServer,
) -> None:
    store = RedisStore.from_url(cluster.url, cluster=True, salt="x" * 16)
    plans = store.plan_store()
    prescription = {"exercises": [{"id": "b01-knee-rolls", "reps": 4}]}
    plan_id, code = plans.create(prescription, "2026-12-01T09:00:00+00:00", links=1)
    plan = plans.plan(plan_id)
    assert plan is not None
    first, second = user_id(101), user_id(102)
    # The try that was cut short: counted, in the plan's set, the person's link not written.
    assert plans._count_use(code, plan, store.hashed(first))
    assert store.load(first).link is None

    assert plans.link(first, code, "2026-12-01T09:01:00+00:00").status == "linked"
    assert plans.link(second, code, "2026-12-01T09:02:00+00:00").status == "unknown"
    assert plans.linked_users(plan_id) == [store.hashed(first)]
    store.close()


def test_readyz_on_a_cluster_writes_to_every_master_and_a_master_down_is_not_unready(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cluster = Cluster(tmp_path, masters=3)
    store = RedisStore.from_url(cluster.url, cluster=True)
    try:
        assert store.readiness() is None
        for master in cluster.masters():
            with master.client() as client:
                assert client.keys("backcoach:ready*"), f"no probe written on {master.address}"
        cluster.kill_a_master()
        with caplog.at_level(logging.WARNING, logger="skill.store.redis_store"):
            assert store.readiness() is None  # every instance shares the cluster: ready
        assert "1 of 3 masters refuse writes" in caplog.text
        for node in cluster.alive:
            node.kill()
        problem = store.readiness()
        assert problem is not None and problem.startswith("store refuses writes")
    finally:
        store.close()
        cluster.stop()


def test_a_cluster_client_retries_once_and_a_single_redis_never(cluster: RedisServer) -> None:
    clustered = RedisStore.from_url(cluster.url, cluster=True)
    single = RedisStore.from_url("redis://127.0.0.1:1/0")
    try:
        assert clustered.client.retry.get_retries() == 1
        assert single.client.get_retry().get_retries() == 0  # as test_hardening_redis
    finally:
        clustered.close()
        single.close()
