"""``backcoach-dev bench``: the skill under gunicorn against a real Redis, driven by wrk,
next to the hello-world reference on the same stack (docs/ARCHITECTURE.md, 'Performance').

What runs: one throwaway redis-server (as production configures it), eight gunicorn
servers with production's settings (infra/gunicorn.conf.py) and the same number of
workers (the skill and three references, each with verification off and on: the
hello-world skill, the naive stateful skill a team would write with the ASK SDK, and
the floor, hello world plus one Redis write; see apps.py), and wrk on loopback.
Measurements alternate the four in rounds (the
order flips each round); the figures are medians over the rounds, and each ratio is
the median of the rounds' paired ratios.  Verification "on" uses the bench's own CA: the
certificate URL is answered with its chain from memory and every body is re-signed,
with a fresh timestamp, right before each measurement (well inside Alexa's 150 s).

Redis round trips are counted by the server: ``total_reads_processed`` (one read
event per round trip: redis-py writes a whole pipeline in one go) over the requests
the skill served (its access-log lines), less the bench's own INFO and connection
set-up; launches and mid-session requests are also counted apart, from sequential
requests of each kind.  INFO commandstats gives the commands and MULTI/EXEC behind
them.  The server CPU per request (``cpu``) is what the load generator and the rest of
the machine cannot blur: see ``cpu.py``.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis

from backcoach_dev.chat.requests import SKILL_ID
from backcoach_dev.pki import CERT_URL, Pki, make_pki
from skill.store import RedisStore
from skill.verify import AlexaVerifier

from .cpu import Window, idle_share
from .processes import Gunicorn, RedisServer, stop_all
from .workload import ERROR_WORDS, MID_SESSION, MIX, Workload, quiet_logs, record_conversations
from .wrk import WrkResult, run_wrk, write_script, wrk_path

CONCURRENCY = (16, 64)
USERS = 1000
REQUESTS_PER_USER = 3
SAMPLES_PER_KIND = 20  # sequential requests per kind when counting round trips
VERIFY_SAMPLES = 200  # distinct signed bodies for the in-process verification timing
# Commands a redis-py connection sends when it opens (not per request), and the bench's own.
SETUP_COMMANDS = frozenset({"client|setinfo", "client|setname", "hello", "select", "auth"})
BENCH_COMMANDS = frozenset({"info", "config|resetstat", "flushall", "ping", "dbsize"})
NOISY_SHARE = 0.05  # other processes' share of the CPU above which req/s are unreliable
TARGETS = {
    "ratio": 0.85,
    "ahead_of_naive": 1.25,
    "p99_ms_c16": 25.0,
    "verify_us": 100.0,
    "bytes_per_user": 2048,
}
# The skill and the references it is measured against (apps.py), in a round's order.
SERVED = ("skill", "reference", "naive", "floor")
REFERENCES = {"reference": "hello world", "naive": "naive stateful", "floor": "one Redis write"}


class BenchError(RuntimeError):
    """A server did not answer the bench's requests as it should."""


@dataclass(frozen=True)
class Plan:
    rounds: int
    seconds: float  # per measurement
    warmup: float
    quick: bool = False
    users: int = USERS
    workers: int = 0
    threads: int = 0

    @classmethod
    def choose(
        cls,
        *,
        quick: bool,
        seconds: float | None = None,
        rounds: int | None = None,
        users: int = USERS,
        workers: int | None = None,
    ) -> Plan:
        cores = os.cpu_count() or 1
        base = (
            cls(rounds=1, seconds=2.0, warmup=1.0)
            if quick
            else cls(rounds=3, seconds=5.0, warmup=2.0)
        )
        chosen_seconds = min(max(seconds or base.seconds, 1.0), 100.0)  # within 150 s
        return cls(
            rounds=max(1, min(rounds or base.rounds, 20)),
            seconds=chosen_seconds,
            warmup=min(base.warmup, chosen_seconds),
            quick=quick,
            users=max(users, 1),
            workers=max(1, workers or cores),
            threads=max(1, min(cores, 4)),
        )


