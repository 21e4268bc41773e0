"""Bad requests: a short 4xx, or a friendly spoken answer to a valid Alexa request.

Never a 5xx, never a stack trace.  Verification is off here (the signature checks
have their own tests); everything else on the request path is what production runs.
One app serves the whole module, against the session's real redis-server.
"""

from __future__ import annotations

import copy
import io
import json
import logging
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from skill.app import create_app
from skill.speech import check_ssml
from skill.store import RedisStore
from tests.redis_server import RedisServer

from .alexa import Device, envelope, intent, launch, session_ended, slot
from .coaching import COUNT_STARTS, with_pauses

CAP = 64 * 1024  # the body size cap (Settings.max_body_bytes)
REFUSALS = {400, 413, 415}
LEAKS = ("Traceback", 'File "', "/skill/", "site-packages", ".py")


@pytest.fixture(scope="module")
def app(redis_server: RedisServer) -> Iterator[Flask]:
    redis_server.start()  # a no-op unless an earlier test left it stopped
    store = RedisStore.from_url(redis_server.url)
    yield create_app({"ALEXA_VERIFY_SIGNATURE": "0", "store": store})
    store.close()


@pytest.fixture(scope="module")
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def counting(client: FlaskClient) -> dict:
    """Session attributes mid-routine, as the skill itself wrote them: a real state ``s``."""
    device = Device(client)
    device.launch()
    device.say("StartRoutineIntent")
    device.say("ReadyIntent")
    assert device.state["ph"] == "counting"
    return copy.deepcopy(device.attributes)


def mid_session(request: dict, attributes: dict, user: str = "amzn1.ask.account.HARDENING") -> dict:
    return envelope(
        request,
        user_id=user,
        session_id="amzn1.echo-api.session.hardening",
        new=False,
        attributes=copy.deepcopy(attributes),
    )


def new_session(request: dict, user: str = "amzn1.ask.account.HARDENING") -> dict:
    return envelope(
        request,
        user_id=user,
        session_id="amzn1.echo-api.session.hardening-new",
        new=True,
        attributes=None,
    )


def post(client: FlaskClient, body: bytes | str, content_type: str = "application/json"):
    return client.post("/alexa", data=body, content_type=content_type)


def words(ssml: str) -> str:
    return " ".join("".join(ET.fromstring(ssml).itertext()).split())


def assert_refused(reply: Any, status: int) -> None:
    """A 4xx with a short JSON body that names no code, file or content."""
    assert reply.status_code == status, reply.get_data(as_text=True)[:300]
    body = reply.get_data(as_text=True)
    assert len(body) < 100, body
    assert set(reply.get_json()) == {"error"}
    for leak in LEAKS:
        assert leak not in body


def assert_spoken(reply: Any) -> str:
    """A 200 with a valid Alexa response that says something Alexa can speak."""
    assert reply.status_code == 200, reply.get_data(as_text=True)[:300]
    body = reply.get_data(as_text=True)
    assert "Traceback" not in body
    data = reply.get_json()
    assert data["version"] == "1.0"
    speech = data["response"]["outputSpeech"]
    assert speech["type"] == "SSML"
    check_ssml(speech["ssml"])
    return words(speech["ssml"])


# --- bodies that are not Alexa requests -------------------------------------------------


