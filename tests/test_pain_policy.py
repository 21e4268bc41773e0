"""The pain policy (docs/ARCHITECTURE.md, 'Pain policy'), path by path.  Safety-critical:
every branch here."""

from __future__ import annotations

import pytest

from skill.coach import events as ev
from skill.coach.catalog import Catalog
from skill.coach.pacing import GENTLE_PACE, SLOWEST_PACE
from skill.coach.pain import classify
from skill.coach.reply import Hold, Pause, Reply, Say
from skill.coach.session import Coach, IllegalEventError
from skill.coach.state import Phase, SessionState, StopReason

from .coaching import at_counting, run

CONSULT = "contact your physician"
ACTIVE = (Phase.NOT_BEGUN, Phase.POSITIONING, Phase.COUNTING, Phase.PAUSED)


def in_phase(coach: Coach, fresh: SessionState, phase: Phase) -> SessionState:
    """A realistic state in each phase of the default routine, on its second exercise."""
    if phase is Phase.NOT_BEGUN:
        return fresh
    if phase is Phase.CHECK_IN:
        return fresh.evolve(phase=Phase.CHECK_IN)
    counting = at_counting(coach, fresh, index=1)
    match phase:
        case Phase.COUNTING:
            return counting
        case Phase.POSITIONING:
            return run(coach, fresh, ev.Start(), ev.Skip())[0]
        case Phase.PAUSED:
            return run(coach, counting, ev.Pause())[0]
        case Phase.PAIN_CHECK:
            return run(coach, counting, ev.PainReported("it hurts"))[0]
        case Phase.FINISHED:
            return run(coach, counting, *[ev.Skip()] * 4)[0]
        case Phase.STOPPED:
            return run(coach, counting, ev.PainReported("it hurts"), ev.No())[0]
    raise AssertionError(phase)


def counts_nothing(plan: Reply) -> bool:
    """No hold, no movement's time and no rep number: the only silence allowed is the
    time to get into position before "Say ready when you're in position."."""
    ready = Say("Say ready when you're in position.")
    speech = plan.speech
    for index, segment in enumerate(speech):
        if isinstance(segment, Hold):
            return False
        if isinstance(segment, Pause) and speech[index + 1 : index + 2] != (ready,):
            return False
    return "Rep " not in plan.text


# -- telling pain, soreness and red flags apart --------------------------------------


@pytest.mark.parametrize(
    "words",
    [
        "it hurts",
        "ouch",
        "that's painful",
        "my back is killing me",
        "I feel a sharp pain",
        "that doesn't feel right",
        "it's hurting",
        "stop it hurts",
        "ow",
        "shooting pain in my back",
    ],
)
def test_pain_words_are_pain(words: str) -> None:
    assert classify(words, "soreness").kind == "pain"
    assert classify(words, "pain").red_flag is None


@pytest.mark.parametrize(
    "words", ["my muscles are sore", "I'm a bit stiff", "my tummy muscles ache", "feels tight"]
)
def test_soreness_words_are_soreness_unless_the_intent_said_pain(words: str) -> None:
    assert classify(words, "soreness").kind == "soreness"
    assert classify(words, "pain").kind == "pain"  # words never make a report less serious


@pytest.mark.parametrize(
    ("words", "flag"),
    [
        ("my leg is numb", "numbness_tingling"),
        ("I have tingling in my foot", "numbness_tingling"),
        ("pins and needles in my toes", "numbness_tingling"),
        ("my legs feel weak", "leg_weakness"),
        ("my leg gave way", "leg_weakness"),
        ("the pain is shooting down my leg", "shooting_leg_pain"),
        ("it goes down my leg", "shooting_leg_pain"),
        ("my sciatica is back", "shooting_leg_pain"),
        ("I can't control my bladder", "bladder_bowel"),
        ("I've had a problem with my bowels", "bladder_bowel"),
        ("I wet myself", "bladder_bowel"),
        ("I fell over yesterday and now it hurts", "fall_injury"),
        ("it started after an injury", "fall_injury"),
        ("my back is sore and my leg is numb", "numbness_tingling"),
    ],
)
def test_red_flags_are_recognised_whatever_the_intent(words: str, flag: str) -> None:
    for reported_as in ("soreness", "pain", "red_flag"):
        found = classify(words, reported_as)  # type: ignore[arg-type]
        assert (found.kind, found.red_flag) == ("red_flag", flag)


