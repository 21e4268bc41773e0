"""Sample patterns expand as documented, and the build refuses what Alexa would reject.

Each rule gets a small source that breaks it, and the build must refuse it with a message
naming the rule: a model Alexa rejects would only be found when someone pastes it into the
console, and a model over the size limits not at all until it fails to build there.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from skill.coach.catalog import Catalog
from skill.interaction_model import (
    LOCALES,
    MAX_INTENT_SAMPLES,
    MAX_MODEL_BYTES,
    ModelError,
    build_models,
    load_source,
    model_problems,
)
from skill.sample_patterns import PatternError, expand

REPO = Path(__file__).resolve().parents[1]


def test_a_pattern_expands_fillers_and_alternatives_in_order() -> None:
    fillers = {"part": ["leg", "legs", ""], "gone": ["is", "has gone"]}
    got = expand("my <part> (really|) <gone> {symptom}", fillers)
    assert got[:3] == [
        "my leg really is {symptom}",
        "my leg really has gone {symptom}",
        "my leg is {symptom}",
    ]
    assert "my is {symptom}" in got  # an empty filler phrase leaves the words around it
    assert len(got) == 3 * 2 * 2


def test_a_filler_phrase_may_itself_be_a_pattern() -> None:
    fillers = {"ouch": ["ow", "ouch"], "maybe_ouch": ["", "<ouch> (oh|)"]}
    assert expand("<maybe_ouch> it hurts", fillers) == [
        "it hurts",
        "ow oh it hurts",
        "ow it hurts",
        "ouch oh it hurts",
        "ouch it hurts",
    ]
    with pytest.raises(PatternError, match="nest more than"):
        expand("<loop>", {"loop": ["a <loop>"]})


def test_expansion_drops_repeats_and_tidies_spaces() -> None:
    assert expand("(ow|ow|)  ( ow|) ", {}) == ["ow ow", "ow"]


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("my <nope> hurts", "unknown filler <nope>"),
        ("my (leg hurts", "unbalanced"),
        ("my leg|foot hurts", "outside parentheses"),
        ("(|)", "expands to nothing"),
    ],
)
def test_a_bad_pattern_says_what_is_wrong(pattern: str, message: str) -> None:
    with pytest.raises(PatternError, match=message):
        expand(pattern, {})


def small_source(**changes: Any) -> dict[str, Any]:
    """A valid source with two intents, changed as asked."""
    source: dict[str, Any] = {
        "invocation_name": "back coach",
        "fillers": {"part": ["leg", "foot"]},
        "intents": [
            {
                "name": "PainIntent",
                "slots": {"body_part": "BODY_PART"},
                "samples": ["my {body_part} hurts", "(ow|ouch) my <part>"],
            },
            {"name": "NextIntent", "samples": ["next", "done"]},
        ],
        "types": {"BODY_PART": [{"id": "leg", "value": "leg", "synonyms": ["legs"]}]},
    }
    source.update(changes)
    return source


def build(tmp_path: Path, catalog: Catalog, source: dict[str, Any]) -> dict[str, Any]:
    path = tmp_path / "source.yaml"
    path.write_text(yaml.safe_dump(source), encoding="utf-8")
    return build_models(catalog, path)


def with_samples(intent: int, *samples: str, **changes: Any) -> dict[str, Any]:
    source = small_source(**changes)
    source["intents"][intent]["samples"] = [*source["intents"][intent]["samples"], *samples]
    return source


def test_an_intent_keeps_one_of_samples_alexa_takes_as_the_same(
    tmp_path: Path, catalog: Catalog
) -> None:
    source = with_samples(0, "(Ow|ow) my <part>", "OUCH my leg", "my {body_part} hurts")
    models = build(tmp_path, catalog, source)
    samples = models["en-GB"]["interactionModel"]["languageModel"]["intents"][0]["samples"]
    assert samples == [
        "my {body_part} hurts",
        "ow my leg",
        "ow my foot",
        "ouch my leg",
        "ouch my foot",
    ]


def two_intents(pain: str, other: str) -> dict[str, Any]:
    """The small source with ``pain`` first in PainIntent and ``other`` in NextIntent."""
    source = small_source()
    source["intents"][0]["samples"].insert(0, pain)
    source["intents"][1]["samples"].append(other)
    return source


def test_the_small_source_builds(tmp_path: Path, catalog: Catalog) -> None:
    models = build(tmp_path, catalog, small_source())
    assert list(models) == list(LOCALES)
    samples = models["en-US"]["interactionModel"]["languageModel"]["intents"][0]["samples"]
    assert samples == [
        "my {body_part} hurts",
        "ow my leg",
        "ow my foot",
        "ouch my leg",
        "ouch my foot",
    ]


@pytest.mark.parametrize(
    ("source", "rule"),
    [
        (with_samples(1, "ow my leg"), "sample in two intents: NextIntent: sample 'ow my leg'"),
        (with_samples(1, "Ouch my Foot"), "sample in two intents"),
        (with_samples(1, "ouch, my foot"), "sample in two intents"),
        (two_intents("what?", "what"), "sample in two intents: NextIntent: sample 'what'"),
        (with_samples(0, "my {place} hurts"), "undeclared slot: PainIntent"),
        (with_samples(0, "it hurts " + "a lot " * 40), "sample too long: PainIntent"),
        (with_samples(0, "my {body_part} {body_part}"), "adjacent slots: PainIntent"),
        (with_samples(0, "my {body_part}'s gone"), "slot glued to a word: PainIntent"),
        (with_samples(0, "help"), "built-in phrase: PainIntent: sample 'help'"),
        (with_samples(0, "ow?"), "characters: PainIntent"),
        (
            small_source(
                types={
                    "BODY_PART": [
                        {"id": "leg", "value": "leg"},
                        {"id": "calf", "value": "calf", "synonyms": ["Leg"]},
                    ]
                }
            ),
            "value twice in a type: BODY_PART: 'leg' is in leg and calf",
        ),
        (
            small_source(
                types={"BODY_PART": [{"id": "a", "value": "leg"}, {"id": "b", "value": "leg."}]}
            ),
            "value twice in a type: BODY_PART",
        ),
        (small_source(types={}), "undefined slot type: PainIntent: slot 'body_part'"),
        (small_source(invocation_name="alexa coach"), "invocation name"),
    ],
)
def test_the_build_refuses_each_rule_broken(
    tmp_path: Path, catalog: Catalog, source: dict[str, Any], rule: str
) -> None:
    with pytest.raises(ModelError, match=rule):
        build(tmp_path, catalog, source)


def test_the_build_refuses_an_intent_over_the_sample_limit(
    tmp_path: Path, catalog: Catalog
) -> None:
    words = ["".join(chr(ord("a") + int(d)) for d in str(n)) for n in range(60)]
    source = with_samples(1, "<a> then <a>", fillers={"part": ["leg"], "a": words})
    assert len(words) ** 2 > MAX_INTENT_SAMPLES
    with pytest.raises(ModelError, match="too many samples: NextIntent has 3602"):
        build(tmp_path, catalog, source)


def test_the_build_refuses_a_model_over_the_size_limit(tmp_path: Path, catalog: Catalog) -> None:
    words = ["".join(chr(ord("a") + int(d)) for d in str(n)) * 8 for n in range(50)]
    long = ["and then " * 10 + word for word in words]
    fillers = {"part": ["leg"], "a": long}
    source = small_source(fillers=fillers)
    source["intents"] += [{"name": f"Big{n}Intent", "samples": [f"{n} <a> <a>"]} for n in "abcd"]
    with pytest.raises(ModelError, match=f"model size: .* bytes, over {MAX_MODEL_BYTES}"):
        build(tmp_path, catalog, source)


def test_model_problems_names_a_sample_twice_in_one_intent() -> None:
    model = {
        "interactionModel": {
            "languageModel": {
                "invocationName": "back coach",
                "intents": [{"name": "NextIntent", "samples": ["next one", "Next One"]}],
                "types": [],
            }
        }
    }
    assert model_problems(model) == [
        "sample twice in an intent: NextIntent: sample 'Next One' is also in NextIntent"
    ]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            with_samples(0, "my <nope> hurts"),
            "intent PainIntent: pattern 'my <nope> hurts': unknown filler <nope>",
        ),
        (small_source(locales={"en-XX": {}}), "'en-XX' is not one of"),
        (
            small_source(locales={"en-GB": {"fillers": {"bum": ["bum"]}}}),
            "'bum' is not a shared filler",
        ),
        (
            small_source(locales={"en-GB": {"synonyms": {"BODY_PART": {"bottom": ["bum"]}}}}),
            "type 'BODY_PART' has no value 'bottom'",
        ),
        (small_source(fillers={"part": "leg"}), "fillers.part"),
        (small_source(fillers={"part": ["<nope>"]}), "filler <part>: '<nope>': unknown filler"),
    ],
)
def test_the_source_is_validated_with_a_clear_error(
    tmp_path: Path, source: dict[str, Any], message: str
) -> None:
    path = tmp_path / "source.yaml"
    path.write_text(yaml.safe_dump(source), encoding="utf-8")
    with pytest.raises(ModelError, match=message):
        load_source(path)


def test_a_locale_adds_its_own_fillers_and_synonyms(tmp_path: Path, catalog: Catalog) -> None:
    source = small_source(
        locales={
            "en-GB": {"fillers": {"part": ["bum"]}, "synonyms": {"BODY_PART": {"leg": ["shin"]}}}
        }
    )
    models = build(tmp_path, catalog, source)

    def pain_samples(locale: str) -> list[str]:
        return models[locale]["interactionModel"]["languageModel"]["intents"][0]["samples"]

    def body_parts(locale: str) -> list[str]:
        types = models[locale]["interactionModel"]["languageModel"]["types"]
        return next(t for t in types if t["name"] == "BODY_PART")["values"][0]["name"]["synonyms"]

    assert "ow my bum" in pain_samples("en-GB") and "ow my bum" not in pain_samples("en-US")
    assert body_parts("en-GB") == ["legs", "shin"] and body_parts("en-US") == ["legs"]


def test_cli_build_model_check_refuses_a_broken_source(tmp_path: Path) -> None:
    path = tmp_path / "source.yaml"
    path.write_text(yaml.safe_dump(with_samples(1, "ouch my leg")), encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "skill.cli",
            "build-model",
            "--check",
            "--source",
            str(path),
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert result.returncode == 2
    assert (
        "sample in two intents: NextIntent: sample 'ouch my leg' is also in PainIntent"
        in result.stderr
    )
