"""Streaks and adherence from history records: pure date maths, in the person's own
days (their device's time zone), or in UTC when the zone is unknown."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from skill.coach.progress import (
    adherence,
    days_exercised,
    days_in_last,
    days_this_week,
    exercised,
    local_date,
    record_day,
    streak,
    streak_with_today,
)

LOS_ANGELES = ZoneInfo("America/Los_Angeles")

TODAY = date(2026, 11, 25)  # a Wednesday


def rec(day: str, outcome: str = "finished", done: int = 5, hour: int = 9) -> dict:
    return {"at": f"{day}T{hour:02d}:00:00+00:00", "outcome": outcome, "done": ["x"] * done}


def test_a_day_counts_when_finished_or_partly_done() -> None:
    assert exercised(rec("2026-11-25"))
    assert exercised(rec("2026-11-25", "paused", done=1))
    assert exercised(rec("2026-11-25", "stopped", done=2))
    assert not exercised(rec("2026-11-25", "stopped", done=0))
    assert not exercised(rec("2026-11-25", "paused", done=0))


def test_days_are_utc_days_of_the_record_time() -> None:
    late_in_new_york = {"at": "2026-11-24T22:30:00-05:00", "outcome": "finished"}
    assert record_day(late_in_new_york) == date(2026, 11, 25)
    assert record_day({"at": "nonsense"}) is None
    assert record_day({}) is None


def test_streak_counts_back_from_today() -> None:
    history = [rec("2026-11-23"), rec("2026-11-24"), rec("2026-11-25")]
    assert streak(history, TODAY) == 3


def test_streak_still_alive_when_today_is_not_done_yet() -> None:
    history = [rec("2026-11-23"), rec("2026-11-24")]
    assert streak(history, TODAY) == 2
    assert streak_with_today(history, TODAY) == 3  # at launch, today is the third


def test_a_gap_breaks_the_streak() -> None:
    history = [rec("2026-11-20"), rec("2026-11-21"), rec("2026-11-23")]
    assert streak(history, TODAY) == 0
    assert streak_with_today(history, TODAY) == 1
    history.append(rec("2026-11-24", "stopped", done=0))  # nothing done: not a day
    assert streak(history, TODAY) == 0


def test_two_sessions_in_a_day_are_one_day() -> None:
    history = [rec("2026-11-25", hour=8), rec("2026-11-25", hour=18)]
    assert days_exercised(history) == {TODAY}
    assert streak(history, TODAY) == 1
    assert streak_with_today(history, TODAY) == 1


def test_days_this_week_start_on_monday() -> None:
    history = [rec("2026-11-22"), rec("2026-11-23"), rec("2026-11-25")]  # Sun, Mon, Wed
    assert days_this_week(history, TODAY) == 2


def test_adherence_over_7_and_28_days() -> None:
    history = [
        rec("2026-10-20"),  # 36 days ago: outside both windows
        rec("2026-11-01", "paused", done=2),
        rec("2026-11-19", "stopped", done=0),
        rec("2026-11-20"),
        rec("2026-11-24", "stopped", done=3),
        rec("2026-11-25"),
    ]
    summary = adherence(history, TODAY)
    assert (summary.finished, summary.stopped, summary.paused) == (3, 2, 1)
    assert summary.last_7 == 3 and summary.last_28 == 4
    assert days_in_last(history, TODAY, 1) == 1
    assert summary.streak == 2 and summary.last_day == TODAY
    assert summary.to_dict()["last_exercised"] == "2026-11-25"


# --- local days: the device's time zone ------------------------------------------------


def la(day: str, hour: int) -> dict:
    """A finished routine at ``hour`` o'clock in Los Angeles, stored as Alexa's UTC time."""
    local = datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=LOS_ANGELES)
    return {"at": local.astimezone(UTC).isoformat(), "outcome": "finished", "done": ["x"]}


def test_record_days_are_the_persons_own_days() -> None:
    evening = la("2026-11-24", 18)  # 02:00 UTC on the 25th
    assert evening["at"] == "2026-11-25T02:00:00+00:00"
    assert record_day(evening) == date(2026, 11, 25)  # no zone: UTC, as before
    assert record_day(evening, LOS_ANGELES) == date(2026, 11, 24)
    assert local_date(datetime(2026, 11, 25, 2, tzinfo=UTC), LOS_ANGELES) == date(2026, 11, 24)
    assert local_date(datetime(2026, 11, 25, 2)) == date(2026, 11, 25)  # naive: UTC


def test_los_angeles_evenings_are_two_days_in_a_row() -> None:
    # 18:00 then 20:00 the next evening: both after midnight UTC, consecutive either way.
    history = [la("2026-11-23", 18), la("2026-11-24", 20)]
    assert streak(history, date(2026, 11, 24), LOS_ANGELES) == 2
    # 14:00 (22:00 UTC) then 17:00 the next day (01:00 UTC two days on): the UTC days
    # have a gap, the person's days do not.
    history = [la("2026-11-23", 14), la("2026-11-24", 17)]
    today = local_date(datetime(2026, 11, 25, 1, 30, tzinfo=UTC), LOS_ANGELES)
    assert today == date(2026, 11, 24)
    assert streak(history, today, LOS_ANGELES) == 2
    assert streak(history, date(2026, 11, 25)) == 1  # in UTC: broken
    assert streak_with_today(history[:1], today, LOS_ANGELES) == 2
    assert streak_with_today(history[:1], date(2026, 11, 25)) == 1


def test_days_this_week_start_on_the_local_monday() -> None:
    # Sunday 17:00 in Los Angeles is already Monday 01:00 in UTC.
    sunday_evening = la("2026-11-22", 17)
    monday = date(2026, 11, 23)
    assert days_this_week([sunday_evening], monday, LOS_ANGELES) == 0
    assert days_this_week([sunday_evening], monday) == 1  # UTC's Monday
    monday_morning = la("2026-11-23", 8)
    assert days_this_week([sunday_evening, monday_morning], monday, LOS_ANGELES) == 1


def test_adherence_in_the_local_zone() -> None:
    history = [la("2026-11-23", 14), la("2026-11-24", 17)]
    summary = adherence(history, date(2026, 11, 24), LOS_ANGELES)
    assert summary.streak == 2 and summary.last_day == date(2026, 11, 24)
    assert days_in_last(history, date(2026, 11, 24), 1, LOS_ANGELES) == 1
    assert days_exercised(history) == {date(2026, 11, 23), date(2026, 11, 25)}
