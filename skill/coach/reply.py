"""What the coach wants said: a sequence of segments the speech layer renders to SSML.

The core never writes SSML.  It says *what* to say and *how long* things take; the
speech layer decides how to make Alexa say it in that time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Say:
    """Plain text to speak (the speech layer escapes it)."""

    text: str


@dataclass(frozen=True, slots=True)
class Pause:
    """Silence, in seconds (rest between sets, time to move)."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Hold:
    """A hold to count aloud so that the counting lasts ``seconds``."""

    seconds: int


Segment = Say | Pause | Hold

ReportKind = Literal["soreness", "discomfort", "pain", "red_flag"]
REPORT_KINDS: tuple[ReportKind, ...] = ("soreness", "discomfort", "pain", "red_flag")
PainAction = Literal["reassured", "slowed", "gentle_offered", "stopped", "urgent_stop", "advised"]


@dataclass(frozen=True, slots=True)
class PainEvent:
    """One report of pain or soreness, for the person's history (docs/ARCHITECTURE.md,
    'Pain policy')."""

    at: str | None
    words: str
    kind: ReportKind
    action: PainAction
    exercise_id: str | None
    set_number: int | None
    red_flag: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "at": self.at,
            "words": self.words,
            "kind": self.kind,
            "action": self.action,
            "exercise": self.exercise_id,
            "set": self.set_number,
            "red_flag": self.red_flag,
        }

    @classmethod
    def from_dict(cls, data: object) -> PainEvent | None:
        """A stored pain event, or None when it cannot be read (never raises)."""
        if not isinstance(data, dict) or data.get("kind") not in REPORT_KINDS:
            return None
        return cls(
            at=_text(data.get("at")),
            words=_text(data.get("words")) or "",
            kind=data["kind"],
            action=data.get("action", "advised"),
            exercise_id=_text(data.get("exercise")),
            set_number=data.get("set") if isinstance(data.get("set"), int) else None,
            red_flag=_text(data.get("red_flag")),
        )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class Reply:
    """Everything one turn says, and whether the conversation goes on."""

    speech: tuple[Segment, ...]
    reprompt: tuple[Say, ...] = ()
    end_session: bool = False
    rate_percent: int = 100
    pain_event: PainEvent | None = None
    delete_data: bool = False  # the person confirmed "delete my data": the shell does it

    @property
    def text(self) -> str:
        """The spoken words only, for tests and the terminal chat."""
        return " ".join(s.text for s in self.speech if isinstance(s, Say))
