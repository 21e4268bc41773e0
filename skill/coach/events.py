"""Everything a person can ask of the coach, as plain values (the webhook maps intents here)."""

from __future__ import annotations

from dataclasses import dataclass

from .plan import ReportKind


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
    | Yes
    | No
    | StartOver
    | HoldTime
    | WorseAtCheckIn
)
