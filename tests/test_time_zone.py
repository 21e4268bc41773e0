"""The person's own days: the device's time zone from the Alexa Settings API.

Alexa-shaped requests against the real redis-server; the lookup is an injected loader
that counts its calls, or the real urllib loader against a local HTTP server.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import redis
from flask.testing import FlaskClient

from skill.store import RedisStore, keys_for
from skill.timezone import ALEXA_API_HOSTS, fetch_time_zone, settings_url, zone_named
from tests.redis_server import people_keys

from .alexa import Device
from .conftest import AppFactory
from .test_store import RoundTrips
from .test_webhook import text

LOS_ANGELES = "America/Los_Angeles"
ENDPOINT = "https://api.amazonalexa.com"
TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.PRIVATE-TOKEN.sig"
DEVICE_ID = "amzn1.ask.device.AEPRIVATEDEVICEID0123456789ABCDEF"
USER = "amzn1.ask.account.AFTIMEZONEUSER0123456789ABCDEFGHIJ"


class Loader:
    """An injected time zone loader: answers ``zone`` and records every call."""

    def __init__(self, zone: str | None = LOS_ANGELES, error: Exception | None = None) -> None:
        self.zone = zone
        self.error = error
        self.calls: list[tuple[str, str, str]] = []

    def __call__(self, api_endpoint: str, token: str, device_id: str) -> str | None:
        self.calls.append((api_endpoint, token, device_id))
        if self.error is not None:
            raise self.error
        return self.zone


ClientFactory = Callable[..., FlaskClient]


@pytest.fixture
def raw(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


@pytest.fixture
def app_with(make_app: AppFactory) -> ClientFactory:
    """``app_with(**config)``: a client of the webhook over the session's Redis."""

    def make(**config: Any) -> FlaskClient:
        return make_app(**config).test_client()

    return make


def echo(client: FlaskClient, user_id: str = USER) -> Device:
    """An Echo whose requests carry the Alexa API endpoint, token and device id."""
    return Device(
        client, user_id, device_id=DEVICE_ID, api_endpoint=ENDPOINT, api_access_token=TOKEN
    )


def set_clock(device: Device, local: str, zone: str = LOS_ANGELES) -> None:
    """Make the device's next request happen at ``local`` time in ``zone``."""
    when = datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone))
    device.clock_offset = when - datetime.now(UTC)


def exercise(device: Device) -> None:
    """Launch, do the first exercise and stop: a day exercised (partly done)."""
    device.launch()
    device.say("StartRoutineIntent")
    device.say("ReadyIntent")
    device.say("NextIntent")
    device.say("AMAZON.StopIntent")
    assert device.ended


# --- the person's own days ---------------------------------------------------------------


def test_los_angeles_afternoon_then_next_evening_is_two_days_in_a_row(
    app_with: ClientFactory,
) -> None:
    """14:00 then 17:00 the next day in Los Angeles: 22:00 UTC, then 01:00 UTC two
    days on, a broken streak in UTC; the person sees two days in a row."""
    for zone, expected in ((LOS_ANGELES, True), (None, False)):  # None: the UTC control
        device = echo(app_with(time_zone_loader=Loader(zone)))
        device.user_id = f"{USER}{zone is None}"
        set_clock(device, "2026-11-23T14:00:00")
        exercise(device)
        set_clock(device, "2026-11-24T17:00:00")
        said = text(device.launch())
        assert ("Welcome back, that's 2 days in a row." in said) is expected, said
        progress = text(device.say("ProgressIntent"))
        # Today (the 24th) is not done yet, yesterday is: a 1-day streak.  In UTC
        # "today" is already the 25th and the 23rd is two days back.
        streak = "Your streak is 1 day." if expected else "You haven't exercised today"
        assert streak in progress, progress
        device.say("AMAZON.StopIntent")
        exercise(device)
        set_clock(device, "2026-11-24T18:00:00")
        device.launch()
        progress = text(device.say("ProgressIntent"))
        assert ("That's 2 days in a row." in progress) is expected, progress


