"""Progress from the history list: days exercised, streaks, adherence.

Pure functions over history records (``turn.history_record``) and pain events.
Days are the person's own calendar days: each record's ``at`` time (stored in UTC)
is read in their time zone (``zone``, the device's), or in UTC when it is unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

Record = Mapping[str, Any]


def local_date(moment: datetime, zone: ZoneInfo | None = None) -> date:
    """The calendar day of a moment in ``zone`` (UTC when None; a naive time is UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone or UTC).date()


def record_day(record: Record, zone: ZoneInfo | None = None) -> date | None:
    """The day of a record in ``zone`` (UTC when None), or None when its time is
    missing or unreadable."""
    stamp = record.get("at")
    if not isinstance(stamp, str):
        return None
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return local_date(moment, zone)


def exercised(record: Record) -> bool:
    """A finished routine, or one left part way with at least one exercise done."""
    return record.get("outcome") == "finished" or bool(record.get("done"))


def days_exercised(history: Iterable[Record], zone: ZoneInfo | None = None) -> set[date]:
    """The days (in ``zone``, UTC when None) with a routine exercised."""
    return {day for r in history if exercised(r) and (day := record_day(r, zone)) is not None}


def streak(history: Iterable[Record], today: date, zone: ZoneInfo | None = None) -> int:
    """Consecutive days exercised, ending today, or yesterday if today has none yet
    (``today`` is the date in ``zone``)."""
    days = days_exercised(history, zone)
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count


def streak_with_today(history: Iterable[Record], today: date, zone: ZoneInfo | None = None) -> int:
    """The streak counting today as a day exercised (at launch: they came back to do it)."""
    history = list(history)
    days = days_exercised(history, zone)
    return streak(history, today, zone) + (0 if today in days else 1)


def days_this_week(history: Iterable[Record], today: date, zone: ZoneInfo | None = None) -> int:
    """Days exercised since Monday (the person's Monday, in ``zone``), today included."""
    monday = today - timedelta(days=today.weekday())
    return sum(1 for day in days_exercised(history, zone) if monday <= day <= today)


def days_in_last(
    history: Iterable[Record], today: date, days: int, zone: ZoneInfo | None = None
) -> int:
    """Days exercised in the ``days`` days ending today."""
    first = today - timedelta(days=days - 1)
    return sum(1 for day in days_exercised(history, zone) if first <= day <= today)


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


def adherence(history: Sequence[Record], today: date, zone: ZoneInfo | None = None) -> Adherence:
    outcomes = [r.get("outcome") for r in history]
    days = days_exercised(history, zone)
    return Adherence(
        finished=outcomes.count("finished"),
        stopped=outcomes.count("stopped"),
        paused=outcomes.count("paused"),
        last_7=days_in_last(history, today, 7, zone),
        last_28=days_in_last(history, today, 28, zone),
        streak=streak(history, today, zone),
        last_day=max(days) if days else None,
    )
