"""How long speech takes: the estimate that lets a spoken count last the hold it counts.

Alexa's voice says about four and a half syllables a second at the normal rate, with
short pauses at commas and full stops.  The estimate counts syllables by vowel
groups, adds those pauses, and divides by the prosody rate.  Breaks are exact.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from functools import lru_cache

from .limits import break_seconds, prosody_rate

SYLLABLES_PER_SECOND = 4.5
COMMA_PAUSE = 0.15
STOP_PAUSE = 0.3
# A word said on its own between breaks (a count: "seven") takes a little more than its
# syllables: its onset and release.  Measured with espeak-ng at 175 words a minute, a
# one-syllable count takes about 0.27 s where the syllables alone give 0.22.
ISOLATED_WORD_EXTRA = 0.05

_WORD = re.compile(r"[A-Za-z']+|\d+")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")


@lru_cache(maxsize=4096)
def syllables(word: str) -> int:
    if word.isdigit():
        return sum(syllables(w) for w in number_words(int(word)).split())
    word = word.lower().strip("'")
    count = len(_VOWEL_GROUPS.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee")) and count > 1:
        count -= 1
    return max(1, count)


def text_seconds(text: str, rate_percent: float = 100) -> float:
    """Estimated seconds to say plain text at a prosody rate."""
    spoken = sum(syllables(w) for w in _WORD.findall(text)) / SYLLABLES_PER_SECOND
    pauses = text.count(",") * COMMA_PAUSE + sum(text.count(c) for c in ".?!:;") * STOP_PAUSE
    return (spoken + pauses) / (rate_percent / 100)


@lru_cache(maxsize=1024)
def cue_seconds(text: str) -> float:
    """Estimated seconds to say a short count cue at the normal rate, between breaks:
    its syllables and each word's onset and release; no sentence pause (the break that
    follows is the pause)."""
    spoken = _WORD.findall(text)
    return sum(syllables(w) for w in spoken) / SYLLABLES_PER_SECOND + ISOLATED_WORD_EXTRA * len(
        spoken
    )


@lru_cache(maxsize=1024)
def speech_seconds(ssml: str) -> float:
    """Estimated seconds Alexa takes to say an SSML string (cached: the same counts are
    said to everyone)."""
    return _element_seconds(ET.fromstring(ssml), 100.0)


def _element_seconds(element: ET.Element, rate: float) -> float:
    if element.tag == "prosody" and "rate" in element.attrib:
        rate = rate * prosody_rate(element.attrib["rate"]) / 100
    total = 0.0
    if element.tag == "break":
        total += break_seconds(element.get("time", "0ms"))
    if element.text:
        total += text_seconds(element.text, rate)
    for child in element:
        total += _element_seconds(child, rate)
        if child.tail:
            total += text_seconds(child.tail, rate)
    return total


_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def number_words(number: int) -> str:
    """0 to 999 in words, as counted aloud ("twenty-five" is said "twenty five")."""
    if not 0 <= number < 1000:
        raise ValueError(f"cannot say {number} as a count")
    if number < 20:
        return _ONES[number]
    if number < 100:
        tens, ones = divmod(number, 10)
        return _TENS[tens] + (f" {_ONES[ones]}" if ones else "")
    hundreds, rest = divmod(number, 100)
    return f"{_ONES[hundreds]} hundred" + (f" and {number_words(rest)}" if rest else "")
