"""The check-in after a pain report, in the coach core."""

from __future__ import annotations

import pytest

from skill.coach import checkin
from skill.coach import events as ev
from skill.coach.reply import PainEvent, Say
from skill.coach.session import Coach, IllegalEventError
from skill.coach.state import Phase, SessionState, StopReason


def pain(kind: str) -> PainEvent:
    return PainEvent(
        at="2026-11-24T10:00:00+00:00",
        words="it hurts",
        kind=kind,  # type: ignore[arg-type]
        action="gentle_offered",
        exercise_id="b01-knee-rolls",
        set_number=1,
    )


@pytest.mark.parametrize(
    ("last_session", "last_pain", "asks"),
    [
        ({"pains": 1}, pain("pain"), True),
        ({"pains": 2}, pain("pain"), True),
        ({"pains": 0}, pain("pain"), False),  # the pain was in an earlier routine
        ({"pains": 1}, pain("red_flag"), False),  # red flags have their own advice
        ({"pains": 1}, pain("soreness"), False),
        (None, pain("pain"), False),
        ({"pains": 1}, None, False),
    ],
)
def test_who_is_asked(last_session: dict | None, last_pain: PainEvent | None, asks: bool) -> None:
    assert checkin.needs_check_in(last_session, last_pain) is asks


def words(plan_speech: tuple) -> str:
    return " ".join(s.text for s in plan_speech if isinstance(s, Say))


def test_worse_is_persisting_pain_no_exercise_today(coach: Coach, fresh: SessionState) -> None:
    """Handout A: "Should pain persist, discontinue exercises and contact your physician
    immediately." Worse at the check-in after pain is pain that persisted."""
    asked = fresh.evolve(phase=Phase.CHECK_IN)
    state, plan = coach.step(asked, ev.WorseAtCheckIn(at="2026-12-01T09:00:00+00:00"))
    assert state.phase is Phase.STOPPED and state.stop_reason is StopReason.PAIN
    said = words(plan.speech)
    assert "contact your physician immediately" in said and "gentler" not in said
    assert plan.end_session and plan.pain_event is not None
    assert (plan.pain_event.kind, plan.pain_event.action) == ("pain", "stopped")
    for then in (ev.Yes(), ev.Start(), ev.Ready(), ev.StartOver()):
        with pytest.raises(IllegalEventError):
            coach.step(state, then)


@pytest.mark.parametrize("feeling", ["better", "same"])
def test_better_or_the_same_is_the_usual_routine(
    coach: Coach, fresh: SessionState, feeling: str
) -> None:
    asked = fresh.evolve(phase=Phase.CHECK_IN)
    state, plan = coach.step(asked, ev.CheckInAnswer(feeling))  # type: ignore[arg-type]
    assert state == fresh
    assert "Today's routine has 5 exercises" in words(plan.speech)


QUESTION = "How is your back today: better, the same, or worse?"


def test_the_question_is_asked_at_launch_with_a_reprompt(coach: Coach, fresh: SessionState) -> None:
    state, plan = coach.step(fresh, ev.Launch(fresh, returning=True, check_in=True))
    assert state == fresh.evolve(phase=Phase.CHECK_IN) and QUESTION in words(plan.speech)
    assert "Last time, something hurt" in words(plan.speech)
    assert words(plan.reprompt) == QUESTION
    for then in (ev.Skip(), ev.Pause(), ev.Previous()):
        with pytest.raises(IllegalEventError) as refused:
            coach.step(state, then)
        assert "better, the same, or worse?" in refused.value.reply
