"""What the skill keeps about a person, and what it lets out.

No raw user id, slot text or pain words in the logs at INFO, even through a store
outage and an exception; no raw user id in Redis; security headers on every
response; "delete my data" removes every key of that person and nobody else's; and
ALEXA_SKILL_ID is enforced when set.
"""

from __future__ import annotations

import json
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import redis
from flask.testing import FlaskClient

import skill.handlers.turn
from skill.app import create_app
from skill.store import keys_for, user_key
from tests.redis_server import RedisServer, people_keys

from .alexa import SKILL_ID, Device, envelope, launch, slot
from .conftest import AppFactory

KEY = re.compile(r"^backcoach:\{[0-9a-f]{32}\}:(progress|pain|history|version|seen|paindays)$")

# What people say, and who they are: none of it may reach a log line at INFO.
USER = "amzn1.ask.account.AFPRIVACYUSERONE0123456789ABCDEF"
OUTAGE_USER = "amzn1.ask.account.AFPRIVACYUSERTWO0123456789ABCDEF"
CRASH_USER = "amzn1.ask.account.AFPRIVACYUSERTHREE0123456789ABC"
BODY_PART = "left buttock"
SORE = "hamstrings"
SYMPTOM = "pins and needles down my thigh"
EXERCISE_SAID = "the cat and camel thing"
UNKNOWN = "underwater basket weaving"
CHOICE = "the one on my belly"
SECRETS = (USER, OUTAGE_USER, CRASH_USER, BODY_PART, SORE, SYMPTOM, EXERCISE_SAID, UNKNOWN)

EXPECTED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'",
    "Referrer-Policy": "no-referrer",
}


def words(ssml: str) -> str:
    return " ".join("".join(ET.fromstring(ssml).itertext()).split())


def dump(raw: redis.Redis) -> dict[str, Any]:
    """Every key in the server and its value."""
    values: dict[str, Any] = {}
    for key in people_keys(raw):
        kind = raw.type(key)
        if kind == "string":
            values[key] = raw.get(key)
        elif kind == "hash":
            values[key] = raw.hgetall(key)
        elif kind == "zset":
            values[key] = raw.zrange(key, 0, -1)
        else:
            values[key] = raw.lrange(key, 0, -1)
    return values


