"""One Echo talking to the webhook for one person.

The device keeps the session attributes between turns and starts a new session after
one ends, as Alexa does.  It reaches the webhook through a transport: the Flask app in
this process (:class:`InProcess`), or a running server over HTTP (:class:`OverHttp`).
"""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from skill.speech import speech_seconds

from .requests import DEVICE_ID, envelope, intent, launch, now, session_ended, speech

HTTP_TIMEOUT_SECONDS = 10.0


class ChatError(RuntimeError):
    """The webhook could not be reached, or refused a request."""


class Transport(Protocol):
    """Posts one Alexa request body to the webhook and returns the response body."""

    def post(self, body: dict[str, Any]) -> dict[str, Any]: ...


class InProcess:
    """The webhook in this process, through a Flask test client."""

    def __init__(self, client: Any, path: str = "/alexa") -> None:
        self.client = client
        self.path = path

    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        reply = self.client.post(self.path, data=json.dumps(body), content_type="application/json")
        if reply.status_code != 200:
            raise ChatError(
                f"the skill answered {reply.status_code}: {reply.get_data(as_text=True)}"
            )
        return reply.get_json()


def webhook_url(url: str) -> str:
    """A server's address as the webhook URL: ``/alexa`` unless a path is given."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ChatError(f"not an http(s) URL: {url!r}")
    if parts.path in ("", "/"):
        parts = parts._replace(path="/alexa")
    return urllib.parse.urlunsplit(parts)


class OverHttp:
    """A running webhook (``backcoach run``) over HTTP."""

    def __init__(self, url: str, timeout: float = HTTP_TIMEOUT_SECONDS) -> None:
        self.url = webhook_url(url)
        self.timeout = timeout

    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        data = json.dumps(body).encode("utf-8")
        request = urllib.request.Request(
            self.url, data=data, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                return json.loads(reply.read())
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace")
            raise ChatError(f"{self.url} answered {error.code}: {detail}") from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise ChatError(f"cannot reach {self.url}: {error}") from None


def user_id_for(name: str) -> str:
    """A stable, Alexa-shaped userId for a name, so a person is the same between runs."""
    digest = hashlib.sha256(f"backcoach-chat:{name}".encode()).hexdigest().upper()
    return f"amzn1.ask.account.{digest}"


def listening_time(ssml: str) -> float:
    """Seconds an answer takes to say (0 for none, or for speech that is not SSML)."""
    try:
        return speech_seconds(ssml) if ssml else 0.0
    except ET.ParseError:
        return 0.0


class Device:
    """An Echo for one person: sends requests, carries the session between turns."""

    def __init__(
        self,
        transport: Transport,
        user_id: str | None = None,
        locale: str = "en-US",
        *,
        device_id: str = DEVICE_ID,
        api_endpoint: str | None = None,
        api_access_token: str | None = None,
        viewport: dict[str, Any] | None = None,
    ) -> None:
        self.transport = transport
        self.user_id = user_id or f"amzn1.ask.account.{uuid.uuid4().hex.upper()}"
        self.locale = locale
        # What a real Echo's context carries for the Alexa APIs (none by default).
        self.device_id = device_id
        self.api_endpoint = api_endpoint
        self.api_access_token = api_access_token
        self.viewport = viewport  # a screen (requests.ECHO_SHOW_5...): APL supported
        self.session_id: str | None = None
        self.attributes: dict[str, Any] = {}
        self.last: dict[str, Any] = {}
        self.clock_offset = timedelta()
        self.listening = timedelta()  # how long the last answer takes to say
        self.cut_in = False

    def send(self, request: dict[str, Any]) -> dict[str, Any]:
        """Send one request in the open session (or a new one) and return the response."""
        # The person hears the last answer out before speaking, unless they cut in
        # (say "Alexa, ..." while it is still talking, as during a count).
        if not self.cut_in:
            self.clock_offset += self.listening
        self.cut_in = False
        new = self.session_id is None
        if new:
            self.session_id = f"amzn1.echo-api.session.{uuid.uuid4()}"
            self.attributes = {}
        body = envelope(
            request,
            user_id=self.user_id,
            session_id=self.session_id,
            new=new,
            attributes=self.attributes,
            locale=self.locale,
            timestamp=now(datetime.now(UTC) + self.clock_offset),
            device_id=self.device_id,
            api_endpoint=self.api_endpoint,
            api_access_token=self.api_access_token,
            viewport=self.viewport,
        )
        self.last = self.transport.post(body)
        self.listening = timedelta(seconds=listening_time(speech(self.last)))
        self.attributes = self.last.get("sessionAttributes") or {}
        ends = self.last.get("response", {}).get("shouldEndSession", True)
        if ends or request["type"] == "SessionEndedRequest":
            self.session_id = None
        return self.last

    def launch(self) -> str:
        return speech(self.send(launch()))

    def say(self, intent_name: str, **slots: dict[str, Any]) -> str:
        return speech(self.send(intent(intent_name, **slots)))

    def walk_away(self, reason: str = "EXCEEDED_MAX_REPROMPTS") -> None:
        """The session ends without a word from the skill (only while one is open)."""
        if self.session_id is not None:
            self.send(session_ended(reason))

    def interrupt(self) -> None:
        """The next request cuts in while the last answer is still being said."""
        self.cut_in = True

    def later(self, delta: timedelta) -> None:
        """Move this device's clock on (request timestamps), e.g. to the next day."""
        self.clock_offset += delta

    @property
    def ended(self) -> bool:
        return self.session_id is None

    @property
    def state(self) -> dict[str, Any]:
        """The coach state the skill keeps in the session attributes (JSON text)."""
        value = self.attributes.get("s")
        return json.loads(value) if isinstance(value, str) else value or {}
