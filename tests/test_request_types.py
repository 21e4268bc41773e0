"""Every request type Alexa can send gets its proper answer (issue 16): a disabled
skill deletes the person's data, Alexa's error reports are logged without speech, the
name-free routing question is answered honestly, anything else is a quiet 200.

Before this, each of these got "Sorry, something went wrong on my side" and an ERROR
log line.  The bodies follow Alexa's documented shapes (skill events carry no session).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from flask.testing import FlaskClient

from skill.store import RedisStore

from .alexa import Device, envelope, now, slot

USER = "amzn1.ask.account.REQUESTTYPES"


def event(request: dict[str, Any], *, session: bool = False, user: str = USER) -> dict[str, Any]:
    body = envelope(request, user_id=user, session_id="s", new=True, attributes=None)
    if not session:
        del body["session"]  # skill events and system requests come without one
    return body


def post(client: FlaskClient, body: dict[str, Any]) -> dict[str, Any]:
    reply = client.post("/alexa", data=json.dumps(body), content_type="application/json")
    assert reply.status_code == 200, reply.get_data(as_text=True)[:300]
    data = reply.get_json()
    assert data["version"] == "1.0"
    return data["response"]


def no_errors(caplog: pytest.LogCaptureFixture) -> None:
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []


def test_disabling_the_skill_deletes_the_persons_data(
    client: FlaskClient, store: RedisStore, caplog: pytest.LogCaptureFixture
) -> None:
    device = Device(client, user_id=USER)
    device.launch()
    device.say("StartRoutineIntent")
    device.say("ReadyIntent")
    device.say("PainIntent", pain=slot("pain", "hurts", [("pain", "pain")]))
    assert store.pain_log(USER) and store.load(USER).state is not None
    caplog.set_level(logging.INFO)
    disabled = {
        "type": "AlexaSkillEvent.SkillDisabled",
        "eventCreationTime": now(),
        "eventPublishingTime": now(),
        "body": {"userInformation": {"consentToken": None}},
    }
    response = post(client, event(disabled))
    assert "outputSpeech" not in response
    assert store.pain_log(USER) == [] and store.history(USER) == []
    assert store.load(USER).state is None
    no_errors(caplog)


def test_alexas_error_report_is_a_warning_with_no_speech(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    report = {
        "type": "System.ExceptionEncountered",
        "error": {"type": "INVALID_RESPONSE", "message": "bad SSML\x1b[2J"},
        "cause": {"requestId": "amzn1.echo-api.request.1"},
    }
    response = post(client, event(report))
    assert "outputSpeech" not in response
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("INVALID_RESPONSE" in w and "bad SSML\\x1b[2J" in w for w in warnings)
    no_errors(caplog)


def can_fulfill(client: FlaskClient, intent: str, **slots: dict[str, Any]) -> dict[str, Any]:
    request = {"type": "CanFulfillIntentRequest", "intent": {"name": intent, "slots": slots}}
    response = post(client, event(request, session=True))
    assert "outputSpeech" not in response and "reprompt" not in response
    return response["canFulfillIntent"]


@pytest.mark.parametrize(
    ("intent", "spoken", "verdict"),
    [
        ("DescribeExerciseIntent", "knee rolls", "YES"),
        ("DoExerciseIntent", "cat and camel", "YES"),
        ("DescribeExerciseIntent", "nee rols", "MAYBE"),  # heard roughly: a guess
        ("DescribeExerciseIntent", "juggling", "NO"),
        ("DescribeExerciseIntent", "my leg is numb", "NO"),  # a symptom, not a name
    ],
)
def test_name_free_exercise_questions_are_answered_honestly(
    client: FlaskClient, store: RedisStore, intent: str, spoken: str, verdict: str
) -> None:
    answer = can_fulfill(client, intent, exercise={"name": "exercise", "value": spoken})
    assert answer["canFulfill"] == verdict
    understood = answer["slots"]["exercise"]["canUnderstand"]
    assert understood == verdict
    assert store.load(USER).state is None  # a question about routing changes nothing


@pytest.mark.parametrize(
    ("intent", "verdict"),
    [
        ("StartRoutineIntent", "YES"),
        ("ListExercisesIntent", "YES"),
        ("PainIntent", "MAYBE"),
        ("SorenessIntent", "MAYBE"),
        ("RedFlagIntent", "NO"),  # an emergency said out of the blue is not ours
        ("AMAZON.HelpIntent", "NO"),
        ("SomeoneElsesIntent", "NO"),
    ],
)
def test_name_free_routing_of_other_intents(client: FlaskClient, intent: str, verdict: str) -> None:
    assert can_fulfill(client, intent)["canFulfill"] == verdict


@pytest.mark.parametrize(
    "request_body",
    [
        {"type": "AlexaSkillEvent.SkillEnabled", "eventCreationTime": "2026-12-01T10:00:00Z"},
        {"type": "AlexaSkillEvent.SkillPermissionAccepted", "body": {"acceptedPermissions": []}},
        {"type": "Connections.Response", "name": "Buy", "status": {"code": "200"}},
        {"type": "Alexa.Presentation.APL.UserEvent", "token": "t", "arguments": []},
    ],
    ids=lambda body: body["type"],
)
def test_any_other_request_type_is_a_quiet_200(
    client: FlaskClient, request_body: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    response = post(client, event(request_body, session=True))
    assert "outputSpeech" not in response
    no_errors(caplog)
