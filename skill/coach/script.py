"""The words of each turn: introducing an exercise, counting a set, describing one.

Pure functions from catalog data and routine figures to plan segments.  The
session decides *which* of these to say; this module decides *how* it is put
together, from the phrases of ``content/speech`` (``words``).  A function given no
``words`` uses the base phrases (:func:`~skill.coach.words.base_words`): session.py
does not pass its locale's yet.  ``HELP`` and ``POSITION_WORDS`` are kept, read from
the base phrases, for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, reduce
from math import ceil
from typing import Generic, TypeVar

from .catalog import Exercise, Position
from .pacing import Pace
from .reply import Hold, Pause, Say, Segment
from .routine import RoutineItem, change_to
from .words import Words, base_words, one_or_many

# Time to settle, in seconds at normal pace (a pace scales them): after the start
# position is read, before "say ready" (longer when the person has to change position,
# e.g. turn onto the stomach, or get down for the first exercise); after the action is
# read, before the first rep's "and hold" (or, for a movement, before its first rep);
# before each later rep's "and hold"; after a switch of sides.  The shortest settle
# before a first count, at the brisk pace (0.8), is still over 3 s.
SETTLE_IN_POSITION_SECONDS = 3.0
SETTLE_AFTER_POSITION_CHANGE_SECONDS = 8.0
SETTLE_FIRST_REP_SECONDS = 4.0
SETTLE_NEXT_REP_SECONDS = 2.0
SETTLE_NEW_SIDE_SECONDS = 5.0
# A breath between reps after a hold is released, at normal pace.
REP_GAP_SECONDS = 2.0
# The shortest pause after a phase cue of a movement, at normal pace.
PHASE_MIN_SECONDS = 2.0

# Splitting a set across turns.  A set is counted in one turn unless its speech would
# not fit Alexa's 8,000 characters of SSML; then it is split at a rep boundary.  The
# core never renders SSML, so it bounds the characters from above: a text is its
# length and a space (and the escaping of ``&``, ``<``, ``>``), a pause is a
# ``<break>`` of at most 10 s per 10 s, and a counted hold is at most
# HOLD_CHARS_PER_SECOND a second up to COUNTED_EVERY_SECOND_UP_TO seconds, then
# LONG_HOLD_CHARS plus LONG_HOLD_CHARS_PER_SECOND a second (the speech layer counts
# long holds down in steps).  tests/test_script.py renders every hold from 1 to 120 s
# at every rate against this bound; tests/test_speech.py every exercise at the
# prescription limits.
TURN_CHAR_BUDGET = 7200  # of 8,000: the <speak>, <prosody> and a margin
BREAK_CHARS = 24  # '<break time="9999ms"/>' and a space
MAX_BREAK_SECONDS = 10.0
HOLD_CHARS_PER_SECOND = 32
COUNTED_EVERY_SECOND_UP_TO = 10
LONG_HOLD_CHARS = 200
LONG_HOLD_CHARS_PER_SECOND = 5
# Every hold also costs its lead-in break and, at a pace's rate, the "</prosody>" and
# '<prosody rate="85%">' around it (counts are said at the normal rate).
HOLD_OVERHEAD_CHARS = 64


def help_text(words: Words) -> str:
    """What can be said while exercising."""
    return words.phrase("help")


def position_words(words: Words, position: Position) -> str:
    """Where an exercise is done, inside a sentence ("lying on your back")."""
    said = {
        "back": words.phrase("position_back"),
        "all_fours": words.phrase("position_all_fours"),
        "kneeling": words.phrase("position_kneeling"),
        "stomach": words.phrase("position_stomach"),
        "sitting": words.phrase("position_sitting"),
        "standing": words.phrase("position_standing"),
    }
    return said[position]


def mid_sentence(name: str) -> str:
    """An exercise name as it reads inside a sentence ("that's knee rolls done")."""
    return name[:1].lower() + name[1:]


def plural(count: int, word: str) -> str:
    """English plural of a word the caller gives (session.py's; elsewhere the counts
    are phrases: see :func:`~skill.coach.words.one_or_many`)."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def either_or(words: Words, names: list[str]) -> str:
    """Names joined as alternatives: "a or b or c"."""
    return reduce(
        lambda first, second: words.phrase("either_or", first=first, second=second), names
    )


@dataclass(frozen=True, slots=True)
class RepSlot:
    """One rep within a set: its number on its side, and the side if sides matter."""

    number: int
    side: str | None
    first_on_side: bool


