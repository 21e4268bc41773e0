"""Telling soreness, pain and red-flag symptoms apart in what a person says.

The interaction model already routes soreness, pain and red flags to separate
intents; this is the safety net behind it.  A report is treated as the most
serious thing either the intent or the words point to, so "my back is sore and
my leg is numb" is a red flag even when it arrived as soreness.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .plan import ReportKind

SEVERITY: dict[ReportKind, int] = {"soreness": 0, "pain": 1, "red_flag": 2}

# Red flags from DESIGN.md §3, each with how the coach names it back to the person.
RED_FLAGS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    (
        "numbness_tingling",
        "Numbness or tingling",
        re.compile(r"\b(numb\w*|tingl\w*|pins and needles|can'?t feel)\b"),
    ),
    (
        "leg_weakness",
        "Weakness in your legs",
        re.compile(r"\b(weak\w*|gave way|giving way|give way|buckl\w*|collaps\w*)\b"),
    ),
    (
        "shooting_leg_pain",
        "Pain shooting down your leg",
        re.compile(
            r"\bsciatica\b"
            r"|\b(shoot\w*|radiat\w*|travel\w*|spread\w*)\b.*\b(legs?|thighs?|foot|feet|calf)\b"
            r"|\b(down|into) (my|the|one|both) (legs?|thighs?|foot|feet)\b"
        ),
    ),
    (
        "bladder_bowel",
        "A change in bladder or bowel control",
        re.compile(
            r"\b(bladder|bowel\w*|incontinen\w*|wet myself|soiled|can'?t (pee|urinate)|"
            r"peed myself|pooed myself|lost control of my (bladder|bowels?))\b"
        ),
    ),
    (
        "fall_injury",
        "Pain after a fall or injury",
        re.compile(r"\b(fell|fall|fallen|falling|injur\w*|accident|slipped|tripped)\b"),
    ),
)

PAIN_WORDS = re.compile(
    r"\b(hurt\w*|pain\w*|ouch|ow+|sharp|stab\w*|killing|agony|excruciating|"
    r"doesn'?t feel right|not right|twing\w*|pinch\w*|spasm\w*)\b"
)
SORENESS_WORDS = re.compile(r"\b(sore\w*|stiff\w*|ach(e|es|y|ing)|tired|burn\w*|tight\w*)\b")


@dataclass(frozen=True, slots=True)
class Classified:
    kind: ReportKind
    red_flag: str | None = None
    symptom: str | None = None


def classify(words: str, reported_as: ReportKind = "pain", flag: str | None = None) -> Classified:
    """The most serious reading of a report: the intent's kind or what the words say.

    ``flag`` is the red flag the intent's slot resolved to, if any.
    """
    text = " ".join(words.lower().replace("\u2019", "'").split())
    for name, symptom, pattern in RED_FLAGS:
        if name == flag or pattern.search(text):
            return Classified("red_flag", name, symptom)
    if reported_as == "red_flag":
        return Classified("red_flag", "unspecified", "What you describe")
    from_words: ReportKind | None = None
    if PAIN_WORDS.search(text):
        from_words = "pain"
    elif SORENESS_WORDS.search(text):
        from_words = "soreness"
    if from_words is None or SEVERITY[reported_as] >= SEVERITY[from_words]:
        return Classified(reported_as)
    return Classified(from_words)
