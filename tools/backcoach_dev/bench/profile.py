"""``backcoach-dev bench --profile``: where a request's time goes, in process.

The bench's request mix goes through the WSGI callable of the skill (against a
throwaway real Redis) and of the hello-world reference, without HTTP or gunicorn.
CPU time is measured per thread (``time.thread_time_ns``), so other work on the
machine does not count, and is reported in µs per request:

- stage by stage, as the skill's route runs them (JSON parse, verification, the ASK
  SDK's deserialize, ``skill.invoke`` with its Redis calls apart, serialize, dump),
  the rest being Flask and Werkzeug;
- the top functions by own time (cProfile, which slows everything down about
  twofold: read the shares, not the absolute figures).
"""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from backcoach_dev.chat.requests import SKILL_ID
from skill.envelope import EnvelopeSerializer
from skill.store import RedisStore, Store, UserRecord
from skill.verify import make_verifier

from .apps import create_reference_app, hello_skill
from .processes import RedisServer
from .workload import ERROR_WORDS, Workload, WorkloadError, quiet_logs, record_conversations

STAGES = ("parse", "verify", "deserialize", "invoke", "redis", "serialize", "dump", "flask")
STAGE_NAMES = {
    "parse": "json.loads of the body",
    "verify": "verification (off: skill id only)",
    "deserialize": "deserialize -> RequestEnvelope (skill: its own)",
    "invoke": "skill.invoke, without Redis",
    "redis": "Redis calls (load, save), client side",
    "serialize": "ASK SDK serialize of the Response",
    "dump": "json.dumps of the answer",
    "flask": "Flask + Werkzeug (the rest of the WSGI call)",
}
clock = time.thread_time_ns
CHUNK = 200  # requests per alternating chunk


