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
from functools import reduce

from .catalog import Exercise, Position
from .pacing import Pace
from .reply import Hold, Pause, Say, Segment
from .routine import RoutineItem, change_to
from .words import Words, base_words, one_or_many

# One turn counts at most this much (a set that would take longer is split across
# turns, each ending with "say next to keep going").  Well inside Alexa's limits:
# the speech tests render every exercise at every pace and check the SSML.
TURN_BUDGET_SECONDS = 150
# A breath between reps after a hold is released, at normal pace.
REP_GAP_SECONDS = 2.0
# Speech runs at roughly this many characters a second at the normal rate; a rep
# number and its side ("7, right leg.") are about this long.
SPOKEN_CHARS_PER_SECOND = 12
REP_NUMBER_CHARS = 16


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


def hold_cues(exercise: Exercise, words: Words) -> tuple[str, ...]:
    """What is said at each hold: the handout's cues, else "Hold."."""
    return exercise.hold_cues or (words.phrase("hold"),)


def rep_seconds(
    exercise: Exercise, item: RoutineItem, pace: Pace, words: Words | None = None
) -> float:
    """Roughly how long one rep takes to coach, for splitting long sets across turns:
    the holds or the movement, the gap after, and the words (rep number, cues, release)."""
    chars = REP_NUMBER_CHARS
    if item.hold_seconds is None:
        work = exercise.move_seconds * pace.factor
    else:
        cues = hold_cues(exercise, words or base_words())
        work = item.hold_seconds * len(cues) + REP_GAP_SECONDS * pace.factor
        chars += sum(len(cue) for cue in cues) + len(exercise.release_for(item.variant))
    return work + chars / SPOKEN_CHARS_PER_SECOND / (pace.rate_percent / 100)


def chunk_end(
    exercise: Exercise, item: RoutineItem, pace: Pace, start: int, words: Words | None = None
) -> int:
    """The rep slot after the last one this turn counts, starting from ``start``."""
    per_turn = max(1, int(TURN_BUDGET_SECONDS // rep_seconds(exercise, item, pace, words)))
    return min(rep_slots(exercise, item), start + per_turn)


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


def introduce(
    exercise: Exercise,
    item: RoutineItem,
    *,
    number: int,
    total: int,
    set_index: int,
    previous_position: str | None,
    gentle: bool,
    words: Words | None = None,
) -> list[Segment]:
    """Name, start position and figures, ending with "say ready"."""
    words = words or base_words()
    segments: list[Segment] = []
    if previous_position is not None and previous_position != exercise.position:
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
    if item.sets > 1 and set_index > 0:
        segments.append(Say(words.phrase("on_set", number=set_index + 1)))
    segments.extend(Say(caution) for caution in new_cautions(exercise, item.variant))
    segments.append(Say(words.phrase("say_ready")))
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
    """The counting of one turn: reps from ``start`` to the end of the set or the budget.

    Returns the segments and the rep slot where the next turn starts.
    """
    words = words or base_words()
    end = chunk_end(exercise, item, pace, start, words)
    segments: list[Segment] = []
    if start == 0:
        if with_action:
            segments.append(Say(exercise.action_for(item.variant)))
        if item.sets > 1:
            segments.append(Say(words.phrase("set_number", number=set_index + 1, sets=item.sets)))
    else:
        segments.append(Say(words.phrase("keep_going")))
    for slot in range(start, end):
        segments.extend(_one_rep(exercise, item, pace, slot, words, last=slot == end - 1))
    return segments, end


def _one_rep(
    exercise: Exercise, item: RoutineItem, pace: Pace, slot: int, words: Words, *, last: bool
) -> list[Segment]:
    rep = rep_slot(exercise, item, slot, words)
    segments: list[Segment] = []
    if exercise.sides == "switch" and rep.first_on_side:
        if slot:
            segments.append(Say(words.phrase("switch_to_side", side=rep.side)))
        else:
            segments.append(Say(words.phrase("start_with_side", side=rep.side)))
    single = exercise.sides == "switch" and item.reps == 1
    if exercise.sides == "alternate":
        segments.append(Say(words.phrase("rep_number_side", number=rep.number, side=rep.side)))
    elif not single:
        segments.append(Say(words.phrase("rep_number", number=rep.number)))
    if item.hold_seconds is None:
        segments.append(Pause(round(exercise.move_seconds * pace.factor, 2)))
        return segments
    for cue in hold_cues(exercise, words):
        segments.append(Say(cue))
        segments.append(Hold(item.hold_seconds))
    segments.append(Say(exercise.release_for(item.variant)))
    if not last:
        segments.append(Pause(round(REP_GAP_SECONDS * pace.factor, 2)))
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
    segments.extend(Say(tip) for tip in exercise.tips)
    segments.extend(Say(caution) for caution in new_cautions(exercise, variant_id))
    others = [v for v in exercise.variants if v.id != (variant_id or exercise.default_variant)]
    if others:
        names = either_or(words, [words.phrase("version_name", name=v.name) for v in others])
        segments.append(Say(words.phrase("describe_versions", names=names)))
    return segments
