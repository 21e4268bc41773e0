"""When each thing in a reply is said: the plan the SSML's breaks are placed by, as
moments a screen can follow.

The SSML (skill/speech/ssml.py) says words at the pace's rate, pauses as exact breaks
and each hold as a lead-in break then its cues on their seconds.  The timeline walks
the same segments with the same estimates (``text_seconds`` at the rate for words,
the breaks' exact lengths, ``cue_starts`` for a hold's cues), so a count on screen
that waits for each mark's moment shows "7" when the voice says "seven", with no
request in between.  tests/test_screens.py checks it against the rendered SSML.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..coach.reply import Hold, Pause, Say, Segment
from ..coach.words import Words
from .ssml import COUNT_EVERY_SECOND_UP_TO, COUNT_LEAD_IN_SECONDS, cue_starts, hold_cues
from .timing import cue_seconds, text_seconds

MarkKind = Literal["say", "count", "end"]


@dataclass(frozen=True, slots=True)
class Mark:
    """One moment of a reply: words begin (``say``), a count cue begins (``count``,
    with the number to show), or a hold ends (``end``)."""

    at: float  # seconds from the start of the speech
    kind: MarkKind
    said: str = ""
    number: int | None = None


def shown_number(seconds: int, at: int) -> int:
    """The number a screen shows for a hold's cue on second ``at``: the count said
    ("one" at 0) for a short hold, the seconds left for a long one."""
    return at + 1 if seconds <= COUNT_EVERY_SECOND_UP_TO else seconds - at


def hold_marks(start: float, seconds: int, words: Words | None) -> list[Mark]:
    """A hold's cues, from ``start`` (its lead-in break), and its end."""
    begin = start + COUNT_LEAD_IN_SECONDS
    cues = hold_cues(seconds, words)
    marks = [
        Mark(begin + when, "count", said, shown_number(seconds, at))
        for (at, said), when in zip(cues, cue_starts(cues), strict=True)
    ]
    last = marks[-1]
    marks.append(Mark(max(begin + seconds, last.at + cue_seconds(last.said)), "end"))
    return marks


def timeline(segments: tuple[Segment, ...], rate_percent: int, words: Words | None) -> list[Mark]:
    """Every moment of the segments, in order, as the SSML renders them."""
    marks: list[Mark] = []
    now = 0.0
    for segment in segments:
        if isinstance(segment, Say):
            marks.append(Mark(now, "say", segment.text))
            now += text_seconds(segment.text, rate_percent)
        elif isinstance(segment, Pause):
            now += max(0.0, segment.seconds)
        elif isinstance(segment, Hold):
            held = hold_marks(now, segment.seconds, words)
            marks.extend(held)
            now = held[-1].at
    return marks
