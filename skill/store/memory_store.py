"""The embedded store: the Store API in process memory, for running locally.

It keeps what Redis keeps, in the same encoding, for as long as the process lives.
Tests of storage behaviour run against a real redis-server, not this (DESIGN.md §7).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from .base import DEFAULT_PROGRESS_TTL, RECENT_HISTORY, TimeZoneUpdate, UserRecord
from .codec import decode, decode_all, encode, encode_records
from .keys import user_key


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
        return UserRecord(
            state=decode(progress, "progress"),
            last_pain=decode(last_pain, "pain event"),
            last_session=decode(last_session, "history record"),
            recent=tuple(decode_all(recent, "history record")),
            time_zone=time_zone,
        )

    def save(
        self,
        user_id: str,
        state: dict[str, Any] | None,
        pain_events: Sequence[dict[str, Any]] = (),
        history: Sequence[dict[str, Any]] = (),
        time_zone: TimeZoneUpdate | None = None,
    ) -> None:
        key = user_key(user_id)
        progress = None if state is None else encode(state)
        pains = encode_records(pain_events)
        records = encode_records(history)
        with self._lock:
            if progress is None:
                self._progress.pop(key, None)
            else:
                self._progress[key] = (progress, self._clock() + self._progress_ttl)
            if pains:
                self._pain.setdefault(key, []).extend(pains)
            if records:
                self._history.setdefault(key, []).extend(records)
            if time_zone is not None:
                self._time_zone[key] = (time_zone.name, self._clock() + time_zone.ttl)

    def pain_log(self, user_id: str) -> list[dict[str, Any]]:
        with self._lock:
            entries = list(self._pain.get(user_key(user_id), ()))
        return decode_all(entries, "pain event")

    def history(self, user_id: str) -> list[dict[str, Any]]:
        with self._lock:
            entries = list(self._history.get(user_key(user_id), ()))
        return decode_all(entries, "history record")

    def delete_user(self, user_id: str) -> None:
        key = user_key(user_id)
        with self._lock:
            self._progress.pop(key, None)
            self._pain.pop(key, None)
            self._history.pop(key, None)
            self._time_zone.pop(key, None)

    def ping(self) -> bool:
        return True

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
