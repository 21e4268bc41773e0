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
from ask_sdk_core.utils import get_intent_name, get_slot, is_intent_name, is_request_type
from ask_sdk_model import IntentRequest, Response
from ask_sdk_model.slu.entityresolution import StatusCode

from ..coach import checkin
from ..coach import events as ev
from ..coach.pain import screen
from ..coach.progress import days_this_week, record_day, streak, streak_with_today
from ..coach.reply import PainEvent, Reply, ReportKind, Say
from ..coach.script import mid_sentence
from ..coach.state import Phase
from ..coach.words import Words, base_words, one_or_many
from ..store import StoreUnavailableError, UserRecord
from ..store.plans import normalise_code
from .turn import UNSAVED, Services, Turn

log = logging.getLogger("skill.handlers")


# Pain reports keep what was said for the history, but no more than this.
MAX_WORDS = 200
# The slots of the pain intents that carry what the person said, most telling first.
REPORT_SLOTS = ("symptom", "pain", "soreness")


def _pain(kind: ReportKind) -> Callable[[Turn], ev.Event]:
    def event(turn: Turn) -> ev.Event:
        said = [value for name in REPORT_SLOTS if (value := _slot_value(turn.input, name))]
        # Alexa sends slots, not the sentence: the words kept are the slots' words, or
        # what the intent means when no slot caught any ("ow ow ow").
        words = " ".join(said) or {"pain": "pain", "soreness": "soreness"}.get(kind, "")
        body_part = _slot_value(turn.input, "body_part")
        if body_part:
            words = f"{words} in my {body_part}".strip()
        return ev.PainReported(
            words=words[:MAX_WORDS],
            reported_as=kind,
            at=turn.at,
            red_flag=_resolved_id(turn.input, "symptom"),
            level=_resolved_id(turn.input, "pain"),
            mid_count=turn.mid_count,
        )

    return event


def screened(turn: Turn, spoken: str) -> ev.PainReported | None:
    """A pain report, when another intent's slot words read as one ("do the back of my
    leg hurts", "better but my leg is numb"): the pain policy runs, not the intent."""
    found = screen(spoken)
    if found is None:
        return None
    return ev.PainReported(
        words=spoken[:MAX_WORDS],
        reported_as="red_flag" if found.kind == "red_flag" else "pain",
        at=turn.at,
        red_flag=found.red_flag,
        mid_count=turn.mid_count,
    )


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
    "AMAZON.StartOverIntent": _simple(ev.StartOver()),
    "DoneIntent": lambda turn: ev.Done(mid_count=turn.mid_count),
    "HoldTimeIntent": _simple(ev.HoldTime()),
}


class _Handler(AbstractRequestHandler):
    """A request handler with the shared services and a Turn per request."""

    intents: tuple[str, ...] = ()

    def __init__(self, services: Services) -> None:
        self.services = services
        self.intent_set = frozenset(self.intents)

    def can_handle(self, handler_input: HandlerInput) -> bool:
        # What any(is_intent_name(name)(...) for name in intents) says, as one set lookup:
        # every request asks each handler in turn until one takes it.
        request = handler_input.request_envelope.request
        intent = request.intent if isinstance(request, IntentRequest) else None
        return intent is not None and intent.name in self.intent_set

    def handle(self, handler_input: HandlerInput) -> Response:
        return self.answer(Turn(handler_input, self.services))

    def answer(self, turn: Turn) -> Response:  # pragma: no cover - abstract
        raise NotImplementedError


class CoachEventHandler(_Handler):
    """Every intent that is simply one coach event."""

    intents = tuple(EVENT_INTENTS)

    def answer(self, turn: Turn) -> Response:
        return turn.event(EVENT_INTENTS[str(get_intent_name(turn.input))](turn))


