"""What the skill needs from storage, independent of where it is stored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from .keys import user_key

__all__ = [
    "LinkResult",
    "PlanStore",
    "SaveResult",
    "Store",
    "StoreUnavailableError",
    "TimeZoneUpdate",
    "UserRecord",
    "user_key",
]

RECENT_HISTORY = 60  # history records read at a session's start: about two months
# Seconds routine progress is kept after its last save: a week.  Whether a saved place is
# still offered is the skill's decision, by the day it was saved (DEFAULT_RESUME_DAYS);
# the week lets it say that one has expired (docs/ARCHITECTURE.md, 'State and storage').
DEFAULT_PROGRESS_TTL = 7 * 86_400
# A place saved on one day is offered until the end of this many days after it (the
# person's local days): 1, the next day.  Later it has expired, and the skill says so.
DEFAULT_RESUME_DAYS = 1
TIME_ZONE_TTL = 30 * 86_400  # seconds: the device's time zone is asked again after 30 days
UNKNOWN_TIME_ZONE_TTL = 86_400  # seconds: after a failed lookup, UTC is used for a day
# Seconds a deletion blocks the write-back of sessions begun before it: longer than
# any Alexa session (and than the journal's outages in practice).
DELETION_MARKER_TTL = 86_400
# Ids of stored events kept for exactly-once: the newest this many.  A duplicate comes
# from a retry (seconds), a replayed request (Alexa's 150 s window), the session's
# unsaved events (one session) or the journal (one outage); a person stores a handful
# of events a day, so this covers months.
SEEN_IDS = 1_000
PAIN_DAYS_KEPT = 7  # days of pain counts kept (only today's is read)


class StoreUnavailableError(Exception):
    """The store could not be reached or refused the operation.

    Every Redis error and timeout surfaces as this, never as a raw redis exception,
    so the webhook has one thing to catch to fall back on the session attributes.
    ``transient``: the store is down, slow, full or read-only, and the same write will
    work later; False for a refusal of this write itself (a key of the wrong type).
    """

    def __init__(self, message: str, *, transient: bool = True) -> None:
        super().__init__(message)
        self.transient = transient


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
    # The progress version (compare-and-set; 0 when never written; Redis's clock in
    # milliseconds at the write, or one more than the last, so it only grows) and the person's
    # pain reports (kind "pain") per local day ("YYYY-MM-DD" -> count), across devices.
    version: int = field(default=0, compare=False)
    pain_days: dict[str, int] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What a save did.

    ``status``: "saved" (the progress written or left as asked, the new events
    stored), "conflict" (events stored, but the progress is newer than the version
    the save was based on: ``current`` is that progress), "deleted" (the person's data
    was deleted after the session began: nothing written), "journaled" (the store was
    down at a session's end: everything is in the local journal, for replay).
    """

    status: str
    version: int = 0
    pains_today: int = 0  # the person's pain reports on ``today``, this save's included
    current: dict[str, Any] | None = None
    # For each pain event given (in order): stored now (True) or already before.
    new_pains: tuple[bool, ...] = ()


@dataclass(frozen=True, slots=True)
class TimeZoneUpdate:
    """A time zone to store with a save: the name ("" for unknown) and its expiry."""

    name: str
    ttl: int = TIME_ZONE_TTL


@dataclass(frozen=True, slots=True)
class LinkResult:
    status: str  # "linked", "unknown" (wrong or expired code) or "limited" (too many tries)
    plan: dict[str, Any] | None = None


# What a plan keeps when it is revised; the rest comes from the new prescription.
PLAN_KEPT = ("id", "created_at", "links_allowed", "owner")


def revised_plan(plan: dict[str, Any], prescription: dict[str, Any], at: str) -> dict[str, Any]:
    """The next version of ``plan``: what it keeps, the new prescription, the version."""
    kept = {key: plan[key] for key in PLAN_KEPT if key in plan}
    version = int(plan.get("version") or 1) + 1
    return {**kept, **prescription, "version": version, "revised_at": at}


def revised_link(link: dict[str, Any], plan: dict[str, Any]) -> dict[str, Any]:
    """A person's link to ``plan`` after it was revised: its exercises, marked changed."""
    return {**link, "exercises": plan["exercises"], "version": plan["version"], "changed": True}


def heard_link(link: dict[str, Any] | None, version: int) -> dict[str, Any] | None:
    """The link once the person was told of ``version``; None when nothing changes."""
    if not link or not link.get("changed") or link.get("version") != version:
        return None
    return {**link, "changed": False}


@dataclass(frozen=True)
class LinkedRecords:
    """What a report reads of one linked person."""

    history: list[dict[str, Any]]
    pains: list[dict[str, Any]]
    time_zone: str | None
    link: dict[str, Any] | None  # their link: plan id and "at", when they linked

    @property
    def linked_at(self) -> str | None:
        at = self.link.get("at") if self.link else None
        return at if isinstance(at, str) else None