def test_los_angeles_evenings_at_six_and_eight_are_two_days_in_a_row(
    app_with: ClientFactory,
) -> None:
    device = echo(app_with(time_zone_loader=Loader()))
    set_clock(device, "2026-11-23T18:00:00")
    exercise(device)
    set_clock(device, "2026-11-24T20:00:00")
    assert "Welcome back, that's 2 days in a row." in text(device.launch())


def test_days_this_week_start_on_the_local_monday(app_with: ClientFactory) -> None:
    """Sunday 17:00 in Los Angeles is Monday 01:00 UTC: not this week on Monday."""
    for zone, week in ((LOS_ANGELES, "0 days"), (None, "1 day")):
        device = echo(app_with(time_zone_loader=Loader(zone)))
        device.user_id = f"{USER}{zone is None}"
        set_clock(device, "2026-11-22T17:00:00")  # a Sunday
        exercise(device)
        set_clock(device, "2026-11-23T10:00:00")  # Monday morning, 18:00 UTC
        device.launch()
        said = text(device.say("ProgressIntent"))
        assert f"This week, you've exercised on {week}." in said, said


def test_the_last_pain_report_is_dated_in_the_local_zone(app_with: ClientFactory) -> None:
    device = echo(app_with(time_zone_loader=Loader()))
    set_clock(device, "2026-11-23T19:00:00")  # 03:00 UTC on the 24th
    device.launch()
    device.say("StartRoutineIntent")
    device.say("ReadyIntent")
    device.say("PainIntent")
    device.say("AMAZON.NoIntent")
    set_clock(device, "2026-11-24T09:00:00")
    assert "How is your back today" in text(device.launch())
    said = text(device.say("ProgressIntent"))
    assert "on November 23" in said, said


# --- looked up once, kept in Redis ---------------------------------------------------------


def test_the_zone_is_looked_up_on_the_first_launch_only(
    app_with: ClientFactory, raw: redis.Redis
) -> None:
    loader = Loader()
    device = echo(app_with(time_zone_loader=loader))
    device.launch()
    assert loader.calls == [(ENDPOINT, TOKEN, DEVICE_ID)]
    assert device.attributes["z"] == LOS_ANGELES
    key = keys_for(USER).time_zone
    assert raw.get(key) == LOS_ANGELES
    assert 29 * 86_400 < raw.ttl(key) <= 30 * 86_400
    device.say("StartRoutineIntent")  # mid-session: never asked
    device.say("ProgressIntent")
    device.say("AMAZON.StopIntent")
    assert len(loader.calls) == 1

    device.later(timedelta(days=1))
    device.launch()  # the second session reads it from Redis
    device.say("HelpIntent")
    assert len(loader.calls) == 1 and device.attributes["z"] == LOS_ANGELES


def test_a_launch_with_a_cached_zone_makes_no_outbound_call(
    app_with: ClientFactory, raw: redis.Redis
) -> None:
    raw.set(keys_for(USER).time_zone, "Asia/Tokyo", ex=86_400)
    loader = Loader()
    device = echo(app_with(time_zone_loader=loader))
    device.launch()
    assert loader.calls == []
    assert device.attributes["z"] == "Asia/Tokyo"


def test_the_zone_is_asked_again_once_it_has_expired(
    app_with: ClientFactory, raw: redis.Redis
) -> None:
    loader = Loader("Europe/Paris")
    device = echo(app_with(time_zone_loader=loader))
    device.launch()
    assert raw.delete(keys_for(USER).time_zone) == 1  # as 30 days would
    device.say("AMAZON.StopIntent")
    device.launch()
    assert len(loader.calls) == 2 and raw.get(keys_for(USER).time_zone) == "Europe/Paris"


def test_a_new_session_begun_by_an_intent_looks_it_up_too(app_with: ClientFactory) -> None:
    """ "Alexa, ask back coach how am I doing": a session's first request, not a launch."""
    loader = Loader()
    device = echo(app_with(time_zone_loader=loader))
    device.say("ProgressIntent")
    assert len(loader.calls) == 1 and device.attributes["z"] == LOS_ANGELES