def rep_slots(exercise: Exercise, item: RoutineItem) -> int:
    """How many reps a set has in all: both sides count for switch-sides exercises."""
    return item.reps * 2 if exercise.sides == "switch" else item.reps


def side_name(words: Words, right: bool, label: str) -> str:
    """ "right leg", "left arm": ``label`` is the exercise's side word."""
    return (
        words.phrase("right_side", side=label) if right else words.phrase("left_side", side=label)
    )


def rep_slot(
    exercise: Exercise, item: RoutineItem, slot: int, words: Words | None = None
) -> RepSlot:
    words = words or base_words()
    label = exercise.side_label_for(item.variant)
    if exercise.sides == "switch":
        side = side_name(words, slot < item.reps, label)
        return RepSlot(slot % item.reps + 1, side, slot % item.reps == 0)
    if exercise.sides == "alternate":
        return RepSlot(slot + 1, side_name(words, slot % 2 == 0, label), True)
    return RepSlot(slot + 1, None, False)


def segment_chars(segment: Segment) -> int:
    """At most how many characters of SSML a segment becomes (see TURN_CHAR_BUDGET)."""
    if isinstance(segment, Say):
        escaped = sum(segment.text.count(c) for c in "&<>")
        return len(segment.text) + 4 * escaped + 1
    if isinstance(segment, Pause):
        return BREAK_CHARS * ceil(segment.seconds / MAX_BREAK_SECONDS)
    if segment.seconds <= COUNTED_EVERY_SECOND_UP_TO:
        return HOLD_OVERHEAD_CHARS + HOLD_CHARS_PER_SECOND * segment.seconds
    return HOLD_OVERHEAD_CHARS + LONG_HOLD_CHARS + LONG_HOLD_CHARS_PER_SECOND * segment.seconds


def plan_chars(segments: list[Segment]) -> int:
    return sum(segment_chars(segment) for segment in segments)


T = TypeVar("T")
RENDERED_TURNS = 4096  # distinct (exercise, variant, figures, pace, set, rep) kept