@pytest.fixture
def raw(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


# --- logs -----------------------------------------------------------------------------------


def test_no_user_id_slot_text_or_pain_words_in_logs_at_info(
    make_app: AppFactory,
    redis_server: RedisServer,
    raw: redis.Redis,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.INFO)
    app = make_app()

    # Exercise names, pain and soreness words.
    device = Device(app.test_client(), USER)
    device.launch()
    device.say("DoExerciseIntent", exercise=slot("exercise", EXERCISE_SAID))
    device.say("DescribeExerciseIntent", exercise=slot("exercise", UNKNOWN))
    device.say("DoExerciseIntent", exercise=slot("exercise", "hip extension"))
    device.say("ChooseExerciseIntent", choice=slot("choice", CHOICE))
    device.say("StartRoutineIntent")
    device.say("PainIntent", body_part=slot("body_part", BODY_PART))
    device.say("AMAZON.YesIntent")
    device.say("SorenessIntent", body_part=slot("body_part", SORE))
    # A Redis error reply: redis-py's message quotes the command, pain words and all.
    raw.set(keys_for(USER).pain, "not a list")
    said = words(device.say("PainIntent", body_part=slot("body_part", BODY_PART)))
    assert "stop" in said

    # A red flag, said in the person's words, while Redis is down.
    other = Device(app.test_client(), OUTAGE_USER)
    other.launch()
    other.say("StartRoutineIntent")
    redis_server.stop()
    try:
        said = words(other.say("RedFlagIntent", symptom=slot("symptom", SYMPTOM)))
    finally:
        redis_server.start()
    assert "emergency room" in said

    # An exception inside the skill whose message carries what was said.
    def broken(*_args: object) -> None:
        raise ValueError(f"could not render {CRASH_USER}: {BODY_PART} {SYMPTOM}")

    crash = Device(app.test_client(), CRASH_USER)
    crash.launch()
    monkeypatch.setattr(skill.handlers.turn, "render", broken)
    said = words(crash.say("PainIntent", body_part=slot("body_part", BODY_PART)))
    assert "went wrong" in said
    monkeypatch.undo()

    # An exception outside the skill (here in the verifier): a 500 without details.
    class Exploding:
        def verify(self, headers: Mapping[str, str], body: bytes, payload: Any) -> None:
            raise RuntimeError(f"{CRASH_USER} said {SYMPTOM}")

    exploding = make_app(verifier=Exploding())
    body = envelope(launch(), user_id=CRASH_USER, session_id="s", new=True, attributes=None)
    reply = exploding.test_client().post(
        "/alexa", data=json.dumps(body), content_type="application/json"
    )
    assert reply.status_code == 500 and reply.get_json() == {"error": "internal error"}

    logged = caplog.text
    messages = [r.getMessage() for r in caplog.records]
    assert any("WRONGTYPE" in m for m in messages)  # each path above really logged
    assert any("store unavailable" in m and "Connection" in m for m in messages)
    assert any("ValueError" in m for m in messages)
    assert any("RuntimeError" in m for m in messages)
    for secret in SECRETS:
        assert secret not in logged, secret
    for word in ("buttock", "thigh", "needles", "hamstring", "basket", "belly", "camel thing"):
        assert word not in logged, word
    assert "Traceback" not in logged


# --- Redis keys -----------------------------------------------------------------------------


def test_redis_keys_and_values_never_hold_the_raw_user_id(
    redis_url: str, raw: redis.Redis, request: pytest.FixtureRequest
) -> None:
    salt = "a-deployment-secret"
    app = create_app(
        {"REDIS_URL": redis_url, "BACKCOACH_USER_KEY_SALT": salt, "ALEXA_VERIFY_SIGNATURE": "0"}
    )
    request.addfinalizer(app.extensions["backcoach"]["store"].close)
    device = Device(app.test_client(), USER)
    device.launch()
    device.say("StartRoutineIntent")
    device.say("PainIntent", body_part=slot("body_part", BODY_PART))
    device.say("AMAZON.NoIntent")  # stop after the pain: a history record too

    stored = dump(raw)
    keys = keys_for(USER, salt)
    assert set(stored) == {*keys.all, keys.pain_days}
    tag = user_key(USER, salt)
    assert tag != user_key(USER)  # the salt is applied
    account = USER.rsplit(".", 1)[-1]
    for key, value in stored.items():
        assert KEY.match(key) and tag in key
        assert account not in key and USER not in key
        assert account not in json.dumps(value)
    assert BODY_PART in json.dumps(stored[keys_for(USER, salt).pain])  # kept, for the person


# --- security headers -----------------------------------------------------------------------


def test_security_headers_on_every_response(make_app: AppFactory) -> None:
    class Exploding:
        def verify(self, headers: Mapping[str, str], body: bytes, payload: Any) -> None:
            raise RuntimeError("boom")

    app = make_app()
    client = app.test_client()
    good = json.dumps(envelope(launch(), user_id=USER, session_id="s", new=True, attributes=None))
    down = make_app("redis://127.0.0.1:1/0").test_client()
    verifying = make_app(ALEXA_VERIFY_SIGNATURE=None).test_client()
    exploding = make_app(verifier=Exploding()).test_client()
    replies = {
        "alexa 200": client.post("/alexa", data=good, content_type="application/json"),
        "healthz 200": client.get("/healthz"),
        "readyz 200": client.get("/readyz"),
        "readyz 503": down.get("/readyz"),
        "not json 400": client.post("/alexa", data="{", content_type="application/json"),
        "unverified 400": verifying.post("/alexa", data=good, content_type="application/json"),
        "path 404": client.get("/nothing-here"),
        "method 405": client.get("/alexa"),
        "size 413": client.post("/alexa", data="x" * 70_000, content_type="application/json"),
        "type 415": client.post("/alexa", data=good, content_type="text/plain"),
        "error 500": exploding.post("/alexa", data=good, content_type="application/json"),
    }
    for name, reply in replies.items():
        assert str(reply.status_code) == name.rsplit(" ", 1)[-1], name
        for header, value in EXPECTED_HEADERS.items():
            assert reply.headers.get(header) == value, (name, header)
        assert reply.mimetype == "application/json", name


# --- delete my data -------------------------------------------------------------------------


def history_and_pain(client: FlaskClient, user: str) -> Device:
    """A person with progress, a pain report and a finished-or-stopped record."""
    device = Device(client, user)
    device.launch()
    device.say("StartRoutineIntent")
    device.say("PainIntent")
    device.say("AMAZON.NoIntent")
    device.launch()
    device.say("StartRoutineIntent")
    return device


def test_delete_my_data_removes_every_key_of_that_person_and_no_one_elses(
    make_app: AppFactory, raw: redis.Redis
) -> None:
    client = make_app().test_client()
    leaving = history_and_pain(client, USER)
    history_and_pain(client, OUTAGE_USER)
    before = dump(raw)
    mine = user_key(USER)
    keys = keys_for(USER)
    assert {k for k in before if mine in k} == {*keys.all, keys.pain_days}

    assert "Are you sure" in words(leaving.say("DeleteDataIntent"))
    said = words(leaving.say("AMAZON.YesIntent"))

    assert "deleted everything" in said and leaving.ended
    assert leaving.attributes == {}  # nothing of theirs goes back to Alexa either
    after = dump(raw)
    # Only the marker that stops their other devices writing back: a time, nothing else.
    assert [k for k in after if mine in k] == [keys.deleted]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", after.pop(keys.deleted))
    assert after == {k: v for k, v in before.items() if mine not in k}  # the others untouched
    said = words(leaving.launch())
    assert "Welcome to Back Coach" in said  # a stranger now
    said = words(Device(client, OUTAGE_USER).launch())
    assert "Welcome back" in said and "because of pain" in said  # the other is remembered


def test_delete_while_redis_is_down_says_so_and_keeps_nothing_back(
    make_app: AppFactory, redis_server: RedisServer, raw: redis.Redis
) -> None:
    client = make_app().test_client()
    device = history_and_pain(client, USER)
    device.say("DeleteDataIntent")
    redis_server.stop()
    try:
        said = words(device.say("AMAZON.YesIntent"))
    finally:
        redis_server.start()
    # This server came back empty, so only the answer can be checked: it must not
    # claim a deletion that did not happen.
    assert "couldn't delete" in said and "deleted everything" not in said


# --- ALEXA_SKILL_ID -------------------------------------------------------------------------


def with_application(application: object, *where: str) -> bytes:
    body = envelope(launch(), user_id=USER, session_id="s", new=True, attributes=None)
    for place in where:
        node = body["context"]["System"] if place == "context" else body["session"]
        if application is None:
            del node["application"]
        else:
            node["application"] = {"applicationId": application}
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("name", "body", "status"),
    [
        ("ours", with_application(SKILL_ID), 200),
        ("another skill", with_application("amzn1.ask.skill.other", "context", "session"), 400),
        ("no application at all", with_application(None, "context", "session"), 400),
        ("a number", with_application(12345, "context", "session"), 400),
        ("an object", with_application({"id": SKILL_ID}, "context", "session"), 400),
        ("a prefix of ours", with_application(SKILL_ID[:-1], "context", "session"), 400),
        ("ours with a suffix", with_application(SKILL_ID + "0", "context", "session"), 400),
    ],
)
def test_the_skill_id_is_enforced_when_set(
    make_app: AppFactory, name: str, body: bytes, status: int
) -> None:
    client = make_app(ALEXA_SKILL_ID=SKILL_ID).test_client()
    reply = client.post("/alexa", data=body, content_type="application/json")
    assert reply.status_code == status, name
    if status == 400:
        assert reply.get_json() == {"error": "request could not be verified"}


def test_without_a_skill_id_local_runs_take_any(make_app: AppFactory) -> None:
    client = make_app().test_client()
    body = with_application("amzn1.ask.skill.other", "context", "session")
    assert client.post("/alexa", data=body, content_type="application/json").status_code == 200
