"""Prescriptions end to end against a real Redis: the CLI, link codes by voice, the
routine that follows the plan, progress, the check-in, the report and deletion."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from flask.testing import FlaskClient

from skill.store import MemoryStore, RedisStore, keys_for, user_key
from skill.store.plans import PlanStore, code_key, normalise_code, users_key

from .alexa import Device, slot
from .conftest import AppFactory
from .test_store import RoundTrips
from .test_webhook import text

ROOT = Path(__file__).resolve().parents[1]
PRESCRIPTION = {
    "patient": "J. Smith",
    "note": "Go gently the first week.",
    # On the stomach first, then on the back: grouping by position would swap them.
    "exercises": [
        {"id": "b03-back-extensions", "hold_seconds": 3, "reps": 2},
        {"id": "b05-deep-abdominal-strengthening", "hold_seconds": 7, "reps": 2},
    ],
}
RX_YAML = """\
patient: "J. Smith"
note: "Go gently the first week."
exercises:
  - {id: b03-back-extensions, hold_seconds: 3, reps: 2}
  - {id: b05-deep-abdominal-strengthening, hold_seconds: 7, reps: 2}
"""


def backcoach(*args: str, redis_url: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    if redis_url:
        env["REDIS_URL"] = redis_url
    return subprocess.run(
        [sys.executable, "-m", "skill.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def plans(store: RedisStore) -> PlanStore:
    return store.plan_store()


@pytest.fixture
def raw(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


@pytest.fixture
def code(plans: PlanStore) -> str:
    return plans.create(PRESCRIPTION, "2026-11-23T09:00:00+00:00")[1]


def expire_now(raw: redis.Redis, key: str) -> None:
    """Let Redis expire ``key`` (a 1 ms PEXPIRE), as seven days would."""
    assert raw.pexpire(key, 1)
    while raw.exists(key):
        time.sleep(0.002)


def code_slot(code: str) -> dict:
    return slot("code", code)


# --- the CLI ---------------------------------------------------------------------


def test_plan_create_show_and_list(tmp_path: Path, redis_url: str, raw: redis.Redis) -> None:
    rx = tmp_path / "smith.yaml"
    rx.write_text(RX_YAML)
    made = backcoach("plan", "create", str(rx), redis_url=redis_url)
    assert made.returncode == 0, made.stderr
    code = made.stdout.split("link code: ")[1][:6]
    assert code.isdigit() and "valid for 7 days" in made.stdout
    assert 6 * 86_400 < raw.ttl(code_key(code)) <= 7 * 86_400

    shown = backcoach("plan", "show", code, redis_url=redis_url)
    assert shown.returncode == 0, shown.stderr
    assert "patient: J. Smith" in shown.stdout and "Go gently the first week" in shown.stdout
    lines = shown.stdout.splitlines()
    back_ext = next(i for i, line in enumerate(lines) if "b03-back-extensions" in line)
    deep = next(i for i, line in enumerate(lines) if "b05-deep-abdominal" in line)
    assert back_ext < deep and "hold s 7" in lines[deep] and f"code {code}" in shown.stdout

    listed = backcoach("plan", "list", redis_url=redis_url)
    assert listed.returncode == 0 and "J. Smith" in listed.stdout
    assert "2 exercises, 0 linked" in listed.stdout

    missing = backcoach(
        "plan", "show", "000000" if code != "000000" else "111111", redis_url=redis_url
    )
    assert missing.returncode == 1 and "no live plan" in missing.stderr


def test_plan_commands_need_redis_and_a_valid_file(tmp_path: Path, redis_url: str) -> None:
    rx = tmp_path / "bad.yaml"
    rx.write_text("exercises:\n  - {id: b03-back-extensions, reps: 40}\n")
    bad = backcoach("plan", "create", str(rx), redis_url=redis_url)
    assert bad.returncode == 2
    assert "bad.yaml" in bad.stderr and "exercises.0.reps" in bad.stderr
    rx.write_text(RX_YAML)
    no_redis = backcoach("plan", "create", str(rx), redis_url=None)
    assert no_redis.returncode == 2 and "REDIS_URL is not set" in no_redis.stderr
    assert backcoach("report", "123456", redis_url=None).returncode == 2


def test_codes_are_six_digits_unique_and_expire(plans: PlanStore, raw: redis.Redis) -> None:
    codes = {plans.create(PRESCRIPTION, "2026-11-23T09:00:00+00:00")[1] for _ in range(20)}
    assert len(codes) == 20 and all(len(c) == 6 and c.isdigit() for c in codes)
    code = codes.pop()
    assert plans.plan_for_code(code) is not None
    expire_now(raw, code_key(code))
    assert plans.plan_for_code(code) is None


def test_spoken_codes_are_normalised() -> None:
    assert normalise_code("123456") == "123456"
    assert normalise_code("one two three four five six") == "123456"
    assert normalise_code("oh one 2 three 4 five") == "012345"
    assert normalise_code("12345") is None and normalise_code("twelve") is None
    assert normalise_code(None) is None


# --- linking by voice and the prescribed routine -----------------------------------


def test_link_by_voice_then_the_routine_follows_the_plan(
    client: FlaskClient, code: str, plans: PlanStore, raw: redis.Redis
) -> None:
    device = Device(client)
    assert "5 exercises" in text(device.launch())
    said = text(device.say("HaveCodeIntent"))
    assert "What's your six-digit code?" in said and device.state["q"][0] == "code"
    said = text(device.say("LinkCodeIntent", code=code_slot(code)))
    assert "Your physician's plan is linked: 2 exercises." in said
    assert "J. Smith" not in said and "J. Smith" not in json.dumps(device.last)
    assert "Go gently the first week" in said

    said = text(device.say("StartRoutineIntent"))
    assert "Exercise 1 of 2: Back extensions" in said and "holding for 3 seconds" in said
    said = text(device.say("ReadyIntent"))
    assert "1. Hold. one two three Return" in said and "four" not in said
    said = text(device.say("NextIntent"))
    assert "Exercise 2 of 2: Deep abdominal" in said and "2 repetitions, holding for 7" in said
    ssml = device.send(
        {"type": "IntentRequest", "intent": {"name": "ReadyIntent", "confirmationStatus": "NONE"}}
    )["response"]["outputSpeech"]["ssml"]
    assert ssml.count(" seven ") == 2 and "eight" not in ssml and "3. Hold" not in ssml

    hashed = user_key(device.user_id)
    assert raw.smembers(users_key(plans.plan_for_code(code)["id"])) == {hashed}
    assert "J. Smith" not in raw.get(keys_for(device.user_id).plan)

    # The next session starts from the plan: read in the launch's one pipelined load.
    assert "whole routine done" in text(device.say("NextIntent")) and device.ended
    device.later(timedelta(days=1))
    said = text(device.launch())
    assert "Today's routine has 2 exercises, starting with back extensions" in said


def test_linked_mid_routine_the_plan_starts_with_the_next_routine(
    client: FlaskClient, code: str
) -> None:
    device = Device(client)
    device.launch()
    device.say("StartRoutineIntent")
    said = text(device.say("LinkCodeIntent", code=code_slot(code)))
    assert "plan is linked" in said and "starts with your next routine" in said
    assert len(device.state["r"]) == 5  # the routine in hand carries on
    for _ in range(40):
        if device.ended:
            break
        device.say("ReadyIntent" if device.state.get("ph") == "positioning" else "NextIntent")
    said = text(device.launch())  # the same day
    assert "You've done today's routine" in said
    said = text(device.say("StartRoutineIntent"))
    assert "Exercise 1 of 2: Back extensions" in said


def test_a_bare_number_answers_the_code_question(client: FlaskClient, code: str) -> None:
    device = Device(client)
    device.launch()
    device.say("HaveCodeIntent")
    said = text(device.say("LinkCodeIntent", code=slot("code", "12")))
    assert "didn't sound like six digits" in said and device.state["q"][0] == "code"
    said = text(device.say("LinkCodeIntent", code=code_slot(code)))
    assert "plan is linked" in said


def test_a_wrong_or_expired_code_and_the_try_limit(
    client: FlaskClient, code: str, raw: redis.Redis
) -> None:
    device = Device(client)
    device.launch()
    wrong = "000000" if code != "000000" else "999999"
    said = text(device.say("LinkCodeIntent", code=code_slot(wrong)))
    assert "I couldn't find that code. Check it with your physician, or say it again." in said
    assert not device.ended

    expire_now(raw, code_key(code))
    said = text(device.say("LinkCodeIntent", code=code_slot(code)))
    assert "I couldn't find that code" in said

    for _ in range(3):
        device.say("LinkCodeIntent", code=code_slot(wrong))
    said = text(device.say("LinkCodeIntent", code=code_slot(wrong)))  # the sixth try
    assert "Too many tries: please try again in an hour." in said
    assert 0 < raw.ttl(keys_for(device.user_id).code_tries) <= 3600
    assert raw.get(keys_for(device.user_id).plan) is None


def test_the_try_limit_blocks_even_a_right_code(client: FlaskClient, plans: PlanStore) -> None:
    device = Device(client)
    device.launch()
    for _ in range(5):
        device.say("LinkCodeIntent", code=code_slot("000000"))
    good = plans.create(PRESCRIPTION, "2026-11-23T09:00:00+00:00")[1]
    said = text(device.say("LinkCodeIntent", code=code_slot(good)))
    assert "Too many tries" in said


# --- progress, check-in, report, deletion --------------------------------------------


def finish_routine(device: Device) -> None:
    device.say("StartRoutineIntent")
    for _ in range(40):
        if device.ended:
            return
        device.say("ReadyIntent" if device.state.get("ph") == "positioning" else "NextIntent")


def test_progress_and_the_welcome_streak(client: FlaskClient, code: str) -> None:
    device = Device(client)
    device.launch()
    device.say("LinkCodeIntent", code=code_slot(code))
    finish_routine(device)
    device.later(timedelta(days=1))
    said = text(device.launch())
    assert "Welcome back, that's 2 days in a row." in said
    finish_routine(device)
    device.later(timedelta(days=1))
    assert "that's 3 days in a row" in text(device.launch())
    said = text(device.say("ProgressIntent"))
    assert "That's 2 days in a row." in said
    assert "You haven't reported any pain." in said and not device.ended


def pain_then_stop(device: Device) -> None:
    device.launch()
    device.say("StartRoutineIntent")
    device.say("ReadyIntent")
    device.say("PainIntent", body_part=slot("body_part", "back", [("back", "back")]))
    device.say("AMAZON.NoIntent")  # stop for today
    assert device.ended


def feeling(value: str) -> dict:
    return slot("feeling", value, [(value, value)])


@pytest.mark.parametrize(
    ("answer", "hear", "gentle"),
    [
        ("better", "Good to hear.", False),
        ("same", "Go gently today.", False),
    ],
)
def test_the_check_in_after_a_pain_report(
    client: FlaskClient, answer: str, hear: str, gentle: bool
) -> None:
    device = Device(client)
    pain_then_stop(device)
    device.later(timedelta(days=1))
    said = text(device.launch())
    assert "How is your back today: better, the same, or worse?" in said
    assert device.state["ph"] == "check_in"
    said = text(device.say("CheckInIntent", feeling=feeling(answer)))
    assert hear in said and not device.ended
    assert device.state["ph"] == "ready"  # nothing starts by itself
    assert bool(device.state.get("g")) is gentle
    said = text(device.say("StartRoutineIntent"))
    assert "Exercise 1 of 5" in said
    progress = text(device.say("ProgressIntent"))
    assert "Your last report was pain" in progress and "during knee rolls" in progress


def test_worse_at_the_check_in_stops_exercise_for_the_day(client: FlaskClient) -> None:
    """Pain that persists to the next day: discontinue, contact the physician
    immediately, and nothing starts that day, whatever is said afterwards."""
    device = Device(client)
    pain_then_stop(device)
    device.later(timedelta(days=1))
    device.launch()
    said = text(device.say("CheckInIntent", feeling=feeling("worse")))
    assert "contact your physician immediately" in said and "gentler" not in said
    assert device.ended and device.state["ph"] == "stopped"
    device.later(timedelta(hours=2))
    said = text(device.launch())
    assert "won't start them again" in said and device.ended
    said = text(device.say("AMAZON.YesIntent"))
    assert "Exercise 1" not in said and device.state["ph"] == "stopped"


def test_no_check_in_without_pain_and_worse_out_of_the_blue_is_pain(
    client: FlaskClient,
) -> None:
    device = Device(client)
    device.launch()
    finish_routine(device)
    device.later(timedelta(days=1))
    said = text(device.launch())
    assert "How is your back" not in said
    device.say("StartRoutineIntent")
    device.say("ReadyIntent")
    said = text(device.say("CheckInIntent", feeling=feeling("worse")))
    assert "contact your physician" in said and device.state["ph"] == "pain_check"


def test_report_text_and_json(redis_url: str, client: FlaskClient, code: str) -> None:
    device = Device(client)
    device.launch()
    device.say("LinkCodeIntent", code=code_slot(code))
    device.say("StartRoutineIntent")
    device.say("ReadyIntent")
    device.say("PainIntent", body_part=slot("body_part", "back", [("back", "back")]))
    device.say("AMAZON.NoIntent")

    shown = backcoach("report", code, redis_url=redis_url)
    assert shown.returncode == 0, shown.stderr
    assert "Patient: J. Smith" in shown.stdout
    assert "sessions: 0 finished, 1 stopped, 0 paused" in shown.stdout
    assert "pain during Back extensions" in shown.stdout and "pain in my back" in shown.stdout
    assert "offered a gentler routine" in shown.stdout

    as_json = backcoach("report", code, "--json", redis_url=redis_url)
    report = json.loads(as_json.stdout)
    assert report["patient"] == "J. Smith"
    (person,) = report["linked"]
    assert person["adherence"]["sessions"] == {"finished": 0, "stopped": 1, "paused": 0}
    (event,) = person["pain_events"]
    assert event["exercise"] == "b03-back-extensions" and event["action"] == "gentle_offered"
    assert event["kind"] == "pain" and event["date"]
    assert device.user_id not in as_json.stdout


def test_report_counts_each_persons_days_in_their_time_zone(
    redis_url: str, store: RedisStore, plans: PlanStore, code: str
) -> None:
    """Sessions at 5 pm in Los Angeles are on that day there, the next day in UTC."""
    west, unknown = "amzn1.ask.account.REPORTWEST", "amzn1.ask.account.REPORTUTC"
    for user in (west, unknown):
        assert plans.link(user, code, "2026-11-20T12:00:00+00:00").status == "linked"
        store.save(
            user,
            None,
            pain_events=[{"at": "2026-11-21T01:00:00+00:00", "kind": "pain", "action": "noted"}],
            history=[
                {"at": f"2026-11-{day}T01:00:00+00:00", "outcome": "finished", "done": ["x"]}
                for day in (21, 22)
            ],
            time_zone=None,
        )
    redis.Redis.from_url(redis_url).set(store.keys(west).time_zone, "America/Los_Angeles")

    report = json.loads(backcoach("report", code, "--json", redis_url=redis_url).stdout)
    zones = {person["time_zone"]: person for person in report["linked"]}
    assert set(zones) == {"America/Los_Angeles", "UTC"}
    assert zones["America/Los_Angeles"]["adherence"]["last_exercised"] == "2026-11-21"
    assert zones["UTC"]["adherence"]["last_exercised"] == "2026-11-22"
    assert zones["America/Los_Angeles"]["pain_events"][0]["date"] == "2026-11-20"
    assert zones["UTC"]["pain_events"][0]["date"] == "2026-11-21"
    shown = backcoach("report", code, redis_url=redis_url).stdout
    assert "(days in America/Los_Angeles, today " in shown and "(days in UTC, today " in shown


def test_delete_removes_the_link_and_the_history(
    client: FlaskClient, code: str, plans: PlanStore, raw: redis.Redis
) -> None:
    device = Device(client)
    device.launch()
    device.say("LinkCodeIntent", code=code_slot(code))
    finish_routine(device)
    device.launch()
    plan_id = plans.plan_for_code(code)["id"]
    assert raw.scard(users_key(plan_id)) == 1
    device.say("DeleteDataIntent")
    said = text(device.say("AMAZON.YesIntent"))
    assert "deleted everything" in said
    mine = user_key(device.user_id)
    assert [k for k in raw.keys("*") if mine in k] == [f"backcoach:{{{mine}}}:deleted"]
    assert raw.scard(users_key(plan_id)) == 0
    assert plans.plan_for_code(code) is not None  # the plan itself stays, for others
    said = text(device.launch())
    assert "Welcome to Back Coach" in said and "5 exercises" in said


def test_a_linked_launch_with_history_is_still_two_round_trips(
    redis_url: str, client: FlaskClient, code: str, make_app: AppFactory
) -> None:
    device = Device(client)
    device.launch()
    device.say("LinkCodeIntent", code=code_slot(code))
    finish_routine(device)
    device.later(timedelta(days=1))

    trips = RoundTrips()
    store = RedisStore.from_url(redis_url, connection_class=trips.connection_class)
    try:
        assert store.ping()  # the connection and its handshake, before counting
        device.client = make_app(store=store).test_client()
        said: list[str] = []
        # One pipelined read (progress, last pain, recent history, the link), one write.
        assert trips.measure(lambda: said.append(text(device.launch()))) == 2
        assert "that's 2 days in a row" in said[0] and "2 exercises" in said[0]
        assert trips.measure(lambda: device.say("StartRoutineIntent")) == 1
    finally:
        store.close()


def test_nothing_private_is_logged_at_info(
    client: FlaskClient, code: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    device = Device(client)
    device.launch()
    device.say("LinkCodeIntent", code=code_slot(code))
    device.say("StartRoutineIntent")
    device.say("PainIntent", body_part=slot("body_part", "lower back"))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "linked a plan" in logged
    for private in ("J. Smith", device.user_id, "lower back", code):
        assert private not in logged


def test_a_code_links_on_the_embedded_store_too(make_app: AppFactory) -> None:
    """``make run`` without Redis: the embedded store keeps plans, so a code links and
    the next routine is the plan's (``backcoach run --plan FILE`` prints such a code)."""
    store = MemoryStore()
    code = store.plan_store().create(PRESCRIPTION, "2026-11-23T09:00:00+00:00")[1]
    device = Device(make_app(store=store).test_client())
    device.launch()
    said = text(device.say("LinkCodeIntent", code=code_slot(code)))
    assert "plan is linked: 2 exercises" in said and "Go gently the first week" in said
    device.say("AMAZON.StopIntent")
    said = text(device.launch())
    assert "2 exercises" in said
    said = text(device.say("StartRoutineIntent"))
    assert "Back extensions" in said or "back extensions" in said
    wrong = "000000" if code != "000000" else "111111"
    assert "couldn't find that code" in text(device.say("LinkCodeIntent", code=code_slot(wrong)))
