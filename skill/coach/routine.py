"""A routine: the exercises a person does today, in an order that spares getting up
and down, with every figure resolved (program or prescription over catalog)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from .catalog import Catalog, Position, ProgramItem
from .words import Words

POSITION_ORDER: tuple[Position, ...] = (
    "back",
    "all_fours",
    "kneeling",
    "stomach",
    "sitting",
    "standing",
)


def change_to(words: Words, position: Position) -> str:
    """What to say to get into ``position`` from another one (content/speech)."""
    said = {
        "back": words.phrase("change_to_back"),
        "all_fours": words.phrase("change_to_all_fours"),
        "kneeling": words.phrase("change_to_kneeling"),
        "stomach": words.phrase("change_to_stomach"),
        "sitting": words.phrase("change_to_sitting"),
        "standing": words.phrase("change_to_standing"),
    }
    return said[position]


# The flags of a stored routine item (RoutineItem.to_list), added up.
FLAG_EXTRA = 1
FLAG_HOLD_GIVEN = 2
FLAG_REPS_GIVEN = 4
ALL_FLAGS = FLAG_EXTRA | FLAG_HOLD_GIVEN | FLAG_REPS_GIVEN


@dataclass(frozen=True, slots=True)
class RoutineItem:
    """One exercise of a routine with the figures the coach counts with."""

    exercise_id: str
    variant: str | None
    hold_seconds: int | None
    reps: int
    sets: int
    rest_seconds: int
    extra: bool = False  # a one-off the person asked for by name, not part of their routine
    # Whether a program or prescription gave the hold and the reps (not the catalog):
    # the coach says when it counts handout A's blanks with its own defaults.
    hold_given: bool = False
    reps_given: bool = False

    def gentle(self) -> RoutineItem:
        """The gentler version after a pain report: about half the reps (at least one)
        and shorter holds; the slower pace is the session's to apply."""
        hold = self.hold_seconds
        if hold is not None:
            hold = min(hold, max(2, hold // 2))
        return replace(self, reps=max(1, self.reps // 2), hold_seconds=hold)

    def to_list(self) -> list[object]:
        """Six values, and a seventh when a flag is set: 1 extra, 2 hold given, 4 reps
        given, added up (a list saved before the flags but extra had [1], the same)."""
        figures = [self.exercise_id, self.variant, self.hold_seconds, self.reps, self.sets]
        flags = (
            (FLAG_EXTRA if self.extra else 0)
            | (FLAG_HOLD_GIVEN if self.hold_given else 0)
            | (FLAG_REPS_GIVEN if self.reps_given else 0)
        )
        return [*figures, self.rest_seconds, *([flags] if flags else [])]

    @classmethod
    def from_list(cls, data: list[object]) -> RoutineItem:
        # Plain loops and exact type checks: every request reads a routine (bool is
        # not a figure, and ``type(n) is int`` refuses it too).
        if type(data) is not list or len(data) not in (6, 7):
            raise ValueError("a routine item is a list of 6 or 7 values")
        exercise_id, variant, hold, reps, sets, rest = data[:6]
        flags = data[6] if len(data) == 7 else 0
        if type(flags) is not int or not 0 <= flags <= ALL_FLAGS:
            raise ValueError("routine item flags are a small whole number")
        if type(exercise_id) is not str or not (variant is None or type(variant) is str):
            raise ValueError("routine item id or variant is not text")
        for number in (reps, sets, rest) if hold is None else (reps, sets, rest, hold):
            if type(number) is not int or number < 0:
                raise ValueError("routine item figures must be non-negative whole numbers")
        if reps < 1 or sets < 1:  # type: ignore[operator]
            raise ValueError("routine item needs at least one rep and one set")
        return cls(
            exercise_id,
            variant,
            hold,  # type: ignore[arg-type]
            reps,  # type: ignore[arg-type]
            sets,  # type: ignore[arg-type]
            rest,  # type: ignore[arg-type]
            extra=bool(flags & FLAG_EXTRA),
            hold_given=bool(flags & FLAG_HOLD_GIVEN),
            reps_given=bool(flags & FLAG_REPS_GIVEN),
        )


def resolve_item(catalog: Catalog, item: ProgramItem) -> RoutineItem:
    """Fill the figures a program or prescription leaves out from the catalog."""
    exercise = catalog[item.id]
    exercise.variant(item.variant)  # raises KeyError for an unknown variant
    catalog_hold = exercise.hold_seconds.value if exercise.hold_seconds else None
    hold = item.hold_seconds if item.hold_seconds is not None else catalog_hold
    return RoutineItem(
        exercise_id=exercise.id,
        variant=item.variant,
        hold_seconds=hold,
        reps=item.reps if item.reps is not None else exercise.reps.value,
        sets=item.sets if item.sets is not None else exercise.sets.value,
        rest_seconds=(
            item.rest_seconds if item.rest_seconds is not None else exercise.rest_seconds.value
        ),
        hold_given=item.hold_seconds is not None,
        reps_given=item.reps is not None,
    )


def order_by_position(catalog: Catalog, items: Iterable[RoutineItem]) -> tuple[RoutineItem, ...]:
    """Group exercises by position (back, all fours, kneeling, stomach, sitting, standing),
    keeping the prescribed order within each position."""
    indexed = list(enumerate(items))
    indexed.sort(
        key=lambda pair: (POSITION_ORDER.index(catalog[pair[1].exercise_id].position), pair[0])
    )
    return tuple(item for _, item in indexed)


def plan_routine(catalog: Catalog, items: Iterable[ProgramItem]) -> tuple[RoutineItem, ...]:
    """A routine from a program or a prescription, ordered to avoid needless position changes."""
    return order_by_position(catalog, (resolve_item(catalog, item) for item in items))


def default_routine(catalog: Catalog) -> tuple[RoutineItem, ...]:
    return plan_routine(catalog, catalog.default_program.exercises)
