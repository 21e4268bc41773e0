"""The whole phase x event matrix, against the table in skill/coach/transitions.py.

Every cell either moves as the table says (to one of the phases it names) or, where
the table has no cell, raises IllegalEventError with the refusal the table names.
The states are realistic ones (reached by playing events from a fresh routine), and
each event type comes in the variants that take different paths.
"""

from __future__ import annotations

import pytest

from skill.coach import events as ev
from skill.coach.session import Coach, IllegalEventError
from skill.coach.state import QUESTION_KINDS, Phase, Question, SessionState, StopReason
from skill.coach.transitions import ANSWERS, REFUSALS, TABLE, refusal

from .coaching import at_counting, run

EVENTS: list[ev.Event] = [
    ev.Start(),
    ev.Ready(),
    ev.Next(),
    ev.Repeat(),
    ev.Previous(),
    ev.Skip(),
    ev.GoTo("a07-cat-and-camel"),
    ev.GoTo("b04-pelvic-tilts"),
    ev.Describe("b03-back-extensions"),
    ev.Slower(),
    ev.Faster(),
    ev.Pause(),
    ev.Pause(mid_count=True),
    ev.Resume(),
    ev.PainReported("sore", "soreness"),
    ev.PainReported("a twinge", level="discomfort"),
    ev.PainReported("it hurts"),
    ev.PainReported("it hurts", mid_count=True),
    ev.PainReported("killing me", level="severe"),
    ev.PainReported("gone numb", "red_flag", red_flag="numbness_tingling"),
    ev.PainReported("fell", "red_flag", red_flag="fall_injury"),
    ev.PainReported("help me", "red_flag", red_flag="distress"),
    ev.WhatsNext(),
    ev.HowManyLeft(),
    ev.Stop(),
    ev.Stop(mid_count=True),
    ev.Done(),
    ev.Done(mid_count=True),
    ev.Yes(),
    ev.No(),
    ev.StartOver(),
    ev.HoldTime(),
    ev.WorseAtCheckIn(),
    ev.CheckInAnswer("better"),
    ev.CheckInAnswer("same"),
    ev.Leave(),
    ev.Leave(mid_count=True),
    ev.NotUnderstood(),
    ev.NotUnderstood(mid_count=True),
    ev.Named("b04-pelvic-tilts"),
    ev.Named("a07-cat-and-camel"),
    ev.Named("a07-cat-and-camel", describe=True),
    ev.Asked("which", ("a08-hip-extension", "a14-hip-extension")),
    ev.Asked("did_you_mean", ("b02-bottom-to-heels-stretch",), spoken="hamstring stretch"),
    ev.Asked("confirm", ("a04-pelvic-lift",)),
    ev.Asked("delete"),
    ev.Asked("code"),
    ev.Asked("code_heard", spoken="481529"),
    ev.Choose("a08-hip-extension"),
    ev.Choose(None),
    ev.LinkFailed("limited"),
    ev.LinkFailed("unavailable"),
    ev.LinkFailed("cannot_link"),
]


def launches(fresh: SessionState) -> list[ev.Event]:
    return [
        ev.Launch(fresh),
        ev.Launch(fresh, returning=True, streak=3),
        ev.Launch(fresh, returning=True, check_in=True),
        ev.PlanLinked(fresh, note="Twice a day."),
    ]


# Moves that pass the event on as another (a named exercise: Describe or GoTo), so that
# the table's row for that one decides.
DELEGATING = {"named"}


def states(coach: Coach, fresh: SessionState) -> dict[str, SessionState]:
    """One or more realistic states in every phase."""
    counting = at_counting(coach, fresh, index=1)
    asked, _ = run(coach, counting, ev.PainReported("it hurts"))
    return {
        "ready": fresh,
        "asked how the back is": fresh.evolve(phase=Phase.CHECK_IN),
        "ready, gentle after pain today": fresh.evolve(pains=1, gentle=True),
        "positioning": run(coach, fresh, ev.Start())[0],
        "positioning, second exercise": run(coach, fresh, ev.Start(), ev.Skip())[0],
        "counting": counting,
        "counting, the last part of the last exercise": run(
            coach, fresh, ev.Start(), *[ev.Skip()] * 4, ev.Ready()
        )[0],
        "paused": run(coach, counting, ev.Pause())[0],
        "paused at the pain question": run(coach, asked, ev.Pause())[0],
        "pain check": asked,
        "finished": run(coach, counting, *[ev.Skip()] * 4)[0],
        "stopped for pain": run(coach, asked, ev.No())[0],
        "stopped for a red flag": fresh.evolve(
            phase=Phase.STOPPED, stop_reason=StopReason.RED_FLAG
        ),
    }


def test_the_table_has_a_row_for_every_phase_and_a_refusal_for_every_gap() -> None:
    assert set(TABLE) == set(Phase)
    for phase in Phase:
        assert phase in REFUSALS
        for event_type in ev.EVENT_TYPES:
            assert event_type in TABLE[phase] or refusal(phase, event_type)


def test_the_matrix_covers_every_event_type(fresh: SessionState) -> None:
    assert {type(event) for event in [*EVENTS, *launches(fresh)]} == set(ev.EVENT_TYPES)


