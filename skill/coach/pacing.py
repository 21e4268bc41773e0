"""The pace setting: how much slower or faster than normal the coach counts and rests.

A pace scales movement time, rests and the gaps between reps, and slows or speeds
the voice of the coaching a little (the introductions and the counts; answers,
questions and safety advice keep the normal voice).  It never changes a prescribed
hold: a 10-second hold lasts 10 seconds at every pace.

Each pace's name is a phrase of ``content/speech/en.yaml`` (``pace_...``), said both
going slower and going faster ("The pace is now slow"), so every name is an
adjective of a pace, never a comparison ("slower").
"""

from __future__ import annotations

from dataclasses import dataclass

from .words import Words


@dataclass(frozen=True, slots=True)
class Pace:
    factor: float
    rate_percent: int


PACES: tuple[Pace, ...] = (
    Pace(0.8, 110),  # brisk
    Pace(1.0, 100),  # normal
    Pace(1.25, 92),  # relaxed
    Pace(1.5, 85),  # slow (the gentle pace after pain)
    Pace(1.75, 80),  # very slow
)
NORMAL_PACE = 1
GENTLE_PACE = 3
SLOWEST_PACE = len(PACES) - 1
FASTEST_PACE = 0


def pace(level: int) -> Pace:
    return PACES[clamp_pace(level)]


def clamp_pace(level: int, floor: int = FASTEST_PACE) -> int:
    return max(floor, FASTEST_PACE, min(SLOWEST_PACE, level))


def pace_name(words: Words, level: int) -> str:
    """The pace's name, as said ("brisk" to "very slow"), from the content."""
    match clamp_pace(level):
        case 0:
            return words.phrase("pace_brisk")
        case 1:
            return words.phrase("pace_normal")
        case 2:
            return words.phrase("pace_relaxed")
        case 3:
            return words.phrase("pace_slow")
    return words.phrase("pace_very_slow")
