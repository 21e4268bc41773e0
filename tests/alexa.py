"""Alexa-shaped requests for tests: the JSON a real Echo sends, and a device that
carries the session along between turns as Alexa does.

The request builders and the device live in the developer package,
``backcoach_dev.chat`` (``backcoach-dev chat`` uses them too); this module keeps the
names the tests use.
"""

from __future__ import annotations

from typing import Any

from backcoach_dev.chat.device import Device as ChatDevice
from backcoach_dev.chat.device import InProcess
from backcoach_dev.chat.requests import (
    SKILL_ID,
    envelope,
    intent,
    launch,
    now,
    reprompt,
    session_ended,
    slot,
    speech,
)

__all__ = [
    "SKILL_ID",
    "Device",
    "envelope",
    "intent",
    "launch",
    "now",
    "reprompt",
    "session_ended",
    "slot",
    "speech",
]


class Device(ChatDevice):
    """An Echo talking to a Flask test client for one user."""

    def __init__(self, client: Any, user_id: str | None = None, **context: Any) -> None:
        """``context``: ``device_id``, ``api_endpoint`` and ``api_access_token``, as a
        real Echo sends them (no Alexa API by default)."""
        super().__init__(InProcess(client), user_id, **context)

    @property
    def client(self) -> Any:
        """The Flask test client; setting it moves the device to another app."""
        return self.transport.client

    @client.setter
    def client(self, client: Any) -> None:
        self.transport = InProcess(client)