NOT_ALEXA = {
    "empty": b"",
    "not json": b"hello",
    "truncated json": b'{"version": "1.0", "request": {"type": "LaunchRequest"',
    "invalid utf-8": b'{"request": {"type": "\xff\xfe"}}',
    "null": b"null",
    "a number": b"1",
    "a string": b'"LaunchRequest"',
    "a list": b'[{"request": {"type": "LaunchRequest"}}]',
    "no request": b'{"version": "1.0", "session": {}}',
    "request is a string": b'{"version": "1.0", "request": "LaunchRequest"}',
    "request is null": b'{"version": "1.0", "request": null}',
    "request is a list": b'{"version": "1.0", "request": [{"type": "LaunchRequest"}]}',
    "request has no type": b'{"version": "1.0", "request": {"requestId": "x"}}',
    "unknown request type": json.dumps(new_session({"type": "Bogus.Request"})).encode(),
    "request type is a number": json.dumps(new_session({"type": 7})).encode(),
    "timestamp is not a time": json.dumps(
        {**new_session(launch()), "request": {"type": "LaunchRequest", "timestamp": "soon"}}
    ).encode(),
    "utf-16": json.dumps(new_session(launch())).encode("utf-16"),
    "byte order mark": b"\xef\xbb\xbf" + json.dumps(new_session(launch())).encode(),
    # Nesting the JSON parser cannot follow, and nesting the ASK SDK cannot copy.
    "nested 30000 deep": b"[" * 30_000 + b"]" * 30_000,
    "nested 5000 deep": b'{"request": {"type": "LaunchRequest"}, "x": '
    + b"[" * 5000
    + b"]" * 5000
    + b"}",
    "attributes nested 600 deep": json.dumps(mid_session(intent("AMAZON.HelpIntent"), {"x": 1}))
    .replace('{"x": 1}', '{"x": ' + '{"a": ' * 600 + "1" + "}" * 600 + "}")
    .encode(),
}


@pytest.mark.parametrize("name", sorted(NOT_ALEXA))
def test_a_body_that_is_not_an_alexa_request_is_refused_with_400(
    client: FlaskClient, name: str
) -> None:
    assert_refused(post(client, NOT_ALEXA[name]), 400)


def test_json_nested_past_the_limit_is_refused_and_many_brackets_are_not(
    client: FlaskClient, counting: dict
) -> None:
    # 100 levels: the SDK would cope, but no Alexa request nests like that (limit 64).
    deep = mid_session(intent("AMAZON.HelpIntent"), {**counting, "x": 1})
    nested = json.dumps(deep).replace('"x": 1', '"x": ' + "[" * 100 + "]" * 100)
    assert_refused(post(client, nested), 400)
    # Hundreds of brackets, but shallow: served.
    wide = mid_session(intent("AMAZON.HelpIntent"), {**counting, "x": [[{}]] * 200})
    assert "it hurts" in assert_spoken(post(client, json.dumps(wide)))


def test_slot_list_in_place_of_slot_objects_is_refused(client: FlaskClient, counting: dict) -> None:
    body = mid_session(intent("DoExerciseIntent"), counting)
    body["request"]["intent"]["slots"] = ["the bridge"]
    assert_refused(post(client, json.dumps(body)), 400)


# --- content type, size, method -----------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "text/json", "application/x-www-form-urlencoded", "multipart/form-data", ""],
)
def test_a_body_that_is_not_declared_json_is_refused_with_415(
    client: FlaskClient, content_type: str
) -> None:
    body = json.dumps(new_session(launch()))
    assert_refused(post(client, body, content_type), 415)


def test_json_with_a_charset_is_served(client: FlaskClient) -> None:
    # What Alexa sends: "application/json; charset=utf-8".
    body = json.dumps(new_session(launch()))
    assert "Back Coach" in assert_spoken(post(client, body, "application/json; charset=utf-8"))


def test_a_body_over_the_cap_is_refused_with_413(client: FlaskClient, counting: dict) -> None:
    body = mid_session(intent("PainIntent", body_part=slot("body_part", "x" * CAP)), counting)
    assert_refused(post(client, json.dumps(body)), 413)


def test_a_chunked_body_over_the_cap_is_refused_with_413(client: FlaskClient) -> None:
    # No Content-Length (chunked transfer, as gunicorn passes it on): the cap still holds.
    big = json.dumps({"request": {"type": "LaunchRequest"}, "pad": "x" * (2 * CAP)}).encode()
    reply = client.post(
        "/alexa",
        input_stream=io.BytesIO(big),
        content_type="application/json",
        environ_base={"wsgi.input_terminated": True},
    )
    assert_refused(reply, 413)


def test_a_chunked_body_under_the_cap_is_served(client: FlaskClient) -> None:
    small = json.dumps(new_session(launch())).encode()
    reply = client.post(
        "/alexa",
        input_stream=io.BytesIO(small),
        content_type="application/json",
        environ_base={"wsgi.input_terminated": True},
    )
    assert "Back Coach" in assert_spoken(reply)


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_a_wrong_method_is_refused_with_405(client: FlaskClient, method: str) -> None:
    reply = client.open("/alexa", method=method, data="{}", content_type="application/json")
    assert_refused(reply, 405)


