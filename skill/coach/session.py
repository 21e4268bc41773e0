"""The coaching session as a state machine: ``(state, event) -> (new state, plan)``.

Modelled on sans-I/O protocol machines such as h11: the state is a plain value,
events are plain values, and :meth:`Coach.step` is the one place that owns every
transition.  An event that makes no sense in the current phase raises
:class:`IllegalEventError` with a sentence the person can hear; :meth:`Coach.respond`
turns that into a spoken answer and leaves the state as it was.

The pain policy of DESIGN.md §3 lives here, in :meth:`Coach._report`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from . import events as ev
from . import script
from .catalog import Catalog, Exercise, ProgramItem
from .pacing import GENTLE_PACE, Pace, clamp_pace, pace
from .pain import classify
from .plan import PainAction, PainEvent, Plan, Say, Segment
from .routine import RoutineItem, resolve_item
from .state import TERMINAL, Phase, SessionState, StopReason


class IllegalEventError(Exception):
    """An event that does not apply in the current phase, with what to tell the person."""

    def __init__(self, phase: Phase, event: ev.Event, reply: str) -> None:
        super().__init__(f"{type(event).__name__} is not allowed in phase {phase.value}: {reply}")
        self.phase = phase
        self.event = event
        self.reply = reply


Outcome = tuple[SessionState, Plan]


class Coach:
    """Drives sessions over one catalog.  Holds no per-person state."""

    def __init__(self, catalog: Catalog, locale: str | None = None) -> None:
        self.catalog = catalog
        self.locale = locale
        self.safety = catalog.safety.for_locale(locale)
        self._handlers: dict[type, Callable[[SessionState, ev.Event], Outcome]] = {
            ev.Start: self._start,
            ev.Ready: self._ready,
            ev.Next: self._next,
            ev.Repeat: self._repeat,
            ev.Previous: self._previous,
            ev.Skip: self._skip,
            ev.GoTo: self._go_to,
            ev.Describe: self._describe,
            ev.Slower: self._slower,
            ev.Faster: self._faster,
            ev.Pause: self._pause,
            ev.Resume: self._resume,
            ev.PainReported: self._report,
            ev.WhatsNext: self._whats_next,
            ev.HowManyLeft: self._how_many_left,
            ev.Stop: self._stop,
            ev.Yes: self._yes,
            ev.No: self._no,
            ev.StartOver: self._start_over,
            ev.HoldTime: self._hold_time,
            ev.WorseAtCheckIn: self._worse_at_check_in,
        }

    # -- public API -------------------------------------------------------------

    def new_session(self, routine: tuple[RoutineItem, ...]) -> SessionState:
        if not routine:
            raise ValueError("a routine needs at least one exercise")
        for item in routine:
            self.catalog[item.exercise_id].variant(item.variant)
        return SessionState(routine=routine)

    def step(self, state: SessionState, event: ev.Event) -> Outcome:
        """Apply one event.  Raises :class:`IllegalEventError` when it does not apply now."""
        handler = self._handlers.get(type(event))
        if handler is None:
            raise TypeError(f"not a coach event: {event!r}")
        return handler(state, event)

    def respond(self, state: SessionState, event: ev.Event) -> Outcome:
        """Like :meth:`step`, but an illegal event is answered, not raised."""
        try:
            return self.step(state, event)
        except IllegalEventError as refused:
            return state, self._plan(state, [Say(refused.reply), Say(self.prompt(state))])

    def greet(
        self,
        stored: SessionState | None,
        fresh: SessionState,
        *,
        returning: bool,
        last_pain: PainEvent | None = None,
        streak: int = 0,
    ) -> Outcome:
        """The launch: welcome and safety for a new routine, or an offer to carry on.

        ``stored`` is the state kept from an earlier session today (None when there
        is none or it expired); ``fresh`` is today's routine not yet begun.
        ``last_pain`` is the newest pain report in the person's history; ``streak`` the
        days in a row with today (said from two on).
        """
        hello = self.hello(returning, streak)
        if stored is not None:
            stored = self.settle(stored)
        if stored is None or stored.phase is Phase.READY:
            state = fresh
            first = script.mid_sentence(self.catalog[state.routine[0].exercise_id].name)
            count = script.plural(len(state.routine), "exercise")
            speech = [Say(hello), *self._remember(last_pain), Say(self.safety.welcome)]
            speech.append(Say(f"Today's routine has {count}, starting with {first}."))
            if state.gentle:
                speech.append(Say(self.safety.gentle_today))
            speech.append(Say(self.prompt(state)))
            return state, self._plan(state, speech)
        if stored.phase is Phase.STOPPED:
            reason = (
                self.safety.no_start_after_red_flag
                if stored.stop_reason is StopReason.RED_FLAG
                else self.safety.no_start_after_pain
            )
            return stored, self._plan(stored, [Say(hello), Say(reason)], end=True)
        if stored.phase is Phase.FINISHED:
            speech = [Say(hello), Say("You've done today's routine."), Say(self.prompt(stored))]
            return stored, self._plan(stored, speech)
        paused_from = stored.paused_from if stored.phase is Phase.PAUSED else stored.phase
        state = stored.evolve(phase=Phase.PAUSED, paused_from=paused_from)
        speech = [Say(hello), Say(f"You were on {self._where(state)}.")]
        if state.gentle:
            speech.append(Say(self.safety.gentle_today))
        speech.append(Say("Shall we carry on?"))
        plan = self._plan(state, speech)
        return state, replace(plan, reprompt=(Say("Shall we carry on? Say yes or no."),))

    @staticmethod
    def hello(returning: bool, streak: int = 0) -> str:
        if returning and streak >= 2:
            return f"Welcome back, that's {streak} days in a row."
        return "Welcome back to Back Coach." if returning else "Welcome to Back Coach."

    def _remember(self, last_pain: PainEvent | None) -> list[Segment]:
        """A reminder of the last pain report, at the next launch (DESIGN.md §3)."""
        if last_pain is None:
            return []
        if last_pain.kind == "red_flag":
            return [
                Say("Last time, you told me about a symptom that needs a doctor's attention."),
                Say("If you haven't yet, please contact your physician before exercising."),
            ]
        if last_pain.kind == "pain":
            return [
                Say("Last time, something hurt. Go gently today."),
                Say("If the pain continues, stop the exercises and contact your physician."),
            ]
        return []

    def prompt(self, state: SessionState) -> str:
        """What the person can say next, in the current phase."""
        match state.phase:
            case Phase.READY:
                return "Say start when you're ready to begin."
            case Phase.POSITIONING:
                return "Say ready when you're in position."
            case Phase.COUNTING:
                return "Say next when you're ready."
            case Phase.PAUSED:
                return "Say resume to carry on, or stop to finish for now."
            case Phase.PAIN_CHECK:
                return self.safety.first_pain_question
            case Phase.FINISHED:
                return "You can say start to do the routine again, or stop."
            case Phase.STOPPED:
                return "You can ask me how an exercise is done, or say stop."
        raise AssertionError(state.phase)  # pragma: no cover - Phase is exhaustive

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

    def _plan(
        self,
        state: SessionState,
        speech: list[Segment],
        *,
        end: bool = False,
        pain_event: PainEvent | None = None,
    ) -> Plan:
        reprompt = () if end else (Say(self.prompt(state)),)
        return Plan(
            speech=tuple(speech),
            reprompt=reprompt,
            end_session=end,
            rate_percent=self._pace(state).rate_percent,
            pain_event=pain_event,
        )

    def _refuse(self, state: SessionState, event: ev.Event, reply: str) -> IllegalEventError:
        return IllegalEventError(state.phase, event, reply)

    def _introduce(self, state: SessionState, lead: list[Segment] | None = None) -> Outcome:
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
        )
        new = state.evolve(
            phase=Phase.POSITIONING, paused_from=None, last_position=exercise.position
        )
        return new, self._plan(new, speech)

    def _count(self, state: SessionState, *, with_action: bool) -> Outcome:
        """Count the current part of the set and move to COUNTING."""
        exercise, item, speed = self._exercise(state), self._item(state), self._pace(state)
        speech, end = script.count_reps(
            exercise, item, speed, set_index=state.set, start=state.rep, with_action=with_action
        )
        speech += script.after_set(
            exercise,
            item,
            speed,
            set_index=state.set,
            set_complete=end >= script.rep_slots(exercise, item),
            last_exercise=state.index + 1 >= len(state.routine),
        )
        new = state.evolve(phase=Phase.COUNTING)
        return new, self._plan(new, speech)

    def _chunk_end(self, state: SessionState) -> int:
        return script.chunk_end(
            self._exercise(state), self._item(state), self._pace(state), state.rep
        )

    def _goto_index(self, state: SessionState, index: int, lead: list[Segment]) -> Outcome:
        moved = state.evolve(index=index, set=0, rep=0)
        return self._introduce(moved, lead)

    def _finish(self, state: SessionState, lead: list[Segment]) -> Outcome:
        new = state.evolve(phase=Phase.FINISHED, rep=0, paused_from=None)
        done, total = len(set(new.done)), len(new.routine)
        if done >= total:
            summary = "That's the whole routine done. Well done!"
        elif done:
            summary = (
                f"That's the end of the routine: you did {done} of {total} exercises. Well done."
            )
        else:
            summary = "That's the end of the routine."
        speech = [*lead, Say(summary)]
        speech.append(Say("Open Back Coach again tomorrow for your next session."))
        return new, self._plan(new, speech, end=True)

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

    def leave(self, state: SessionState, mid_count: bool = False) -> SessionState:
        """The person walked away (the session ended): keep their place for next time."""
        settled = self.settle(state, mid_count)
        if settled.phase in (Phase.POSITIONING, Phase.PAIN_CHECK):
            return settled.evolve(phase=Phase.PAUSED, paused_from=settled.phase)
        return settled

    def help(self, state: SessionState) -> list[Say]:
        """What to say for help, in the current phase."""
        if state.phase is Phase.PAIN_CHECK:
            return [
                Say("Say go on gently to carry on more gently, or stop for today to finish."),
                Say("If the pain continues, stop the exercises and contact your physician."),
            ]
        if state.phase is Phase.STOPPED:
            return [Say(self._over(state)), Say(self.prompt(state))]
        return [Say(script.HELP), Say(self.prompt(state))]

    def _mark_done(self, state: SessionState) -> SessionState:
        assert state.item is not None
        return state.evolve(done=(*state.done, state.item.exercise_id))

    # -- transitions ------------------------------------------------------------

    def _start(self, state: SessionState, event: ev.Event) -> Outcome:
        if state.phase is Phase.READY:
            count = script.plural(len(state.routine), "exercise")
            lead = [Say(f"Let's begin. Today's routine has {count}.")]
            return self._goto_index(state, 0, lead)
        if state.phase is Phase.FINISHED:
            # The same day: a pain report earlier today still counts, and keeps it gentle.
            fresh = state.evolve(index=0, set=0, rep=0, done=(), pace=clamp_pace(state.pace))
            return self._goto_index(fresh, 0, [Say("Let's do the routine again from the start.")])
        if state.phase is Phase.PAIN_CHECK:  # "start", asked whether to go on gently
            return self._go_on_gently(state)
        if state.phase is Phase.STOPPED:
            reply = (
                self.safety.no_start_after_red_flag
                if state.stop_reason is StopReason.RED_FLAG
                else self.safety.no_start_after_pain
            )
            raise self._refuse(state, event, reply)
        if state.phase is Phase.PAUSED:
            raise self._refuse(state, event, "Your routine is paused, and your place is kept.")
        raise self._refuse(state, event, "We've already started.")

    def _start_over(self, state: SessionState, event: ev.Event) -> Outcome:
        """Back to the first exercise; what the pain policy has done today stands."""
        if state.phase is Phase.READY:
            return self._start(state, event)
        if state.phase in (Phase.PAIN_CHECK, Phase.STOPPED):
            raise self._refuse(state, event, self._cannot_move(state))
        fresh = state.evolve(index=0, set=0, rep=0, done=(), paused_from=None)
        return self._goto_index(fresh, 0, [Say(self.catalog.speech.start_over)])

    def _hold_time(self, state: SessionState, event: ev.Event) -> Outcome:
        """How long the current exercise's hold is (the first one's, before starting)."""
        if state.item is None:
            return state, self._plan(state, [Say(self._over(state)), Say(self.prompt(state))])
        item = self._item(state)
        speech = self.catalog.speech
        if item.hold_seconds:
            text = speech.hold_time.format(seconds=item.hold_seconds)
        else:
            text = speech.no_hold.format(name=self._exercise(state).name)
        return state, self._plan(state, [Say(text), Say(self.prompt(state))])

    def _ready(self, state: SessionState, event: ev.Event) -> Outcome:
        match state.phase:
            case Phase.READY:
                return self._start(state, event)
            case Phase.POSITIONING:
                return self._count(state, with_action=True)
            case Phase.COUNTING:
                return self._advance(state)
            case Phase.PAUSED:
                return self._resume(state, event)
            case Phase.PAIN_CHECK:
                return self._go_on_gently(state)
        raise self._refuse(state, event, self._over(state))

    _next = _ready

    def _over(self, state: SessionState) -> str:
        if state.phase is Phase.FINISHED:
            return "We've finished the routine."
        return "We've stopped the exercises for today."

    def _advance(self, state: SessionState) -> Outcome:
        """After a counted part: the rest of the set, the next set or exercise, or the end."""
        end = self._chunk_end(state)
        slots = script.rep_slots(self._exercise(state), self._item(state))
        if end < slots:
            return self._count(state.evolve(rep=end), with_action=False)
        if state.set + 1 < self._item(state).sets:
            return self._count(state.evolve(set=state.set + 1, rep=0), with_action=False)
        done = self._mark_done(state)
        if state.index + 1 < len(state.routine):
            return self._goto_index(done, state.index + 1, [])
        return self._finish(done, [])

    def _repeat(self, state: SessionState, event: ev.Event) -> Outcome:
        match state.phase:
            case Phase.POSITIONING:
                return self._introduce(state)
            case Phase.COUNTING:
                return self._count(state, with_action=state.rep == 0)
            case Phase.PAIN_CHECK:
                return state, self._plan(state, [Say(self.safety.first_pain_question)])
        return state, self._plan(state, [Say(self.prompt(state))])

    def _previous(self, state: SessionState, event: ev.Event) -> Outcome:
        if state.phase not in (Phase.POSITIONING, Phase.COUNTING, Phase.PAUSED):
            raise self._refuse(state, event, self._cannot_move(state))
        if state.index == 0:
            return self._goto_index(state, 0, [Say("This is the first exercise. From the top.")])
        return self._goto_index(state, state.index - 1, [Say("Going back.")])

    def _skip(self, state: SessionState, event: ev.Event) -> Outcome:
        if state.phase not in (Phase.POSITIONING, Phase.COUNTING, Phase.PAUSED):
            raise self._refuse(state, event, self._cannot_move(state))
        if state.phase is Phase.COUNTING and self._exercise_counted(state):
            return self._advance(state)  # nothing of it left to skip: "next exercise"
        name = script.mid_sentence(self._exercise(state).name)
        if state.index + 1 < len(state.routine):
            return self._goto_index(state, state.index + 1, [Say(f"Skipping {name}.")])
        return self._finish(state, [Say(f"Skipping {name}. That was the last exercise.")])

    def _exercise_counted(self, state: SessionState) -> bool:
        """Whether the last part of the last set of the current exercise has been counted."""
        item = self._item(state)
        last_set = state.set + 1 >= item.sets
        return last_set and self._chunk_end(state) >= script.rep_slots(self._exercise(state), item)

    def _cannot_move(self, state: SessionState) -> str:
        if state.phase is Phase.READY:
            return "We haven't started yet."
        if state.phase is Phase.PAIN_CHECK:
            return "First, tell me how you'd like to go on."
        return self._over(state)

    def _go_to(self, state: SessionState, event: ev.Event) -> Outcome:
        assert isinstance(event, ev.GoTo)
        if state.phase in (Phase.PAIN_CHECK, Phase.STOPPED):
            raise self._refuse(state, event, self._cannot_move(state))
        exercise = self._known(state, event, event.exercise_id, event.variant)
        for index, item in enumerate(state.routine):
            if item.exercise_id == exercise.id and event.variant in (None, item.variant):
                if state.phase is Phase.FINISHED:
                    break
                return self._goto_index(
                    state, index, [Say(f"Okay, {script.mid_sentence(exercise.name)}.")]
                )
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
        lead = [
            Say(f"Okay, {script.mid_sentence(exercise.name)}."),
            Say("It isn't in your routine, so do it only if your physician recommended it."),
        ]
        return self._goto_index(state.evolve(routine=routine), at, lead)

    def _known(
        self, state: SessionState, event: ev.Event, exercise_id: str, variant: str | None
    ) -> Exercise:
        if exercise_id not in self.catalog:
            raise self._refuse(state, event, "I don't know that exercise.")
        exercise = self.catalog[exercise_id]
        try:
            exercise.variant(variant)
        except KeyError:
            raise self._refuse(state, event, f"{exercise.name} has no version like that.") from None
        return exercise

    def _describe(self, state: SessionState, event: ev.Event) -> Outcome:
        assert isinstance(event, ev.Describe)
        exercise = self._known(state, event, event.exercise_id, event.variant)
        item = next(
            (i for i in state.routine if i.exercise_id == exercise.id),
            resolve_item(self.catalog, ProgramItem(id=exercise.id, variant=event.variant)),
        )
        speech = script.describe(exercise, event.variant or item.variant, item)
        speech.append(Say(self.prompt(state)))
        return state, self._plan(state, speech)

    def _slower(self, state: SessionState, event: ev.Event) -> Outcome:
        level = clamp_pace(state.pace + 1)
        reply = (
            "That's already the slowest pace."
            if level == state.pace
            else f"Okay, I'll go slower. The pace is now {pace(level).name}."
        )
        return self._change_pace(state, event, level, reply)

    def _faster(self, state: SessionState, event: ev.Event) -> Outcome:
        # After a pain report the pace stays gentle for the rest of the routine.
        level = clamp_pace(state.pace - 1, floor=GENTLE_PACE if state.gentle else 0)
        if level == state.pace and state.gentle:
            reply = "Because you had pain today, I'll keep the pace gentle."
        elif level == state.pace:
            reply = "That's already the fastest pace."
        else:
            reply = f"Okay, a bit faster. The pace is now {pace(level).name}."
        return self._change_pace(state, event, level, reply)

    def _change_pace(self, state: SessionState, event: ev.Event, level: int, reply: str) -> Outcome:
        if state.phase is Phase.STOPPED:
            raise self._refuse(state, event, self._over(state))
        new = state.evolve(pace=level)
        return new, self._plan(new, [Say(reply), Say(self.prompt(new))])

    def _pause(self, state: SessionState, event: ev.Event) -> Outcome:
        if state.phase is Phase.PAUSED:
            return state, self._plan(state, [Say("We're paused."), Say(self.prompt(state))])
        if state.phase not in (Phase.POSITIONING, Phase.COUNTING, Phase.PAIN_CHECK):
            raise self._refuse(
                state,
                event,
                self._cannot_move(state) if state.phase is Phase.READY else self._over(state),
            )
        assert isinstance(event, ev.Pause)
        settled = self.settle(state, event.mid_count)
        if settled.phase is Phase.FINISHED:
            return self._finish(settled, [])
        new = settled.evolve(phase=Phase.PAUSED, paused_from=settled.phase)
        speech = [Say(f"Paused. I've kept your place: {self._where(new)}."), Say(self.prompt(new))]
        return new, self._plan(new, speech)

    def _where(self, state: SessionState) -> str:
        exercise, item = self._exercise(state), self._item(state)
        where = script.mid_sentence(exercise.name)
        if item.sets > 1:
            where += f", set {state.set + 1} of {item.sets}"
        return where

    def _resume(self, state: SessionState, event: ev.Event) -> Outcome:
        if state.phase is Phase.PAIN_CHECK:
            return self._go_on_gently(state)
        if state.phase in (Phase.READY, Phase.POSITIONING, Phase.COUNTING):
            return self._ready(state, event)  # "continue": carry on
        if state.phase is not Phase.PAUSED:
            raise self._refuse(state, event, self._over(state))
        if state.paused_from is Phase.PAIN_CHECK:
            new = state.evolve(phase=Phase.PAIN_CHECK, paused_from=None)
            return new, self._plan(new, [Say(self.safety.first_pain_question)])
        return self._introduce(state, [Say(f"Let's carry on with {self._where(state)}.")])

    def _go_on_gently(self, state: SessionState) -> Outcome:
        gentle = state.evolve(rep=0, gentle=True, pace=max(state.pace, GENTLE_PACE))
        return self._introduce(gentle, [Say(self.safety.go_on_gently)])

    def _whats_next(self, state: SessionState, event: ev.Event) -> Outcome:
        return state, self._plan(state, [Say(self._next_text(state)), Say(self.prompt(state))])

    def _next_text(self, state: SessionState) -> str:
        if state.phase in TERMINAL:
            return "Nothing more today."
        if state.phase is Phase.READY:
            return f"First is {script.mid_sentence(self._exercise(state).name)}."
        exercise = self._exercise(state)
        if state.phase is not Phase.COUNTING:
            return f"Now it's {self._where(state)}. After that, {self._after(state)}."
        if state.set + 1 < self._item(state).sets:
            return f"Next is set {state.set + 2} of {script.mid_sentence(exercise.name)}."
        if state.index + 1 < len(state.routine):
            following = self.catalog[state.routine[state.index + 1].exercise_id]
            where = script.POSITION_WORDS[following.position]
            return f"Next is {script.mid_sentence(following.name)}, {where}."
        return "That was the last exercise."

    def _after(self, state: SessionState) -> str:
        if state.index + 1 >= len(state.routine):
            return "we're done"
        return script.mid_sentence(self.catalog[state.routine[state.index + 1].exercise_id].name)

    def _how_many_left(self, state: SessionState, event: ev.Event) -> Outcome:
        total = len(state.routine)
        if state.phase is Phase.FINISHED:
            text = "None: you've finished the routine."
        elif state.phase is Phase.STOPPED:
            text = "We've stopped for today, so none."
        elif state.phase is Phase.READY:
            text = f"There are {script.plural(total, 'exercise')} in your routine."
        else:
            after = total - state.index - 1
            text = f"You're on exercise {state.index + 1} of {total}, {self._where(state)}."
            text += (
                f" {script.plural(after, 'more exercise')} after this one."
                if after
                else " It's the last one."
            )
        return state, self._plan(state, [Say(text), Say(self.prompt(state))])

    def _stop(self, state: SessionState, event: ev.Event) -> Outcome:
        if state.phase is Phase.PAIN_CHECK:
            return self._stop_after_pain(state)
        if state.phase in (Phase.POSITIONING, Phase.COUNTING, Phase.PAUSED):
            assert isinstance(event, ev.Stop)
            settled = self.settle(state, event.mid_count)
            if settled.phase is Phase.FINISHED:
                return self._finish(settled, [])
            paused_from = settled.paused_from if settled.phase is Phase.PAUSED else settled.phase
            new = settled.evolve(phase=Phase.PAUSED, paused_from=paused_from)
            speech = [
                Say(f"Okay, stopping here. I've saved your place: {self._where(new)}."),
                Say("Open Back Coach again to carry on. Goodbye!"),
            ]
            return new, self._plan(new, speech, end=True)
        return state, self._plan(state, [Say("Okay. Goodbye!")], end=True)

    def _stop_after_pain(self, state: SessionState) -> Outcome:
        new = state.evolve(phase=Phase.STOPPED, stop_reason=StopReason.PAIN, paused_from=None)
        return new, self._plan(new, [Say(self.safety.stop_after_pain)], end=True)

    def _yes(self, state: SessionState, event: ev.Event) -> Outcome:
        match state.phase:
            case Phase.READY | Phase.FINISHED:
                return self._start(state, event)
            case Phase.POSITIONING | Phase.COUNTING | Phase.PAUSED | Phase.PAIN_CHECK:
                return self._ready(state, event)
        raise self._refuse(state, event, self._over(state))

    def _no(self, state: SessionState, event: ev.Event) -> Outcome:
        match state.phase:
            case Phase.PAIN_CHECK:
                return self._stop_after_pain(state)
            case Phase.POSITIONING | Phase.COUNTING:
                return state, self._plan(state, [Say("Take your time."), Say(self.prompt(state))])
            case Phase.PAUSED:
                speech = [Say("Okay. Your place is saved for later. Goodbye!")]
                return state, self._plan(state, speech, end=True)
        return state, self._plan(state, [Say("Okay. Goodbye!")], end=True)

    # -- the pain policy (DESIGN.md §3; handout A's general instructions) ---------------

    def _report(self, state: SessionState, event: ev.Event) -> Outcome:
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

        # The report belongs to the exercise and set being done when it was made.
        current = state.item if state.phase not in (Phase.READY, *TERMINAL) else None
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
            speech.append(Say(self.safety.red_flag.format(symptom=found.symptom)))
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
                Say("That was the last exercise."),
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

    def _stop_count(self, interrupted: bool) -> list[Segment]:
        return [Say(self.safety.stop_count)] if interrupted else []

    def _stop_for_today(
        self, state: SessionState, stopped: list[Segment], severe: bool, event: PainEvent
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
        stopped: list[Segment],
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
        stopped: list[Segment],
        record: PainEvent,
    ) -> Outcome:
        """ "Help me": how to get help now, first; the count stops and the place is kept."""
        settled = self.settle(state, event.mid_count)
        new = settled
        if settled.phase in (Phase.POSITIONING, Phase.PAIN_CHECK):
            new = settled.evolve(phase=Phase.PAUSED, paused_from=settled.phase)
        speech = [Say(self.safety.emergency), Say(self.safety.distress_follow_up)]
        return new, self._plan(new, speech, pain_event=record)

    def _worse_at_check_in(self, state: SessionState, event: ev.Event) -> Outcome:
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
