"""The ASK SDK request handlers: thin translations from Alexa requests to coach events.

Most intents map one to one onto a coach event (``EVENT_INTENTS``).  The rest
need a little more: launch (welcome or resume), exercise names (which may need a
question back), yes and no (which answer the last question), help, lists, and
the end of a session.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import get_slot, is_intent_name, is_request_type
from ask_sdk_model import Response
from ask_sdk_model.slu.entityresolution import StatusCode

from ..coach import events as ev
from ..coach.plan import PainEvent, Plan, ReportKind, Say
from ..coach.script import mid_sentence, plural
from .turn import QUESTION, Services, Turn

log = logging.getLogger("skill.handlers")


# Pain reports keep what was said for the history, but no more than this.
MAX_WORDS = 200


def _pain(kind: ReportKind) -> Callable[[Turn], ev.Event]:
    def event(turn: Turn) -> ev.Event:
        words = {"pain": "it hurts", "soreness": "it's sore", "red_flag": ""}[kind]
        flag = None
        if kind == "red_flag":
            words = _slot_value(turn.input, "symptom") or words
            flag = _resolved_id(turn.input, "symptom")
        body_part = _slot_value(turn.input, "body_part")
        if body_part:
            words = f"{words} in my {body_part}"
        words = words[:MAX_WORDS]
        return ev.PainReported(
            words=words, reported_as=kind, at=turn.at, red_flag=flag, mid_count=turn.mid_count
        )

    return event


def _slot_value(handler_input: HandlerInput, name: str) -> str | None:
    slot = get_slot(handler_input, name)
    if slot is None or not slot.value:
        return None
    # Text that is not valid Unicode (a lone surrogate) could not be stored with the
    # pain report: replace the bad characters, keep the rest.
    return str(slot.value).encode("utf-8", "replace").decode("utf-8")


def _resolved_id(handler_input: HandlerInput, name: str) -> str | None:
    slot = get_slot(handler_input, name)
    resolutions = slot.resolutions if slot is not None else None
    for authority in (resolutions.resolutions_per_authority or []) if resolutions else []:
        if authority.status and authority.status.code == StatusCode.ER_SUCCESS_MATCH:
            for wrapper in authority.values or []:
                if wrapper.value and wrapper.value.id:
                    return wrapper.value.id
    return None


def _simple(event: ev.Event) -> Callable[[Turn], ev.Event]:
    return lambda _turn: event


EVENT_INTENTS: dict[str, Callable[[Turn], ev.Event]] = {
    "StartRoutineIntent": _simple(ev.Start()),
    "ReadyIntent": _simple(ev.Ready()),
    "NextIntent": _simple(ev.Next()),
    "SkipIntent": _simple(ev.Skip()),
    "SlowerIntent": _simple(ev.Slower()),
    "FasterIntent": _simple(ev.Faster()),
    "WhatsNextIntent": _simple(ev.WhatsNext()),
    "HowManyLeftIntent": _simple(ev.HowManyLeft()),
    "PainIntent": _pain("pain"),
    "SorenessIntent": _pain("soreness"),
    "RedFlagIntent": _pain("red_flag"),
    "AMAZON.RepeatIntent": _simple(ev.Repeat()),
    "AMAZON.PreviousIntent": _simple(ev.Previous()),
    "AMAZON.PauseIntent": lambda turn: ev.Pause(mid_count=turn.mid_count),
    "AMAZON.ResumeIntent": _simple(ev.Resume()),
    "AMAZON.StopIntent": lambda turn: ev.Stop(mid_count=turn.mid_count),
    "AMAZON.CancelIntent": lambda turn: ev.Stop(mid_count=turn.mid_count),
    "AMAZON.NavigateHomeIntent": lambda turn: ev.Stop(mid_count=turn.mid_count),
}


class _Handler(AbstractRequestHandler):
    """A request handler with the shared services and a Turn per request."""

    intents: tuple[str, ...] = ()

    def __init__(self, services: Services) -> None:
        self.services = services

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return any(is_intent_name(name)(handler_input) for name in self.intents)

    def handle(self, handler_input: HandlerInput) -> Response:
        return self.answer(Turn(handler_input, self.services))

    def answer(self, turn: Turn) -> Response:  # pragma: no cover - abstract
        raise NotImplementedError


class CoachEventHandler(_Handler):
    """Every intent that is simply one coach event."""

    intents = tuple(EVENT_INTENTS)

    def answer(self, turn: Turn) -> Response:
        name = turn.input.request_envelope.request.intent.name
        return turn.event(EVENT_INTENTS[name](turn))


class LaunchHandler(_Handler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("LaunchRequest")(handler_input)

    def answer(self, turn: Turn) -> Response:
        record = turn.load()
        stored = turn.stored_state()
        returning = record is not None and (
            record.state is not None or record.last_session is not None
        )
        last_pain = PainEvent.from_dict(record.last_pain) if record else None
        fresh = turn.services.fresh_state()
        state, plan = turn.coach.greet(stored, fresh, returning=returning, last_pain=last_pain)
        return turn.answer(stored or fresh, state, plan)


class SessionEndedHandler(_Handler):
    """The person walked away or the session timed out: keep their place for next time."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("SessionEndedRequest")(handler_input)

    def answer(self, turn: Turn) -> Response:
        before = turn.state()
        turn.save(before, turn.coach.leave(before, turn.mid_count), None, ending=True)
        return turn.input.response_builder.response