@pytest.mark.parametrize(
    "event", [*EVENTS, "launch", "launch back", "launch check in", "plan linked"], ids=repr
)
def test_every_cell_moves_as_the_table_says_or_is_refused(
    coach: Coach, fresh: SessionState, event: ev.Event | str
) -> None:
    if isinstance(event, str):
        names = ["launch", "launch back", "launch check in", "plan linked"]
        event = launches(fresh)[names.index(event)]
    seen_phases = set()
    for name, state in states(coach, fresh).items():
        seen_phases.add(state.phase)
        cell = TABLE[state.phase].get(type(event))
        if cell is None:
            with pytest.raises(IllegalEventError) as refused:
                coach.step(state, event)
            assert refused.value.reply, name
            assert coach.respond(state, event)[0] == state, name  # answered, not moved
            continue
        if cell.method in DELEGATING:
            try:
                new, plan = coach.step(state, event)
            except IllegalEventError:
                continue  # the event it passes on is not legal here: refused as that one
        else:
            new, plan = coach.step(state, event)
        assert new.phase in cell.to, f"{name}: {cell.method} led to {new.phase}"
        assert plan.speech or isinstance(event, ev.Leave), name
        assert SessionState.from_dict(new.to_dict()) == new
    assert seen_phases == set(Phase)


def test_yes_after_a_safety_stop_says_why_nothing_starts(coach: Coach, fresh: SessionState) -> None:
    for reason, words in ((StopReason.PAIN, "pain"), (StopReason.RED_FLAG, "symptom")):
        stopped = fresh.evolve(phase=Phase.STOPPED, stop_reason=reason)
        for event in (ev.Yes(), ev.Start(), ev.Ready(), ev.Resume(), ev.StartOver()):
            with pytest.raises(IllegalEventError) as refused:
                coach.step(stopped, event)
            assert words in refused.value.reply


QUESTIONS = [
    Question("which", ("a08-hip-extension", "a14-hip-extension")),
    Question("which", ("a08-hip-extension", "a14-hip-extension"), describe=True),
    Question("did_you_mean", ("b02-bottom-to-heels-stretch",), spoken="hamstring stretch"),
    Question("did_you_mean", ("a07-cat-and-camel",)),
    Question("confirm", ("a04-pelvic-lift",)),
    Question("delete"),
    Question("code"),
    Question("code_heard", spoken="481529"),
    Question("carry_on"),
    Question("from_beginning"),
    Question("stop_today"),
]


@pytest.mark.parametrize("question", QUESTIONS, ids=repr)
@pytest.mark.parametrize("event", EVENTS, ids=repr)
def test_a_waiting_question_is_answered_as_the_table_says_or_lapses(
    coach: Coach, fresh: SessionState, question: Question, event: ev.Event
) -> None:
    """While a question waits, ANSWERS decides the events that answer it; any other
    event drops the question and goes by the phase's row."""
    for name, state in states(coach, fresh).items():
        asked = state.evolve(question=question)
        cell = ANSWERS[question.kind].get(type(event))
        try:
            new, plan = coach.step(asked, event)
        except IllegalEventError:
            # Refused as the event it passes on, or as a lapsed answer in another phase.
            assert cell is None or cell.method in (
                "confirmed",
                "take_suggestion",
                "choose",
                "carry_on_offered",
                "offer_from_beginning",
                "from_beginning",
                "not_from_beginning",
                "stop_today",
                "keep_going",
            )
            continue
        if cell is None and not isinstance(event, ev.Asked | ev.Named | ev.Done):  # may ask anew
            assert new.question is None, f"{name}: the question should lapse"
        if cell is not None:
            assert new.phase in cell.to, f"{name}: {cell.method} led to {new.phase}"
        if isinstance(event, ev.Yes) and question.kind == "delete":
            assert plan.delete_data and plan.end_session
        else:
            assert not plan.delete_data


def test_every_question_kind_has_its_answers_and_can_be_asked_again() -> None:
    for kind, answers in ANSWERS.items():
        assert ev.Repeat in answers, kind
    assert set(ANSWERS) == set(QUESTION_KINDS)


def test_yes_to_an_exercise_outside_the_routine_goes_there_and_no_starts_nothing(
    coach: Coach, fresh: SessionState
) -> None:
    asked, plan = coach.step(fresh, ev.Named("a04-pelvic-lift"))
    assert asked.question == Question("confirm", ("a04-pelvic-lift",))
    assert "isn't in your routine" in plan.text and asked.phase is Phase.NOT_BEGUN
    went, _ = coach.step(asked, ev.Yes())
    assert went.phase is Phase.POSITIONING and went.item.exercise_id == "a04-pelvic-lift"
    declined, _ = coach.step(asked, ev.No())
    assert declined == fresh  # nothing started, nothing waits


def test_every_refusal_the_table_names_has_its_words(coach: Coach, fresh: SessionState) -> None:
    for key in set(REFUSALS.values()):
        state = fresh.evolve(phase=Phase.STOPPED, stop_reason=StopReason.PAIN)
        said = coach._no_start(state) if key == "no_start" else coach._phrase_of(key)
        assert said and "{" not in said