class LaunchHandler(_Handler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("LaunchRequest")(handler_input)

    def answer(self, turn: Turn) -> Response:
        record = turn.load()
        returning = record is not None and (
            record.state is not None or record.last_session is not None
        )
        last_pain = PainEvent.from_dict(record.last_pain) if record else None
        days = (
            streak_with_today(record.recent, turn.today, turn.zone)
            if record and record.recent
            else 0
        )
        launch = ev.Launch(
            fresh=turn.fresh_state(),
            returning=returning,
            last_pain=last_pain,
            streak=days,
            check_in=checkin.needs_check_in(record.last_session if record else None, last_pain),
            expired=turn.take_expired(),  # said after the hello
            plan_changed=turn.take_plan_change(),
        )
        return turn.event(launch)  # from the saved progress, or a fresh routine


class SessionEndedHandler(_Handler):
    """The person walked away or the session timed out: keep their place for next time."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("SessionEndedRequest")(handler_input)

    def answer(self, turn: Turn) -> Response:
        before = turn.state()
        after, _ = turn.coach.step(before, ev.Leave(mid_count=turn.mid_count))
        turn.save(before, after, None, ending=True)
        return turn.input.response_builder.response


class ExerciseHandler(_Handler):
    """ "Do the bridge", "how do I do knee rolls": find the exercise, or ask which one.

    Nothing starts on a guess: a name heard only roughly is asked back ("Did you mean
    ...?"), an exercise outside the person's routine is confirmed first, and words
    that read as a symptom are a pain report, not a name.
    """

    intents = ("DoExerciseIntent", "DescribeExerciseIntent")

    def answer(self, turn: Turn) -> Response:
        describe = is_intent_name("DescribeExerciseIntent")(turn.input)
        spoken = _slot_value(turn.input, "exercise") or ""
        report = screened(turn, spoken)
        if report is not None:
            return turn.event(report)
        found = turn.services.names.resolve(get_slot(turn.input, "exercise"), turn.routine_ids)
        if not found.ids:
            close = turn.services.names.closest(found.spoken)
            if close is None:
                return turn.say(self.unknown(turn))
            return turn.event(ev.Asked("did_you_mean", (close,), describe, found.spoken))
        if not found.certain:  # a rough match: asked back, nothing starts on a guess
            return turn.event(ev.Asked("did_you_mean", found.ids[:1], describe, found.spoken))
        if len(found.ids) > 1:
            return turn.event(ev.Asked("which", found.ids, describe))
        return turn.event(ev.Named(found.ids[0], describe))

    @staticmethod
    def unknown(turn: Turn) -> Reply:
        catalog = turn.coach.catalog
        state = turn.state()
        examples = ", ".join(mid_sentence(catalog[i].name) for i in turn.routine_ids[:3])
        words = turn.coach.words
        return Reply(
            speech=(
                Say(words.phrase("unknown_exercise")),
                Say(words.phrase("unknown_examples", examples=examples)),
                Say(words.phrase("unknown_list")),
                Say(turn.coach.prompt(state)),
            ),
            reprompt=(Say(turn.coach.prompt(state)),),
        )


class ChooseExerciseHandler(_Handler):
    """The answer to "hip extension on all fours, or lying on your stomach?"."""

    intents = ("ChooseExerciseIntent",)

    def answer(self, turn: Turn) -> Response:
        report = screened(turn, _slot_value(turn.input, "choice") or "")
        if report is not None:
            return turn.event(report)
        question = turn.state().question
        candidates = question.ids if question is not None and question.kind == "which" else ()
        chosen = turn.services.names.choose(
            _resolved_id(turn.input, "choice"),
            _slot_value(turn.input, "choice") or "",
            candidates,
        )
        return turn.event(ev.Choose(chosen))  # no question waiting: not understood


class ListExercisesHandler(_Handler):
    intents = ("ListExercisesIntent",)

    def answer(self, turn: Turn) -> Response:
        catalog = turn.coach.catalog
        state = turn.state()
        routine = [mid_sentence(catalog[i].name) for i in turn.routine_ids]
        others = len(catalog.exercises) - len(set(turn.routine_ids))
        words = turn.coach.words
        count = one_or_many(words.phrase("exercises", count=len(routine)), len(routine))
        other = one_or_many(words.phrase("other_exercises", count=others), others)
        speech = [
            Say(words.phrase("list_routine", exercises=count, names=", ".join(routine))),
            Say(words.phrase("list_others", others=other)),
            Say(turn.coach.prompt(state)),
        ]
        turn.screen_hint = "list"
        return turn.say(Reply(tuple(speech), reprompt=(Say(turn.coach.prompt(state)),)))


class HelpHandler(_Handler):
    intents = ("AMAZON.HelpIntent",)

    def answer(self, turn: Turn) -> Response:
        """ "Help" may be said by someone who fell: how to get help now comes first."""
        state = turn.state()
        prompt = Say(turn.coach.prompt(state))
        speech = (Say(turn.coach.safety.emergency), *turn.coach.help(state))
        return turn.say(Reply(speech, reprompt=(prompt,)))


class FallbackHandler(_Handler):
    intents = ("AMAZON.FallbackIntent",)

    def answer(self, turn: Turn) -> Response:
        return self.fallback(turn)

    @staticmethod
    def fallback(turn: Turn) -> Response:
        """Not understood: the coach says how to report pain and starts no count."""
        return turn.event(ev.NotUnderstood(mid_count=turn.mid_count))


class UnknownIntentHandler(_Handler):
    """An intent no other handler knows (an interaction model newer than this code, or
    a forged request): answered like the fallback, not as an error on our side."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("IntentRequest")(handler_input)

    def answer(self, turn: Turn) -> Response:
        return FallbackHandler.fallback(turn)


class YesNoHandler(_Handler):
    """Yes and no: the coach reads them against the question it is waiting on, if any."""

    intents = ("AMAZON.YesIntent", "AMAZON.NoIntent")

    def answer(self, turn: Turn) -> Response:
        yes = is_intent_name("AMAZON.YesIntent")(turn.input)
        question = turn.state().question
        if yes and question is not None and question.kind == "code_heard":
            return LinkCodeHandler.check(turn, question.spoken)  # the code read back: right
        return turn.event(ev.Yes() if yes else ev.No())  # the coach knows the question


class ProgressHandler(_Handler):
    """ "How am I doing?": days this week, the streak and the last pain report."""

    intents = ("ProgressIntent",)

    def answer(self, turn: Turn) -> Response:
        prompt = turn.coach.prompt(turn.state())
        record = turn.load()
        speech = [Say(text) for text in progress_report(turn, record)]
        turn.screen_hint = "progress"
        return turn.say(Reply((*speech, Say(prompt)), reprompt=(Say(prompt),)))


def progress_report(turn: Turn, record: UserRecord | None) -> list[str]:
    words = turn.coach.words
    if record is None:
        return [words.phrase("progress_unavailable")]
    # Records still waiting in the session (the store was down) count too.
    history = [*record.recent, *(turn.attributes.get(UNSAVED) or {}).get("history", [])]
    if not history:
        return [words.phrase("progress_none")]
    week = days_this_week(history, turn.today, turn.zone)
    days = streak(history, turn.today, turn.zone)
    texts = [
        words.phrase("progress_week", days=one_or_many(words.phrase("days", count=week), week))
    ]
    if days >= 2:
        texts.append(words.phrase("progress_streak", days=days))
    elif days == 1:
        texts.append(words.phrase("progress_streak_one"))
    else:
        texts.append(words.phrase("progress_no_streak"))
    last_pain = PainEvent.from_dict(record.last_pain)
    if last_pain is None:
        texts.append(words.phrase("progress_no_pain"))
    else:
        when = record_day({"at": last_pain.at}, turn.zone)
        on = (
            words.phrase("report_on_day", month=f"{when:%B}", day=when.day)
            if when
            else words.phrase("report_last_time")
        )
        catalog = turn.coach.catalog
        during = (
            words.phrase("report_during", name=mid_sentence(catalog[last_pain.exercise_id].name))
            if last_pain.exercise_id is not None and last_pain.exercise_id in catalog
            else ""
        )
        kind = {
            "soreness": words.phrase("report_soreness"),
            "red_flag": words.phrase("report_red_flag"),
        }.get(last_pain.kind) or words.phrase("report_pain")
        texts.append(words.phrase("progress_last_report", kind=kind, when=on, during=during))
    return texts


class LinkCodeHandler(_Handler):
    """ "My code is one two three four five six": link the physician's plan.

    The code heard is read back first ("I heard 1, 2, 3, 4, 5, 6. Is that right?"),
    without touching the store; only a yes checks it (``check``, from YesNoHandler),
    so a mishearing never spends one of the hour's tries.
    """

    intents = ("LinkCodeIntent",)

    def answer(self, turn: Turn) -> Response:
        spoken = _slot_value(turn.input, "code")
        question = turn.state().question
        asked = question is not None and question.kind in ("code", "code_heard")
        code = normalise_code(spoken)
        words = turn.coach.words
        if code is None:
            if not spoken and not asked:
                return self.ask(turn, "")
            return self.ask(turn, words.phrase("code_not_six_digits"))
        return turn.event(ev.Asked("code_heard", spoken=code))

    @classmethod
    def check(cls, turn: Turn, heard: str) -> Response:
        """ "Yes" to the code read back: check it with the store (one try)."""
        code = normalise_code(heard)
        if code is None:  # not a code this module read back: asked for again
            return cls.ask(turn, "")
        plans = turn.services.plans
        if plans is None or turn.user_id is None:
            return turn.event(ev.LinkFailed("cannot_link"))
        try:
            result = plans.link(turn.user_id, code, turn.at)
        except StoreUnavailableError as error:
            log.warning("request %s: store unavailable for link (%s)", turn.request_id, error)
            return turn.event(ev.LinkFailed("unavailable"))
        if result.status == "limited":
            return turn.event(ev.LinkFailed("limited"))
        if result.status != "linked" or result.plan is None:
            return cls.ask(turn, turn.coach.words.phrase("code_not_found"))
        log.info("request %s: linked a plan", turn.request_id)
        linked = turn.services.fresh_state({"exercises": result.plan["exercises"]})
        note = result.plan.get("note")
        return turn.event(ev.PlanLinked(linked, note if isinstance(note, str) else None))

    @staticmethod
    def ask(turn: Turn, lead: str) -> Response:
        return turn.event(ev.Asked("code"), lead=(Say(lead),) if lead else ())


class HaveCodeHandler(_Handler):
    """ "I have a code from my physician": ask for it."""

    intents = ("HaveCodeIntent",)

    def answer(self, turn: Turn) -> Response:
        return LinkCodeHandler.ask(turn, "")


class CheckInHandler(_Handler):
    """The answer to "How is your back today: better, the same, or worse?"."""

    intents = ("CheckInIntent",)

    def answer(self, turn: Turn) -> Response:
        feeling = _resolved_id(turn.input, "feeling")
        asked = turn.state().phase is Phase.CHECK_IN
        if asked and feeling == "worse":  # worse than after the pain: it has persisted
            return turn.event(ev.WorseAtCheckIn(at=turn.at))
        spoken = _slot_value(turn.input, "feeling") or ""
        report = screened(turn, spoken)
        if report is None and feeling == "worse":  # "it's worse" out of the blue
            report = ev.PainReported(spoken[:MAX_WORDS], at=turn.at, mid_count=turn.mid_count)
        if report is not None:  # or an answer that names a symptom
            return turn.event(report)
        if not asked:
            return FallbackHandler.fallback(turn)
        if feeling in ("better", "same"):
            return turn.event(ev.CheckInAnswer(feeling))  # type: ignore[arg-type]
        return turn.event(ev.Repeat())  # asked again


class DeleteDataHandler(_Handler):
    """ "Delete my data": ask first, then remove everything kept for this person."""

    intents = ("DeleteDataIntent",)

    def answer(self, turn: Turn) -> Response:
        return turn.event(ev.Asked("delete"))  # "yes" deletes (Turn.answer does it)


class ErrorHandler(AbstractExceptionHandler):
    """Anything that goes wrong inside a request still gets a short spoken answer, in
    the base phrases: the error may come before the request's locale is known."""

    def __init__(self, words: Words | None = None) -> None:
        self.words = words or base_words()

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
        speech = self.words.phrase("error")
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
    LinkCodeHandler,
    HaveCodeHandler,
    CheckInHandler,
    DeleteDataHandler,
    UnknownIntentHandler,  # last: it answers any intent the others did not take
)


def handled_intents() -> set[str]:
    """Every intent some handler answers: checked against the interaction models."""
    return {name for handler in HANDLERS for name in handler.intents}