class Same(Generic[T]):
    """A cache key for an object by identity (a catalog's exercise, a locale's words):
    hashing a whole exercise by value would cost more than it saves.  It holds the
    object, so its id cannot be reused by another while the key is cached."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value

    def __hash__(self) -> int:
        return id(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Same) and other.value is self.value


def chunk_end(
    exercise: Exercise,
    item: RoutineItem,
    pace: Pace,
    start: int,
    words: Words | None = None,
    *,
    set_index: int = 0,
) -> int:
    """The rep slot after the last one this turn counts, starting from ``start``: the
    end of the set, unless the set's speech would not fit one turn; then the last rep
    that fits (at least one).  Worked out once per distinct turn (it plans every rep)."""
    return _chunk_end(Same(exercise), item, pace, start, Same(words or base_words()), set_index)


@lru_cache(maxsize=RENDERED_TURNS)
def _chunk_end(
    same_exercise: Same[Exercise],
    item: RoutineItem,
    pace: Pace,
    start: int,
    same_words: Same[Words],
    set_index: int,
) -> int:
    exercise, words = same_exercise.value, same_words.value
    slots = rep_slots(exercise, item)
    # What every turn of this set may add besides its reps: the opening, and the
    # longest of the endings (more to come; the rest between sets; the exercise done).
    used = plan_chars(_opening(exercise, item, set_index, start, with_action=True, words=words))
    used += max(
        plan_chars(
            after_set(
                exercise,
                item,
                pace,
                set_index=0,
                set_complete=complete,
                last_exercise=last,
                words=words,
            )
        )
        for complete in (False, True)
        for last in (False, True)
    )
    end = start
    while end < slots:
        rep = _one_rep(
            exercise,
            item,
            pace,
            end,
            words,
            last=False,
            set_index=set_index,
            first_of_turn=end == start,
        )
        used += plan_chars(rep)
        if used > TURN_CHAR_BUDGET and end > start:
            break
        end += 1
    return end


def seconds(words: Words, count: int) -> str:
    """ "1 second", "5 seconds"."""
    return one_or_many(words.phrase("seconds", count=count), count)


def figures_summary(exercise: Exercise, item: RoutineItem, words: Words | None = None) -> str:
    """ "2 sets of 10 repetitions on each leg, holding for 5 seconds." and the like."""
    words = words or base_words()
    side = exercise.side_label_for(item.variant)
    reps = one_or_many(words.phrase("repetitions", count=item.reps), item.reps)
    if exercise.sides == "switch":
        reps += " " + words.phrase("figures_each_side", side=side)
    elif exercise.sides == "alternate" and item.reps > 1:
        reps += ", " + words.phrase("figures_alternating", side=side)
    if item.hold_seconds is not None:
        reps += ", " + words.phrase("figures_holding", seconds=seconds(words, item.hold_seconds))
        if len(exercise.hold_cues) > 1:
            reps += " " + words.phrase("figures_each_step")
    if item.sets > 1:
        sets = one_or_many(words.phrase("sets", count=item.sets), item.sets)
        return words.phrase("figures_sets", sets=sets, reps=reps)
    return f"{reps[0].upper()}{reps[1:]}."


def new_cautions(exercise: Exercise, variant_id: str | None) -> list[str]:
    """The cautions not already said in the action (some handouts put them in both)."""
    action = exercise.action_for(variant_id).lower()
    return [c for c in exercise.cautions if c.lower().rstrip(".") not in action]


def coaching_points(exercise: Exercise) -> list[str]:
    """The handout's cautions, then its tips (tips first with ``tips_first``), each in
    file order: the order they are said in during a routine, one at a time
    (content/README.md, 'Tips and cautions')."""
    if exercise.tips_first:
        return [*exercise.tips, *exercise.cautions]
    return [*exercise.cautions, *exercise.tips]


def _in_action(exercise: Exercise, variant_id: str | None, text: str) -> bool:
    return text.lower().rstrip(".") in exercise.action_for(variant_id).lower()


def points_at(exercise: Exercise, item: RoutineItem, set_index: int, slot: int) -> list[str]:
    """The tips and cautions said before rep ``slot`` of set ``set_index``.

    The first point is said before the first rep (unless the action, read just
    before, says it already: then it is a reminder later); the others are spread
    evenly over the later reps of the first set and then the start of the later sets.
    A set of one rep with no later set hears them all before that rep.
    """
    points = coaching_points(exercise)
    first = points[:1] if points and not _in_action(exercise, item.variant, points[0]) else []
    later = points[len(first) :]
    here = (set_index, slot)
    moments = [(0, s) for s in range(1, rep_slots(exercise, item))]
    moments += [(k, 0) for k in range(1, item.sets)]
    if not moments:
        return first + later if here == (0, 0) else []
    said = list(first) if here == (0, 0) else []
    for index, point in enumerate(later):
        if moments[(index + 1) * len(moments) // (len(later) + 1)] == here:
            said.append(point)
    return said


def default_figures(exercise: Exercise, item: RoutineItem, words: Words) -> list[str]:
    """Handout A's blanks, said as ours: once per exercise, when the figure the coach
    counts is the catalog's default (no prescription gave it)."""
    if exercise.source.handout != "A":
        return []
    hold = (
        exercise.hold_seconds is not None
        and exercise.hold_seconds.source == "default"
        and item.hold_seconds is not None
        and not item.hold_given
    )
    reps = exercise.reps.source == "default" and not item.reps_given
    count = seconds(words, item.hold_seconds) if item.hold_seconds is not None else ""
    if hold and reps:
        return [words.phrase("default_hold_and_reps", seconds=count, reps=item.reps)]
    if hold:
        return [words.phrase("default_hold", seconds=count)]
    if reps:
        return [words.phrase("default_reps", reps=item.reps)]
    return []


def introduce(
    exercise: Exercise,
    item: RoutineItem,
    *,
    number: int,
    total: int,
    set_index: int,
    previous_position: str | None,
    gentle: bool,
    pace: Pace | None = None,
    words: Words | None = None,
) -> list[Segment]:
    """Name, start position and figures, time to get there, then "say ready"."""
    words = words or base_words()
    factor = pace.factor if pace is not None else 1.0
    moved = previous_position != exercise.position
    segments: list[Segment] = []
    if previous_position is not None and moved:
        segments.append(Say(change_to(words, exercise.position)))
    segments.append(
        Say(words.phrase("exercise_number", number=number, total=total, name=exercise.name))
    )
    variant = exercise.variant(item.variant)
    if variant is not None:
        segments.append(Say(words.phrase("version", name=variant.name)))
    segments.append(Say(exercise.start_position))
    summary = figures_summary(exercise, item, words)
    if gentle:
        summary = words.phrase("gently_now", figures=f"{summary[0].lower()}{summary[1:]}")
    segments.append(Say(summary))
    if set_index == 0:
        segments.extend(Say(text) for text in default_figures(exercise, item, words))
    if item.sets > 1 and set_index > 0:
        segments.append(Say(words.phrase("on_set", number=set_index + 1)))
    settle = SETTLE_AFTER_POSITION_CHANGE_SECONDS if moved else SETTLE_IN_POSITION_SECONDS
    segments.append(Pause(round(settle * factor, 2)))
    segments.append(Say(words.phrase("say_ready")))
    return segments


