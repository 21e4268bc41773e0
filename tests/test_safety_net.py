"""The safety net of issue 12, path by path, through the webhook against a real Redis.

Each test is one way a patient on the floor reports pain, a red flag or distress, or
is not understood, and checks what Back Coach says and keeps, as the handouts say:
"If there is pain, stop. ... If you experience any discomfort other than muscle
soreness, slow down the pace or decrease the number of repetitions. Should pain
persist, discontinue exercises and contact your physician immediately."
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from skill.store import RedisStore

from .alexa import Device, slot
from .coaching import COUNT_STARTS, with_pauses

# What each locale's patient is told to do (the content's own words, spelt out).
URGENT = {
    "en-US": ("nine one one", "emergency room"),
    "en-CA": ("nine one one", "emergency department"),
    "en-GB": ("nine nine nine", "one one one, or go to A and E"),
    "en-AU": ("triple zero", "emergency department"),
    "en-IN": ("one one two", "emergency department"),
}
COUNT = COUNT_STARTS


@pytest.fixture
def store(app: Flask) -> RedisStore:
    return app.extensions["backcoach"]["store"]


def text(ssml: str) -> str:
    return with_pauses(ssml)


def counting(device: Device) -> None:
    """Launch, start and count the first set; the next request cuts the count short."""
    device.launch()
    device.say("StartRoutineIntent")
    device.say("ReadyIntent")
    assert device.state["ph"] == "counting"
    device.interrupt()


def pain_log(store: RedisStore, device: Device) -> list[dict]:
    return [json.loads(e) for e in store.client.lrange(store.keys(device.user_id).pain, 0, -1)]


def pain(level: str | None = None, words: str | None = None, body_part: str | None = None):
    slots = {}
    if words is not None:
        slots["pain"] = slot("pain", words, [(level, level)] if level else None)
    if body_part is not None:
        slots["body_part"] = slot("body_part", body_part, [(body_part, body_part)])
    return slots


# -- first pain, severe pain, persisting pain ------------------------------------------


def test_first_pain_stops_the_count_and_offers_gently_or_stop(
    client: FlaskClient, store: RedisStore
) -> None:
    device = Device(client)
    counting(device)
    said = text(device.say("PainIntent", **pain("pain", "hurts", "back")))
    assert "I've stopped the count" in said and COUNT not in said
    assert "contact your physician" in said and "go on gently, or stop for today" in said
    assert not device.ended and device.state["ph"] == "pain_check"
    (event,) = pain_log(store, device)
    assert event["words"] == "hurts in my back" and event["exercise"] == "b01-knee-rolls"


@pytest.mark.parametrize("words", ["killing me", "a lot", "something popped", "sharp"])
def test_severe_pain_stops_for_today_with_no_offer(
    client: FlaskClient, store: RedisStore, words: str
) -> None:
    device = Device(client)
    counting(device)
    said = text(device.say("PainIntent", **pain("severe", words)))
    assert "for today" in said and "contact your physician immediately" in said
    assert "go on gently" not in said and device.ended
    assert device.state["ph"] == "stopped"
    said = text(device.launch())  # later the same day
    assert "won't start them again" in said and device.ended
    assert [e["words"] for e in pain_log(store, device)] == [words]


def test_pain_twice_in_a_day_across_two_sessions_is_persisting(client: FlaskClient) -> None:
    device = Device(client)
    counting(device)
    device.say("PainIntent")
    device.say("AMAZON.YesIntent")  # go on gently
    device.walk_away()
    device.later(timedelta(hours=1))
    said = text(device.launch())
    assert "gentle" in said
    device.say("AMAZON.YesIntent")  # carry on
    device.say("ReadyIntent")
    said = text(device.say("PainIntent"))
    assert "contact your physician immediately" in said and device.ended
    assert "go on gently" not in said


def test_pain_twice_in_a_day_across_two_devices_is_persisting(client: FlaskClient) -> None:
    """One person, two Echos: the second device's first report is the day's second."""
    kitchen = Device(client)
    counting(kitchen)
    kitchen.say("PainIntent")
    kitchen.say("AMAZON.NoIntent")  # stop for today... no: "no" to going on gently
    assert kitchen.state["ph"] == "stopped"
    bedroom = Device(client, kitchen.user_id, device_id="amzn1.ask.device.BEDROOM")
    said = text(bedroom.launch())
    assert "won't start them again" in said and bedroom.ended


def test_pain_after_going_on_gently_and_finishing_then_starting_again_is_persisting(
    client: FlaskClient,
) -> None:
    device = Device(client)
    device.launch()
    said = text(device.say("PainIntent"))  # at launch, before any exercise
    assert "go on gently, or stop" in said and "already started" not in said
    device.say("StartRoutineIntent")  # "start": go on gently
    assert device.state["ph"] == "positioning" and device.state.get("g") == 1
    device.walk_away()
    said = text(device.launch())
    assert "gentle" in said
    device.say("AMAZON.YesIntent")
    said = text(device.say("PainIntent"))
    assert "contact your physician immediately" in said and device.ended


# -- soreness and discomfort ----------------------------------------------------------


def test_soreness_is_reassured_and_the_routine_goes_on_as_usual(
    client: FlaskClient, store: RedisStore
) -> None:
    device = Device(client)
    counting(device)
    pace = device.state["p"]
    said = text(device.say("SorenessIntent", soreness=slot("soreness", "sore", [("sore", "sore")])))
    assert "normal" in said and "contact your physician" not in said
    assert device.state["p"] == pace and not device.state.get("g") and not device.ended
    assert pain_log(store, device)[0]["action"] == "reassured"


def test_discomfort_slows_down_with_fewer_reps_and_says_so(
    client: FlaskClient, store: RedisStore
) -> None:
    device = Device(client)
    counting(device)
    said = text(device.say("PainIntent", **pain("discomfort", "a twinge")))
    assert "slower" in said and "fewer repetitions" in said and COUNT not in said
    assert device.state.get("g") == 1 and device.state["ph"] == "positioning"
    (event,) = pain_log(store, device)
    assert (event["kind"], event["action"], event["words"]) == ("discomfort", "slowed", "a twinge")


# -- red flags, falls and distress, per locale -------------------------------------------


@pytest.mark.parametrize("locale", sorted(URGENT))
def test_a_red_flag_gives_the_locales_urgent_advice_and_locks_out_the_day(
    client: FlaskClient, store: RedisStore, locale: str
) -> None:
    device = Device(client, locale=locale)
    counting(device)
    numb = slot("symptom", "gone numb", [("numbness_tingling", "numbness")])
    said = text(device.say("RedFlagIntent", symptom=numb, body_part=slot("body_part", "foot")))
    urgent = URGENT[locale][1]
    assert "Numbness or tingling" in said and urgent in said and device.ended
    assert COUNT not in said
    said = text(device.launch())
    assert "symptom you told me about today" in said and urgent in said and device.ended
    device.later(timedelta(days=1))
    said = text(device.launch())
    assert "Last time, you told me about a symptom" in said and not device.ended
    (event,) = pain_log(store, device)
    assert (event["red_flag"], event["words"]) == ("numbness_tingling", "gone numb in my foot")


@pytest.mark.parametrize("locale", sorted(URGENT))
@pytest.mark.parametrize(
    ("words", "flag"), [("fell", "fall_injury"), ("can't get up", "cannot_get_up")]
)
def test_a_fall_hears_how_to_get_help_now_before_anything_else(
    client: FlaskClient, locale: str, words: str, flag: str
) -> None:
    device = Device(client, locale=locale)
    counting(device)
    said = text(device.say("RedFlagIntent", symptom=slot("symptom", words, [(flag, words)])))
    emergency, _ = URGENT[locale]
    assert said.startswith(f"If you're hurt or can't get up, call {emergency} now")
    assert "someone nearby" in said and device.ended


def test_help_me_in_distress_gives_the_emergency_number_first_and_stops_the_count(
    client: FlaskClient,
) -> None:
    device = Device(client, locale="en-GB")
    counting(device)
    said = text(
        device.say("RedFlagIntent", symptom=slot("symptom", "help me", [("distress", "help me")]))
    )
    assert said.startswith("If you're hurt or can't get up, call nine nine nine now")
    assert "I've stopped the count" in said and COUNT not in said and not device.ended


def test_plain_help_says_how_to_get_help_now_first(client: FlaskClient) -> None:
    device = Device(client, locale="en-AU")
    counting(device)
    said = text(device.say("AMAZON.HelpIntent"))
    assert said.startswith("If you're hurt or can't get up, call triple zero now")
    assert "it hurts" in said


def test_a_red_flag_without_a_slot_still_stops_with_urgent_advice(client: FlaskClient) -> None:
    device = Device(client)
    counting(device)
    said = text(device.say("RedFlagIntent"))
    assert "needs a doctor's attention" in said and device.ended


# -- not understood ---------------------------------------------------------------------


@pytest.mark.parametrize("phase", ["ready", "positioning", "counting", "paused", "pain_check"])
def test_not_understood_always_says_how_to_report_pain_and_starts_no_count(
    client: FlaskClient, phase: str
) -> None:
    device = Device(client)
    device.launch()
    steps = {
        "ready": [],
        "positioning": ["StartRoutineIntent"],
        "counting": ["StartRoutineIntent", "ReadyIntent"],
        "paused": ["StartRoutineIntent", "AMAZON.PauseIntent"],
        "pain_check": ["StartRoutineIntent", "PainIntent"],
    }[phase]
    for step in steps:
        device.say(step)
    device.interrupt()
    before = device.state
    said = text(device.say("AMAZON.FallbackIntent"))
    assert "didn't catch that" in said and 'If anything hurts, say "it hurts"' in said
    assert COUNT not in said and "And hold." not in said and not device.ended
    assert device.state["ph"] in (before["ph"], "positioning")
    if before["ph"] == "counting":  # the count it cut short is done again, not skipped
        assert (device.state["ph"], device.state["k"]) == ("positioning", before["k"])


# -- names that are symptoms, rough names, exercises outside the routine -----------------


@pytest.mark.parametrize(
    "words", ["the back of my leg hurts", "my leg has gone numb", "it's killing me"]
)
def test_a_symptom_in_an_exercise_slot_runs_the_pain_policy_and_starts_nothing(
    client: FlaskClient, words: str
) -> None:
    device = Device(client)
    device.launch()
    said = text(device.say("DoExerciseIntent", exercise=slot("exercise", words)))
    assert "contact your physician" in said and "Okay," not in said
    assert device.state["ph"] in ("pain_check", "stopped")


def test_a_rough_name_is_asked_back_and_starts_nothing(client: FlaskClient) -> None:
    device = Device(client)
    device.launch()
    said = text(device.say("DoExerciseIntent", exercise=slot("exercise", "hamstring stretch")))
    assert said.startswith("I don't know a hamstring stretch. Did you mean")
    assert device.state["ph"] == "ready" and not device.ended
    said = text(device.say("AMAZON.NoIntent"))
    assert device.state["ph"] == "ready" and "Say start" in said


def test_an_exercise_outside_the_routine_is_confirmed_before_it_starts(
    client: FlaskClient,
) -> None:
    device = Device(client)
    device.launch()
    bridge = slot("exercise", "bridge", [("a04-pelvic-lift", "pelvic lift")])
    said = text(device.say("DoExerciseIntent", exercise=bridge))
    assert "isn't in your routine" in said and device.state["ph"] == "ready"
    said = text(device.say("AMAZON.YesIntent"))
    assert "Okay, pelvic lift" in said and device.state["ph"] == "positioning"


def test_an_answer_that_names_a_symptom_is_a_report(client: FlaskClient) -> None:
    device = Device(client)
    device.launch()
    said = text(device.say("CheckInIntent", feeling=slot("feeling", "my leg is numb")))
    assert "Numbness or tingling" in said and device.ended


@pytest.mark.parametrize(
    ("locale", "who"),
    [
        ("en-US", "physician"),
        ("en-CA", "physician"),
        ("en-GB", "GP"),
        ("en-AU", "GP"),
        ("en-IN", "doctor"),
    ],
)
def test_persisting_pain_says_who_to_contact_in_the_locales_words(
    client: FlaskClient, locale: str, who: str
) -> None:
    device = Device(client, locale=locale)
    counting(device)
    said = text(device.say("PainIntent", **pain("severe", "killing me")))
    assert f"contact your {who} immediately" in said and device.ended


# -- the questions of natural control (issue 15) ----------------------------------------


@pytest.mark.parametrize(
    "question", ["stop_today", "carry_on", "from_beginning", "code_heard", "stop_today, cut in"]
)
def test_pain_is_heard_while_a_natural_control_question_waits(
    client: FlaskClient, store: RedisStore, question: str
) -> None:
    """ "Do you want to stop for today?", "Shall we carry on?", "start from the beginning
    instead?", "I heard 4, 8, 1 ... Is that right?": a pain report is the pain policy's,
    whatever waits."""
    device = Device(client)
    device.launch()
    if question.startswith("stop_today"):
        device.say("StartRoutineIntent")
        if question.endswith("cut in"):
            device.say("ReadyIntent")
            device.interrupt()
        device.say("DoneIntent")
    elif question == "code_heard":
        device.say("LinkCodeIntent", code=slot("code", "481529"))
    else:
        device.say("StartRoutineIntent")
        device.say("AMAZON.StopIntent")
        device.launch()
        if question == "from_beginning":
            device.say("AMAZON.NoIntent")
    assert device.state["q"][0] == question.split(",")[0] and not device.ended
    said = text(device.say("PainIntent", **pain("pain", "hurts")))
    assert "contact your physician" in said and "go on gently, or stop for today" in said
    assert device.state["ph"] == "pain_check" and "q" not in device.state
    assert [e["action"] for e in pain_log(store, device)] == ["gentle_offered"]
