"""EnvelopeSerializer reads every request into the same objects as the SDK's own
DefaultSerializer, raises where it raises, and serializes back the same."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any, ClassVar

import pytest
from ask_sdk_core.exceptions import AskSdkException, SerializationException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import IntentRequest, LaunchRequest, RequestEnvelope, SessionEndedRequest, Slot
from ask_sdk_model.interfaces.viewport.apl_viewport_state import APLViewportState
from ask_sdk_model.slu.entityresolution import StatusCode
from ask_sdk_model.slu.entityresolution.resolution import Resolution
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from backcoach_dev.bench.workload import Workload, record_conversations
from backcoach_dev.chat.requests import envelope, intent, launch, session_ended, slot
from skill.app import create_app
from skill.envelope import EnvelopeSerializer
from skill.interaction_model import MODEL_DIR
from skill.store import MemoryStore

# What the webhook catches around deserializing: the fast path may raise nothing else.
ROUTE_CATCHES = (AskSdkException, ValueError, TypeError, AttributeError, KeyError)

SDK = DefaultSerializer()
FAST = EnvelopeSerializer()
USER = "amzn1.ask.account.TESTUSER"
SESSION = "amzn1.echo-api.session.TEST"


def sdk_read(payload: Any, obj_type: Any = RequestEnvelope) -> Any:
    return SDK.deserialize(json.dumps(payload), obj_type)


def assert_same(fast: Any, sdk: Any, path: str = "envelope") -> None:
    """The same classes all the way down and equal values (stricter than the models' ==,
    which only checks isinstance against the base class)."""
    assert type(fast) is type(sdk), path
    if isinstance(sdk, Enum) or not hasattr(sdk, "deserialized_types"):
        if isinstance(sdk, dict):
            assert list(fast) == list(sdk), path
            for key in sdk:
                assert_same(fast[key], sdk[key], f"{path}[{key!r}]")
        elif isinstance(sdk, list):
            assert len(fast) == len(sdk), path
            for index, (a, b) in enumerate(zip(fast, sdk, strict=True)):
                assert_same(a, b, f"{path}[{index}]")
        elif isinstance(sdk, datetime):
            assert_same_time(fast, sdk)
        else:
            assert fast == sdk, path
        return
    assert list(vars(fast)) == list(vars(sdk)), path
    for name, value in vars(sdk).items():
        assert_same(getattr(fast, name), value, f"{path}.{name}")


def assert_same_time(fast: datetime, sdk: datetime) -> None:
    assert fast == sdk
    assert fast.isoformat() == sdk.isoformat()
    assert fast.utcoffset() == sdk.utcoffset()
    assert fast.tzname() == sdk.tzname()
    assert fast.microsecond == sdk.microsecond


def assert_reads_the_same(payload: Any) -> Any:
    sdk = sdk_read(payload)
    fast = FAST.deserialize_payload(payload)
    assert fast == sdk
    assert_same(fast, sdk)
    return fast


def outcome(read: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "read", read()
    except Exception as error:
        return "raised", error


# -- real requests ------------------------------------------------------------------------


def wrap(request: dict[str, Any], **options: Any) -> dict[str, Any]:
    options = {"user_id": USER, "session_id": SESSION, "new": False, "attributes": {}} | options
    return envelope(request, **options)


def model_requests() -> Iterator[dict[str, Any]]:
    """Every intent of the interaction model, bare and with each of its slots filled by
    every value of the slot's type (matched) and by words that match nothing."""
    model = json.loads((MODEL_DIR / "en-US.json").read_text(encoding="utf-8"))
    language = model["interactionModel"]["languageModel"]
    values = {t["name"]: t["values"] for t in language["types"]}
    for item in language["intents"]:
        yield intent(item["name"])
        for declared in item.get("slots", []):
            name = declared["name"]
            yield intent(item["name"], **{name: slot(name, None)})
            yield intent(item["name"], **{name: slot(name, "a thing nobody says")})
            for value in values.get(declared["type"], [{"id": "42", "name": {"value": "42"}}]):
                matched = [(value["id"], value["name"]["value"])]
                yield intent(item["name"], **{name: slot(name, value["name"]["value"], matched)})


