"""The session state as stored: compact, versioned JSON that survives a round trip."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skill.coach import events as ev
from skill.coach.routine import RoutineItem
from skill.coach.session import Coach
from skill.coach.state import (
    MIGRATIONS,
    STATE_VERSION,
    Phase,
    SessionState,
    StateError,
    StopReason,
)
from skill.speech import render


def attribute_text(state: SessionState) -> str:
    """The session attribute ``s`` as the webhook writes it (``skill/handlers/turn.py``)."""
    return json.dumps(state.to_dict(), separators=(",", ":"))


def test_round_trip_of_a_fresh_and_a_busy_state(coach: Coach, fresh: SessionState) -> None:
    busy = fresh.evolve(
        phase=Phase.PAUSED,
        index=3,
        set=1,
        rep=2,
        pace=4,
        gentle=True,
        pains=1,
        paused_from=Phase.COUNTING,
        last_position="all_fours",
        done=("b01-knee-rolls",),
    )
    for state in (fresh, busy, fresh.evolve(phase=Phase.STOPPED, stop_reason=StopReason.RED_FLAG)):
        assert SessionState.from_json(attribute_text(state)) == state


def test_state_json_is_compact(fresh: SessionState) -> None:
    text = attribute_text(fresh)
    assert " " not in text
    assert json.loads(text)["v"] == STATE_VERSION
    assert len(text) < 400  # the default routine; Redis budget is 2 KB per user


def test_a_long_routine_still_fits_the_storage_budget(coach: Coach) -> None:
    routine = tuple(
        RoutineItem(exercise_id, None, 120, 30, 5, 120) for exercise_id in coach.catalog.exercises
    )
    state = coach.new_session(routine).evolve(done=tuple(coach.catalog.exercises))
    assert len(attribute_text(state)) < 2048


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("not json", "not JSON"),
        ("[]", "not an object"),
        ("{}", "no valid version"),
        ('{"v": "1"}', "no valid version"),
        ('{"v": 0}', "no valid version"),
        ('{"v": true}', "no valid version"),
        (f'{{"v": {STATE_VERSION + 1}}}', "newer"),
        ('{"v": 1}', "does not fit"),
        ('{"v":1,"r":[],"ph":"ready","i":0,"s":0,"k":0,"p":1}', "empty routine"),
        ('{"v":1,"r":[["x",null,null,1,1,0]],"ph":"dancing","i":0,"s":0,"k":0,"p":1}', "not fit"),
        (
            '{"v":1,"r":[["x",null,null,1,1,0]],"ph":"ready","i":5,"s":0,"k":0,"p":1}',
            "past the end",
        ),
        ('{"v":1,"r":[["x",null,null,1,1,0]],"ph":"ready","i":-1,"s":0,"k":0,"p":1}', "not fit"),
        ('{"v":1,"r":[["x",null,null,0,1,0]],"ph":"ready","i":0,"s":0,"k":0,"p":1}', "not fit"),
        ('{"v":1,"r":[["x",null,null,"5",1,0]],"ph":"ready","i":0,"s":0,"k":0,"p":1}', "not fit"),
        ('{"v":1,"r":[["x",null]],"ph":"ready","i":0,"s":0,"k":0,"p":1}', "not fit"),
        ('{"v":1,"r":[["x",null,null,true,1,0]],"ph":"ready","i":0,"s":0,"k":0,"p":1}', "not fit"),
        ('{"v":1,"r":[["x",null,false,1,1,0]],"ph":"ready","i":0,"s":0,"k":0,"p":1}', "not fit"),
        ('{"v":1,"r":[["x",null,null,1,1,-5]],"ph":"ready","i":0,"s":0,"k":0,"p":1}', "not fit"),
        ('{"v":1,"r":[["x",null,null,1,2.0,0]],"ph":"ready","i":0,"s":0,"k":0,"p":1}', "not fit"),
        ('{"v":1,"r":[["x",3,null,1,1,0]],"ph":"ready","i":0,"s":0,"k":0,"p":1}', "not fit"),
        ('{"v":1,"r":[{"id":"x"}],"ph":"ready","i":0,"s":0,"k":0,"p":1}', "not fit"),
        ('{"v":1,"r":[[1,null,null,1,1,0]],"ph":"ready","i":0,"s":0,"k":0,"p":1}', "not fit"),
        (
            '{"v":1,"r":[["x",null,null,1,1,0]],"ph":"ready","i":0,"s":0,"k":0,"p":1,"lp":"moon"}',
            "not fit",
        ),
    ],
)
def test_unreadable_state_is_refused_clearly(text: str, problem: str) -> None:
    with pytest.raises(StateError, match=problem):
        SessionState.from_json(text)


def test_an_older_version_is_migrated(monkeypatch: pytest.MonkeyPatch, fresh: SessionState) -> None:
    """How a newer release reads an older state: one migration step per version."""
    old = {**fresh.to_dict(), "v": STATE_VERSION - 1}
    old["phase_name"] = old.pop("ph")
    with pytest.raises(StateError, match="cannot be upgraded"):
        SessionState.from_dict(old)

    def upgrade(state: dict) -> dict:
        state = dict(state)
        state["ph"] = state.pop("phase_name")
        state["v"] = STATE_VERSION
        return state

    monkeypatch.setitem(MIGRATIONS, STATE_VERSION - 1, upgrade)
    assert SessionState.from_dict(old) == fresh


EVENTS = st.one_of(
    st.sampled_from(
        [
            ev.Start(),
            ev.Ready(),
            ev.Next(),
            ev.Repeat(),
            ev.Previous(),
            ev.Skip(),
            ev.Slower(),
            ev.Faster(),
            ev.Pause(),
            ev.Resume(),
            ev.WhatsNext(),
            ev.HowManyLeft(),
            ev.Stop(),
            ev.Yes(),
            ev.No(),
            ev.PainReported("sore", "soreness"),
            ev.PainReported("it hurts"),
            ev.PainReported("my leg is numb"),
            ev.PainReported("a twinge"),
            ev.PainReported("it's killing me"),
            ev.PainReported("help me", "red_flag"),
            ev.PainReported("I fell", "red_flag", red_flag="fall_injury"),
            ev.StartOver(),
            ev.HoldTime(),
            ev.WorseAtCheckIn(),
            # Cut in while a count was being said.
            ev.PainReported("ouch", mid_count=True),
            ev.Stop(mid_count=True),
            ev.Pause(mid_count=True),
            ev.NotUnderstood(mid_count=True),
            ev.Leave(mid_count=True),
            # The session's edges, the check-in and the questions.
            ev.Leave(),
            ev.NotUnderstood(),
            ev.CheckInAnswer("better"),
            ev.CheckInAnswer("same"),
            ev.Named("a04-pelvic-lift"),
            ev.Named("b02-bottom-to-heels-stretch", describe=True),
            ev.Asked("which", ("a08-hip-extension", "a14-hip-extension")),
            ev.Asked("did_you_mean", ("a07-cat-and-camel",), spoken="cat stretch"),
            ev.Asked("delete"),
            ev.Asked("code"),
            ev.Choose("a14-hip-extension"),
            ev.Choose(None),
            # Natural control (issue 15).
            ev.Done(),
            ev.Done(mid_count=True),
            ev.Asked("code_heard", spoken="481529"),
            "launch",
            "launch, the day after pain",
            "launch, a place expired",
            "plan linked",
        ]
    ),
    st.sampled_from(["a07-cat-and-camel", "b01-knee-rolls", "a19-upper-back-stretch", "x"]).map(
        ev.GoTo
    ),
    st.sampled_from(["a17-trunk-rotation", "b03-back-extensions"]).map(ev.Describe),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(EVENTS, max_size=30))
def test_any_conversation_keeps_a_valid_state_and_renderable_speech(
    coach: Coach, fresh: SessionState, events: list[ev.Event]
) -> None:
    state = fresh
    with_fresh = {
        "launch": ev.Launch(fresh, returning=True),
        "launch, the day after pain": ev.Launch(fresh, returning=True, check_in=True),
        "launch, a place expired": ev.Launch(
            fresh, True, expired=ev.ExpiredPlace(date(2026, 11, 30), date(2026, 12, 3))
        ),
        "plan linked": ev.PlanLinked(fresh, note="Gently."),
    }
    for drawn in events:
        event = with_fresh[drawn] if isinstance(drawn, str) else drawn
        before = state
        state, plan = coach.respond(state, event)
        assert not plan.delete_data or state.question is None
        assert SessionState.from_json(attribute_text(state)) == state
        speech, reprompt = render(plan)
        assert speech.startswith("<speak>")
        assert (reprompt is None) is plan.end_session
        if state.phase not in (Phase.FINISHED, Phase.STOPPED):
            assert state.item is not None
        if state.stop_reason is StopReason.RED_FLAG:
            assert state.phase is Phase.STOPPED
        if before.stop_reason is StopReason.RED_FLAG:  # a red-flag stop is never downgraded
            assert state.stop_reason is StopReason.RED_FLAG
        if state.pains >= 2:  # pain that persists ends the day's exercise
            assert state.phase is Phase.STOPPED


def test_evolve_is_dataclasses_replace(coach: Coach) -> None:
    """evolve copies fields by hand for speed: it must give what the standard library's
    replace gives, for every field, and refuse a name that is no field as replace does."""
    import dataclasses

    routine = tuple(
        RoutineItem(exercise_id, None, 5, 10, 1, 0) for exercise_id in coach.catalog.exercises
    )
    state = coach.new_session(routine).evolve(gentle=True, pains=1)
    changes = {
        "phase": Phase.PAUSED,
        "index": 1,
        "set": 1,
        "rep": 2,
        "pace": 3,
        "gentle": False,
        "pains": 2,
        "paused_from": Phase.COUNTING,
        "stop_reason": StopReason.PAIN,
        "last_position": "stomach",
        "done": ("a01-knee-to-chest",),
        "saved_at": "2026-03-01T10:00:00+00:00",
        "routine": state.routine[:1],
    }
    assert set(changes) | {"question"} == {f.name for f in dataclasses.fields(SessionState)}
    for name, value in changes.items():
        assert state.evolve(**{name: value}) == dataclasses.replace(state, **{name: value})
    assert state.evolve(**changes) == dataclasses.replace(state, **changes)
    assert state.evolve() == state and state.evolve() is not state
    with pytest.raises(TypeError):
        dataclasses.replace(state, colour="red")
    with pytest.raises(TypeError):
        state.evolve(colour="red")
