"""``backcoach-dev bench --open-loop``: many patients at Echo pace, not wrk's closed loop.

wrk keeps every connection busy: a request goes out the moment the last answer is
back, which measures peak throughput but not what a skill's users do.  Here each
simulated patient is one Echo: it says a request of a recorded conversation (launch,
start, ready/next..., stop; workload.py), waits for the answer, then for the answer to
be spoken and the patient to think (a random pause, ``think`` seconds on average), and
says the next; at the end of a conversation it pauses and starts a new session.  The
patients of a level arrive at a fixed rate (evenly, over one mean think time), and
stay: from then on the level holds that many concurrent patients, each speaking when
its own pause is over whatever the server does, so a slow server meets the same
demand (as Alexa's users would).  Requests go over a pool of keep-alive connections,
as Alexa's front end sends them.

For each level (a number of concurrent patients): p50/p99 latency as the patient
sees it (from saying to the whole answer, pool waits included), requests per second,
the server's CPU per request and per patient-hour (``cpu.py``), and errors.  The
largest level whose p99 stays within ``P99_LIMIT_MS`` is what two cores hold.

The load generator is Python (asyncio) on the same machine: its own CPU share is
reported with each level, because it takes cores from the server.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from backcoach_dev.chat.requests import SKILL_ID, envelope, now
from backcoach_dev.ports import HOST

from .cpu import Window, own_seconds
from .processes import Gunicorn, RedisServer, stop_all
from .runner import BenchError, machine, say, sigterm_as_exit
from .workload import Conversation, record_conversations, replayable, user_id

P99_LIMIT_MS = 100.0
LEVELS = (500, 1000, 2000, 4000, 6000, 8000)
QUICK_LEVELS = (500, 2000)
THINK_SECONDS = 4.0  # mean pause between an answer and the next request (spoken + thought)
WARMUP_SECONDS = 3.0  # after the first level's arrivals: first requests are slow
POOL = 128  # keep-alive connections at most (gunicorn allows 200 per worker)
IDLE_SECONDS = 2.0  # a pooled connection idle longer is not reused (gunicorn's keepalive: 5 s)
PLACEHOLDERS = ("@USER@", "@SESSION@", "@REQUEST@", "@TIME@")


class OpenLoopError(RuntimeError):
    """The open-loop run could not be carried out."""


@dataclass(frozen=True)
class OpenPlan:
    levels: tuple[int, ...]
    seconds: float  # measured per level, after the arrivals
    think: float
    workers: int


@dataclass
class Tally:
    """What one level's patients saw while it was measured."""

    measuring: bool = False
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    def record(self, seconds: float, ok: bool) -> None:
        if not self.measuring:
            return
        if ok:
            self.latencies.append(seconds)
        else:
            self.errors += 1


def templates(conversation: Conversation) -> list[tuple[bool, str]]:
    """Each request of a conversation as JSON text with placeholders for the patient,
    the session, the request id and the time (filled in per request, cheaply)."""
    user, session, request_id, stamp = PLACEHOLDERS
    out = []
    for step in conversation.steps:
        body = envelope(
            {**step.request, "requestId": request_id},
            user_id=user,
            session_id=session,
            new=step.new,
            attributes=replayable(step.attributes),
            timestamp=stamp,
        )
        out.append((step.new, json.dumps(body, separators=(",", ":"))))
    return out


def http_request(body: str) -> bytes:
    data = body.encode("utf-8")
    head = (
        f"POST /alexa HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(data)}\r\n\r\n"
    )
    return head.encode("ascii") + data


class Pool:
    """Keep-alive HTTP/1.1 connections to the server, most recently used first; one
    idle for longer than ``IDLE_SECONDS`` is closed rather than reused (as HTTP
    clients do, before the server's keep-alive timeout closes it under them)."""

    def __init__(self, port: int, size: int = POOL) -> None:
        self.port = port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
        self.slots = asyncio.Semaphore(size)

    async def post(self, raw: bytes) -> int:
        """The answer's status; a connection the server closed while idle is replaced
        once (nothing was read from it, so nothing was processed)."""
        async with self.slots:
            for attempt in (1, 2):
                reader, writer = await self._connection()
                try:
                    status = await self._exchange(reader, writer, raw)
                except (ConnectionError, asyncio.IncompleteReadError) as error:
                    writer.close()
                    if attempt == 2 or not isinstance(error, StaleConnectionError):
                        raise
                    continue
                self.idle.append((reader, writer, time.monotonic()))
                return status
        raise AssertionError("unreachable")

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.idle and time.monotonic() - self.idle[-1][2] > IDLE_SECONDS:
            self.close()  # the most recent is too old: so are all the others
        if self.idle:
            reader, writer, _ = self.idle.pop()
            return reader, writer
        return await self._open()

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(HOST, self.port)

    @staticmethod
    async def _exchange(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes
    ) -> int:
        writer.write(raw)
        status_line = await reader.readline()
        if not status_line:
            raise StaleConnectionError("closed by the server while idle")
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await reader.readexactly(length)
        return int(status_line.split()[1])

    def close(self) -> None:
        for _, writer, _ in self.idle:
            writer.close()
        self.idle.clear()