BUILT = [
    wrap(launch(), new=True),
    wrap(launch(), new=True, locale="en-GB", timestamp="2026-11-30T13:45:32.123Z"),
    wrap(intent("StartRoutineIntent"), attributes={"s": '{"v":1,"ph":"counting"}'}),
    wrap(
        intent("PainIntent", body_part=slot("body_part", "my back", [("back", "back")])),
        attributes={"s": {"ph": "pain_check", "r": [["b01", None, 5, 1.5, True]]}, "c": None},
    ),
    wrap(
        intent(
            "DoExerciseIntent",
            exercise=slot("exercise", "bridge", [("a04-pelvic-lift", "Bridge"), ("x", "X")]),
        )
    ),
    wrap(session_ended()),
    wrap(session_ended("EXCEEDED_MAX_REPROMPTS")),
    wrap(session_ended("ERROR"), timestamp="2026-11-30T13:45:32.5Z"),
    *(wrap(request) for request in model_requests()),
]


def full_request() -> dict[str, Any]:
    """A request as a real Echo Show sends it, with everything a context can carry, fields
    the SDK does not know, and nulls."""
    application = {"applicationId": "amzn1.ask.skill.full"}
    user = {
        "userId": USER,
        "accessToken": None,
        "permissions": {"consentToken": "consent"},
    }
    authority = "amzn1.er-authority.echo-sdk.amzn1.ask.skill.full.EXERCISE"
    return {
        "version": "1.0",
        "session": {
            "new": False,
            "sessionId": SESSION,
            "application": application,
            "attributes": {
                "s": {"ph": "counting", "r": [["b01", None, 5, 1, 15]], "nested": {"a": [{}]}},
                "c": "2026-11-30T13:44:00+00:00",
                "n": None,
                "f": 1.25,
            },
            "user": user,
            "affiliatedResources": [],
        },
        "context": {
            "System": {
                "application": application,
                "user": user,
                "device": {
                    "deviceId": "amzn1.ask.device.FULL",
                    "persistentEndpointId": "endpoint",
                    "supportedInterfaces": {
                        "AudioPlayer": {},
                        "Alexa.Presentation.APL": {"runtime": {"maxVersion": "2024.2"}},
                        "Display": {"templateVersion": "1.0", "markupVersion": "1.0"},
                    },
                },
                "unit": {"unitId": "amzn1.ask.unit.FULL", "persistentUnitId": None},
                "person": {"personId": "amzn1.ask.person.FULL"},
                "apiEndpoint": "https://api.eu.amazonalexa.com",
                "apiAccessToken": "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.e30.sig",
            },
            "AudioPlayer": {
                "playerActivity": "PAUSED",
                "token": "track-1",
                "offsetInMilliseconds": 5123,
            },
            "Viewport": {
                "experiences": [
                    {"arcMinuteWidth": 246, "arcMinuteHeight": 144, "canRotate": False}
                ],
                "mode": "HUB",
                "shape": "RECTANGLE",
                "pixelWidth": 1280,
                "pixelHeight": 800,
                "dpi": 160,
                "currentPixelWidth": 1280,
                "currentPixelHeight": 800,
                "touch": ["SINGLE"],
                "keyboard": ["DIRECTION"],
                "video": {"codecs": ["H_264_42", "H_264_41"]},
            },
            "Viewports": [
                {
                    "type": "APL",
                    "id": "main",
                    "shape": "RECTANGLE",
                    "dpi": 213,
                    "presentationType": "STANDARD",
                    "canRotate": False,
                    "configuration": {"current": {"mode": "HUB", "video": {"codecs": []}}},
                }
            ],
            "Extensions": {"available": {"aplext:backstack:10": {}}},
            "Some.Future.Interface": {"state": [1, 2, {"x": None}]},
        },
        "request": {
            "type": "IntentRequest",
            "requestId": "amzn1.echo-api.request.FULL",
            "timestamp": "2026-11-30T13:45:32Z",
            "locale": "en-GB",
            "dialogState": "IN_PROGRESS",
            "intent": {
                "name": "DoExerciseIntent",
                "confirmationStatus": "NONE",
                "slots": {
                    "exercise": {
                        "name": "exercise",
                        "value": "the bridge",
                        "confirmationStatus": "CONFIRMED",
                        "source": "USER",
                        "resolutions": {
                            "resolutionsPerAuthority": [
                                {
                                    "authority": authority,
                                    "status": {"code": "ER_SUCCESS_MATCH"},
                                    "values": [
                                        {"value": {"name": "Bridge", "id": "a04-pelvic-lift"}},
                                        {"value": {"name": "Side bridge", "id": "a09"}},
                                    ],
                                },
                                {
                                    "authority": "amzn1.er-authority.echo-sdk.dynamic",
                                    "status": {"code": "ER_SUCCESS_NO_MATCH"},
                                },
                            ]
                        },
                        "slotValue": {
                            "type": "Simple",
                            "value": "the bridge",
                            "resolutions": {
                                "resolutionsPerAuthority": [
                                    {
                                        "authority": authority,
                                        "status": {"code": "ER_SUCCESS_NO_MATCH"},
                                        "values": [],
                                    }
                                ]
                            },
                        },
                    },
                    "body_part": {
                        "name": "body_part",
                        "confirmationStatus": "NONE",
                        "slotValue": {
                            "type": "List",
                            "values": [
                                {"type": "Simple", "value": "back"},
                                {"type": "Simple", "value": "hips"},
                            ],
                        },
                    },
                    "empty": {"name": "empty", "value": None, "confirmationStatus": "NONE"},
                },
            },
            "unknownRequestField": {"deep": [None, True, 1.5]},
        },
        "unknownTopLevel": [1, "two"],
    }