def test_a_red_flag_intent_without_telling_words_is_still_a_red_flag() -> None:
    found = classify("", "red_flag")
    assert (found.kind, found.red_flag) == ("red_flag", "unspecified")


def test_curly_apostrophes_are_understood() -> None:
    assert classify("that doesn\u2019t feel right", "soreness").kind == "pain"


# -- first report --------------------------------------------------------------------


@pytest.mark.parametrize("phase", ACTIVE)
def test_first_pain_stops_the_count_offers_gentle_and_advises(
    coach: Coach, fresh: SessionState, phase: Phase
) -> None:
    state = in_phase(coach, fresh, phase)
    new, plan = coach.step(state, ev.PainReported("ouch it hurts", at="2026-11-23T10:00:00Z"))
    assert new.phase is Phase.PAIN_CHECK
    assert new.pains == 1 and new.gentle and new.pace >= GENTLE_PACE
    assert counts_nothing(plan)
    assert CONSULT in plan.text and "go on gently, or stop" in plan.text
    assert "stopped the count" not in plan.text  # the count was heard to the end
    assert not plan.end_session and plan.reprompt
    event = plan.pain_event
    assert event is not None
    assert (event.kind, event.action, event.words, event.at) == (
        "pain",
        "gentle_offered",
        "ouch it hurts",
        "2026-11-23T10:00:00Z",
    )
    if phase is Phase.NOT_BEGUN:
        assert event.exercise_id is None and event.set_number is None
    else:
        assert event.exercise_id == state.routine[state.index].exercise_id
        assert event.set_number == state.set + 1


@pytest.mark.parametrize("answer", [ev.Yes(), ev.Resume(), ev.Ready(), ev.Next()])
def test_going_on_gently_restarts_the_set_gentler(
    coach: Coach, fresh: SessionState, answer: ev.Event
) -> None:
    checking = in_phase(coach, fresh, Phase.PAIN_CHECK)
    state, plan = coach.step(checking, answer)
    assert state.phase is Phase.POSITIONING and state.index == checking.index and state.rep == 0
    assert "go gently" in plan.text and "Gently now" in plan.text
    assert counts_nothing(plan)


@pytest.mark.parametrize("answer", [ev.No(), ev.Stop()])
def test_choosing_to_stop_after_pain_ends_with_advice(
    coach: Coach, fresh: SessionState, answer: ev.Event
) -> None:
    state, plan = coach.step(in_phase(coach, fresh, Phase.PAIN_CHECK), answer)
    assert state.phase is Phase.STOPPED and state.stop_reason is StopReason.PAIN
    assert plan.end_session and CONSULT in plan.text


def test_the_question_is_repeated_not_skipped(coach: Coach, fresh: SessionState) -> None:
    checking = in_phase(coach, fresh, Phase.PAIN_CHECK)
    same, plan = coach.step(checking, ev.Repeat())
    assert same == checking and "go on gently, or stop" in plan.text
    paused, _ = coach.step(checking, ev.Pause())
    back, plan = coach.step(paused, ev.Resume())
    assert back.phase is Phase.PAIN_CHECK and "go on gently, or stop" in plan.text


def test_gentle_pace_cannot_be_sped_up_after_pain(coach: Coach, fresh: SessionState) -> None:
    state, _ = run(coach, in_phase(coach, fresh, Phase.PAIN_CHECK), ev.Yes())
    for _ in range(SLOWEST_PACE + 1):
        state, plan = coach.step(state, ev.Faster())
    assert state.pace == GENTLE_PACE
    assert "keep the pace gentle" in plan.text


# -- second report -------------------------------------------------------------------


@pytest.mark.parametrize("where", ["pain_check", "positioning", "counting", "paused"])
def test_second_pain_in_the_same_routine_ends_it(
    coach: Coach, fresh: SessionState, where: str
) -> None:
    state = in_phase(coach, fresh, Phase.PAIN_CHECK)
    if where != "pain_check":
        state, _ = run(coach, state, ev.Yes())
    if where == "counting":
        state, _ = run(coach, state, ev.Ready())
    if where == "paused":
        state, _ = run(coach, state, ev.Pause())
    new, plan = coach.step(state, ev.PainReported("it hurts again"))
    assert new.phase is Phase.STOPPED and new.stop_reason is StopReason.PAIN
    assert new.pains == 2
    assert plan.end_session and counts_nothing(plan)
    assert CONSULT in plan.text and "stop the exercises" in plan.text
    assert plan.pain_event is not None and plan.pain_event.action == "stopped"


