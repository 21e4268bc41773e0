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