def test_a_session_without_a_zone_is_never_asked_mid_session(app_with: ClientFactory) -> None:
    """A session open across the deploy (no "z" yet): UTC until its next launch."""
    loader = Loader()
    device = echo(app_with(time_zone_loader=loader))
    device.launch()
    del device.attributes["z"]
    device.say("StartRoutineIntent")
    device.say("ProgressIntent")
    assert len(loader.calls) == 1 and "z" not in device.attributes


def test_a_forged_zone_in_the_session_is_utc(app_with: ClientFactory) -> None:
    loader = Loader()
    device = echo(app_with(time_zone_loader=loader))
    device.launch()
    for forged in ("../../../etc/passwd", "Mars/Olympus_Mons", 7, "x" * 500):
        device.attributes["z"] = forged
        said = text(device.say("ProgressIntent"))
        assert "I don't have any sessions for you yet." in said
    assert len(loader.calls) == 1


def test_chat_requests_have_no_api_endpoint_and_count_in_utc(app_with: ClientFactory) -> None:
    loader = Loader()
    device = Device(app_with(time_zone_loader=loader))  # as make chat sends
    assert "Welcome to Back Coach." in text(device.launch())
    assert loader.calls == [] and "z" not in device.attributes
    assert "apiEndpoint" not in json.dumps(device.last)


def test_a_launch_that_looks_up_the_zone_is_still_two_round_trips(
    make_app: AppFactory, redis_url: str, raw: redis.Redis, request: pytest.FixtureRequest
) -> None:
    trips = RoundTrips()
    store = RedisStore.from_url(redis_url, connection_class=trips.connection_class)
    request.addfinalizer(store.close)
    assert store.ping()
    loader = Loader()
    app = make_app(store=store, time_zone_loader=loader)
    device = echo(app.test_client())
    said: list[str] = []
    # One pipelined read (with the stored zone), one write (with the new zone).
    assert trips.measure(lambda: said.append(text(device.launch()))) == 2
    assert len(loader.calls) == 1 and raw.get(keys_for(USER).time_zone) == LOS_ANGELES
    assert "Welcome to Back Coach." in said[0]
    assert trips.measure(lambda: device.say("StartRoutineIntent")) == 1
    device.say("AMAZON.StopIntent")
    device.later(timedelta(days=1))
    assert trips.measure(device.launch) == 2  # read from Redis: no lookup, no extra trip
    assert len(loader.calls) == 1
    store.close()


# --- failures: UTC, the normal answer, a warning without ids -----------------------------


@pytest.mark.parametrize(
    "loader",
    [
        Loader(None),
        Loader("Mars/Olympus_Mons"),
        Loader(""),
        Loader(error=TimeoutError("slow")),
        Loader(error=RuntimeError(DEVICE_ID)),
    ],
    ids=["none", "unknown-zone", "empty", "timeout", "crash"],
)
def test_a_failing_loader_still_gives_the_normal_welcome(
    app_with: ClientFactory, raw: redis.Redis, loader: Loader, caplog: pytest.LogCaptureFixture
) -> None:
    loader.calls.clear()
    caplog.set_level(logging.INFO)
    device = echo(app_with(time_zone_loader=loader))
    said = text(device.launch())
    assert said.startswith("Welcome to Back Coach.") and "5 exercises" in said
    assert "Say start when you're ready to begin." in said and not device.ended
    assert len(loader.calls) == 1
    # Unknown, for a day: the next launches count in UTC without asking again.
    assert raw.get(keys_for(USER).time_zone) == ""
    assert 0 < raw.ttl(keys_for(USER).time_zone) <= 86_400
    device.say("AMAZON.StopIntent")
    device.launch()
    assert len(loader.calls) == 1
    if loader.zone is not None or loader.error is not None:
        assert any(r.levelno == logging.WARNING and "UTC" in r.getMessage() for r in caplog.records)
    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    for private in (USER, DEVICE_ID, TOKEN):
        assert private not in logged


def test_no_token_or_device_id_is_utc_without_a_call(app_with: ClientFactory) -> None:
    loader = Loader()
    client = app_with(time_zone_loader=loader)
    device = Device(client, USER, api_endpoint=ENDPOINT, api_access_token="")
    assert "Welcome to Back Coach." in text(device.launch())
    assert loader.calls == [] and device.attributes["z"] == ""