def test_second_pain_after_many_exercises_still_ends_it(coach: Coach, fresh: SessionState) -> None:
    state, _ = run(coach, fresh, ev.Start(), ev.PainReported("ouch"), ev.Yes(), ev.Ready())
    state, _ = run(coach, state, ev.Next(), ev.Ready(), ev.Next(), ev.Ready())
    assert state.index == 2
    state, plan = coach.step(state, ev.PainReported("that's painful"))
    assert state.phase is Phase.STOPPED and plan.end_session


# -- soreness ------------------------------------------------------------------------


@pytest.mark.parametrize("phase", ACTIVE)
def test_soreness_is_reassured_and_the_routine_goes_on_as_usual(
    coach: Coach, fresh: SessionState, phase: Phase
) -> None:
    state = in_phase(coach, fresh, phase)
    new, plan = coach.step(state, ev.PainReported("my muscles are sore", "soreness"))
    assert (new.pace, new.pains, new.gentle) == (state.pace, 0, False)
    assert new == coach.settle(state)  # the place after a count heard to the end
    assert "normal" in plan.text and "it hurts" in plan.text
    assert counts_nothing(plan) and not plan.end_session
    assert plan.pain_event is not None
    assert (plan.pain_event.kind, plan.pain_event.action) == ("soreness", "reassured")


@pytest.mark.parametrize("phase", ACTIVE)
@pytest.mark.parametrize("words", ["it's a bit uncomfortable", "I feel a twinge", "a niggle"])
def test_discomfort_slows_down_with_fewer_reps_and_says_so(
    coach: Coach, fresh: SessionState, phase: Phase, words: str
) -> None:
    state = in_phase(coach, fresh, phase)
    new, plan = coach.step(state, ev.PainReported(words, "pain"))
    assert new.gentle and new.pace >= GENTLE_PACE and new.pains == 0
    assert new.phase is not Phase.COUNTING and not plan.end_session and counts_nothing(plan)
    assert "slower" in plan.text and "fewer repetitions" in plan.text
    assert plan.pain_event is not None
    assert (plan.pain_event.kind, plan.pain_event.action) == ("discomfort", "slowed")


def test_discomfort_again_after_easing_off_is_pain(coach: Coach, fresh: SessionState) -> None:
    state = in_phase(coach, fresh, Phase.COUNTING)
    state, _ = run(coach, state, ev.PainReported("a twinge", level="discomfort"), ev.Ready())
    new, plan = coach.step(state, ev.PainReported("another twinge", level="discomfort"))
    assert new.phase is Phase.PAIN_CHECK and new.pains == 1
    assert CONSULT in plan.text


@pytest.mark.parametrize("phase", ACTIVE)
@pytest.mark.parametrize(
    ("words", "level"),
    [
        ("my back is killing me", None),
        ("it hurts a lot", None),
        ("I felt something pop", None),
        ("that really hurt", None),
        ("sharp", None),
        ("ow", "severe"),
    ],
)
def test_severe_pain_stops_for_today_with_no_offer_to_go_on(
    coach: Coach, fresh: SessionState, phase: Phase, words: str, level: str | None
) -> None:
    state = in_phase(coach, fresh, phase)
    new, plan = coach.step(state, ev.PainReported(words, level=level))
    assert new.phase is Phase.STOPPED and new.stop_reason is StopReason.PAIN
    assert plan.end_session and counts_nothing(plan)
    assert "for today" in plan.text and "contact your physician immediately" in plan.text
    assert "go on gently" not in plan.text
    assert plan.pain_event is not None and plan.pain_event.action == "stopped"
    with pytest.raises(IllegalEventError):
        coach.step(new, ev.Yes())  # "yes" afterwards does not start a routine
    with pytest.raises(IllegalEventError):
        coach.step(new, ev.Start())


def test_soreness_then_pain_is_still_a_first_report(coach: Coach, fresh: SessionState) -> None:
    state = in_phase(coach, fresh, Phase.COUNTING)
    state, _ = run(coach, state, ev.PainReported("sore", "soreness"))
    state, plan = coach.step(state, ev.PainReported("now it hurts"))
    assert state.phase is Phase.PAIN_CHECK and not plan.end_session