class StaleConnectionError(ConnectionError):
    """A pooled connection the server had closed (gunicorn's keep-alive timeout)."""


class Patients:
    """One level: ``count`` patients, each an Echo going through conversations."""

    def __init__(
        self, pool: Pool, conversations: Sequence[list[tuple[bool, str]]], think: float
    ) -> None:
        self.pool = pool
        self.conversations = conversations
        self.think = think
        self.tally = Tally()
        self.sent = 0

    def pause(self, rng: random.Random) -> float:
        return rng.uniform(0.5 * self.think, 1.5 * self.think)

    async def patient(self, number: int, start_in: float) -> None:
        rng = random.Random(number)
        await asyncio.sleep(start_in)
        user = user_id(1_000_000 + number)
        steps = self.conversations[number % len(self.conversations)]
        session = ""
        for turn in range(1_000_000_000):  # until the level is cancelled
            new, template = steps[turn % len(steps)]
            if new:
                session = f"amzn1.echo-api.session.open-{number}-{turn}"
            self.sent += 1
            values = (user, session, f"amzn1.echo-api.request.open-{self.sent}", now())
            for placeholder, value in zip(PLACEHOLDERS, values, strict=True):
                template = template.replace(placeholder, value)
            began = time.perf_counter()
            try:
                ok = await self.pool.post(http_request(template)) == 200
            except (OSError, asyncio.IncompleteReadError):
                ok = False
            self.tally.record(time.perf_counter() - began, ok)
            await asyncio.sleep(self.pause(rng))

    async def run(self, count: int, seconds: float, server: Gunicorn, redis_pid: int) -> Level:
        arrival = self.think  # every patient has arrived after one mean pause
        tasks = [asyncio.create_task(self.patient(n, arrival * n / count)) for n in range(count)]
        try:
            await asyncio.sleep(arrival + self.think)  # arrivals, then one turn each
            window = Window({"server": server.process.pid, "redis": redis_pid})
            own = own_seconds()
            self.tally.measuring = True
            window.start()
            began = time.monotonic()
            await asyncio.sleep(seconds)
            self.tally.measuring = False
            wall = time.monotonic() - began
            used, foreign = window.stop()
            client = own_seconds() - own
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self.pool.close()
        return Level.of(count, arrival, self.tally, wall, used, client, foreign)


@dataclass(frozen=True)
class Level:
    patients: int
    arrivals_per_second: float
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_us_per_request: float
    cpu_seconds_per_patient_hour: float
    redis_cpu_us_per_request: float
    load_generator_cpu_share: float  # of the machine
    other_processes_cpu_share: float

    @classmethod
    def of(
        cls,
        count: int,
        arrival: float,
        tally: Tally,
        wall: float,
        used: dict[str, float],
        client: float,
        foreign: float,
    ) -> Level:
        done = len(tally.latencies)
        if done == 0:
            raise BenchError(f"no request was answered at {count} patients")
        ordered = sorted(tally.latencies)
        cores = machine()["cores"]
        return cls(
            patients=count,
            arrivals_per_second=round(count / arrival, 1),
            requests=done,
            rps=round(done / wall, 1),
            p50_ms=round(statistics.median(ordered) * 1000, 2),
            p99_ms=round(ordered[min(done - 1, int(done * 0.99))] * 1000, 2),
            errors=tally.errors,
            cpu_us_per_request=round(used["server"] / done * 1e6, 1),
            cpu_seconds_per_patient_hour=round(used["server"] / count * 3600 / wall, 2),
            redis_cpu_us_per_request=round(used["redis"] / done * 1e6, 1),
            load_generator_cpu_share=round(client / (wall * cores), 3),
            other_processes_cpu_share=round(foreign, 3),
        )

    def held(self) -> bool:
        return self.errors == 0 and self.p99_ms <= P99_LIMIT_MS