class PlanStore(Protocol):
    """Prescriptions ("plans"), the six-digit codes that link them, and the links.

    Every store has one (``Store.plan_store``): Redis's for production and the
    clinician's CLI, the embedded store's for ``make run`` and the chat, so the
    handlers never ask which store they have.
    """

    code_ttl: int  # seconds a link code is valid

    def create(
        self, prescription: dict[str, Any], created_at: str, links: int = 1
    ) -> tuple[str, str]:
        """Store a plan and a fresh link code for it: (plan id, code).  Each of the
        plan's codes links at most ``links`` people."""
        ...

    def revoke(self, code: str) -> bool:
        """The code links no one any more; False if there was no such code."""
        ...

    def unlink(self, plan_id: str, hashed: str) -> bool:
        """Take a linked person (by user key) off the plan; False if not linked to it."""
        ...

    def new_code(self, plan_id: str) -> str:
        """Another code for a plan, unique among live codes, valid for ``code_ttl``."""
        ...

    def plan(self, plan_id: str) -> dict[str, Any] | None: ...

    def plan_for_code(self, code: str) -> dict[str, Any] | None: ...

    def codes(self, plan_id: str) -> list[tuple[str, int]]:
        """The live codes of a plan and their seconds left, sorted."""
        ...

    def plans(self) -> list[dict[str, Any]]:
        """Every plan, oldest first."""
        ...

    def linked_users(self, plan_id: str) -> list[str]:
        """The user keys (hashed ids) of the people linked to a plan, sorted."""
        ...

    def user_records(self, hashed: str) -> LinkedRecords:
        """A linked person's history, pain log, time zone and link, by user key."""
        ...

    def revise(self, plan_id: str, prescription: dict[str, Any], at: str) -> int | None:
        """A new version of the plan (its id, codes and linked people kept): the
        prescription replaced, the version one more (a plan starts at 1), and every
        linked person's link following it, marked changed until ``change_heard``.
        The new version, or None when there is no such plan."""
        ...

    def change_heard(self, user_id: str, version: int) -> None:
        """The person has been told that their plan changed to ``version``."""
        ...

    def link(self, user_id: str, code: str, at: str) -> LinkResult:
        """Link the person to the plan of ``code``, within the tries limits (the next
        session's ``UserRecord.link``); "limited" past them, "unknown" for no such
        code or one that has linked as many people as its plan allows.  Linking again
        to the plan one is already on spends no use of the code."""
        ...


@runtime_checkable
class Store(Protocol):
    description: str  # where the data lives, for logs; never a password

    def load(self, user_id: str) -> UserRecord:
        """Everything needed to start a session, in one round trip."""
        ...

    def save(
        self,
        user_id: str,
        state: dict[str, Any] | str | None,
        pain_events: Sequence[dict[str, Any]] = (),
        history: Sequence[dict[str, Any]] = (),
        time_zone: TimeZoneUpdate | None = None,
        *,
        version: int | None = None,
        started: str | None = None,
        at: str | None = None,
        today: str | None = None,
        force: bool = False,
        lock: bool = False,
        final: bool = False,
        amend: Sequence[tuple[dict[str, Any], dict[str, Any]]] = (),
        writer: str | None = None,
    ) -> SaveResult:
        """In one round trip: replace the progress (or delete it when state is None;
        ``state`` is the state's dict, or its compact JSON text as
        ``json.dumps(state, separators=(",", ":"))`` makes it, stored as it is),
        append the pain events and history records not stored before (by their
        ``"id"``), and store a newly looked-up time zone (with its expiry).

        ``version``: the progress version the session last read or wrote (None when
        unknown: then the write happens only if ``at`` is not older than the stored
        progress); a newer stored version wins (the save writes no progress and
        returns it), unless ``force`` (a safety stop).
        ``lock``: this progress is a red-flag stop that only a forced write replaces,
        for the rest of ``today`` (the person's local day); the next day it lifts.
        ``started``: when the session began; a deletion after that blocks the save.
        ``today``: the local date whose pain count to raise and return.  ``final``:
        no later request of the session will carry the events (journal them if the
        store is down).  ``amend``: (as stored, as now) pain events to rewrite.
        ``writer``: the session's id; a newer version it wrote itself (a write that
        timed out but landed) does not count as another device's.
        """
        ...

    def pain_log(self, user_id: str) -> list[dict[str, Any]]: ...

    def history(self, user_id: str) -> list[dict[str, Any]]: ...

    def delete_user(self, user_id: str, at: str | None = None) -> None:
        """Forget everything stored for this person, and block for a day the write-back
        of sessions begun before ``at`` (the deletion's time; now when None)."""
        ...

    def ping(self) -> bool:
        """True if the store answers; never raises."""
        ...

    def readiness(self) -> str | None:
        """None when the store takes writes, else why not; never raises."""
        ...

    def plan_store(self) -> PlanStore:
        """The plans, codes and links kept beside this store's people."""
        ...

    def close(self) -> None: ...
