"""The session state: a small, versioned value that serialises to compact JSON.

The store keeps it between sessions and Alexa carries it in the session
attributes within one, so it holds only what cannot be derived: the routine,
where the person is, the pace, and what the pain policy has done so far.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, Literal, get_args

from .catalog import Position
from .pacing import NORMAL_PACE, SLOWEST_PACE
from .routine import POSITION_ORDER, RoutineItem

STATE_VERSION = 1


class Phase(StrEnum):
    NOT_BEGUN = "ready"  # routine planned, not begun (the stored value is the old name)
    CHECK_IN = "check_in"  # the day after pain: asked how the back is, before anything
    POSITIONING = "positioning"  # exercise introduced, waiting for "ready"
    COUNTING = "counting"  # a set (or part of one) has been counted, waiting for "next"
    PAUSED = "paused"
    PAIN_CHECK = "pain_check"  # first pain report: asked "go on gently, or stop?"
    FINISHED = "finished"  # routine done
    STOPPED = "stopped"  # ended for safety: pain again, pain then stop, or a red flag


class StopReason(StrEnum):
    PAIN = "pain"
    RED_FLAG = "red_flag"


TERMINAL = frozenset({Phase.FINISHED, Phase.STOPPED})


class StateError(ValueError):
    """Stored state that cannot be read (corrupt, or from an unknown newer version)."""


QuestionKind = Literal[
    "which",
    "did_you_mean",
    "confirm",
    "delete",
    "code",
    "code_heard",
    "carry_on",
    "from_beginning",
    "stop_today",
]
QUESTION_KINDS: tuple[QuestionKind, ...] = get_args(QuestionKind)
MAX_QUESTION_IDS = 5
MAX_SPOKEN = 100


@dataclass(frozen=True, slots=True)
class Question:
    """A question the coach asked and is waiting for an answer to, in the state so that
    the answer ("yes", "the one on my stomach") is read against it.

    ``which``: which of ``ids`` was meant; ``did_you_mean``: the one id, a rough match;
    ``confirm``: start the one id, outside the routine; ``delete``: delete the data;
    ``code``: the plan's link code; ``code_heard``: whether the code heard (``spoken``,
    its digits) is right, before it is checked; ``carry_on``: carry on from the saved
    place (at a launch); ``from_beginning``: start from the beginning instead (after a
    "no" to carrying on); ``stop_today``: stop for today ("I'm done" before a count).
    ``describe`` when the exercise was asked about rather than asked for.
    """

    kind: QuestionKind
    ids: tuple[str, ...] = ()
    describe: bool = False
    spoken: str = ""  # the name or code as heard (at most MAX_SPOKEN)

    def to_list(self) -> list[Any]:
        return [self.kind, list(self.ids), 1 if self.describe else 0, self.spoken]

    @classmethod
    def from_list(cls, data: Any) -> Question:
        if type(data) is not list or len(data) != 4:
            raise ValueError("a question is a list of 4 values")
        kind, ids, describe, spoken = data
        if type(spoken) is not str or len(spoken) > MAX_SPOKEN:
            raise ValueError("a question's words are a short text")
        if kind not in QUESTION_KINDS:
            raise ValueError(f"unknown question {kind!r}")
        if type(ids) is not list or len(ids) > MAX_QUESTION_IDS:
            raise ValueError("a question's ids are a short list")
        if not all(type(i) is str for i in ids):
            raise ValueError("a question's ids are strings")
        return cls(kind, tuple(ids), bool(describe), spoken)


@dataclass(frozen=True, slots=True)
class SessionState:
    routine: tuple[RoutineItem, ...]
    phase: Phase = Phase.NOT_BEGUN
    index: int = 0  # current exercise in the routine
    set: int = 0  # current set, from 0
    rep: int = 0  # first rep slot of the current part of the set, from 0
    pace: int = NORMAL_PACE
    gentle: bool = False
    pains: int = 0  # pain reports in this routine
    paused_from: Phase | None = None
    stop_reason: StopReason | None = None
    last_position: Position | None = None  # where the person is lying, sitting or standing
    done: tuple[str, ...] = field(default=())  # exercise ids completed in this routine
    saved_at: str | None = None  # when the shell last saved it (ISO time); the core never reads it
    question: Question | None = None  # asked and not yet answered

    @property
    def item(self) -> RoutineItem | None:
        return self.routine[self.index] if 0 <= self.index < len(self.routine) else None

    def to_dict(self) -> dict[str, Any]:
        """The state as stored and carried in session attribute "s": short keys, as
        every request reads and writes it.  v version, r routine, ph phase, i index,
        s set, k rep, p pace; when not their default: g gentle, n pains today,
        pf paused from, sr stop reason, lp last position, d exercises done, t saved at,
        q the question waiting."""
        data: dict[str, Any] = {
            "v": STATE_VERSION,
            "r": [item.to_list() for item in self.routine],
            "ph": self.phase.value,
            "i": self.index,
            "s": self.set,
            "k": self.rep,
            "p": self.pace,
        }
        optional = {
            "g": 1 if self.gentle else 0,
            "n": self.pains,
            "pf": self.paused_from.value if self.paused_from else None,
            "sr": self.stop_reason.value if self.stop_reason else None,
            "lp": self.last_position,
            "q": self.question.to_list() if self.question else None,
            "d": list(self.done),
            "t": self.saved_at,
        }
        data.update({key: value for key, value in optional.items() if value})
        return data

    @classmethod
    def from_dict(cls, data: Any) -> SessionState:
        if not isinstance(data, dict):
            raise StateError("state is not an object")
        data = _migrate(data)
        try:
            routine = tuple(RoutineItem.from_list(item) for item in data["r"])
            paused_from = data.get("pf")
            stop_reason = data.get("sr")
            last_position = data.get("lp")
            if last_position is not None and last_position not in POSITION_ORDER:
                raise ValueError(f"unknown position {last_position!r}")
            state = cls(
                routine=routine,
                phase=Phase(data["ph"]),
                index=_whole(data["i"]),
                set=_whole(data["s"]),
                rep=_whole(data["k"]),
                pace=min(SLOWEST_PACE, _whole(data["p"])),
                gentle=bool(data.get("g", 0)),
                pains=_whole(data.get("n", 0)),
                paused_from=Phase(paused_from) if paused_from else None,
                stop_reason=StopReason(stop_reason) if stop_reason else None,
                last_position=last_position,
                done=tuple(str(d) for d in data.get("d", ())),
                saved_at=data["t"] if isinstance(data.get("t"), str) else None,
                question=Question.from_list(data["q"]) if data.get("q") is not None else None,
            )
        except (KeyError, TypeError, ValueError) as error:
            raise StateError(f"state does not fit version {STATE_VERSION}: {error}") from None
        if not routine:
            raise StateError("state has an empty routine")
        if state.index > len(routine) or (state.phase not in TERMINAL and state.item is None):
            raise StateError("state points past the end of its routine")
        return state

    @classmethod
    def from_json(cls, text: str | bytes) -> SessionState:
        try:
            data = json.loads(text)
        except (ValueError, TypeError) as error:
            raise StateError(f"state is not JSON: {error}") from None
        return cls.from_dict(data)

    def evolve(self, **changes: Any) -> SessionState:
        """A copy with ``changes``: what ``dataclasses.replace`` gives (a TypeError for a
        name that is not a field), without its per-call walk of the class's fields and
        keyword call of ``__init__`` (a request evolves the state about three times)."""
        unknown = changes.keys() - _STATE_FIELDS
        if unknown:
            raise TypeError(f"SessionState has no field {sorted(unknown)[0]!r}")
        copy = object.__new__(SessionState)
        for name in _STATE_FIELDS_IN_ORDER:
            _set(copy, name, changes[name] if name in changes else getattr(self, name))
        return copy


_STATE_FIELDS_IN_ORDER = tuple(f.name for f in fields(SessionState))
_STATE_FIELDS = frozenset(_STATE_FIELDS_IN_ORDER)
_set = object.__setattr__  # how a frozen dataclass's own __init__ sets its fields


def _whole(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{value!r} is not a non-negative whole number")
    return value


# Each entry upgrades a stored state from version N to N+1.  A newer release adds
# one here when it changes the layout, so a state saved yesterday still resumes.
MIGRATIONS: dict[int, Any] = {}


def _migrate(data: dict[str, Any]) -> dict[str, Any]:
    version = data.get("v")
    if not isinstance(version, int) or isinstance(version, bool):
        raise StateError(f"state has no valid version: {version!r}")
    if version > STATE_VERSION:
        raise StateError(f"state version {version} is newer than this release ({STATE_VERSION})")
    while version < STATE_VERSION:
        if version not in MIGRATIONS:
            raise StateError(f"state has no valid version: {version!r} cannot be upgraded")
        data = MIGRATIONS[version](data)
        version = data["v"]
    return data