@dataclass
class Server:
    target: str  # one of SERVED
    verify: bool
    process: Gunicorn
    log_offset: int = 0

    @property
    def name(self) -> str:
        return f"{self.target}-{'on' if self.verify else 'off'}"

    @property
    def label(self) -> str:
        return f"{self.target}, verification {'on' if self.verify else 'off'}"

    def served(self) -> int:
        """POST /alexa answered 200 since the last call (gunicorn's access log)."""
        with self.process.log.open("rb") as log:
            log.seek(self.log_offset)
            new = log.read()
        self.log_offset += len(new)
        return new.count(b'"POST /alexa" 200 ')


@dataclass
class Measurement:
    round: int
    target: str
    verify: bool
    connections: int
    result: WrkResult
    served: int = 0
    roundtrips: float | None = None
    commands: float | None = None  # Redis commands per request
    transactions: float | None = None  # MULTI/EXEC per request
    cpu_us: float | None = None  # the server's CPU per request served
    redis_cpu_us: float | None = None
    foreign: float = 0.0  # share of the machine other processes used meanwhile
    redis_commands: dict[str, int] = field(default_factory=dict)  # Redis calls meanwhile

    def as_dict(self) -> dict[str, Any]:
        r = self.result
        return {
            "round": self.round,
            "target": self.target,
            "verify": self.verify,
            "connections": self.connections,
            "requests": r.requests,
            "seconds": round(r.seconds, 3),
            "rps": round(r.rps, 1),
            "p50_ms": r.p50_ms,
            "p90_ms": r.p90_ms,
            "p99_ms": r.p99_ms,
            "max_ms": r.max_ms,
            "errors": r.errors,
            "served": self.served,
            "redis_roundtrips_per_request": self.roundtrips,
            "redis_commands_per_request": self.commands,
            "redis_transactions_per_request": self.transactions,
            "server_cpu_us_per_request": self.cpu_us,
            "redis_cpu_us_per_request": self.redis_cpu_us,
            "other_processes_cpu_share": round(self.foreign, 3),
            "redis_command_calls": self.redis_commands,
        }


@dataclass
class RedisCounter:
    """Server-side counts between two snapshots."""

    client: redis.Redis
    reads: int = 0
    commands: dict[str, int] = field(default_factory=dict)

    def snapshot(self) -> None:
        info = self.client.info("everything")
        self.reads = int(info["total_reads_processed"])
        self.commands = command_calls(info)

    def delta(self) -> tuple[int, dict[str, int]]:
        """(round trips, calls per command) since the snapshot: the round trips are the
        read events less the snapshot's own and one per connection set-up command."""
        info = self.client.info("everything")
        calls = command_calls(info)
        changed = {name: calls[name] - self.commands.get(name, 0) for name in calls}
        changed = {name: n for name, n in changed.items() if n > 0}
        setup = sum(n for name, n in changed.items() if name in SETUP_COMMANDS)
        reads = int(info["total_reads_processed"]) - self.reads - 1 - setup
        self.reads = int(info["total_reads_processed"])
        self.commands = calls
        work = {k: n for k, n in changed.items() if k not in SETUP_COMMANDS | BENCH_COMMANDS}
        return reads, work


def command_calls(info: dict[str, Any]) -> dict[str, int]:
    return {
        key.removeprefix("cmdstat_"): int(value["calls"])
        for key, value in info.items()
        if key.startswith("cmdstat_") and isinstance(value, dict)
    }


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


