"""Shared fixtures: the real catalog from content/, and a coach over it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from skill.coach.catalog import Catalog, load_catalog
from skill.coach.routine import default_routine
from skill.coach.session import Coach
from skill.coach.state import SessionState


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


# --- Redis: one throwaway real redis-server for the whole session (DESIGN.md §7) ---


@pytest.fixture(scope="session")
def redis_server():
    """A real redis-server on a free loopback port; tests may stop, kill and restart it."""
    from tests.redis_server import RedisServer, RedisServerError

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
def redis_url(redis_server) -> str:
    """The session server's URL, running and empty at the start of each test."""
    redis_server.start()  # a no-op unless an earlier test stopped or killed it
    client = redis_server.client()
    try:
        client.flushall()
    finally:
        client.close()
    return redis_server.url
