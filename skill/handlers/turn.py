"""One request, start to finish: state in, coach event, speech and state out.

Within a session the coach state travels in the session attributes (Alexa sends
them back signed), so a mid-session request reads nothing from the store and
writes once at the end.  A new session reads the store once to resume.  A store
outage never stops an answer: the turn goes on from the session attributes and
keeps unsaved events there until a later write succeeds; at a session's end the
store keeps them in its local journal instead.

Every pain event and history record carries an id (the request id and its index),
so the store keeps it once however often it is sent.  Progress is compare-and-set on
the version the session last read or wrote, and pain reports are counted per person
and day: when another device got there first, the save says so and the turn answers
again from what the person really did (``reconciled``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response
from ask_sdk_model.interfaces.alexa.presentation.apl import RenderDocumentDirective

from ..coach import events as ev
from ..coach.catalog import ContentError
from ..coach.pacing import GENTLE_PACE
from ..coach.prescription import linked_routine
from ..coach.progress import local_date, record_day
from ..coach.reply import PainEvent, Reply, Say
from ..coach.routine import default_routine
from ..coach.session import Coach
from ..coach.state import TERMINAL, Phase, SessionState, StateError, StopReason
from ..speech import render, speech_seconds
from ..speech.limits import MAX_RESPONSE_BYTES
from ..speech.screens import APL_VERSION, TOKEN, Hint, fitted, screen_for, version_at_least
from ..store import (
    RecordTooLargeError,
    SaveResult,
    Store,
    StoreUnavailableError,
    TimeZoneUpdate,
    UserRecord,
)
from ..store.base import DEFAULT_RESUME_DAYS, TIME_ZONE_TTL, UNKNOWN_TIME_ZONE_TTL, PlanStore
from ..timezone import TimeZones, zone_named
from .names import ExerciseNames

log = logging.getLogger("skill.turn")

STATE = "s"  # session attribute: the coach state, as compact JSON text
COUNT_UNTIL = "c"  # session attribute: when the last count will have been said (ISO time)
UNSAVED = "u"  # session attribute: pain events and history not yet written to the store
TIME_ZONE = "z"  # session attribute: the device's time zone name ("" when unknown: UTC)
VERSION = "v"  # session attribute: the progress version last read or written
STARTED = "t"  # session attribute: when the session began (a later deletion blocks it)
# The response's own keys and wrappers around the speech, the screen and the attributes.
RESPONSE_KEYS_BYTES = 1024
MAX_UNSAVED = 20  # unsaved events of each kind a session may carry
MAX_UNSAVED_BYTES = 16 * 1024  # and their size, as JSON


@dataclass
class Services:
    """What every handler needs, built once per process."""

    coach: Coach
    store: Store
    names: ExerciseNames
    plans: PlanStore | None = None  # the store's (build_skill); None: no codes to link
    time_zones: TimeZones | None = None  # None: days in UTC, no lookups
    # A place saved on one day is offered until the end of this many days after it.
    resume_days: int = DEFAULT_RESUME_DAYS
    coaches: dict[str, Coach] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        catalog = self.coach.catalog
        self.coaches = {locale: Coach(catalog, locale) for locale in catalog.safety.locales}

    def coach_for(self, locale: str | None) -> Coach:
        """The coach that speaks a locale's words (its emergency number); the general
        one for a locale the content has no words for."""
        return self.coaches.get(locale or "", self.coach)

    def fresh_state(self, link: dict[str, Any] | None = None) -> SessionState:
        """A routine not yet begun: the linked plan's, in its order, else the default."""
        catalog = self.coach.catalog
        try:
            routine = linked_routine(catalog, link)
        except ContentError as error:
            log.warning("ignoring a linked plan that no longer validates (%s)", error)
            routine = ()
        return self.coach.new_session(routine or default_routine(catalog))


