"""The Alexa interaction models: current, and acceptable to Alexa, in every locale."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from skill.coach.catalog import Catalog, normalise_name
from skill.interaction_model import (
    LOCALES,
    MODEL_DIR,
    ModelError,
    build_models,
    check_models,
    load_source,
    write_models,
)

REPO = Path(__file__).resolve().parents[1]
CUSTOM_INTENTS = {
    "StartRoutineIntent": {},
    "ReadyIntent": {},
    "NextIntent": {},
    "SkipIntent": {},
    "DoExerciseIntent": {"exercise": "EXERCISE"},
    "DescribeExerciseIntent": {"exercise": "EXERCISE"},
    "ChooseExerciseIntent": {"choice": "EXERCISE_CHOICE"},
    "ListExercisesIntent": {},
    "SlowerIntent": {},
    "FasterIntent": {},
    "PainIntent": {"body_part": "BODY_PART", "pain": "PAIN_WORD"},
    "SorenessIntent": {"body_part": "BODY_PART", "soreness": "SORENESS_WORD"},
    "RedFlagIntent": {"body_part": "BODY_PART", "symptom": "RED_FLAG"},
    "WhatsNextIntent": {},
    "HowManyLeftIntent": {},
    "ProgressIntent": {},
    "DeleteDataIntent": {},
    "LinkCodeIntent": {"code": "AMAZON.NUMBER"},
    "HaveCodeIntent": {},
    "CheckInIntent": {"feeling": "BACK_FEELING"},
    "HoldTimeIntent": {},
    "DoneIntent": {},
}
BUILT_INS = {
    "AMAZON.HelpIntent",
    "AMAZON.StopIntent",
    "AMAZON.CancelIntent",
    "AMAZON.FallbackIntent",
    "AMAZON.NavigateHomeIntent",
    "AMAZON.YesIntent",
    "AMAZON.NoIntent",
    "AMAZON.RepeatIntent",
    "AMAZON.PreviousIntent",
    "AMAZON.PauseIntent",
    "AMAZON.ResumeIntent",
    "AMAZON.StartOverIntent",
}
BUILT_IN_PHRASES = {
    "stop",
    "cancel",
    "help",
    "yes",
    "no",
    "pause",
    "resume",
    "repeat",
    "go back",
    "previous",
    "never mind",
}
RED_FLAGS = {
    "numbness_tingling",
    "leg_weakness",
    "shooting_leg_pain",
    "bladder_bowel",
    "fall_injury",
    "cannot_get_up",
    "distress",
}
# The ids the webhook classifies how bad a pain is, and which soreness, by.
PAIN_WORDS = {"pain", "severe", "discomfort"}
SORENESS_WORDS = {"sore", "stiff", "ache", "tight"}
PHRASES = {
    "PainIntent": [
        "it {pain}",
        "ouch",
        "ow",
        "that's {pain}",
        "my {body_part} is {pain}",
        "I feel a {pain}",
        "that doesn't feel right",
        "stop it {pain}",
        "my {body_part} hurts",
        "I have {pain} in my {body_part}",
    ],
    "SorenessIntent": [
        "my muscles are {soreness}",
        "I'm a bit {soreness}",
        "my {body_part} is {soreness}",
    ],
    "RedFlagIntent": [
        "my {body_part} is {symptom}",
        "my {body_part} has gone {symptom}",
        "I've got {symptom} in my {body_part}",
        "the pain {symptom} my {body_part}",
        "I {symptom}",
        "I {symptom} this morning",
        "I've got {symptom}",
        "{symptom} in my {body_part}",
    ],
    "ReadyIntent": ["ready", "I'm ready", "I'm in position", "okay I'm ready now"],
    "NextIntent": ["next", "done", "okay next", "finished", "let's keep going", "carry on"],
    "DoExerciseIntent": ["do {exercise}", "let's do the {exercise}", "take me to {exercise}"],
    "DescribeExerciseIntent": ["how do I do {exercise}", "describe {exercise}"],
    "ChooseExerciseIntent": ["the {choice}", "{choice} one", "the one {choice}"],
    "ProgressIntent": ["how am I doing"],
    "DeleteDataIntent": ["delete my data", "forget me"],
    "HoldTimeIntent": ["how long do I hold it", "how long is the hold", "how long for"],
    "AMAZON.StartOverIntent": ["start over", "restart", "start from the beginning", "from the top"],
    "AMAZON.RepeatIntent": ["what", "pardon", "huh", "sorry what was that", "come again"],
}
# Words that say how bad a pain is: a PainIntent sample with one of them carries {pain}.
SEVERITY_WORDS = {
    "sharp", "killing", "agony", "twinge", "pop", "popped", "stabbing", "excruciating",
    "unbearable", "really", "lot", "uncomfortable", "painful",
}  # fmt: skip
SPOKEN = re.compile(r"^(?:[A-Za-z']+|[A-Za-z]\.)(?: (?:[A-Za-z']+|[A-Za-z]\.))*$")
SLOT_REF = re.compile(r"\{([A-Za-z_]+)\}")


def load(locale: str) -> dict[str, Any]:
    """The committed model of a locale (what ships to Alexa)."""
    return json.loads((MODEL_DIR / f"{locale}.json").read_text(encoding="utf-8"))


def language_model(locale: str) -> dict[str, Any]:
    return load(locale)["interactionModel"]["languageModel"]


def intents(locale: str) -> dict[str, dict[str, Any]]:
    return {intent["name"]: intent for intent in language_model(locale)["intents"]}


def slot_type(locale: str, name: str) -> list[dict[str, Any]]:
    types = {t["name"]: t["values"] for t in language_model(locale)["types"]}
    return types[name]


def strings(value: dict[str, Any]) -> list[str]:
    return [s.lower() for s in (value["name"]["value"], *value["name"].get("synonyms", []))]


def backcoach(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "skill.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )


def test_committed_models_are_current() -> None:
    assert check_models() == []


def test_check_models_names_a_changed_or_missing_locale(tmp_path: Path, catalog: Catalog) -> None:
    write_models(tmp_path, catalog)
    assert check_models(tmp_path, catalog) == []
    changed = tmp_path / "en-GB.json"
    changed.write_text(changed.read_text().replace("back coach", "front coach"))
    (tmp_path / "en-IN.json").unlink()
    assert check_models(tmp_path, catalog) == ["en-GB", "en-IN"]


def test_cli_build_model_check_passes_on_the_committed_models() -> None:
    result = backcoach("build-model", "--check")
    assert result.returncode == 0, result.stderr


def test_cli_build_model_check_fails_on_stale_models_and_build_fixes_them(tmp_path: Path) -> None:
    stale = backcoach("build-model", "--check", "--out", str(tmp_path))
    assert stale.returncode == 1
    assert all(locale in stale.stderr for locale in LOCALES)
    assert backcoach("build-model", "--out", str(tmp_path)).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{x}.json" for x in LOCALES)
    assert backcoach("build-model", "--check", "--out", str(tmp_path)).returncode == 0


def test_build_refuses_a_sample_in_two_intents(tmp_path: Path, catalog: Catalog) -> None:
    source = (MODEL_DIR / "source.yaml").read_text(encoding="utf-8")
    broken = source.replace("      - next please\n", "      - next please\n      - skip it\n", 1)
    assert broken != source
    (tmp_path / "source.yaml").write_text(broken, encoding="utf-8")
    with pytest.raises(ModelError, match="'skip it' is also in NextIntent"):
        build_models(catalog, tmp_path / "source.yaml")


def test_intent_names_of_the_source_and_of_a_model_agree() -> None:
    names = [intent.name for intent in load_source().intents]
    assert set(names) == set(CUSTOM_INTENTS) | BUILT_INS
    assert [intent["name"] for intent in language_model("en-US")["intents"]] == names


@pytest.mark.parametrize("locale", LOCALES)
def test_invocation_name_is_valid(locale: str) -> None:
    name = language_model(locale)["invocationName"]
    assert name == "back coach"
    assert re.fullmatch(r"[a-z]+( [a-z]+)+", name)
    assert not {"alexa", "amazon", "echo", "skill", "app"} & set(name.split())


@pytest.mark.parametrize("locale", LOCALES)
def test_intents_are_the_custom_ones_and_the_required_built_ins(locale: str) -> None:
    found = intents(locale)
    assert set(found) == set(CUSTOM_INTENTS) | BUILT_INS
    assert "AMAZON.NextIntent" not in found
    for name, slots in CUSTOM_INTENTS.items():
        declared = {slot["name"]: slot["type"] for slot in found[name].get("slots", [])}
        assert declared == slots, name


@pytest.mark.parametrize("locale", LOCALES)
def test_every_custom_intent_has_enough_samples(locale: str) -> None:
    found = intents(locale)
    for name in CUSTOM_INTENTS:
        wanted = 40 if name == "PainIntent" else 20
        assert len(found[name]["samples"]) >= wanted, name


@pytest.mark.parametrize("locale", LOCALES)
def test_no_sample_is_in_two_intents_or_twice_in_one(locale: str) -> None:
    owner: dict[str, str] = {}
    for name, intent in intents(locale).items():
        for sample in intent["samples"]:
            assert sample.lower() not in owner, (sample, owner.get(sample.lower()), name)
            owner[sample.lower()] = name


@pytest.mark.parametrize("locale", LOCALES)
def test_custom_intents_leave_the_built_in_phrases_alone(locale: str) -> None:
    for name in CUSTOM_INTENTS:
        samples = {s.lower() for s in intents(locale)[name]["samples"]}
        assert not samples & BUILT_IN_PHRASES, name


@pytest.mark.parametrize("locale", LOCALES)
def test_samples_use_only_characters_alexa_accepts(locale: str) -> None:
    for name, intent in intents(locale).items():
        for sample in intent["samples"]:
            assert SPOKEN.fullmatch(SLOT_REF.sub("slot", sample)), (name, sample)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_slot_used_is_declared_and_every_type_exists(locale: str) -> None:
    types = {t["name"] for t in language_model(locale)["types"]}
    for name, intent in intents(locale).items():
        declared = {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
        for sample in intent["samples"]:
            for slot in SLOT_REF.findall(sample):
                assert slot in declared, (name, sample)
        for slot, type_name in declared.items():
            assert type_name.startswith("AMAZON.") or type_name in types, (name, slot)
        used = {slot for sample in intent["samples"] for slot in SLOT_REF.findall(sample)}
        assert used == set(declared), name


@pytest.mark.parametrize("locale", LOCALES)
def test_no_slot_type_holds_a_string_or_an_id_twice(locale: str) -> None:
    for slot_type_ in language_model(locale)["types"]:
        all_strings = [s for value in slot_type_["values"] for s in strings(value)]
        assert len(all_strings) == len(set(all_strings)), slot_type_["name"]
        ids = [value["id"] for value in slot_type_["values"]]
        assert len(ids) == len(set(ids)), slot_type_["name"]


@pytest.mark.parametrize("locale", LOCALES)
def test_exercise_type_has_every_exercise_and_asks_back_for_shared_names(
    locale: str, catalog: Catalog
) -> None:
    values = {value["id"]: value for value in slot_type(locale, "EXERCISE")}
    exercise_ids = {i for i in values if not i.startswith("any:")}
    assert exercise_ids == set(catalog.exercises)
    shared = {name for name, ids in catalog.all_names().items() if len(ids) > 1}
    assert {"hip extension", "back extension", "pelvic tilt"} <= shared
    for exercise in catalog.exercises.values():
        assert values[exercise.id]["name"]["value"] == exercise.full_name
        for name in (exercise.name, exercise.full_name, *exercise.synonyms):
            normal = normalise_name(name)
            where = f"any:{normal.replace(' ', '-')}" if normal in shared else exercise.id
            assert name.lower() in strings(values[where]), (exercise.id, name, where)
    any_ids = {i for i in values if i.startswith("any:")}
    assert any_ids >= {"any:hip-extension", "any:back-extension", "any:pelvic-tilt"}
    for value_id in any_ids:
        ids = catalog.all_names()[value_id.removeprefix("any:").replace("-", " ")]
        assert len(ids) > 1, value_id


@pytest.mark.parametrize("locale", LOCALES)
def test_choice_type_has_every_qualifier_position_and_ordinal(
    locale: str, catalog: Catalog
) -> None:
    values = {value["id"]: value for value in slot_type(locale, "EXERCISE_CHOICE")}
    for exercise in catalog.exercises.values():
        if exercise.qualifier:
            assert exercise.qualifier.lower() in strings(values[f"q:{exercise.id}"])
    positions = {"back", "all_fours", "stomach", "sitting", "standing", "kneeling"}
    assert {f"p:{p}" for p in positions} | {"n:1", "n:2"} <= set(values)
    choice_strings = {s for value in values.values() for s in strings(value)}
    spoken = ["on my back", "on all fours", "on my stomach", "sitting", "standing", "kneeling"]
    assert set(spoken) | {"first", "second"} <= choice_strings


@pytest.mark.parametrize("locale", LOCALES)
def test_red_flag_ids_are_exactly_the_ones_the_webhook_knows(locale: str) -> None:
    values = slot_type(locale, "RED_FLAG")
    assert {value["id"] for value in values} == RED_FLAGS
    assert all(len(value["name"].get("synonyms", [])) >= 5 for value in values)


@pytest.mark.parametrize("locale", LOCALES)
def test_pain_and_soreness_words_have_the_ids_the_webhook_knows(locale: str) -> None:
    assert {value["id"] for value in slot_type(locale, "PAIN_WORD")} == PAIN_WORDS
    assert {value["id"] for value in slot_type(locale, "SORENESS_WORD")} == SORENESS_WORDS
    pain = {s: v["id"] for v in slot_type(locale, "PAIN_WORD") for s in strings(v)}
    assert pain["hurts"] == "pain" and pain["quite painful"] == "pain"
    assert pain["killing me"] == pain["something popped"] == pain["really hurt"] == "severe"
    assert pain["a twinge"] == pain["a bit uncomfortable"] == "discomfort"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_red_flag_sample_carries_the_red_flag(locale: str) -> None:
    """The webhook never sees the words: a red flag it cannot name is a red flag lost."""
    samples = intents(locale)["RedFlagIntent"]["samples"]
    assert [s for s in samples if "{symptom}" not in s] == []


@pytest.mark.parametrize("locale", LOCALES)
def test_a_pain_sample_that_says_how_bad_carries_it_in_a_slot(locale: str) -> None:
    samples = intents(locale)["PainIntent"]["samples"]
    slotless = [s for s in samples if "{" not in s]
    assert [s for s in slotless if SEVERITY_WORDS & set(s.lower().split())] == []


@pytest.mark.parametrize("locale", LOCALES)
def test_the_model_stays_within_alexas_size_limits(locale: str) -> None:
    size = (MODEL_DIR / f"{locale}.json").stat().st_size
    assert size < 1_500_000, size
    for name, intent in intents(locale).items():
        assert len(intent["samples"]) < 3000, name
        assert all(len(sample) <= 200 for sample in intent["samples"]), name
    pain_intents = ("PainIntent", "RedFlagIntent", "SorenessIntent")
    assert all(len(intents(locale)[name]["samples"]) >= 300 for name in pain_intents)


def test_locales_differ_only_where_the_source_says() -> None:
    """British and American words: "loo" in en-GB only, "tush" in en-US only."""
    pause = {loc: set(intents(loc)["AMAZON.PauseIntent"]["samples"]) for loc in LOCALES}
    assert "wait I need the loo" in pause["en-GB"] and "wait I need the loo" not in pause["en-US"]
    assert (
        "wait I need the restroom" in pause["en-CA"]
        and "wait I need the restroom" not in pause["en-AU"]
    )
    body = {loc: {s for v in slot_type(loc, "BODY_PART") for s in strings(v)} for loc in LOCALES}
    assert "tush" in body["en-US"] and "tush" not in body["en-IN"]
    assert {"bum", "butt"} <= body["en-CA"] & body["en-AU"]  # red-flag words: everywhere
    assert {"bum", "bottom"} <= body["en-US"] & body["en-GB"]


@pytest.mark.parametrize("locale", LOCALES)
def test_pain_soreness_and_red_flags_are_told_apart(locale: str) -> None:
    found = intents(locale)
    for name, phrases in PHRASES.items():
        samples = {s.lower() for s in found[name]["samples"]}
        for phrase in phrases:
            assert phrase.lower() in samples, (name, phrase)
    soreness = " ".join(found["SorenessIntent"]["samples"]).lower().split()
    assert not {"hurt", "hurts", "pain", "painful", "hurting"} & set(soreness)
    sore = {s for v in slot_type(locale, "SORENESS_WORD") for s in strings(v)}
    pain = {s for v in slot_type(locale, "PAIN_WORD") for s in strings(v)}
    red = {s for v in slot_type(locale, "RED_FLAG") for s in strings(v)}
    assert not sore & pain and not sore & red and not pain & red
