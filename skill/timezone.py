"""The device's time zone, from the Alexa Settings API (streaks count the person's days).

``GET {apiEndpoint}/v2/devices/{deviceId}/settings/System.timeZone`` with the request's
``apiAccessToken`` answers a JSON string such as ``"America/Los_Angeles"`` (no
permission is needed).  The skill asks at most once per person per 30 days, only when
a session starts, and keeps the answer in Redis (``backcoach:{key}:tz``).

The call is bounded: only to Amazon's Alexa API hosts (a forged request must not make
the server fetch any other URL; verification is off under ``make run``), no
redirects, one second in all (connection, TLS and body, in a worker thread the
request waits on), a body of at most 1 KB, and the answer must be a time zone this
machine knows.  Any failure is a warning without the person's or device's ids or the
token, and the skill counts days in UTC.
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import ssl
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import certifi

log = logging.getLogger("skill.timezone")

# Where Alexa's apiEndpoint points: North America, Europe, Far East.
ALEXA_API_HOSTS = (
    "https://api.amazonalexa.com",
    "https://api.eu.amazonalexa.com",
    "https://api.fe.amazonalexa.com",
)
TIMEOUT_SECONDS = 1.0  # for the whole lookup
MAX_BODY_BYTES = 1024  # the answer is a short JSON string
MAX_NAME_LENGTH = 64  # the longest IANA name is about 30 characters
ZONE_NAME = re.compile(r"[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*")

# (api_endpoint, api_access_token, device_id) -> the zone name, or None on failure.
TimeZoneLoader = Callable[[str, str, str], str | None]

T = TypeVar("T")


class TimeZoneLookupError(Exception):
    """The lookup failed; the message says why and is safe to log (no ids, no token)."""


def zone_named(name: object) -> ZoneInfo | None:
    """The time zone of an IANA name (``"America/Los_Angeles"``), or None when ``name``
    is not one this machine knows (or is not a plain zone name at all)."""
    if not isinstance(name, str) or len(name) > MAX_NAME_LENGTH:
        return None
    if not ZONE_NAME.fullmatch(name):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def settings_url(api_endpoint: str, device_id: str, hosts: Iterable[str]) -> str:
    """The System.timeZone URL for a device; raises unless the endpoint is allowed."""
    origin = api_endpoint.rstrip("/")
    if origin not in tuple(hosts):
        raise TimeZoneLookupError("the request's API endpoint is not an Alexa API host")
    device = urllib.parse.quote(device_id, safe="")
    return f"{origin}/v2/devices/{device}/settings/System.timeZone"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an error: it could lead anywhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER: urllib.request.OpenerDirector | None = None
_OPENER_LOCK = threading.Lock()


def _opener() -> urllib.request.OpenerDirector:
    """One opener per process: certifi's roots (a slim image may have none), no redirects."""
    global _OPENER
    with _OPENER_LOCK:
        if _OPENER is None:
            context = ssl.create_default_context(cafile=certifi.where())
            _OPENER = urllib.request.build_opener(
                urllib.request.HTTPSHandler(context=context), _NoRedirect()
            )
        return _OPENER


def _get(url: str, token: str, timeout: float, max_bytes: int) -> bytes:
    request = urllib.request.Request(
        url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}
    )
    try:
        with _opener().open(request, timeout=timeout) as reply:
            length = reply.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > max_bytes:
                raise TimeZoneLookupError(f"the answer is larger than {max_bytes} bytes")
            body = reply.read(max_bytes + 1)
    except urllib.error.HTTPError as error:
        error.close()
        raise TimeZoneLookupError(f"HTTP {error.code}") from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise TimeZoneLookupError("timed out") from None
        raise TimeZoneLookupError(f"unreachable ({type(error.reason).__name__})") from None
    except TimeoutError:
        raise TimeZoneLookupError("timed out") from None
    except (OSError, http.client.HTTPException) as error:
        raise TimeZoneLookupError(f"unreachable ({type(error).__name__})") from None
    if len(body) > max_bytes:
        raise TimeZoneLookupError(f"the answer is larger than {max_bytes} bytes")
    return body


def _within(timeout: float, work: Callable[[], T]) -> T:
    """``work()``, or TimeZoneLookupError once ``timeout`` seconds have passed.

    Socket timeouts bound each read, not the whole (nor a slow name lookup), so the
    work runs in a daemon thread and the request waits for it no longer than this.
    """
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # handed to the waiting request
            outcome["error"] = error

    thread = threading.Thread(target=run, name="time-zone-lookup", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeZoneLookupError("timed out")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def fetch_time_zone(
    api_endpoint: str,
    token: str,
    device_id: str,
    *,
    hosts: Iterable[str] = ALEXA_API_HOSTS,
    timeout: float = TIMEOUT_SECONDS,
    max_bytes: int = MAX_BODY_BYTES,
) -> str | None:
    """The device's IANA time zone from the Alexa Settings API, or None (and a warning)
    on any failure."""
    try:
        if not token or not device_id:
            raise TimeZoneLookupError("the request has no device id or API token")
        url = settings_url(api_endpoint, device_id, hosts)
        body = _within(timeout, partial(_get, url, token, timeout, max_bytes))
        try:
            name = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise TimeZoneLookupError("the answer is not JSON") from None
        if zone_named(name) is None:
            raise TimeZoneLookupError("the answer is not a known time zone")
    except TimeZoneLookupError as error:
        log.warning("time zone lookup failed: %s; counting days in UTC", error)
        return None
    return name


def default_loader(
    hosts: Iterable[str] | None = None, timeout: float | None = None
) -> TimeZoneLoader:
    """``fetch_time_zone`` with the allowed hosts and the timeout (defaults when None)."""
    return partial(
        fetch_time_zone,
        hosts=tuple(hosts) if hosts is not None else ALEXA_API_HOSTS,
        timeout=TIMEOUT_SECONDS if timeout is None else timeout,
    )


@dataclass(frozen=True)
class TimeZones:
    """How the webhook asks a device's time zone (the loader is injected in tests)."""

    loader: TimeZoneLoader

    def look_up(self, api_endpoint: str, token: str | None, device_id: str | None) -> str:
        """The device's zone name, or "" (unknown: UTC) after a warning on any failure."""
        if not token or not device_id:
            log.warning("time zone lookup skipped: no device id or API token; counting in UTC")
            return ""
        try:
            name = self.loader(api_endpoint, token, device_id)
        except Exception as error:  # an injected loader: a failure is UTC, not an error
            log.warning("time zone lookup failed (%s); counting days in UTC", type(error).__name__)
            return ""
        if name is None:
            return ""  # the loader said why
        if zone_named(name) is None:
            log.warning("time zone lookup answered an unknown zone; counting days in UTC")
            return ""
        return name