def test_soreness_while_asked_about_pain_keeps_the_question(
    coach: Coach, fresh: SessionState
) -> None:
    state = in_phase(coach, fresh, Phase.PAIN_CHECK)
    new, plan = coach.step(state, ev.PainReported("just sore", "soreness"))
    assert new.phase is Phase.PAIN_CHECK and "go on gently, or stop" in plan.text


def test_soreness_said_with_pain_words_is_pain(coach: Coach, fresh: SessionState) -> None:
    state = in_phase(coach, fresh, Phase.COUNTING)
    new, plan = coach.step(state, ev.PainReported("it's sore and it hurts", "soreness"))
    assert new.phase is Phase.PAIN_CHECK
    assert plan.pain_event is not None and plan.pain_event.kind == "pain"


# -- red flags -----------------------------------------------------------------------


@pytest.mark.parametrize("phase", list(Phase))
def test_red_flag_stops_at_once_with_urgent_advice_in_every_phase(
    coach: Coach, fresh: SessionState, phase: Phase
) -> None:
    state = in_phase(coach, fresh, phase)
    new, plan = coach.step(state, ev.PainReported("my leg has gone numb", "pain"))
    assert new.phase is Phase.STOPPED and new.stop_reason is StopReason.RED_FLAG
    assert plan.end_session and counts_nothing(plan)
    assert "Numbness or tingling" in plan.text and "call your local emergency number" in plan.text
    assert plan.pain_event is not None
    assert (plan.pain_event.kind, plan.pain_event.action, plan.pain_event.red_flag) == (
        "red_flag",
        "urgent_stop",
        "numbness_tingling",
    )


@pytest.mark.parametrize(
    ("words", "symptom"),
    [
        ("I've got tingling", "Numbness or tingling"),
        ("my legs are weak", "Weakness in your legs"),
        ("pain shooting down my leg", "Pain shooting down your leg"),
        ("I lost control of my bladder", "bladder or bowel"),
        ("I hurt it in a fall", "Pain after a fall or injury"),
    ],
)
def test_each_red_flag_is_named_back(
    coach: Coach, fresh: SessionState, words: str, symptom: str
) -> None:
    _, plan = coach.step(in_phase(coach, fresh, Phase.COUNTING), ev.PainReported(words))
    assert symptom in plan.text


def test_a_red_flag_intent_stops_even_with_no_words(coach: Coach, fresh: SessionState) -> None:
    new, plan = coach.step(in_phase(coach, fresh, Phase.COUNTING), ev.PainReported("", "red_flag"))
    assert new.stop_reason is StopReason.RED_FLAG and plan.end_session


# -- after the routine is over ---------------------------------------------------------


@pytest.mark.parametrize("phase", [Phase.FINISHED, Phase.STOPPED])
def test_pain_after_the_routine_is_advised_and_logged(
    coach: Coach, fresh: SessionState, phase: Phase
) -> None:
    state = in_phase(coach, fresh, phase)
    new, plan = coach.step(state, ev.PainReported("it hurts"))
    assert new.phase is state.phase and plan.end_session and counts_nothing(plan)
    assert CONSULT in plan.text
    assert plan.pain_event is not None
    # A first report after the routine is advice; after a pain stop, it is persisting.
    expected = "advised" if state.pains == 0 else "stopped"
    assert plan.pain_event.action == expected
    assert new.pains == state.pains + 1 and new.gentle  # counted for the rest of the day
    _, sore = coach.step(state, ev.PainReported("a bit sore", "soreness"))
    assert "soreness" in sore.text and sore.pain_event is not None


@pytest.mark.parametrize(
    ("reason", "words"),
    [(StopReason.PAIN, "stopped"), (StopReason.RED_FLAG, "symptom you told me about")],
)
def test_no_restart_after_a_safety_stop(
    coach: Coach, fresh: SessionState, reason: StopReason, words: str
) -> None:
    stopped = fresh.evolve(phase=Phase.STOPPED, stop_reason=reason)
    with pytest.raises(IllegalEventError) as refused:
        coach.step(stopped, ev.Start())
    assert words in refused.value.reply


