"""``backcoach-dev bench`` end to end, as short as it goes: real redis-server, four gunicorn
servers, wrk, signed requests; the JSON has every figure and the children are gone.

No timing is asserted (the figures in docs/ARCHITECTURE.md, 'Performance', are for
``make bench`` on a quiet machine).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path

import pytest

RUN_TIMEOUT = 240  # seconds: a slow CI machine; the run itself takes about half a minute
TAG = "BACKCOACH_BENCH_TEST_TAG"


def bench(args: list[str], tag: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "backcoach_dev.cli", "bench", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, TAG: tag},
    )


def bench_succeeds(args: list[str], tag: str) -> tuple[str, str]:
    """Runs the bench to its end; its stdout and stderr, once it has exited 0."""
    process = bench(args, tag)
    try:
        stdout, stderr = process.communicate(timeout=RUN_TIMEOUT)
    finally:
        process.kill()
    assert process.returncode == 0, f"{stdout}\n{stderr}"
    return stdout, stderr


def tagged_processes(tag: str) -> list[int]:
    """Processes still carrying ``tag`` in their environment (the bench's children)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if f"{TAG}={tag}".encode() in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def wait_until_gone(tag: str, seconds: float = 20.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := tagged_processes(tag)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def positive_per_concurrency(value: object) -> bool:
    return (
        isinstance(value, dict)
        and set(value) >= {"c16", "c64"}
        and all(isinstance(value[c], int | float) and value[c] > 0 for c in ("c16", "c64"))
    )


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="the bench's process checks need /proc")
def test_quick_bench_writes_every_figure_and_cleans_up(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    tag = uuid.uuid4().hex
    stdout, _stderr = bench_succeeds(["--quick", "--seconds", "1", "--json", str(out)], tag)
    assert "ratio skill/reference" in stdout and "Redis round trips" in stdout
    assert "ratio skill/naive" in stdout and "naive (naive stateful)" in stdout
    assert "ratio skill/floor" in stdout and "ratio floor/reference" in stdout

    data = json.loads(out.read_text())
    for key in ("rps", "p50_ms", "p90_ms", "p99_ms", "cpu_us_per_request"):
        assert positive_per_concurrency(data[key]), key
        assert positive_per_concurrency(data["verify_on"][key]), key
        for against in ("reference", "naive", "floor"):
            assert positive_per_concurrency(data[against][key]), (against, key)
            assert positive_per_concurrency(data["verify_on"][against][key]), (against, key)
    for block in (data, data["verify_on"]):
        for key in ("ratio_c16", "ratio_c64", "cpu_ratio"):
            assert isinstance(block[key], float) and block[key] > 0, key
            for against in ("naive", "floor"):
                other = key.replace("ratio", f"ratio_{against}")
                assert isinstance(block[other], float) and block[other] > 0, other
        for key in ("floor_ratio_c16", "floor_ratio_c64"):
            assert isinstance(block[key], float) and block[key] > 0, key
    assert "ahead of naive at c16 >= 1.25x" in data["targets"]
    for key in ("redis_roundtrips_per_request", "redis_bytes_per_user", "verify_us"):
        assert isinstance(data[key], int | float) and data[key] > 0, key
    trips = data["redis_roundtrips"]
    assert trips["launch"] > 0 and trips["mid_session"] > 0 and trips["method"]
    assert data["status_errors"] == 0  # every request was answered 200
    machine = data["machine"]
    assert isinstance(machine["cores"], int) and machine["cores"] >= 1
    assert machine["cpu"] and machine["python"].count(".") == 2
    assert datetime.fromisoformat(data["date"]).tzinfo is not None
    assert data["settings"]["users"] >= 1000
    assert len(data["runs"]) == 16  # skill and 3 references, verification off/on, c16 and c64
    assert {run["target"] for run in data["runs"]} == {"skill", "reference", "naive", "floor"}
    assert all(run["requests"] > 0 for run in data["runs"])
    for run in data["runs"]:  # what each reference asks of Redis, as the server counted it
        calls = run["redis_command_calls"]
        if run["target"] == "floor":  # one SET a request, nothing else
            assert set(calls) == {"set"} and abs(calls["set"] - run["served"]) <= 2, run
        elif run["target"] == "naive":  # a GET and a SET
            assert set(calls) == {"get", "set"} and abs(calls["get"] - run["served"]) <= 2, run
        elif run["target"] == "reference":
            assert calls == {}, run

    assert wait_until_gone(tag) == []  # redis-server, gunicorn masters and workers


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="the bench's process checks need /proc")
def test_bench_stops_every_child_when_terminated() -> None:
    tag = uuid.uuid4().hex
    process = bench(["--quick", "--seconds", "1"], tag)
    watchdog = threading.Timer(RUN_TIMEOUT, process.kill)  # a hung bench ends the read loop
    watchdog.start()
    try:
        assert process.stderr is not None
        for line in process.stderr:  # ends at EOF if the bench dies early
            if "warming up" in line:
                break
        assert tagged_processes(tag), "the servers should be running by now"
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=60)
    finally:
        watchdog.cancel()
        process.kill()
    assert process.returncode != 0
    assert wait_until_gone(tag) == []


