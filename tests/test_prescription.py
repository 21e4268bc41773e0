"""Prescription files: validated like content/, with errors naming the file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.coach.catalog import Catalog, ContentError
from skill.coach.prescription import linked_routine, load_prescription, prescribed_routine
from skill.coach.routine import plan_routine

GOOD = """\
patient: "J. Smith"
note: "Go gently the first week."
exercises:
  - {id: b03-back-extensions, hold_seconds: 30, reps: 3}
  - {id: b05-deep-abdominal-strengthening, hold_seconds: 10, reps: 10, sets: 2, rest_seconds: 20}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rx.yaml"
    path.write_text(text)
    return path


def test_a_good_prescription_keeps_its_own_order_and_figures(
    tmp_path: Path, catalog: Catalog
) -> None:
    prescription = load_prescription(write(tmp_path, GOOD), catalog)
    routine = prescribed_routine(catalog, prescription)
    # Back extensions are on the stomach, deep abdominal on the back: grouping by
    # position would swap them; a prescription is followed as written.
    assert [i.exercise_id for i in routine] == [
        "b03-back-extensions",
        "b05-deep-abdominal-strengthening",
    ]
    assert plan_routine(catalog, prescription.exercises)[0].exercise_id == (
        "b05-deep-abdominal-strengthening"
    )
    first, second = routine
    assert (first.hold_seconds, first.reps, first.sets) == (30, 3, 1)
    assert (second.hold_seconds, second.reps, second.sets, second.rest_seconds) == (10, 10, 2, 20)
    assert prescription.to_dict()["patient"] == "J. Smith"


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ("{id: b03-back-extensions, hold_seconds: 121}", "exercises.0.hold_seconds"),
        ("{id: b03-back-extensions, hold_seconds: 0}", "exercises.0.hold_seconds"),
        ("{id: b03-back-extensions, reps: 31}", "exercises.0.reps"),
        ("{id: b03-back-extensions, sets: 6}", "exercises.0.sets"),
        ("{id: b03-back-extensions, rest_seconds: 121}", "exercises.0.rest_seconds"),
        ("{id: b03-back-extensions, speed: 2}", "exercises.0.speed"),
        ("{id: z99-made-up}", "exercises.0.id"),
        ("{id: b03-back-extensions, variant: q}", "exercises.0.variant"),
    ],
)
def test_bad_figures_and_ids_name_the_file_and_field(
    tmp_path: Path, catalog: Catalog, item: str, field: str
) -> None:
    path = write(tmp_path, f"exercises:\n  - {item}\n")
    with pytest.raises(ContentError) as raised:
        load_prescription(path, catalog)
    assert str(path) in str(raised.value) and f"'{field}" in str(raised.value)


@pytest.mark.parametrize(
    "text",
    [
        "exercises: []\n",
        "- just a list\n",
        "exercises: [{id: b01-knee-rolls}, {id: b01-knee-rolls}]\n",
        "a: [\n",
    ],
)
def test_empty_repeated_or_malformed_files_are_refused(
    tmp_path: Path, catalog: Catalog, text: str
) -> None:
    with pytest.raises(ContentError, match=r"rx\.yaml"):
        load_prescription(write(tmp_path, text), catalog)


def test_a_link_without_exercises_is_no_routine(catalog: Catalog) -> None:
    assert linked_routine(catalog, None) == ()
    assert linked_routine(catalog, {"plan": "x"}) == ()
    with pytest.raises(ContentError):
        linked_routine(catalog, {"exercises": [{"id": "gone-exercise"}]})
