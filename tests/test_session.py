"""The session state machine: every transition, legal and illegal."""

from __future__ import annotations

import pytest

from skill.coach import events as ev
from skill.coach.catalog import Catalog, ProgramItem
from skill.coach.pacing import FASTEST_PACE, NORMAL_PACE, SLOWEST_PACE
from skill.coach.routine import RoutineItem, default_routine, plan_routine
from skill.coach.session import Coach, IllegalEventError
from skill.coach.state import Phase, SessionState, StopReason

from .coaching import at_counting, holds, run


def test_new_session_starts_ready_and_refuses_an_empty_routine(
    coach: Coach, fresh: SessionState
) -> None:
    assert fresh.phase is Phase.NOT_BEGUN
    with pytest.raises(ValueError, match="at least one"):
        coach.new_session(())


def test_start_introduces_the_first_exercise_and_waits_for_ready(
    coach: Coach, fresh: SessionState, catalog: Catalog
) -> None:
    state, (plan,) = run(coach, fresh, ev.Start())
    assert state.phase is Phase.POSITIONING
    first = catalog[state.routine[0].exercise_id]
    assert "Exercise 1 of 5" in plan.text
    assert first.start_position in plan.text
    assert "say ready" in plan.text.lower()
    assert not plan.end_session
    assert plan.reprompt


def test_ready_reads_the_action_and_counts_every_rep(
    coach: Coach, fresh: SessionState, catalog: Catalog
) -> None:
    state, (_, plan) = run(coach, fresh, ev.Start(), ev.Ready())
    knee_rolls = catalog["b01-knee-rolls"]
    assert state.phase is Phase.COUNTING
    assert knee_rolls.action_for(None) in plan.text
    sides = ["right side", "left side"] * 4
    for rep, side in zip(range(1, 9), sides, strict=True):
        assert f"Rep {rep} of 8, {side}." in plan.text
    assert "Rep 9" not in plan.text
    assert "say next" in plan.text.lower()


def test_holds_are_counted_with_the_prescribed_length(coach: Coach, fresh: SessionState) -> None:
    state = at_counting(coach, fresh, index=2)  # deep abdominal: 5 x 5 s
    _, (plan,) = run(coach, state, ev.Repeat())
    assert holds(plan) == [5] * 5


def test_whole_default_routine_by_events_alone_with_pain_in_the_middle(
    coach: Coach, fresh: SessionState
) -> None:
    state, _ = run(coach, fresh, ev.Start(), ev.Ready(), ev.Next(), ev.Ready())
    assert state.index == 1 and state.phase is Phase.COUNTING
    state, (pain,) = run(coach, state, ev.PainReported("ouch, that hurts", at="t1"))
    assert state.phase is Phase.PAIN_CHECK and pain.pain_event is not None
    state, _ = run(coach, state, ev.Yes())
    # The pelvic tilts were counted before the report: going on gently starts the next one.
    assert state.gentle and state.phase is Phase.POSITIONING and state.index == 2
    seen = []
    for _ in range(40):
        if state.phase is Phase.FINISHED:
            break
        seen.append(state.routine[state.index].exercise_id)
        state, (plan,) = run(
            coach, state, ev.Ready() if state.phase is Phase.POSITIONING else ev.Next()
        )
    assert state.phase is Phase.FINISHED
    assert plan.end_session and "whole routine done" in plan.text
    assert state.done == tuple(item.exercise_id for item in default_routine(coach.catalog))
    assert set(seen) == set(state.done[2:])  # the first two were counted before the pain


def test_gentle_routine_counts_fewer_reps_and_shorter_holds(
    coach: Coach, fresh: SessionState
) -> None:
    _, (normal,) = run(coach, at_counting(coach, fresh, index=2), ev.Repeat())
    in_position, _ = run(coach, fresh, ev.Start(), ev.Skip(), ev.Skip())
    state, _ = run(coach, in_position, ev.PainReported("it hurts"), ev.Yes())
    state, (gentle,) = run(coach, state, ev.Ready())
    assert len(holds(gentle)) < len(holds(normal))
    assert max(holds(gentle)) < max(holds(normal))
    assert gentle.rate_percent < normal.rate_percent


