"""After "delete my data", the person's words leave Redis's append-only file within
the hour (issue 16): measured by reading the AOF files of a real redis-server.

The server runs with the AOF in plain commands (``aof-use-rdb-preamble no``) so that
a grep cannot miss words hidden in a compressed RDB preamble.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from skill.store import RedisStore
from skill.store.aof import PENDING_KEY, REWRITTEN_KEY
from tests.redis_server import RedisServer

EVENT = {
    "at": "2026-12-01T10:00:00+00:00",
    "kind": "pain",
    "action": "stopped",
    "exercise": "b01-knee-rolls",
    "set": 1,
    "red_flag": None,
}


@pytest.fixture
def aof_server() -> Iterator[RedisServer]:
    args = ["--appendonly", "yes", "--appendfsync", "always", "--aof-use-rdb-preamble", "no"]
    with RedisServer(extra_args=args) as server:
        server.start()
        yield server


def aof_text(server: RedisServer) -> bytes:
    files = sorted((server.directory / "appendonlydir").glob("*"))
    assert files, "the server keeps no append-only file"
    return b"".join(path.read_bytes() for path in files)


def rewrites(server: RedisServer) -> int:
    return int(server.client().info("persistence")["aof_rewrites"])


def rewritten(server: RedisServer, before: int) -> None:
    """Wait for a rewrite asked after ``before`` to finish (not a timing assertion:
    the deadline only keeps a broken run from hanging)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        info = server.client().info("persistence")
        idle = not info["aof_rewrite_in_progress"] and not info["aof_rewrite_scheduled"]
        if idle and int(info["aof_rewrites"]) > before:
            return
        time.sleep(0.05)
    raise AssertionError("Redis did not rewrite its AOF")


def say_in_pain(store: RedisStore, user: str, words: str) -> None:
    store.save(user, None, [{**EVENT, "id": words, "words": words}])


def test_a_deleted_persons_words_leave_the_aof(aof_server: RedisServer) -> None:
    store = RedisStore.from_url(aof_server.url)
    try:
        say_in_pain(store, "amzn1.ask.account.ANN", "marker-ann-knee-aches")
        say_in_pain(store, "amzn1.ask.account.BOB", "marker-bob-stays")
        assert b"marker-ann-knee-aches" in aof_text(aof_server)
        before = rewrites(aof_server)
        store.delete_user("amzn1.ask.account.ANN")
        rewritten(aof_server, before)
        text = aof_text(aof_server)
        assert b"marker-ann-knee-aches" not in text
        assert b"marker-bob-stays" in text  # a rewrite keeps everyone else
    finally:
        store.close()


def test_rewrites_are_rate_limited_and_a_waiting_deletion_is_not_forgotten(
    aof_server: RedisServer,
) -> None:
    store = RedisStore.from_url(aof_server.url)
    try:
        say_in_pain(store, "amzn1.ask.account.ANN", "marker-ann")
        say_in_pain(store, "amzn1.ask.account.CAT", "marker-cat")
        before = rewrites(aof_server)
        store.delete_user("amzn1.ask.account.ANN")
        rewritten(aof_server, before)
        after_first = rewrites(aof_server)
        store.delete_user("amzn1.ask.account.CAT")  # inside the limit: waits
        client = aof_server.client()
        assert client.exists(PENDING_KEY) and rewrites(aof_server) == after_first
        assert b"marker-cat" in aof_text(aof_server)
        client.delete(REWRITTEN_KEY)  # the limit's time is up
        assert store.aof_rewrites.if_pending()
        rewritten(aof_server, after_first)
        assert b"marker-cat" not in aof_text(aof_server)
        assert not client.exists(PENDING_KEY)
        assert not store.aof_rewrites.if_pending()  # nothing left waiting
    finally:
        store.close()


def test_the_waiting_deletion_is_rewritten_by_a_timer_in_this_process(
    aof_server: RedisServer,
) -> None:
    store = RedisStore.from_url(aof_server.url)
    store.aof_rewrites.every = 1  # a one-second limit, so the timer fires in the test
    try:
        say_in_pain(store, "amzn1.ask.account.ANN", "marker-ann")
        say_in_pain(store, "amzn1.ask.account.DAN", "marker-dan")
        before = rewrites(aof_server)
        store.delete_user("amzn1.ask.account.ANN")
        store.delete_user("amzn1.ask.account.DAN")  # within the second: pending
        deadline = time.monotonic() + 30
        while b"marker-dan" in aof_text(aof_server) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert b"marker-dan" not in aof_text(aof_server)
        assert rewrites(aof_server) >= before + 2
    finally:
        store.close()
