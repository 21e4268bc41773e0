"""The exercise catalog against the two handouts (docs/ARCHITECTURE.md, 'Sources') and
its schema errors.

The handout facts below are copied from ``../shared/seeds/`` (handout A,
``000_3f7f0039ea01f878.txt``, and handout B, ``002_3430e2779ca5c45a.txt``) so the
tests run on a clone that has only this repository.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from skill.coach.catalog import CONTENT_DIR, ContentError, Exercise, load_catalog, normalise_name

CATALOG = load_catalog()

# -- what the handouts say -------------------------------------------------------------

HANDOUT_A_TITLES = {
    1: "Knee to Chest",
    2: "Pelvic Tilt",
    3: "Hip Rolling",
    4: "Pelvic Lift",
    5: "Lower Abdominal Exercises",
    6: "Curl Ups",
    7: "Cat and Camel",
    8: "Hip Extension",
    9: "Hand-Knee Rocking",
    10: "Lying Prone In Extension",
    11: "Press Up",
    12: "Back Extension",
    13: "Arm Lifts",
    14: "Hip Extension",
    15: "Knee Push Up",
    16: "Push Up",
    17: "Trunk Rotation",
    18: "Full Back Release",
    19: "Upper Back Stretch",
    20: "Side Bending",
    21: "Backward Bending",
    22: "Pectoralis Stretch",
}
HANDOUT_B_TITLES = {
    1: "Knee rolls",
    2: "Bottom to heels stretch",
    3: "Back extensions",
    4: "Pelvic tilts",
    5: "Deep abdominal strengthening",
}
# The handout-A exercises whose hold time is a blank ("Hold for ____ seconds", "Stay in
# this position for about _____"), and A20, whose "Hold for seconds" lost its number.
HANDOUT_A_BLANK_HOLDS = {5, 10, 11, 12, 17, 18, 19, 20, 21, 22}
# The handout-A exercises whose text has no hold at all (they are movements).
HANDOUT_A_NO_HOLD = {3, 6, 7, 8, 9, 13, 14, 15, 16}
HANDOUT_B_NO_HOLD = {1, 2, 4}
# Exercises that come in A and B variants (handout A 5, 6 and 17).
HANDOUT_A_VARIANTS = {5, 6, 17}

POSITIONS = {
    **dict.fromkeys([("A", n) for n in range(1, 7)], "back"),
    ("A", 7): "all_fours",
    ("A", 8): "all_fours",
    ("A", 9): "kneeling",
    **dict.fromkeys([("A", n) for n in range(10, 17)], "stomach"),
    ("A", 17): "all_fours",
    ("A", 18): "sitting",
    ("A", 19): "sitting",
    ("A", 20): "standing",
    ("A", 21): "standing",
    ("A", 22): "standing",
    ("B", 1): "back",
    ("B", 2): "all_fours",
    ("B", 3): "stomach",
    ("B", 4): "back",
    ("B", 5): "back",
}

# Distinctive instructions of each exercise, as they read after plain() (lower case,
# punctuation gone), so cleaned punctuation and capitals do not matter.
KEY_PHRASES: dict[tuple[str, int], list[str]] = {
    ("A", 1): ["clasp your hands below your knee", "towards your chest", "opposite leg"],
    ("A", 2): ["small of your back", "lower abdominal muscles up and in", "breathing easily"],
    ("A", 3): ["cross your arms over your chest", "without forcing", "reverse directions"],
    ("A", 4): ["keep your legs together", "lift your buttocks off the floor", "without straining"],
    ("A", 5): [
        "flatten your back to the floor",
        "one knee toward your chest",
        "straighten the knee",
        "keeping your knee straight",
        "maintain your pelvic tilt",
        "resting leg relaxed",
    ],
    ("A", 6): [
        "maintain your pelvic tilt",
        "curling your trunk",
        "breathe normally",
        "fold your arms on your chest",
        "hands behind your head",
        "do not cause pain",
    ],
    ("A", 7): [
        "all fours",
        "sag",
        "do not pull it down",
        "round your back",
        "lower abdominal muscles",
        "initiated from your low back",
    ],
    ("A", 8): ["bring one knee toward your head", "parallel to the floor"],
    ("A", 9): ["buttocks to rest on your heels", "crouched position", "press up position"],
    ("A", 10): ["weight on your forearms", "lean on your elbows", "relax your low back completely"],
    ("A", 11): ["palms down under your shoulders", "upper trunk", "pelvis against the mat"],
    ("A", 12): ["hands are by your hips", "head and shoulders", "do not tense your shoulder"],
    ("A", 13): ["v position", "thumb points upward", "opposite arm relaxed"],
    ("A", 14): ["90 degree angle", "approximately 6 inches", "hip bones do not leave the table"],
    ("A", 15): [
        "at the level of your shoulders",
        "lower legs and feet should be on the mat",
        "do not let your stomach sag",
        "push away from the mat",
    ],
    ("A", 16): ["flex your toes", "halfway", "straightening your arms"],
    ("A", 17): ["under your body toward the opposite knee", "towards the opposite shoulder"],
    ("A", 18): ["evenly distributed", "palms are touching the floor", "head up last"],
    ("A", 19): ["back flat against a wall", "arms overhead", "shoulders can touch the wall"],
    ("A", 20): ["shoulder width apart", "lowering your shoulder", "outside of your thigh"],
    ("A", 21): ["hands on your back", "bend backwards at your waist", "as straight as possible"],
    ("A", 22): ["facing a corner", "heels firmly on the floor", "distance from the corner"],
    ("B", 1): [
        "under your head",
        "tuck in your chin",
        "shoulders on the floor",
        "deep breath",
        "pillow under your knees",
    ],
    ("B", 2): ["knees must be under your hips", "lock your elbows", "natural curve", "mirror"],
    ("B", 3): [
        "elbows",
        "arch your back up",
        "neck long",
        "deep breath",
        "hips touching the ground",
    ],
    ("B", 4): ["something soft under your head", "flatten your lower back", "stomach muscles"],
    ("B", 5): ["cushion or book", "tuck in your chin", "zip", "25", "shoulders neck or legs"],
}
# Phrases that must be among an exercise's cautions (or, for breathing, its breath cue,
# said at every hold), not just somewhere in its text.
KEY_CAUTIONS: dict[tuple[str, int], str] = {
    ("A", 2): "do not hold your breath",
    ("A", 4): "do not hold your breath",
    ("A", 5): "do not hold your breath",
    ("B", 2): "avoid sitting on your heels",
}
# The handouts' typos and garbles (docs/ARCHITECTURE.md, 'Sources', and
# content/README.md), as regexes.
TYPOS = [r"\bfoe 5\b", r"\bbackup\b", r"\bchucked\b", r"\bspin\b", r"\blay down\b", r"\bbent your"]


def plain(text: str) -> str:
    """Lower case, punctuation gone, single spaces: for finding a phrase in cleaned text.
    (Not normalise_name, which also makes every word singular.)"""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def by_source(handout: str, number: int) -> Exercise:
    found = [
        e
        for e in CATALOG.exercises.values()
        if (e.source.handout, e.source.number) == (handout, number)
    ]
    assert len(found) == 1, f"{handout}{number}: {[e.id for e in found]}"
    return found[0]


def spoken_texts(exercise: Exercise) -> list[str]:
    """Every text the coach may say for an exercise."""
    texts = [exercise.start_position, exercise.release, *exercise.hold_cues, *exercise.phases]
    texts += [*exercise.tips, *exercise.cautions, *([exercise.breath] if exercise.breath else [])]
    if exercise.action is not None:
        texts.append(exercise.action)
    for variant in exercise.variants:
        texts += [variant.name, variant.action]
        if variant.release:
            texts.append(variant.release)
    return texts


def all_sources() -> list[tuple[str, int]]:
    return [("A", n) for n in HANDOUT_A_TITLES] + [("B", n) for n in HANDOUT_B_TITLES]


def source_id(source: tuple[str, int]) -> str:
    return f"{source[0]}{source[1]}"


# -- completeness -----------------------------------------------------------------------


def test_there_are_27_exercise_files_and_exercises() -> None:
    assert len(list((CONTENT_DIR / "exercises").glob("*.yaml"))) == 27
    assert len(CATALOG.exercises) == 27


def test_every_exercise_comes_from_one_handout_number() -> None:
    sources = sorted((e.source.handout, e.source.number) for e in CATALOG.exercises.values())
    assert sources == sorted(all_sources())


@pytest.mark.parametrize("source", all_sources(), ids=source_id)
def test_each_handout_exercise_is_there_once_with_its_title(source: tuple[str, int]) -> None:
    exercise = by_source(*source)
    titles = HANDOUT_A_TITLES if source[0] == "A" else HANDOUT_B_TITLES
    assert exercise.source.title.lower() == titles[source[1]].lower()
    assert exercise.id.startswith(f"{source[0].lower()}{source[1]:02d}-")


@pytest.mark.parametrize("source", all_sources(), ids=source_id)
def test_each_exercise_starts_in_the_handouts_position(source: tuple[str, int]) -> None:
    assert by_source(*source).position == POSITIONS[source]


@pytest.mark.parametrize("number", sorted(HANDOUT_A_VARIANTS))
def test_handout_a_variants_are_there(number: int) -> None:
    exercise = by_source("A", number)
    assert [v.id for v in exercise.variants] == ["a", "b"]
    for variant in exercise.variants:
        assert variant.name.strip()
        assert variant.action.strip()
        assert exercise.action_for(variant.id) == variant.action


@pytest.mark.parametrize("number", [5, 6])
def test_a5_and_a6_have_a_main_action_too(number: int) -> None:
    exercise = by_source("A", number)
    assert exercise.action
    assert exercise.default_variant is None
    assert exercise.action_for(None) == exercise.action


def test_a17_has_only_its_variants() -> None:
    exercise = by_source("A", 17)
    assert exercise.action is None
    assert exercise.default_variant in {"a", "b"}
    default = exercise.variant(None)
    assert default is not None
    assert exercise.action_for(None) == default.action


def test_only_a5_a6_and_a17_have_variants() -> None:
    with_variants = {
        (e.source.handout, e.source.number) for e in CATALOG.exercises.values() if e.variants
    }
    assert with_variants == {("A", n) for n in HANDOUT_A_VARIANTS}


# -- the instructions ---------------------------------------------------------------------


@pytest.mark.parametrize("source", all_sources(), ids=source_id)
def test_key_instructions_are_kept(source: tuple[str, int]) -> None:
    exercise = by_source(*source)
    text = " ".join(plain(t) for t in spoken_texts(exercise))
    for phrase in KEY_PHRASES[source]:
        assert re.search(rf"\b{re.escape(phrase)}\b", text), f"{exercise.id}: {phrase!r}"


@pytest.mark.parametrize("source", sorted(KEY_CAUTIONS), ids=source_id)
def test_key_cautions_are_cautions(source: tuple[str, int]) -> None:
    exercise = by_source(*source)
    cautions = " ".join(plain(c) for c in (*exercise.cautions, exercise.breath or ""))
    assert KEY_CAUTIONS[source] in cautions


@pytest.mark.parametrize("exercise_id", sorted(CATALOG.exercises))
def test_handout_typos_are_gone(exercise_id: str) -> None:
    raw = (CONTENT_DIR / "exercises" / f"{exercise_id}.yaml").read_text(encoding="utf-8").lower()
    for typo in TYPOS:
        assert not re.search(typo, raw), f"{exercise_id}: {typo}"


@pytest.mark.parametrize("exercise_id", sorted(CATALOG.exercises))
def test_spoken_text_has_no_blanks_or_counted_figures(exercise_id: str) -> None:
    # Blanks are never read out, and holds and reps are counted by the coach, not read.
    exercise = CATALOG[exercise_id]
    for text in [exercise.name, exercise.full_name, *spoken_texts(exercise)]:
        assert "__" not in text
        assert not re.search(r"\bseconds?\b|\b\d+ times\b|\bhold for\b", text, re.I), text
        assert text == " ".join(text.split()), f"stray whitespace in {text!r}"


def test_b5_spin_is_not_spoken() -> None:
    exercise = by_source("B", 5)
    assert " spin " not in f" {' '.join(plain(t) for t in spoken_texts(exercise))} "


# -- figures ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "field", "value", "value_range"),
    [
        (("A", 1), "hold_seconds", 30, None),
        (("A", 2), "hold_seconds", 5, None),
        (("A", 4), "hold_seconds", 5, None),
        (("B", 1), "reps", 8, (8, 10)),
        (("B", 2), "reps", 10, None),
        (("B", 3), "hold_seconds", 10, None),
        (("B", 3), "reps", 10, None),
        (("B", 4), "reps", 5, (5, 10)),
        (("B", 5), "hold_seconds", 5, (5, 10)),
        (("B", 5), "reps", 5, (5, 10)),
    ],
    ids=lambda v: source_id(v) if isinstance(v, tuple) and isinstance(v[0], str) else None,
)
def test_handout_figures_are_the_handouts(
    source: tuple[str, int], field: str, value: int, value_range: tuple[int, int] | None
) -> None:
    figure = getattr(by_source(*source), field)
    assert figure is not None
    assert figure.source == "handout"
    assert figure.value == value
    assert figure.range == value_range


@pytest.mark.parametrize("number", sorted(HANDOUT_A_BLANK_HOLDS))
def test_handout_a_blank_holds_are_marked_defaults(number: int) -> None:
    hold = by_source("A", number).hold_seconds
    assert hold is not None
    assert hold.source == "default"
    assert hold.note and hold.note.strip()
    assert 1 <= hold.value <= 30, "a blank gets a conservative hold"


@pytest.mark.parametrize(
    "source",
    [("A", n) for n in sorted(HANDOUT_A_NO_HOLD)] + [("B", n) for n in sorted(HANDOUT_B_NO_HOLD)],
    ids=source_id,
)
def test_movements_without_a_hold_have_none(source: tuple[str, int]) -> None:
    exercise = by_source(*source)
    assert exercise.hold_seconds is None
    assert exercise.hold_cues == ()


def test_every_handout_a_hold_is_either_given_or_a_blank() -> None:
    given = {1, 2, 4}
    assert given | HANDOUT_A_BLANK_HOLDS | HANDOUT_A_NO_HOLD == set(HANDOUT_A_TITLES)
    assert not given & HANDOUT_A_BLANK_HOLDS


def test_a19_counts_its_two_holds() -> None:
    exercise = by_source("A", 19)
    assert len(exercise.hold_cues) == 2
    assert exercise.hold_seconds is not None


@pytest.mark.parametrize("number", sorted(HANDOUT_A_TITLES))
def test_handout_a_reps_are_marked_defaults(number: int) -> None:
    # Handout A gives no repetitions at all.
    reps = by_source("A", number).reps
    assert reps.source == "default"
    assert reps.note and reps.note.strip()
    assert 1 <= reps.value <= 10


@pytest.mark.parametrize("exercise_id", sorted(CATALOG.exercises))
def test_sets_and_rests_are_defaults_everywhere(exercise_id: str) -> None:
    exercise = CATALOG[exercise_id]
    assert exercise.sets.source == "default"
    assert exercise.sets.value == 1
    assert exercise.rest_seconds.source == "default"
    for figure in (exercise.sets, exercise.rest_seconds):
        assert figure.note and figure.note.strip()


@pytest.mark.parametrize("exercise_id", sorted(CATALOG.exercises))
def test_every_default_says_why_and_every_range_starts_low(exercise_id: str) -> None:
    exercise = CATALOG[exercise_id]
    for figure in (exercise.hold_seconds, exercise.reps, exercise.sets, exercise.rest_seconds):
        if figure is None:
            continue
        if figure.source == "default":
            assert figure.note and figure.note.strip()
            assert figure.range is None
        if figure.range is not None:
            assert figure.value == figure.range[0]


@pytest.mark.parametrize(
    ("source", "sides"),
    [
        (("A", 1), "switch"),
        (("A", 5), "alternate"),
        (("A", 8), "alternate"),
        (("A", 13), "alternate"),
        (("A", 17), "alternate"),
        (("A", 20), "alternate"),
        (("B", 1), "alternate"),
        (("A", 2), "one"),
        (("B", 3), "one"),
    ],
    ids=lambda v: source_id(v) if isinstance(v, tuple) else v,
)
def test_sides_follow_the_handout(source: tuple[str, int], sides: str) -> None:
    assert by_source(*source).sides == sides


# -- names --------------------------------------------------------------------------


def ids_found(spoken: str) -> set[str]:
    return {e.id for e in CATALOG.find(spoken)}


@pytest.mark.parametrize("spoken", ["hip extension", "Hip Extension", "hip extensions"])
def test_hip_extension_is_ambiguous(spoken: str) -> None:
    assert ids_found(spoken) == {by_source("A", 8).id, by_source("A", 14).id}


@pytest.mark.parametrize(
    ("spoken", "source"),
    [
        ("bridge", ("A", 4)),
        ("cat cow", ("A", 7)),
        ("cat and camel", ("A", 7)),
        ("Cat-and-Camel", ("A", 7)),
        ("sphinx", ("A", 10)),
        ("press up", ("A", 11)),
        ("press-up", ("A", 11)),
        ("Press Up", ("A", 11)),
        ("push up", ("A", 16)),
        ("push-up", ("A", 16)),
        ("knee push up", ("A", 15)),
        ("hip extension on all fours", ("A", 8)),
        ("hip extension lying on your stomach", ("A", 14)),
        ("back extension with your arms at your sides", ("A", 12)),
        ("back extensions propped on your elbows", ("B", 3)),
        ("knee rolls", ("B", 1)),
        ("knee roll", ("B", 1)),
        ("pelvic tilt on a firm surface", ("A", 2)),
        ("pelvic tilts with something soft under your head", ("B", 4)),
        ("bottom to heels stretch", ("B", 2)),
        ("deep abdominal strengthening", ("B", 5)),
    ],
    ids=lambda v: source_id(v) if isinstance(v, tuple) else v,
)
def test_names_find_the_exercise(spoken: str, source: tuple[str, int]) -> None:
    assert ids_found(spoken) == {by_source(*source).id}


@pytest.mark.parametrize("exercise_id", sorted(CATALOG.exercises))
def test_full_name_and_id_find_exactly_one(exercise_id: str) -> None:
    exercise = CATALOG[exercise_id]
    assert ids_found(exercise.full_name) == {exercise_id}
    assert ids_found(exercise_id) == {exercise_id}
    assert exercise_id in ids_found(exercise.name)


@pytest.mark.parametrize(
    ("spoken", "sources"),
    [
        ("pelvic tilt", [("A", 2), ("B", 4)]),
        ("pelvic tilts", [("A", 2), ("B", 4)]),
        ("back extension", [("A", 12), ("B", 3)]),
        ("back extensions", [("A", 12), ("B", 3)]),
    ],
)
def test_names_differing_by_a_plural_are_ambiguous(
    spoken: str, sources: list[tuple[str, int]]
) -> None:
    # Handout A's "Pelvic Tilt" and "Back Extension" are not handout B's "Pelvic tilts"
    # and "Back extensions": a person saying either may mean either, so the coach asks.
    assert ids_found(spoken) == {by_source(*source).id for source in sources}


def test_no_two_exercises_share_a_full_name() -> None:
    full_names = [normalise_name(e.full_name) for e in CATALOG.exercises.values()]
    assert len(set(full_names)) == len(full_names)


def test_only_same_named_exercises_share_a_name() -> None:
    # Two exercises may share a name only when their handout titles do (up to a plural);
    # then their qualifiers tell them apart.
    names: dict[str, list[Exercise]] = {}
    for exercise in CATALOG.exercises.values():
        names.setdefault(normalise_name(exercise.name), []).append(exercise)
    shared = {name: group for name, group in names.items() if len(group) > 1}
    assert "hip extension" in shared
    for group in shared.values():
        assert len({normalise_name(e.source.title) for e in group}) == 1
        assert all(e.qualifier for e in group)
    exact = [plain(e.name) for e in CATALOG.exercises.values()]
    assert sorted(n for n in exact if exact.count(n) > 1) == ["hip extension"] * 2


def test_no_synonym_is_another_exercises_name() -> None:
    for exercise in CATALOG.exercises.values():
        others = {
            plain(n)
            for other in CATALOG.exercises.values()
            if other.id != exercise.id
            for n in (other.name, other.full_name, other.id)
        }
        for synonym in exercise.synonyms:
            assert plain(synonym) not in others, f"{exercise.id}: {synonym!r}"


def test_only_the_known_names_are_ambiguous() -> None:
    ambiguous = {name for name, ids in CATALOG.all_names().items() if len(ids) > 1}
    assert ambiguous <= {
        normalise_name(name)
        for name in [
            "hip extension",
            "pelvic tilt",
            "back extension",
            "pelvic tilting",
            "posterior pelvic tilt",
        ]
    }
    assert normalise_name("hip extension") in ambiguous


# -- programs ---------------------------------------------------------------------------


def test_handout_b_is_the_default_program_with_its_five_exercises() -> None:
    program = CATALOG.default_program
    assert program.id == "handout-b"
    assert [item.id for item in program.exercises] == [
        by_source("B", n).id for n in sorted(HANDOUT_B_TITLES)
    ]
    assert sum(p.default for p in CATALOG.programs.values()) == 1


def test_handout_a_program_has_all_22() -> None:
    program = CATALOG.programs["handout-a"]
    assert not program.default
    assert [item.id for item in program.exercises] == [
        by_source("A", n).id for n in sorted(HANDOUT_A_TITLES)
    ]


@pytest.mark.parametrize("program_id", ["handout-a", "handout-b"])
def test_handout_programs_take_the_catalogs_figures(program_id: str) -> None:
    for item in CATALOG.programs[program_id].exercises:
        overrides = (item.hold_seconds, item.reps, item.sets, item.rest_seconds)
        assert overrides == (None, None, None, None), item.id


# -- safety text --------------------------------------------------------------------------


@pytest.mark.parametrize("locale", [None, "en-US", "en-GB", "en-CA", "en-AU", "en-IN"])
def test_safety_text_loads_and_names_the_red_flag(locale: str | None) -> None:
    safety = CATALOG.safety.for_locale(locale)
    assert "{symptom}" in safety.red_flag
    said = safety.red_flag.format(symptom="Numbness or tingling")
    assert "Numbness or tingling" in said
    assert "{" not in said
    assert "}" not in said


@pytest.mark.parametrize(
    "field", ["first_pain", "stop_after_pain", "second_pain", "pain_outside_routine"]
)
def test_pain_texts_say_to_contact_the_physician(field: str) -> None:
    assert "contact your physician" in getattr(CATALOG.safety.for_locale("en-US"), field).lower()


def test_safety_yaml_is_what_the_catalog_holds() -> None:
    data = yaml.safe_load((CONTENT_DIR / "safety.yaml").read_text(encoding="utf-8"))
    assert data["red_flag"] == CATALOG.safety.red_flag
    assert set(data) == set(type(CATALOG.safety).model_fields)


# -- schema errors name the file and the field ----------------------------------------


@pytest.fixture
def content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root)
    return root


def edit(path: str, change: Callable[[dict[str, Any]], object]) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        file = root / path
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        change(data)
        file.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    return apply


def write(path: str, text: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        (root / path).write_text(text, encoding="utf-8")

    return apply


def remove(path: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        (root / path).unlink()

    return apply


def setitem(key: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data[key] = value

    return change


def delitem(key: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        del data[key]

    return change


def set_item_field(index: int, key: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["exercises"][index][key] = value

    return change


def set_figure(figure: str, key: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data[figure][key] = value

    return change


A01 = "exercises/a01-knee-to-chest.yaml"
A07 = "exercises/a07-cat-and-camel.yaml"
A10 = "exercises/a10-lying-prone-in-extension.yaml"
A17 = "exercises/a17-trunk-rotation.yaml"
A19 = "exercises/a19-upper-back-stretch.yaml"
B01 = "exercises/b01-knee-rolls.yaml"
B02 = "exercises/b02-bottom-to-heels-stretch.yaml"
B03 = "exercises/b03-back-extensions.yaml"
B05 = "exercises/b05-deep-abdominal-strengthening.yaml"
PROGRAM_A = "programs/handout-a.yaml"
PROGRAM_B = "programs/handout-b.yaml"
A05_INDEX_IN_PROGRAM_A = 4


BROKEN: list[Any] = [
    pytest.param(edit(A01, delitem("position")), ["a01-knee-to-chest.yaml", "'position'"],
                 id="missing-position"),
    pytest.param(edit(B01, set_figure("reps", "value", "eight")),
                 ["b01-knee-rolls.yaml", "'reps.value'"], id="reps-value-not-a-number"),
    pytest.param(edit(B01, set_figure("reps", "value", [8])),
                 ["b01-knee-rolls.yaml", "'reps.value'"], id="reps-value-a-list"),
    pytest.param(edit(B03, setitem("colour", "red")), ["b03-back-extensions.yaml", "'colour'"],
                 id="unknown-field"),
    pytest.param(edit(B03, set_figure("reps", "times", 3)),
                 ["b03-back-extensions.yaml", "'reps.times'"], id="unknown-figure-field"),
    pytest.param(edit(A07, setitem("id", "a07-cat-and-cow")),
                 ["a07-cat-and-camel.yaml", "'id'"], id="id-not-the-file-name"),
    pytest.param(write(B02, "id: b02-bottom-to-heels-stretch\nname: [unclosed\n"),
                 ["b02-bottom-to-heels-stretch.yaml", "YAML", "line"], id="invalid-yaml"),
    pytest.param(write(B02, ""), ["b02-bottom-to-heels-stretch.yaml"], id="empty-file"),
    pytest.param(write(B02, "- just\n- a list\n"), ["b02-bottom-to-heels-stretch.yaml"],
                 id="not-a-mapping"),
    pytest.param(edit(PROGRAM_B, set_item_field(2, "id", "b09-handstand")),
                 ["handout-b.yaml", "'exercises.2.id'", "b09-handstand"],
                 id="unknown-exercise-in-program"),
    pytest.param(edit(PROGRAM_A, set_item_field(A05_INDEX_IN_PROGRAM_A, "variant", "c")),
                 ["handout-a.yaml", f"'exercises.{A05_INDEX_IN_PROGRAM_A}.variant'"],
                 id="unknown-variant-in-program"),
    pytest.param(edit(PROGRAM_B, set_item_field(0, "variant", "a")),
                 ["handout-b.yaml", "'exercises.0.variant'"], id="variant-of-exercise-without"),
    pytest.param(edit(PROGRAM_B, set_item_field(0, "reps", 31)),
                 ["handout-b.yaml", "'exercises.0.reps'"], id="program-reps-over-30"),
    pytest.param(edit(PROGRAM_B, set_item_field(1, "hold_seconds", 0)),
                 ["handout-b.yaml", "'exercises.1.hold_seconds'"], id="program-hold-zero"),
    pytest.param(edit(PROGRAM_B, set_item_field(1, "rest_seconds", -1)),
                 ["handout-b.yaml", "'exercises.1.rest_seconds'"], id="program-rest-negative"),
    pytest.param(edit(PROGRAM_B, setitem("exercises", [])),
                 ["handout-b.yaml", "'exercises'"], id="program-without-exercises"),
    pytest.param(edit(PROGRAM_B, setitem("exercises", [{"id": "b01-knee-rolls"}] * 2)),
                 ["handout-b.yaml", "'exercises'"], id="program-exercise-twice"),
    pytest.param(edit(B05, set_figure("hold_seconds", "value", 12)),
                 ["b05-deep-abdominal-strengthening.yaml", "'hold_seconds'", "range"],
                 id="hold-outside-its-range"),
    pytest.param(edit(B05, set_figure("reps", "value", -1)),
                 ["b05-deep-abdominal-strengthening.yaml", "'reps.value'"],
                 id="reps-negative"),
    pytest.param(edit(B01, set_figure("reps", "source", "physician")),
                 ["b01-knee-rolls.yaml", "'reps.source'"], id="figure-source-unknown"),
    pytest.param(edit(B01, set_figure("reps", "value", 0)), ["b01-knee-rolls.yaml", "reps"],
                 id="zero-reps"),
    pytest.param(edit(A10, setitem("position", "prone")),
                 ["a10-lying-prone-in-extension.yaml", "'position'"], id="unknown-position"),
    pytest.param(edit(B01, setitem("sides", "both")), ["b01-knee-rolls.yaml", "'sides'"],
                 id="unknown-sides"),
    pytest.param(edit(B01, setitem("move_seconds", 0)),
                 ["b01-knee-rolls.yaml", "'move_seconds'"], id="move-seconds-zero"),
    pytest.param(edit(B01, setitem("name", "")), ["b01-knee-rolls.yaml", "'name'"],
                 id="empty-name"),
    pytest.param(edit(A17, setitem("default_variant", "c")),
                 ["a17-trunk-rotation.yaml", "default_variant"], id="default-variant-unknown"),
    pytest.param(edit(A17, delitem("default_variant")), ["a17-trunk-rotation.yaml", "action"],
                 id="no-action-and-no-default-variant"),
    pytest.param(edit(A19, delitem("hold_seconds")),
                 ["a19-upper-back-stretch.yaml", "hold_cues"], id="hold-cues-without-hold"),
    pytest.param(edit(A01, setitem("source", {"handout": "C", "number": 1, "title": "x"})),
                 ["a01-knee-to-chest.yaml", "'source.handout'"], id="unknown-handout"),
    pytest.param(edit(PROGRAM_B, setitem("default", False)), ["programs", "default"],
                 id="no-default-program"),
    pytest.param(edit(PROGRAM_A, setitem("default", True)), ["programs", "default"],
                 id="two-default-programs"),
    pytest.param(remove("safety.yaml"), ["safety.yaml", "missing"], id="missing-safety-yaml"),
    pytest.param(edit("safety.yaml", delitem("second_pain")), ["safety.yaml", "'second_pain'"],
                 id="safety-field-missing"),
    pytest.param(edit("safety.yaml", setitem("red_flag", "Please stop now.")),
                 ["safety.yaml", "'red_flag'"], id="red-flag-without-symptom"),
    pytest.param(edit("safety.yaml", setitem("advice", "Drink water.")),
                 ["safety.yaml", "'advice'"], id="safety-unknown-field"),
]  # fmt: skip


@pytest.mark.parametrize(("breakage", "expected"), BROKEN)
def test_broken_content_is_refused_naming_file_and_field(
    content: Path, breakage: Callable[[Path], None], expected: list[str]
) -> None:
    breakage(content)
    with pytest.raises(ContentError) as refused:
        load_catalog(content)
    message = str(refused.value)
    for part in expected:
        assert part in message, f"{part!r} not in {message!r}"


def test_an_unbroken_copy_loads(content: Path) -> None:
    # So the refusals above come from the breakage, not from the copy.
    copy = load_catalog(content)
    assert sorted(copy.exercises) == sorted(CATALOG.exercises)
    assert sorted(copy.programs) == sorted(CATALOG.programs)


def test_a_round_trip_through_yaml_loads(content: Path) -> None:
    # The edits above rewrite files through PyYAML; an edit that changes nothing loads.
    for path in [A01, A17, B05, PROGRAM_A, PROGRAM_B, "safety.yaml"]:
        edit(path, lambda data: None)(content)
    assert len(load_catalog(content).exercises) == 27


@pytest.mark.parametrize("folder", ["exercises", "programs"])
def test_an_empty_folder_is_refused(content: Path, folder: str) -> None:
    for file in (content / folder).glob("*.yaml"):
        file.unlink()
    with pytest.raises(ContentError, match=folder):
        load_catalog(content)