def test_next_in_positioning_counts_like_ready(coach: Coach, fresh: SessionState) -> None:
    state, _ = run(coach, fresh, ev.Start(), ev.Next())
    assert state.phase is Phase.COUNTING and state.index == 0


def test_ready_before_start_starts(coach: Coach, fresh: SessionState) -> None:
    state, _ = run(coach, fresh, ev.Ready())
    assert state.phase is Phase.POSITIONING and state.index == 0


def test_sets_rest_and_continue_in_position(coach: Coach, catalog: Catalog) -> None:
    routine = plan_routine(
        catalog, [ProgramItem(id="a04-pelvic-lift", reps=2, sets=3, rest_seconds=20)]
    )
    state, (intro, first) = run(coach, coach.new_session(routine), ev.Start(), ev.Ready())
    assert "3 sets of 2 repetitions" in intro.text
    assert "Set 1 of 3" in first.text and "Rest for 20 seconds" in first.text
    state, (second,) = run(coach, state, ev.Next())
    assert state.set == 1 and state.phase is Phase.COUNTING
    assert "Set 2 of 3" in second.text
    assert catalog["a04-pelvic-lift"].action_for(None) not in second.text
    state, (third,) = run(coach, state, ev.Next())
    assert state.set == 2 and "say done to finish" in third.text.lower()
    state, (end,) = run(coach, state, ev.Next())
    assert state.phase is Phase.FINISHED and end.end_session


def test_a_set_too_long_for_one_turn_is_split(coach: Coach, catalog: Catalog) -> None:
    routine = plan_routine(
        catalog, [ProgramItem(id="a22-pectoralis-stretch", reps=30, hold_seconds=60)]
    )
    state, (_, first) = run(coach, coach.new_session(routine), ev.Start(), ev.Ready())
    counted = len(holds(first))
    assert 1 <= counted < 30
    assert "keep going" in first.text
    total = counted
    while state.phase is Phase.COUNTING and total < 30:
        state, (plan,) = run(coach, state, ev.Next())
        total += len(holds(plan))
    assert total == 30


def test_switch_sides_counts_each_side_and_announces_the_switch(
    coach: Coach, catalog: Catalog
) -> None:
    routine = plan_routine(catalog, [ProgramItem(id="a14-hip-extension", reps=3)])
    _, (_, plan) = run(coach, coach.new_session(routine), ev.Start(), ev.Ready())
    text = plan.text
    assert "Start with your right leg" in text and "Now switch to your left leg" in text
    assert text.index("right leg") < text.index("left leg")
    assert text.count("Rep 3 of 3.") == 2 and "Rep 4" not in text


def test_variant_side_label_is_used(coach: Coach, catalog: Catalog) -> None:
    routine = plan_routine(catalog, [ProgramItem(id="a17-trunk-rotation", variant="b", reps=2)])
    _, (intro, plan) = run(coach, coach.new_session(routine), ev.Start(), ev.Ready())
    assert "knee to shoulder" in intro.text
    assert "right knee" in plan.text and "left knee" in plan.text


def test_repeat_in_each_phase(coach: Coach, fresh: SessionState) -> None:
    state, (intro,) = run(coach, fresh, ev.Start())
    same, (again,) = run(coach, state, ev.Repeat())
    assert same == state and intro.text.endswith(again.text)
    assert "Exercise 1 of 5" in again.text
    state, (count,) = run(coach, state, ev.Ready())
    same, (recount,) = run(coach, state, ev.Repeat())
    assert same == state and recount.text == count.text
    _, (ready_prompt,) = run(coach, fresh, ev.Repeat())
    assert "say start" in ready_prompt.text.lower()


def test_previous_goes_back_and_stays_on_the_first(coach: Coach, fresh: SessionState) -> None:
    state = at_counting(coach, fresh, index=1)
    state, (plan,) = run(coach, state, ev.Previous())
    assert state.index == 0 and state.phase is Phase.POSITIONING and "Going back" in plan.text
    state, (plan,) = run(coach, state, ev.Previous())
    assert state.index == 0 and "first exercise" in plan.text