class TimedStore:
    """A store that adds up the CPU time of its load and save calls."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.description = store.description
        self.nanoseconds = 0

    def load(self, user_id: str) -> UserRecord:
        start = clock()
        try:
            return self.store.load(user_id)
        finally:
            self.nanoseconds += clock() - start

    def save(self, user_id: str, state: Any, *args: Any, **kwargs: Any) -> Any:
        start = clock()
        try:
            return self.store.save(user_id, state, *args, **kwargs)
        finally:
            self.nanoseconds += clock() - start

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def environ(body: bytes) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/alexa",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def _start_response(status: str, _headers: Any, _exc_info: Any = None) -> None:
    if not status.startswith("200"):
        raise RuntimeError(f"the app answered {status}")


def check_answers(app: Callable[..., Iterable[bytes]], bodies: Sequence[bytes]) -> None:
    """Every body gets a proper answer, not the skill's spoken error: a profile of
    failing requests would measure the error path."""
    for body in bodies:
        reply = b"".join(app(environ(body), _start_response)).decode("utf-8")
        if ERROR_WORDS in reply:
            raise WorkloadError(f"the skill answered a request with an error: {reply[:300]}")


def whole_requests(app: Callable[..., Iterable[bytes]], bodies: Sequence[bytes]) -> float:
    """CPU µs per request through the WSGI callable."""
    start = clock()
    for body in bodies:
        b"".join(app(environ(body), _start_response))
    return (clock() - start) / len(bodies) / 1000


def stages(
    skill: Any, bodies: Sequence[bytes], store: TimedStore | None, fast: bool
) -> dict[str, float]:
    """CPU µs per request of each step of the route, run as the route runs them (the
    skill's with its own deserializer, ``fast``; the reference's with the SDK's)."""
    serializer = EnvelopeSerializer() if fast else DefaultSerializer()
    verifier = make_verifier(False, SKILL_ID)
    totals: dict[str, int] = defaultdict(int)
    for body in bodies:
        before_redis = store.nanoseconds if store else 0
        t0 = clock()
        payload = json.loads(body)
        t1 = clock()
        verifier.verify({}, body, payload)
        t2 = clock()
        if fast:
            envelope = serializer.deserialize_payload(payload, RequestEnvelope)
        else:
            envelope = serializer.deserialize(body.decode("utf-8"), RequestEnvelope)
        t3 = clock()
        response = skill.invoke(request_envelope=envelope, context=None)
        t4 = clock()
        data = serializer.serialize(response)
        t5 = clock()
        json.dumps(data, separators=(",", ":"))
        t6 = clock()
        redis_ns = (store.nanoseconds if store else 0) - before_redis
        for name, spent in (
            ("parse", t1 - t0),
            ("verify", t2 - t1),
            ("deserialize", t3 - t2),
            ("invoke", t4 - t3 - redis_ns),
            ("redis", redis_ns),
            ("serialize", t5 - t4),
            ("dump", t6 - t5),
        ):
            totals[name] += spent
    return {name: totals[name] / len(bodies) / 1000 for name in STAGES if name != "flask"}


def top_functions(
    app: Callable[..., Iterable[bytes]], bodies: Sequence[bytes], limit: int
) -> list[tuple[str, float, float]]:
    """(function, own µs per request, cumulative µs per request) under cProfile."""
    profiler = cProfile.Profile()
    profiler.enable()
    for body in bodies:
        b"".join(app(environ(body), _start_response))
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = []
    for (path, line, name), (_cc, _nc, own, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        where = path.split("site-packages/")[-1].split("/work/main/")[-1]
        rows.append((f"{name} ({where}:{line})", own, cumulative))
    rows.sort(key=lambda row: row[1], reverse=True)
    count = len(bodies)
    return [(name, own / count * 1e6, cum / count * 1e6) for name, own, cum in rows[:limit]]


def profile(users: int = 1000, passes: int = 2, limit: int = 25) -> str:
    """The report (text): stages and top functions, skill and reference."""
    out: list[str] = []
    with tempfile.TemporaryDirectory(prefix="backcoach-profile-") as folder:
        redis_server = RedisServer(Path(folder) / "redis")
        try:
            workload = Workload(record_conversations(), users)
            store = RedisStore.from_url(redis_server.url)
            workload.seed(store)
            timed = TimedStore(store)
            with quiet_logs():
                from skill.app import create_app

                app = create_app(
                    {"store": timed, "ALEXA_VERIFY_SIGNATURE": "0", "ALEXA_SKILL_ID": SKILL_ID}
                )
                reference = create_reference_app(None)
                skill = app.extensions["backcoach"]["skill"]
                bodies = [workload.render(item) for item in workload.items] * passes
                check_answers(app, bodies[: len(bodies) // 2])  # and warm up
                whole_requests(app, bodies[: len(bodies) // 4])  # warm
                whole_requests(reference, bodies[: len(bodies) // 4])
                hello = hello_skill()
                chunks: dict[str, list[dict[str, float]]] = {"skill": [], "reference": []}
                for start in range(0, len(bodies), CHUNK):
                    # Skill and reference, whole and stage by stage, in small alternating
                    # chunks: the machine's speed drifts, the medians of chunks do not.
                    chunk = bodies[start : start + CHUNK]
                    for name, wsgi, sdk, timed_store in (
                        ("skill", app, skill, timed),
                        ("reference", reference, hello, None),
                    ):
                        whole = whole_requests(wsgi, chunk)
                        parts = stages(sdk, chunk, timed_store, fast=name == "skill")
                        parts["flask"] = whole - sum(parts.values())
                        parts["whole"] = whole
                        chunks[name].append(parts)
                skill_stages, reference_stages = (
                    {
                        key: statistics.median(c[key] for c in chunks[name])
                        for key in chunks[name][0]
                    }
                    for name in ("skill", "reference")
                )
                skill_whole = skill_stages.pop("whole")
                reference_whole = reference_stages.pop("whole")
                top = top_functions(app, bodies, limit)
            store.close()
        finally:
            redis_server.stop()
    out.append(
        f"CPU µs per request, in process, over {len(bodies)} requests of the bench mix "
        f"({users} users; real Redis; verification off; medians of {CHUNK}-request chunks)"
    )
    out.append(f"  {'stage':<48}{'skill':>10}{'reference':>11}{'extra':>9}")
    for name in STAGES:
        skill_us, ref_us = skill_stages[name], reference_stages[name]
        out.append(
            f"  {STAGE_NAMES[name]:<48}{skill_us:>10.1f}{ref_us:>11.1f}{skill_us - ref_us:>+9.1f}"
        )
    out.append(
        f"  {'whole WSGI request':<48}{skill_whole:>10.1f}{reference_whole:>11.1f}"
        f"{skill_whole - reference_whole:>+9.1f}"
    )
    out.append(
        f"  in-process throughput ratio (reference/skill CPU): {reference_whole / skill_whole:.3f}"
    )
    out.append("")
    out.append(f"Top {limit} functions of the skill by own time (cProfile; µs per request)")
    out.append(f"  {'own':>7}{'cumul.':>9}  function")
    for name, own, cumulative in top:
        out.append(f"  {own:>7.1f}{cumulative:>9.1f}  {name}")
    return "\n".join(out)
