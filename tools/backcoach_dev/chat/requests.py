"""Alexa-shaped requests: the JSON a real Echo sends to a custom skill's endpoint."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"
DEVICE_ID = "amzn1.ask.device.BACKCOACHCHAT"


def now(at: datetime | None = None) -> str:
    """A request timestamp as Alexa writes it (UTC, whole seconds)."""
    return (at or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def slot(
    name: str, value: str | None, resolved: list[tuple[str, str]] | None = None
) -> dict[str, Any]:
    """A slot as Alexa sends it; ``resolved`` lists (id, name) entity-resolution matches.

    A slot with a value always carries a resolution: ER_SUCCESS_MATCH with the values,
    or ER_SUCCESS_NO_MATCH when the words matched no value or synonym of its type.
    """
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
    request: dict[str, Any],
    *,
    user_id: str,
    session_id: str,
    new: bool,
    attributes: dict[str, Any] | None,
    skill_id: str = SKILL_ID,
    locale: str = "en-US",
    timestamp: str | None = None,
    device_id: str = DEVICE_ID,
    api_endpoint: str | None = None,
    api_access_token: str | None = None,
    viewport: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The whole request body: version, session, context and the request itself.

    Without ``api_endpoint`` the context has no ``apiEndpoint`` nor ``apiAccessToken``
    (the skill then asks no Alexa API: days count in UTC); a real Echo sends both.
    With ``viewport`` (``ECHO_SHOW_5``, ``FIRE_TV``) the device has a screen: it
    supports Alexa.Presentation.APL and the context describes its viewport.
    """
    request = {
        "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
        "timestamp": timestamp or now(),
        "locale": locale,
        **request,
    }
    application = {"applicationId": skill_id}
    user = {"userId": user_id}
    system: dict[str, Any] = {
        "application": application,
        "user": user,
        "device": {"deviceId": device_id, "supportedInterfaces": {}},
    }
    if api_endpoint is not None:
        system["apiEndpoint"] = api_endpoint
        system["apiAccessToken"] = api_access_token or ""
    context: dict[str, Any] = {"System": system}
    if viewport is not None:
        system["device"]["supportedInterfaces"] = {APL: {"runtime": {"maxVersion": "2024.2"}}}
        context["Viewport"] = viewport
    return {
        "version": "1.0",
        "session": {
            "new": new,
            "sessionId": session_id,
            "application": application,
            "attributes": attributes or {},
            "user": user,
        },
        "context": context,
        "request": request,
    }


APL = "Alexa.Presentation.APL"


def viewport(mode: str, width: int, height: int, dpi: int) -> dict[str, Any]:
    """The context's Viewport of a device with a screen (pixels and dpi as Alexa sends)."""
    return {
        "experiences": [{"canRotate": False, "canResize": False}],
        "mode": mode,
        "shape": "RECTANGLE",
        "pixelWidth": width,
        "pixelHeight": height,
        "dpi": dpi,
        "currentPixelWidth": width,
        "currentPixelHeight": height,
        "touch": ["SINGLE"] if mode == "HUB" else [],
        "keyboard": [] if mode == "HUB" else ["DIRECTION"],
    }


ECHO_SHOW_5 = viewport("HUB", 960, 480, 160)
ECHO_SHOW_8 = viewport("HUB", 1280, 800, 160)
FIRE_TV = viewport("TV", 1920, 1080, 320)


def launch() -> dict[str, Any]:
    return {"type": "LaunchRequest"}


def intent(name: str, **slots: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "IntentRequest",
        "dialogState": "COMPLETED",
        "intent": {"name": name, "confirmationStatus": "NONE", "slots": slots},
    }


def session_ended(reason: str = "USER_INITIATED") -> dict[str, Any]:
    return {"type": "SessionEndedRequest", "reason": reason}


def speech(reply: dict[str, Any]) -> str:
    """The SSML a response says ("" when it says nothing)."""
    output = reply.get("response", {}).get("outputSpeech") or {}
    return output.get("ssml", "")


def reprompt(reply: dict[str, Any]) -> str:
    """The SSML of a response's reprompt ("" when there is none)."""
    prompt = reply.get("response", {}).get("reprompt") or {}
    output = prompt.get("outputSpeech") or {}
    return output.get("ssml", "")