def test_skip_moves_on_without_marking_done_and_finishes_after_the_last(
    coach: Coach, fresh: SessionState
) -> None:
    state, _ = run(coach, fresh, ev.Start(), ev.Skip())
    assert state.index == 1 and state.done == ()
    state, _ = run(coach, state, ev.Skip(), ev.Skip(), ev.Skip())
    assert state.index == 4
    state, (plan,) = run(coach, state, ev.Skip())
    assert state.phase is Phase.FINISHED and plan.end_session


def test_go_to_an_exercise_in_the_routine_jumps_there(coach: Coach, fresh: SessionState) -> None:
    state, (_, plan) = run(coach, fresh, ev.Start(), ev.GoTo("b03-back-extensions"))
    assert state.index == 4 and state.phase is Phase.POSITIONING
    assert len(state.routine) == 5
    assert "Exercise 5 of 5: Back extensions" in plan.text


def test_go_to_an_exercise_outside_the_routine_adds_it_with_a_reminder(
    coach: Coach, fresh: SessionState
) -> None:
    state = at_counting(coach, fresh)
    state, (plan,) = run(coach, state, ev.GoTo("a07-cat-and-camel"))
    assert len(state.routine) == 6
    assert state.routine[state.index].exercise_id == "a07-cat-and-camel"
    assert state.index == 1  # after the exercise already begun
    assert "physician recommended" in plan.text
    assert "Time to change position" in plan.text


def test_go_to_before_counting_puts_the_exercise_first(coach: Coach, fresh: SessionState) -> None:
    state, _ = run(coach, fresh, ev.Start(), ev.GoTo("a04-pelvic-lift"))
    assert state.index == 0 and state.routine[0].exercise_id == "a04-pelvic-lift"
    assert state.routine[1].exercise_id == "b01-knee-rolls"


def test_go_to_after_finishing_appends_a_one_off(coach: Coach, fresh: SessionState) -> None:
    state = fresh.evolve(phase=Phase.FINISHED)
    state, _ = run(coach, state, ev.GoTo("b01-knee-rolls"))
    assert state.phase is Phase.POSITIONING and state.index == 5


def test_unknown_exercise_or_variant_is_refused(coach: Coach, fresh: SessionState) -> None:
    with pytest.raises(IllegalEventError, match="don't know"):
        coach.step(fresh, ev.GoTo("no-such-exercise"))
    with pytest.raises(IllegalEventError, match="no version"):
        coach.step(fresh, ev.Describe("a05-lower-abdominal-exercises", "z"))


def test_describe_says_how_without_changing_state(
    coach: Coach, fresh: SessionState, catalog: Catalog
) -> None:
    state = at_counting(coach, fresh)
    same, (plan,) = run(coach, state, ev.Describe("a06-curl-ups"))
    curl_ups = catalog["a06-curl-ups"]
    assert same == state
    assert curl_ups.start_position in plan.text and curl_ups.action_for(None) in plan.text
    assert "arms folded" in plan.text or "hands behind head" in plan.text
    same, (variant,) = run(coach, state, ev.Describe("a06-curl-ups", "b"))
    assert curl_ups.action_for("b") in variant.text


@pytest.mark.parametrize("phase", list(Phase))
def test_describe_is_allowed_in_every_phase(
    coach: Coach, fresh: SessionState, phase: Phase
) -> None:
    state = fresh.evolve(
        phase=phase, stop_reason=StopReason.PAIN if phase is Phase.STOPPED else None
    )
    same, (plan,) = run(coach, state, ev.Describe("b01-knee-rolls"))
    assert same == state and "Knee rolls" in plan.text