def _opening(
    exercise: Exercise,
    item: RoutineItem,
    set_index: int,
    start: int,
    *,
    with_action: bool,
    words: Words,
) -> list[Segment]:
    """What a counted turn says before its reps."""
    segments: list[Segment] = []
    if start == 0:
        if with_action:
            segments.append(Say(exercise.action_for(item.variant)))
        if item.sets > 1:
            segments.append(Say(words.phrase("set_number", number=set_index + 1, sets=item.sets)))
    else:
        segments.append(Say(words.phrase("keep_going")))
    return segments


def count_reps(
    exercise: Exercise,
    item: RoutineItem,
    pace: Pace,
    *,
    set_index: int,
    start: int,
    with_action: bool,
    words: Words | None = None,
) -> tuple[list[Segment], int]:
    """The counting of one turn: reps from ``start`` to the end of the set, or to the
    last rep that fits one turn's speech.

    Returns the segments and the rep slot where the next turn starts.  Planned once per
    distinct turn: every person doing this exercise at this pace hears the same.
    """
    segments, end = _count_reps(
        Same(exercise), item, pace, set_index, start, with_action, Same(words or base_words())
    )
    return list(segments), end


@lru_cache(maxsize=RENDERED_TURNS)
def _count_reps(
    same_exercise: Same[Exercise],
    item: RoutineItem,
    pace: Pace,
    set_index: int,
    start: int,
    with_action: bool,
    same_words: Same[Words],
) -> tuple[tuple[Segment, ...], int]:
    exercise, words = same_exercise.value, same_words.value
    end = chunk_end(exercise, item, pace, start, words, set_index=set_index)
    segments = _opening(exercise, item, set_index, start, with_action=with_action, words=words)
    for slot in range(start, end):
        segments.extend(
            _one_rep(
                exercise,
                item,
                pace,
                slot,
                words,
                last=slot == end - 1,
                set_index=set_index,
                first_of_turn=slot == start,
            )
        )
    return tuple(segments), end


def _side_words(
    exercise: Exercise, item: RoutineItem, rep: RepSlot, slot: int, words: Words
) -> list[str]:
    """A switch of sides, named once when it changes."""
    if exercise.sides != "switch" or not rep.first_on_side:
        return []
    if slot:
        return [words.phrase("switch_to_side", side=rep.side)]
    return [words.phrase("start_with_side", side=rep.side)]


def rep_words(exercise: Exercise, item: RoutineItem, rep: RepSlot, words: Words) -> list[str]:
    """The rep's number ("Rep 2 of 10."), apart from the count words, with its side
    when sides alternate.  A set of one has no number."""
    if exercise.sides == "alternate":
        if item.reps == 1:
            return [words.phrase("rep_side", side=rep.side)]
        return [words.phrase("rep_number_side", number=rep.number, total=item.reps, side=rep.side)]
    if item.reps > 1:
        return [words.phrase("rep_number", number=rep.number, total=item.reps)]
    return []


def settle_seconds(exercise: Exercise, rep: RepSlot, slot: int, *, first_of_turn: bool) -> float:
    """Time to get into a rep, at normal pace: most for the first rep of a set (sized to
    the move), then a new side, then the first rep of a turn, least for the next rep."""
    if slot == 0:
        if exercise.hold_seconds is None:  # a movement's own time comes after the cue
            return SETTLE_FIRST_REP_SECONDS
        return max(SETTLE_FIRST_REP_SECONDS, float(exercise.move_seconds))
    if exercise.sides == "switch" and rep.first_on_side:
        return SETTLE_NEW_SIDE_SECONDS
    if first_of_turn:
        return SETTLE_FIRST_REP_SECONDS
    return SETTLE_NEXT_REP_SECONDS