def run_open_loop(plan: OpenPlan) -> dict[str, Any]:
    started = datetime.now(UTC).isoformat(timespec="seconds")
    with sigterm_as_exit(), ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="backcoach-open-")))
        say("recording conversations in process")
        conversations = [templates(c) for c in record_conversations()]
        redis_server = RedisServer(folder / "redis")
        stack.callback(redis_server.stop)
        env = {"REDIS_URL": redis_server.url, "ALEXA_SKILL_ID": SKILL_ID}
        server = Gunicorn(
            "skill-open",
            "backcoach_dev.bench.apps:skill()",
            plan.workers,
            {**env, "BACKCOACH_BENCH_VERIFY": "0"},
            folder / "skill-open.log",
        )
        stack.callback(lambda: stop_all([server]))
        server.wait_ready()
        say(f"warming up ({plan.levels[0]} patients, {WARMUP_SECONDS:g} s, not counted)")
        warm = Patients(Pool(server.port), conversations, plan.think)
        asyncio.run(warm.run(plan.levels[0], WARMUP_SECONDS, server, redis_server.process.pid))
        levels: list[Level] = []
        for count in plan.levels:
            say(f"{count} patients (think {plan.think:g} s), {plan.seconds:g} s measured")
            server.check_alive()
            patients = Patients(Pool(server.port), conversations, plan.think)
            level = asyncio.run(patients.run(count, plan.seconds, server, redis_server.process.pid))
            levels.append(level)
            if not level.held():
                break  # past the limit: larger levels only queue more
        say("stopping servers")
    return open_results(plan, levels, started)


def open_results(plan: OpenPlan, levels: Sequence[Level], started: str) -> dict[str, Any]:
    held = [level.patients for level in levels if level.held()]
    return {
        "date": started,
        "machine": machine(),
        "settings": {
            "mode": "open loop",
            "levels": list(plan.levels),
            "seconds_per_level": plan.seconds,
            "think_seconds_mean": plan.think,
            "think_seconds_range": [0.5 * plan.think, 1.5 * plan.think],
            "gunicorn_workers": plan.workers,
            "gunicorn_conf": "infra/gunicorn.conf.py",
            "connection_pool": POOL,
            "verification": "off",
            "p99_limit_ms": P99_LIMIT_MS,
        },
        "levels": [asdict(level) for level in levels],
        "patients_held_within_p99_limit": max(held) if held else 0,
    }


def open_table(data: dict[str, Any]) -> str:
    m, s = data["machine"], data["settings"]
    lines = [
        f"Back Coach open-loop bench, {data['date']}",
        f"{m['cores']} cores ({m['cpu']}), Python {m['python']}; gunicorn "
        f"{s['gunicorn_workers']} workers; patients think {s['think_seconds_range'][0]:g}-"
        f"{s['think_seconds_range'][1]:g} s between answer and request; "
        f"{s['seconds_per_level']:g} s measured per level",
        "",
        f"{'patients':>9}{'arrive/s':>10}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'errors':>8}"
        f"{'CPU us/req':>11}{'CPU s/patient-h':>16}{'loadgen CPU':>12}",
    ]
    for level in data["levels"]:
        lines.append(
            f"{level['patients']:>9,}{level['arrivals_per_second']:>10,.0f}"
            f"{level['rps']:>8,.0f}{level['p50_ms']:>8.2f}{level['p99_ms']:>8.2f}"
            f"{level['errors']:>8}{level['cpu_us_per_request']:>11,.0f}"
            f"{level['cpu_seconds_per_patient_hour']:>16.2f}"
            f"{level['load_generator_cpu_share']:>12.0%}"
        )
    lines += [
        "",
        f"Concurrent patients held with p99 <= {s['p99_limit_ms']:g} ms and no errors: "
        f"{data['patients_held_within_p99_limit']:,} (of the levels tried; the load "
        "generator runs on the same cores)",
    ]
    return "\n".join(lines)


def open_loop_command(
    *,
    quick: bool,
    json_path: Path | None,
    seconds: float | None,
    workers: int | None,
    levels: Sequence[int] | None,
    think: float,
) -> int:
    plan = OpenPlan(
        levels=tuple(levels or (QUICK_LEVELS if quick else LEVELS)),
        seconds=min(max(seconds or (5.0 if quick else 10.0), 1.0), 120.0),
        think=max(think, 0.05),
        workers=max(1, workers or os.cpu_count() or 1),
    )
    if any(count < 1 for count in plan.levels):
        raise OpenLoopError("every level needs at least one patient")
    data = run_open_loop(plan)
    print(open_table(data))
    if json_path is not None:
        json_path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        say(f"wrote {json_path}")
    return 0