def test_slower_and_faster_move_within_bounds_and_say_so(coach: Coach, fresh: SessionState) -> None:
    state = fresh
    for _ in range(SLOWEST_PACE + 2):
        state, (plan,) = run(coach, state, ev.Slower())
    assert state.pace == SLOWEST_PACE and "already the slowest" in plan.text
    for _ in range(SLOWEST_PACE + 2):
        state, (plan,) = run(coach, state, ev.Faster())
    assert state.pace == FASTEST_PACE and "already the fastest" in plan.text
    state, (plan,) = run(coach, fresh, ev.Slower())
    assert state.pace == NORMAL_PACE + 1 and "slower" in plan.text


def test_pace_scales_movement_time_but_never_a_hold(coach: Coach, catalog: Catalog) -> None:
    from skill.coach.reply import Pause

    routine = plan_routine(catalog, [ProgramItem(id="b02-bottom-to-heels-stretch", reps=2)])
    base = coach.new_session(routine)
    _, (_, normal) = run(coach, base, ev.Start(), ev.Ready())
    _, (_, _, slow) = run(coach, base, ev.Slower(), ev.Start(), ev.Ready())
    pauses = lambda plan: sum(s.seconds for s in plan.speech if isinstance(s, Pause))  # noqa: E731
    assert pauses(slow) > pauses(normal)
    held = plan_routine(catalog, [ProgramItem(id="b03-back-extensions", reps=2)])
    _, (_, fast_hold) = run(coach, coach.new_session(held), ev.Start(), ev.Ready())
    _, (_, _, slow_hold) = run(coach, coach.new_session(held), ev.Slower(), ev.Start(), ev.Ready())
    assert holds(fast_hold) == holds(slow_hold) == [10, 10]


def test_pause_and_resume_keep_the_place(coach: Coach, fresh: SessionState) -> None:
    state, _ = run(coach, fresh, ev.Start(), ev.Skip())
    paused, (plan,) = run(coach, state, ev.Pause())
    assert paused.phase is Phase.PAUSED and "kept your place" in plan.text
    assert not plan.end_session
    again, (plan,) = run(coach, paused, ev.Pause())
    assert again == paused and "paused" in plan.text.lower()
    resumed, (plan,) = run(coach, paused, ev.Resume())
    assert resumed.phase is Phase.POSITIONING and resumed.index == 1
    assert "carry on with pelvic tilts" in plan.text


def test_a_count_already_said_is_not_asked_again(coach: Coach, fresh: SessionState) -> None:
    """Pausing, stopping or walking away after a count keeps the place after it."""
    counted = at_counting(coach, fresh, index=1)
    for event in (ev.Pause(), ev.Stop()):
        state, _ = coach.step(counted, event)
        assert state.index == 2 and "b04-pelvic-tilts" in state.done
    left, _ = coach.step(counted, ev.Leave())
    assert left.phase is Phase.PAUSED and left.index == 2


def test_a_count_part_way_through_a_set_resumes_after_it(coach: Coach, catalog: Catalog) -> None:
    routine = plan_routine(catalog, [ProgramItem(id="a04-pelvic-lift", reps=3, sets=2)])
    counting, _ = run(coach, coach.new_session(routine), ev.Start(), ev.Ready())
    paused, _ = coach.step(counting, ev.Pause())
    assert (paused.index, paused.set) == (0, 1)
    resumed, plan = coach.step(paused, ev.Resume())
    assert resumed.set == 1 and "set 2" in plan.text


def test_resume_when_not_paused_carries_on(coach: Coach, fresh: SessionState) -> None:
    """ "Continue" is Alexa's resume: mid-routine it means go on."""
    state, _ = run(coach, fresh, ev.Resume())
    assert state.phase is Phase.POSITIONING
    state, _ = run(coach, state, ev.Resume())
    assert state.phase is Phase.COUNTING


@pytest.mark.parametrize("event", [ev.Yes(), ev.Next(), ev.Ready()])
def test_yes_next_ready_resume_when_paused(
    coach: Coach, fresh: SessionState, event: ev.Event
) -> None:
    paused, _ = run(coach, at_counting(coach, fresh), ev.Pause())
    state, _ = run(coach, paused, event)
    assert state.phase is Phase.POSITIONING


