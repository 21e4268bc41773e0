"""Which events are legal in which phase, and where each can lead: the coach's table.

Like h11's ``_state.py``, the machine is stated as data.  ``TABLE[phase][event type]``
names the :class:`~skill.coach.session.Coach` method that makes the move and the
phases it may lead to; :meth:`Coach.step` looks every event up here, and an event the
table has no cell for is refused with ``IllegalEventError`` and the phrase
``REFUSALS`` names (by phase, or by phase and event).  ``tests/test_transitions.py``
walks every cell of the phase x event matrix against this table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from . import events as ev
from .state import Phase, QuestionKind

NOT_BEGUN, CHECK_IN = Phase.NOT_BEGUN, Phase.CHECK_IN
POSITIONING, COUNTING = Phase.POSITIONING, Phase.COUNTING
PAUSED, PAIN_CHECK, FINISHED, STOPPED = (
    Phase.PAUSED,
    Phase.PAIN_CHECK,
    Phase.FINISHED,
    Phase.STOPPED,
)
ANY_PHASE = frozenset(Phase)


@dataclass(frozen=True, slots=True)
class Move:
    """A legal cell: the Coach method that makes the move, and the phases it can reach."""

    method: str
    to: frozenset[Phase]


def move(method: str, *to: Phase) -> Move:
    return Move(method, frozenset(to))


# What a pain report can lead to from an active phase: the count stopped (POSITIONING
# or the place after it), the question, the day's stop, the end, or a pause (distress).
REPORT = move("report", NOT_BEGUN, POSITIONING, PAUSED, PAIN_CHECK, FINISHED, STOPPED)

# Events answered in every phase: without moving, or (a report, a launch, the end of
# a session, words not understood) as their own moves decide.
EVERYWHERE: Mapping[type[ev.Event], Move] = {
    ev.PainReported: REPORT,
    ev.Asked: move("ask", *ANY_PHASE),
    ev.Named: move("named", *ANY_PHASE),
    ev.PlanLinked: move("plan_linked", *ANY_PHASE),
    ev.LinkFailed: move("link_failed", *ANY_PHASE),
    ev.Choose: move("not_understood", *ANY_PHASE),  # no question to answer
    ev.Launch: move("launch", NOT_BEGUN, CHECK_IN, PAUSED, FINISHED, STOPPED),
    ev.Leave: move("leave_session", *ANY_PHASE - {COUNTING}),
    ev.NotUnderstood: move("not_understood", *ANY_PHASE),
    ev.Describe: move("describe", *ANY_PHASE),
    ev.WhatsNext: move("whats_next", *ANY_PHASE),
    ev.HowManyLeft: move("how_many_left", *ANY_PHASE),
    ev.HoldTime: move("hold_time", *ANY_PHASE),
}

# Events in an exercise under way, whether being positioned, counted or paused.
UNDER_WAY: Mapping[type[ev.Event], Move] = {
    ev.Previous: move("go_back", POSITIONING),
    ev.Skip: move("skip", POSITIONING, FINISHED),
    ev.GoTo: move("go_to", POSITIONING),
    ev.StartOver: move("start_over", POSITIONING),
    ev.Slower: move("slower", POSITIONING, COUNTING, PAUSED),
    ev.Faster: move("faster", POSITIONING, COUNTING, PAUSED),
    ev.Stop: move("stop_here", PAUSED, FINISHED),
}

TABLE: Mapping[Phase, Mapping[type[ev.Event], Move]] = {
    NOT_BEGUN: {
        **EVERYWHERE,
        ev.Start: move("begin", POSITIONING),
        ev.Ready: move("begin", POSITIONING),
        ev.Next: move("begin", POSITIONING),
        ev.Yes: move("begin", POSITIONING),
        ev.Resume: move("begin", POSITIONING),
        ev.StartOver: move("begin", POSITIONING),
        ev.GoTo: move("go_to", POSITIONING),
        ev.Slower: move("slower", NOT_BEGUN),
        ev.Faster: move("faster", NOT_BEGUN),
        ev.Repeat: move("say_prompt", NOT_BEGUN),
        ev.Stop: move("goodbye", NOT_BEGUN),
        ev.Done: move("goodbye", NOT_BEGUN),
        ev.No: move("goodbye", NOT_BEGUN),
    },
    CHECK_IN: {
        **EVERYWHERE,
        ev.CheckInAnswer: move("check_in_answer", NOT_BEGUN),
        ev.WorseAtCheckIn: move("worse_at_check_in", STOPPED),
        ev.Start: move("begin", POSITIONING),
        ev.Ready: move("begin", POSITIONING),
        ev.Yes: move("begin", POSITIONING),
        ev.GoTo: move("go_to", POSITIONING),
        ev.Repeat: move("say_prompt", CHECK_IN),
        ev.Slower: move("slower", CHECK_IN),
        ev.Faster: move("faster", CHECK_IN),
        ev.Stop: move("goodbye", CHECK_IN),
        ev.Done: move("goodbye", CHECK_IN),
        ev.No: move("goodbye", CHECK_IN),
    },
    POSITIONING: {
        **EVERYWHERE,
        **UNDER_WAY,
        ev.Ready: move("count_set", COUNTING),
        ev.Next: move("count_set", COUNTING),
        ev.Yes: move("count_set", COUNTING),
        ev.Resume: move("count_set", COUNTING),
        ev.Repeat: move("introduce_again", POSITIONING),
        ev.Pause: move("pause", PAUSED),
        ev.No: move("take_your_time", POSITIONING),
        # "I'm done" before the count: had enough, or done getting ready?  Asked.
        ev.Done: move("ask_to_stop", POSITIONING),
    },
    COUNTING: {
        **EVERYWHERE,
        **UNDER_WAY,
        ev.Ready: move("advance", COUNTING, POSITIONING, FINISHED),
        ev.Next: move("advance", COUNTING, POSITIONING, FINISHED),
        ev.Yes: move("advance", COUNTING, POSITIONING, FINISHED),
        ev.Resume: move("advance", COUNTING, POSITIONING, FINISHED),
        ev.Repeat: move("count_again", COUNTING),
        ev.Pause: move("pause", PAUSED, FINISHED),
        ev.No: move("take_your_time", COUNTING),
        # "I'm done" after a count: that part is done; on to a new exercise or the end,
        # but never a count: before more of the same exercise, asked as above.
        ev.Done: move("done_counting", POSITIONING, FINISHED),
    },
    PAUSED: {
        **EVERYWHERE,
        **UNDER_WAY,
        ev.Ready: move("carry_on", POSITIONING, PAIN_CHECK),
        ev.Next: move("carry_on", POSITIONING, PAIN_CHECK),
        ev.Yes: move("carry_on", POSITIONING, PAIN_CHECK),
        ev.Resume: move("carry_on", POSITIONING, PAIN_CHECK),
        ev.Repeat: move("say_prompt", PAUSED),
        ev.Pause: move("already_paused", PAUSED),
        ev.No: move("keep_for_later", PAUSED),
        ev.Done: move("keep_for_later", PAUSED),
    },
    PAIN_CHECK: {
        **EVERYWHERE,
        ev.Start: move("go_on_gently", POSITIONING),
        ev.Ready: move("go_on_gently", POSITIONING),
        ev.Next: move("go_on_gently", POSITIONING),
        ev.Yes: move("go_on_gently", POSITIONING),
        ev.Resume: move("go_on_gently", POSITIONING),
        ev.Stop: move("stop_after_pain", STOPPED),
        ev.Done: move("stop_after_pain", STOPPED),
        ev.No: move("stop_after_pain", STOPPED),
        ev.Repeat: move("ask_again", PAIN_CHECK),
        ev.Pause: move("pause", PAUSED),
        ev.Slower: move("slower", PAIN_CHECK),
        ev.Faster: move("faster", PAIN_CHECK),
    },
    FINISHED: {
        **EVERYWHERE,
        ev.Start: move("again", POSITIONING),
        ev.Yes: move("again", POSITIONING),
        ev.StartOver: move("start_over", POSITIONING),
        ev.GoTo: move("go_to", POSITIONING),
        ev.Slower: move("slower", FINISHED),
        ev.Faster: move("faster", FINISHED),
        ev.Repeat: move("say_prompt", FINISHED),
        ev.Stop: move("goodbye", FINISHED),
        ev.Done: move("goodbye", FINISHED),
        ev.No: move("goodbye", FINISHED),
    },
    STOPPED: {
        **EVERYWHERE,
        ev.Repeat: move("say_prompt", STOPPED),
        ev.Stop: move("goodbye", STOPPED),
        ev.Done: move("goodbye", STOPPED),
        ev.No: move("goodbye", STOPPED),
    },
}

# While a question waits (``state.question``), these events answer it, whatever the
# phase; any other event drops the question and goes by TABLE.  The questions asked in
# one phase only (carry on, from the beginning, stop for today) are answered in that
# phase; in any other (a state no conversation reaches) their answer lapses, as above.
ANSWERS: Mapping[QuestionKind, Mapping[type[ev.Event], Move]] = {
    "which": {
        ev.Choose: move("choose", *ANY_PHASE),
        ev.Repeat: move("repeat_question", *ANY_PHASE),
    },
    "did_you_mean": {
        ev.Yes: move("take_suggestion", *ANY_PHASE),
        ev.No: move("decline", *ANY_PHASE),
        ev.Repeat: move("repeat_question", *ANY_PHASE),
    },
    "confirm": {
        ev.Yes: move("confirmed", POSITIONING),
        ev.No: move("decline", *ANY_PHASE),
        ev.Repeat: move("repeat_question", *ANY_PHASE),
    },
    "delete": {
        ev.Yes: move("delete_data", *ANY_PHASE),
        ev.No: move("keep_data", *ANY_PHASE),
        ev.Repeat: move("repeat_question", *ANY_PHASE),
    },
    # Answered by a code, which the shell reads back first (code_heard).
    "code": {ev.Repeat: move("repeat_question", *ANY_PHASE)},
    # "I heard 4, 8, 1, 5, 2, 9. Is that right?"  The shell checks the code with the
    # store on a yes (LinkCode); a yes that reaches the coach is asked again, never
    # taken as a yes to the phase ("start").  No: the code is asked for again.
    "code_heard": {
        ev.Yes: move("repeat_question", *ANY_PHASE),
        ev.No: move("code_again", *ANY_PHASE),
        ev.Repeat: move("repeat_question", *ANY_PHASE),
    },
    # At a launch, "You were on knee rolls. Shall we carry on?"
    "carry_on": {
        ev.Yes: move("carry_on_offered", *ANY_PHASE),
        ev.No: move("offer_from_beginning", *ANY_PHASE),
        ev.Repeat: move("repeat_question", *ANY_PHASE),
    },
    # After a "no" to carrying on: "Shall we start from the beginning instead?"
    "from_beginning": {
        ev.Yes: move("from_beginning", *ANY_PHASE),
        ev.No: move("not_from_beginning", *ANY_PHASE),
        ev.Repeat: move("repeat_question", *ANY_PHASE),
    },
    # "I'm done" before a count: "Do you want to stop for today?"
    "stop_today": {
        ev.Yes: move("stop_today", *ANY_PHASE),
        ev.Done: move("stop_today", *ANY_PHASE),
        ev.No: move("keep_going", *ANY_PHASE),
        ev.Repeat: move("repeat_question", *ANY_PHASE),
    },
}

# The phrase that refuses an event the table has no cell for: by phase and event
# first, then by phase.  "no_start" is the safety text for the reason of the stop.
REFUSALS: Mapping[Phase | tuple[Phase, type[ev.Event]], str] = {
    NOT_BEGUN: "not_started",
    CHECK_IN: "answer_check_in",
    POSITIONING: "already_started",
    COUNTING: "already_started",
    PAUSED: "paused_place_kept",
    PAIN_CHECK: "answer_first",
    FINISHED: "finished",
    STOPPED: "stopped_for_today",
    (STOPPED, ev.Start): "no_start",
    (STOPPED, ev.Ready): "no_start",
    (STOPPED, ev.Next): "no_start",
    (STOPPED, ev.Yes): "no_start",
    (STOPPED, ev.Resume): "no_start",
    (STOPPED, ev.StartOver): "no_start",
    (POSITIONING, ev.WorseAtCheckIn): "already_started",
    (COUNTING, ev.WorseAtCheckIn): "already_started",
    (POSITIONING, ev.CheckInAnswer): "already_started",
    (COUNTING, ev.CheckInAnswer): "already_started",
}


def refusal(phase: Phase, event: type[ev.Event]) -> str:
    """The refusal's phrase key for an event with no cell in ``phase``."""
    return REFUSALS.get((phase, event), REFUSALS[phase])


def answer_to(kind: QuestionKind, event: type[ev.Event]) -> Move | None:
    """The move that answers a waiting question with this event, if it does."""
    return ANSWERS[kind].get(event)
