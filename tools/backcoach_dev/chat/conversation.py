"""What Alexa does between a person and the skill, for typed words.

Alexa opens the skill on its invocation name ("open back coach"), sends every
utterance of an open session to it as an intent, reprompts once when the person says
nothing and closes the session the second time, and ends it when the person leaves.
With no session open, "tell back coach I'm ready" is a one-shot request in a new
session; words that cannot start one (a yes, a "go back") open the skill first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from .device import Device
from .nlu import FALLBACK, Nlu, Understood
from .requests import launch, reprompt, session_ended, speech

# Intents Alexa cannot sensibly send as the first request of a session: they answer or
# steer something that is not there yet.  Others start a session as a one-shot request.
NEEDS_A_SESSION = frozenset(
    {
        "ChooseExerciseIntent",
        "AMAZON.YesIntent",
        "AMAZON.NoIntent",
        "AMAZON.RepeatIntent",
        "AMAZON.PreviousIntent",
        "AMAZON.PauseIntent",
        FALLBACK,
    }
)
# With no session open these do nothing at all: there is nothing to stop.
NOTHING_TO_DO = frozenset({"AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NavigateHomeIntent"})
# "The next day": the same time a calendar day on.  The skill counts days by the
# calendar (UTC when the device's zone is unknown); 16 hours, as before, stayed on the
# same day from any time before 08:00 UTC.
NEXT_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request to the skill and its response."""

    request: dict[str, Any]
    reply: dict[str, Any]
    understood: Understood | None = None

    @property
    def kind(self) -> str:
        return self.request["type"]

    @property
    def speech(self) -> str:
        return speech(self.reply)

    @property
    def reprompt(self) -> str:
        return reprompt(self.reply)

    @property
    def ends_session(self) -> bool:
        if self.kind == "SessionEndedRequest":
            return True
        return bool(self.reply.get("response", {}).get("shouldEndSession", True))


@dataclass(slots=True)
class Step:
    """Everything that happened for one thing the person said (or did not say)."""

    said: str
    exchanges: list[Exchange] = field(default_factory=list)
    spoken_again: str = ""  # SSML Alexa said again without asking the skill (a reprompt)
    note: str = ""  # what happened that the skill did not say

    @property
    def speeches(self) -> list[str]:
        said = [e.speech for e in self.exchanges if e.speech]
        return [*said, self.spoken_again] if self.spoken_again else said


class Conversation:
    """A person talking to one device, in typed words."""

    def __init__(self, device: Device, nlu: Nlu) -> None:
        self.device = device
        self.nlu = nlu
        self.reprompted = False

    @property
    def in_session(self) -> bool:
        return not self.device.ended

    def _send(self, request: dict[str, Any], understood: Understood | None = None) -> Exchange:
        reply = self.device.send(request)
        return Exchange(request, reply, understood)

    def open(self) -> Step:
        """Open the skill ("open back coach"), ending a session still open first."""
        step = Step("open back coach", self._leave())
        step.exchanges.append(self._send(launch()))
        return step

    def hear(self, text: str) -> Step:
        """What Alexa does with one utterance."""
        self.reprompted = False
        opening = self.nlu.invocation(text)
        if opening is not None and opening.launch:
            step = self.open()
            step.said = text
            return step
        understood = self.nlu.understand(opening.request if opening is not None else text)
        step = Step(text)
        if self.in_session or understood.intent not in NEEDS_A_SESSION | NOTHING_TO_DO:
            # Within the session, or a one-shot request that opens a new one.
            step.exchanges.append(self._send(understood.to_request(), understood))
        elif understood.intent in NOTHING_TO_DO:
            step.note = "Back Coach isn't open, so there is nothing to stop."
        else:
            self._open_first(step, understood)
        return step

    def _open_first(self, step: Step, understood: Understood) -> None:
        """Open the skill, then say the words in its session (unless they meant nothing)."""
        step.exchanges.append(self._send(launch()))
        if self.in_session and understood.intent != FALLBACK:
            step.exchanges.append(self._send(understood.to_request(), understood))

    def silence(self) -> Step:
        """The person says nothing: Alexa reprompts once, then closes the session."""
        step = Step("")
        if not self.in_session:
            step.note = "Nothing happens: Back Coach isn't open."
            return step
        last = reprompt(self.device.last)
        if last and not self.reprompted:
            self.reprompted = True
            step.spoken_again = last
            return step
        self.reprompted = False
        step.exchanges.append(self._send(session_ended("EXCEEDED_MAX_REPROMPTS")))
        step.note = "Alexa closed the session: no answer."
        return step

    def leave(self) -> Step:
        """The person says "exit" (or quits the chat): the open session ends."""
        return Step("exit", self._leave())

    def _leave(self) -> list[Exchange]:
        self.reprompted = False
        if not self.in_session:
            return []
        return [self._send(session_ended("USER_INITIATED"))]

    def next_day(self) -> Step:
        """Leave, and come back the next day."""
        step = self.leave()
        self.device.later(NEXT_DAY)
        return step

    def days_later(self, days: int) -> Step:
        """Leave, and come back ``days`` calendar days later (at the same time of day)."""
        step = self.leave()
        self.device.later(timedelta(days=days))
        return step