def test_head_and_other_paths(client: FlaskClient) -> None:
    assert client.head("/alexa").status_code == 405
    assert_refused(client.post("/healthz", data="{}", content_type="application/json"), 405)
    assert_refused(client.post("/", data="{}", content_type="application/json"), 404)
    assert_refused(client.get("/alexa/../etc/passwd"), 404)


# --- valid Alexa requests with surprises: a spoken answer ---------------------------------


def test_an_unknown_intent_is_answered_like_the_fallback(
    client: FlaskClient, counting: dict, caplog: pytest.LogCaptureFixture
) -> None:
    # An interaction model newer than the code: not an error on our side.
    caplog.set_level(logging.INFO)
    # A person of its own: other tests' sessions write newer progress for the shared
    # one, which these older attributes would (rightly) be told about instead.
    user = "amzn1.ask.account.UNKNOWNINTENT"
    reply = post(client, json.dumps(mid_session(intent("SomeNewIntent"), counting, user)))
    said = assert_spoken(reply)
    assert "didn't catch that" in said and 'say "it hurts"' in said
    assert "Say next" in said or "Say ready" in said  # no count starts or goes on
    assert COUNT_STARTS not in with_pauses(reply.get_json()["response"]["outputSpeech"]["ssml"])
    assert reply.get_json()["response"]["shouldEndSession"] is False
    assert "went wrong" not in said
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("empty", ""),
        ("spaces", "   "),
        ("long", "numb " * 5000),
        ("ssml", '</speak><audio src="https://evil.example/a.mp3"/><speak>'),
        ("escapes", "&amp; <b> ]]> \" ' &"),
        ("control characters", "\x00\x07\x1b[31m\u202e"),
        ("lone surrogate", "\ud800 pins and needles"),
        ("emoji", "\U0001f9b5" * 300),
        ("right to left", "\u0645\u0631\u062d\u0628\u0627 " * 40),
    ],
)
def test_absurd_slot_values_get_the_policy_answer(
    client: FlaskClient, counting: dict, name: str, value: str
) -> None:
    for request, expected in [
        (intent("RedFlagIntent", symptom=slot("symptom", value)), "emergency room"),
        (intent("PainIntent", body_part=slot("body_part", value)), "contact your physician"),
        # An exercise name is matched loosely; any answer but an error will do.
        (intent("DoExerciseIntent", exercise=slot("exercise", value)), ""),
        (intent("DescribeExerciseIntent", exercise=slot("exercise", value)), ""),
    ]:
        reply = post(client, json.dumps(mid_session(request, counting)))
        said = assert_spoken(reply)
        assert expected in said and "went wrong" not in said, (name, request, said)
        assert "<audio" not in reply.get_json()["response"]["outputSpeech"]["ssml"]


def test_a_slot_without_a_value_or_resolutions(client: FlaskClient, counting: dict) -> None:
    request = intent("RedFlagIntent", symptom={"name": "symptom", "confirmationStatus": "NONE"})
    assert "emergency room" in assert_spoken(
        post(client, json.dumps(mid_session(request, counting)))
    )
    request = intent("ChooseExerciseIntent", choice={"name": "choice"})
    assert assert_spoken(post(client, json.dumps(mid_session(request, counting))))


@pytest.mark.parametrize(
    ("name", "attributes"),
    [
        ("unsaved is a list", {"u": ["it hurts"]}),
        ("unsaved has no lists", {"u": {"pain": 3}}),
        ("unsaved of another layout", {"u": {"events": []}}),
        ("unsaved holds text", {"u": {"pain": ["it hurts"], "history": []}}),
        ("a question of an older release", {"q": {"kind": "do", "ids": ["zz-gone", 7]}}),
        ("state is a list", {"s": [1, 2, 3]}),
        ("state of a newer version", {"s": "newer"}),
    ],
)
def test_corrupt_session_attributes_do_not_stop_the_pain_policy(
    client: FlaskClient, counting: dict, name: str, attributes: dict
) -> None:
    """Alexa sends back what the skill wrote; anything else must not turn a pain report
    into an error answer."""
    state = copy.deepcopy(counting)
    if attributes.get("s") == "newer":
        attributes = {"s": json.dumps({**json.loads(state["s"]), "v": 99})}
    state.update(attributes)
    said = assert_spoken(post(client, json.dumps(mid_session(intent("PainIntent"), state))))
    assert "went wrong" not in said, name
    assert "contact your physician" in said, name


