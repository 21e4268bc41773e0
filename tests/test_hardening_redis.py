"""Redis faults, races and restarts, against a real redis-server this module controls.

The module starts its own server (with DEBUG allowed, to stall it) so stopping it
disturbs no other test; the durability test starts one with the persistence settings
of infra/redis.conf.  Nothing here measures time: the time bound is the configured
socket timeout, and the tests check that the store uses it.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
from flask import Flask

from skill.app import create_app
from skill.coach.state import SessionState
from skill.store import RedisStore, keys_for
from skill.store.redis_store import no_retry
from tests.redis_server import RedisServer

from .alexa import Device, envelope, intent, launch, slot

INFRA = Path(__file__).resolve().parents[1] / "infra"
ALARMING = ("error", "redis", "database", "went wrong", "sorry", "unavailable", "try again")


@pytest.fixture(scope="module")
def server() -> Iterator[RedisServer]:
    with RedisServer(extra_args=["--enable-debug-command", "yes"]) as started:
        yield started


@pytest.fixture
def url(server: RedisServer) -> str:
    server.start()  # a no-op unless a test left it stopped
    admin = server.client()
    admin.flushall()
    admin.close()
    return server.url


@pytest.fixture
def app(url: str) -> Iterator[Flask]:
    store = RedisStore.from_url(url)
    yield create_app({"ALEXA_VERIFY_SIGNATURE": "0", "store": store})
    store.close()


@pytest.fixture
def store(app: Flask) -> RedisStore:
    return app.extensions["backcoach"]["store"]


def words(ssml: str) -> str:
    return " ".join("".join(ET.fromstring(ssml).itertext()).split())


def calm(said: str) -> str:
    """The words, checked for anything that would alarm a person lying on the floor."""
    lowered = said.lower()
    for word in ALARMING:
        assert word not in lowered, said
    return said


def store_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "skill.turn" and "store unavailable" in r.getMessage()
    ]


# --- the time bound is a setting ------------------------------------------------------------


def test_the_app_store_uses_short_timeouts_and_no_retries(
    url: str, request: pytest.FixtureRequest
) -> None:
    app = create_app({"REDIS_URL": url, "ALEXA_VERIFY_SIGNATURE": "0"})
    store = app.extensions["backcoach"]["store"]
    assert isinstance(store, RedisStore)
    request.addfinalizer(store.close)
    Device(app.test_client()).launch()  # opens a pooled connection

    pool = store.client.connection_pool
    kwargs = pool.connection_kwargs
    assert kwargs["socket_timeout"] == 0.25
    assert kwargs["socket_connect_timeout"] == 0.25
    assert kwargs["retry"].get_retries() == 0
    connection = pool.get_connection()
    try:
        assert connection._sock is not None
        assert connection._sock.gettimeout() == 0.25  # what the kernel socket really has
        assert connection.retry.get_retries() == 0
    finally:
        pool.release(connection)
        store.close()


# --- Redis gone mid-conversation, and back --------------------------------------------------


@pytest.mark.parametrize("how", ["stop", "kill"])
def test_redis_gone_mid_conversation_then_back_loses_nothing(
    server: RedisServer,
    app: Flask,
    store: RedisStore,
    caplog: pytest.LogCaptureFixture,
    how: str,
) -> None:
    caplog.set_level(logging.WARNING)
    device = Device(app.test_client())
    device.launch()
    device.say("StartRoutineIntent")
    device.say("ReadyIntent")
    assert store.load(device.user_id).state == device.state

    if how == "stop":
        server.stop()
    else:
        server.kill()
    try:
        said = calm(words(device.say("NextIntent")))
        assert "Say next" in said or "Say ready" in said
        said = words(device.say("PainIntent", body_part=slot("body_part", "lower back")))
        assert "contact your physician" in said and "go on gently, or stop" in said
        assert "go gently" in words(device.say("AMAZON.YesIntent"))
        assert "carry on as usual" in words(device.say("SorenessIntent"))
        kept = copy.deepcopy(device.attributes["u"]["pain"])
        assert [e["kind"] for e in kept] == ["pain", "soreness"]
        assert "lower back" in kept[0]["words"]
        assert store_warnings(caplog)
    finally:
        server.start()  # back, and empty: this server saves nothing to disk

    assert device.say("ReadyIntent")
    assert "u" not in device.attributes  # written, so no longer carried
    assert store.pain_log(device.user_id) == kept
    assert store.load(device.user_id).state == device.state
    device.say("NextIntent")
    assert store.load(device.user_id).state == device.state  # and the conversation goes on
    assert not device.ended


def test_a_new_session_while_redis_is_down_welcomes_calmly(
    server: RedisServer, app: Flask, store: RedisStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    returning = Device(app.test_client())
    returning.launch()
    returning.say("StartRoutineIntent")
    returning.say("AMAZON.StopIntent")  # progress saved: would be offered to resume

    server.stop()
    try:
        for device in (Device(app.test_client()), returning):
            said = calm(words(device.send(launch())["response"]["outputSpeech"]["ssml"]))
            assert "Welcome" in said and "Back Coach" in said
            assert "physician recommended" in said and "Say start" in said
            assert not device.ended
            said = calm(words(device.say("StartRoutineIntent")))
            assert "Exercise 1 of 5" in said
        assert store_warnings(caplog)
    finally:
        server.start()


# --- slow Redis -----------------------------------------------------------------------------


def sleep_a_second(server: RedisServer) -> None:
    client = server.client()
    try:
        client.execute_command("DEBUG", "SLEEP", 1)
    finally:
        client.close()


def stall(server: RedisServer, how: str) -> Callable[[], None]:
    """Make the server stop answering for about a second; return a call that waits for
    it to answer again.  Both ways are synchronised, not timed."""
    if how == "pause":
        # CLIENT PAUSE returns at once; commands from other clients wait for it to end.
        admin = server.client()
        admin.execute_command("CLIENT", "PAUSE", 1000, "ALL")
        admin.close()
    else:
        # DEBUG SLEEP blocks the whole server, as a slow command or a stalled disk would.
        sleeper = threading.Thread(target=sleep_a_second, args=(server,), daemon=True)
        sleeper.start()
        probe = redis.Redis(
            host=server.host, port=server.port, socket_timeout=0.05, retry=no_retry()
        )
        try:
            while True:
                probe.ping()  # answers until the server has begun to sleep
        except redis.TimeoutError:
            pass
        finally:
            probe.close()

    def wait() -> None:
        patient = redis.Redis(host=server.host, port=server.port, socket_timeout=30)
        try:
            patient.ping()  # queued behind the stall
        finally:
            patient.close()

    return wait


@pytest.mark.parametrize("how", ["pause", "sleep"])
def test_slow_redis_times_out_and_the_answer_comes_anyway(
    server: RedisServer,
    app: Flask,
    store: RedisStore,
    caplog: pytest.LogCaptureFixture,
    how: str,
) -> None:
    caplog.set_level(logging.WARNING)
    device = Device(app.test_client())
    device.launch()
    device.say("StartRoutineIntent")
    device.say("ReadyIntent")

    wait = stall(server, how)
    said = words(device.say("PainIntent"))
    wait()

    assert "contact your physician" in said and "go on gently, or stop" in said
    timeouts = [m for m in store_warnings(caplog) if "TimeoutError" in m]
    assert timeouts, store_warnings(caplog)
    (kept,) = device.attributes["u"]["pain"]
    assert "go gently" in words(device.say("AMAZON.YesIntent"))
    assert "u" not in device.attributes
    # A write that timed out may still have been applied once the server woke up
    # (sleep), or dropped with its connection (pause); the kept copy is written again
    # with the same id: stored once either way.
    assert store.pain_log(device.user_id) == [kept]
    assert store.load(device.user_id).state == device.state


# --- races: one person, many requests at once -----------------------------------------------


@pytest.fixture
def counting(app: Flask) -> dict:
    device = Device(app.test_client())
    device.launch()
    device.say("StartRoutineIntent")
    device.say("ReadyIntent")
    assert device.state["ph"] == "counting"
    return copy.deepcopy(device.attributes)


def storm(app: Flask, bodies: list[list[dict]]) -> list[dict]:
    """Send each thread's bodies in order, all threads at once; return every response."""
    start = threading.Barrier(len(bodies))

    def run(mine: list[dict]) -> list[dict]:
        client = app.test_client()
        start.wait()
        replies = []
        for body in mine:
            reply = client.post("/alexa", data=json.dumps(body), content_type="application/json")
            assert reply.status_code == 200, reply.get_data(as_text=True)[:300]
            replies.append(reply.get_json())
        return replies

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return [reply for replies in pool.map(run, bodies) for reply in replies]