def test_stop_keeps_the_place_and_ends_the_session(coach: Coach, fresh: SessionState) -> None:
    state, _ = run(coach, fresh, ev.Start(), ev.Skip(), ev.Skip())
    stopped, (plan,) = run(coach, state, ev.Stop())
    assert stopped.phase is Phase.PAUSED and stopped.index == 2
    assert plan.end_session and not plan.reprompt
    assert "saved your place" in plan.text
    resumed, _ = run(coach, stopped, ev.Resume())
    assert resumed.index == 2 and resumed.phase is Phase.POSITIONING


def test_stop_when_not_started_or_over_just_says_goodbye(coach: Coach, fresh: SessionState) -> None:
    for state in (fresh, fresh.evolve(phase=Phase.FINISHED)):
        same, (plan,) = run(coach, state, ev.Stop())
        assert same == state and plan.end_session


def test_whats_next_and_how_many_left(coach: Coach, fresh: SessionState) -> None:
    _, (plan,) = run(coach, fresh, ev.WhatsNext())
    assert "knee rolls" in plan.text
    _, (plan,) = run(coach, fresh, ev.HowManyLeft())
    assert "5 exercises" in plan.text
    state = at_counting(coach, fresh, index=1)
    _, (plan,) = run(coach, state, ev.WhatsNext())
    assert "deep abdominal" in plan.text.lower()
    _, (plan,) = run(coach, state, ev.HowManyLeft())
    assert "exercise 2 of 5" in plan.text and "3 more exercises" in plan.text
    last = at_counting(coach, fresh, index=4)
    _, (plan,) = run(coach, last, ev.WhatsNext())
    assert "last exercise" in plan.text
    _, (plan,) = run(coach, last, ev.HowManyLeft())
    assert "last one" in plan.text
    _, (plan,) = run(coach, fresh.evolve(phase=Phase.FINISHED), ev.HowManyLeft())
    assert "finished" in plan.text


def test_yes_and_no_follow_the_question_asked(coach: Coach, fresh: SessionState) -> None:
    state, _ = run(coach, fresh, ev.Yes())
    assert state.phase is Phase.POSITIONING
    same, (plan,) = run(coach, fresh, ev.No())
    assert same == fresh and plan.end_session
    same, (plan,) = run(coach, state, ev.No())
    assert same == state and "Take your time" in plan.text and not plan.end_session
    again, _ = run(coach, fresh.evolve(phase=Phase.FINISHED), ev.Yes())
    assert again.phase is Phase.POSITIONING and again.index == 0


def test_start_again_after_finishing_keeps_todays_pain(coach: Coach, fresh: SessionState) -> None:
    """The same day: a pain report earlier today still counts (a second is persisting)."""
    finished = fresh.evolve(phase=Phase.FINISHED, pains=1, gentle=True, done=("b01-knee-rolls",))
    state, (plan,) = run(coach, finished, ev.Start())
    assert state.phase is Phase.POSITIONING
    assert (state.index, state.pains, state.gentle, state.done) == (0, 1, True, ())
    assert "again" in plan.text


# -- illegal events are refused clearly ---------------------------------------------

ILLEGAL = [
    (Phase.NOT_BEGUN, ev.Previous()),
    (Phase.NOT_BEGUN, ev.Skip()),
    (Phase.NOT_BEGUN, ev.Pause()),
    (Phase.POSITIONING, ev.Start()),
    (Phase.COUNTING, ev.Start()),
    (Phase.PAUSED, ev.Start()),
    (Phase.PAIN_CHECK, ev.Skip()),
    (Phase.PAIN_CHECK, ev.Previous()),
    (Phase.PAIN_CHECK, ev.GoTo("b01-knee-rolls")),
    (Phase.FINISHED, ev.Next()),
    (Phase.FINISHED, ev.Ready()),
    (Phase.FINISHED, ev.Skip()),
    (Phase.FINISHED, ev.Previous()),
    (Phase.FINISHED, ev.Pause()),
    (Phase.FINISHED, ev.Resume()),
    (Phase.STOPPED, ev.Start()),
    (Phase.STOPPED, ev.Next()),
    (Phase.STOPPED, ev.Ready()),
    (Phase.STOPPED, ev.Yes()),
    (Phase.STOPPED, ev.Skip()),
    (Phase.STOPPED, ev.GoTo("b01-knee-rolls")),
    (Phase.STOPPED, ev.Slower()),
    (Phase.STOPPED, ev.Faster()),
    (Phase.STOPPED, ev.Pause()),
]