def test_every_report_yields_exactly_one_pain_event(coach: Coach, fresh: SessionState) -> None:
    state = in_phase(coach, fresh, Phase.COUNTING)
    reports = [
        ev.PainReported("sore", "soreness", at="1"),
        ev.PainReported("ouch", at="2"),
        ev.PainReported("it hurts", at="3"),
        ev.PainReported("it hurts", at="4"),
    ]
    logged = []
    for report in reports:
        state, plan = coach.step(state, report)
        assert plan.pain_event is not None
        logged.append((plan.pain_event.at, plan.pain_event.action))
    assert logged == [
        ("1", "reassured"),
        ("2", "gentle_offered"),
        ("3", "stopped"),
        ("4", "stopped"),
    ]


def test_safety_text_says_nothing_beyond_stop_and_consult(catalog: Catalog) -> None:
    """A tripwire: the safety text must not grow diagnoses or treatments."""
    text = " ".join(catalog.safety.texts().values()).lower()
    for word in ("diagnos", "medication", "ibuprofen", "ice", "heat", "cure", "treatment"):
        assert f" {word}" not in text


def test_the_red_flag_a_slot_resolved_to_is_the_one_named(
    coach: Coach, fresh: SessionState
) -> None:
    state = in_phase(coach, fresh, Phase.COUNTING)
    _, plan = coach.step(
        state, ev.PainReported("my foot fell asleep", "red_flag", red_flag="leg_weakness")
    )
    assert "Weakness in your legs" in plan.text
    assert plan.pain_event is not None and plan.pain_event.red_flag == "leg_weakness"


def test_pain_that_cuts_a_count_short_redoes_that_set_gently(
    coach: Coach, fresh: SessionState
) -> None:
    counting = in_phase(coach, fresh, Phase.COUNTING)
    checking, plan = coach.step(counting, ev.PainReported("ouch", mid_count=True))
    assert "I've stopped the count" in plan.text
    assert (checking.index, checking.set, checking.done) == (counting.index, 0, counting.done)
    gently, plan = coach.step(checking, ev.Yes())
    assert gently.index == counting.index and "Gently now" in plan.text


def test_pain_after_a_count_was_heard_goes_on_with_the_next_part(
    coach: Coach, fresh: SessionState
) -> None:
    counting = in_phase(coach, fresh, Phase.COUNTING)
    checking, _ = coach.step(counting, ev.PainReported("ouch"))
    assert checking.index == counting.index + 1
    assert counting.routine[counting.index].exercise_id in checking.done
    event_exercise = counting.routine[counting.index].exercise_id
    _, plan = coach.step(counting, ev.PainReported("ouch"))
    assert plan.pain_event is not None and plan.pain_event.exercise_id == event_exercise


@pytest.mark.parametrize("mid_count", [False, True])
def test_pain_right_after_the_last_count_ends_the_routine_with_advice(
    coach: Coach, fresh: SessionState, mid_count: bool
) -> None:
    last = at_counting(coach, fresh, index=4)
    while coach.settle(last).phase is not Phase.FINISHED:  # to the last part of the set
        last, _ = coach.step(last, ev.Next())
    new, plan = coach.step(last, ev.PainReported("ouch", mid_count=mid_count))
    if mid_count:  # cut short: the last exercise can still be done gently
        assert new.phase is Phase.PAIN_CHECK and not plan.end_session
    else:
        assert new.phase is Phase.FINISHED and plan.end_session
        assert CONSULT in plan.text and new.pains == 1
    again, plan = coach.step(new.evolve(phase=Phase.COUNTING), ev.PainReported("ouch"))
    assert again.phase is Phase.STOPPED and again.stop_reason is StopReason.PAIN


def test_every_red_flag_has_a_name_to_say_and_the_model_names_only_known_flags(
    catalog: Catalog,
) -> None:
    import json

    from skill.coach.pain import RED_FLAGS
    from skill.interaction_model import MODEL_DIR

    flags = {name for name, _ in RED_FLAGS}
    assert flags | {"unspecified"} == set(catalog.safety.symptoms)
    model = json.loads((MODEL_DIR / "en-US.json").read_text(encoding="utf-8"))
    (red_flag,) = [
        t for t in model["interactionModel"]["languageModel"]["types"] if t["name"] == "RED_FLAG"
    ]
    assert {value["id"] for value in red_flag["values"]} == flags
