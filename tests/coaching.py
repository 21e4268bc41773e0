"""Helpers for driving the coach in tests."""

from __future__ import annotations

from skill.coach import events as ev
from skill.coach.reply import Hold, Reply
from skill.coach.session import Coach
from skill.coach.state import Phase, SessionState


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