def full_session_ended() -> dict[str, Any]:
    body = full_request()
    body["request"] = {
        "type": "SessionEndedRequest",
        "requestId": "amzn1.echo-api.request.ENDED",
        "timestamp": "2026-11-30T13:45:32.123Z",
        "locale": "en-US",
        "reason": "ERROR",
        "error": {"type": "INVALID_RESPONSE", "message": "An exception occurred", "extra": 1},
    }
    return body


SEEDS = [*BUILT, full_request(), full_session_ended()]


@cache
def recorded_bodies() -> list[dict[str, Any]]:
    """The bench's own mix: requests recorded from conversations with the real skill
    (session attributes as the skill returned them), replayed for 100 users."""
    work = Workload(record_conversations(8), users=100)
    return [json.loads(work.render(item)) for item in work.items]


# -- the same objects ---------------------------------------------------------------------


@pytest.mark.parametrize("payload", BUILT, ids=lambda p: p["request"]["type"])
def test_built_requests_read_the_same(payload: dict[str, Any]) -> None:
    assert_reads_the_same(payload)


def test_recorded_conversations_read_the_same() -> None:
    bodies = recorded_bodies()
    assert len(bodies) == 300
    assert any(isinstance(body["session"]["attributes"].get("s"), str) for body in bodies)
    for body in bodies:
        assert_reads_the_same(body)


