"""RedisStore against a real redis-server: what only Redis has (key names and their
encoding, expiry, round trips, concurrency, outages, cluster) and the embedded store's
own clock. What both stores promise is in ``test_store_contract.py``.

One redis-server serves the whole file (the ``redis_server`` and ``redis_url``
fixtures in conftest.py); the cluster tests start their own single-node cluster.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from ask_sdk_core.attributes_manager import AttributesManager
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope
from hypothesis import given, settings
from hypothesis import strategies as st
from redis.connection import Connection, SSLConnection

from skill.coach.reply import PainEvent
from skill.coach.state import SessionState
from skill.store import (
    MAX_RECORD_BYTES,
    MemoryStore,
    RecordTooLargeError,
    RedisStore,
    Store,
    StorePersistenceAdapter,
    StoreUnavailableError,
    TimeZoneUpdate,
    UserRecord,
    keys_for,
    open_store,
    user_key,
)
from tests.redis_server import RedisServer, free_port, people_keys

USER = "amzn1.ask.account.AGF7EXAMPLEUSERIDTHATISLONGANDSECRET0123456789"
OTHER_USER = "amzn1.ask.account.AGF7SOMEONEELSEENTIRELY9876543210"

KEY_PATTERN = re.compile(r"^backcoach:\{[0-9a-f]{32}\}:(progress|pain|history|version)$")


def pain_event(words: str = "it hurts", exercise: str = "b-knee-rolls", n: int = 1) -> dict:
    event = PainEvent(
        at="2026-11-02T10:00:00Z",
        words=words,
        kind="pain",
        action="gentle_offered",
        exercise_id=exercise,
        set_number=n,
    )
    return dataclasses.asdict(event)


def session_record(n: int = 1) -> dict:
    return {"at": "2026-11-02T10:20:00Z", "program": "handout-b", "done": n, "of": 5}


class RoundTrips:
    """Counts requests written to Redis: one send of packed commands is one round trip."""

    def __init__(self) -> None:
        self.count = 0
        counter = self

        class CountingConnection(Connection):
            def send_packed_command(self, command: Any, check_health: bool = True) -> None:
                counter.count += 1
                super().send_packed_command(command, check_health)

        self.connection_class = CountingConnection

    def measure(self, action: Any) -> int:
        self.count = 0
        action()
        return self.count


@pytest.fixture
def raw(redis_url: str) -> Iterator[redis.Redis]:
    """A plain client to look at what the store wrote."""
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


@pytest.fixture
def store(redis_store: RedisStore) -> RedisStore:
    """A RedisStore of its own (conftest.py), no app: this file tests the store alone."""
    return redis_store


@pytest.fixture
def state(fresh: SessionState) -> dict:
    """A real coach state, as the webhook saves it."""
    return fresh.to_dict()


# --- round trips of data ------------------------------------------------------------------


def test_saving_no_state_deletes_the_progress_and_keeps_the_lists(
    store: RedisStore, raw: redis.Redis, state: dict
):
    store.save(USER, state, [pain_event()], [session_record()])
    store.save(USER, None)

    assert raw.exists(keys_for(USER).progress) == 0
    record = store.load(USER)
    assert record.state is None
    assert record.last_pain == pain_event()
    assert record.last_session == session_record()


def test_values_are_compact_json(store: RedisStore, raw: redis.Redis, state: dict):
    store.save(USER, state, [pain_event("ça fait mal")])

    stored = raw.get(keys_for(USER).progress)
    assert stored == json.dumps(state, separators=(",", ":"))
    assert raw.lindex(keys_for(USER).pain, 0) == json.dumps(
        pain_event("ça fait mal"), separators=(",", ":"), ensure_ascii=False
    )


def test_the_progress_as_text_is_stored_as_it_is_and_a_dict_the_same_way(
    store: RedisStore, raw: redis.Redis, state: dict
) -> None:
    """The webhook hands over the compact JSON it made for the session attributes
    (ASCII only, json.dumps's default): stored as it is, not encoded again; a dict is
    encoded to the very same bytes, so the fingerprint is the same too."""
    said = {**state, "q": ["did_you_mean", ["b01"], 0, "ça \u2603"], "t": "2026-11-02T10:00Z"}
    text = json.dumps(said, separators=(",", ":"))
    store.save(USER, text, today="2026-11-02")
    store.save(OTHER_USER, said, today="2026-11-02")

    assert raw.get(keys_for(USER).progress) == text
    assert raw.get(keys_for(OTHER_USER).progress) == text
    assert raw.hget(keys_for(USER).version, "fp") == raw.hget(keys_for(OTHER_USER).version, "fp")
    assert store.load(USER).state == said


def test_the_script_keys_are_the_users_keys_in_the_scripts_order() -> None:
    from skill.store.keys import keys_for_user_key, script_keys

    hashed = user_key(USER)
    keys = keys_for_user_key(hashed)
    assert script_keys(hashed) == (
        keys.progress,
        keys.version,
        keys.pain,
        keys.history,
        keys.pain_days,
        keys.time_zone,
        keys.deleted,
    )


def test_a_corrupt_stored_value_reads_as_absent(store: RedisStore, raw: redis.Redis, state: dict):
    store.save(USER, state, [pain_event()])
    raw.set(keys_for(USER).progress, "{not json")
    raw.rpush(keys_for(USER).pain, "[1, 2]")

    record = store.load(USER)

    assert record.state is None
    assert record.last_pain is None
    assert store.pain_log(USER) == [pain_event()]


def test_an_oversized_record_is_refused_before_anything_is_written(
    store: RedisStore, raw: redis.Redis, state: dict
):
    with pytest.raises(RecordTooLargeError):
        store.save(USER, state, [pain_event("ow " * MAX_RECORD_BYTES)])

    assert raw.keys("*") == []


# --- expiry -------------------------------------------------------------------------------


def test_progress_expires_after_the_ttl_and_the_lists_never_do(redis_url: str, raw: redis.Redis):
    store = RedisStore.from_url(redis_url, progress_ttl=1)
    store.save(USER, {"v": 1}, [pain_event()], [session_record()])
    keys = keys_for(USER)

    assert 0 < raw.pttl(keys.progress) <= 1000
    assert raw.ttl(keys.pain) == -1  # exists, no expiry
    assert raw.ttl(keys.history) == -1
    store.close()


def test_the_default_progress_ttl_is_a_week_and_each_save_renews_it(
    store: RedisStore, raw: redis.Redis, state: dict
):
    """A week: the skill decides by the day it was saved whether a place is still
    offered (a day), and the week lets it say that one has expired."""
    store.save(USER, state)
    key = keys_for(USER).progress
    raw.expire(key, 5)

    store.save(USER, state)

    assert 7 * 86_400 - 100 < raw.ttl(key) <= 7 * 86_400


def test_after_the_progress_expires_the_pain_log_and_history_remain(
    store: RedisStore, raw: redis.Redis, state: dict
):
    store.save(USER, state, [pain_event()], [session_record()])
    keys = keys_for(USER)
    raw.pexpire(keys.progress, 1)  # what a week does, without waiting a week
    wait_until(lambda: raw.exists(keys.progress) == 0)

    record = store.load(USER)

    assert record == UserRecord(state=None, last_pain=pain_event(), last_session=session_record())
    assert store.pain_log(USER) == [pain_event()]
    assert store.history(USER) == [session_record()]


# --- keys ---------------------------------------------------------------------------------


def test_keys_carry_a_hash_tag_and_never_the_raw_user_id(
    store: RedisStore, raw: redis.Redis, state: dict
):
    for user in (USER, OTHER_USER):
        store.save(user, state, [pain_event()], [session_record()])

    keys = sorted(raw.scan_iter("*"))

    assert len(keys) == 8  # progress, pain, history and the progress version, each
    for key in keys:
        assert KEY_PATTERN.match(key), key
        assert USER not in key and OTHER_USER not in key
        assert "AGF7" not in key
    tags = {key.split("}")[0] for key in keys}
    assert tags == {f"backcoach:{{{user_key(USER)}", f"backcoach:{{{user_key(OTHER_USER)}"}


def test_user_key_is_a_salted_sha256_prefix():
    assert user_key(USER) == hashlib.sha256(USER.encode()).hexdigest()[:32]
    assert user_key(USER, "pepper") == hashlib.sha256(b"pepper" + USER.encode()).hexdigest()[:32]
    assert user_key(USER) != user_key(OTHER_USER)


def test_a_salted_store_writes_under_salted_keys(redis_url: str, raw: redis.Redis, state: dict):
    salted = RedisStore.from_url(redis_url, salt="pepper")
    salted.save(USER, state)

    assert raw.exists(f"backcoach:{{{user_key(USER, 'pepper')}}}:progress") == 1
    assert raw.exists(keys_for(USER).progress) == 0
    assert salted.load(USER).state == state
    salted.close()


# --- round trips to Redis -----------------------------------------------------------------


def test_load_and_save_are_one_round_trip_each(redis_url: str, state: dict):
    trips = RoundTrips()
    store = RedisStore.from_url(redis_url, connection_class=trips.connection_class)
    assert store.ping()  # the connection and its handshake, before counting

    assert trips.measure(lambda: store.load(USER)) == 1
    assert trips.measure(lambda: store.save(USER, state)) == 1
    assert (
        trips.measure(
            lambda: store.save(
                USER,
                state,
                [pain_event(n=1), pain_event(n=2)],
                [session_record(), session_record()],
            )
        )
        == 1
    )
    assert trips.measure(lambda: store.save(USER, None, [pain_event()])) == 1
    assert trips.measure(lambda: store.load(USER)) == 1
    assert store.load(USER).last_pain == pain_event()
    store.close()


# --- concurrency --------------------------------------------------------------------------


def test_concurrent_appends_from_many_writers_lose_nothing(redis_url: str):
    threads, per_thread = 8, 50
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def writer(t: int) -> None:
        own = RedisStore.from_url(redis_url, socket_timeout=5, connect_timeout=5)
        try:
            barrier.wait()
            for i in range(per_thread):
                own.save(
                    USER,
                    {"v": 1, "writer": t, "i": i},
                    [pain_event(f"writer {t} event {i}", n=i)],
                    [session_record(t * per_thread + i)],
                )
        except BaseException as error:
            errors.append(error)
        finally:
            own.close()

    run_threads(writer, threads)

    assert errors == []
    store = RedisStore.from_url(redis_url)
    pains = store.pain_log(USER)
    assert len(pains) == threads * per_thread
    assert {p["words"] for p in pains} == {
        f"writer {t} event {i}" for t in range(threads) for i in range(per_thread)
    }
    assert len(store.history(USER)) == threads * per_thread
    # Each writer's own events stay in the order it wrote them.
    for t in range(threads):
        mine = [p["set_number"] for p in pains if p["words"].startswith(f"writer {t} ")]
        assert mine == list(range(per_thread))
    store.close()


def test_a_thread_keeps_one_connection_and_gives_it_back_when_it_ends(
    store: RedisStore, raw: redis.Redis, state: dict
) -> None:
    """Each thread saves and loads on a connection of its own (no pool get and release
    per command); one that ends gives it back, so threads that come and go (a dev
    server's) do not pile up connections."""

    def session(n: int) -> None:
        for _ in range(3):
            store.save(f"{USER}-{n}", state)
            store.load(f"{USER}-{n}")

    for n in range(20):  # one after another: each ends before the next begins
        thread = threading.Thread(target=session, args=(n,))
        thread.start()
        thread.join()

    # This test's own client, and the one connection all 20 threads had in turn.
    assert len(raw.client_list()) == 2
    assert store.load(f"{USER}-19").state == state


def test_a_forked_process_saves_on_a_connection_of_its_own(
    store: RedisStore, raw: redis.Redis, redis_url: str, state: dict
) -> None:
    """A worker forked after the store saved (a preloaded app) must not share the
    parent's socket: their replies would cross."""
    store.save(USER, state)  # the parent's thread keeps a connection
    assert len(raw.client_list()) == 2  # raw's and the store's

    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports by its exit code
        try:
            saved = store.save(OTHER_USER, state)
            seen = redis.Redis.from_url(redis_url, decode_responses=True)
            # The parent's two, the child's new one, and this one.
            os._exit(0 if saved.status == "saved" and len(seen.client_list()) == 4 else 1)
        finally:
            os._exit(2)
    _, status = os.waitpid(child, 0)

    assert os.waitstatus_to_exitcode(status) == 0
    assert store.save(USER, {**state, "i": 1}).status == "saved"  # the parent's still works
    assert store.load(OTHER_USER).state == state


def test_concurrent_state_saves_leave_one_whole_state(redis_url: str, state: dict):
    threads, per_thread = 8, 50
    barrier = threading.Barrier(threads)
    written = {
        (t, i): {**state, "writer": t, "i": i, "pad": "x" * (t * 40 + i)}
        for t in range(threads)
        for i in range(per_thread)
    }
    shared = RedisStore.from_url(redis_url, socket_timeout=5, connect_timeout=5)
    errors: list[BaseException] = []

    def writer(t: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                shared.save(USER, written[(t, i)])
        except BaseException as error:
            errors.append(error)

    run_threads(writer, threads)

    assert errors == []
    final = shared.load(USER).state
    assert final is not None
    assert final == written[(final["writer"], final["i"])]
    assert final["i"] == per_thread - 1  # the last save of whichever writer finished last
    shared.close()


# --- deletion -----------------------------------------------------------------------------


def test_delete_user_removes_every_key_of_that_user_and_no_other(
    store: RedisStore, raw: redis.Redis, state: dict
):
    for user in (USER, OTHER_USER):
        store.save(user, state, [pain_event()], [session_record()])

    store.delete_user(USER)

    assert store.load(USER) == UserRecord(None, None, None)
    assert store.pain_log(USER) == [] and store.history(USER) == []
    # Only the marker that blocks write-back from sessions begun before the deletion.
    assert sorted(people_keys(raw)) == sorted([*keys_for(OTHER_USER).all, keys_for(USER).deleted])
    assert 86_000 < raw.ttl(keys_for(USER).deleted) <= 86_400
    assert store.load(OTHER_USER).state == state


# --- the device's time zone ---------------------------------------------------------------


def test_a_time_zone_is_saved_with_the_progress_for_30_days_and_read_in_the_load(
    redis_url: str, store: RedisStore, raw: redis.Redis, state: dict
):
    assert store.load(USER).time_zone is None
    trips = RoundTrips()
    counted = RedisStore.from_url(redis_url, connection_class=trips.connection_class)
    assert counted.ping()
    # No records to append: still one round trip (a MULTI/EXEC of both SETs).
    saved = trips.measure(lambda: counted.save(USER, state, time_zone=TimeZoneUpdate("Asia/Tokyo")))
    assert saved == 1
    assert raw.get(keys_for(USER).time_zone) == "Asia/Tokyo"
    assert 29 * 86_400 < raw.ttl(keys_for(USER).time_zone) <= 30 * 86_400
    record: list[UserRecord] = []
    assert trips.measure(lambda: record.append(counted.load(USER))) == 1
    assert record[0].time_zone == "Asia/Tokyo" and record[0].state == state
    counted.close()

    store.save(USER, state)  # a save without one keeps it
    assert store.load(USER).time_zone == "Asia/Tokyo"
    store.save(USER, state, time_zone=TimeZoneUpdate("", ttl=86_400))  # unknown, for a day
    assert store.load(USER).time_zone == ""
    assert 0 < raw.ttl(keys_for(USER).time_zone) <= 86_400

    store.delete_user(USER)
    assert raw.exists(keys_for(USER).time_zone) == 0
    assert keys_for(USER).time_zone in keys_for(USER).every


# --- Redis down, hung, failing ------------------------------------------------------------


def test_redis_down_surfaces_as_unavailable_and_the_same_store_recovers(
    redis_server: RedisServer, redis_url: str, state: dict
):
    store = RedisStore.from_url(redis_url)
    store.save(USER, state, [pain_event()])
    assert store.ping()

    redis_server.stop()
    try:
        with pytest.raises(StoreUnavailableError):
            store.load(USER)
        with pytest.raises(StoreUnavailableError):
            store.save(USER, state, [pain_event()])
        with pytest.raises(StoreUnavailableError):
            store.pain_log(USER)
        with pytest.raises(StoreUnavailableError):
            store.history(USER)
        with pytest.raises(StoreUnavailableError):
            store.delete_user(USER)
        assert store.ping() is False
    finally:
        redis_server.start()

    # The server came back empty (it saves nothing to disk): the store just works again.
    assert store.ping() is True
    assert store.load(USER) == UserRecord(None, None, None)
    store.save(USER, state, [pain_event()])
    assert store.load(USER).state == state
    store.close()


def test_redis_killed_mid_conversation_then_back(
    redis_server: RedisServer, redis_url: str, state: dict
):
    store = RedisStore.from_url(redis_url)
    store.save(USER, state)
    assert store.load(USER).state == state  # a pooled connection is open now

    redis_server.kill()
    try:
        with pytest.raises(StoreUnavailableError):
            store.save(USER, {**state, "i": 1}, [pain_event()])
    finally:
        redis_server.start()

    store.save(USER, {**state, "i": 1}, [pain_event()])
    assert store.load(USER).state == {**state, "i": 1}
    assert store.pain_log(USER) == [pain_event()]
    store.close()


def test_a_restart_between_requests_is_not_an_error(
    redis_server: RedisServer, redis_url: str, state: dict
):
    # No retries: the pool must notice that Redis closed the idle pooled connection
    # and reconnect before sending, rather than fail the next request.
    store = RedisStore.from_url(redis_url)
    store.save(USER, state)

    redis_server.restart()

    assert store.load(USER) == UserRecord(None, None, None)
    store.save(USER, state, [pain_event()])
    assert store.load(USER).last_pain == pain_event()
    store.close()


def test_unavailable_errors_are_not_raw_redis_errors(redis_server: RedisServer, redis_url: str):
    store = RedisStore.from_url(redis_url)
    redis_server.stop()
    try:
        with pytest.raises(StoreUnavailableError) as caught:
            store.load(USER)
    finally:
        redis_server.start()
    assert not isinstance(caught.value, redis.RedisError)
    assert type(caught.value) is StoreUnavailableError
    store.close()


def test_a_redis_that_never_answers_is_unavailable():
    # Accepts connections (the kernel's backlog does that) but never replies.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = silent.getsockname()[1]
        store = RedisStore.from_url(f"redis://127.0.0.1:{port}/0")

        with pytest.raises(StoreUnavailableError, match="Timeout"):
            store.load(USER)
        with pytest.raises(StoreUnavailableError):
            store.save(USER, {"v": 1})
        assert store.ping() is False
        store.close()


def test_an_error_reply_is_unavailable_and_does_not_carry_what_was_said(
    store: RedisStore, raw: redis.Redis, state: dict
):
    raw.set(keys_for(USER).pain, "a string where a list belongs")

    with pytest.raises(StoreUnavailableError, match="WRONGTYPE") as caught:
        store.save(USER, state, [pain_event("my secret words")])

    assert "my secret words" not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    with pytest.raises(StoreUnavailableError, match="WRONGTYPE"):
        store.load(USER)


# --- the save script refuses a key of the wrong type before writing anything ---------------


def _snapshot(raw: redis.Redis) -> dict[str, Any]:
    """Every key of the test's Redis with its type and value, to compare before and after."""
    found: dict[str, Any] = {}
    for key in raw.scan_iter("*"):
        kind = raw.type(key)
        value = raw.dump(key)
        found[key] = (kind, value)
    return found


def _wrong_type(raw: redis.Redis, key: str, kind: str) -> None:
    raw.delete(key)
    if kind == "string":
        raw.set(key, "a string")
    elif kind == "list":
        raw.rpush(key, "a list")
    else:
        raw.hset(key, "a", "hash")


@pytest.mark.parametrize(
    ("which", "kind", "saves"),
    [
        ("progress", "hash", {}),
        ("version", "string", {}),
        ("pain", "string", {"pains": 1}),
        ("history", "hash", {"records": 1}),
        ("pain_days", "string", {"pains": 1}),
        ("pain_days", "list", {}),  # read for today's count, so refused too
        ("time_zone", "list", {"zone": True}),
    ],
)
def test_a_save_refuses_a_key_of_the_wrong_type_and_writes_nothing(
    store: RedisStore, raw: redis.Redis, state: dict, which: str, kind: str, saves: dict
) -> None:
    """A script is not rolled back on an error: a wrong-typed key must stop it before its
    first write, so that no event is marked seen without being stored."""
    day = "2026-11-02"
    store.save(USER, state, [{**pain_event(), "id": "old:0"}], [session_record()], today=day)
    _wrong_type(raw, getattr(keys_for(USER), which), kind)
    before = _snapshot(raw)

    with pytest.raises(StoreUnavailableError, match="WRONGTYPE") as caught:
        store.save(
            USER,
            {**state, "i": 1},
            [{**pain_event(), "id": "new:0"}] * saves.get("pains", 0),
            [{**session_record(), "id": "new:1"}] * saves.get("records", 0),
            TimeZoneUpdate("Europe/Paris") if saves.get("zone") else None,
            today=day,
        )

    assert not caught.value.transient
    assert _snapshot(raw) == before


def test_one_save_stores_an_event_given_twice_once(
    store: RedisStore, raw: redis.Redis, state: dict
) -> None:
    """The same id twice in one save (an unsaved event and its retry), across both lists."""
    event = {**pain_event(), "id": "twice:0"}
    record = {**session_record(), "id": "twice:0"}  # the same id as the pain event
    other = {**session_record(2), "id": "other:1"}
    saved = store.save(USER, state, [event, event], [record, other, other], today="2026-11-02")

    assert saved.new_pains == (True, False)
    assert saved.pains_today == 1
    assert store.pain_log(USER) == [event]
    assert store.history(USER) == [other]
    assert raw.hget(keys_for(USER).version, "n") == "2"


def test_pain_counts_older_than_a_week_go_with_the_next_pain_report(
    store: RedisStore, raw: redis.Redis, state: dict
) -> None:
    days = ["2026-10-25", "2026-10-26", "2026-10-27", "2026-11-01"]
    for n, day in enumerate(days):
        store.save(USER, state, [{**pain_event(), "id": f"p{n}:0"}], today=day)
    store.save(USER, state, today="2026-11-02")  # no pain report: nothing trimmed
    assert sorted(raw.hgetall(keys_for(USER).pain_days)) == days

    saved = store.save(USER, state, [{**pain_event(), "id": "p9:0"}], today="2026-11-02")

    # Kept: the last PAIN_DAYS_KEPT (7) days before today, and today.
    assert raw.hgetall(keys_for(USER).pain_days) == {
        "2026-10-26": "1",
        "2026-10-27": "1",
        "2026-11-01": "1",
        "2026-11-02": "1",
    }
    assert saved.pains_today == 1


def test_a_conflict_or_the_same_progress_writes_no_version(
    store: RedisStore, raw: redis.Redis, state: dict
) -> None:
    """The version hash changes only when the progress is written (and for event ids)."""
    saved = {**state, "t": "2026-11-02T10:00:00+00:00"}
    first = store.save(USER, saved, version=0, writer="A")
    meta = raw.hgetall(keys_for(USER).version)
    same = store.save(USER, {**saved, "t": "2026-11-02T10:05:00+00:00"}, version=0, writer="B")
    stale = store.save(USER, {**saved, "i": 1}, version=first.version - 1, writer="C")

    assert (same.status, same.version) == ("saved", first.version)
    assert (stale.status, stale.version) == ("conflict", first.version)
    assert stale.current == {**saved, "t": "2026-11-02T10:05:00+00:00"}
    assert raw.hgetall(keys_for(USER).version) == meta


# --- URLs ---------------------------------------------------------------------------------


def test_a_redis_url_builds_a_client_with_short_timeouts_and_no_retries():
    store = RedisStore.from_url("redis://:s3cret@example.invalid:6380/2")

    pool = store.client.connection_pool
    assert not issubclass(pool.connection_class, SSLConnection)
    kwargs = pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"]) == ("example.invalid", 6380, 2)
    assert kwargs["socket_timeout"] == 0.25
    assert kwargs["socket_connect_timeout"] == 0.25
    assert kwargs["decode_responses"] is True
    assert kwargs["retry"].get_retries() == 0
    assert pool.make_connection().retry.get_retries() == 0
    assert store.description == "redis at example.invalid:6380"
    assert "s3cret" not in store.description
    store.close()


def test_a_rediss_url_builds_a_tls_client():
    store = RedisStore.from_url("rediss://default:s3cret@cache.example.invalid:6379")

    pool = store.client.connection_pool
    assert issubclass(pool.connection_class, SSLConnection)
    assert pool.connection_kwargs["password"] == "s3cret"
    assert pool.connection_kwargs["socket_timeout"] == 0.25
    assert store.description == "redis at cache.example.invalid:6379 over TLS"
    assert "s3cret" not in store.description
    store.close()


def test_timeouts_can_be_set():
    store = RedisStore.from_url("redis://localhost", socket_timeout=0.5, connect_timeout=0.1)

    kwargs = store.client.connection_pool.connection_kwargs
    assert (kwargs["socket_timeout"], kwargs["socket_connect_timeout"]) == (0.5, 0.1)
    store.close()


@pytest.mark.parametrize("url", ["http://localhost:6379", "unix:///tmp/redis.sock", "localhost"])
def test_other_url_schemes_are_refused(url: str):
    with pytest.raises(ValueError, match="redis://"):
        RedisStore.from_url(url)


def test_a_cluster_url_connects_only_when_first_used():
    store = RedisStore.from_url("rediss://:pw@cluster.example.invalid:7000", cluster=True)

    assert store.description == "redis cluster at cluster.example.invalid:7000 over TLS"
    assert store._client is None


# --- Redis Cluster ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def redis_cluster() -> Iterator[RedisServer]:
    with RedisServer(cluster=True) as server:
        yield server


@pytest.fixture
def cluster_url(redis_cluster: RedisServer) -> str:
    client = redis_cluster.client()
    client.flushall()
    client.close()
    return redis_cluster.url


def test_cluster_round_trip_with_one_round_trip_per_load_and_save(cluster_url: str, state: dict):
    trips = RoundTrips()
    store = RedisStore.from_url(cluster_url, cluster=True, connection_class=trips.connection_class)
    assert store.ping()
    assert isinstance(store.client, redis.RedisCluster)

    saved = trips.measure(lambda: store.save(USER, state, [pain_event()], [session_record()]))
    loaded = trips.measure(lambda: store.load(USER))

    assert (saved, loaded) == (1, 1)
    assert store.load(USER) == UserRecord(state, pain_event(), session_record())
    assert store.pain_log(USER) == [pain_event()]
    assert store.history(USER) == [session_record()]
    store.delete_user(USER)
    assert store.load(USER) == UserRecord(None, None, None)
    store.close()


def test_cluster_runs_the_save_script_exactly_once_with_versions_and_deletion(
    cluster_url: str, redis_cluster: RedisServer, state: dict
):
    store = RedisStore.from_url(cluster_url, cluster=True)
    event = {**pain_event(), "id": "amzn1.echo-api.request.CLUSTER:0"}
    first = store.save(USER, state, [event], version=0, today="2026-11-02", writer="S1")
    again = store.save(USER, state, [event], version=0, today="2026-11-02", writer="S2")
    moved = store.save(USER, {**state, "i": 1}, version=0, writer="S3")

    raw = redis_cluster.client()
    keys = keys_for(USER)
    assert raw.lrange(keys.pain, 0, -1) == [json.dumps(event, separators=(",", ":"))]
    assert raw.hget(keys.pain_days, "2026-11-02") == "1"
    assert (first.status, again.status, moved.status) == ("saved", "saved", "conflict")
    assert again.new_pains == (False,) and moved.current == state
    store.delete_user(USER, "2026-11-02T11:00:00+00:00")
    late = store.save(
        USER, state, [event], version=first.version, started="2026-11-02T10:00:00+00:00"
    )
    assert late.status == "deleted"
    assert sorted(people_keys(raw)) == [keys.deleted]
    raw.close()
    store.close()


def test_cluster_keys_of_one_user_share_a_slot(redis_cluster: RedisServer):
    client = redis_cluster.client()
    for user in (USER, OTHER_USER):
        slots = {client.cluster("KEYSLOT", key) for key in keys_for(user).all}
        assert len(slots) == 1
    client.close()


def test_cluster_down_at_start_is_unavailable_not_a_crash():
    store = RedisStore.from_url(f"redis://127.0.0.1:{free_port()}", cluster=True)

    assert store.ping() is False
    with pytest.raises(StoreUnavailableError):
        store.load(USER)
    with pytest.raises(StoreUnavailableError):
        store.save(USER, {"v": 1})


# --- the ASK SDK persistence adapter ------------------------------------------------------


def launch_request(user_id: str = USER) -> RequestEnvelope:
    body = {
        "version": "1.0",
        "session": {
            "new": True,
            "sessionId": "amzn1.echo-api.session.0001",
            "application": {"applicationId": "amzn1.ask.skill.backcoach-test"},
            "user": {"userId": user_id},
            "attributes": {},
        },
        "context": {
            "System": {
                "application": {"applicationId": "amzn1.ask.skill.backcoach-test"},
                "user": {"userId": user_id},
                "device": {"deviceId": "amzn1.ask.device.0001", "supportedInterfaces": {}},
                "apiEndpoint": "https://api.amazonalexa.com",
            }
        },
        "request": {
            "type": "LaunchRequest",
            "requestId": "amzn1.echo-api.request.0001",
            "timestamp": "2026-11-02T10:00:00Z",
            "locale": "en-US",
        },
    }
    return DefaultSerializer().deserialize(json.dumps(body), RequestEnvelope)


def test_the_adapter_loads_saves_and_deletes_through_the_attributes_manager(
    store: RedisStore, raw: redis.Redis, state: dict
):
    adapter = StorePersistenceAdapter(store)
    envelope = launch_request()
    assert envelope.context.system.user.user_id == USER

    first = AttributesManager(envelope, persistence_adapter=adapter)
    assert first.persistent_attributes == {
        "state": None,
        "last_pain": None,
        "last_session": None,
        "recent": [],
        "link": None,
        "time_zone": None,
        "version": 0,
        "pain_days": {},
    }
    first.persistent_attributes["state"] = state
    first.persistent_attributes["append_pain"] = [pain_event()]
    first.persistent_attributes["append_history"] = [session_record()]
    first.persistent_attributes["set_time_zone"] = TimeZoneUpdate("Europe/Berlin")
    first.save_persistent_attributes()
    assert "set_time_zone" not in first.persistent_attributes
    raw.delete(keys_for(USER).time_zone)
    first.save_persistent_attributes()  # a second save must not append the records again
    assert raw.get(keys_for(USER).time_zone) is None  # nor write the time zone again
    first.persistent_attributes["set_time_zone"] = TimeZoneUpdate("Europe/Berlin")
    first.save_persistent_attributes()

    assert store.pain_log(USER) == [pain_event()]
    assert store.history(USER) == [session_record()]
    later = AttributesManager(launch_request(), persistence_adapter=adapter)
    assert later.persistent_attributes == {
        "state": state,
        "last_pain": pain_event(),
        "last_session": session_record(),
        "recent": [session_record()],
        "link": None,
        "time_zone": "Europe/Berlin",
        "version": later.persistent_attributes["version"],
        "pain_days": {},  # no day given: nothing counted
    }
    assert int(raw.hget(keys_for(USER).version, "v")) == later.persistent_attributes["version"] > 0

    later.delete_persistent_attributes()
    assert people_keys(raw) == [keys_for(USER).deleted]  # only the deletion marker


def test_the_adapter_needs_a_user_id(store: RedisStore):
    envelope = launch_request()
    envelope.context.system.user.user_id = None

    with pytest.raises(PersistenceException):
        StorePersistenceAdapter(store).get_attributes(envelope)


# --- open_store ---------------------------------------------------------------------------


def test_open_store_without_a_url_uses_memory_and_says_so(caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.WARNING, logger="skill.store"):
        store = open_store(None)

    assert isinstance(store, MemoryStore)
    assert isinstance(store, Store)
    assert store.description == "embedded in-memory store"
    assert (
        "no REDIS_URL: using the embedded in-memory store; state is lost on restart"
        in caplog.messages
    )
    assert isinstance(open_store(""), MemoryStore)


def test_open_store_with_a_url_uses_redis(redis_url: str, state: dict):
    store = open_store(redis_url, progress_ttl=60, salt="s")

    assert isinstance(store, RedisStore)
    assert isinstance(store, Store)
    store.save(USER, state)
    assert store.load(USER).state == state
    store.close()


# --- the in-memory store (local runs only) ------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_memory_store_progress_expires_and_history_stays(state: dict):
    clock = FakeClock()
    store = MemoryStore(progress_ttl=60, clock=clock)
    store.save(USER, state, [pain_event()], [session_record()])

    clock.now += 59
    assert store.load(USER).state == state
    clock.now += 1
    assert store.load(USER) == UserRecord(None, pain_event(), session_record())


# --- helpers ------------------------------------------------------------------------------


def run_threads(target: Any, count: int) -> None:
    threads = [threading.Thread(target=target, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def wait_until(condition: Any, deadline: float = 10.0) -> None:
    """Poll for a condition that Redis reaches on its own (not a timing assertion)."""
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            raise AssertionError("condition not reached")
        time.sleep(0.005)


def test_memory_store_keeps_the_time_zone_like_redis(state: dict):
    clock = FakeClock()
    store = MemoryStore(clock=clock)
    store.save(USER, state, time_zone=TimeZoneUpdate("Asia/Tokyo"))
    assert store.load(USER).time_zone == "Asia/Tokyo"
    assert store.load(OTHER_USER).time_zone is None
    store.save(USER, state)
    clock.now += 30 * 86_400 - 1
    assert store.load(USER).time_zone == "Asia/Tokyo"
    clock.now += 1
    assert store.load(USER).time_zone is None  # expired after 30 days: asked again
    store.save(USER, state, time_zone=TimeZoneUpdate("", ttl=86_400))
    assert store.load(USER).time_zone == ""
    store.delete_user(USER)
    assert store.load(USER).time_zone is None


def test_the_fingerprint_ignores_when_the_progress_was_saved_and_nothing_else() -> None:
    """The same progress saved again (a second device's launch) is not a new version;
    anything else it says is, even words that look like the saved-at field."""
    import json

    from skill.store.redis_store import fingerprint

    def text(state: dict) -> str:
        return json.dumps(state, separators=(",", ":"), ensure_ascii=False)

    state = {"v": 1, "r": [["b01-knee-rolls", None, None, 8, 1, 15]], "ph": "ready", "t": "1"}
    later = {**state, "t": "2026-12-01T10:00:00+00:00"}
    assert fingerprint(text(state)) == fingerprint(text(later))
    assert fingerprint(text({**state, "t": "x", "g": 1})) == fingerprint(text({**later, "g": 1}))
    assert fingerprint(text({**state, "ph": "counting"})) != fingerprint(text(state))
    tricky = {**state, "q": ["did_you_mean", ["a"], 0, '"t":"x"']}
    assert fingerprint(text(tricky)) != fingerprint(
        text({**tricky, "q": ["did_you_mean", ["a"], 0, ""]})
    )
    assert fingerprint(None) == ""


# The fingerprint's first definition, kept here as the oracle of the faster one.
SAVED_AT_REGEX = re.compile(r'(?<=[{,])"t":"[^"]*",?')

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='t",:{}\\ab\u00e9'),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["t", "v", "r", 't"', "x"]), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(
    value=st.dictionaries(st.sampled_from(["t", "v", "r", "q", "d"]), JSON_VALUES),
    ascii_only=st.booleans(),
)
@settings(max_examples=400, deadline=None)
def test_the_fingerprint_removes_what_the_regex_removed_from_any_compact_json(
    value: dict, ascii_only: bool
) -> None:
    from skill.store.redis_store import _without_saved_at

    text = json.dumps(value, separators=(",", ":"), ensure_ascii=ascii_only)
    assert _without_saved_at(text) == SAVED_AT_REGEX.sub("", text)


@given(text=st.text(alphabet='t":,{}a\\'))
@settings(max_examples=400, deadline=None)
def test_the_fingerprint_removes_what_the_regex_removed_from_any_text(text: str) -> None:
    from skill.store.redis_store import _without_saved_at

    assert _without_saved_at(text) == SAVED_AT_REGEX.sub("", text)


def test_the_ids_kept_for_exactly_once_are_capped_to_the_newest(
    store: RedisStore, raw: redis.Redis, state: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each event's id is kept (in the version hash) so a retry stores it once; past the
    cap and its slack the oldest ids go, and the newest still stop a repeat."""
    import skill.store.redis_store as redis_store

    monkeypatch.setattr(redis_store, "SEEN_IDS", 3)
    events = [{**pain_event(), "id": f"amzn1.echo-api.request.R{n}:0"} for n in range(60)]
    for event in events:
        store.save(USER, state, [event], today="2026-11-02")
    kept = {k: v for k, v in raw.hgetall(keys_for(USER).version).items() if k.startswith("s")}
    # Trimmed to 3 when the 54th arrived (over 3 + 50), then 6 more: the newest 9.
    assert len(kept) == 9 and int(raw.hget(keys_for(USER).version, "n")) == 9
    assert len(raw.lrange(keys_for(USER).pain, 0, -1)) == 60
    again = store.save(USER, state, [events[-1]], today="2026-11-02")
    assert again.new_pains == (False,)  # the newest id is still known: not stored twice
    assert len(raw.lrange(keys_for(USER).pain, 0, -1)) == 60
    oldest = store.save(USER, state, [events[0]], today="2026-11-02")
    assert oldest.new_pains == (True,)  # trimmed long ago: forgotten, as documented
    assert not raw.exists(f"{keys_for(USER).version[: -len('version')]}seen")