def test_profile_measures_answered_requests_stage_by_stage() -> None:
    """``bench --profile`` refuses to profile requests the skill answers with an error
    (it once timed the error path for every request, unnoticed)."""
    stdout, stderr = bench_succeeds(["--profile", "--users", "20"], uuid.uuid4().hex)
    assert "whole WSGI request" in stdout and "in-process throughput ratio" in stdout
    for stage in ("deserialize", "skill.invoke", "Redis calls"):
        assert stage in stdout, stage
    assert "went wrong" not in stderr


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="the bench's process checks need /proc")
def test_open_loop_writes_every_figure_per_level_and_cleans_up(tmp_path: Path) -> None:
    """``bench --open-loop``: patients at Echo pace, level by level; the JSON has each
    level's latency, CPU per request and per patient-hour, and what the levels held."""
    out = tmp_path / "open.json"
    tag = uuid.uuid4().hex
    args = ["--open-loop", "--patients", "20,60", "--think", "0.2", "--seconds", "1"]
    stdout, _stderr = bench_succeeds([*args, "--json", str(out)], tag)
    assert "Concurrent patients held" in stdout

    data = json.loads(out.read_text())
    assert data["settings"]["levels"] == [20, 60]
    assert data["settings"]["think_seconds_mean"] == 0.2
    assert data["machine"]["cores"] >= 1
    assert 1 <= len(data["levels"]) <= 2
    for level in data["levels"]:
        assert level["patients"] in (20, 60)
        assert level["requests"] > 0 and level["rps"] > 0
        assert 0 < level["p50_ms"] <= level["p99_ms"]
        assert level["cpu_us_per_request"] > 0 and level["cpu_seconds_per_patient_hour"] > 0
        assert 0 <= level["load_generator_cpu_share"] <= 1
        assert level["errors"] == 0  # every request was answered 200
    held = [lv["patients"] for lv in data["levels"] if lv["p99_ms"] <= 100 and not lv["errors"]]
    assert data["patients_held_within_p99_limit"] == max(held, default=0)
    assert wait_until_gone(tag) == []  # redis-server, gunicorn master and workers


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="the bench's process checks need /proc")
def test_round_trip_mode_pairs_the_hello_world_with_one_counted_round_trip(
    tmp_path: Path,
) -> None:
    """``bench --round-trip``: the hello world, the same plus one bare Redis round trip,
    and the skill, alternating; Redis itself counts one PING per request of the second
    and none of the others, so its ratio really is the price of one round trip."""
    out = tmp_path / "round-trip.json"
    tag = uuid.uuid4().hex
    stdout, _stderr = bench_succeeds(
        ["--round-trip", "--quick", "--seconds", "1", "--json", str(out)], tag
    )
    assert "one Redis round trip" in stdout and "+ 1 round trip" in stdout

    data = json.loads(out.read_text())
    assert data["settings"]["rounds"] == 2 and data["machine"]["cores"] >= 1
    for connections in ("c16", "c64"):
        block = data[connections]
        assert block["rounds"] == 2
        for name in ("hello", "round_trip", "skill"):
            assert block[name]["rps"] > 0 and block[name]["cpu_us_per_request"] > 0, name
        for name in ("round_trip", "skill"):
            assert block[name]["rps_ratio"] > 0 and block[name]["cpu_ratio"] > 0, name
            assert len(block[name]["rps_ratio_quartiles"]) == 3, name
        assert abs(block["round_trip"]["pings_per_request"] - 1) <= 0.01, block
        assert block["hello"]["pings_per_request"] == block["skill"]["pings_per_request"] == 0
        assert block["skill"]["redis_cpu_us_per_request"] > 0  # it saves every turn
    assert len(data["runs"]) == 12  # 2 rounds x 2 concurrencies x 3 servers
    assert all(run["served"] > 0 for run in data["runs"])
    assert wait_until_gone(tag) == []  # redis-server, gunicorn masters and workers


def test_two_modes_at_once_are_refused_not_one_silently_run() -> None:
    process = bench(["--profile", "--round-trip"], uuid.uuid4().hex)
    try:
        _stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 2
    assert "not allowed with argument" in stderr