def test_full_intent_request_reads_the_same() -> None:
    fast = assert_reads_the_same(full_request())
    assert type(fast.request) is IntentRequest
    slots = fast.request.intent.slots
    per_authority = slots["exercise"].resolutions.resolutions_per_authority
    assert all(type(resolution) is Resolution for resolution in per_authority)
    assert [r.status.code for r in per_authority] == [
        StatusCode.ER_SUCCESS_MATCH,
        StatusCode.ER_SUCCESS_NO_MATCH,
    ]
    assert [type(v).__name__ for v in slots["body_part"].slot_value.values] == [
        "SimpleSlotValue",
        "SimpleSlotValue",
    ]
    assert type(fast.context.viewports[0]) is APLViewportState
    assert fast.context.system.api_access_token.startswith("eyJ0")
    assert fast.context.system.user.access_token is None
    assert fast.context.audio_player.offset_in_milliseconds == 5123
    assert fast.session.attributes["s"]["nested"] == {"a": [{}]}
    assert fast.request.locale == "en-GB"
    assert fast.request.unknownRequestField == {"deep": [None, True, 1.5]}
    assert fast.unknownTopLevel == [1, "two"]


def test_session_ended_with_error_reads_the_same() -> None:
    fast = assert_reads_the_same(full_session_ended())
    assert type(fast.request) is SessionEndedRequest
    assert fast.request.error.message == "An exception occurred"
    assert fast.request.error.extra == 1
    assert fast.request.timestamp.microsecond == 123000


def test_unknown_keys_are_set_after_the_fields_they_shadow() -> None:
    body = wrap(launch())
    body["request"]["request_id"] = "set last"  # the attribute requestId is read into
    body["session"]["session_id"] = None
    fast = assert_reads_the_same(body)
    assert fast.request.request_id == "set last"
    assert fast.session.session_id is None


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("request", {"requestId": "no type"}),
        ("request", {"type": "NoSuchRequest"}),
        ("request", {"type": ["IntentRequest"]}),
        ("request", {"type": "LaunchRequest", "timestamp": 1700000000}),
        ("request", {"type": "LaunchRequest", "timestamp": ["2026-11-30T13:45:32Z"]}),
        ("request", {"type": "LaunchRequest", "locale": {"en": "US"}}),
        ("request", {"type": "IntentRequest", "dialogState": "HALFWAY"}),
        ("request", {"type": "IntentRequest", "intent": {"slots": [{"name": "x"}]}}),
        ("request", {"type": "IntentRequest", "intent": {"slots": "abc"}}),
        ("request", {"type": "IntentRequest", "intent": {"slots": {"x": {"slotValue": {}}}}}),
        ("request", ""),
        ("request", []),
        ("request", "requestId"),
        ("session", {"attributes": ["s"]}),
        ("session", {"attributes": 7}),
        ("context", {"Viewports": {"APL": {}}}),
        ("context", {"Viewports": "APL"}),
        ("context", {"Viewports": [{"type": "APLT", "id": 7}]}),
        ("context", {"AudioPlayer": {"offsetInMilliseconds": "12"}}),
        ("context", {"AudioPlayer": {"offsetInMilliseconds": 1e400}}),
        ("context", {"AudioPlayer": {"offsetInMilliseconds": "twelve"}}),
        ("context", {"Viewport": {"dpi": True, "touch": ["SINGLE", "TRIPLE"]}}),
    ],
)
def test_odd_values_read_or_raise_the_same(where: str, value: Any) -> None:
    body = full_request()
    body[where] = value
    kind, sdk = outcome(lambda: sdk_read(body))
    fast_kind, fast = outcome(lambda: FAST.deserialize_payload(body))
    assert (fast_kind, type(fast)) == (kind, type(sdk))
    if kind == "raised":
        assert str(fast) == str(sdk)
    else:
        assert_same(fast, sdk)


def test_launch_reads_as_a_launch_request() -> None:
    fast = assert_reads_the_same(BUILT[0])
    assert type(fast.request) is LaunchRequest
    assert fast.session.new is True