def _one_rep(
    exercise: Exercise,
    item: RoutineItem,
    pace: Pace,
    slot: int,
    words: Words,
    *,
    last: bool,
    set_index: int = 0,
    first_of_turn: bool = True,
) -> list[Segment]:
    """One rep: a tip or caution if one falls here, the side and number, time to
    settle, then the hold ("and hold", the breath, the count, the release) or the
    movement (its phases)."""
    rep = rep_slot(exercise, item, slot, words)
    factor = pace.factor
    settle = Pause(
        round(settle_seconds(exercise, rep, slot, first_of_turn=first_of_turn) * factor, 2)
    )
    segments: list[Segment] = [Say(p) for p in points_at(exercise, item, set_index, slot)]
    segments.extend(Say(text) for text in _side_words(exercise, item, rep, slot, words))
    if item.hold_seconds is None:
        if slot == 0 or first_of_turn or (exercise.sides == "switch" and rep.first_on_side):
            segments.append(settle)
        segments.extend(Say(text) for text in rep_words(exercise, item, rep, words))
        segments.extend(_movement(exercise, factor))
        return segments
    segments.extend(Say(text) for text in rep_words(exercise, item, rep, words))
    for step, cue in enumerate(exercise.hold_cues or ("",)):
        if cue:
            segments.append(Say(cue))
        if step == 0:
            segments.append(settle)
        else:
            wait = max(SETTLE_NEXT_REP_SECONDS, exercise.move_seconds / 2)
            segments.append(Pause(round(wait * factor, 2)))
        segments.append(Say(words.phrase("hold")))
        if exercise.breath:
            segments.append(Say(exercise.breath))
        segments.append(Hold(item.hold_seconds))
    segments.append(Say(exercise.release_for(item.variant)))
    if not last:
        segments.append(Pause(round(REP_GAP_SECONDS * factor, 2)))
    return segments


def _movement(exercise: Exercise, factor: float) -> list[Segment]:
    """One rep of a movement: its phases cued in turn, each with its share of the time,
    or the whole movement's time in silence."""
    if not exercise.phases:
        return [Pause(round(exercise.move_seconds * factor, 2))]
    share = max(PHASE_MIN_SECONDS, exercise.move_seconds / len(exercise.phases))
    segments: list[Segment] = []
    for phase in exercise.phases:
        segments.append(Say(phase))
        segments.append(Pause(round(share * factor, 2)))
    return segments


def after_set(
    exercise: Exercise,
    item: RoutineItem,
    pace: Pace,
    *,
    set_index: int,
    set_complete: bool,
    last_exercise: bool,
    words: Words | None = None,
) -> list[Segment]:
    """What follows the counting: rest and the cue for the next turn."""
    words = words or base_words()
    if not set_complete:
        return [Say(words.phrase("say_next_to_go_on"))]
    if set_index + 1 < item.sets:
        segments: list[Segment] = [Say(words.phrase("set_done", number=set_index + 1))]
        if item.rest_seconds:
            rest = seconds(words, item.rest_seconds)
            segments.append(Say(words.phrase("rest_for", seconds=rest)))
            segments.append(Pause(round(item.rest_seconds * pace.factor, 2)))
        segments.append(Say(words.phrase("say_next_for_set", number=set_index + 2)))
        return segments
    name = mid_sentence(exercise.name)
    if last_exercise:
        return [Say(words.phrase("last_exercise_done", name=name))]
    return [Say(words.phrase("exercise_done", name=name))]


def describe(
    exercise: Exercise, variant_id: str | None, item: RoutineItem, words: Words | None = None
) -> list[Segment]:
    """How an exercise is done, without doing it: for "how do I do knee rolls"."""
    words = words or base_words()
    if exercise.qualifier:
        title = words.phrase("describe_name", name=exercise.full_name)
    else:
        where = position_words(words, exercise.position)
        title = words.phrase("describe_name_position", name=exercise.full_name, position=where)
    segments: list[Segment] = [Say(title)]
    variant = exercise.variant(variant_id)
    if variant is not None:
        segments.append(Say(words.phrase("version", name=variant.name)))
    segments.append(Say(words.phrase("describe_start", start=exercise.start_position)))
    segments.append(Say(words.phrase("describe_then", action=exercise.action_for(variant_id))))
    segments.append(Say(figures_summary(exercise, item, words)))
    if exercise.breath:
        segments.append(Say(exercise.breath))
    segments.extend(Say(tip) for tip in exercise.tips)
    segments.extend(Say(caution) for caution in new_cautions(exercise, variant_id))
    others = [v for v in exercise.variants if v.id != (variant_id or exercise.default_variant)]
    if others:
        names = either_or(words, [words.phrase("version_name", name=v.name) for v in others])
        segments.append(Say(words.phrase("describe_versions", names=names)))
    return segments
