"""What the skill needs from storage, independent of where it is stored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from .keys import user_key

__all__ = ["Store", "StoreUnavailableError", "TimeZoneUpdate", "UserRecord", "user_key"]

RECENT_HISTORY = 60  # history records read at a session's start: about two months
DEFAULT_PROGRESS_TTL = 86_400  # seconds: routine progress expires after a day (DESIGN.md §4)
TIME_ZONE_TTL = 30 * 86_400  # seconds: the device's time zone is asked again after 30 days
UNKNOWN_TIME_ZONE_TTL = 86_400  # seconds: after a failed lookup, UTC is used for a day


class StoreUnavailableError(Exception):
    """The store could not be reached or refused the operation.

    Every Redis error and timeout surfaces as this, never as a raw redis exception,
    so the webhook has one thing to catch to fall back on the session attributes.
    """


@dataclass(frozen=True, slots=True)
class UserRecord:
    state: dict[str, Any] | None  # the SessionState.to_dict() saved last; None if none or expired
    last_pain: dict[str, Any] | None  # newest pain event appended, or None
    last_session: dict[str, Any] | None  # newest history record appended, or None
    # The newest history records (oldest first, at most RECENT_HISTORY), for streaks.
    recent: tuple[dict[str, Any], ...] = field(default=(), compare=False)
    link: dict[str, Any] | None = field(default=None, compare=False)  # the linked plan
    # The device's IANA time zone as last looked up: None when never looked up (or
    # expired), "" when the lookup failed (UTC until it expires).
    time_zone: str | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class TimeZoneUpdate:
    """A time zone to store with a save: the name ("" for unknown) and its expiry."""

    name: str
    ttl: int = TIME_ZONE_TTL


@runtime_checkable
class Store(Protocol):
    description: str  # where the data lives, for logs; never a password

    def load(self, user_id: str) -> UserRecord:
        """Everything needed to start a session, in one round trip."""
        ...

    def save(
        self,
        user_id: str,
        state: dict[str, Any] | None,
        pain_events: Sequence[dict[str, Any]] = (),
        history: Sequence[dict[str, Any]] = (),
        time_zone: TimeZoneUpdate | None = None,
    ) -> None:
        """In one round trip: replace the progress (or delete it when state is None),
        append the pain events and history records, and store a newly looked-up time
        zone (with its expiry)."""
        ...

    def pain_log(self, user_id: str) -> list[dict[str, Any]]: ...

    def history(self, user_id: str) -> list[dict[str, Any]]: ...

    def delete_user(self, user_id: str) -> None:
        """Forget everything stored for this person."""
        ...

    def ping(self) -> bool:
        """True if the store answers; never raises."""
        ...

    def close(self) -> None: ...
