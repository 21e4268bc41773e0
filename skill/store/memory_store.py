"""The embedded store: the Store API in process memory, for running locally.

It keeps what Redis keeps, in the same encoding, for as long as the process lives,
with the same contract as the Redis save script: events stored once by id, the
progress compare-and-set on a version, pain reports per day, the deletion marker.
No journal: it cannot be down.  It keeps plans, codes and links too
(``MemoryPlanStore``), so a prescription links under ``make run`` without Redis.
The contract tests (``tests/test_store_contract.py``) run the same cases on this
and on a real redis-server; every other storage test runs on the real one.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .base import (
    DEFAULT_PROGRESS_TTL,
    DELETION_MARKER_TTL,
    PAIN_DAYS_KEPT,
    RECENT_HISTORY,
    SEEN_IDS,
    LinkedRecords,
    LinkResult,
    SaveResult,
    TimeZoneUpdate,
    UserRecord,
    heard_link,
    revised_link,
    revised_plan,
)
from .codec import decode, decode_all, encode, encode_record, progress_text
from .keys import user_key
from .plans import (
    CODE_TTL,
    FAILED_CHECKS_PER_HOUR,
    LINKS_PER_CODE,
    TRIES_PER_HOUR,
    TRIES_WINDOW,
    links_allowed,
    new_code_text,
)
from .redis_store import fingerprint


class MemoryStore:
    description = "embedded in-memory store"

    def __init__(
        self,
        progress_ttl: float = DEFAULT_PROGRESS_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if progress_ttl <= 0:
            raise ValueError(f"progress_ttl must be positive, not {progress_ttl!r}")
        self._progress_ttl = progress_ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._progress: dict[str, tuple[str, float]] = {}  # key -> (JSON, expires at)
        self._pain: dict[str, list[str]] = {}
        self._history: dict[str, list[str]] = {}
        self._time_zone: dict[str, tuple[str, float]] = {}  # key -> (name, expires at)
        # key -> (version, at, lock, the writing session's id, the progress's fingerprint)
        self._version: dict[str, tuple[int, str, str, str, str]] = {}
        self._seen: dict[str, OrderedDict[str, None]] = {}
        self._pain_days: dict[str, dict[str, int]] = {}
        self._deleted: dict[str, tuple[str, float]] = {}  # key -> (when, expires at)
        self._links: dict[str, str] = {}  # key -> the linked plan (id, at, exercises) as JSON
        self._plans = MemoryPlanStore(self)

    def load(self, user_id: str) -> UserRecord:
        key = user_key(user_id)
        with self._lock:
            progress = self._live_progress(key)
            pains = self._pain.get(key)
            records = self._history.get(key)
            last_pain = pains[-1] if pains else None
            last_session = records[-1] if records else None
            recent = list(records[-RECENT_HISTORY:]) if records else []
            time_zone = self._live(self._time_zone, key)
            version = self._version.get(key, (0, "", "", "", ""))[0]
            days = dict(self._pain_days.get(key, {}))
            link = self._links.get(key)
        return UserRecord(
            state=decode(progress, "progress"),
            last_pain=decode(last_pain, "pain event"),
            last_session=decode(last_session, "history record"),
            recent=tuple(decode_all(recent, "history record")),
            link=decode(link, "plan link"),
            time_zone=time_zone,
            version=version,
            pain_days=days,
        )

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
        key = user_key(user_id)
        progress = progress_text(state)
        pains = [(e.get("id"), e.get("kind"), encode_record(e)) for e in pain_events]
        records = [(r.get("id"), encode_record(r)) for r in history]
        amended = [(encode(old), encode_record(new)) for old, new in amend]
        with self._lock:
            deleted = self._live(self._deleted, key)
            if deleted is not None and started and started <= deleted:
                return SaveResult("deleted")
            current, stored_at, lock_day, by, print_ = self._version.get(key, (0, "", "", "", ""))
            alive = self._live_progress(key) is not None
            locked = bool(lock_day) and lock_day == today and alive  # for its day only
            mark = fingerprint(progress)
            same = bool(mark) and mark == print_ and alive
            if same:  # the same progress: no new version
                allowed = False
            elif force:
                allowed = True
            elif locked:
                allowed = False
            elif version is None:
                allowed = not at or at >= stored_at
            else:
                # Only a newer version wins, and not the session's own (a write that
                # timed out but landed).
                allowed = version >= current or bool(writer and by == writer)
            status = "conflict" if not (allowed or same) else "saved"
            if same and progress is not None:
                self._progress[key] = (progress, self._clock() + self._progress_ttl)
            if allowed:
                current = max(current + 1, int(time.time() * 1000))  # as Redis: its clock
                day = (today or "") if lock else ""
                self._version[key] = (current, at or "", day, writer or "", mark)
                if progress is None:
                    self._progress.pop(key, None)
                else:
                    self._progress[key] = (progress, self._clock() + self._progress_ttl)
            seen = self._seen.setdefault(key, OrderedDict())
            days = self._pain_days.setdefault(key, {})
            new: list[bool] = []
            for event_id, kind, text in pains:
                new.append(self._first(seen, event_id))
                if new[-1]:
                    self._pain.setdefault(key, []).append(text)
                    if kind == "pain" and today:
                        days[today] = days.get(today, 0) + 1
            for event_id, text in records:
                if self._first(seen, event_id):
                    self._history.setdefault(key, []).append(text)
            for as_stored, as_now in amended:
                log = self._pain.get(key, [])
                for index in range(len(log) - 1, max(-1, len(log) - 101), -1):
                    if log[index] == as_stored:
                        log[index] = as_now
                        break
            if today:
                cutoff = (date.fromisoformat(today) - timedelta(days=PAIN_DAYS_KEPT)).isoformat()
                for day in [d for d in days if d < cutoff]:
                    del days[day]
            if time_zone is not None:
                self._time_zone[key] = (time_zone.name, self._clock() + time_zone.ttl)
            stored = self._live_progress(key) if status == "conflict" else None
            return SaveResult(
                status,
                current,
                days.get(today, 0) if today else 0,
                decode(stored, "progress") if stored else None,
                tuple(new),
            )

    @staticmethod
    def _first(seen: OrderedDict[str, None], event_id: object) -> bool:
        """True if the event is new (or has no id), remembering its id."""
        if not isinstance(event_id, str) or not event_id:
            return True
        if event_id in seen:
            return False
        seen[event_id] = None
        while len(seen) > SEEN_IDS:
            seen.popitem(last=False)
        return True

    def pain_log(self, user_id: str) -> list[dict[str, Any]]:
        with self._lock:
            entries = list(self._pain.get(user_key(user_id), ()))
        return decode_all(entries, "pain event")

    def history(self, user_id: str) -> list[dict[str, Any]]:
        with self._lock:
            entries = list(self._history.get(user_key(user_id), ()))
        return decode_all(entries, "history record")

    def delete_user(self, user_id: str, at: str | None = None) -> None:
        key = user_key(user_id)
        when = at or datetime.now(UTC).isoformat(timespec="seconds")
        with self._lock:
            for values in (
                self._progress,
                self._pain,
                self._history,
                self._time_zone,
                self._version,
                self._seen,
                self._pain_days,
            ):
                values.pop(key, None)
            self._deleted[key] = (when, self._clock() + DELETION_MARKER_TTL)
            self._plans.forget(key, decode(self._links.pop(key, None), "plan link"))

    def plan_store(self) -> MemoryPlanStore:
        return self._plans

    def ping(self) -> bool:
        return True

    def readiness(self) -> str | None:
        return None

    def close(self) -> None:
        pass

    def _live_progress(self, key: str) -> str | None:
        return self._live(self._progress, key)

    def _live(self, values: dict[str, tuple[str, float]], key: str) -> str | None:
        """A value with an expiry, or None (and forgotten) once it has expired."""
        entry = values.get(key)
        if entry is None:
            return None
        value, expires_at = entry
        if self._clock() >= expires_at:
            del values[key]
            return None
        return value


class MemoryPlanStore:
    """The embedded store's plans, codes and links: ``RedisPlanStore``'s contract in
    process memory (codes expire on the store's clock; tries are counted per hour).

    It shares the store's lock and its person keys, so a link is in the next
    ``load`` and "delete my data" takes the person off their plan.
    """

    def __init__(
        self,
        store: MemoryStore,
        *,
        code_ttl: int = CODE_TTL,
        tries_per_hour: int = TRIES_PER_HOUR,
        failed_checks: int = FAILED_CHECKS_PER_HOUR,
    ) -> None:
        self.store = store
        self.code_ttl = code_ttl
        self.tries_per_hour = tries_per_hour
        self.failed_checks = failed_checks
        self._plans: dict[str, str] = {}  # plan id -> the plan as JSON (insertion: creation)
        self._users: dict[str, set[str]] = {}  # plan id -> linked user keys
        self._codes: dict[str, tuple[str, float]] = {}  # code -> (plan id, expires at)
        self._code_links: dict[str, int] = {}  # code -> people it linked
        self._tries: dict[str, tuple[int, float]] = {}  # user key -> (tries, window ends)
        self._failed: dict[str, int] = {}  # clock hour (ISO, UTC) -> wrong codes tried

    def create(
        self, prescription: dict[str, Any], created_at: str, links: int = LINKS_PER_CODE
    ) -> tuple[str, str]:
        plan_id = secrets.token_hex(8)
        plan = {"id": plan_id, "created_at": created_at, "links_allowed": links, **prescription}
        with self.store._lock:
            self._plans[plan_id] = encode(plan)
        return plan_id, self.new_code(plan_id)

    def new_code(self, plan_id: str) -> str:
        with self.store._lock:
            for _ in range(100):
                code = new_code_text()
                if self.store._live(self._codes, code) is None:
                    self._codes[code] = (plan_id, self.store._clock() + self.code_ttl)
                    return code
        raise RuntimeError("could not find a free link code; too many live codes")

    def plan(self, plan_id: str) -> dict[str, Any] | None:
        with self.store._lock:
            return decode(self._plans.get(plan_id), "plan")

    def plan_for_code(self, code: str) -> dict[str, Any] | None:
        with self.store._lock:
            plan_id = self.store._live(self._codes, code)
        return self.plan(plan_id) if plan_id else None

    def revoke(self, code: str) -> bool:
        with self.store._lock:
            self._code_links.pop(code, None)
            return self._codes.pop(code, None) is not None

    def unlink(self, plan_id: str, hashed: str) -> bool:
        store = self.store
        with store._lock:
            users = self._users.get(plan_id, set())
            if hashed not in users:
                return False
            users.discard(hashed)
            link = decode(store._links.get(hashed), "plan link")
            if link and link.get("plan") == plan_id:
                del store._links[hashed]
            return True

    def revise(self, plan_id: str, prescription: dict[str, Any], at: str) -> int | None:
        store = self.store
        with store._lock:
            plan = decode(self._plans.get(plan_id), "plan")
            if plan is None:
                return None
            revised = revised_plan(plan, prescription, at)
            self._plans[plan_id] = encode(revised)
            for hashed in self._users.get(plan_id, ()):
                link = decode(store._links.get(hashed), "plan link")
                if link and link.get("plan") == plan_id:
                    store._links[hashed] = encode(revised_link(link, revised))
        return int(revised["version"])

    def change_heard(self, user_id: str, version: int) -> None:
        store = self.store
        key = user_key(user_id)
        with store._lock:
            heard = heard_link(decode(store._links.get(key), "plan link"), version)
            if heard is not None:
                store._links[key] = encode(heard)

    def codes(self, plan_id: str) -> list[tuple[str, int]]:
        now = self.store._clock()
        with self.store._lock:
            live = [(code, entry) for code, entry in self._codes.items() if entry[1] > now]
        return sorted((code, int(ends - now)) for code, (owner, ends) in live if owner == plan_id)

    def plans(self) -> list[dict[str, Any]]:
        with self.store._lock:
            texts = list(self._plans.values())
        return decode_all(texts, "plan")

    def linked_users(self, plan_id: str) -> list[str]:
        with self.store._lock:
            return sorted(self._users.get(plan_id, ()))

    def user_records(self, hashed: str) -> LinkedRecords:
        store = self.store
        with store._lock:
            history = list(store._history.get(hashed, ()))
            pains = list(store._pain.get(hashed, ()))
            zone = store._live(store._time_zone, hashed)
            link = store._links.get(hashed)
        return LinkedRecords(
            decode_all(history, "history record"),
            decode_all(pains, "pain event"),
            zone or None,
            decode(link, "plan link"),
        )

    def link(self, user_id: str, code: str, at: str) -> LinkResult:
        key = user_key(user_id)
        store = self.store
        hour = at[:13]
        with store._lock:
            now = store._clock()
            tries, window_ends = self._tries.get(key, (0, now + TRIES_WINDOW))
            if window_ends <= now:
                tries, window_ends = 0, now + TRIES_WINDOW
            self._tries[key] = (tries + 1, window_ends)
            if tries + 1 > self.tries_per_hour or self._failed.get(hour, 0) >= self.failed_checks:
                return LinkResult("limited")
            plan_id = store._live(self._codes, code)
            plan = decode(self._plans.get(plan_id), "plan") if plan_id else None
            if plan is None:
                self._failed = {hour: self._failed.get(hour, 0) + 1}  # this hour's only
                return LinkResult("unknown")
            old = decode(store._links.get(key), "plan link")
            if old and old.get("plan") == plan["id"]:
                return LinkResult("linked", plan)
            self._code_links[code] = self._code_links.get(code, 0) + 1
            if self._code_links[code] > links_allowed(plan):
                return LinkResult("unknown")
            link = {"plan": plan["id"], "at": at, "exercises": plan["exercises"]}
            store._links[key] = encode(link)
            self.forget(key, old)
            self._users.setdefault(plan["id"], set()).add(key)
        return LinkResult("linked", plan)

    def forget(self, key: str, link: dict[str, Any] | None) -> None:
        """Take a person off the plan they were linked to (the store's lock held)."""
        if link and link.get("plan"):
            self._users.get(str(link["plan"]), set()).discard(key)