def test_concurrent_pain_reports_for_one_user_lose_nothing(
    app: Flask, store: RedisStore, counting: dict
) -> None:
    user = "amzn1.ask.account.RACE"
    threads, each = 8, 25
    bodies = [
        [
            envelope(
                intent("PainIntent"),
                user_id=user,
                session_id=f"amzn1.echo-api.session.race-{t}-{n}",
                new=False,
                attributes=copy.deepcopy(counting),
            )
            for n in range(each)
        ]
        for t in range(threads)
    ]

    replies = storm(app, bodies)

    assert len(replies) == threads * each
    for reply in replies:
        assert "contact your physician" in words(reply["response"]["outputSpeech"]["ssml"])
        assert "u" not in reply["sessionAttributes"]  # every one was written
    log = store.pain_log(user)
    assert len(log) == threads * each
    assert len({e["id"] for e in log}) == threads * each
    # One person's pain reports of the day, from wherever: only the first is a first
    # (go gently); every later one persists (stop; and "advised" once stopped).
    actions = [e["action"] for e in log]
    assert actions.count("gentle_offered") == 1
    assert set(actions) - {"gentle_offered"} <= {"stopped", "advised"}
    stored = store.load(user).state
    SessionState.from_dict(stored)
    assert stored in [json.loads(reply["sessionAttributes"]["s"]) for reply in replies]


