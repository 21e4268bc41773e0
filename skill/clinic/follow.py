"""What the plan page shows of each linked device, from ``build_report`` (so the page
and ``backcoach report`` agree): a calendar of the last weeks with the days exercised,
and the pain reports with red flags first, then the newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

CALENDAR_WEEKS = 6
RED_FLAG = "red_flag"


@dataclass(frozen=True)
class Day:
    day: date
    exercised: bool
    pain: bool
    future: bool


def calendar(person: dict[str, Any], weeks: int = CALENDAR_WEEKS) -> list[list[Day]]:
    """Weeks (Monday first) ending with the week of the person's today."""
    today = date.fromisoformat(person["today"])
    done = set(person["days_exercised"])
    pains = {e["date"] for e in person["pain_events"] if e.get("date")}
    start = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    days = [start + timedelta(days=n) for n in range(7 * weeks)]
    cells = [Day(d, d.isoformat() in done, d.isoformat() in pains, d > today) for d in days]
    return [cells[i : i + 7] for i in range(0, len(cells), 7)]


def ordered_events(person: dict[str, Any]) -> list[dict[str, Any]]:
    """Red flags first, then the rest; the newest first within each."""
    newest_first = sorted(person["pain_events"], key=lambda e: e.get("at") or "", reverse=True)
    return sorted(newest_first, key=lambda e: e.get("kind") != RED_FLAG)


def red_flags(report: dict[str, Any]) -> int:
    return sum(
        1 for person in report["linked"] for e in person["pain_events"] if e.get("kind") == RED_FLAG
    )
