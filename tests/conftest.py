"""Shared fixtures: the real catalog from content/ and a coach over it; one throwaway
real redis-server for the session; and the webhook over it (``make_app``, ``app``,
``client``, ``store``), every store a fixture opens closed at its teardown.

Storage is tested on a real redis-server, never a stand-in (docs/ARCHITECTURE.md,
"Testing"); the embedded store runs the same contract suite
(``tests/test_store_contract.py``) because ``make run`` and the chat use it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from skill.app import create_app
from skill.coach.catalog import Catalog, load_catalog
from skill.coach.routine import default_routine
from skill.coach.session import Coach
from skill.coach.state import SessionState
from skill.store import MemoryStore, RedisStore, Store
from tests.no_internet import Attempts, ProxyTrap, refuse_outbound
from tests.redis_server import RedisServer, RedisServerError
from tests.servers import Process, start_serve

AppFactory = Callable[..., Flask]
OUTBOUND = Attempts()


@pytest.fixture(scope="session", autouse=True)
def no_internet() -> Iterator[None]:
    """No test reaches the internet (tests/no_internet.py): this process refuses any
    connection beyond loopback, and the processes tests start get a loopback trap as
    their proxy."""
    trap = ProxyTrap(OUTBOUND)
    with pytest.MonkeyPatch.context() as patch, refuse_outbound(OUTBOUND):
        for name, value in trap.environment().items():
            patch.setenv(name, value)
        yield
    trap.close()


@pytest.fixture(autouse=True)
def fails_if_it_tried_the_internet(no_internet: None) -> Iterator[None]:
    mark = OUTBOUND.mark()
    yield
    tried = OUTBOUND.since(mark)
    if tried:
        pytest.fail("this test tried to reach beyond loopback: " + "; ".join(tried), pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def journal_outside_the_checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Apps built from REDIS_URL get a journal: in a temporary directory, not ./var."""
    path = tmp_path_factory.mktemp("journal") / "journal.sqlite3"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BACKCOACH_JOURNAL", str(path))
        yield path


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def coach(catalog: Catalog) -> Coach:
    return Coach(catalog)


@pytest.fixture
def fresh(coach: Coach, catalog: Catalog) -> SessionState:
    """A new session on the default routine (handout B)."""
    return coach.new_session(default_routine(catalog))


# --- Redis: one throwaway real redis-server for the whole session ---------------------


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A real redis-server on a free loopback port; tests may stop, kill and restart it."""
    try:
        server = RedisServer().start()
    except RedisServerError as error:
        problem = str(error)
    else:
        problem = ""
    if problem:
        pytest.fail(problem, pytrace=False)
    yield server
    server.close()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The session server's URL, running and empty at the start of each test."""
    redis_server.start()  # a no-op unless an earlier test stopped or killed it
    client = redis_server.client()
    try:
        client.flushall()
    finally:
        client.close()
    return redis_server.url


# --- the webhook over it ----------------------------------------------------------------


@pytest.fixture
def make_app(redis_url: str) -> Iterator[AppFactory]:
    """``make_app(url=None, *, store=None, **config)``: the webhook with verification off
    (``ALEXA_VERIFY_SIGNATURE=None`` in ``config`` turns it back on), over ``store`` or a
    new RedisStore for ``url`` (default: the session's server), closed at teardown."""
    opened: list[RedisStore] = []

    def make(url: str | None = None, *, store: Store | None = None, **config: Any) -> Flask:
        if store is None:
            store = RedisStore.from_url(url or redis_url)
            opened.append(store)
        return create_app({"store": store, "ALEXA_VERIFY_SIGNATURE": "0", **config})

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def app(make_app: AppFactory) -> Flask:
    """The webhook over the session's redis-server, verification off."""
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def store(app: Flask) -> RedisStore:
    """The app's own store."""
    found = app.extensions["backcoach"]["store"]
    assert isinstance(found, RedisStore)
    return found


@pytest.fixture
def redis_store(redis_url: str) -> Iterator[RedisStore]:
    """A RedisStore of its own over the session's server (no app)."""
    opened = RedisStore.from_url(redis_url)
    yield opened
    opened.close()


@pytest.fixture(params=["memory", "redis"])
def any_store(request: pytest.FixtureRequest) -> Iterator[Store]:
    """The embedded store, then a RedisStore over the real server: what both promise."""
    if request.param == "memory":
        yield MemoryStore()
        return
    opened = RedisStore.from_url(request.getfixturevalue("redis_url"))
    yield opened
    opened.close()


# --- backcoach serve for the slow-client and proxy tests ----------------------------


@pytest.fixture
def serve(redis_server: RedisServer, tmp_path: Path) -> Iterator[tuple[Process, int]]:
    """``backcoach serve`` with two workers (this machine's cores) over the session's
    redis-server, verification off: (process, port)."""
    redis_server.start()
    process, port = start_serve(
        redis_server.url, tmp_path / "serve.log", ALEXA_VERIFY_SIGNATURE="0", WEB_CONCURRENCY="2"
    )
    yield process, port
    process.close()
