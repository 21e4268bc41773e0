"""Every conversation in tests/scenarios/ (see its README), against a real Redis."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from backcoach_dev.chat.device import InProcess
from backcoach_dev.chat.scenario import load_scenario, run_scenario, store_prescription
from skill.store import RedisStore

from .alexa import morning_offset

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.yaml"))


def test_there_are_scenarios_for_every_kind_of_conversation() -> None:
    assert len(SCENARIOS) >= 25


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path, app: Flask, store: RedisStore) -> None:
    scenario = load_scenario(path)
    code = store_prescription(scenario, store.plan_store())
    outcome = run_scenario(
        scenario,
        InProcess(app.test_client()),
        path.relative_to(Path.cwd()),
        code=code,
        clock_offset=morning_offset(),
    )
    if not outcome.passed:
        pytest.fail(outcome.report(), pytrace=False)