def test_delete_my_data_removes_the_time_zone(app_with: ClientFactory, raw: redis.Redis) -> None:
    device = echo(app_with(time_zone_loader=Loader()))
    exercise(device)
    assert raw.get(keys_for(USER).time_zone) == LOS_ANGELES
    device.launch()
    device.say("DeleteDataIntent")
    assert "deleted everything" in text(device.say("AMAZON.YesIntent"))
    assert people_keys(raw) == [keys_for(USER).deleted]  # the deletion marker only


# --- the real loader, against a local server ---------------------------------------------


class SettingsApi:
    """A local stand-in for the Alexa Settings API: answers as ``answer`` says."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str | None]] = []  # (path, Authorization)
        self.status = 200
        self.body: bytes = json.dumps(LOS_ANGELES).encode()
        self.delay = 0.0
        self.headers: dict[str, str] = {}
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                api.requests.append((self.path, self.headers.get("Authorization")))
                time.sleep(api.delay)
                try:
                    self.send_response(api.status)
                    for name, value in api.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(api.body)))
                    self.end_headers()
                    self.wfile.write(api.body)
                except OSError:
                    pass  # the client gave up (the timeout test)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def api() -> Iterator[SettingsApi]:
    server = SettingsApi()
    yield server
    server.close()


def real_loader(api: SettingsApi, timeout: float = 0.2) -> Callable[..., str | None]:
    return lambda endpoint, token, device: fetch_time_zone(
        endpoint, token, device, hosts=(api.origin,), timeout=timeout
    )


def test_the_real_loader_asks_the_settings_api(api: SettingsApi) -> None:
    assert real_loader(api)(api.origin, TOKEN, DEVICE_ID) == LOS_ANGELES
    assert api.requests == [
        (f"/v2/devices/{DEVICE_ID}/settings/System.timeZone", f"Bearer {TOKEN}")
    ]


@pytest.mark.parametrize(
    ("status", "body", "headers", "reason"),
    [
        (403, b'{"message":"denied"}', {}, "HTTP 403"),
        (500, b"", {}, "HTTP 500"),
        (302, b"", {"Location": "http://169.254.169.254/"}, "HTTP 302"),
        (200, b'"' + b"A" * 2000 + b'"', {}, "larger than 1024 bytes"),
        (200, b"<html>not json</html>", {}, "not JSON"),
        (200, b'"Mars/Olympus_Mons"', {}, "not a known time zone"),
        (200, b'{"timeZone": "America/Los_Angeles"}', {}, "not a known time zone"),
        (200, b'"../../../etc/passwd"', {}, "not a known time zone"),
    ],
    ids=["403", "500", "redirect", "oversized", "not-json", "unknown-zone", "object", "path"],
)
def test_the_real_loader_fails_safe(
    api: SettingsApi,
    caplog: pytest.LogCaptureFixture,
    status: int,
    body: bytes,
    headers: dict[str, str],
    reason: str,
) -> None:
    api.status, api.body, api.headers = status, body, headers
    with caplog.at_level(logging.WARNING, logger="skill.timezone"):
        assert real_loader(api)(api.origin, TOKEN, DEVICE_ID) is None
    assert len(api.requests) == 1
    (message,) = caplog.messages
    assert reason in message and "UTC" in message
    for private in (TOKEN, DEVICE_ID, api.origin):
        assert private not in caplog.text


def test_the_real_loader_gives_up_after_its_timeout(
    api: SettingsApi, caplog: pytest.LogCaptureFixture
) -> None:
    api.delay = 1.0
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="skill.timezone"):
        assert real_loader(api, timeout=0.2)(api.origin, TOKEN, DEVICE_ID) is None
    assert time.monotonic() - started < 0.6
    assert "timed out" in caplog.text


def test_the_real_loader_never_contacts_a_host_off_the_allow_list(
    api: SettingsApi, caplog: pytest.LogCaptureFixture
) -> None:
    allowed_only_amazon = ALEXA_API_HOSTS
    with caplog.at_level(logging.WARNING, logger="skill.timezone"):
        for endpoint in (
            api.origin,
            f"{api.origin}/v2/devices/x/settings/System.timeZone#",
            "https://api.amazonalexa.com.evil.example",
            "https://user@api.amazonalexa.com",
            "http://api.amazonalexa.com",
        ):
            assert fetch_time_zone(endpoint, TOKEN, DEVICE_ID, hosts=allowed_only_amazon) is None
    assert api.requests == []
    assert "not an Alexa API host" in caplog.text
    with pytest.raises(Exception, match="not an Alexa API host"):
        settings_url(api.origin, DEVICE_ID, ALEXA_API_HOSTS)


def test_the_real_loader_keeps_the_device_id_in_its_path_segment(api: SettingsApi) -> None:
    assert real_loader(api)(api.origin, TOKEN, "../../admin?x=1#") == LOS_ANGELES
    assert api.requests[0][0] == "/v2/devices/..%2F..%2Fadmin%3Fx%3D1%23/settings/System.timeZone"


def test_the_webhook_uses_the_real_loader_with_its_configured_hosts(
    app_with: ClientFactory, raw: redis.Redis, api: SettingsApi, caplog: pytest.LogCaptureFixture
) -> None:
    """No injected loader: create_app's urllib one, with the allow-list and timeout
    from the config, end to end; a failure there is still the normal welcome."""
    caplog.set_level(logging.INFO)
    client = app_with(alexa_api_hosts=[api.origin], time_zone_timeout=0.2)
    device = Device(
        client, USER, device_id=DEVICE_ID, api_endpoint=api.origin, api_access_token=TOKEN
    )
    device.launch()
    assert device.attributes["z"] == LOS_ANGELES and len(api.requests) == 1
    assert raw.get(keys_for(USER).time_zone) == LOS_ANGELES

    api.status, api.delay = 403, 0.0
    other = Device(
        client, f"{USER}2", device_id=DEVICE_ID, api_endpoint=api.origin, api_access_token=TOKEN
    )
    assert "Welcome to Back Coach." in text(other.launch())
    assert other.attributes["z"] == "" and len(api.requests) == 2
    # A forged endpoint is never fetched: the allow-list is the configured one.
    forged = Device(client, f"{USER}3", api_endpoint="http://127.0.0.1:1", api_access_token=TOKEN)
    assert "Welcome to Back Coach." in text(forged.launch())
    assert len(api.requests) == 2
    for private in (USER, DEVICE_ID, TOKEN):
        assert private not in caplog.text


def test_zone_names_are_checked() -> None:
    assert zone_named(LOS_ANGELES) == ZoneInfo(LOS_ANGELES)
    assert zone_named("UTC") == ZoneInfo("UTC")
    for bad in ("", "Mars/Olympus_Mons", "../etc/passwd", "/etc/localtime", "America", None, 3):
        assert zone_named(bad) is None


# --- a saved place, offered and expired by the person's days (issue 15) ----------------------


def leave_part_way(device: Device) -> None:
    device.launch()
    device.say("StartRoutineIntent")
    device.say("ReadyIntent")
    device.say("NextIntent")
    device.say("AMAZON.StopIntent")
    assert device.ended and device.state["ph"] == "paused"


def test_a_saved_place_expires_and_is_named_by_the_persons_own_days(
    app_with: ClientFactory,
) -> None:
    client = app_with(time_zone_loader=Loader(LOS_ANGELES))
    device = echo(client)
    # Monday morning in Los Angeles (Monday 16:00 UTC).
    set_clock(device, "2026-11-30T08:00:00")
    leave_part_way(device)
    # Tuesday evening there, Wednesday 04:00 UTC: the next day, still offered.
    set_clock(device, "2026-12-01T20:00:00")
    said = text(device.launch())
    assert "You were on pelvic tilts" in said and "expired" not in said
    device.say("AMAZON.StopIntent")

    other = echo(client, user_id=USER + "B")
    # Monday evening there (Tuesday 02:00 UTC), then Wednesday evening (Thursday UTC).
    set_clock(other, "2026-11-30T18:00:00")
    leave_part_way(other)
    set_clock(other, "2026-12-02T20:00:00")
    said = text(other.launch())
    assert "Your saved place from Monday has expired, so we'll start fresh." in said