class ExerciseHandler(_Handler):
    """ "Do the bridge", "how do I do knee rolls": find the exercise, or ask which one."""

    intents = ("DoExerciseIntent", "DescribeExerciseIntent")

    def answer(self, turn: Turn) -> Response:
        describe = is_intent_name("DescribeExerciseIntent")(turn.input)
        found = turn.services.names.resolve(get_slot(turn.input, "exercise"), turn.routine_ids)
        if len(found.ids) == 1:
            return turn.event(self.event(found.ids[0], describe))
        if not found.ids:
            return turn.say(self.unknown(turn))
        return ask_which(turn, found.ids, describe)

    @staticmethod
    def event(exercise_id: str, describe: bool) -> ev.Event:
        return ev.Describe(exercise_id) if describe else ev.GoTo(exercise_id)

    @staticmethod
    def unknown(turn: Turn) -> Plan:
        catalog = turn.coach.catalog
        examples = ", ".join(mid_sentence(catalog[i].name) for i in turn.routine_ids[:3])
        state = turn.state()
        return Plan(
            speech=(
                Say("I don't know that one."),
                Say(f"You can say, for example, {examples}, or the bridge."),
                Say("Or say list the exercises to hear them all."),
                Say(turn.coach.prompt(state)),
            ),
            reprompt=(Say(turn.coach.prompt(state)),),
        )


def ask_which(turn: Turn, ids: tuple[str, ...], describe: bool) -> Response:
    catalog = turn.coach.catalog
    names = [mid_sentence(catalog[i].full_name) for i in ids]
    question = f"Do you mean {', '.join(names[:-1])}, or {names[-1]}?"
    plan = Plan(speech=(Say(question),), reprompt=(Say(question),))
    return turn.say(plan, question={"kind": "describe" if describe else "do", "ids": list(ids)})


class ChooseExerciseHandler(_Handler):
    """The answer to "hip extension on all fours, or lying on your stomach?"."""

    intents = ("ChooseExerciseIntent",)

    def answer(self, turn: Turn) -> Response:
        question = turn.attributes.get(QUESTION) or {}
        candidates = tuple(question.get("ids") or ())
        if question.get("kind") not in ("do", "describe") or not candidates:
            return FallbackHandler.fallback(turn)
        chosen = turn.services.names.choose(
            _resolved_id(turn.input, "choice"),
            _slot_value(turn.input, "choice") or "",
            candidates,
        )
        if chosen is None:
            return ask_which(turn, candidates, question["kind"] == "describe")
        return turn.event(ExerciseHandler.event(chosen, question["kind"] == "describe"))


class ListExercisesHandler(_Handler):
    intents = ("ListExercisesIntent",)

    def answer(self, turn: Turn) -> Response:
        catalog = turn.coach.catalog
        state = turn.state()
        routine = [mid_sentence(catalog[i].name) for i in turn.routine_ids]
        others = len(catalog.exercises) - len(set(turn.routine_ids))
        speech = [
            Say(f"Your routine has {plural(len(routine), 'exercise')}: {', '.join(routine)}."),
            Say(
                f"I also know {plural(others, 'other exercise')} from your handouts, "
                "like cat and camel, the bridge and press ups. "
                "Do only the ones your physician recommended."
            ),
            Say(turn.coach.prompt(state)),
        ]
        return turn.say(Plan(tuple(speech), reprompt=(Say(turn.coach.prompt(state)),)))


class HelpHandler(_Handler):
    intents = ("AMAZON.HelpIntent",)

    def answer(self, turn: Turn) -> Response:
        state = turn.state()
        prompt = Say(turn.coach.prompt(state))
        return turn.say(Plan(tuple(turn.coach.help(state)), reprompt=(prompt,)))