@pytest.mark.parametrize(
    "stamp",
    [
        "2026-11-30T13:45:32Z",
        "2026-11-30T13:45:32.123Z",
        "2026-11-30T13:45:32.1Z",
        "2026-11-30T13:45:32.123456Z",
        "2026-11-30T13:45:32.1234567Z",  # not Alexa's form: dateutil reads it
        "2026-11-30T13:45:32+01:00",
        "2026-11-30T13:45:32",
        "2026-11-30 13:45:32Z",
        "2026-11-30",
        "30 Nov 2026 13:45",
        "0099-01-01T00:00:00Z",
    ],
)
def test_timestamps_read_the_same(stamp: str) -> None:
    body = wrap(launch(), timestamp=stamp)
    fast = assert_reads_the_same(body)
    assert_same_time(fast.request.timestamp, sdk_read(body).request.timestamp)


@pytest.mark.parametrize(
    "stamp",
    ["2026-13-30T13:45:32Z", "2026-02-29T00:00:00Z", "2026-11-30T24:00:00Z", "soon", 1700000000],
)
def test_unreadable_timestamps_raise_as_the_sdk_does(stamp: Any) -> None:
    body = wrap(launch(), timestamp=stamp)
    with pytest.raises(SerializationException) as sdk:
        sdk_read(body)
    with pytest.raises(SerializationException) as fast:
        FAST.deserialize_payload(body)
    assert str(fast.value) == str(sdk.value)


@given(
    moment=st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
    digits=st.integers(0, 6),
)
def test_alexa_timestamps_read_as_dateutil_reads_them(moment: datetime, digits: int) -> None:
    stamp = moment.isoformat(timespec="seconds")
    if digits:
        stamp += "." + f"{moment.microsecond:06d}"[:digits]
    fast = FAST.deserialize_payload(stamp + "Z", "datetime")
    sdk = sdk_read(stamp + "Z", "datetime")
    assert_same_time(fast, sdk)


# -- any JSON: the same objects or the same exception ------------------------------------

KEYS = st.sampled_from(
    ["type", "value", "name", "values", "requestId", "request_id", "object_type", "slots", "x"]
)
STRINGS = st.sampled_from(
    [
        "",
        "version",
        "type",
        "NONE",
        "CONFIRMED",
        "ER_SUCCESS_MATCH",
        "LaunchRequest",
        "IntentRequest",
        "SessionEndedRequest",
        "Simple",
        "List",
        "APL",
        "2026-11-30T13:45:32Z",
        "2026-11-30T13:45:32.5Z",
        "2026-19-30T13:45:32Z",
        "12",
        "1.5",
    ]
)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=6)
    | STRINGS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(KEYS | st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)