@contextmanager
def sigterm_as_exit() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C does, so every child is stopped on the way out."""

    def stop(_signum: int, _frame: Any) -> None:
        raise SystemExit(143)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cores": os.cpu_count() or 1,
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def verify_microseconds(pki: Pki, bodies: Sequence[bytes], passes: int = 10) -> float:
    """Warm AlexaVerifier.verify in process, over distinct signed bodies: µs per call
    (the median of ``passes`` passes)."""
    verifier = AlexaVerifier(
        SKILL_ID, cert_loader=lambda _url: pki.chain, trust_roots=[pki.root.pem]
    )
    signed = [
        (
            {"SignatureCertChainUrl": CERT_URL, "Signature-256": pki.sign(body)},
            body,
            json.loads(body),
        )
        for body in bodies
    ]
    verifier.verify(*signed[0])  # validates the chain once: the cache is warm from here
    timings = []
    for _ in range(passes):
        start = time.perf_counter()
        for headers, body, payload in signed:
            verifier.verify(headers, body, payload)
        timings.append((time.perf_counter() - start) / len(signed))
    return statistics.median(timings) * 1e6


class Bench:
    def __init__(self, plan: Plan, folder: Path, stack: ExitStack) -> None:
        self.plan = plan
        self.folder = folder
        self.stack = stack
        self.servers: list[Server] = []
        self.measurements: list[Measurement] = []
        self.started = datetime.now(UTC)

    # -- set-up ---------------------------------------------------------------------

    def prepare(self) -> None:
        wrk_path()  # fail early, before anything starts
        self.idle_before = idle_share(0.5)
        if self.idle_before < 0.8:
            say(
                f"the machine is busy ({1 - self.idle_before:.0%} of its CPU in use before "
                "starting): requests per second will be low and noisy; CPU per request is not"
            )
        say("recording conversations in process")
        self.workload = Workload(record_conversations(), self.plan.users, REQUESTS_PER_USER)
        self.pki = make_pki()
        pki_dir = self.folder / "pki"
        pki_dir.mkdir()
        (pki_dir / "chain.pem").write_bytes(self.pki.chain)
        (pki_dir / "root.pem").write_bytes(self.pki.root.pem)
        self.redis = RedisServer(self.folder / "redis")
        self.stack.callback(self.redis.stop)
        self.inspector = self.redis.client()
        self.stack.callback(self.inspector.close)
        self.counter = RedisCounter(self.inspector)
        self.bytes_per_user, self.keys_per_user = self.seed()
        say(f"starting {2 * len(SERVED)} gunicorn servers ({self.plan.workers} workers each)")
        env = {"REDIS_URL": self.redis.url, "ALEXA_SKILL_ID": SKILL_ID}
        self.stack.callback(lambda: stop_all([server.process for server in self.servers]))
        for target in SERVED:
            for verify in (False, True):
                name = f"{target}-{'on' if verify else 'off'}"
                server_env = {
                    **env,
                    "BACKCOACH_BENCH_VERIFY": "1" if verify else "0",
                    "BACKCOACH_BENCH_PKI": str(pki_dir),
                }
                process = Gunicorn(
                    name,
                    f"backcoach_dev.bench.apps:{target}()",
                    self.plan.workers,
                    server_env,
                    self.folder / f"{name}.log",
                )
                self.servers.append(Server(target, verify, process))
        for server in self.servers:
            server.process.wait_ready()
        self.script = write_script(self.folder)

    def seed(self) -> tuple[float, float]:
        """Redis memory per active user: used_memory before and after storing what
        each user's conversation stored, over the number of users."""
        self.inspector.flushall()
        before = int(self.inspector.info("memory")["used_memory"])
        store = RedisStore.from_url(self.redis.url)
        try:
            self.workload.seed(store)
        finally:
            store.close()
        after = int(self.inspector.info("memory")["used_memory"])
        users = self.workload.users
        return (after - before) / users, int(self.inspector.dbsize()) / users

    def headers(self, body: bytes, verify: bool) -> dict[str, str]:
        if not verify:
            return {}
        return {"SignatureCertChainUrl": CERT_URL, "Signature-256": self.pki.sign(body)}

    def check_answers(self) -> None:
        """Every server answers a few requests of each kind properly before any load."""
        for server in self.servers:
            for kind in MIX:
                for item in self.workload.samples(kind, 3):
                    body = self.workload.render(item)
                    status, reply = server.process.post(body, self.headers(body, server.verify))
                    data = json.loads(reply) if status == 200 else {}
                    speech = json.dumps(data.get("response", {}).get("outputSpeech"))
                    state = (data.get("sessionAttributes") or {}).get("s")
                    if (
                        status != 200
                        or ERROR_WORDS in speech
                        or (server.target == "skill" and not state)
                    ):
                        raise BenchError(
                            f"{server.label} answered a {kind} request with {status}: "
                            f"{reply[:300]!r}\n{server.process.tail()}"
                        )

    def roundtrips_by_kind(self) -> dict[str, float]:
        """Sequential requests of one kind at a time to the skill: round trips each."""
        server = next(s for s in self.servers if s.target == "skill" and not s.verify)
        counts = {}
        self.commands_by_kind: dict[str, dict[str, float]] = {}
        each = SAMPLES_PER_KIND // len(MID_SESSION)
        mid = [item for kind in sorted(MID_SESSION) for item in self.workload.samples(kind, each)]
        for label, items in (
            ("launch", self.workload.samples("launch", SAMPLES_PER_KIND)),
            ("mid_session", mid),
        ):
            self.counter.snapshot()
            for item in items:
                status, _ = server.process.post(self.workload.render(item))
                if status != 200:
                    raise BenchError(f"the skill answered {status} to a {label} request")
            reads, calls = self.counter.delta()
            counts[label] = reads / len(items)
            self.commands_by_kind[label] = {
                name: round(n / len(items), 2) for name, n in sorted(calls.items())
            }
        return counts

    # -- measuring ------------------------------------------------------------------

    def files(self, verify: bool) -> Path:
        prefix = self.folder / ("signed-" if verify else "plain-")
        self.workload.write(prefix, self.plan.threads, self.pki.sign if verify else None)
        return prefix

    def measure(
        self, server: Server, connections: int, seconds: float, prefix: Path | None = None
    ) -> WrkResult:
        prefix = prefix or self.files(server.verify)  # fresh timestamps and signatures
        server.process.check_alive()
        return run_wrk(
            server.process.url,
            self.script,
            prefix,
            threads=self.plan.threads,
            connections=connections,
            seconds=seconds,
        )

    def warm_up(self) -> None:
        say(f"warming up ({self.plan.warmup:.0f} s per server)")
        for server in self.servers:
            self.measure(server, CONCURRENCY[0], self.plan.warmup)

    def run_rounds(self) -> None:
        total = self.plan.rounds * 2 * len(CONCURRENCY) * len(SERVED)
        done = 0
        for number in range(self.plan.rounds):
            order = SERVED if number % 2 == 0 else SERVED[::-1]
            for verify in (False, True):
                for connections in CONCURRENCY:
                    for target in order:
                        server = next(
                            s for s in self.servers if s.target == target and s.verify == verify
                        )
                        done += 1
                        say(
                            f"round {number + 1}/{self.plan.rounds}: {server.label}, "
                            f"c{connections} ({done}/{total})"
                        )
                        self.measurements.append(self.measure_one(number, server, connections))

    def measure_one(self, number: int, server: Server, connections: int) -> Measurement:
        prefix = self.files(server.verify)  # fresh timestamps and signatures
        server.served()  # skip what came before
        pids = {s.name: s.process.process.pid for s in self.servers}
        window = Window({**pids, "redis": self.redis.process.pid})
        self.counter.snapshot()
        window.start()
        result = self.measure(server, connections, self.plan.seconds, prefix)
        time.sleep(0.2)  # requests in flight when wrk stopped finish
        used, foreign = window.stop()
        reads, calls = self.counter.delta()
        served = server.served()
        measurement = Measurement(
            number, server.target, server.verify, connections, result, served, foreign=foreign
        )
        if served:
            if used[server.name] > 0:
                measurement.cpu_us = round(used[server.name] / served * 1e6, 1)
                measurement.redis_cpu_us = round(used["redis"] / served * 1e6, 1)
            measurement.redis_commands = calls
            if server.target == "skill":
                measurement.roundtrips = reads / served
                measurement.commands = sum(calls.values()) / served
                measurement.transactions = calls.get("exec", 0) / served
        return measurement

    # -- results --------------------------------------------------------------------

    def summary(self, verify: bool, target: str) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {
            "rps": {},
            "p50_ms": {},
            "p90_ms": {},
            "p99_ms": {},
            "cpu_us_per_request": {},
        }
        for connections in CONCURRENCY:
            chosen = [
                m
                for m in self.measurements
                if m.target == target and m.verify == verify and m.connections == connections
            ]
            runs = [m.result for m in chosen]
            key = f"c{connections}"
            out["rps"][key] = round(statistics.median(r.rps for r in runs), 1)
            for name in ("p50_ms", "p90_ms", "p99_ms"):
                out[name][key] = round(statistics.median(getattr(r, name) for r in runs), 2)
            cpu = [m.cpu_us for m in chosen if m.cpu_us]
            out["cpu_us_per_request"][key] = round(statistics.median(cpu), 1) if cpu else 0.0
        return out

    def cpu_ratio(self, verify: bool, against: str = "reference") -> float:
        """A reference's CPU per request over the skill's (both concurrencies): the
        throughput ratio a quiet, CPU-bound machine would show for the servers alone."""
        cpu = {
            target: [
                m.cpu_us for m in self.measurements if m.target == target and m.verify == verify
            ]
            for target in ("skill", against)
        }
        if not all(cpu.values()) or not all(all(v) for v in cpu.values()):
            return 0.0
        return round(statistics.median(cpu[against]) / statistics.median(cpu["skill"]), 3)

    def ratio(
        self, verify: bool, connections: int, against: str = "reference", of: str = "skill"
    ) -> float:
        """``of``'s req/s (the skill's) over a reference's, median of the rounds' paired
        ratios."""
        ratios = []
        for number in range(self.plan.rounds):
            rps = {
                m.target: m.result.rps
                for m in self.measurements
                if m.round == number and m.verify == verify and m.connections == connections
            }
            ratios.append(rps[of] / rps[against])
        return round(statistics.median(ratios), 3)

    def compared(self, verify: bool) -> dict[str, Any]:
        """The skill's figures, each reference's, and the ratios to both."""
        block: dict[str, Any] = self.summary(verify, "skill")
        for against in REFERENCES:
            block[against] = self.summary(verify, against)
            prefix = "ratio" if against == "reference" else f"ratio_{against}"
            for connections in CONCURRENCY:
                block[f"{prefix}_c{connections}"] = self.ratio(verify, connections, against)
            block[prefix.replace("ratio", "cpu_ratio")] = self.cpu_ratio(verify, against)
        for connections in CONCURRENCY:  # the most one round trip a request leaves
            block[f"floor_ratio_c{connections}"] = self.ratio(
                verify, connections, "reference", of="floor"
            )
        return block

    def results(self, by_kind: dict[str, float], verify_us: float) -> dict[str, Any]:
        skill_runs = [m for m in self.measurements if m.roundtrips is not None]
        roundtrips = statistics.median(m.roundtrips for m in skill_runs if m.roundtrips)
        commands = statistics.median(m.commands for m in skill_runs if m.commands)
        transactions = statistics.median(m.transactions or 0.0 for m in skill_runs)
        expected = sum(
            share * (by_kind["launch"] if kind == "launch" else by_kind["mid_session"])
            for kind, share in MIX.items()
        ) / sum(MIX.values())
        data: dict[str, Any] = {
            "date": self.started.isoformat(timespec="seconds"),
            "machine": machine(),
            "settings": {
                "quick": self.plan.quick,
                "rounds": self.plan.rounds,
                "seconds_per_measurement": self.plan.seconds,
                "gunicorn_workers": self.plan.workers,
                "gunicorn_conf": "infra/gunicorn.conf.py",
                "wrk_threads": self.plan.threads,
                "concurrency": list(CONCURRENCY),
                "users": self.workload.users,
                "distinct_requests": len(self.workload.items),
                "mix_percent": MIX,
                "headline": "verification off (as the reference figures); see verify_on",
            },
        }
        data.update(self.compared(False))
        data["verify_on"] = self.compared(True)
        redis_cpu = [m.redis_cpu_us for m in skill_runs if m.redis_cpu_us]
        data["redis_cpu_us_per_request"] = (
            round(statistics.median(redis_cpu), 1) if redis_cpu else 0.0
        )
        data["other_processes_cpu_share"] = {
            "median": round(statistics.median(m.foreign for m in self.measurements), 3),
            "max": round(max(m.foreign for m in self.measurements), 3),
            "idle_before_start": round(self.idle_before, 3),
        }
        data["redis_roundtrips_per_request"] = round(roundtrips, 3)
        data["redis_roundtrips"] = {
            "launch": round(by_kind["launch"], 3),
            "mid_session": round(by_kind["mid_session"], 3),
            "expected_for_mix": round(expected, 3),
            "commands_per_request": round(commands, 3),
            "transactions_per_request": round(transactions, 3),
            "commands_by_kind": self.commands_by_kind,
            "method": (
                "server side: INFO total_reads_processed (one read event per round trip: "
                "redis-py writes a whole pipeline at once) over the requests the skill "
                "served (its gunicorn access log), less the bench's own INFO and connection "
                "set-up commands; launch and mid-session from sequential requests of each "
                "kind; commands and MULTI/EXEC from INFO commandstats"
            ),
        }
        data["redis_bytes_per_user"] = round(self.bytes_per_user, 1)
        data["redis_keys_per_user"] = round(self.keys_per_user, 2)
        data["verify_us"] = round(verify_us, 1)
        data["errors"] = sum(m.result.error_count for m in self.measurements)
        data["status_errors"] = sum(m.result.status_errors for m in self.measurements)
        data["targets"] = targets(data)
        data["runs"] = [m.as_dict() for m in self.measurements]
        return data


