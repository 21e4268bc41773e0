"""``backcoach-dev bench --round-trip``: what one Redis round trip costs on this machine,
and so the most any skill that goes to Redis once a request can reach next to the
hello world; the skill measured in the same rounds shows how much of its own distance
is that round trip and how much its own work.

Three servers under production's gunicorn settings: the hello-world reference; the
same plus one bare round trip (``apps.round_trip``: a PING on a plain socket, no client
library, no data); and the skill.  wrk drives them alternately with the bench's
recorded requests, in many short rounds (the order flips each round), because this
machine's speed swings from one second to the next and only paired, interleaved
measurements settle a ratio.  Reported per concurrency: the median of the rounds'
paired req/s ratios to the hello world with their quartiles, the hello world's CPU per
request over each one's (redis-server's CPU included), and redis-server's share.
Redis counts the PINGs itself, so the report also shows that each request of the bare
server made exactly one round trip.

Issue 21's target asks the skill for 0.85 of the hello world's throughput while it
saves each turn in one round trip: what the bare round trip leaves under 0.85 is all
the room there is for the skill's own work, in the webhook and in redis-server.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis

from backcoach_dev.chat.requests import SKILL_ID
from skill.store import RedisStore

from .cpu import Window
from .processes import Gunicorn, RedisServer, stop_all
from .runner import (
    CONCURRENCY,
    TARGETS,
    USERS,
    BenchError,
    Server,
    command_calls,
    machine,
    say,
    sigterm_as_exit,
)
from .workload import Workload, record_conversations
from .wrk import run_wrk, write_script, wrk_path

ROUNDS = 20
QUICK_ROUNDS = 2
SECONDS = 1.0  # per measurement: short, so the pairs see the machine at one speed
SERVED = {"hello": "reference", "round_trip": "round_trip", "skill": "skill"}  # -> apps


@dataclass(frozen=True)
class Sample:
    round: int
    server: str
    connections: int
    rps: float
    served: int
    cpu_us: float  # the server's and redis-server's CPU per request served
    redis_cpu_us: float  # redis-server's part of it
    pings_per_request: float  # counted by Redis


def quartiles(values: list[float]) -> list[float]:
    if len(values) < 2:
        return [round(values[0], 3)] * 3 if values else []
    return [round(q, 3) for q in statistics.quantiles(values, n=4, method="inclusive")]


def measure(
    name: str,
    server: Server,
    redis_server: RedisServer,
    inspector: redis.Redis,
    wrk_files: tuple[Path, Path],
    round_number: int,
    connections: int,
    seconds: float,
) -> Sample:
    script, prefix = wrk_files
    before = command_calls(inspector.info("commandstats")).get("ping", 0)
    server.served()  # skip what came before
    window = Window({"server": server.process.process.pid, "redis": redis_server.process.pid})
    window.start()
    result = run_wrk(
        server.process.url, script, prefix, threads=2, connections=connections, seconds=seconds
    )
    time.sleep(0.2)  # requests in flight when wrk stopped finish
    used, _foreign = window.stop()
    served = server.served()
    pings = command_calls(inspector.info("commandstats")).get("ping", 0) - before
    if not served or not result.rps:
        raise BenchError(
            f"{name} answered no request with 200 at c{connections} (wrk errors: "
            f"{result.errors}):\n{server.process.tail()}"
        )
    return Sample(
        round=round_number,
        server=name,
        connections=connections,
        rps=round(result.rps, 1),
        served=served,
        cpu_us=round((used["server"] + used["redis"]) / served * 1e6, 1),
        redis_cpu_us=round(used["redis"] / served * 1e6, 1),
        pings_per_request=round(pings / served, 3),
    )


def _median(values: Iterable[float]) -> float:
    return round(statistics.median(values), 1)


def summarize(samples: list[Sample]) -> dict[str, Any]:
    """Per concurrency: each server's medians, and each one's paired ratios to the
    hello world measured in the same round."""
    out: dict[str, Any] = {}
    for connections in CONCURRENCY:
        rounds: dict[int, dict[str, Sample]] = {}
        for sample in samples:
            if sample.connections == connections:
                rounds.setdefault(sample.round, {})[sample.server] = sample
        complete = [r for r in rounds.values() if set(r) == set(SERVED)]
        block: dict[str, Any] = {"rounds": len(complete)}
        for name in SERVED:
            block[name] = {
                "rps": _median(r[name].rps for r in complete),
                "cpu_us_per_request": _median(r[name].cpu_us for r in complete),
                "redis_cpu_us_per_request": _median(r[name].redis_cpu_us for r in complete),
                "pings_per_request": statistics.median(r[name].pings_per_request for r in complete),
            }
            if name != "hello":
                rps_ratios = [r[name].rps / r["hello"].rps for r in complete]
                cpu_ratios = [r["hello"].cpu_us / r[name].cpu_us for r in complete]
                block[name] |= {
                    "rps_ratio": round(statistics.median(rps_ratios), 3),
                    "rps_ratio_quartiles": quartiles(rps_ratios),
                    "cpu_ratio": round(statistics.median(cpu_ratios), 3),
                    "cpu_ratio_quartiles": quartiles(cpu_ratios),
                }
        out[f"c{connections}"] = block
    return out


def run_round_trip(rounds: int, seconds: float, workers: int) -> dict[str, Any]:
    wrk_path()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    with sigterm_as_exit(), ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="backcoach-rtt-")))
        say("recording conversations in process")
        workload = Workload(record_conversations(), USERS)
        redis_server = RedisServer(folder / "redis")
        stack.callback(redis_server.stop)
        inspector = redis_server.client()
        stack.callback(inspector.close)
        store = RedisStore.from_url(redis_server.url)
        try:
            workload.seed(store)  # what each user's conversation stored, as make bench
        finally:
            store.close()
        env = {"REDIS_URL": redis_server.url, "ALEXA_SKILL_ID": SKILL_ID}
        servers: dict[str, Server] = {}
        stack.callback(lambda: stop_all([s.process for s in servers.values()]))
        for name, factory in SERVED.items():
            process = Gunicorn(
                name,
                f"backcoach_dev.bench.apps:{factory}()",
                workers,
                {**env, "BACKCOACH_BENCH_VERIFY": "0"},
                folder / f"{name}.log",
            )
            servers[name] = Server(name, False, process)
        for server in servers.values():
            server.process.wait_ready()
        wrk_files = (write_script(folder), folder / "plain-")
        workload.write(wrk_files[1], 2)
        say("warming up (1 s per server)")
        for server in servers.values():
            url = server.process.url
            run_wrk(url, *wrk_files, threads=2, connections=CONCURRENCY[0], seconds=1)
        samples: list[Sample] = []
        for number in range(rounds):
            say(f"round {number + 1}/{rounds}")
            order = list(SERVED) if number % 2 == 0 else list(SERVED)[::-1]
            for connections in CONCURRENCY:
                for name in order:
                    servers[name].process.check_alive()
                    samples.append(
                        measure(
                            name,
                            servers[name],
                            redis_server,
                            inspector,
                            wrk_files,
                            number,
                            connections,
                            seconds,
                        )
                    )
        say("stopping servers")
    return {
        "date": started,
        "machine": machine(),
        "settings": {
            "mode": "round trip",
            "rounds": rounds,
            "seconds_per_measurement": seconds,
            "gunicorn_workers": workers,
            "gunicorn_conf": "infra/gunicorn.conf.py",
            "concurrency": list(CONCURRENCY),
            "round_trip": "one PING on a plain blocking socket per request (apps.round_trip)",
        },
        **summarize(samples),
        "target_ratio": TARGETS["ratio"],
        "runs": [asdict(sample) for sample in samples],
    }


def round_trip_table(data: dict[str, Any]) -> str:
    m, s = data["machine"], data["settings"]
    lines = [
        f"Back Coach bench: one Redis round trip, {data['date']}",
        f"{m['cores']} cores ({m['cpu']}), Python {m['python']}; gunicorn "
        f"{s['gunicorn_workers']} workers; {s['rounds']} round(s) x "
        f"{s['seconds_per_measurement']:g} s per measurement, alternating",
        "",
        f"{'':<18}{'req/s':>8}{'ratio':>8}{'middle half':>13}{'CPU us':>9}{'Redis us':>10}"
        f"{'CPU ratio':>11}{'PINGs/req':>11}",
    ]
    labels = {"hello": "hello world", "round_trip": "+ 1 round trip", "skill": "skill"}
    for connections in s["concurrency"]:
        block = data[f"c{connections}"]
        lines.append(f"c{connections} ({block['rounds']} rounds)")
        for name, label in labels.items():
            figures = block[name]
            q = figures.get("rps_ratio_quartiles")
            middle = f"{q[0]:.2f}-{q[2]:.2f}" if q else ""
            ratio = f"{figures['rps_ratio']:.3f}" if "rps_ratio" in figures else "1"
            cpu_ratio = f"{figures['cpu_ratio']:.3f}" if "cpu_ratio" in figures else "1"
            lines.append(
                f"  {label:<16}{figures['rps']:>8,.0f}{ratio:>8}{middle:>13}"
                f"{figures['cpu_us_per_request']:>9,.0f}{figures['redis_cpu_us_per_request']:>10,.0f}"
                f"{cpu_ratio:>11}{figures['pings_per_request']:>11.2f}"
            )
    lines += [
        "",
        "ratio: req/s over the hello world's in the same round (median; middle half: the "
        "quartiles); CPU us: the server's and redis-server's CPU per request (Redis us: "
        "redis-server's); CPU ratio: the hello world's CPU per request over this one's.",
        "The round trip's ratios are about the most a skill that saves each turn in one "
        f"round trip can reach here; issue 21's target for the skill is {data['target_ratio']}.",
    ]
    return "\n".join(lines)


def round_trip_command(
    *,
    quick: bool,
    json_path: Path | None,
    rounds: int | None,
    seconds: float | None,
    workers: int | None,
) -> int:
    data = run_round_trip(
        rounds=max(1, min(rounds or (QUICK_ROUNDS if quick else ROUNDS), 100)),
        seconds=min(max(seconds or SECONDS, 1.0), 30.0),
        workers=max(1, workers or os.cpu_count() or 1),
    )
    print(round_trip_table(data))
    if json_path is not None:
        json_path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        say(f"wrote {json_path}")
    return 0
