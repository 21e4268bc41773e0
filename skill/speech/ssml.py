"""Rendering a coach plan to SSML that Alexa accepts and that keeps time.

A hold is counted so that the counting lasts the hold whatever the voice: each count
is a short cue ("seven", "twenty seconds left") placed on its second (or, for long
holds, on its milestone), and the gap to the next is an exact ``<break>``.  Only the
cues' own length is estimated (:func:`~skill.speech.timing.cue_seconds`), so a voice
that speaks faster or slower moves the end of a 10 s count by a few tenths, not
seconds (tests/test_count_timing.py measures it with espeak-ng at three rates).  Cues
are at most 10 s apart, so no gap inside a count needs chained breaks, which some
engines (espeak-ng) do not add up.  A count is said at the normal rate even when the
pace slows the voice: the pace is in the movement and the rests, never in a hold.
The count's sentences are phrases of content/speech; the numbers in them are
:func:`~skill.speech.timing.number_words`.  Without ``words``, the base phrases.
"""

from __future__ import annotations

import re
from functools import lru_cache
from xml.sax.saxutils import escape

from ..coach.reply import Hold, Pause, Reply, Say, Segment
from ..coach.words import Words, base_words
from .limits import MAX_BREAK_SECONDS, check_ssml
from .timing import cue_seconds, number_words

# Characters that XML 1.0 does not allow at all; they never reach the SSML.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Holds up to this long are counted every second; longer ones count down in steps.
COUNT_EVERY_SECOND_UP_TO = 10
FINAL_COUNTDOWN = 3
# A beat of silence between the cue before a count ("Hold.") and its first number, so
# the two are not run together ("hold one"); the hold itself starts at that number.
COUNT_LEAD_IN_SECONDS = 0.3
# A long hold's first "seconds left" comes at least this long after its length is said.
FIRST_MILESTONE_AFTER = 3


def speakable(text: str) -> str:
    """Plain text made safe to put inside SSML."""
    return escape(_NOT_XML.sub("", text))


def breaks(seconds: float) -> str:
    """Silence of any length as ``<break>`` tags of at most 10 s each."""
    parts: list[str] = []
    remaining = round(max(0.0, seconds), 3)
    while remaining > 0:
        step = min(remaining, MAX_BREAK_SECONDS)
        millis = round(step * 1000)
        if millis <= 0:
            break
        parts.append(
            f'<break time="{millis / 1000:g}s"/>'
            if millis % 1000 == 0
            else f'<break time="{millis}ms"/>'
        )
        remaining = round(remaining - step, 3)
    return "".join(parts)


def hold_step(seconds: int) -> int:
    """How often a long hold announces the time left (never more than 10 s apart, so
    each gap is one break)."""
    return 5 if seconds <= 30 else 10


def hold_cues(seconds: int, words: Words | None = None) -> list[tuple[int, str]]:
    """What to say at which second of a hold: every second for short holds; for long
    ones the length, the time left at each step, and a final three, two, one."""
    words = words or base_words()

    def count(number: int) -> str:
        return words.phrase("hold_count", number=number_words(number))

    if seconds <= COUNT_EVERY_SECOND_UP_TO:
        return [(second, count(second + 1)) for second in range(seconds)]
    cues = [(0, words.phrase("hold_length", number=number_words(seconds)))]
    step = hold_step(seconds)
    first = (seconds - FIRST_MILESTONE_AFTER) // 5 * 5  # the first "left", 3 s in or later
    for left in range(first, FINAL_COUNTDOWN + 2, -5):
        if left == first or left % step == 0:
            cues.append((seconds - left, words.phrase("hold_left", number=number_words(left))))
    cues += [(seconds - n, count(n)) for n in range(FINAL_COUNTDOWN, 0, -1)]
    return cues


def cue_starts(cues: list[tuple[int, str]]) -> list[float]:
    """When each cue of a hold begins, in seconds after the lead-in: on its second, or
    as soon as the cue before has been said when that runs over.  The SSML's breaks
    (render_hold) and the screen's count (skill/speech/timeline.py) both come from it."""
    starts: list[float] = []
    end = 0.0
    for at, said in cues:
        start = max(end, at)
        starts.append(start)
        end = start + cue_seconds(said)
    return starts


@lru_cache(maxsize=256)
def render_hold(seconds: int, words: Words | None = None) -> str:
    """A counted hold, said at the normal rate, whose length is ``seconds``: each cue
    on its moment, the rest of each moment an exact break (rendered once per length)."""
    parts: list[str] = [breaks(COUNT_LEAD_IN_SECONDS)]
    cues = hold_cues(seconds, words)
    for index, ((_, said), start) in enumerate(zip(cues, cue_starts(cues), strict=True)):
        target_next = cues[index + 1][0] if index + 1 < len(cues) else seconds
        parts.append(speakable(said))
        gap = target_next - (start + cue_seconds(said))
        if gap > 0:
            parts.append(breaks(gap))
    return " ".join(parts)


@lru_cache(maxsize=4096)
def render_segments(
    segments: tuple[Segment, ...], rate_percent: int, words: Words | None = None
) -> str:
    """SSML for the segments: words and pauses at the pace's rate, counts at the normal
    rate (outside the ``<prosody>`` of the words around them).  Rendered once per
    distinct turn: the same exercise at the same pace and step is said alike to all."""
    runs: list[str] = []  # alternately words-and-pauses (at the rate) and counts
    paced: list[str] = []
    for segment in segments:
        if isinstance(segment, Say):
            paced.append(speakable(segment.text))
        elif isinstance(segment, Pause):
            paced.append(breaks(segment.seconds))
        elif isinstance(segment, Hold):
            runs.append(_at_rate(paced, rate_percent))
            runs.append(render_hold(segment.seconds, words))
            paced = []
        else:  # pragma: no cover - Segment is a closed union
            raise TypeError(f"not a speech segment: {segment!r}")
    runs.append(_at_rate(paced, rate_percent))
    return "<speak>" + " ".join(run for run in runs if run) + "</speak>"


def _at_rate(parts: list[str], rate_percent: int) -> str:
    body = " ".join(part for part in parts if part)
    if body and rate_percent != 100:
        return f'<prosody rate="{rate_percent}%">{body}</prosody>'
    return body


@lru_cache(maxsize=1024)
def _check_once(ssml: str) -> None:
    """check_ssml, once per distinct SSML: a routine renders the same few hundred
    strings for every person, and parsing each again cost a tenth of a request."""
    check_ssml(ssml)


def render(plan: Reply, words: Words | None = None) -> tuple[str, str | None]:
    """SSML for a plan's speech and its reprompt (None when the session ends), holds
    counted in ``words``.

    Raises :class:`~skill.speech.limits.SpeechLimitError` if Alexa would refuse it.
    """
    speech = render_segments(plan.speech, plan.rate_percent, words)
    _check_once(speech)
    reprompt = None
    if plan.reprompt:
        reprompt = render_segments(plan.reprompt, plan.rate_percent, words)
        _check_once(reprompt)
    return speech, reprompt
