"""The words of each turn: introducing an exercise, counting a set, describing one.

Pure functions from catalog data and routine figures to plan segments.  The
session decides *which* of these to say; this module decides *how* it is said.
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import Exercise
from .pacing import Pace
from .plan import Hold, Pause, Say, Segment
from .routine import POSITION_CHANGE, RoutineItem

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

HELP = (
    "While we exercise you can say ready, next, repeat, go back, skip, slower, faster, "
    "pause, how many are left, or what's next. If anything hurts, say it hurts. "
    "You can also ask for any exercise by name, like the bridge or knee rolls, "
    "or ask how to do one."
)

POSITION_WORDS = {
    "back": "lying on your back",
    "all_fours": "on your hands and knees",
    "kneeling": "kneeling",
    "stomach": "lying on your stomach",
    "sitting": "sitting",
    "standing": "standing",
}


def mid_sentence(name: str) -> str:
    """An exercise name as it reads inside a sentence ("that's knee rolls done")."""
    return name[:1].lower() + name[1:]


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


@dataclass(frozen=True, slots=True)
class RepSlot:
    """One rep within a set: its number on its side, and the side if sides matter."""

    number: int
    side: str | None
    first_on_side: bool


def rep_slots(exercise: Exercise, item: RoutineItem) -> int:
    """How many reps a set has in all: both sides count for switch-sides exercises."""
    return item.reps * 2 if exercise.sides == "switch" else item.reps


def rep_slot(exercise: Exercise, item: RoutineItem, slot: int) -> RepSlot:
    label = exercise.side_label_for(item.variant)
    if exercise.sides == "switch":
        side = "right" if slot < item.reps else "left"
        return RepSlot(slot % item.reps + 1, f"{side} {label}", slot % item.reps == 0)
    if exercise.sides == "alternate":
        side = "right" if slot % 2 == 0 else "left"
        return RepSlot(slot + 1, f"{side} {label}", True)
    return RepSlot(slot + 1, None, False)


def rep_seconds(exercise: Exercise, item: RoutineItem, pace: Pace) -> float:
    """Roughly how long one rep takes to coach, for splitting long sets across turns:
    the holds or the movement, the gap after, and the words (rep number, cues, release)."""
    words = REP_NUMBER_CHARS
    if item.hold_seconds is None:
        work = exercise.move_seconds * pace.factor
    else:
        cues = exercise.hold_cues or ("Hold.",)
        work = item.hold_seconds * len(cues) + REP_GAP_SECONDS * pace.factor
        words += sum(len(cue) for cue in cues) + len(exercise.release_for(item.variant))
    return work + words / SPOKEN_CHARS_PER_SECOND / (pace.rate_percent / 100)


def chunk_end(exercise: Exercise, item: RoutineItem, pace: Pace, start: int) -> int:
    """The rep slot after the last one this turn counts, starting from ``start``."""
    per_turn = max(1, int(TURN_BUDGET_SECONDS // rep_seconds(exercise, item, pace)))
    return min(rep_slots(exercise, item), start + per_turn)


def figures_summary(exercise: Exercise, item: RoutineItem) -> str:
    reps = plural(item.reps, "repetition")
    if exercise.sides == "switch":
        reps += f" on each {exercise.side_label_for(item.variant)}"
    elif exercise.sides == "alternate" and item.reps > 1:
        reps += f", alternating {exercise.side_label_for(item.variant)}s"
    if item.hold_seconds is not None:
        reps += f", holding for {plural(item.hold_seconds, 'second')}"
        if len(exercise.hold_cues) > 1:
            reps += " at each step"
    if item.sets > 1:
        return f"{plural(item.sets, 'set')} of {reps}."
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
) -> list[Segment]:
    """Name, start position and figures, ending with "say ready"."""
    segments: list[Segment] = []
    if previous_position is not None and previous_position != exercise.position:
        segments.append(Say(POSITION_CHANGE[exercise.position]))
    segments.append(Say(f"Exercise {number} of {total}: {exercise.name}."))
    variant = exercise.variant(item.variant)
    if variant is not None:
        segments.append(Say(f"The {variant.name}."))
    segments.append(Say(exercise.start_position))
    summary = figures_summary(exercise, item)
    segments.append(Say(f"Gently now: {summary[0].lower()}{summary[1:]}" if gentle else summary))
    if item.sets > 1 and set_index > 0:
        segments.append(Say(f"We're on set {set_index + 1}."))
    segments.extend(Say(caution) for caution in new_cautions(exercise, item.variant))
    segments.append(Say("Say ready when you're in position."))
    return segments


def count_reps(
    exercise: Exercise,
    item: RoutineItem,
    pace: Pace,
    *,
    set_index: int,
    start: int,
    with_action: bool,
) -> tuple[list[Segment], int]:
    """The counting of one turn: reps from ``start`` to the end of the set or the budget.

    Returns the segments and the rep slot where the next turn starts.
    """
    end = chunk_end(exercise, item, pace, start)
    segments: list[Segment] = []
    if start == 0:
        if with_action:
            segments.append(Say(exercise.action_for(item.variant)))
        if item.sets > 1:
            segments.append(Say(f"Set {set_index + 1} of {item.sets}."))
    else:
        segments.append(Say("Let's keep going."))
    for slot in range(start, end):
        segments.extend(_one_rep(exercise, item, pace, slot, last=slot == end - 1))
    return segments, end


def _one_rep(
    exercise: Exercise, item: RoutineItem, pace: Pace, slot: int, *, last: bool
) -> list[Segment]:
    rep = rep_slot(exercise, item, slot)
    segments: list[Segment] = []
    if exercise.sides == "switch" and rep.first_on_side:
        lead = "Now switch to your" if slot else "Start with your"
        segments.append(Say(f"{lead} {rep.side}."))
    single = exercise.sides == "switch" and item.reps == 1
    if exercise.sides == "alternate":
        segments.append(Say(f"{rep.number}, {rep.side}."))
    elif not single:
        segments.append(Say(f"{rep.number}."))
    if item.hold_seconds is None:
        segments.append(Pause(round(exercise.move_seconds * pace.factor, 2)))
        return segments
    for cue in exercise.hold_cues or ("Hold.",):
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
) -> list[Segment]:
    """What follows the counting: rest and the cue for the next turn."""
    if not set_complete:
        return [Say("Say next to keep going.")]
    if set_index + 1 < item.sets:
        segments: list[Segment] = [Say(f"That's set {set_index + 1} done.")]
        if item.rest_seconds:
            segments.append(Say(f"Rest for {plural(item.rest_seconds, 'second')}."))
            segments.append(Pause(round(item.rest_seconds * pace.factor, 2)))
        segments.append(Say(f"Say next for set {set_index + 2}."))
        return segments
    if last_exercise:
        return [
            Say(
                f"That's {mid_sentence(exercise.name)} done, the last exercise. Say done to finish."
            )
        ]
    done = f"That's {mid_sentence(exercise.name)} done."
    return [Say(f"{done} Say next when you're ready for the next one.")]


def describe(exercise: Exercise, variant_id: str | None, item: RoutineItem) -> list[Segment]:
    """How an exercise is done, without doing it: for "how do I do knee rolls"."""
    where = "" if exercise.qualifier else f", {POSITION_WORDS[exercise.position]}"
    segments: list[Segment] = [Say(f"{exercise.full_name}{where}.")]
    variant = exercise.variant(variant_id)
    if variant is not None:
        segments.append(Say(f"The {variant.name}."))
    segments.append(Say(f"Start position: {exercise.start_position}"))
    segments.append(Say(f"Then: {exercise.action_for(variant_id)}"))
    segments.append(Say(figures_summary(exercise, item)))
    segments.extend(Say(tip) for tip in exercise.tips)
    segments.extend(Say(caution) for caution in new_cautions(exercise, variant_id))
    others = [v for v in exercise.variants if v.id != (variant_id or exercise.default_variant)]
    if others:
        names = " or ".join(f"the {v.name}" for v in others)
        segments.append(Say(f"It can also be done as {names}."))
    return segments
