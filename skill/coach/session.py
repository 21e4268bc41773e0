"""The coaching session as a state machine: ``(state, event) -> (new state, plan)``.

Modelled on sans-I/O protocol machines such as h11: the state is a plain value,
events are plain values, and the table in :mod:`skill.coach.transitions` says which
event is legal in which phase and where it can lead.  :meth:`Coach.step` looks every
event up there and calls the move the table names; an event with no cell raises
:class:`IllegalEventError` with the phrase the table gives, and :meth:`Coach.respond`
turns that into a spoken answer and leaves the state as it was.  What comes after a
count is decided in one place, :meth:`Coach.after_count`.

Every sentence comes from ``content/speech/en.yaml`` (``self.words``) or
``content/safety.yaml`` (``self.safety``).  The pain policy (handout A's general
instructions; docs/ARCHITECTURE.md) lives in :meth:`Coach.report`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date

from . import events as ev
from . import script
from .catalog import Catalog, Exercise, ProgramItem
from .pacing import GENTLE_PACE, NORMAL_PACE, Pace, clamp_pace, pace, pace_name
from .pain import classify
from .reply import PainAction, PainEvent, Reply, Say, Segment
from .routine import RoutineItem, resolve_item
from .state import MAX_SPOKEN, TERMINAL, Phase, Question, SessionState, StopReason
from .transitions import TABLE, answer_to, refusal
from .words import one_or_many

NORMAL_RATE = pace(NORMAL_PACE).rate_percent  # the voice of everything but the coaching


class IllegalEventError(Exception):
    """An event that does not apply in the current phase, with what to tell the person."""

    def __init__(self, phase: Phase, event: ev.Event, reply: str) -> None:
        super().__init__(f"{type(event).__name__} is not allowed in phase {phase.value}: {reply}")
        self.phase = phase
        self.event = event
        self.reply = reply


Outcome = tuple[SessionState, Reply]
Move = Callable[[SessionState, ev.Event], Outcome]


class Coach:
    """Drives sessions over one catalog, in one locale's words.  Holds no per-person state."""

    def __init__(self, catalog: Catalog, locale: str | None = None) -> None:
        self.catalog = catalog
        self.locale = locale
        self.safety = catalog.safety.for_locale(locale)
        self.words = catalog.words(locale)

    # -- public API -------------------------------------------------------------

    def new_session(self, routine: tuple[RoutineItem, ...]) -> SessionState:
        if not routine:
            raise ValueError("a routine needs at least one exercise")
        for item in routine:
            self.catalog[item.exercise_id].variant(item.variant)
        return SessionState(routine=routine)

    def step(self, state: SessionState, event: ev.Event) -> Outcome:
        """Apply one event as the table says.  Raises :class:`IllegalEventError` when
        the table has no cell for it in the current phase."""
        if not isinstance(event, ev.EVENT_TYPES):
            raise TypeError(f"not a coach event: {event!r}")
        if state.question is not None:
            answer = answer_to(state.question.kind, type(event))
            if answer is not None:
                answering: Move = getattr(self, answer.method)
                return answering(state, event)
            if not isinstance(event, ev.Asked):
                state = state.evolve(question=None)  # not answered: the question lapses
        cell = TABLE[state.phase].get(type(event))
        if cell is None:
            raise self._refuse(state, event, self._refusal_text(state, type(event)))
        move: Move = getattr(self, cell.method)
        return move(state, event)

    def respond(self, state: SessionState, event: ev.Event) -> Outcome:
        """Like :meth:`step`, but an illegal event is answered, not raised."""
        try:
            return self.step(state, event)
        except IllegalEventError as refused:
            return state, self._plan(state, [Say(refused.reply), Say(self.prompt(state))])

    def hello(self, returning: bool, streak: int = 0) -> str:
        if returning and streak >= 2:
            return self.words.phrase("welcome_streak", days=streak)
        if returning:
            return self.words.phrase("welcome_back")
        return self.words.phrase("welcome")

    def _remember(self, last_pain: PainEvent | None) -> list[Say]:
        """A reminder of the last pain report, at the next launch."""
        if last_pain is None:
            return []
        if last_pain.kind == "red_flag" and last_pain.red_flag != "distress":
            return [Say(self.safety.remember_red_flag)]
        if last_pain.kind == "pain":
            return [Say(self.safety.remember_pain)]
        return []

    def prompt(self, state: SessionState) -> str:
        """What the person can say next, in the current phase."""
        match state.phase:
            case Phase.NOT_BEGUN:
                return self.words.phrase("prompt_ready")
            case Phase.CHECK_IN:
                return self.words.phrase("checkin_question")
            case Phase.POSITIONING:
                return self.words.phrase("prompt_positioning")
            case Phase.COUNTING:
                return self.words.phrase("prompt_counting")
            case Phase.PAUSED:
                return self.words.phrase("prompt_paused")
            case Phase.PAIN_CHECK:
                return self.safety.first_pain_question
            case Phase.FINISHED:
                return self.words.phrase("prompt_finished")
            case Phase.STOPPED:
                return self.words.phrase("prompt_stopped")
        raise AssertionError(state.phase)  # pragma: no cover - Phase is exhaustive

    def settle(self, state: SessionState, mid_count: bool = False) -> SessionState:
        """The place to come back to after a count.

        A count that was heard to the end is done: the place is the part after it, so
        nobody is asked to repeat what they have just been through.  A count cut short
        (``mid_count``: the person spoke while it was still being said) is not done:
        the place is the start of that part, to be done again (gently, after pain).
        """
        if state.phase is not Phase.COUNTING:
            return state
        if mid_count:
            return state.evolve(phase=Phase.POSITIONING)
        return self.after_count(state)

    def after_count(self, state: SessionState) -> SessionState:
        """What comes after the part just counted: the rest of the set, the next set,
        the next exercise or the end.  The one place that decides it (``advance``
        counts on from here; ``settle`` keeps the place here)."""
        item = self._item(state)
        end = self._chunk_end(state)
        if end < script.rep_slots(self._exercise(state), item):
            return state.evolve(phase=Phase.POSITIONING, rep=end)
        if state.set + 1 < item.sets:
            return state.evolve(phase=Phase.POSITIONING, set=state.set + 1, rep=0)
        done = self._mark_done(state)
        if state.index + 1 < len(state.routine):
            return done.evolve(phase=Phase.POSITIONING, index=state.index + 1, set=0, rep=0)
        return done.evolve(phase=Phase.FINISHED, rep=0)

    def help(self, state: SessionState) -> list[Say]:
        """What to say for help, in the current phase."""
        if state.phase is Phase.PAIN_CHECK:
            return [Say(self.safety.pain_check_help)]
        if state.phase is Phase.STOPPED:
            return [Say(self._over(state)), Say(self.prompt(state))]
        return [Say(self.words.phrase("help")), Say(self.prompt(state))]

    # -- helpers ----------------------------------------------------------------

    def _exercise(self, state: SessionState) -> Exercise:
        assert state.item is not None
        return self.catalog[state.item.exercise_id]

    def _item(self, state: SessionState) -> RoutineItem:
        """The current exercise's figures, made gentler after a pain report."""
        assert state.item is not None
        return state.item.gentle() if state.gentle else state.item

    def _pace(self, state: SessionState) -> Pace:
        return pace(state.pace)

    def _name(self, exercise_id: str) -> str:
        return script.mid_sentence(self.catalog[exercise_id].name)

    def _exercises(self, count: int) -> str:
        return one_or_many(self.words.phrase("exercises", count=count), count)

    def _todays_routine(self, state: SessionState) -> str:
        return self.words.phrase(
            "todays_routine",
            exercises=self._exercises(len(state.routine)),
            first=self._name(state.routine[0].exercise_id),
        )

    def _plan(
        self,
        state: SessionState,
        speech: Sequence[Segment],
        *,
        end: bool = False,
        pain_event: PainEvent | None = None,
        paced: bool = False,
    ) -> Reply:
        """A reply.  ``paced``: coaching (an exercise introduced, a set counted), said at
        the pace's rate; everything else (answers, questions, refusals, "didn't catch
        that", help, safety advice) in the normal voice, whatever the pace."""
        reprompt = () if end else (Say(self.prompt(state)),)
        return Reply(
            speech=tuple(speech),
            reprompt=reprompt,
            end_session=end,
            rate_percent=self._pace(state).rate_percent if paced else NORMAL_RATE,
            pain_event=pain_event,
        )

    def _answer(self, state: SessionState, *texts: str) -> Outcome:
        """Say something and the prompt, and stay."""
        return state, self._plan(state, [*(Say(t) for t in texts), Say(self.prompt(state))])

    def _refuse(self, state: SessionState, event: ev.Event, reply: str) -> IllegalEventError:
        return IllegalEventError(state.phase, event, reply)

    def _refusal_text(self, state: SessionState, event: type[ev.Event]) -> str:
        key = refusal(state.phase, event)
        return self._no_start(state) if key == "no_start" else self._phrase_of(key)

    def _phrase_of(self, key: str) -> str:
        """A refusal's phrase; the keys are the table's own (transitions.REFUSALS)."""
        match key:
            case "not_started":
                return self.words.phrase("not_started")
            case "answer_check_in":
                return self.words.phrase("answer_check_in")
            case "already_started":
                return self.words.phrase("already_started")
            case "paused_place_kept":
                return self.words.phrase("paused_place_kept")
            case "answer_first":
                return self.words.phrase("answer_first")
            case "finished":
                return self.words.phrase("finished_routine")
            case "stopped_for_today":
                return self.words.phrase("stopped_for_today")
        raise KeyError(f"no refusal phrase for {key!r}")

    def _no_start(self, state: SessionState) -> str:
        if state.stop_reason is StopReason.RED_FLAG:
            return self.safety.no_start_after_red_flag
        return self.safety.no_start_after_pain

    def _over(self, state: SessionState) -> str:
        if state.phase is Phase.FINISHED:
            return self.words.phrase("finished_routine")
        return self.words.phrase("stopped_for_today")

    def _introduce(self, state: SessionState, lead: Sequence[Segment] | None = None) -> Outcome:
        """Move to POSITIONING for the current exercise and set, and introduce it."""
        exercise = self._exercise(state)
        speech = list(lead or [])
        speech += script.introduce(
            exercise,
            self._item(state),
            number=state.index + 1,
            total=len(state.routine),
            set_index=state.set,
            previous_position=state.last_position,
            gentle=state.gentle,
            pace=self._pace(state),
            words=self.words,
        )
        new = state.evolve(
            phase=Phase.POSITIONING, paused_from=None, last_position=exercise.position
        )
        return new, self._plan(new, speech, paced=True)

    def _count(self, state: SessionState, *, with_action: bool) -> Outcome:
        """Count the current part of the set and move to COUNTING."""
        exercise, item, speed = self._exercise(state), self._item(state), self._pace(state)
        speech, end = script.count_reps(
            exercise,
            item,
            speed,
            set_index=state.set,
            start=state.rep,
            with_action=with_action,
            words=self.words,
        )
        speech += script.after_set(
            exercise,
            item,
            speed,
            set_index=state.set,
            set_complete=end >= script.rep_slots(exercise, item),
            last_exercise=state.index + 1 >= len(state.routine),
            words=self.words,
        )
        new = state.evolve(phase=Phase.COUNTING)
        return new, self._plan(new, speech, paced=True)

    def _chunk_end(self, state: SessionState) -> int:
        exercise, item, speed = self._exercise(state), self._item(state), self._pace(state)
        return script.chunk_end(exercise, item, speed, state.rep, self.words, set_index=state.set)

    def _goto_index(self, state: SessionState, index: int, lead: Sequence[Segment]) -> Outcome:
        moved = state.evolve(index=index, set=0, rep=0)
        return self._introduce(moved, lead)

    def _finish(self, state: SessionState, lead: Sequence[Segment]) -> Outcome:
        new = state.evolve(phase=Phase.FINISHED, rep=0, paused_from=None)
        done, total = len(set(new.done)), len(new.routine)
        if done >= total:
            summary = self.words.phrase("routine_done")
        elif done:
            summary = self.words.phrase("routine_partly_done", done=done, total=total)
        else:
            summary = self.words.phrase("routine_ended")
        speech = [*lead, Say(summary), Say(self.words.phrase("see_you_tomorrow"))]
        return new, self._plan(new, speech, end=True)

    def _mark_done(self, state: SessionState) -> SessionState:
        assert state.item is not None
        return state.evolve(done=(*state.done, state.item.exercise_id))

    def _where(self, state: SessionState) -> str:
        exercise, item = self._exercise(state), self._item(state)
        where = script.mid_sentence(exercise.name)
        if item.sets > 1:
            return self.words.phrase(
                "where_with_set", name=where, set=state.set + 1, sets=item.sets
            )
        return where

    # -- moves: the table's cells -------------------------------------------------

    # -- questions: asked, and answered (transitions.ANSWERS) -----------------------

    def ask(self, state: SessionState, event: ev.Event) -> Outcome:
        """Ask, and wait for the answer: the question goes into the state."""
        assert isinstance(event, ev.Asked)
        question = Question(event.kind, event.ids, event.describe, event.spoken[:MAX_SPOKEN])
        return self._asking(state.evolve(question=question))

    def repeat_question(self, state: SessionState, event: ev.Event) -> Outcome:
        return self._asking(state)

    def _asking(self, state: SessionState, *lead: Say) -> Outcome:
        assert state.question is not None
        text = Say(self._question_text(state.question))
        return state, replace(self._plan(state, [*lead, text]), reprompt=(text,))

    def _question_text(self, question: Question) -> str:
        names = [script.mid_sentence(self.catalog[i].full_name) for i in question.ids]
        match question.kind:
            case "which":
                joined = ", ".join(names[:-1])
                return self.words.phrase("which_one", names=joined, last=names[-1])
            case "did_you_mean":
                heard = question.spoken or self.words.phrase("that")
                return self.words.phrase("did_you_mean", spoken=heard, name=names[0])
            case "confirm":
                name = self.catalog[question.ids[0]].full_name
                return self.words.phrase("not_in_routine", name=name)
            case "delete":
                return self.words.phrase("delete_ask")
            case "code":
                return self.words.phrase("code_ask")
            case "code_heard":
                return self.words.phrase("code_heard", digits=", ".join(question.spoken))
            case "carry_on":
                return self.words.phrase("carry_on_reprompt")
            case "from_beginning":
                return self.words.phrase("from_beginning_ask")
            case "stop_today":
                return self.words.phrase("stop_today_ask")
        raise AssertionError(question.kind)  # pragma: no cover - the kinds are exhaustive

    def named(self, state: SessionState, event: ev.Event) -> Outcome:
        """An exercise by name: described, gone to when in the routine, else asked
        first (do it only if the physician recommended it)."""
        assert isinstance(event, ev.Named)
        if event.describe:
            return self.step(state, ev.Describe(event.exercise_id))
        if any(item.exercise_id == event.exercise_id for item in state.routine):
            return self.step(state, ev.GoTo(event.exercise_id))
        return self.ask(state, ev.Asked("confirm", (event.exercise_id,)))

    def choose(self, state: SessionState, event: ev.Event) -> Outcome:
        """Which one: the one picked, or the question again when the answer picked none."""
        assert isinstance(event, ev.Choose) and state.question is not None
        question = state.question
        if event.exercise_id not in question.ids:
            return self._asking(state)
        picked = ev.Named(event.exercise_id, question.describe)
        return self.named(state.evolve(question=None), picked)

    def take_suggestion(self, state: SessionState, event: ev.Event) -> Outcome:
        """ "Yes" to "did you mean ...?"."""
        assert state.question is not None
        picked = ev.Named(state.question.ids[0], state.question.describe)
        return self.named(state.evolve(question=None), picked)

    def confirmed(self, state: SessionState, event: ev.Event) -> Outcome:
        """ "Yes" to an exercise outside the routine: go to it."""
        assert state.question is not None
        return self.step(state.evolve(question=None), ev.GoTo(state.question.ids[0]))

    def decline(self, state: SessionState, event: ev.Event) -> Outcome:
        return self._answer(state.evolve(question=None), self.words.phrase("okay"))

    def delete_data(self, state: SessionState, event: ev.Event) -> Outcome:
        """ "Yes" to deleting: the shell deletes, and says so only if it could."""
        done = state.evolve(question=None)
        plan = self._plan(done, [Say(self.words.phrase("delete_done"))], end=True)
        return done, replace(plan, delete_data=True)

    def keep_data(self, state: SessionState, event: ev.Event) -> Outcome:
        return self._answer(state.evolve(question=None), self.words.phrase("delete_kept"))

    def code_again(self, state: SessionState, event: ev.Event) -> Outcome:
        """ "No" to "I heard 4, 8, 1, ... Is that right?": the code again (nothing was
        checked, so no try is spent)."""
        okay = Say(self.words.phrase("okay"))
        return self._asking(state.evolve(question=Question("code")), okay)

    def _lapse(self, state: SessionState, event: ev.Event) -> Outcome:
        """An answer to a question of one phase, in another: the question lapses and the
        event goes by the phase's row (transitions.ANSWERS)."""
        return self.step(state.evolve(question=None), event)

    def carry_on_offered(self, state: SessionState, event: ev.Event) -> Outcome:
        """ "Yes" to "Shall we carry on?" at a launch."""
        if state.phase is not Phase.PAUSED:
            return self._lapse(state, event)
        return self.carry_on(state.evolve(question=None), event)

    def offer_from_beginning(self, state: SessionState, event: ev.Event) -> Outcome:
        """ "No" to carrying on: not necessarily to today's exercise, so asked whether to
        start from the beginning instead (a second "no" keeps the place for later)."""
        if state.phase is not Phase.PAUSED:
            return self._lapse(state, event)
        okay = Say(self.words.phrase("okay"))
        return self._asking(state.evolve(question=Question("from_beginning")), okay)

    def from_beginning(self, state: SessionState, event: ev.Event) -> Outcome:
        """ "Yes" to starting from the beginning instead of the saved place."""
        if state.phase is not Phase.PAUSED:
            return self._lapse(state, event)
        return self.start_over(state.evolve(question=None), event)

    def not_from_beginning(self, state: SessionState, event: ev.Event) -> Outcome:
        """ "No" to both: the place is kept for later."""
        if state.phase is not Phase.PAUSED:
            return self._lapse(state, event)
        return self.keep_for_later(state.evolve(question=None), event)

    def ask_to_stop(self, state: SessionState, event: ev.Event) -> Outcome:
        """ "I'm done" while getting into position: asked, never counted."""
        return self._asking(state.evolve(question=Question("stop_today")))

    def stop_today(self, state: SessionState, event: ev.Event) -> Outcome:
        """ "Yes" to stopping for today: as "stop" does, the place kept."""
        if state.phase is not Phase.POSITIONING:
            return self._lapse(state, event)
        return self.stop_here(state.evolve(question=None), ev.Stop())

    def keep_going(self, state: SessionState, event: ev.Event) -> Outcome:
        """ "No" to stopping for today: the prompt again, and nothing counted yet."""
        if state.phase is not Phase.POSITIONING:
            return self._lapse(state, event)
        return self._answer(state.evolve(question=None), self.words.phrase("take_your_time"))

    def done_counting(self, state: SessionState, event: ev.Event) -> Outcome:
        """ "I'm done" after a count: the part counted is done (a count cut short is
        not).  The end of the routine or a new exercise follows as after "next"; before
        more of the same exercise, asked whether to stop for today, as no count starts
        on "I'm done"."""
        assert isinstance(event, ev.Done)
        settled = self.settle(state, event.mid_count)
        if settled.phase is Phase.FINISHED:
            return self._finish(settled, [])
        if settled.index != state.index:
            return self._introduce(settled)
        return self.ask_to_stop(settled, event)

    def plan_linked(self, state: SessionState, event: ev.Event) -> Outcome:
        """The physician's plan is linked: it is today's routine if none is under way,
        else the next one."""
        assert isinstance(event, ev.PlanLinked)
        count = self._exercises(len(event.fresh.routine))
        said = [self.words.phrase("code_linked", exercises=count)]
        if event.note:
            said.append(self.words.phrase("code_note", note=event.note))
        after = state
        if state.phase in (Phase.NOT_BEGUN, Phase.FINISHED):
            after = event.fresh
        else:
            said.append(self.words.phrase("code_starts_next"))
        return self._answer(after, *said)

    def link_failed(self, state: SessionState, event: ev.Event) -> Outcome:
        """Why a confirmed code linked nothing; the question about it has lapsed."""
        assert isinstance(event, ev.LinkFailed)
        match event.reason:
            case "limited":
                text = self.words.phrase("code_too_many_tries")
            case "unavailable":
                text = self.words.phrase("code_cannot_check")
            case _:
                text = self.words.phrase("code_cannot_link")
        return self._answer(state, text)

    # -- opening, leaving, not understood -------------------------------------------

    def launch(self, state: SessionState, event: ev.Event) -> Outcome:
        """Opening Back Coach: welcome and safety for a new routine (or first how the
        back is, the day after pain), or an offer to carry on from the saved place, or
        why nothing starts today.  ``state`` is the saved progress or a fresh one."""
        assert isinstance(event, ev.Launch)
        changed = [Say(self.words.phrase("plan_changed"))] if event.plan_changed else []
        hello = [Say(self.hello(event.returning, event.streak)), *changed]
        settled = self.settle(state)
        if settled.phase in (Phase.NOT_BEGUN, Phase.CHECK_IN):
            fresh = event.fresh
            expired = [Say(self.expired(event.expired))] if event.expired else []
            if event.check_in:
                asked = fresh.evolve(phase=Phase.CHECK_IN)
                speech = [
                    *hello,
                    *expired,
                    Say(self.words.phrase("checkin_last_time")),
                    Say(self.prompt(asked)),
                ]
                return asked, self._plan(asked, speech)
            speech = [*hello, *expired, *self._remember(event.last_pain), Say(self.safety.welcome)]
            speech.append(Say(self._todays_routine(fresh)))
            if fresh.gentle:
                speech.append(Say(self.safety.gentle_today))
            return fresh, self._plan(fresh, [*speech, Say(self.prompt(fresh))])
        if settled.phase is Phase.STOPPED:
            return settled, self._plan(settled, [*hello, Say(self._no_start(settled))], end=True)
        if settled.phase is Phase.FINISHED:
            # "Start" again does today's routine: the linked plan's, if linked since.
            done = settled.evolve(routine=event.fresh.routine)
            speech = [*hello, Say(self.words.phrase("done_today")), Say(self.prompt(done))]
            return done, self._plan(done, speech)
        paused_from = settled.paused_from if settled.phase is Phase.PAUSED else settled.phase
        # Asked, so that a "no" is read as a no to carrying on (transitions.ANSWERS).
        paused = settled.evolve(
            phase=Phase.PAUSED, paused_from=paused_from, question=Question("carry_on")
        )
        speech = [*hello, Say(self.words.phrase("you_were_on", where=self._where(paused)))]
        if paused.gentle:
            speech.append(Say(self.safety.gentle_today))
        speech.append(Say(self.words.phrase("carry_on_question")))
        plan = self._plan(paused, speech)
        return paused, replace(plan, reprompt=(Say(self.words.phrase("carry_on_reprompt")),))

    def expired(self, place: ev.ExpiredPlace) -> str:
        """ "Your saved place from Monday has expired, so we'll start fresh." """
        return self.words.phrase("place_expired", day=self._day_said(place.saved_on, place.today))

    def _day_said(self, day: date, today: date) -> str:
        """A past day as said: yesterday, a weekday this past week, last Monday."""
        ago = (today - day).days
        if ago <= 1:
            return self.words.phrase("yesterday")
        if ago > 7:
            return self.words.phrase("over_a_week_ago")
        weekday = self._weekday(day.weekday())
        return weekday if ago < 7 else self.words.phrase("last_weekday", weekday=weekday)

    def _weekday(self, number: int) -> str:
        match number:
            case 0:
                return self.words.phrase("monday")
            case 1:
                return self.words.phrase("tuesday")
            case 2:
                return self.words.phrase("wednesday")
            case 3:
                return self.words.phrase("thursday")
            case 4:
                return self.words.phrase("friday")
            case 5:
                return self.words.phrase("saturday")
        return self.words.phrase("sunday")

    def leave_session(self, state: SessionState, event: ev.Event) -> Outcome:
        """The person walked away (the session ended): keep their place for next time."""
        assert isinstance(event, ev.Leave)
        settled = self.settle(state, event.mid_count)
        if settled.phase in (Phase.POSITIONING, Phase.PAIN_CHECK):
            settled = settled.evolve(phase=Phase.PAUSED, paused_from=settled.phase)
        return settled, self._plan(settled, [], end=True)

    def not_understood(self, state: SessionState, event: ev.Event) -> Outcome:
        """Words the skill could not place: how to report pain, and no count starts or
        goes on; a count they cut short is done again."""
        cut_short = isinstance(event, ev.NotUnderstood) and event.mid_count
        after = self.settle(state, mid_count=True) if cut_short else state
        prompt = Say(self.prompt(after))
        hint = Say(self.safety.not_understood)
        speech = [Say(self.words.phrase("not_understood")), hint, prompt]
        speech.append(Say(self.words.phrase("or_say_help")))
        return after, replace(self._plan(after, speech), reprompt=(hint, prompt))

    def check_in_answer(self, state: SessionState, event: ev.Event) -> Outcome:
        """Better or the same than after the pain: today's usual routine."""
        assert isinstance(event, ev.CheckInAnswer)
        ready = state.evolve(phase=Phase.NOT_BEGUN)
        if event.feeling == "better":
            lead = self.words.phrase("checkin_better")
        else:
            lead = self.words.phrase("checkin_same")
        speech = [Say(lead), Say(self._todays_routine(ready)), Say(self.prompt(ready))]
        return ready, self._plan(ready, speech)

    def begin(self, state: SessionState, event: ev.Event) -> Outcome:
        """NOT_BEGUN: start today's routine from its first exercise."""
        lead = self.words.phrase("lets_begin", count=self._exercises(len(state.routine)))
        return self._goto_index(state, 0, [Say(lead)])

    def again(self, state: SessionState, event: ev.Event) -> Outcome:
        """FINISHED: the routine again.  The same day: a pain report earlier today
        still counts, and keeps it gentle."""
        fresh = state.evolve(index=0, set=0, rep=0, done=(), pace=clamp_pace(state.pace))
        return self._goto_index(fresh, 0, [Say(self.words.phrase("again_from_the_start"))])

    def start_over(self, state: SessionState, event: ev.Event) -> Outcome:
        """Back to the first exercise; what the pain policy has done today stands."""
        fresh = state.evolve(index=0, set=0, rep=0, done=(), paused_from=None)
        return self._goto_index(fresh, 0, [Say(self.words.phrase("start_over"))])

    def count_set(self, state: SessionState, event: ev.Event) -> Outcome:
        """POSITIONING: in position, so count (the action read with the first part)."""
        return self._count(state, with_action=True)

    def advance(self, state: SessionState, event: ev.Event) -> Outcome:
        """COUNTING: on to what comes after the count, counting on within the exercise."""
        after = self.after_count(state)
        if after.phase is Phase.FINISHED:
            return self._finish(after, [])
        if after.index != state.index:
            return self._goto_index(after, after.index, [])
        return self._count(after, with_action=False)

    def carry_on(self, state: SessionState, event: ev.Event) -> Outcome:
        """PAUSED: back where the person was (to the question, if paused there)."""
        if state.paused_from is Phase.PAIN_CHECK:
            new = state.evolve(phase=Phase.PAIN_CHECK, paused_from=None)
            return new, self._plan(new, [Say(self.safety.first_pain_question)])
        lead = self.words.phrase("carry_on_with", where=self._where(state))
        return self._introduce(state, [Say(lead)])

    def go_on_gently(self, state: SessionState, event: ev.Event | None = None) -> Outcome:
        """PAIN_CHECK: go on, slower, with fewer repetitions and shorter holds."""
        gentle = state.evolve(rep=0, gentle=True, pace=max(state.pace, GENTLE_PACE))
        return self._introduce(gentle, [Say(self.safety.go_on_gently)])

    def introduce_again(self, state: SessionState, event: ev.Event) -> Outcome:
        return self._introduce(state)

    def count_again(self, state: SessionState, event: ev.Event) -> Outcome:
        return self._count(state, with_action=state.rep == 0)

    def ask_again(self, state: SessionState, event: ev.Event) -> Outcome:
        return state, self._plan(state, [Say(self.safety.first_pain_question)])

    def say_prompt(self, state: SessionState, event: ev.Event) -> Outcome:
        return state, self._plan(state, [Say(self.prompt(state))])

    def go_back(self, state: SessionState, event: ev.Event) -> Outcome:
        if state.index == 0:
            return self._goto_index(state, 0, [Say(self.words.phrase("first_exercise_again"))])
        return self._goto_index(state, state.index - 1, [Say(self.words.phrase("going_back"))])

    def skip(self, state: SessionState, event: ev.Event) -> Outcome:
        if state.phase is Phase.COUNTING and self._exercise_counted(state):
            return self.advance(state, event)  # nothing of it left to skip: "next exercise"
        name = script.mid_sentence(self._exercise(state).name)
        if state.index + 1 < len(state.routine):
            skipping = self.words.phrase("skipping", name=name)
            return self._goto_index(state, state.index + 1, [Say(skipping)])
        return self._finish(state, [Say(self.words.phrase("skipping_the_last", name=name))])

    def _exercise_counted(self, state: SessionState) -> bool:
        """Whether the last part of the last set of the current exercise has been counted."""
        item = self._item(state)
        last_set = state.set + 1 >= item.sets
        return last_set and self._chunk_end(state) >= script.rep_slots(self._exercise(state), item)

    def go_to(self, state: SessionState, event: ev.Event) -> Outcome:
        """An exercise by name: in the routine, go there; else add it as a one-off."""
        assert isinstance(event, ev.GoTo)
        exercise = self._known(state, event, event.exercise_id, event.variant)
        okay = Say(self.words.phrase("okay_exercise", name=script.mid_sentence(exercise.name)))
        for index, item in enumerate(state.routine):
            if item.exercise_id == exercise.id and event.variant in (None, item.variant):
                if state.phase is Phase.FINISHED:
                    break
                return self._goto_index(state, index, [okay])
        one_off = replace(
            resolve_item(self.catalog, ProgramItem(id=exercise.id, variant=event.variant)),
            extra=True,
        )
        started = state.phase is Phase.COUNTING or state.set > 0 or state.rep > 0
        at = len(state.routine) if state.phase is Phase.FINISHED else state.index + int(started)
        untouched_extra = (
            state.phase is Phase.POSITIONING and not started and state.item and state.item.extra
        )
        # A one-off asked for and not begun is replaced, not kept: "do the bridge",
        # then "no, cat cow" leaves one extra exercise, not two.
        after = at + 1 if untouched_extra else at
        routine = (*state.routine[:at], one_off, *state.routine[after:])
        lead = [okay, Say(self.words.phrase("not_in_routine_note"))]
        return self._goto_index(state.evolve(routine=routine), at, lead)

    def _known(
        self, state: SessionState, event: ev.Event, exercise_id: str, variant: str | None
    ) -> Exercise:
        if exercise_id not in self.catalog:
            raise self._refuse(state, event, self.words.phrase("unknown_exercise_id"))
        exercise = self.catalog[exercise_id]
        try:
            exercise.variant(variant)
        except KeyError:
            no_such = self.words.phrase("no_such_version", name=exercise.name)
            raise self._refuse(state, event, no_such) from None
        return exercise

    def describe(self, state: SessionState, event: ev.Event) -> Outcome:
        assert isinstance(event, ev.Describe)
        exercise = self._known(state, event, event.exercise_id, event.variant)
        item = next(
            (i for i in state.routine if i.exercise_id == exercise.id),
            resolve_item(self.catalog, ProgramItem(id=exercise.id, variant=event.variant)),
        )
        speech = script.describe(exercise, event.variant or item.variant, item, self.words)
        speech.append(Say(self.prompt(state)))
        return state, self._plan(state, speech)

    def slower(self, state: SessionState, event: ev.Event) -> Outcome:
        level = clamp_pace(state.pace + 1)
        if level == state.pace:
            reply = self.words.phrase("slowest_already")
        else:
            reply = self.words.phrase("going_slower", pace=pace_name(self.words, level))
        return self._answer(state.evolve(pace=level), reply)

    def faster(self, state: SessionState, event: ev.Event) -> Outcome:
        # After a pain report the pace stays gentle for the rest of the routine.
        level = clamp_pace(state.pace - 1, floor=GENTLE_PACE if state.gentle else 0)
        if level == state.pace and state.gentle:
            reply = self.safety.pace_stays_gentle
        elif level == state.pace:
            reply = self.words.phrase("fastest_already")
        else:
            reply = self.words.phrase("going_faster", pace=pace_name(self.words, level))
        return self._answer(state.evolve(pace=level), reply)

    def pause(self, state: SessionState, event: ev.Event) -> Outcome:
        assert isinstance(event, ev.Pause)
        settled = self.settle(state, event.mid_count)
        if settled.phase is Phase.FINISHED:
            return self._finish(settled, [])
        new = settled.evolve(phase=Phase.PAUSED, paused_from=settled.phase)
        return self._answer(new, self.words.phrase("paused", where=self._where(new)))

    def already_paused(self, state: SessionState, event: ev.Event) -> Outcome:
        return self._answer(state, self.words.phrase("already_paused"))

    def whats_next(self, state: SessionState, event: ev.Event) -> Outcome:
        return self._answer(state, self._next_text(state))

    def _next_text(self, state: SessionState) -> str:
        if state.phase in TERMINAL:
            return self.words.phrase("nothing_more_today")
        if state.phase is Phase.NOT_BEGUN:
            return self.words.phrase("first_is", name=self._name(state.routine[0].exercise_id))
        exercise = self._exercise(state)
        if state.phase is not Phase.COUNTING:
            return self.words.phrase("now_then", where=self._where(state), after=self._after(state))
        if state.set + 1 < self._item(state).sets:
            name = script.mid_sentence(exercise.name)
            return self.words.phrase("next_set", set=state.set + 2, name=name)
        if state.index + 1 < len(state.routine):
            following = self.catalog[state.routine[state.index + 1].exercise_id]
            where = script.position_words(self.words, following.position)
            name = script.mid_sentence(following.name)
            return self.words.phrase("next_exercise", name=name, where=where)
        return self.words.phrase("that_was_the_last")

    def _after(self, state: SessionState) -> str:
        if state.index + 1 >= len(state.routine):
            return self.words.phrase("were_done")
        return self._name(state.routine[state.index + 1].exercise_id)

    def how_many_left(self, state: SessionState, event: ev.Event) -> Outcome:
        total = len(state.routine)
        if state.phase is Phase.FINISHED:
            return self._answer(state, self.words.phrase("none_left_finished"))
        if state.phase is Phase.STOPPED:
            return self._answer(state, self.words.phrase("none_left_stopped"))
        if state.phase is Phase.NOT_BEGUN:
            return self._answer(
                state, self.words.phrase("in_routine", count=self._exercises(total))
            )
        after = total - state.index - 1
        where = self.words.phrase(
            "on_exercise", number=state.index + 1, total=total, where=self._where(state)
        )
        if after == 1:
            rest = self.words.phrase("one_more_after")
        elif after:
            rest = self.words.phrase("more_after", count=after)
        else:
            rest = self.words.phrase("last_one")
        return self._answer(state, f"{where} {rest}")

    def hold_time(self, state: SessionState, event: ev.Event) -> Outcome:
        """How long the current exercise's hold is (the first one's, before starting)."""
        if state.item is None:
            return self._answer(state, self._over(state))
        item = self._item(state)
        if item.hold_seconds:
            return self._answer(state, self.words.phrase("hold_time", seconds=item.hold_seconds))
        return self._answer(state, self.words.phrase("no_hold", name=self._exercise(state).name))

    def stop_here(self, state: SessionState, event: ev.Event) -> Outcome:
        """Stop for now with the place kept, to carry on later."""
        assert isinstance(event, ev.Stop)
        settled = self.settle(state, event.mid_count)
        if settled.phase is Phase.FINISHED:
            return self._finish(settled, [])
        paused_from = settled.paused_from if settled.phase is Phase.PAUSED else settled.phase
        new = settled.evolve(phase=Phase.PAUSED, paused_from=paused_from)
        speech = [
            Say(self.words.phrase("stopping_here", where=self._where(new))),
            Say(self.words.phrase("open_again_to_carry_on")),
        ]
        return new, self._plan(new, speech, end=True)

    def goodbye(self, state: SessionState, event: ev.Event) -> Outcome:
        return state, self._plan(state, [Say(self.words.phrase("goodbye"))], end=True)

    def keep_for_later(self, state: SessionState, event: ev.Event) -> Outcome:
        speech = [Say(self.words.phrase("place_saved_goodbye"))]
        return state, self._plan(state, speech, end=True)

    def take_your_time(self, state: SessionState, event: ev.Event) -> Outcome:
        return self._answer(state, self.words.phrase("take_your_time"))

    def stop_after_pain(self, state: SessionState, event: ev.Event) -> Outcome:
        new = state.evolve(phase=Phase.STOPPED, stop_reason=StopReason.PAIN, paused_from=None)
        return new, self._plan(new, [Say(self.safety.stop_after_pain)], end=True)

    # -- the pain policy (docs/ARCHITECTURE.md, "Pain policy"; handout A) ---------------

    def report(self, state: SessionState, event: ev.Event) -> Outcome:
        """Any report stops the count at once; what follows depends on what it is.

        Red flag: stop for today with urgent advice (how to get help now first, when
        the person may be hurt on the floor).  Severe pain, or pain a second time in a
        day (``pains`` counts the person's reports today): stop for today, contact the
        physician immediately.  First pain: the advice and a choice of going on gently
        or stopping.  Discomfort other than soreness: slower, fewer repetitions.
        Muscle soreness: reassurance and the usual routine.
        """
        assert isinstance(event, ev.PainReported)
        found = classify(event.words, event.reported_as, event.red_flag, event.level)
        if state.phase is Phase.CHECK_IN:  # a report is the answer: nothing begun yet
            state = state.evolve(phase=Phase.NOT_BEGUN)

        # The report belongs to the exercise and set being done when it was made.
        current = state.item if state.phase not in (Phase.NOT_BEGUN, *TERMINAL) else None
        set_number = state.set + 1 if current else None

        def record(action: PainAction) -> PainEvent:
            return PainEvent(
                at=event.at,
                words=event.words,
                kind=found.kind,
                action=action,
                exercise_id=current.exercise_id if current else None,
                set_number=set_number,
                red_flag=found.red_flag,
            )

        interrupted = state.phase is Phase.COUNTING and event.mid_count
        stopped = self._stop_count(interrupted)
        if found.red_flag == "distress":
            return self._distress(state, event, stopped, record("advised"))
        if found.kind == "red_flag":
            new = state.evolve(
                phase=Phase.STOPPED, stop_reason=StopReason.RED_FLAG, paused_from=None
            )
            speech = [Say(self.safety.emergency)] if found.emergency else []
            symptom = self.safety.symptoms.get(
                found.red_flag or "", self.safety.symptoms["unspecified"]
            )
            speech.append(Say(self.safety.red_flag.format(symptom=symptom)))
            return new, self._plan(new, speech, end=True, pain_event=record("urgent_stop"))

        if found.kind in ("soreness", "discomfort") and state.phase in TERMINAL:
            speech = [Say(self.safety.soreness_outside_routine)]
            return state, self._plan(state, speech, end=True, pain_event=record("advised"))
        if found.kind == "soreness":
            return self._soreness(state, event, record("reassured"))
        if found.kind == "discomfort" and not state.gentle:
            return self._discomfort(state, event, stopped, record("slowed"))

        # Pain (or discomfort again after easing off, which is not going away).
        if found.severe or state.pains >= 1:
            return self._stop_for_today(state, stopped, found.severe, record("stopped"))
        if state.phase in TERMINAL:
            new = state.evolve(pains=state.pains + 1, gentle=True)
            speech = [Say(self.safety.pain_outside_routine)]
            return new, self._plan(new, speech, end=True, pain_event=record("advised"))
        state = self.settle(state, event.mid_count)
        if state.phase is Phase.FINISHED:  # right after the last count: nothing to go on to
            new = state.evolve(pains=1, gentle=True)
            speech = [
                *stopped,
                Say(self.words.phrase("that_was_the_last")),
                Say(self.safety.pain_outside_routine),
            ]
            return new, self._plan(new, speech, end=True, pain_event=record("advised"))
        new = state.evolve(
            phase=Phase.PAIN_CHECK,
            pains=1,
            gentle=True,
            pace=max(state.pace, GENTLE_PACE),
            rep=0,
            paused_from=None,
        )
        speech = [*stopped, Say(self.safety.first_pain), Say(self.safety.first_pain_question)]
        return new, self._plan(new, speech, pain_event=record("gentle_offered"))

    def _stop_count(self, interrupted: bool) -> list[Say]:
        return [Say(self.safety.stop_count)] if interrupted else []

    def _stop_for_today(
        self, state: SessionState, stopped: list[Say], severe: bool, event: PainEvent
    ) -> Outcome:
        """Severe pain, or pain that persists: no more exercise today (a red-flag stop
        stays one)."""
        new = state.evolve(
            phase=Phase.STOPPED,
            stop_reason=state.stop_reason or StopReason.PAIN,
            pains=state.pains + 1,
            gentle=True,
            paused_from=None,
        )
        text = self.safety.severe_pain if severe else self.safety.second_pain
        return new, self._plan(new, [*stopped, Say(text)], end=True, pain_event=event)

    def _soreness(self, state: SessionState, event: ev.PainReported, record: PainEvent) -> Outcome:
        """Muscle soreness is expected: reassure, and carry on as usual."""
        settled = self.settle(state, event.mid_count)
        if settled.phase is Phase.FINISHED:  # right after the last count
            speech = [Say(self.safety.soreness_outside_routine)]
            return settled, self._plan(settled, speech, end=True, pain_event=record)
        speech = [Say(self.safety.soreness), Say(self.prompt(settled))]
        return settled, self._plan(settled, speech, pain_event=record)

    def _discomfort(
        self,
        state: SessionState,
        event: ev.PainReported,
        stopped: list[Say],
        record: PainEvent,
    ) -> Outcome:
        """Discomfort other than muscle soreness: slow down and do fewer repetitions."""
        settled = self.settle(state, event.mid_count)
        eased = settled.evolve(gentle=True, pace=max(settled.pace, GENTLE_PACE))
        if eased.phase is Phase.COUNTING or eased.phase is Phase.POSITIONING:
            eased = eased.evolve(phase=Phase.POSITIONING, rep=0)
        speech = [*stopped, Say(self.safety.discomfort), Say(self.prompt(eased))]
        return eased, self._plan(eased, speech, pain_event=record)

    def _distress(
        self,
        state: SessionState,
        event: ev.PainReported,
        stopped: list[Say],
        record: PainEvent,
    ) -> Outcome:
        """ "Help me": how to get help now, first; the count stops and the place is kept."""
        settled = self.settle(state, event.mid_count)
        new = settled
        if settled.phase in (Phase.POSITIONING, Phase.PAIN_CHECK):
            new = settled.evolve(phase=Phase.PAUSED, paused_from=settled.phase)
        speech = [Say(self.safety.emergency), Say(self.safety.distress_follow_up)]
        return new, self._plan(new, speech, pain_event=record)

    def worse_at_check_in(self, state: SessionState, event: ev.Event) -> Outcome:
        """ "Worse" the day after pain: the pain has persisted; no exercise today."""
        new = state.evolve(
            phase=Phase.STOPPED,
            stop_reason=state.stop_reason or StopReason.PAIN,
            pains=state.pains + 1,
            gentle=True,
            paused_from=None,
        )
        assert isinstance(event, ev.WorseAtCheckIn)
        record = PainEvent(
            at=event.at,
            words="worse at the check-in",
            kind="pain",
            action="stopped",
            exercise_id=None,
            set_number=None,
        )
        return new, self._plan(
            new, [Say(self.safety.worse_at_check_in)], end=True, pain_event=record
        )
