"""Helpers for driving the coach in tests."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from skill.coach import events as ev
from skill.coach.reply import Hold, Reply
from skill.coach.session import Coach
from skill.coach.state import Phase, SessionState

# How a counted hold sounds once it has begun, in ``with_pauses`` text, for tests that
# check a count did not start or go on ("... not in said").  tests/test_speech.py checks
# that every counted hold of 2 to 10 seconds (those of the handouts' routines) says it,
# so those checks cannot pass for a mere change of wording.  The pause between the
# numbers tells a count from "call one one two".
COUNT_STARTS = "one ~ two"


def with_pauses(ssml: str) -> str:
    """The words of SSML, each ``<break>`` shown as "~"."""
    root = ET.fromstring(ssml)
    for element in root.iter("break"):
        element.text = " ~ "
    return " ".join("".join(root.itertext()).split())


def run(coach: Coach, state: SessionState, *events: ev.Event) -> tuple[SessionState, list[Reply]]:
    """Apply events with Coach.step (so an illegal one raises) and collect the plans."""
    plans = []
    for event in events:
        state, plan = coach.step(state, event)
        plans.append(plan)
    return state, plans


def at_counting(coach: Coach, state: SessionState, index: int = 0) -> SessionState:
    """Start, move to exercise ``index`` by next/ready, and count its first set."""
    state, _ = run(coach, state, ev.Start(), ev.Ready())
    while state.index < index:
        state, _ = run(coach, state, ev.Next())
        if state.phase is Phase.POSITIONING:
            state, _ = run(coach, state, ev.Ready())
    assert state.phase is Phase.COUNTING
    return state


def holds(plan: Reply) -> list[int]:
    return [s.seconds for s in plan.speech if isinstance(s, Hold)]
