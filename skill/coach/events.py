"""Everything a person can ask of the coach, as plain values (the webhook maps intents here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

from .reply import PainEvent, ReportKind
from .state import QuestionKind, SessionState


@dataclass(frozen=True, slots=True)
class Start:
    """Begin the routine (or begin it again once it has finished)."""


@dataclass(frozen=True, slots=True)
class Ready:
    """In position: count the set."""


@dataclass(frozen=True, slots=True)
class Next:
    """Done with this part: go on ("next", "done", "okay")."""


@dataclass(frozen=True, slots=True)
class Repeat:
    """Say that again (repeat the instructions or count the set again)."""


@dataclass(frozen=True, slots=True)
class Previous:
    """Go back to the previous exercise."""


@dataclass(frozen=True, slots=True)
class Skip:
    """Leave out the current exercise."""


@dataclass(frozen=True, slots=True)
class GoTo:
    """Do a named exercise now."""

    exercise_id: str
    variant: str | None = None


@dataclass(frozen=True, slots=True)
class Describe:
    """Say how an exercise is done, without doing it."""

    exercise_id: str
    variant: str | None = None


@dataclass(frozen=True, slots=True)
class Slower:
    pass


@dataclass(frozen=True, slots=True)
class Faster:
    pass


@dataclass(frozen=True, slots=True)
class Pause:
    """Pause; ``mid_count`` when said while a count was still being spoken."""

    mid_count: bool = False


@dataclass(frozen=True, slots=True)
class Resume:
    pass


@dataclass(frozen=True, slots=True)
class PainReported:
    """A report of pain, soreness or a red-flag symptom, with the words said.

    ``reported_as`` is what the intent said it was; the coach takes the more
    serious of that and what the words say.  ``at`` is the request's timestamp:
    the core has no clock.
    """

    words: str = ""
    reported_as: ReportKind = "pain"
    at: str | None = None
    red_flag: str | None = None  # which red flag, when the intent's slot said so
    mid_count: bool = False  # said while a count was still being spoken (it was cut short)
    level: str | None = None  # how bad, when the intent's slot said so: pain, severe, discomfort


@dataclass(frozen=True, slots=True)
class StartOver:
    """Back to the first exercise of the routine ("start over", "from the beginning")."""


@dataclass(frozen=True, slots=True)
class HoldTime:
    """ "How long do I hold it?": the current exercise's hold."""


@dataclass(frozen=True, slots=True)
class Named:
    """An exercise the person named ("do the bridge", "how do I do knee rolls"): the
    coach describes it, goes to it, or asks first when it is outside the routine."""

    exercise_id: str
    describe: bool = False


@dataclass(frozen=True, slots=True)
class Asked:
    """The shell needs an answer first: which of ``ids`` (a name several exercises
    share), whether a rough match was meant (``spoken``: what was heard), whether to
    delete the data, or the link code.  The coach asks and waits (``state.question``)."""

    kind: QuestionKind
    ids: tuple[str, ...] = ()
    describe: bool = False
    spoken: str = ""


@dataclass(frozen=True, slots=True)
class Choose:
    """The answer to "which one?": the exercise it picked, or None when it picked none."""

    exercise_id: str | None


@dataclass(frozen=True, slots=True)
class PlanLinked:
    """The physician's plan was linked by its code: ``fresh`` is its routine, not yet
    begun; ``note`` the physician's note to read out, if any."""

    fresh: SessionState
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ExpiredPlace:
    """A saved place the shell no longer offers (older than the resume window): the
    day it was saved and today, both the person's local days."""

    saved_on: date
    today: date


@dataclass(frozen=True, slots=True)
class LinkFailed:
    """A code read back and confirmed could not be checked: too many tries this hour
    (``limited``), the store down (``unavailable``), or no store or person to link
    (``cannot_link``).  A code not found is asked for again (``Asked("code")``)."""

    reason: Literal["limited", "unavailable", "cannot_link"]


@dataclass(frozen=True, slots=True)
class Launch:
    """The person opened Back Coach.  ``fresh`` is today's routine not yet begun (the
    linked plan's or the default); the others are what the shell read for the
    greeting: a returning person, the newest pain report, the streak (said from two
    days on), whether to ask how the back is first (after a day with pain), and a
    saved place that has expired (said, then the fresh start), and whether the
    physician has changed the linked plan since the person last heard it (said once)."""

    fresh: SessionState
    returning: bool = False
    last_pain: PainEvent | None = None
    streak: int = 0
    check_in: bool = False
    expired: ExpiredPlace | None = None
    plan_changed: bool = False


@dataclass(frozen=True, slots=True)
class Leave:
    """The session ended without a word (walked away, timed out): keep the place.
    ``mid_count`` when it ended while a count was still being said."""

    mid_count: bool = False


@dataclass(frozen=True, slots=True)
class NotUnderstood:
    """Words the skill could not place.  ``mid_count``: said while a count was being
    said, which cut it short."""

    mid_count: bool = False


@dataclass(frozen=True, slots=True)
class CheckInAnswer:
    """ "Better" or "the same", asked how the back is after a day with pain."""

    feeling: Literal["better", "same"]


@dataclass(frozen=True, slots=True)
class WorseAtCheckIn:
    """ "Worse", asked how the back is after a day with pain: the pain has persisted."""

    at: str | None = None


@dataclass(frozen=True, slots=True)
class WhatsNext:
    pass


@dataclass(frozen=True, slots=True)
class HowManyLeft:
    pass


@dataclass(frozen=True, slots=True)
class Stop:
    """Stop for now; the place is kept so the person can resume later.

    ``mid_count`` when said while a count was still being spoken."""

    mid_count: bool = False


@dataclass(frozen=True, slots=True)
class Done:
    """ "I'm done", "I'm finished": the part just counted is done, or the person has had
    enough; the coach asks before it stops, and never counts on it.  ``mid_count``
    when said while a count was still being spoken."""

    mid_count: bool = False


@dataclass(frozen=True, slots=True)
class Yes:
    pass


@dataclass(frozen=True, slots=True)
class No:
    pass


Event = (
    Start
    | Ready
    | Next
    | Repeat
    | Previous
    | Skip
    | GoTo
    | Describe
    | Slower
    | Faster
    | Pause
    | Resume
    | PainReported
    | WhatsNext
    | HowManyLeft
    | Stop
    | Done
    | Yes
    | No
    | StartOver
    | HoldTime
    | WorseAtCheckIn
    | Named
    | Asked
    | Choose
    | PlanLinked
    | LinkFailed
    | Launch
    | Leave
    | NotUnderstood
    | CheckInAnswer
)

# Every event class, for the table's checks (``isinstance`` over the union).
EVENT_TYPES: tuple[type, ...] = get_args(Event)
