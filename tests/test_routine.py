from __future__ import annotations

import pytest

from skill.coach.catalog import Catalog, ProgramItem
from skill.coach.routine import (
    POSITION_ORDER,
    RoutineItem,
    change_to,
    default_routine,
    plan_routine,
)


def positions(catalog: Catalog, routine: tuple[RoutineItem, ...]) -> list[str]:
    return [catalog[item.exercise_id].position for item in routine]


def test_default_routine_is_handout_b_grouped_by_position(catalog: Catalog) -> None:
    routine = default_routine(catalog)
    assert [item.exercise_id for item in routine] == [
        "b01-knee-rolls",
        "b04-pelvic-tilts",
        "b05-deep-abdominal-strengthening",
        "b02-bottom-to-heels-stretch",
        "b03-back-extensions",
    ]
    assert positions(catalog, routine) == ["back", "back", "back", "all_fours", "stomach"]


def test_handout_a_routine_never_returns_to_an_earlier_position(catalog: Catalog) -> None:
    routine = plan_routine(catalog, catalog.programs["handout-a"].exercises)
    ranks = [POSITION_ORDER.index(p) for p in positions(catalog, routine)]
    assert ranks == sorted(ranks)
    assert len(routine) == 22


def test_prescription_order_kept_within_a_position(catalog: Catalog) -> None:
    items = [
        ProgramItem(id="a22-pectoralis-stretch"),
        ProgramItem(id="a04-pelvic-lift"),
        ProgramItem(id="a11-press-up"),
        ProgramItem(id="a02-pelvic-tilt"),
        ProgramItem(id="a07-cat-and-camel"),
    ]
    routine = plan_routine(catalog, items)
    assert [i.exercise_id for i in routine] == [
        "a04-pelvic-lift",
        "a02-pelvic-tilt",
        "a07-cat-and-camel",
        "a11-press-up",
        "a22-pectoralis-stretch",
    ]


def test_overrides_replace_catalog_figures_and_the_rest_come_from_the_catalog(
    catalog: Catalog,
) -> None:
    (item,) = plan_routine(
        catalog, [ProgramItem(id="a11-press-up", hold_seconds=20, reps=3, sets=2)]
    )
    assert (item.hold_seconds, item.reps, item.sets) == (20, 3, 2)
    assert item.rest_seconds == catalog["a11-press-up"].rest_seconds.value
    (plain,) = plan_routine(catalog, [ProgramItem(id="b03-back-extensions")])
    assert (plain.hold_seconds, plain.reps) == (10, 10)


def test_unknown_variant_is_refused(catalog: Catalog) -> None:
    with pytest.raises(KeyError):
        plan_routine(catalog, [ProgramItem(id="a05-lower-abdominal-exercises", variant="z")])


@pytest.mark.parametrize(
    ("reps", "hold", "gentle_reps", "gentle_hold"),
    [
        (10, 10, 5, 5),
        (5, 5, 2, 2),
        (1, 3, 1, 2),
        (2, 1, 1, 1),
        (30, 120, 15, 60),
        (3, None, 1, None),
    ],
)
def test_gentle_version_halves_reps_at_least_one_and_shortens_holds(
    reps: int, hold: int | None, gentle_reps: int, gentle_hold: int | None
) -> None:
    gentle = RoutineItem("x", None, hold, reps, 2, 15).gentle()
    assert (gentle.reps, gentle.hold_seconds) == (gentle_reps, gentle_hold)
    assert gentle.sets == 2
    if hold is not None:
        assert gentle.hold_seconds <= hold


def test_every_position_has_its_change_of_position_words(catalog: Catalog) -> None:
    """What ``script.py`` says when the next exercise starts in another position."""
    words = catalog.words()
    said = {position: change_to(words, position) for position in POSITION_ORDER}
    assert len(set(said.values())) == len(POSITION_ORDER)  # each its own words
    assert "hands and knees" in said["all_fours"]


# -- stored routine items: the flags of what a plan gave ---------------------------------


def test_items_stored_before_the_flags_still_load() -> None:
    # Written out as a state saved before issue 15 held them: six values, or seven with
    # 1 for a one-off exercise.
    plain = RoutineItem.from_list(["a11-press-up", None, 8, 5, 1, 15])
    assert (plain.hold_seconds, plain.extra, plain.hold_given, plain.reps_given) == (
        8,
        False,
        False,
        False,
    )
    extra = RoutineItem.from_list(["a11-press-up", None, 5, 5, 1, 15, 1])
    assert extra.extra and not extra.hold_given and not extra.reps_given


@pytest.mark.parametrize(
    ("flags", "extra", "hold", "reps"),
    [
        (2, False, True, False),
        (4, False, False, True),
        (7, True, True, True),
        (3, True, True, False),
    ],
)
def test_item_flags_are_read_from_the_seventh_value(
    flags: int, extra: bool, hold: bool, reps: bool
) -> None:
    item = RoutineItem.from_list(["a11-press-up", None, 8, 6, 1, 15, flags])
    assert (item.extra, item.hold_given, item.reps_given) == (extra, hold, reps)
    assert item.to_list()[6] == flags


def test_an_item_without_flags_is_stored_in_six_values() -> None:
    item = RoutineItem("b01-knee-rolls", None, None, 8, 1, 15)
    assert item.to_list() == ["b01-knee-rolls", None, None, 8, 1, 15]


@pytest.mark.parametrize("flags", [8, -1, "2", 1.0, None])
def test_unknown_item_flags_are_refused(flags: object) -> None:
    with pytest.raises(ValueError, match="flags"):
        RoutineItem.from_list(["a11-press-up", None, 8, 6, 1, 15, flags])


def test_a_plans_figures_are_marked_given_and_the_catalogs_are_not(catalog: Catalog) -> None:
    given, default = plan_routine(
        catalog,
        [ProgramItem(id="a11-press-up", reps=8), ProgramItem(id="a12-back-extension")],
    )
    assert given.reps_given and not given.hold_given
    assert not default.reps_given and not default.hold_given
    # Sorted by position, both on the stomach: the plan's order is kept.
    assert (given.exercise_id, default.exercise_id) == ("a11-press-up", "a12-back-extension")