def targets(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    trips = data["redis_roundtrips"]
    checks = {
        "ratio_c16 >= 0.85": (data["ratio_c16"], data["ratio_c16"] >= TARGETS["ratio"]),
        "ratio_c64 >= 0.85": (data["ratio_c64"], data["ratio_c64"] >= TARGETS["ratio"]),
        **{
            f"ahead of naive at c{c} >= 1.25x": (
                data[f"ratio_naive_c{c}"],
                data[f"ratio_naive_c{c}"] >= TARGETS["ahead_of_naive"],
            )
            for c in CONCURRENCY
        },
        "p99 at c16 < 25 ms": (
            data["p99_ms"]["c16"],
            data["p99_ms"]["c16"] < TARGETS["p99_ms_c16"],
        ),
        "warm verification < 100 us": (data["verify_us"], data["verify_us"] < TARGETS["verify_us"]),
        "round trips: 1 mid-session": (trips["mid_session"], trips["mid_session"] <= 1.0 + 1e-9),
        "round trips: 2 at a launch": (trips["launch"], trips["launch"] <= 2.0 + 1e-9),
        "Redis per active user < 2 KB": (
            data["redis_bytes_per_user"],
            data["redis_bytes_per_user"] < TARGETS["bytes_per_user"],
        ),
    }
    return {name: {"value": value, "met": met} for name, (value, met) in checks.items()}


def table(data: dict[str, Any]) -> str:
    m, s = data["machine"], data["settings"]
    lines = [
        f"Back Coach bench, {data['date']}",
        f"{m['cores']} cores ({m['cpu']}), Python {m['python']}; gunicorn "
        f"{s['gunicorn_workers']} workers ({s['gunicorn_conf']}), wrk {s['wrk_threads']} "
        f"threads; {s['rounds']} round(s) x {s['seconds_per_measurement']:g} s per "
        f"measurement; {s['users']} users, {s['distinct_requests']} distinct requests",
        "",
        f"{'':<28}{'c16':^42}{'c64':^42}",
        f"{'':<28}" + f"{'req/s':>9}{'p50 ms':>8}{'p90 ms':>8}{'p99 ms':>8}{'CPU us':>9}" * 2,
    ]

    def row(label: str, block: dict[str, Any]) -> str:
        cells = "".join(
            f"{block['rps'][c]:>9,.0f}{block['p50_ms'][c]:>8.2f}"
            f"{block['p90_ms'][c]:>8.2f}{block['p99_ms'][c]:>8.2f}"
            f"{block['cpu_us_per_request'][c]:>9,.0f}"
            for c in ("c16", "c64")
        )
        return f"  {label:<26}{cells}"

    for title, block in (
        ("verification off", data),
        ("verification on, warm cache", data["verify_on"]),
    ):
        lines.append(title)
        lines.append(row("skill", block))
        for against, name in REFERENCES.items():
            lines.append(row(f"{against} ({name})", block[against]))
        for against in REFERENCES:
            prefix = "ratio" if against == "reference" else f"ratio_{against}"
            lines.append(
                f"  {'ratio skill/' + against:<26}{block[prefix + '_c16']:>9.3f}{'':>33}"
                f"{block[prefix + '_c64']:>9.3f}{'':>33}  CPU ratio "
                f"{block[prefix.replace('ratio', 'cpu_ratio')]:.3f}"
            )
        lines.append(
            f"  {'ratio floor/reference':<26}{block['floor_ratio_c16']:>9.3f}{'':>33}"
            f"{block['floor_ratio_c64']:>9.3f}{'':>33}  (the most a skill with one "
            "Redis write a request reaches here)"
        )
    trips = data["redis_roundtrips"]
    other = data["other_processes_cpu_share"]
    lines += [
        "  (CPU us: the gunicorn server's CPU per request served, master and workers; "
        "CPU ratio: the reference's CPU / the skill's; the naive and floor references' "
        "Redis work is in the Redis server, not here)",
        "",
        f"Redis round trips per request: {data['redis_roundtrips_per_request']:.3f} over the mix "
        f"(expected {trips['expected_for_mix']:.3f}): launch {trips['launch']:.2f}, "
        f"mid-session {trips['mid_session']:.2f}; {trips['commands_per_request']:.2f} commands "
        f"and {trips['transactions_per_request']:.2f} MULTI/EXEC per request",
        f"Redis server CPU per skill request: {data['redis_cpu_us_per_request']:.0f} us",
        f"Redis memory per active user: {data['redis_bytes_per_user']:,.0f} bytes "
        f"({data['redis_keys_per_user']:.2f} keys)",
        f"Warm verification (AlexaVerifier.verify in process): {data['verify_us']:.1f} us",
        f"wrk errors: {data['errors']} (non-2xx: {data['status_errors']})",
        f"Other processes' share of the CPU while measuring: median {other['median']:.0%}, "
        f"max {other['max']:.0%} (idle before start: {other['idle_before_start']:.0%})",
        "",
        "Targets (2-core machine):",
    ]
    for name, check in data["targets"].items():
        lines.append(f"  {'met ' if check['met'] else 'MISS'}  {name}: {check['value']}")
    if other["max"] > NOISY_SHARE:
        lines.append(
            "Note: other processes used the CPU during some measurements; req/s and the "
            "ratios are noisy, the CPU figures are not."
        )
    return "\n".join(lines)


def run(plan: Plan) -> dict[str, Any]:
    with sigterm_as_exit(), ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="backcoach-bench-")))
        bench = Bench(plan, folder, stack)
        bench.prepare()
        bench.check_answers()
        bench.warm_up()
        by_kind = bench.roundtrips_by_kind()
        bench.run_rounds()
        say("timing warm verification in process")
        bodies = [bench.workload.render(item) for item in bench.workload.items[:VERIFY_SAMPLES]]
        with quiet_logs():
            verify_us = verify_microseconds(bench.pki, bodies)
        say("stopping servers")
        return bench.results(by_kind, verify_us)


def bench_command(
    *,
    quick: bool,
    json_path: Path | None,
    seconds: float | None = None,
    rounds: int | None = None,
    users: int = USERS,
    workers: int | None = None,
    out: Callable[[str], None] = print,
) -> int:
    plan = Plan.choose(quick=quick, seconds=seconds, rounds=rounds, users=users, workers=workers)
    data = run(plan)
    out(table(data))
    if json_path is not None:
        json_path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        say(f"wrote {json_path}")
    if data["status_errors"]:
        say("some requests were not answered with 200: the figures are not valid")
        return 1
    return 0