def test_a_state_object_from_an_earlier_release_resumes_like_the_json_text(
    client: FlaskClient, counting: dict
) -> None:
    """The skill writes the state as JSON text; sessions open across the deploy that
    changed it send back the object an earlier release wrote, and must go on alike."""
    assert isinstance(counting["s"], str)
    as_object = {**counting, "s": json.loads(counting["s"])}
    replies = [
        post(client, json.dumps(mid_session(intent("NextIntent"), attributes)))
        for attributes in (counting, as_object)
    ]
    said = [assert_spoken(reply) for reply in replies]
    assert said[0] == said[1]
    assert "Exercise 1 of 5" not in said[1]  # not a fresh routine
    states = [json.loads(reply.get_json()["sessionAttributes"]["s"]) for reply in replies]
    assert {k: v for k, v in states[0].items() if k != "t"} == {
        k: v for k, v in states[1].items() if k != "t"
    }


def test_a_state_naming_an_exercise_not_in_the_catalog_starts_afresh(
    client: FlaskClient, counting: dict
) -> None:
    state = copy.deepcopy(counting)
    coach_state = json.loads(state["s"])
    coach_state["r"][0][0] = "zz-an-exercise-a-content-update-removed"
    state["s"] = json.dumps(coach_state)
    said = assert_spoken(post(client, json.dumps(mid_session(intent("NextIntent"), state))))
    assert "went wrong" not in said and "Exercise 1 of 5" in said


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("session",), None),
        (("context",), None),
        (("context", "System", "user", "userId"), 12345),
        (("session", "user"), None),
        (("request", "intent"), None),
        (("request", "intent", "name"), None),
        (("request", "intent", "name"), ["PainIntent"]),
        (("request", "locale"), 7),
        (("request", "requestId"), {"id": 1}),
        (("version",), None),
    ],
)
def test_missing_or_wrong_typed_fields_get_a_4xx_or_an_answer(
    client: FlaskClient, counting: dict, where: tuple, value: object
) -> None:
    body = mid_session(intent("PainIntent"), counting)
    node = body
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    reply = post(client, json.dumps(body))
    if reply.status_code == 200:
        assert_spoken(reply)
    else:
        assert_refused(reply, 400)


# --- property: mutated real envelopes -----------------------------------------------------

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**63),
    st.floats(),
    st.text(max_size=30),
    st.text(st.characters(categories=["Cs", "Cc", "Co", "So", "Lo"]), max_size=30),
    st.sampled_from(["", "LaunchRequest", "IntentRequest", "SessionEndedRequest", "v", "s"]),
    st.just("x" * 20_000),
    st.just("y" * (CAP + 1)),
)
JUNK = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=12,
)
STATE_KEYS = ["v", "r", "ph", "i", "s", "k", "p", "g", "n", "pf", "sr", "lp", "d"]
SLOT_TEXT = st.one_of(
    st.text(max_size=60),
    st.text(st.characters(categories=["Cs", "Cc", "Zs", "Lo", "So"]), max_size=60),
    st.sampled_from(["", "<speak>", "&", "]]>", "it hurts", "the bridge", "hip extension"]),
    st.builds(lambda n: "numb " * n, st.integers(0, 3000)),
)


def paths(node: Any, prefix: tuple = ()) -> Iterator[tuple]:
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, child in items:
        yield (*prefix, key)
        if isinstance(child, dict | list):
            yield from paths(child, (*prefix, key))


def parent_of(body: dict, path: tuple) -> Any:
    node: Any = body
    for key in path[:-1]:
        node = node[key]
    return node