class Turn:
    """The state of one request and how to answer it."""

    def __init__(self, handler_input: HandlerInput, services: Services) -> None:
        self.input = handler_input
        self.services = services
        envelope = handler_input.request_envelope
        self.coach = services.coach_for(getattr(envelope.request, "locale", None))
        request = envelope.request
        assert request is not None  # the webhook answers 400 to an envelope without one
        self.request_id = request.request_id or "-"
        stamp = request.timestamp
        self.at = (stamp or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
        system = envelope.context.system if envelope.context else None
        self.user_id = system.user.user_id if system is not None and system.user else None
        # A screen that shows APL (Echo Show, Fire TV) gets one with each answer.
        self.shows_apl = shows_apl(system)
        self.screen_hint: Hint | None = None  # set by handlers the state cannot tell apart
        self.new_session = bool(envelope.session and envelope.session.new)
        self.session_id = envelope.session.session_id if envelope.session else None
        attributes = handler_input.attributes_manager.session_attributes
        self.attributes: dict[str, Any] = attributes if attributes is not None else {}
        drop_malformed(self.attributes)
        if self.new_session and STARTED not in self.attributes:
            self.attributes[STARTED] = self.at
        # The request's coach event and what is said before its answer, to answer it
        # again from another state (see reconciled).  Kept as data, not as a closure over
        # this turn: that made every turn a reference cycle, so each request's objects
        # (envelope, response, state) waited for the garbage collector (issue 21).
        self._event: tuple[ev.Event, tuple[Say, ...]] | None = None
        self.record: UserRecord | None = None
        self._state: SessionState | None = None
        self._zone: ZoneInfo | None = None
        self._zone_read = False
        self.zone_update: TimeZoneUpdate | None = None  # a newly looked-up zone, to save
        # A saved place no longer offered (stored_state), until said: by the launch
        # (take_expired), or first in this request's answer.
        self.expired: ev.ExpiredPlace | None = None

    # -- state in -----------------------------------------------------------------

    def state(self) -> SessionState:
        """The coach state: from the session attributes, else from the store, else fresh."""
        if self._state is None:
            self._state = self._read_state()
        return self._state

    def _read_state(self) -> SessionState:
        if STATE in self.attributes:
            try:
                return self.coachable(session_state(self.attributes[STATE]))
            except StateError as error:
                log.warning("request %s: unreadable session state (%s)", self.request_id, error)
                return self.fresh_state()
        stored = self.stored_state()
        return stored if stored is not None else self.fresh_state()

    def fresh_state(self) -> SessionState:
        """A routine not yet begun, gentle when the person reported pain earlier today."""
        record = self.load()
        fresh = self.services.fresh_state(record.link if record else None)
        return with_todays_pains(fresh, self.pains_today())

    def pains_today(self) -> int:
        """The person's pain reports today (their local day), on every device: the
        store's count for the day, or what today's saved progress and the newest pain
        report show (a store that predates the count)."""
        record = self.load()
        if record is None:
            return 0
        count = (record.pain_days or {}).get(self.today.isoformat(), 0)
        if record.state is not None and self.is_today(record.state.get("t")):
            pains = record.state.get("n", 0)
            if isinstance(pains, int) and not isinstance(pains, bool):
                count = max(count, pains)
        last = PainEvent.from_dict(record.last_pain)
        if last is not None and last.kind == "pain" and self.is_today(last.at):
            count = max(count, 1)
        return count

    def is_today(self, stamp: object) -> bool:
        """Whether an ISO time falls on the request's day, in the device's time zone."""
        return isinstance(stamp, str) and record_day({"at": stamp}, self.zone) == self.today

    @property
    def today(self) -> date:
        """The request's date in the device's time zone (UTC when unknown)."""
        return local_date(datetime.fromisoformat(self.at), self.zone)

    @property
    def zone(self) -> ZoneInfo | None:
        """The device's time zone, None for UTC: carried in the session attributes; at a
        session's start read with the person's record, or looked up when not stored."""
        if not self._zone_read:
            self._zone = self._read_zone()
            self._zone_read = True
        return self._zone

    def _read_zone(self) -> ZoneInfo | None:
        name = self.attributes.get(TIME_ZONE)
        if isinstance(name, str):
            return zone_named(name)
        if not self.new_session:
            return None  # never looked up mid-session: a session begun by an older release
        name = self._stored_or_looked_up_zone()
        if name is None:
            return None
        self.attributes[TIME_ZONE] = name
        return zone_named(name)

    def _stored_or_looked_up_zone(self) -> str | None:
        """The zone name stored for the person ("" for unknown), else asked of the Alexa
        Settings API (and saved with this request's write); None when neither is
        possible (the store is down, or the request has no Alexa API: chat, simulate)."""
        record = self.load()
        if record is None:
            return None
        if record.time_zone is not None and (
            record.time_zone == "" or zone_named(record.time_zone) is not None
        ):
            return record.time_zone
        context = self.input.request_envelope.context
        system = context.system if context is not None else None
        if self.services.time_zones is None or system is None or not system.api_endpoint:
            return None
        device = system.device.device_id if system.device else None
        name = self.services.time_zones.look_up(
            system.api_endpoint, system.api_access_token, device
        )
        self.zone_update = TimeZoneUpdate(name, TIME_ZONE_TTL if name else UNKNOWN_TIME_ZONE_TTL)
        return name

    def stored_state(self) -> SessionState | None:
        """The saved state, if any.  A routine finished or stopped (for pain or a red
        flag) on an earlier day is over, and the person starts afresh: a safety stop
        holds for the rest of the day it was made.  A routine left part way on an
        earlier day resumes, counting only today's pain reports, within the resume
        window (until the end of ``resume_days`` days after the day it was saved, in
        the person's days); later it has expired (``self.expired``, said at the start)
        and the person starts afresh.  Today's state is never expired."""
        record = self.load()
        if record is None or record.state is None:
            return None
        try:
            state = self.coachable(SessionState.from_dict(record.state))
        except StateError as error:
            log.warning("request %s: unreadable stored state (%s)", self.request_id, error)
            return None
        if self.is_today(state.saved_at):
            return with_todays_pains(state, self.pains_today())
        if state.phase in TERMINAL:
            return None
        saved_on = record_day({"at": state.saved_at}, self.zone)
        if saved_on is not None and (self.today - saved_on).days > self.services.resume_days:
            if state.phase not in (Phase.NOT_BEGUN, Phase.CHECK_IN):  # a place to lose
                self.expired = ev.ExpiredPlace(saved_on, self.today)
            return None
        return with_todays_pains(state.evolve(pains=0), self.pains_today())

    def take_expired(self) -> ev.ExpiredPlace | None:
        """The expired place, for the launch to say (then nothing else says it)."""
        self.state()
        expired, self.expired = self.expired, None
        return expired

    def take_plan_change(self) -> bool:
        """Whether the linked plan changed since the person last heard of it: marked
        heard in the store now, so it is said once (twice at worst, if that write fails)."""
        record = self.load()
        link = record.link if record else None
        if not link or not link.get("changed") or self.user_id is None:
            return False
        plans = self.services.plans
        if plans is not None:
            try:
                plans.change_heard(self.user_id, int(link.get("version") or 0))
            except StoreUnavailableError as error:
                log.warning("request %s: plan change not marked heard (%s)", self.request_id, error)
        return True

    def since(self, stamp: str | None) -> timedelta:
        """How long ago an ISO time was (a long time, when unknown)."""
        try:
            then = datetime.fromisoformat(stamp or "")
        except ValueError:
            return timedelta.max
        now = datetime.fromisoformat(self.at)
        return now - (then if then.tzinfo else then.replace(tzinfo=UTC))

    def coachable(self, state: SessionState) -> SessionState:
        """``state``, if this release's catalog has every exercise of its routine: progress
        saved before a content update may name one that is gone (raises StateError)."""
        catalog = self.coach.catalog
        try:
            for item in state.routine:
                catalog[item.exercise_id].variant(item.variant)
            for exercise_id in state.question.ids if state.question else ():
                catalog[exercise_id]
        except KeyError as error:
            raise StateError(f"state names an exercise not in the catalog: {error}") from None
        return state

    def load(self) -> UserRecord | None:
        """Read the person's record once per request, through the SDK's persistence
        adapter (None when the store is down)."""
        if self.record is None and self.user_id:
            try:
                stored: dict[str, Any] = self.input.attributes_manager.persistent_attributes
            except StoreUnavailableError as error:
                log.warning("request %s: store unavailable on read (%s)", self.request_id, error)
                return None
            self.record = UserRecord(
                state=stored.get("state"),
                last_pain=stored.get("last_pain"),
                last_session=stored.get("last_session"),
                recent=tuple(stored.get("recent") or ()),
                link=stored.get("link"),
                time_zone=stored.get("time_zone"),
                version=stored.get("version") or 0,
                pain_days=stored.get("pain_days") or {},
            )
            # The version this session's progress is based on: set once, at its start.
            self.attributes.setdefault(VERSION, self.record.version)
        return self.record

    @property
    def mid_count(self) -> bool:
        """Whether the person spoke while the last count was still being said: Alexa
        stops talking when woken, so a request before the count's end cut it short."""
        until = self.attributes.get(COUNT_UNTIL)
        return isinstance(until, str) and self.since(until) < timedelta(0)

    @property
    def routine_ids(self) -> tuple[str, ...]:
        return tuple(item.exercise_id for item in self.state().routine)

    # -- answer out ---------------------------------------------------------------

    def event(self, event: ev.Event, lead: tuple[Say, ...] = ()) -> Response:
        """Apply a coach event and answer with its plan."""

        self._event = (event, lead)
        before = self.state()
        after, plan = self._respond(before)
        return self.answer(before, after, plan)

    def _respond(self, before: SessionState) -> tuple[SessionState, Reply]:
        """The coach's answer to this request's event from ``before``, after its lead."""
        assert self._event is not None
        event, lead = self._event
        after, plan = self.coach.respond(before, event)
        if lead:
            plan = replace(plan, speech=lead + plan.speech)
        return after, plan

    def answer(self, before: SessionState, after: SessionState, plan: Reply) -> Response:
        """Save, render and build the response for a plan."""
        if plan.delete_data:
            return self.delete(plan)
        self._state = after
        saved = self.save(before, after, plan.pain_event, plan.end_session)
        if saved is not None:
            after, plan = self.reconciled(before, after, plan, saved)
        if self.expired is not None:
            # Not said by a launch (which says it after the hello): a one-shot request
            # ("tell back coach to resume", "ask back coach how am I doing") says it first.
            plan = replace(plan, speech=(Say(self.coach.expired(self.expired)), *plan.speech))
            self.expired = None
        speech, reprompt = render(plan, self.coach.words)
        self.attributes.pop(COUNT_UNTIL, None)
        if after.phase is Phase.COUNTING:
            until = datetime.fromisoformat(self.at) + timedelta(seconds=speech_seconds(speech))
            self.attributes[COUNT_UNTIL] = until.isoformat(timespec="seconds")
        builder = self.input.response_builder.speak(speech)
        if reprompt is not None and not plan.end_session:
            builder.ask(reprompt)
        if self.shows_apl:
            screen = screen_for(plan, after, self.coach.catalog, self.coach.words, self.screen_hint)
            screen = fitted(screen, self.room_for_screen(speech, reprompt))
            builder.add_directive(
                RenderDocumentDirective(
                    token=TOKEN, document=screen.document_json, datasources=screen.datasources
                )
            )
        builder.set_should_end_session(plan.end_session)
        return builder.response

    def room_for_screen(self, speech: str, reprompt: str | None) -> int:
        """Bytes a screen may take in the response: Alexa's limit less the speech, the
        session attributes and the response's own keys."""
        attributes = len(json.dumps(self.attributes, separators=(",", ":")).encode("utf-8"))
        said = len(speech.encode("utf-8")) + len((reprompt or "").encode("utf-8"))
        return MAX_RESPONSE_BYTES - RESPONSE_KEYS_BYTES - attributes - said

    def say(self, plan: Reply) -> Response:
        """Answer without changing the coach state (help, lists)."""
        state = self.state()
        return self.answer(state, state, plan)

    def delete(self, plan: Reply) -> Response:
        """ "Yes, delete my data": everything kept for the person goes (the store blocks
        write-backs from their other devices); the plan's words are said only if it did."""
        try:
            if self.user_id:
                self.input.attributes_manager.delete_persistent_attributes()
        except StoreUnavailableError:
            log.warning("request %s: store unavailable for delete", self.request_id)
            plan = Reply((Say(self.coach.words.phrase("delete_failed")),), end_session=True)
        else:
            self.attributes.clear()
        speech, _ = render(plan, self.coach.words)
        return self.input.response_builder.speak(speech).set_should_end_session(True).response

    def save(
        self,
        before: SessionState,
        after: SessionState,
        pain: PainEvent | None,
        ending: bool,
        amend: tuple[tuple[dict[str, Any], dict[str, Any]], ...] = (),
    ) -> SaveResult | None:
        """One write per request: progress, new pain events and history, in one round
        trip.  None when nothing reached the store (no user, or it is down mid-session)."""
        # One encoding: the session attribute's text is also what the store keeps.
        state = json.dumps(after.evolve(saved_at=self.at).to_dict(), separators=(",", ":"))
        self.attributes[STATE] = state
        unsaved = self.attributes.get(UNSAVED) or {"pain": [], "history": []}
        if pain is not None:
            unsaved["pain"].append(self.identified(pain.to_dict(), 0))
        record = history_record(before, after, ending, self.at)
        if record is not None:
            unsaved["history"].append(self.identified(record, 1))
        if self.user_id is None:
            return None
        if self.new_session:
            _ = self.zone  # a session's start looks the zone up: saved with this write
        version = self.attributes.get(VERSION)
        started = self.attributes.get(STARTED)
        stopped = after.phase is Phase.STOPPED
        manager = self.input.attributes_manager
        manager.persistent_attributes = {
            "state": state,
            "append_pain": unsaved["pain"],
            "append_history": unsaved["history"],
            "set_time_zone": self.zone_update,
            "save_options": {
                "version": version if type(version) is int else None,
                "started": started if isinstance(started, str) else None,
                "at": self.at,
                "today": self.today.isoformat(),
                # A safety stop wins over newer progress; a red flag locks it.
                "force": stopped and after.stop_reason in (StopReason.PAIN, StopReason.RED_FLAG),
                "lock": stopped and after.stop_reason is StopReason.RED_FLAG,
                # No later request will carry them: journaled if the store is down.
                "final": ending or not fits_in_session(unsaved),
                "amend": amend,
                "writer": self.session_id,
            },
        }
        try:
            manager.save_persistent_attributes()
        except RecordTooLargeError as error:
            log.error(
                "request %s: dropped a record too large to store (%s)", self.request_id, error
            )
            self.attributes.pop(UNSAVED, None)
            self.zone_update = None
            return None
        except StoreUnavailableError as error:
            log.warning(
                "request %s: store unavailable on write (%s); keeping %d unsaved events",
                self.request_id,
                error,
                len(unsaved["pain"]) + len(unsaved["history"]),
            )
            # Kept in the session for a later write (within its size budget, else
            # journaled above; only a journal that failed too gets here over budget).
            self.attributes[UNSAVED] = {k: v[-MAX_UNSAVED:] for k, v in unsaved.items()}
            return None
        self.attributes.pop(UNSAVED, None)
        self.zone_update = None
        saved = manager.persistent_attributes.get("saved")
        if not isinstance(saved, SaveResult) or saved.status == "journaled":
            return None
        if saved.status == "deleted":
            # Deleted (on another device) since this session began: from now on this
            # session is a new person's.
            log.info("request %s: the person's data was deleted; nothing saved", self.request_id)
            for key in (STATE, VERSION):
                self.attributes.pop(key, None)
            self.attributes[STARTED] = self.at
            return None
        self.attributes[VERSION] = saved.version
        return saved

    def identified(self, record: dict[str, Any], index: int) -> dict[str, Any]:
        """The record with its exactly-once id: this request's id and its index in it."""
        if self.request_id == "-":
            return record  # no request id (never from Alexa): stored without one
        return {**record, "id": f"{self.request_id}:{index}"}

    def reconciled(
        self, before: SessionState, after: SessionState, plan: Reply, saved: SaveResult
    ) -> tuple[SessionState, Reply]:
        """The answer, again, when the save shows another device got there first: a pain
        report after one elsewhere today persists; progress newer than this session's
        is where the person really is.  A second round trip only in that race."""
        pain = plan.pain_event
        if pain is not None and saved.new_pains and not saved.new_pains[-1]:
            pain = None  # this request's report was stored before: a repeat, answered as then
        current = self._adoptable(saved.current) if saved.status == "conflict" else None
        persisting = pain is not None and pain.kind == "pain" and saved.pains_today > after.pains
        if self._event is not None and pain is not None and (persisting or current is not None):
            start = current if current is not None else before
            if pain.kind == "pain":
                start = start.evolve(pains=max(start.pains, saved.pains_today - 1))
            again, plan = self._respond(start)
            self._state = again
            redone = plan.pain_event
            amend: tuple[tuple[dict[str, Any], dict[str, Any]], ...] = ()
            if redone is not None and redone != pain:
                first, now = pain.to_dict(), redone.to_dict()
                amend = ((self.identified(first, 0), self.identified(now, 0)),)
            self.save(start, again, redone, plan.end_session, amend)
            return again, plan
        if current is None:
            return after, plan
        return self.moved_on(current, plan.end_session)

    def _adoptable(self, current: dict[str, Any] | None) -> SessionState | None:
        if current is None:
            return None
        try:
            return self.coachable(SessionState.from_dict(current))
        except StateError as error:
            log.warning("request %s: unreadable newer progress (%s)", self.request_id, error)
            return None

    def moved_on(self, current: SessionState, ending: bool) -> tuple[SessionState, Reply]:
        """Where the person got to on another device, said instead of this answer."""
        state, plan = self.coach.step(current, ev.Launch(fresh=current, returning=True))
        lead = Say(self.coach.words.phrase("moved_on"))
        if ending and not plan.end_session:
            plan = Reply((lead, Say(self.coach.words.phrase("kept_there"))), end_session=True)
        else:
            plan = replace(plan, speech=(lead, *plan.speech[1:]))  # instead of the hello
        self._state = state
        saved = state.evolve(saved_at=self.at).to_dict()
        self.attributes[STATE] = json.dumps(saved, separators=(",", ":"))
        return state, plan


def fits_in_session(unsaved: dict[str, list[dict[str, Any]]]) -> bool:
    """Whether unsaved events stay within what a session may carry (MAX_UNSAVED of
    each kind, MAX_UNSAVED_BYTES in all)."""
    if any(len(unsaved.get(kind) or ()) > MAX_UNSAVED for kind in ("pain", "history")):
        return False
    if not any(unsaved.values()):
        return True  # most requests: nothing waiting to be saved
    size = len(json.dumps(unsaved, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    return size <= MAX_UNSAVED_BYTES


def with_todays_pains(state: SessionState, pains: int) -> SessionState:
    """A state that counts today's earlier pain reports: a second report today is
    persisting pain, and the routine stays gentle."""
    if pains <= state.pains:
        return state
    return state.evolve(pains=pains, gentle=True, pace=max(state.pace, GENTLE_PACE))


def session_state(value: Any) -> SessionState:
    """The state from the session attribute: its compact JSON text (a string, which the
    SDK's per-request deep copy of the attributes does not have to walk), or the
    object an earlier release wrote there (sessions open across a deploy)."""
    if isinstance(value, str):
        return SessionState.from_json(value)
    return SessionState.from_dict(value)


def drop_malformed(attributes: dict[str, Any]) -> None:
    """Drop unsaved events that are not in the shape this module writes.

    Alexa sends back the attributes it was given, so only a forged request or another
    release's layout (mid-deploy) gets here; either must not turn a pain report into an
    error answer.  (A question is part of the state, checked with it.)
    """
    unsaved = attributes.get(UNSAVED)
    if unsaved is not None and not (
        isinstance(unsaved, dict)
        and all(
            isinstance(unsaved.get(kind), list)
            and all(isinstance(record, dict) for record in unsaved[kind])
            for kind in ("pain", "history")
        )
        and fits_in_session(unsaved)
    ):
        # Only a forged request or a bug can send these (this module never carries
        # more): refused, not stored.  The log says how much, never what.
        log.warning("dropped malformed or over-long unsaved events from the session")
        del attributes[UNSAVED]
    version = attributes.get(VERSION)
    if version is not None and (type(version) is not int or version < 0):
        del attributes[VERSION]
    started = attributes.get(STARTED)
    if started is not None and not (isinstance(started, str) and len(started) <= 40):
        del attributes[STARTED]


def history_record(
    before: SessionState, after: SessionState, ending: bool, at: str
) -> dict[str, Any] | None:
    """A history entry when a routine finishes, stops, or is left part way through."""
    if after.phase in TERMINAL and before.phase not in TERMINAL:
        outcome = "finished" if after.phase is Phase.FINISHED else "stopped"
    elif ending and after.phase is Phase.PAUSED and before.phase is not Phase.PAUSED:
        outcome = "paused"
    else:
        return None
    return {
        "at": at,
        "outcome": outcome,
        "done": list(after.done),
        "total": len(after.routine),
        "pace": after.pace,
        "pains": after.pains,
        "gentle": after.gentle,
        "reason": after.stop_reason.value if after.stop_reason else None,
    }


def shows_apl(system: Any) -> bool:
    """Whether the device shows Alexa Presentation Language of the screens' version
    (the count's timed commands need APL_VERSION; a device that names no version is
    taken at its word that it shows APL)."""
    device = getattr(system, "device", None)
    interfaces = getattr(device, "supported_interfaces", None)
    apl = getattr(interfaces, "alexa_presentation_apl", None)
    if apl is None:
        return False
    version = getattr(getattr(apl, "runtime", None), "max_version", None)
    return version is None or version_at_least(version, APL_VERSION)
