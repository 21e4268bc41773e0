"""Requests that are not a person talking: skill events, Alexa's error reports, the
name-free routing question, and anything else Alexa may send.

- ``AlexaSkillEvent.SkillDisabled``: the person disabled Back Coach, so everything kept
  for them is deleted, exactly as "delete my data" does (journalled if Redis is down).
- ``System.ExceptionEncountered``: Alexa could not use our last response; logged at
  WARNING (its type and message, made printable), answered with no speech.
- ``CanFulfillIntentRequest``: whether Back Coach can answer an utterance said without
  its name.  It answers YES for an exercise it knows ("how do I do knee rolls") and for
  starting or listing the exercises, MAYBE for an exercise heard only roughly and for
  pain or soreness (it can give the handouts' stop-and-consult advice, not a diagnosis),
  and NO for a red-flag symptom (an emergency said to Alexa out of the blue should not
  be routed to an exercise coach) and for everything else.  Nothing is saved or said.
- Any other request type (skill enabled, permissions, Connections.Response...): an
  empty 200, logged at INFO.
"""

from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import get_request_type, is_request_type
from ask_sdk_model import Response
from ask_sdk_model.canfulfill import (
    CanFulfillIntent,
    CanFulfillIntentRequest,
    CanFulfillIntentValues,
    CanFulfillSlot,
    CanFulfillSlotValues,
    CanUnderstandSlotValues,
)

from ..coach.pain import screen
from ..printable import printable
from .names import ExerciseNames
from .turn import Services

log = logging.getLogger(__name__)

MAX_LOGGED_CHARS = 300
# What the person talks to: every other request type is answered empty.
CONVERSATION_TYPES = ("LaunchRequest", "IntentRequest", "SessionEndedRequest")
EXERCISE_INTENTS = ("DoExerciseIntent", "DescribeExerciseIntent")
ALWAYS_YES = ("StartRoutineIntent", "ListExercisesIntent")
PAIN_INTENTS = ("PainIntent", "SorenessIntent")


class _SystemHandler(AbstractRequestHandler):
    def __init__(self, services: Services) -> None:
        self.services = services


class SkillDisabledHandler(_SystemHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("AlexaSkillEvent.SkillDisabled")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        # The persistence adapter deletes by the user id of the event's context, and
        # journals the deletion when Redis is down (StoreUnavailableError otherwise,
        # which the error handler logs: a deletion that did not happen is an error).
        handler_input.attributes_manager.delete_persistent_attributes()
        log.info(
            "request %s: skill disabled: the person's data is deleted", _request_id(handler_input)
        )
        return handler_input.response_builder.response


class ExceptionEncounteredHandler(_SystemHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("System.ExceptionEncountered")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        error = getattr(handler_input.request_envelope.request, "error", None)
        kind = getattr(getattr(error, "object_type", None), "value", None) or getattr(
            error, "object_type", None
        )
        message = str(getattr(error, "message", "") or "")[:MAX_LOGGED_CHARS]
        log.warning(
            "request %s: Alexa could not use our last response: %s %s",
            _request_id(handler_input),
            printable(kind or "unknown error"),
            printable(message),
        )
        return handler_input.response_builder.response


class CanFulfillHandler(_SystemHandler):
    @property
    def names(self) -> ExerciseNames:
        return self.services.names

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("CanFulfillIntentRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        assert isinstance(request, CanFulfillIntentRequest)
        answer = self.answer(request)
        return handler_input.response_builder.set_can_fulfill_intent(answer).response

    def answer(self, request: CanFulfillIntentRequest) -> CanFulfillIntent:
        intent = request.intent
        name = intent.name if intent is not None else None
        slots = (intent.slots or {}) if intent is not None else {}
        if name in ALWAYS_YES:
            return CanFulfillIntent(can_fulfill=CanFulfillIntentValues.YES)
        if name in PAIN_INTENTS:
            return CanFulfillIntent(can_fulfill=CanFulfillIntentValues.MAYBE)
        if name not in EXERCISE_INTENTS:
            return CanFulfillIntent(can_fulfill=CanFulfillIntentValues.NO)
        slot = slots.get("exercise")
        spoken = (slot.value or "") if slot is not None else ""
        found = self.names.resolve(slot)
        if screen(spoken) is not None or not found.ids:
            verdict, understood = CanFulfillIntentValues.NO, CanUnderstandSlotValues.NO
        elif found.certain and len(found.ids) == 1:
            verdict, understood = CanFulfillIntentValues.YES, CanUnderstandSlotValues.YES
        else:
            verdict, understood = CanFulfillIntentValues.MAYBE, CanUnderstandSlotValues.MAYBE
        fulfil = (
            CanFulfillSlotValues.NO
            if verdict is CanFulfillIntentValues.NO
            else CanFulfillSlotValues.YES
        )
        return CanFulfillIntent(
            can_fulfill=verdict,
            slots={"exercise": CanFulfillSlot(can_understand=understood, can_fulfill=fulfil)},
        )


class OtherRequestHandler(_SystemHandler):
    """Last in line: a request type Back Coach has no use for."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return get_request_type(handler_input) not in CONVERSATION_TYPES

    def handle(self, handler_input: HandlerInput) -> Response:
        log.info(
            "request %s: %s is not used by Back Coach",
            _request_id(handler_input),
            printable(get_request_type(handler_input))[:MAX_LOGGED_CHARS],
        )
        return handler_input.response_builder.response


def _request_id(handler_input: HandlerInput) -> str:
    return printable(getattr(handler_input.request_envelope.request, "request_id", None) or "-")


SYSTEM_HANDLERS: tuple[type[_SystemHandler], ...] = (
    SkillDisabledHandler,
    ExceptionEncounteredHandler,
    CanFulfillHandler,
)