@st.composite
def corrupt_state(draw: st.DrawFn, real: dict) -> Any:
    """A coach state that is nearly right, or not one at all."""
    kind = draw(st.sampled_from(["field", "version", "routine", "drop", "junk"]))
    state = copy.deepcopy(real)
    if kind == "field":
        state[draw(st.sampled_from(STATE_KEYS))] = draw(JUNK)
    elif kind == "version":
        state["v"] = draw(st.integers(-2, 3) | st.sampled_from(["1", 1.0, True, None]))
    elif kind == "routine":
        state["r"] = draw(
            st.lists(st.lists(SCALARS | st.sampled_from(["b01-knee-rolls", 1, 5]), max_size=7))
        )
    elif kind == "drop":
        del state[draw(st.sampled_from(sorted(state)))]
    else:
        return draw(JUNK)
    return state


@st.composite
def mutated(draw: st.DrawFn, bases: list[dict]) -> dict:
    body = copy.deepcopy(draw(st.sampled_from(bases)))
    real_state = body["session"]["attributes"].get("s")
    if isinstance(real_state, str):
        real_state = json.loads(real_state)
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["delete", "replace", "state", "slot", "attribute"]))
        session = body.get("session")
        attributes = session.get("attributes") if isinstance(session, dict) else None
        if op == "state" and isinstance(real_state, dict) and isinstance(attributes, dict):
            corrupted = draw(corrupt_state(real_state))
            # as the skill writes it (JSON text), or as an object (an earlier release)
            attributes["s"] = json.dumps(corrupted) if draw(st.booleans()) else corrupted
            continue
        if op == "attribute" and isinstance(attributes, dict):
            attributes[draw(st.sampled_from(["u", "q", "s", "x"]))] = draw(JUNK)
            continue
        request = body.get("request")
        named = request.get("intent") if isinstance(request, dict) else None
        if op == "slot" and isinstance(named, dict) and isinstance(named.get("slots"), dict):
            for name in named["slots"]:
                if isinstance(named["slots"][name], dict):
                    named["slots"][name]["value"] = draw(SLOT_TEXT)
            continue
        everywhere = list(paths(body))
        if not everywhere:
            break
        where = draw(st.sampled_from(everywhere))
        parent = parent_of(body, where)
        if op == "delete":
            del parent[where[-1]]
        else:
            parent[where[-1]] = draw(JUNK)
    return body


@pytest.fixture(scope="module")
def bases(counting: dict) -> list[dict]:
    """Real envelopes: a launch, intents mid-routine with slots, and a session end."""
    with_slots = [
        intent("PainIntent", body_part=slot("body_part", "lower back", [("back", "back")])),
        intent("RedFlagIntent", symptom=slot("symptom", "numb", [("numbness_tingling", "numb")])),
        intent("DoExerciseIntent", exercise=slot("exercise", "the bridge")),
        intent("ChooseExerciseIntent", choice=slot("choice", "on all fours")),
        intent("NextIntent"),
        intent("AMAZON.YesIntent"),
    ]
    asked = {**json.loads(counting["s"]), "q": ["which", ["a08-hip-extension"], 0, ""]}
    question = {**counting, "s": json.dumps(asked)}
    return [
        new_session(launch()),
        *(mid_session(request, counting) for request in with_slots),
        mid_session(intent("ChooseExerciseIntent", choice=slot("choice", "fours")), question),
        mid_session(session_ended("EXCEEDED_MAX_REPROMPTS"), counting),
    ]


@settings(
    max_examples=600,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_mutated_real_requests_never_get_a_5xx(
    client: FlaskClient, bases: list[dict], data: st.DataObject
) -> None:
    body = data.draw(mutated(bases))
    reply = post(client, json.dumps(body))  # ASCII: lone surrogates go as \ud800 escapes
    event(f"status {reply.status_code}")  # shown by --hypothesis-show-statistics
    assert reply.status_code in {200, *REFUSALS}, reply.get_data(as_text=True)[:300]
    if reply.status_code != 200:
        assert_refused(reply, reply.status_code)
        return
    request = body.get("request") if isinstance(body, dict) else None
    if isinstance(request, dict) and request.get("type") == "SessionEndedRequest":
        assert reply.get_json()["version"] == "1.0"
        assert "Traceback" not in reply.get_data(as_text=True)
        return
    said = assert_spoken(reply)
    event("answered by the error handler" if "went wrong" in said else "answered")