@pytest.mark.parametrize(
    ("phase", "event"), ILLEGAL, ids=lambda x: getattr(x, "value", type(x).__name__)
)
def test_illegal_events_are_refused_with_a_spoken_reason(
    coach: Coach, fresh: SessionState, phase: Phase, event: ev.Event
) -> None:
    state = fresh.evolve(
        phase=phase, stop_reason=StopReason.PAIN if phase is Phase.STOPPED else None
    )
    with pytest.raises(IllegalEventError) as refused:
        coach.step(state, event)
    assert refused.value.phase is phase and refused.value.reply
    same, plan = coach.respond(state, event)
    assert same == state
    assert refused.value.reply in plan.text and coach.prompt(state) in plan.text


def test_next_after_the_routine_ended_is_refused(coach: Coach, fresh: SessionState) -> None:
    state, _ = run(coach, fresh, ev.Start(), *[ev.Skip()] * 5)
    assert state.phase is Phase.FINISHED
    with pytest.raises(IllegalEventError, match="finished"):
        coach.step(state, ev.Next())


def test_a_non_event_is_a_programming_error(coach: Coach, fresh: SessionState) -> None:
    with pytest.raises(TypeError):
        coach.step(fresh, "next")  # type: ignore[arg-type]


def test_every_phase_has_a_prompt_and_every_open_plan_a_reprompt(
    coach: Coach, fresh: SessionState
) -> None:
    for phase in Phase:
        assert coach.prompt(fresh.evolve(phase=phase))
    state, (plan,) = run(coach, fresh, ev.Start())
    assert plan.reprompt and plan.reprompt[0].text == coach.prompt(state)


def test_new_session_refuses_unknown_exercise(coach: Coach) -> None:
    with pytest.raises(KeyError):
        coach.new_session((RoutineItem("nope", None, None, 1, 1, 0),))


# -- launch: welcome, or an offer to carry on -----------------------------------------


def test_launch_a_new_person_with_the_safety_line(coach: Coach, fresh: SessionState) -> None:
    state, plan = coach.step(fresh, ev.Launch(fresh, returning=False))
    assert state == fresh
    assert "Welcome to Back Coach" in plan.text and coach.safety.welcome in plan.text
    assert "knee rolls" in plan.text and not plan.end_session


def test_launch_offers_to_carry_on_where_they_stopped(coach: Coach, fresh: SessionState) -> None:
    stored, _ = run(coach, fresh, ev.Start(), ev.Skip())
    state, plan = coach.step(stored, ev.Launch(fresh, returning=True))
    assert state.phase is Phase.PAUSED and state.paused_from is Phase.POSITIONING
    assert "You were on pelvic tilts" in plan.text and "carry on" in plan.text
    resumed, _ = coach.step(state, ev.Yes())
    assert resumed.index == 1 and resumed.phase is Phase.POSITIONING
    # Saved straight after a count (no SessionEnded): the place after that count.
    counted = at_counting(coach, fresh, index=1)
    state, plan = coach.step(counted, ev.Launch(fresh, returning=True))
    assert state.index == 2 and "deep abdominal" in plan.text


def test_launch_after_a_safety_stop_refuses_and_ends(coach: Coach, fresh: SessionState) -> None:
    for reason, words in (
        (StopReason.PAIN, "because of pain"),
        (StopReason.RED_FLAG, "symptom you told me about"),
    ):
        stopped = fresh.evolve(phase=Phase.STOPPED, stop_reason=reason)
        state, plan = coach.step(stopped, ev.Launch(fresh, returning=True))
        assert state == stopped and plan.end_session and words in plan.text


