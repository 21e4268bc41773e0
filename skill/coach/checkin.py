"""The check-in after a pain report: "How is your back today?" at the next launch.

Worse: offer the gentler routine or rest, and say to contact the physician; nothing
starts by itself.  Better or the same: the usual routine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Literal

from . import script
from .pacing import GENTLE_PACE
from .plan import PainEvent, Say
from .session import Coach, Outcome
from .state import SessionState

Feeling = Literal["better", "same", "worse"]
FEELINGS: tuple[Feeling, ...] = ("better", "same", "worse")
QUESTION = "How is your back today: better, the same, or worse?"


def needs_check_in(last_session: Mapping[str, Any] | None, last_pain: PainEvent | None) -> bool:
    """The last routine had a pain report (not a red flag: that has its own advice)."""
    if last_session is None or last_pain is None or last_pain.kind != "pain":
        return False
    pains = last_session.get("pains")
    return isinstance(pains, int) and pains > 0


def ask(coach: Coach, fresh: SessionState, hello: str) -> Outcome:
    speech = [Say(hello), Say("Last time, something hurt."), Say(QUESTION)]
    plan = coach._plan(fresh, speech)
    return fresh, replace(plan, reprompt=(Say(QUESTION),))


def answer(coach: Coach, fresh: SessionState, feeling: Feeling) -> Outcome:
    if feeling == "worse":
        gentle = fresh.evolve(gentle=True, pace=max(fresh.pace, GENTLE_PACE))
        offer = "Say start to do a gentler routine, or stop to rest today."
        speech = [
            Say("I'm sorry it's worse."),
            Say("If the pain continues, stop the exercises and contact your physician."),
            Say(offer),
        ]
        return gentle, replace(coach._plan(gentle, speech), reprompt=(Say(offer),))
    first = script.mid_sentence(coach.catalog[fresh.routine[0].exercise_id].name)
    count = script.plural(len(fresh.routine), "exercise")
    lead = "Good to hear." if feeling == "better" else "Okay. Go gently today."
    speech = [
        Say(lead),
        Say(f"Today's routine has {count}, starting with {first}."),
        Say(coach.prompt(fresh)),
    ]
    return fresh, coach._plan(fresh, speech)
