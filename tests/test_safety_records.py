"""Issue 13: the safety record survives anything: an outage at a session's end, retries,
replays, two devices of one person, a deletion.

Everything runs through the real webhook (a Flask test client over ``create_app``)
against a real redis-server this module starts (DEBUG allowed, to stall it) and
breaks: killed, out of memory, a read-only replica, stalled.  What was stored is
measured with Redis itself (LRANGE, GET, HGETALL) and the journal with sqlite3, not
with the code under test.  Nothing measures time: waits for the background replay
poll with a deadline, and fail if it passes.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask

from skill.app import create_app
from skill.store import Journal, RedisStore, keys_for
from skill.store.redis_store import SCRIPT_SHA
from tests.redis_server import RedisServer, people_keys

from . import certs
from .alexa import SKILL_ID, Device, envelope, intent, launch, slot
from .conftest import AppFactory

ROOT = Path(__file__).resolve().parents[1]
DEADLINE = 30.0  # seconds to wait for a background replay before failing
REFUSES_AFTER_RED_FLAG = "I won't start the exercises"
REFUSES_AFTER_PAIN = "I won't start them again now"
PERSISTING = "Because the pain has come back, we'll stop the exercises for today."
NUMB = {"symptom": slot("symptom", "my leg is numb", [("numbness_tingling", "numbness")])}


@pytest.fixture(scope="module")
def server() -> Iterator[RedisServer]:
    with RedisServer(extra_args=["--enable-debug-command", "yes"]) as started:
        yield started


@pytest.fixture
def raw(server: RedisServer) -> Iterator[redis.Redis]:
    server.start()  # a no-op unless a test left it stopped
    client = server.client()
    client.execute_command("REPLICAOF", "NO", "ONE")
    client.config_set("maxmemory", 0)
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    return tmp_path / "var" / "journal.sqlite3"


def journaled_store(url: str, path: Path) -> RedisStore:
    return RedisStore.from_url(url, journal=Journal(path), replay_interval=0.05)


@pytest.fixture
def app(server: RedisServer, raw: redis.Redis, journal_path: Path) -> Iterator[Flask]:
    store = journaled_store(server.url, journal_path)
    yield create_app({"ALEXA_VERIFY_SIGNATURE": "0", "store": store})
    store.close()


def words(ssml: str) -> str:
    return " ".join("".join(ET.fromstring(ssml).itertext()).split())


def rows(path: Path) -> int:
    """Entries in the journal, counted with sqlite3 itself."""
    if not path.exists():
        return 0
    connection = sqlite3.connect(path)
    try:
        return int(connection.execute("SELECT COUNT(*) FROM entries").fetchone()[0])
    finally:
        connection.close()


def pain_log(raw: redis.Redis, user: str) -> list[dict[str, Any]]:
    return [json.loads(e) for e in raw.lrange(keys_for(user).pain, 0, -1)]


def history(raw: redis.Redis, user: str) -> list[dict[str, Any]]:
    return [json.loads(e) for e in raw.lrange(keys_for(user).history, 0, -1)]


def progress(raw: redis.Redis, user: str) -> dict[str, Any] | None:
    text = raw.get(keys_for(user).progress)
    return json.loads(text) if text else None


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


def counting(device: Device) -> None:
    device.launch()
    device.say("StartRoutineIntent")
    device.say("ReadyIntent")
    assert device.state["ph"] == "counting"


# --- an outage at a session's end: the journal ----------------------------------------------


class Fault:
    """One way Redis stops taking writes, and its end."""

    def __init__(self, server: RedisServer, how: str, primary: RedisServer | None) -> None:
        self.server, self.how, self.primary = server, how, primary

    def begin(self) -> None:
        if self.how == "killed":
            self.server.kill()
        elif self.how == "out of memory":
            self.server.out_of_memory()
        else:
            assert self.primary is not None
            self.server.replicate(self.primary)

    def end(self) -> None:
        if self.how == "killed":
            self.server.start()  # back, and empty: this server saves nothing to disk
        elif self.how == "out of memory":
            self.server.memory_back()
        else:
            self.server.promote()


@pytest.fixture(scope="module")
def primary() -> Iterator[RedisServer]:
    with RedisServer() as started:
        yield started


@pytest.mark.parametrize("how", ["killed", "out of memory", "read-only replica"])
@pytest.mark.parametrize("ending", ["red flag", "stop for today"])
def test_an_outage_at_the_session_end_loses_nothing_and_the_next_launch_refuses(
    server: RedisServer,
    primary: RedisServer,
    raw: redis.Redis,
    app: Flask,
    journal_path: Path,
    caplog: pytest.LogCaptureFixture,
    how: str,
    ending: str,
) -> None:
    caplog.set_level(logging.WARNING)
    device = Device(app.test_client())
    counting(device)
    fault = Fault(server, how, primary)
    fault.begin()
    try:
        said = words(device.say("PainIntent", body_part=slot("body_part", "lower back")))
        assert "go on gently, or stop" in said
        assert len(device.attributes["u"]["pain"]) == 1  # mid-session: carried along
        if ending == "red flag":
            said = words(device.say("RedFlagIntent", **NUMB))
            assert "needs a doctor's attention" in said
        else:
            said = words(device.say("AMAZON.StopIntent"))
        assert device.ended
        assert rows(journal_path) == 1  # on disk before the answer went out
        assert any("journal" in r.getMessage() for r in caplog.records)
    finally:
        fault.end()

    wait_for(lambda: rows(journal_path) == 0, "the journal's replay")
    user = device.user_id
    kinds = [e["kind"] for e in pain_log(raw, user)]
    assert kinds == (["pain", "red_flag"] if ending == "red flag" else ["pain"])
    assert len({e["id"] for e in pain_log(raw, user)}) == len(kinds)
    (record,) = history(raw, user)
    assert record["outcome"] == "stopped"
    assert record["reason"] == ("red_flag" if ending == "red flag" else "pain")
    stored = progress(raw, user)
    assert stored is not None and stored["ph"] == "stopped"

    said = words(device.launch())
    assert "carry on" not in said and "You were on" not in said
    refusal = REFUSES_AFTER_RED_FLAG if ending == "red flag" else REFUSES_AFTER_PAIN
    assert refusal in said and device.ended
    assert len(pain_log(raw, user)) == len(kinds)  # and nothing stored twice since


def test_a_walk_away_at_an_outage_is_journaled_too(
    server: RedisServer, raw: redis.Redis, app: Flask, journal_path: Path
) -> None:
    device = Device(app.test_client())
    counting(device)
    server.kill()
    try:
        device.say("SorenessIntent")
        device.walk_away()  # a SessionEndedRequest: no later request of this session
        assert rows(journal_path) == 1
    finally:
        server.start()
    wait_for(lambda: rows(journal_path) == 0, "the journal's replay")
    assert [e["kind"] for e in pain_log(raw, device.user_id)] == ["soreness"]
    assert [r["outcome"] for r in history(raw, device.user_id)] == ["paused"]
    assert "You were on" in words(device.launch())


KILLED_WORKER = """
import json, os, signal, sys
from skill.app import create_app
from skill.store import Journal, RedisStore
from tests.alexa import Device, slot
store = RedisStore.from_url(sys.argv[1], journal=Journal(sys.argv[2]), replay_interval=3600)
device = Device(create_app({"ALEXA_VERIFY_SIGNATURE": "0", "store": store}).test_client())
device.launch()
device.say("StartRoutineIntent")
device.say("PainIntent")
numb = slot("symptom", "my leg is numb", [("numbness_tingling", "numbness")])
device.say("RedFlagIntent", symptom=numb)
print(json.dumps({"user": device.user_id, "ended": device.ended}), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_worker_killed_with_a_journal_is_replayed_by_another(
    server: RedisServer, raw: redis.Redis, journal_path: Path
) -> None:
    down = RedisServer()  # never started: its port refuses connections
    worker = subprocess.run(
        [sys.executable, "-c", KILLED_WORKER, down.url, str(journal_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    down.close()
    assert worker.returncode == -signal.SIGKILL, worker.stderr[-2000:]
    told = json.loads(worker.stdout.strip().splitlines()[-1])
    assert told["ended"] and rows(journal_path) == 1

    store = journaled_store(server.url, journal_path)  # a new worker, the same journal
    create_app({"ALEXA_VERIFY_SIGNATURE": "0", "store": store})  # starts its replayer
    try:
        wait_for(lambda: rows(journal_path) == 0, "the new worker's replay")
        user = told["user"]
        assert [e["kind"] for e in pain_log(raw, user)] == ["pain", "red_flag"]
        assert [r["reason"] for r in history(raw, user)] == ["red_flag"]
        device = Device(create_app({"ALEXA_VERIFY_SIGNATURE": "0", "store": store}).test_client())
        device.user_id = user
        assert REFUSES_AFTER_RED_FLAG in words(device.launch())
    finally:
        store.close()


def test_a_journal_that_cannot_be_written_is_an_error_and_not_ready(
    server: RedisServer, raw: redis.Redis, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the journal's directory should be")
    store = journaled_store(server.url, blocker / "journal.sqlite3")
    app = create_app({"ALEXA_VERIFY_SIGNATURE": "0", "store": store})
    reply = app.test_client().get("/readyz")  # seen before anything fails
    assert reply.status_code == 503 and "journal directory" in reply.get_json()["error"]
    device = Device(app.test_client())
    counting(device)
    server.kill()
    try:
        said = words(device.say("RedFlagIntent", **NUMB))
        assert "needs a doctor's attention" in said  # the person still hears it
    finally:
        server.start()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("journal write failed" in r.getMessage() for r in errors)
    reply = app.test_client().get("/readyz")
    assert reply.status_code == 503 and "journal" in reply.get_json()["error"]
    store.close()


# --- exactly once: retries, replays, replayed requests --------------------------------------


def test_a_session_end_that_times_out_but_lands_is_stored_once(
    server: RedisServer, raw: redis.Redis, app: Flask, journal_path: Path
) -> None:
    device = Device(app.test_client())
    counting(device)
    device.say("PainIntent")
    server.stall(1.0)
    said = words(device.say("RedFlagIntent", **NUMB))
    server.wait_awake()  # the write that timed out is applied now, or was dropped
    assert "needs a doctor's attention" in said and device.ended
    wait_for(lambda: rows(journal_path) == 0, "the journal's replay")
    assert [e["kind"] for e in pain_log(raw, device.user_id)] == ["pain", "red_flag"]
    assert [r["reason"] for r in history(raw, device.user_id)] == ["red_flag"]


def test_the_same_signed_request_three_times_stores_one_event(
    server: RedisServer, raw: redis.Redis, make_app: AppFactory
) -> None:
    pki = certs.pki()
    app = make_app(
        server.url,
        ALEXA_VERIFY_SIGNATURE="1",
        ALEXA_SKILL_ID=SKILL_ID,
        cert_loader=lambda _url: pki.chain,
        trust_roots=[pki.root.cert],
    )
    client = app.test_client()
    user, session = "amzn1.ask.account.REPLAYED", "amzn1.echo-api.session.replayed"

    def post(body: bytes) -> dict[str, Any]:
        headers = {"SignatureCertChainUrl": certs.CERT_URL, "Signature-256": certs.sign(body)}
        reply = client.post("/alexa", data=body, headers=headers, content_type="application/json")
        assert reply.status_code == 200, reply.get_data(as_text=True)
        return reply.get_json()

    attributes: dict[str, Any] | None = None
    for n, request in enumerate([launch(), intent("StartRoutineIntent"), intent("ReadyIntent")]):
        body = envelope(
            request, user_id=user, session_id=session, new=n == 0, attributes=attributes
        )
        attributes = post(json.dumps(body).encode())["sessionAttributes"]
    pain = json.dumps(
        envelope(
            intent("PainIntent"), user_id=user, session_id=session, new=False, attributes=attributes
        )
    ).encode()
    answers = [words(post(pain)["response"]["outputSpeech"]["ssml"]) for _ in range(3)]

    assert all("go on gently, or stop" in said for said in answers)
    (event,) = pain_log(raw, user)
    assert event["kind"] == "pain" and event["id"].endswith(":0")
    assert list(raw.hgetall(keys_for(user).pain_days).values()) == ["1"]


# --- one person, two devices ----------------------------------------------------------------


def two_devices(app: Flask) -> tuple[Device, Device]:
    user = "amzn1.ask.account.TWODEVICES"
    kitchen = Device(app.test_client(), user, device_id="amzn1.ask.device.KITCHEN")
    bedroom = Device(app.test_client(), user, device_id="amzn1.ask.device.BEDROOM")
    return kitchen, bedroom


def test_two_devices_interleaved_lose_no_progress(raw: redis.Redis, app: Flask) -> None:
    kitchen, bedroom = two_devices(app)
    kitchen.launch()
    bedroom.launch()
    kitchen.say("StartRoutineIntent")
    kitchen.say("ReadyIntent")
    kitchen.say("NextIntent")
    ahead = progress(raw, kitchen.user_id)
    assert ahead is not None and ahead["i"] == 1

    said = words(bedroom.say("StartRoutineIntent"))  # the bedroom still thinks: not begun

    assert said.startswith("You've moved on since, on another device.")
    assert "You were on pelvic tilts" in said and "Exercise 1 of 5" not in said
    stored = progress(raw, kitchen.user_id)
    assert stored is not None and stored["i"] == 1  # not set back to the first exercise
    assert bedroom.state["i"] == 1
    said = words(bedroom.say("AMAZON.YesIntent"))  # carry on, from where they really are
    assert "Pelvic tilts" in said
    assert progress(raw, kitchen.user_id)["i"] == 1


def test_the_second_pain_report_of_the_day_persists_whichever_device(
    raw: redis.Redis, app: Flask
) -> None:
    kitchen, bedroom = two_devices(app)
    counting(kitchen)
    bedroom.launch()
    said = words(kitchen.say("PainIntent"))
    assert "go on gently, or stop" in said  # the first of the day

    said = words(bedroom.say("PainIntent"))  # its own first: the person's second

    assert PERSISTING in said and "contact your physician" in said and bedroom.ended
    log = pain_log(raw, kitchen.user_id)
    assert [e["action"] for e in log] == ["gentle_offered", "stopped"]
    assert raw.hgetall(keys_for(kitchen.user_id).pain_days) == {log[0]["at"][:10]: "2"} or list(
        raw.hgetall(keys_for(kitchen.user_id).pain_days).values()
    ) == ["2"]
    later = Device(app.test_client(), kitchen.user_id, device_id="amzn1.ask.device.OFFICE")
    assert REFUSES_AFTER_PAIN in words(later.launch())


def test_a_new_session_after_pain_elsewhere_today_counts_it(raw: redis.Redis, app: Flask) -> None:
    kitchen, bedroom = two_devices(app)
    counting(kitchen)
    kitchen.say("PainIntent")
    kitchen.say("AMAZON.YesIntent")  # go on gently
    kitchen.say("AMAZON.StopIntent")
    # The kept place goes (as after its day, or another routine): only the count is left.
    raw.delete(keys_for(kitchen.user_id).progress)
    counting(bedroom)  # a session begun after the report: today's count read at launch
    said = words(bedroom.say("PainIntent"))
    assert PERSISTING in said
    assert [e["action"] for e in pain_log(raw, kitchen.user_id)] == ["gentle_offered", "stopped"]


def test_delete_on_one_device_blocks_the_others_write_back(raw: redis.Redis, app: Flask) -> None:
    kitchen, bedroom = two_devices(app)
    counting(bedroom)
    kitchen.launch()
    kitchen.say("DeleteDataIntent")
    assert "deleted everything" in words(kitchen.say("AMAZON.YesIntent"))
    keys = keys_for(kitchen.user_id)
    assert people_keys(raw) == [keys.deleted]

    bedroom.say("NextIntent")  # the open session on the other device writes back
    assert people_keys(raw) == [keys.deleted]  # nothing: no progress, history or pain
    bedroom.say("AMAZON.StopIntent")  # from here on, a new person
    assert pain_log(raw, kitchen.user_id) == []
    assert all(r["done"] == [] for r in history(raw, kitchen.user_id))  # none of the old
    stored = progress(raw, kitchen.user_id)
    assert stored is None or (stored["i"] == 0 and not stored.get("d"))
    said = words(bedroom.launch())
    assert "starting with knee rolls" in said and "You were on" not in said  # from scratch


# --- bounded inputs -------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["too many", "too big"])
def test_over_long_unsaved_events_are_refused(
    raw: redis.Redis, app: Flask, caplog: pytest.LogCaptureFixture, shape: str
) -> None:
    caplog.set_level(logging.WARNING)
    device = Device(app.test_client())
    counting(device)
    forged = {"at": "2026-11-02T10:00:00Z", "words": "forged", "kind": "soreness"}
    if shape == "too many":
        pains = [{**forged, "id": f"forged:{n}"} for n in range(21)]
    else:
        pains = [{**forged, "words": "x" * 900, "id": f"forged:{n}"} for n in range(19)]
    device.attributes["u"] = {"pain": pains, "history": []}
    device.say("NextIntent")
    assert all(
        e["words"] != "forged" and "x" * 900 not in e["words"]
        for e in pain_log(raw, device.user_id)
    )
    assert pain_log(raw, device.user_id) == []
    assert any("over-long unsaved events" in r.getMessage() for r in caplog.records)


# --- readiness ------------------------------------------------------------------------------


def test_readyz_is_not_ready_when_redis_refuses_writes(
    server: RedisServer, primary: RedisServer, raw: redis.Redis, app: Flask
) -> None:
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    server.out_of_memory()
    try:
        reply = client.get("/readyz")
        assert reply.status_code == 503 and "OutOfMemoryError" in reply.get_json()["error"]
    finally:
        server.memory_back()
    assert client.get("/readyz").status_code == 200
    server.replicate(primary)
    try:
        reply = client.get("/readyz")
        assert reply.status_code == 503 and "ReadOnlyError" in reply.get_json()["error"]
    finally:
        server.promote()
    assert client.get("/readyz").status_code == 200


# --- the budget: one round trip mid-session, two at a launch; SQLite only on failure ------


def test_round_trips_stay_one_and_two_and_the_hot_path_never_opens_the_journal(
    server: RedisServer, raw: redis.Redis, journal_path: Path
) -> None:
    from .test_store import RoundTrips

    trips = RoundTrips()
    store = RedisStore.from_url(
        server.url, journal=Journal(journal_path), connection_class=trips.connection_class
    )
    assert store.ping()  # the connection and its handshake, before counting
    device = Device(create_app({"ALEXA_VERIFY_SIGNATURE": "0", "store": store}).test_client())
    assert trips.measure(device.launch) == 2  # the script was given to Redis at start-up
    assert trips.measure(lambda: device.say("StartRoutineIntent")) == 1
    assert trips.measure(lambda: device.say("ReadyIntent")) == 1
    assert trips.measure(lambda: device.say("PainIntent")) == 1  # events: the same script
    assert trips.measure(lambda: device.say("AMAZON.StopIntent")) == 1
    assert trips.measure(device.launch) == 2
    assert not journal_path.exists()  # nothing failed: SQLite never opened
    store.close()


def script_calls(client: redis.Redis) -> tuple[int, int]:
    """(EVAL, EVALSHA) calls Redis has served, from its own command statistics."""
    stats = client.info("commandstats")
    return tuple(  # type: ignore[return-value]
        int(stats.get(f"cmdstat_{name}", {}).get("calls", 0)) for name in ("eval", "evalsha")
    )


def test_the_save_script_is_loaded_at_start_up(server: RedisServer, raw: redis.Redis) -> None:
    """Each gunicorn worker's first save is an EVALSHA, not an EVAL carrying the script:
    the app gives Redis the script as it starts (in gunicorn's master, before forking)."""
    raw.script_flush()
    app = create_app({"ALEXA_VERIFY_SIGNATURE": "0", "store": RedisStore.from_url(server.url)})
    assert raw.script_exists(SCRIPT_SHA) == [True]  # before any request
    raw.config_resetstat()
    device = Device(app.test_client())
    device.launch()
    device.say("StartRoutineIntent")
    assert script_calls(raw) == (0, 2)
    assert device.state["ph"] == "positioning"


@pytest.mark.parametrize("how", ["down at start-up", "flushed after start-up"])
def test_a_save_loads_the_script_when_redis_has_lost_it(
    server: RedisServer, raw: redis.Redis, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Redis down as the app starts, or its scripts gone since (a restart, SCRIPT
    FLUSH): the first save sends the script itself (EVAL) and nothing is lost."""
    raw.script_flush()
    store = RedisStore.from_url(server.url)
    if how == "down at start-up":
        server.kill()
        try:
            with caplog.at_level(logging.WARNING, logger="skill.store.redis_store"):
                app = create_app({"ALEXA_VERIFY_SIGNATURE": "0", "store": store})
        finally:
            server.start()
        assert "save script is not loaded at start-up" in caplog.text
    else:
        app = create_app({"ALEXA_VERIFY_SIGNATURE": "0", "store": store})
        raw.script_flush()
    client = server.client()
    client.config_resetstat()
    device = Device(app.test_client())
    device.launch()
    device.say("StartRoutineIntent")
    device.say("ReadyIntent")
    evals, evalshas = script_calls(client)
    assert evals == 1 and evalshas >= 2  # sent once, then by its hash
    assert device.state["ph"] == "counting"
    assert RedisStore.from_url(server.url).load(device.user_id).state["ph"] == "counting"
    client.close()


def test_a_replay_does_not_overwrite_newer_progress(
    server: RedisServer, raw: redis.Redis, journal_path: Path
) -> None:
    journaled = RedisStore.from_url(server.url, journal=Journal(journal_path), replay_interval=3600)
    kitchen = Device(create_app({"ALEXA_VERIFY_SIGNATURE": "0", "store": journaled}).test_client())
    counting(kitchen)
    server.kill()
    try:
        kitchen.say("AMAZON.StopIntent")  # paused at knee rolls: journaled
    finally:
        server.start()
    assert rows(journal_path) == 1
    other = RedisStore.from_url(server.url)  # another worker, without this journal
    bedroom = Device(create_app({"ALEXA_VERIFY_SIGNATURE": "0", "store": other}).test_client())
    bedroom.user_id = kitchen.user_id
    bedroom.launch()
    bedroom.say("StartRoutineIntent")
    bedroom.say("SkipIntent")
    newer = progress(raw, kitchen.user_id)
    assert newer is not None and newer["i"] == 1

    assert journaled.replay() == 1

    assert rows(journal_path) == 0
    assert progress(raw, kitchen.user_id) == newer  # the bedroom's place stands
    assert [r["outcome"] for r in history(raw, kitchen.user_id)] == ["paused"]  # kept
    journaled.close()
    other.close()


def test_delete_while_redis_is_down_is_journaled_and_done_when_it_is_back(
    server: RedisServer, raw: redis.Redis, app: Flask, journal_path: Path
) -> None:
    device = Device(app.test_client())
    counting(device)
    device.say("PainIntent")
    assert pain_log(raw, device.user_id)
    device.say("DeleteDataIntent")
    server.out_of_memory()  # refuses the deletion (its marker is a write)
    try:
        assert "deleted everything" in words(device.say("AMAZON.YesIntent"))
        assert rows(journal_path) == 1
    finally:
        server.memory_back()
    wait_for(lambda: rows(journal_path) == 0, "the journal's replay")
    assert people_keys(raw) == [keys_for(device.user_id).deleted]


def test_an_entry_the_store_refuses_as_such_is_kept_and_does_not_block_the_rest(
    server: RedisServer, raw: redis.Redis, journal_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = RedisStore.from_url(server.url, journal=Journal(journal_path), replay_interval=3600)
    app = create_app({"ALEXA_VERIFY_SIGNATURE": "0", "store": store})
    first, second = Device(app.test_client()), Device(app.test_client())
    for device in (first, second):
        counting(device)
    server.kill()
    try:
        for device in (first, second):
            device.say("RedFlagIntent", **NUMB)
    finally:
        server.start()
    assert rows(journal_path) == 2
    raw.set(keys_for(first.user_id).pain, "not a list")  # the first entry cannot be stored

    assert store.replay() == 1

    assert rows(journal_path) == 1  # kept, for an operator
    assert any("refused by the store" in r.getMessage() for r in caplog.records)
    assert [e["kind"] for e in pain_log(raw, second.user_id)] == ["red_flag"]  # not blocked
    raw.delete(keys_for(first.user_id).pain)
    assert store.replay() == 1 and rows(journal_path) == 0
    assert [e["kind"] for e in pain_log(raw, first.user_id)] == ["red_flag"]
    store.close()
