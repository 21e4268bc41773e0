"""The pace setting: how much slower or faster than normal the coach counts and rests.

A pace scales movement time, rests and the gaps between reps, and slows or speeds
the voice a little.  It never changes a prescribed hold: a 10-second hold lasts
10 seconds at every pace.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Pace:
    factor: float
    rate_percent: int
    name: str


PACES: tuple[Pace, ...] = (
    Pace(0.8, 110, "brisk"),
    Pace(1.0, 100, "normal"),
    Pace(1.25, 92, "slow"),
    Pace(1.5, 85, "slower"),
    Pace(1.75, 80, "very slow"),
)
NORMAL_PACE = 1
GENTLE_PACE = 3
SLOWEST_PACE = len(PACES) - 1
FASTEST_PACE = 0


def pace(level: int) -> Pace:
    return PACES[clamp_pace(level)]


def clamp_pace(level: int, floor: int = FASTEST_PACE) -> int:
    return max(floor, FASTEST_PACE, min(SLOWEST_PACE, level))
