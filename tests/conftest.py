"""Shared fixtures: the real catalog from content/, and a coach over it."""

from __future__ import annotations

import pytest

from skill.coach.catalog import Catalog, load_catalog
from skill.coach.routine import default_routine
from skill.coach.session import Coach
from skill.coach.state import SessionState


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