def places(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every subtree of a JSON value, as the path of keys and indexes to it."""
    yield path
    items: Any = ()
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    for key, value in items:
        yield from places(value, (*path, key))


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    """A real request with one to three subtrees replaced, keys added or keys dropped."""
    payload = copy.deepcopy(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(list(places(payload))))
        if not path:
            return draw(JSON)
        parent = payload
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "add", "drop"]))
        if action == "add" and isinstance(parent, dict):
            parent[draw(KEYS)] = draw(JSON)
        elif action == "drop" and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(JSON)
    return payload


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=mutated())
def test_mutated_requests_read_or_raise_the_same(payload: Any) -> None:
    kind, sdk = outcome(lambda: sdk_read(payload))
    fast_kind, fast = outcome(lambda: FAST.deserialize_payload(payload))
    event(f"the SDK {kind} it")
    if fast_kind == "raised":
        assert isinstance(fast, ROUTE_CATCHES), repr(fast)
    assert fast_kind == kind, (fast, sdk)
    if kind == "raised":
        assert type(fast) is type(sdk)
        assert str(fast) == str(sdk)
    else:
        assert fast == sdk
        assert_same(fast, sdk)
        assert json.dumps(FAST.serialize(fast)) == json.dumps(SDK.serialize(sdk))


@pytest.mark.parametrize(
    ("payload", "obj_type"),
    [
        (
            {"exercise": slot("exercise", "bridge", [("a04", "Bridge")])},
            "dict(str, ask_sdk_model.slot.Slot)",
        ),
        ([1, "2", None], "list[int]"),
        (["a", {"b": 1}], "list[str]"),
        ("2026-11-30T13:45:32Z", "date"),
        (intent("NextIntent")["intent"], "ask_sdk_model.intent.Intent"),
        ("CONFIRMED", "ask_sdk_model.slot_confirmation_status.SlotConfirmationStatus"),
        ("MAYBE", "ask_sdk_model.slot_confirmation_status.SlotConfirmationStatus"),
        ({"a": 1}, "ask_sdk_model.no_such_module.Thing"),
        ("12x", "int"),
        ({"requestId": "no type"}, "ask_sdk_model.request.Request"),
        ({"type": "LaunchRequest", "timestamp": 5}, "ask_sdk_model.request.Request"),
        ([{"type": "IntentRequest"}, {"type": 1}], "list[ask_sdk_model.request.Request]"),
        ({"a": 1}, "collections.OrderedDict"),
        ({"a": 1}, "json.dumps"),
        ([[1, 2], "3"], "list[int, str]"),
        ({"a": 1}, "dict[str, int]"),
        ({"k": [1]}, "object"),
        (None, RequestEnvelope),
        ([], RequestEnvelope),
        ("version", RequestEnvelope),
    ],
)
def test_other_types_read_or_raise_the_same(payload: Any, obj_type: Any) -> None:
    kind, sdk = outcome(lambda: sdk_read(payload, obj_type))
    fast_kind, fast = outcome(lambda: FAST.deserialize(json.dumps(payload), obj_type))
    assert (fast_kind, type(fast)) == (kind, type(sdk))
    if kind == "raised":
        assert str(fast) == str(sdk)
    else:
        assert_same(fast, sdk)


class Gadget:
    """A model of the SDK's shape with the irregular bits ask_sdk_model never has: typed
    attributes missing from ``attribute_map`` and a mapped attribute without a type."""

    deserialized_types: ClassVar[dict[str, str]] = {
        "name": "str",
        "size": "int",
        "parts": f"list[{__name__}.Part]",
        "made": "datetime",
    }
    attribute_map: ClassVar[dict[str, str]] = {"name": "gadgetName", "ghost": "ghostKey"}

    def __init__(self) -> None:
        self.name = self.size = self.parts = self.made = None

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and vars(other) == vars(self)

    __hash__ = None  # type: ignore[assignment]


class NotAModel:
    pass


class Part(Gadget):
    """A base class whose JSON names its real class, as ``Request`` does with "type"."""

    discriminator_value_class_map: ClassVar[dict[str, str]] = {
        "gadget": f"{__name__}.Gadget",
        "plain": f"{__name__}.NotAModel",
        "missing": f"{__name__}.NoSuchClass",
    }

    @classmethod
    def get_real_child_model(cls, data: dict[str, Any]) -> str | None:
        return cls.discriminator_value_class_map.get(data["kind"])


@pytest.mark.parametrize(
    "payload",
    [
        {"gadgetName": "g", "size": "3", "made": "2026-11-30T13:45:32.25Z", "other": [1]},
        {"gadgetName": "g", "parts": [{"kind": "gadget", "size": 2.0}, None]},
        {"name": "raw", "size": 1, "made": "2026-11-30", "parts": []},
        {"ghostKey": 1},
        {"parts": [{"kind": "plain"}]},
        {"parts": [{"kind": "missing"}]},
        {"parts": [{"kind": "other"}]},
        {"parts": [{"size": 1}]},
        {"parts": ["", []]},
    ],
)
def test_irregular_models_read_or_raise_the_same(payload: dict[str, Any]) -> None:
    kind, sdk = outcome(lambda: sdk_read(payload, f"{__name__}.Gadget"))
    fast_kind, fast = outcome(lambda: FAST.deserialize_payload(payload, Gadget))
    assert (fast_kind, type(fast)) == (kind, type(sdk))
    if kind == "raised":
        assert str(fast) == str(sdk)
    else:
        assert_same(fast, sdk)


# -- text in, JSON out --------------------------------------------------------------------


@pytest.mark.parametrize("payload", [*SEEDS[:8], full_request(), full_session_ended()])
def test_deserialize_reads_text_the_same(payload: dict[str, Any]) -> None:
    text = json.dumps(payload)
    assert_same(FAST.deserialize(text, RequestEnvelope), SDK.deserialize(text, RequestEnvelope))


@pytest.mark.parametrize("text", ["{", "", "nul", '{"version": 1'])
def test_bad_json_raises_serialization_exception(text: str) -> None:
    with pytest.raises(SerializationException) as sdk:
        SDK.deserialize(text, RequestEnvelope)
    with pytest.raises(SerializationException) as fast:
        FAST.deserialize(text, RequestEnvelope)
    assert str(fast.value) == str(sdk.value)


def test_no_text_reads_as_none() -> None:
    assert FAST.deserialize(None, RequestEnvelope) is None


@pytest.mark.parametrize("payload", [*SEEDS[:8], full_request(), full_session_ended()])
def test_round_trip_serializes_the_same(payload: dict[str, Any]) -> None:
    fast = FAST.serialize(FAST.deserialize_payload(payload))
    sdk = SDK.serialize(sdk_read(payload))
    assert fast == sdk
    assert json.dumps(fast) == json.dumps(sdk)  # the same keys in the same order


def test_the_skills_responses_serialize_the_same() -> None:
    """Every answer of the recorded conversations: the same JSON, key for key."""
    app = create_app({"store": MemoryStore(), "ALEXA_VERIFY_SIGNATURE": "0"})
    skill = app.extensions["backcoach"]["skill"]
    kinds = set()
    for body in recorded_bodies():
        response = skill.invoke(request_envelope=FAST.deserialize_payload(body), context=None)
        fast, sdk = FAST.serialize(response), SDK.serialize(response)
        assert json.dumps(fast) == json.dumps(sdk)
        kinds.add(response.response.reprompt is None)
    assert kinds == {True, False}  # answers with and without a reprompt


@pytest.mark.parametrize(
    "value",
    [
        None,
        "text",
        7,
        2.5,
        True,
        b"raw",
        Decimal("3"),
        Decimal("3.5"),
        datetime(2026, 11, 30, 13, 45, 32, tzinfo=UTC),
        date(2026, 11, 30),
        StatusCode.ER_SUCCESS_MATCH,
        [StatusCode.ER_SUCCESS_NO_MATCH, None, {"a": [1, "b"]}],
        (1, "two", None),
        {"nested": {"slot": Slot(name="x", value="y")}, "none": None},
        Slot(name="exercise", value=None),
    ],
    ids=repr,
)
def test_values_of_every_kind_serialize_the_same(value: Any) -> None:
    fast, sdk = FAST.serialize(value), SDK.serialize(value)
    assert fast == sdk
    assert type(fast) is type(sdk)
    if isinstance(fast, dict):
        assert list(fast) == list(sdk)


# -- the per-request work is done once -----------------------------------------------------


def test_classes_and_timestamps_are_not_resolved_again(monkeypatch: pytest.MonkeyPatch) -> None:
    serializer = EnvelopeSerializer()
    expected = serializer.deserialize_payload(full_request())

    def again(*args: Any) -> Any:
        raise AssertionError(f"resolved again: {args}")

    for step in ("load_class_from_name", "get_obj_by_discriminator", "deserialize_datetime"):
        monkeypatch.setattr(DefaultSerializer, f"_DefaultSerializer__{step}", again)
    assert_same(serializer.deserialize_payload(full_request()), expected)
