"""Streaks and adherence from history records: pure date maths (days in UTC)."""

from __future__ import annotations

from datetime import date

from skill.coach.progress import (
    adherence,
    days_exercised,
    days_in_last,
    days_this_week,
    exercised,
    record_day,
    streak,
    streak_with_today,
)

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
