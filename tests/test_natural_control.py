"""Natural control (issue 15): pace names both ways, the voice of the coaching only,
"start over" and "no, start from the beginning", an expired saved place said, "I'm
done" while getting into position, and the link code read back before it is checked."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask.testing import FlaskClient

from skill.coach import events as ev
from skill.coach.catalog import Catalog, ProgramItem
from skill.coach.pacing import FASTEST_PACE, NORMAL_PACE, PACES, SLOWEST_PACE, pace, pace_name
from skill.coach.reply import Hold
from skill.coach.routine import plan_routine
from skill.coach.session import Coach
from skill.coach.state import Phase, Question, SessionState, StopReason
from skill.settings import Settings
from skill.speech import render

from .alexa import Device, slot
from .coaching import run
from .conftest import AppFactory
from .test_webhook import text

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


# -- "no" and "start over" at the offer to carry on -------------------------------------


def offered(coach: Coach, fresh: SessionState) -> SessionState:
    """A place saved on the second exercise, offered again at a launch."""
    state, _ = run(coach, fresh, ev.Start(), ev.Ready(), ev.Next(), ev.Stop())
    assert state.phase is Phase.PAUSED and state.index == 1
    at_launch, plan = coach.step(state, ev.Launch(fresh, returning=True))
    assert "Shall we carry on?" in plan.text and at_launch.question == Question("carry_on")
    return at_launch


def test_yes_to_carrying_on_goes_back_to_the_saved_place(coach: Coach, fresh: SessionState) -> None:
    state, plan = coach.step(offered(coach, fresh), ev.Yes())
    assert state.phase is Phase.POSITIONING and state.index == 1 and state.question is None
    assert "Let's carry on with" in plan.text


def test_no_to_carrying_on_asks_about_the_beginning_and_never_ends_silently(
    coach: Coach, fresh: SessionState
) -> None:
    at_launch = offered(coach, fresh)
    asked, plan = coach.step(at_launch, ev.No())
    assert "start from the beginning instead" in plan.text and not plan.end_session
    assert asked.phase is Phase.PAUSED and asked.index == 1  # nothing moved yet
    assert asked.question == Question("from_beginning")
    started, plan = coach.step(asked, ev.Yes())
    assert started.phase is Phase.POSITIONING and started.index == 0 and started.done == ()
    assert "back to the beginning" in plan.text and "Exercise 1 of 5" in plan.text
    kept, plan = coach.step(asked, ev.No())
    assert kept.phase is Phase.PAUSED and kept.index == 1 and plan.end_session
    assert "Your place is saved for later" in plan.text


def test_start_over_at_the_offer_starts_from_the_first_exercise_keeping_todays_pain(
    coach: Coach, fresh: SessionState
) -> None:
    at_launch = offered(coach, fresh).evolve(pains=1, gentle=True, pace=3)
    state, plan = coach.step(at_launch, ev.StartOver())
    assert state.phase is Phase.POSITIONING and state.index == 0 and state.question is None
    assert (state.pains, state.gentle, state.pace) == (1, True, 3)  # the pain policy stands
    assert "Gently now" in plan.text


def test_pain_is_heard_whatever_question_waits(coach: Coach, fresh: SessionState) -> None:
    at_launch = offered(coach, fresh)
    asked, _ = coach.step(at_launch, ev.No())
    positioning, _ = run(coach, fresh, ev.Start())
    stop_asked, _ = coach.step(positioning, ev.Done())
    heard, _ = coach.step(positioning, ev.Asked("code_heard", spoken="481529"))
    for state in (at_launch, asked, stop_asked, heard):
        after, plan = coach.step(state, ev.PainReported("it hurts"))
        assert after.phase is Phase.PAIN_CHECK and plan.pain_event is not None
        assert after.question is None


# -- "I'm done" --------------------------------------------------------------------------


def test_im_done_while_getting_into_position_asks_and_never_counts(
    coach: Coach, fresh: SessionState
) -> None:
    positioning, _ = run(coach, fresh, ev.Start())
    asked, plan = coach.step(positioning, ev.Done())
    assert "Do you want to stop for today?" in plan.text and not plan.end_session
    assert asked.phase is Phase.POSITIONING and asked.question == Question("stop_today")
    assert not any(isinstance(s, Hold) for s in plan.speech) and "1, right side" not in plan.text
    stopped, plan = coach.step(asked, ev.Yes())
    assert stopped.phase is Phase.PAUSED and stopped.index == 0 and plan.end_session
    assert "I've saved your place" in plan.text
    going_on, plan = coach.step(asked, ev.No())
    assert going_on.phase is Phase.POSITIONING and going_on.question is None
    assert "Say ready when you're in position" in plan.text and "1, right side" not in plan.text
    again, _ = coach.step(asked, ev.Done())  # "I'm done" again: yes
    assert again.phase is Phase.PAUSED


def test_im_done_after_a_count_moves_on_but_never_counts_more(
    coach: Coach, fresh: SessionState
) -> None:
    # Knee rolls: one set, counted in one turn; "I'm done" goes on to the next exercise.
    counted, _ = run(coach, fresh, ev.Start(), ev.Ready())
    assert coach._exercise_counted(counted)
    state, plan = coach.step(counted, ev.Done())
    assert state.phase is Phase.POSITIONING and state.index == 1 and state.question is None
    assert "Exercise 2 of 5" in plan.text and not any(isinstance(s, Hold) for s in plan.speech)
    # Cut in while the count was said: that part is not done, and the question is asked.
    cut, plan = coach.step(counted, ev.Done(mid_count=True))
    assert cut.phase is Phase.POSITIONING and cut.index == 0 and cut.rep == 0
    assert cut.question == Question("stop_today")
    # After the last exercise: "Say done to finish".
    last = fresh.evolve(routine=fresh.routine[-1:])
    at_end, _ = run(coach, last, ev.Start(), ev.Ready())
    while not coach._exercise_counted(at_end):
        at_end, _ = run(coach, at_end, ev.Next())
    finished, plan = coach.step(at_end, ev.Done())
    assert finished.phase is Phase.FINISHED and plan.end_session


def test_im_done_before_more_of_the_same_exercise_asks(coach: Coach, catalog: Catalog) -> None:
    routine = plan_routine(catalog, [ProgramItem(id="b03-back-extensions", reps=2, sets=2)])
    counted, _ = run(coach, coach.new_session(routine), ev.Start(), ev.Ready())
    assert not coach._exercise_counted(counted)
    asked, plan = coach.step(counted, ev.Done())
    assert asked.phase is Phase.POSITIONING and asked.question == Question("stop_today")
    assert not any(isinstance(s, Hold) for s in plan.speech)
    going_on, _ = coach.step(asked, ev.No())
    assert going_on.set == 1  # the set counted is done; the next one waits for "ready"


def test_im_done_elsewhere_never_starts_anything(coach: Coach, fresh: SessionState) -> None:
    _, plan = coach.step(fresh, ev.Done())
    assert plan.end_session and "Goodbye" in plan.text  # not begun: nothing to count
    paused, _ = run(coach, fresh, ev.Start(), ev.Pause())
    kept, plan = coach.step(paused, ev.Done())
    assert kept.phase is Phase.PAUSED and plan.end_session
    asked, _ = run(coach, fresh, ev.Start(), ev.PainReported("it hurts"))
    stopped, plan = coach.step(asked, ev.Done())
    assert stopped.phase is Phase.STOPPED and stopped.stop_reason is StopReason.PAIN


# -- a saved place that has expired is said --------------------------------------------


def test_an_expired_place_is_said_with_its_day_then_the_fresh_welcome(
    coach: Coach, fresh: SessionState
) -> None:
    today = date(2026, 12, 3)  # a Thursday
    cases = {
        date(2026, 12, 2): "from yesterday",
        date(2026, 11, 30): "from Monday",
        date(2026, 11, 28): "from Saturday",
        date(2026, 11, 26): "from last Thursday",
        date(2026, 11, 20): "from over a week ago",
    }
    for saved_on, words in cases.items():
        expired = ev.ExpiredPlace(saved_on, today)
        state, plan = coach.step(fresh, ev.Launch(fresh, returning=True, expired=expired))
        assert f"Your saved place {words} has expired, so we'll start fresh." in plan.text
        assert state == fresh and "Today's routine has 5 exercises" in plan.text
    _, plan = coach.step(fresh, ev.Launch(fresh, returning=True))
    assert "expired" not in plan.text


def test_an_expired_place_still_asks_how_the_back_is_after_pain(
    coach: Coach, fresh: SessionState
) -> None:
    expired = ev.ExpiredPlace(date(2026, 11, 30), date(2026, 12, 3))
    state, plan = coach.step(fresh, ev.Launch(fresh, True, check_in=True, expired=expired))
    assert "from Monday has expired" in plan.text and "How is your back today" in plan.text
    assert state.phase is Phase.CHECK_IN


def leave_on_the_second_exercise(device: Device) -> str:
    """Start, do the first exercise, stop on the second: the day it was saved (ISO)."""
    device.launch()
    device.say("StartRoutineIntent")
    device.say("ReadyIntent")
    device.say("NextIntent")
    said = text(device.say("AMAZON.StopIntent"))
    assert "I've saved your place: pelvic tilts" in said and device.ended
    return str(device.state["t"])


def weekday_of(stamp: str) -> str:
    return datetime.fromisoformat(stamp).astimezone(UTC).strftime("%A")


def test_a_place_is_offered_the_next_day_and_said_expired_the_day_after(
    client: FlaskClient,
) -> None:
    device = Device(client)
    leave_on_the_second_exercise(device)
    device.later(timedelta(days=1))
    said = text(device.launch())
    assert "You were on pelvic tilts" in said and "expired" not in said
    saved = str(device.state["t"])
    device.walk_away()  # the offer stands; the place is saved again today
    device.later(timedelta(days=2))
    said = text(device.launch())
    assert f"Your saved place from {weekday_of(saved)} has expired" in said
    assert "Today's routine has 5 exercises" in said and "You were on" not in said
    assert device.state["ph"] == "ready" and device.state["i"] == 0


def test_a_one_shot_request_says_the_place_expired_too(client: FlaskClient) -> None:
    device = Device(client)
    saved = leave_on_the_second_exercise(device)
    device.later(timedelta(days=3))
    said = text(device.say("AMAZON.ResumeIntent"))  # "tell back coach to resume"
    assert f"Your saved place from {weekday_of(saved)} has expired" in said
    assert "Exercise 1 of 5: Knee rolls" in said


def test_expiry_never_lifts_todays_stop_nor_the_check_in_after_pain(
    client: FlaskClient,
) -> None:
    device = Device(client)
    device.launch()
    device.say("StartRoutineIntent")
    device.say("PainIntent")  # first pain: "go on gently, or stop?"
    device.walk_away()  # left at the question: the place kept, with the pain
    device.later(timedelta(days=2))
    said = text(device.launch())
    assert "has expired" in said and "How is your back today" in said
    assert device.state["ph"] == "check_in"
    said = text(device.say("CheckInIntent", feeling=slot("feeling", "worse", [("worse", "worse")])))
    assert device.ended and device.state["ph"] == "stopped"
    device.later(timedelta(hours=1))  # the same day: the stop holds, nothing expired
    said = text(device.launch())
    assert "expired" not in said and device.ended and device.state["ph"] == "stopped"


def test_the_resume_window_and_the_progress_kept_are_settings() -> None:
    assert Settings.load({}).resume_days == 1
    assert Settings.load({}).progress_ttl == 7 * 86_400
    assert Settings.load({"BACKCOACH_RESUME_DAYS": "0"}).resume_days == 0
    with pytest.raises(ValueError, match="BACKCOACH_PROGRESS_TTL"):
        Settings.load({"BACKCOACH_RESUME_DAYS": "3", "BACKCOACH_PROGRESS_TTL": "86400"})
    with pytest.raises(ValueError, match="BACKCOACH_RESUME_DAYS"):
        Settings.load({"BACKCOACH_RESUME_DAYS": "-1"})


def test_with_no_resume_days_a_place_from_yesterday_has_expired(make_app: AppFactory) -> None:
    device = Device(make_app(BACKCOACH_RESUME_DAYS="0").test_client())
    saved = leave_on_the_second_exercise(device)
    device.later(timedelta(days=1))
    said = text(device.launch())
    assert "Your saved place from yesterday has expired" in said, (saved, said)


def test_a_one_shot_question_says_the_place_expired_once(client: FlaskClient) -> None:
    device = Device(client)
    saved = leave_on_the_second_exercise(device)
    device.later(timedelta(days=2))
    said = text(device.say("ProgressIntent"))  # "ask back coach how am I doing"
    assert said.startswith(f"Your saved place from {weekday_of(saved)} has expired")
    assert said.count("has expired") == 1 and "This week" in said
    assert "has expired" not in text(device.say("StartRoutineIntent"))
