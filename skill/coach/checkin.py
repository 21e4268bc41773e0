"""The check-in after a pain report: "How is your back today?" at the next launch.

Better or the same: the usual routine.  Worse is pain that persisted: the coach's
``WorseAtCheckIn`` event stops exercise for the day (handout A: "Should pain persist,
discontinue exercises and contact your physician immediately").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Literal

from . import script
from .plan import PainEvent, Say
from .session import Coach, Outcome
from .state import SessionState
from .words import Words, one_or_many

Feeling = Literal["better", "same", "worse"]  # worse goes to the coach, not answer()
FEELINGS: tuple[Feeling, ...] = ("better", "same", "worse")


def needs_check_in(last_session: Mapping[str, Any] | None, last_pain: PainEvent | None) -> bool:
    """The last routine had a pain report (not a red flag: that has its own advice)."""
    if last_session is None or last_pain is None or last_pain.kind != "pain":
        return False
    pains = last_session.get("pains")
    return isinstance(pains, int) and pains > 0


def question(words: Words) -> str:
    """How is your back today: better, the same, or worse?"""
    return words.phrase("checkin_question")


def ask(coach: Coach, fresh: SessionState, hello: str) -> Outcome:
    asked = question(coach.words)
    speech = [Say(hello), Say(coach.words.phrase("checkin_last_time")), Say(asked)]
    plan = coach._plan(fresh, speech)
    return fresh, replace(plan, reprompt=(Say(asked),))


def answer(coach: Coach, fresh: SessionState, feeling: Feeling) -> Outcome:
    """Better or the same: today's usual routine."""
    words = coach.words
    first = script.mid_sentence(coach.catalog[fresh.routine[0].exercise_id].name)
    total = len(fresh.routine)
    count = one_or_many(words.phrase("exercises", count=total), total)
    lead = words.phrase("checkin_better") if feeling == "better" else words.phrase("checkin_same")
    speech = [
        Say(lead),
        Say(words.phrase("todays_routine", exercises=count, first=first)),
        Say(coach.prompt(fresh)),
    ]
    return fresh, coach._plan(fresh, speech)
