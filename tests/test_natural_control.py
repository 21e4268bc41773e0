"""Natural control (issue 15): pace names both ways, the voice of the coaching only,
"start over" and "no, start from the beginning", an expired saved place said, "I'm
done" while getting into position, and the link code read back before it is checked."""

from __future__ import annotations

import re

from skill.coach import events as ev
from skill.coach.pacing import FASTEST_PACE, NORMAL_PACE, PACES, SLOWEST_PACE, pace, pace_name
from skill.coach.session import Coach
from skill.coach.state import SessionState
from skill.speech import render

from .coaching import run

PACE_SAID = re.compile(r"The pace is now ([^.]+)\.")


def said_pace(text: str) -> str:
    found = PACE_SAID.search(text)
    assert found is not None, text
    return found.group(1)


# -- pace names ----------------------------------------------------------------------


def test_every_pace_has_its_own_name_in_the_content(coach: Coach) -> None:
    names = [pace_name(coach.words, level) for level in range(len(PACES))]
    assert len(set(names)) == len(PACES)
    phrases = dict(coach.words.items())
    for name in names:
        assert list(phrases.values()).count(name) == 1, name
        assert "slower" not in name and "faster" not in name  # a pace, not a change


def test_slower_then_faster_names_the_same_pace_both_ways(
    coach: Coach, fresh: SessionState
) -> None:
    state = fresh.evolve(pace=FASTEST_PACE)
    going_slower: dict[int, str] = {}
    while state.pace < SLOWEST_PACE:
        state, (plan,) = run(coach, state, ev.Slower())
        going_slower[state.pace] = said_pace(plan.text)
    going_faster: dict[int, str] = {}
    while state.pace > FASTEST_PACE:
        state, (plan,) = run(coach, state, ev.Faster())
        going_faster[state.pace] = said_pace(plan.text)
    for level in range(FASTEST_PACE + 1, SLOWEST_PACE):
        assert going_slower[level] == going_faster[level] == pace_name(coach.words, level)
    assert going_faster[NORMAL_PACE] == "normal"
    assert going_slower[SLOWEST_PACE] == pace_name(coach.words, SLOWEST_PACE)


# -- the pace's voice is the coaching's ------------------------------------------------


def rate_of(ssml: str) -> int:
    found = re.search(r'<prosody rate="(\d+)%">', ssml)
    return int(found.group(1)) if found else 100


def test_the_coaching_is_at_the_pace_and_not_understood_help_and_refusals_are_not(
    coach: Coach, fresh: SessionState
) -> None:
    slow = fresh.evolve(pace=SLOWEST_PACE)
    slow_rate = pace(SLOWEST_PACE).rate_percent
    assert slow_rate != 100
    positioning, plan = coach.step(slow, ev.Start())
    assert rate_of(render(plan, coach.words)[0]) == slow_rate  # the exercise introduced
    counting, plan = coach.step(positioning, ev.Ready())
    assert rate_of(render(plan, coach.words)[0]) == slow_rate  # the set counted
    for event in (ev.NotUnderstood(), ev.NotUnderstood(mid_count=True), ev.HoldTime()):
        _, plan = coach.step(counting, event)
        speech, reprompt = render(plan, coach.words)
        assert "<prosody" not in speech and "<prosody" not in (reprompt or ""), event
    _, refused = coach.respond(counting, ev.CheckInAnswer("better"))  # not now: refused
    assert "already started" in refused.text
    assert "<prosody" not in render(refused, coach.words)[0]
    _, first_pain = coach.step(counting, ev.PainReported("it hurts"))
    assert "<prosody" not in render(first_pain, coach.words)[0]  # safety advice: as ever
