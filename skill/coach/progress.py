"""Progress from the history list: days exercised, streaks, adherence.

Pure functions over history records (``turn.history_record``) and pain events.
Days are calendar days in UTC, taken from each record's ``at`` time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

Record = Mapping[str, Any]


def record_day(record: Record) -> date | None:
    """The UTC day of a record, or None when its time is missing or unreadable."""
    stamp = record.get("at")
    if not isinstance(stamp, str):
        return None
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).date()


def exercised(record: Record) -> bool:
    """A finished routine, or one left part way with at least one exercise done."""
    return record.get("outcome") == "finished" or bool(record.get("done"))


def days_exercised(history: Iterable[Record]) -> set[date]:
    return {day for r in history if exercised(r) and (day := record_day(r)) is not None}


def streak(history: Iterable[Record], today: date) -> int:
    """Consecutive days exercised, ending today, or yesterday if today has none yet."""
    days = days_exercised(history)
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count


def streak_with_today(history: Iterable[Record], today: date) -> int:
    """The streak counting today as a day exercised (at launch: they came back to do it)."""
    days = days_exercised(history)
    return streak(history, today) + (0 if today in days else 1)


def days_this_week(history: Iterable[Record], today: date) -> int:
    """Days exercised since Monday (UTC), today included."""
    monday = today - timedelta(days=today.weekday())
    return sum(1 for day in days_exercised(history) if monday <= day <= today)


def days_in_last(history: Iterable[Record], today: date, days: int) -> int:
    """Days exercised in the ``days`` days ending today."""
    first = today - timedelta(days=days - 1)
    return sum(1 for day in days_exercised(history) if first <= day <= today)


@dataclass(frozen=True, slots=True)
class Adherence:
    finished: int
    stopped: int
    paused: int
    last_7: int
    last_28: int
    streak: int
    last_day: date | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "sessions": {"finished": self.finished, "stopped": self.stopped, "paused": self.paused},
            "days_exercised_last_7": self.last_7,
            "days_exercised_last_28": self.last_28,
            "streak_days": self.streak,
            "last_exercised": self.last_day.isoformat() if self.last_day else None,
        }


def adherence(history: list[Record], today: date) -> Adherence:
    outcomes = [r.get("outcome") for r in history]
    days = days_exercised(history)
    return Adherence(
        finished=outcomes.count("finished"),
        stopped=outcomes.count("stopped"),
        paused=outcomes.count("paused"),
        last_7=days_in_last(history, today, 7),
        last_28=days_in_last(history, today, 28),
        streak=streak(history, today),
        last_day=max(days) if days else None,
    )