def test_concurrent_stops_and_launches_leave_one_whole_state(
    app: Flask, store: RedisStore, counting: dict
) -> None:
    user = "amzn1.ask.account.RACE2"
    variants = []
    for index in range(5):
        for pace in (0, 1, 2):
            attributes = copy.deepcopy(counting)
            state = json.loads(attributes["s"])
            state.update(i=index, p=pace, d=[r[0] for r in state["r"][:index]])
            SessionState.from_dict(state)
            attributes["s"] = json.dumps(state)
            variants.append(attributes)

    def stop(n: int) -> dict:
        return envelope(
            intent("AMAZON.StopIntent"),
            user_id=user,
            session_id=f"amzn1.echo-api.session.stop-{n}",
            new=False,
            attributes=copy.deepcopy(variants[n % len(variants)]),
        )

    def start(n: int) -> dict:
        return envelope(
            launch(),
            user_id=user,
            session_id=f"amzn1.echo-api.session.launch-{n}",
            new=True,
            attributes=None,
        )

    bodies = [[(stop if t % 2 else start)(t * 10 + n) for n in range(10)] for t in range(8)]
    replies = storm(app, bodies)

    stored = store.load(user).state
    state = SessionState.from_dict(stored)
    written = [
        json.loads(reply["sessionAttributes"]["s"])
        for reply in replies
        if reply["sessionAttributes"]
    ]
    assert stored in written  # one request's whole state, not a mixture
    assert state.phase.value in ("paused", "ready")
    assert len(store.history(user)) == 40  # every stop's "paused" record, none lost
    said = Device(app.test_client(), user).launch()
    assert "Back Coach" in words(said)


# --- durability: a restart keeps the history and the pain log -------------------------------


def persistence_args() -> list[str]:
    """infra/redis.conf's persistence settings, fsync on every write for the test."""
    conf = dict(
        line.split(None, 1)
        for line in (INFRA / "redis.conf").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    args = ["--appendonly", conf.get("appendonly", "no")]
    return [*args, "--appendfsync", "always"]


def test_history_and_pain_log_survive_a_redis_restart() -> None:
    with RedisServer(extra_args=persistence_args()) as server:
        store = RedisStore.from_url(server.url)
        app = create_app({"ALEXA_VERIFY_SIGNATURE": "0", "store": store})
        device = Device(app.test_client())
        device.launch()
        device.say("StartRoutineIntent")
        device.say("ReadyIntent")
        device.say("PainIntent", body_part=slot("body_part", "lower back"))
        device.say("AMAZON.YesIntent")
        for _ in range(80):
            if device.ended:
                break
            device.say("ReadyIntent" if device.state.get("ph") == "positioning" else "NextIntent")
        assert device.ended and device.state["ph"] == "finished"
        pain, history = store.pain_log(device.user_id), store.history(device.user_id)
        assert [e["action"] for e in pain] == ["gentle_offered"]
        assert [r["outcome"] for r in history] == ["finished"]

        server.stop()  # SHUTDOWN, as a deploy or a host reboot does
        server.start()
        assert (server.directory / "appendonlydir").is_dir()
        assert store.pain_log(device.user_id) == pain
        assert store.history(device.user_id) == history
        said = words(device.launch())
        assert "Welcome back" in said and "done today's routine" in said

        device.say("AMAZON.StopIntent")
        other = Device(app.test_client())
        other.launch()
        other.say("StartRoutineIntent")
        other.say("RedFlagIntent", symptom=slot("symptom", "numb", [("numbness_tingling", "n")]))
        server.kill()  # a crash: every acknowledged write was already on disk
        server.start()
        assert store.pain_log(device.user_id) == pain
        assert store.history(device.user_id) == history
        assert store.pain_log(other.user_id)[0]["red_flag"] == "numbness_tingling"
        raw = server.client()
        assert set(raw.scan_iter("*")) >= set(keys_for(device.user_id).all[1:])
        raw.close()
        store.close()
