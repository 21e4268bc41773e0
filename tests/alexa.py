"""Alexa-shaped requests for tests: the JSON a real Echo sends, and a device that
carries the session along between turns as Alexa does."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def slot(name: str, value: str | None, resolved: list[tuple[str, str]] | None = None) -> dict:
    """A slot as Alexa sends it; ``resolved`` lists (id, name) entity-resolution matches."""
    data: dict[str, Any] = {"name": name, "confirmationStatus": "NONE"}
    if value is not None:
        data["value"] = value
        authority = f"amzn1.er-authority.echo-sdk.{SKILL_ID}.TYPE"
        if resolved:
            status = {"code": "ER_SUCCESS_MATCH"}
            values = [{"value": {"name": n, "id": i}} for i, n in resolved]
        else:
            status, values = {"code": "ER_SUCCESS_NO_MATCH"}, []
        data["resolutions"] = {
            "resolutionsPerAuthority": [
                {"authority": authority, "status": status, "values": values}
            ]
        }
    return data


def envelope(
    request: dict,
    *,
    user_id: str,
    session_id: str,
    new: bool,
    attributes: dict | None,
    skill_id: str = SKILL_ID,
    locale: str = "en-US",
) -> dict:
    request = {
        "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
        "timestamp": now(),
        "locale": locale,
        **request,
    }
    application = {"applicationId": skill_id}
    user = {"userId": user_id}
    return {
        "version": "1.0",
        "session": {
            "new": new,
            "sessionId": session_id,
            "application": application,
            "attributes": attributes or {},
            "user": user,
        },
        "context": {
            "System": {
                "application": application,
                "user": user,
                "device": {"deviceId": "amzn1.ask.device.TEST", "supportedInterfaces": {}},
                "apiEndpoint": "https://api.amazonalexa.com",
                "apiAccessToken": "token",
            }
        },
        "request": request,
    }


def launch() -> dict:
    return {"type": "LaunchRequest"}


def intent(name: str, **slots: dict) -> dict:
    return {
        "type": "IntentRequest",
        "dialogState": "COMPLETED",
        "intent": {"name": name, "confirmationStatus": "NONE", "slots": slots},
    }


def session_ended(reason: str = "USER_INITIATED") -> dict:
    return {"type": "SessionEndedRequest", "reason": reason}


class Device:
    """An Echo talking to the webhook for one user: it keeps the session attributes
    between turns and starts a new session after one ends, as Alexa does."""

    def __init__(self, client: Any, user_id: str | None = None) -> None:
        self.client = client
        self.user_id = user_id or f"amzn1.ask.account.{uuid.uuid4().hex.upper()}"
        self.session_id: str | None = None
        self.attributes: dict = {}
        self.last: dict = {}

    def send(self, request: dict) -> dict:
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
        )
        reply = self.client.post("/alexa", data=json.dumps(body), content_type="application/json")
        assert reply.status_code == 200, reply.get_data(as_text=True)
        self.last = reply.get_json()
        self.attributes = self.last.get("sessionAttributes") or {}
        response = self.last.get("response", {})
        if response.get("shouldEndSession", True) and request["type"] != "SessionEndedRequest":
            self.session_id = None
        if request["type"] == "SessionEndedRequest":
            self.session_id = None
        return self.last

    def launch(self) -> str:
        return speech(self.send(launch()))

    def say(self, intent_name: str, **slots: dict) -> str:
        return speech(self.send(intent(intent_name, **slots)))

    def walk_away(self, reason: str = "EXCEEDED_MAX_REPROMPTS") -> None:
        """The session times out (only while one is open)."""
        if self.session_id is not None:
            self.send(session_ended(reason))

    @property
    def ended(self) -> bool:
        return self.session_id is None

    @property
    def state(self) -> dict:
        return self.attributes.get("s", {})


def speech(reply: dict) -> str:
    output = reply.get("response", {}).get("outputSpeech") or {}
    return output.get("ssml", "")