class FallbackHandler(_Handler):
    intents = ("AMAZON.FallbackIntent",)

    def answer(self, turn: Turn) -> Response:
        return self.fallback(turn)

    @staticmethod
    def fallback(turn: Turn) -> Response:
        prompt = turn.coach.prompt(turn.state())
        speech = (Say("Sorry, I didn't catch that."), Say(prompt), Say("Or say help."))
        return turn.say(Plan(speech, reprompt=(Say(prompt),)))


class UnknownIntentHandler(_Handler):
    """An intent no other handler knows (an interaction model newer than this code, or
    a forged request): answered like the fallback, not as an error on our side."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("IntentRequest")(handler_input)

    def answer(self, turn: Turn) -> Response:
        return FallbackHandler.fallback(turn)


class YesNoHandler(_Handler):
    """Yes and no answer the last question: deleting data, or the coach's own."""

    intents = ("AMAZON.YesIntent", "AMAZON.NoIntent")

    def answer(self, turn: Turn) -> Response:
        yes = is_intent_name("AMAZON.YesIntent")(turn.input)
        question = turn.attributes.get(QUESTION) or {}
        if question.get("kind") == "delete":
            return DeleteDataHandler.confirmed(turn) if yes else DeleteDataHandler.kept(turn)
        return turn.event(ev.Yes() if yes else ev.No())


class ProgressHandler(_Handler):
    """ "How am I doing?": what the history says."""

    intents = ("ProgressIntent",)

    def answer(self, turn: Turn) -> Response:
        prompt = turn.coach.prompt(turn.state())
        record = turn.load()
        if record is None or record.last_session is None:
            text = "I don't have any finished sessions for you yet."
        else:
            last = record.last_session
            done = len(last.get("done") or [])
            text = f"Last time, you did {plural(done, 'exercise')} of {last.get('total', done)}."
        return turn.say(Plan((Say(text), Say(prompt)), reprompt=(Say(prompt),)))


class DeleteDataHandler(_Handler):
    """ "Delete my data": ask first, then remove everything kept for this person."""

    intents = ("DeleteDataIntent",)

    def answer(self, turn: Turn) -> Response:
        question = "This deletes your progress and your exercise history. Are you sure?"
        plan = Plan((Say(question),), reprompt=(Say(question),))
        return turn.say(plan, question={"kind": "delete"})

    @staticmethod
    def confirmed(turn: Turn) -> Response:
        from ..store import StoreUnavailableError

        try:
            if turn.user_id:
                turn.input.attributes_manager.delete_persistent_attributes()
        except StoreUnavailableError:
            log.warning("request %s: store unavailable for delete", turn.request_id)
            text = "Sorry, I couldn't delete your data just now. Please try again later."
            return turn.say(Plan((Say(text),), end_session=True))
        turn.attributes.clear()
        turn.input.response_builder.speak("I've deleted everything I kept for you. Goodbye!")
        return turn.input.response_builder.set_should_end_session(True).response

    @staticmethod
    def kept(turn: Turn) -> Response:
        prompt = turn.coach.prompt(turn.state())
        return turn.say(
            Plan((Say("Okay, I've kept everything."), Say(prompt)), reprompt=(Say(prompt),))
        )


class ErrorHandler(AbstractExceptionHandler):
    """Anything that goes wrong inside a request still gets a short spoken answer."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        request = handler_input.request_envelope.request
        log.error(
            "request %s: %s while handling %s",
            getattr(request, "request_id", "-"),
            type(exception).__name__,
            getattr(request, "object_type", "request"),
            exc_info=log.isEnabledFor(logging.DEBUG),
        )
        speech = "Sorry, something went wrong on my side. Please say that again, or say stop."
        return handler_input.response_builder.speak(speech).ask(speech).response


HANDLERS: tuple[type[_Handler], ...] = (
    LaunchHandler,
    SessionEndedHandler,
    CoachEventHandler,
    ExerciseHandler,
    ChooseExerciseHandler,
    ListExercisesHandler,
    HelpHandler,
    FallbackHandler,
    YesNoHandler,
    ProgressHandler,
    DeleteDataHandler,
    UnknownIntentHandler,  # last: it answers any intent the others did not take
)


def handled_intents() -> set[str]:
    """Every intent some handler answers: checked against the interaction models."""
    return {name for handler in HANDLERS for name in handler.intents}
