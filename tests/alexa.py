"""Alexa-shaped requests for tests: the JSON a real Echo sends, and a device that
carries the session along between turns as Alexa does.

The request builders and the device live in the developer package,
``backcoach_dev.chat`` (``backcoach-dev chat`` uses them too); this module keeps the
names the tests use.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
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


# Where a test device's clock starts: 08:00 UTC on today's date. Tests move the clock
# on by an hour or two and mean "later the same day"; started at the real time, a suite
# run after 22:00 UTC (the skill's day when the device's zone is unknown) crossed
# midnight there and failed.
DAY_STARTS_AT = time(8, 0)


def morning_offset() -> timedelta:
    """How far to move the real clock to reach today's ``DAY_STARTS_AT``, in UTC."""
    real = datetime.now(UTC)
    return datetime.combine(real.date(), DAY_STARTS_AT, UTC) - real


class Device(ChatDevice):
    """An Echo talking to a Flask test client for one user, its clock starting at
    today's ``DAY_STARTS_AT``."""

    def __init__(self, client: Any, user_id: str | None = None, **context: Any) -> None:
        """``context``: ``device_id``, ``api_endpoint`` and ``api_access_token``, as a
        real Echo sends them (no Alexa API by default)."""
        super().__init__(InProcess(client), user_id, **context)
        self.clock_offset = morning_offset()

    @property
    def client(self) -> Any:
        """The Flask test client; setting it moves the device to another app."""
        return self.transport.client

    @client.setter
    def client(self, client: Any) -> None:
        self.transport = InProcess(client)
