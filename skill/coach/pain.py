"""Telling soreness, discomfort, pain, severe pain and red flags apart.

The interaction model routes soreness, pain and red flags to separate intents and
puts the telling words in slots (which red flag, how bad the pain is); this is the
safety net behind it.  A report is read as the most serious thing either the intent,
its slots or the words point to, so "my back is sore and my leg is numb" is a red
flag even when it arrived as soreness.  The same reading screens the words of other
intents' slots ("do the back of my leg hurts"): :func:`screen` says whether they are
a report at all.

The categories follow handout A's general instructions: muscle soreness is expected;
"discomfort other than muscle soreness" slows the pace or cuts the repetitions; pain
stops; pain that persists ends the exercises for the day.  The red flags are those of
docs/ARCHITECTURE.md, 'Pain policy'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .reply import ReportKind

SEVERITY: dict[ReportKind, int] = {"soreness": 0, "discomfort": 1, "pain": 2, "red_flag": 3}

# Red flags that may mean the person is hurt on the floor now: the way to get help
# comes before anything else.
EMERGENCIES = frozenset({"fall_injury", "cannot_get_up", "distress"})

# Each red flag: its id (the RED_FLAG slot type's ids, and the key of its name in
# content/safety.yaml's ``symptoms``) and the words that give it away.  The order
# matters: the first that fits names the report, so "I fell and can't get up" is
# that, not a fall alone.
RED_FLAGS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "cannot_get_up",
        re.compile(
            r"\b(can'?t|cannot|unable to) get (up|off)\b|\bstuck on the (floor|ground)\b"
            r"|\bfallen\b|\bcan'?t move\b"
        ),
    ),
    (
        "bladder_bowel",
        re.compile(
            r"\b(bladder|bowel\w*|incontinen\w*|wet (myself|me)|soiled|pee'?d myself|"
            r"wee'?d myself|pooe?d myself|leak\w*|can'?t (hold|stop) (my )?(pee|wee|it)|"
            r"can'?t (pee|wee|urinate)|(had|have) an accident|lost control)\b"
        ),
    ),
    (
        "numbness_tingling",
        re.compile(
            r"\b(numb\w*|tingl\w*|pins and needles|can'?t feel|no feeling|gone dead|"
            r"feels? dead|saddle)\b"
        ),
    ),
    (
        "leg_weakness",
        re.compile(
            r"\b(weak\w*|gave (way|out)|giving (way|out)|give (way|out)|buckl\w*|"
            r"collaps\w*|wobbl\w*|foot drop|dropped foot)\b"
        ),
    ),
    (
        "shooting_leg_pain",
        re.compile(
            r"\bsciatica\b"
            r"|\b(shoot\w*|radiat\w*|travel\w*|spread\w*)\b.*\b(legs?|thighs?|foot|feet|calf)\b"
            r"|\b(down|into) (my|the|one|both) (legs?|thighs?|foot|feet)\b"
            r"|\bdown the back of my legs?\b"
        ),
    ),
    (
        "fall_injury",
        re.compile(r"\b(fell|fall|falling|injur\w*|slipped|tripped|tumble|accident)\b"),
    ),
    (
        "distress",
        re.compile(r"\b(help me|somebody help|someone help|need help|call an ambulance)\b"),
    ),
)

SEVERE_WORDS = re.compile(
    r"\b(killing|(hurts?|hurting|hurt) (a lot|so much|so bad|badly)|a lot of pain|"
    r"really (hurts?|hurting|hurt|painful|bad)|sharp\w*|stab\w*|agony|"
    r"excruciating|unbearable|(terrible|awful|bad|severe|worst) pain|pop\w*|snap\w*|"
    r"tore|torn|something (went|go|gone|give|gave)|can'?t bear)\b"
)
DISCOMFORT_WORDS = re.compile(r"\b(uncomfortable|discomfort|twing\w*|niggl\w*|pinch\w*)\b")
PAIN_WORDS = re.compile(
    r"\b(hurt\w*|pain\w*|ouch|ow+|aa+h|ooh|agh|stab\w*|killing|agony|"
    r"doesn'?t feel right|not right|pulled|spasm\w*|worse)\b"
)
SORENESS_WORDS = re.compile(r"\b(sore\w*|stiff\w*|ach(e|es|y|ing)|tired|burn\w*|tight\w*)\b")

# Ids of the PAIN_WORD slot type: how bad the pain is.
PAIN_LEVELS = {"pain": "pain", "severe": "pain", "discomfort": "discomfort"}


@dataclass(frozen=True, slots=True)
class Classified:
    kind: ReportKind
    red_flag: str | None = None  # which one ("unspecified" when no word said which)
    severe: bool = False  # pain that stops the exercises for today at once

    @property
    def emergency(self) -> bool:
        """A red flag that may mean the person is hurt and on the floor now."""
        return self.red_flag in EMERGENCIES


def normalise(words: str) -> str:
    return " ".join(words.lower().replace("\u2019", "'").split())


def classify(
    words: str,
    reported_as: ReportKind = "pain",
    flag: str | None = None,
    level: str | None = None,
) -> Classified:
    """The most serious reading of a report: the intent's kind, its slots or the words.

    ``flag`` is the red flag the intent's slot resolved to, if any; ``level`` the
    PAIN_WORD slot's id (``pain``, ``severe`` or ``discomfort``).
    """
    text = normalise(words)
    for name, pattern in RED_FLAGS:
        if name == flag or pattern.search(text):
            return Classified("red_flag", name)
    if reported_as == "red_flag":
        # The intent said red flag but neither slot nor words say which: the words may
        # still say plainly it was soreness or pain ("my leg is sore" misheard);
        # anything else stays a red flag.
        plain = _from_words(text, level)
        if plain is None:
            return Classified("red_flag", "unspecified")
        return plain
    from_words = _from_words(text, level)
    if from_words is None:
        return Classified(reported_as)
    if reported_as == "pain" and from_words.kind == "discomfort":
        # One intent takes every word for hurting; "a twinge" with no word of pain is
        # the handout's "discomfort other than muscle soreness".
        return from_words
    if SEVERITY[reported_as] > SEVERITY[from_words.kind]:
        return Classified(reported_as)
    return from_words


def _from_words(text: str, level: str | None) -> Classified | None:
    if level == "severe" or SEVERE_WORDS.search(text):
        return Classified("pain", severe=True)
    if PAIN_LEVELS.get(level or "") == "pain" or PAIN_WORDS.search(text):
        return Classified("pain")
    if level == "discomfort" or DISCOMFORT_WORDS.search(text):
        return Classified("discomfort")
    if SORENESS_WORDS.search(text):
        return Classified("soreness")
    return None


def screen(words: str) -> Classified | None:
    """What another intent's slot words report, if they read as a symptom at all:
    an exercise name or an answer that says "my leg hurts" is a report, not a name."""
    text = normalise(words)
    if not text:
        return None
    for name, pattern in RED_FLAGS:
        if name != "distress" and pattern.search(text):
            return Classified("red_flag", name)
    found = _from_words(text, None)
    return found if found is not None and found.kind != "soreness" else None