def test_launch_after_finishing_offers_to_go_again(coach: Coach, fresh: SessionState) -> None:
    done = fresh.evolve(phase=Phase.FINISHED)
    state, plan = coach.step(done, ev.Launch(fresh, returning=True))
    assert state == done and "done today's routine" in plan.text and not plan.end_session


def test_launch_remembers_the_last_pain_report(coach: Coach, fresh: SessionState) -> None:
    from skill.coach.reply import PainEvent

    pain = PainEvent("t", "ouch", "pain", "stopped", "b01-knee-rolls", 1)
    _, plan = coach.step(fresh, ev.Launch(fresh, returning=True, last_pain=pain))
    assert "Last time, something hurt" in plan.text and "contact your physician" in plan.text
    flag = PainEvent.from_dict({**pain.to_dict(), "kind": "red_flag", "red_flag": "fall_injury"})
    _, plan = coach.step(fresh, ev.Launch(fresh, returning=True, last_pain=flag))
    assert "doctor's attention" in plan.text
    assert PainEvent.from_dict({"kind": "nonsense"}) is None
    assert PainEvent.from_dict(pain.to_dict()) == pain


def test_skip_after_an_exercise_is_counted_moves_on_and_marks_it_done(
    coach: Coach, fresh: SessionState
) -> None:
    """ "Next exercise" (a skip sample) once the exercise is finished is not a skip."""
    state = at_counting(coach, fresh)
    state, (plan,) = run(coach, state, ev.Skip())
    assert state.index == 1 and state.done == ("b01-knee-rolls",)
    assert "Skipping" not in plan.text


def test_start_when_asked_whether_to_go_on_gently_goes_on_gently(
    coach: Coach, fresh: SessionState
) -> None:
    """Pain said at launch, then "start": the gentle routine, not "we've already started"."""
    asked, _ = run(coach, fresh, ev.PainReported("my back hurts"))
    assert asked.phase is Phase.PAIN_CHECK
    state, (plan,) = run(coach, asked, ev.Start())
    assert state.phase is Phase.POSITIONING and state.gentle and state.index == 0
    assert "already started" not in plan.text and "gently" in plan.text


def test_start_over_goes_back_to_the_first_exercise_keeping_todays_pain(
    coach: Coach, fresh: SessionState
) -> None:
    state, _ = run(coach, fresh, ev.Start(), ev.Skip(), ev.Ready())
    state = state.evolve(pains=1, gentle=True)
    over, (plan,) = run(coach, state, ev.StartOver())
    assert (over.phase, over.index, over.set, over.rep, over.done) == (
        Phase.POSITIONING,
        0,
        0,
        0,
        (),
    )
    assert (over.pains, over.gentle) == (1, True)
    assert coach.words.phrase("start_over") in plan.text


def test_start_over_is_refused_after_a_safety_stop(coach: Coach, fresh: SessionState) -> None:
    stopped = fresh.evolve(phase=Phase.STOPPED, stop_reason=StopReason.PAIN)
    with pytest.raises(IllegalEventError):
        coach.step(stopped, ev.StartOver())


def test_hold_time_is_the_current_exercises_hold(coach: Coach, fresh: SessionState) -> None:
    state, _ = run(coach, fresh, ev.Start())
    while coach.catalog[state.item.exercise_id].hold_seconds is None:
        state, _ = run(coach, state, ev.Skip())
    _, (plan,) = run(coach, state, ev.HoldTime())
    assert f"{state.item.hold_seconds} seconds" in plan.text
    gentle = state.evolve(gentle=True)
    _, (plan,) = run(coach, gentle, ev.HoldTime())
    assert f"{state.item.gentle().hold_seconds} seconds" in plan.text


def test_hold_time_of_a_movement_says_it_has_no_hold(coach: Coach, fresh: SessionState) -> None:
    state, _ = run(coach, fresh, ev.Start())
    assert coach.catalog[state.item.exercise_id].hold_seconds is None  # knee rolls
    _, (plan,) = run(coach, state, ev.HoldTime())
    assert "no hold" in plan.text
