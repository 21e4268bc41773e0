"""Every locale's model, as a strict third-party matcher (virtual-alexa's) places phrases.

Alexa sends a phrase no sample covers to ``AMAZON.FallbackIntent``, and for a pain or red
flag report that is the safety net failing.  ``tests/intent_check/match.js`` (node, packages
pinned in its ``package-lock.json``, installed by ``make node-deps``) matches each phrase
of ``tests/phrases/*.yaml`` against a model; this module judges the answers.
``patients.yaml`` holds phrases heard from patients; ``heldout.yaml`` other phrasings of
the same meanings, kept out of the source, to tell covered meanings from pasted lines;
``tuning.yaml`` the phrasings tried while tuning (regression checks, not held out).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from skill.interaction_model import LOCALES, MODEL_DIR

TESTS = Path(__file__).resolve().parent
DRIVER = TESTS / "intent_check" / "match.js"
PHRASES = TESTS / "phrases"
PAIN_INTENTS = {"PainIntent", "RedFlagIntent", "SorenessIntent"}
CONTROLS = {"ReadyIntent|NextIntent": ["next", "I'm ready"], "DoExerciseIntent": ["do the bridge"]}


def match(model: Path, phrases: Path) -> list[dict[str, Any]]:
    """What the driver says each phrase of ``phrases`` reaches in ``model``."""
    node = shutil.which("node")
    if node is None or not (DRIVER.parent / "node_modules" / "virtual-alexa").is_dir():
        pytest.fail("node or tests/intent_check/node_modules is missing: run `make node-deps`")
    result = subprocess.run(
        [node, str(DRIVER), str(model), str(phrases)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    results: list[dict[str, Any]] = json.loads(result.stdout)["results"]
    return results


def misses(results: list[dict[str, Any]]) -> list[str]:
    return [
        f"{r['phrase']!r} -> {r['got']} (wanted {'|'.join(r['want'])})"
        for r in results
        if r["got"] not in r["want"]
    ]


@pytest.mark.parametrize("phrase_file", ["patients.yaml", "heldout.yaml", "tuning.yaml"])
@pytest.mark.parametrize("locale", LOCALES)
def test_every_phrase_reaches_its_intent(locale: str, phrase_file: str) -> None:
    results = match(MODEL_DIR / f"{locale}.json", PHRASES / phrase_file)
    assert len(results) >= 60
    wrong = misses(results)
    assert not wrong, f"{locale} {phrase_file}: {len(wrong)} misses:\n" + "\n".join(wrong)


@pytest.mark.parametrize("locale", LOCALES)
def test_control_phrases_stay_off_the_pain_intents(locale: str, tmp_path: Path) -> None:
    controls = tmp_path / "controls.yaml"
    controls.write_text(yaml.safe_dump(CONTROLS), encoding="utf-8")
    results = match(MODEL_DIR / f"{locale}.json", controls)
    assert [r["got"] for r in results if r["got"] in PAIN_INTENTS] == []
    assert misses(results) == []


def test_the_driver_reports_a_miss(tmp_path: Path) -> None:
    """The judge can fail: a phrase no sample covers comes back unmatched."""
    phrases = tmp_path / "phrases.yaml"
    phrases.write_text(yaml.safe_dump({"PainIntent": ["the quick brown fox"]}), encoding="utf-8")
    results = match(MODEL_DIR / "en-US.json", phrases)
    assert results == [{"phrase": "the quick brown fox", "want": ["PainIntent"], "got": None}]
    assert misses(results) != []


def test_the_driver_matches_two_adjacent_slots(tmp_path: Path) -> None:
    """virtual-alexa alone cannot fill ``{a} {b}``; the driver spells out the first slot."""
    model = {
        "interactionModel": {
            "languageModel": {
                "invocationName": "test skill",
                "intents": [
                    {
                        "name": "FellIntent",
                        "slots": [
                            {"name": "what", "type": "WHAT"},
                            {"name": "when", "type": "WHEN"},
                        ],
                        "samples": ["I {what} {when}"],
                    }
                ],
                "types": [
                    {
                        "name": "WHAT",
                        "values": [{"name": {"value": "fell", "synonyms": ["slipped"]}}],
                    },
                    {"name": "WHEN", "values": [{"name": {"value": "this morning"}}]},
                ],
            }
        }
    }
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model), encoding="utf-8")
    phrases = tmp_path / "phrases.yaml"
    phrases.write_text(
        yaml.safe_dump({"FellIntent": ["I slipped this morning", "I fell yesterday"]}),
        encoding="utf-8",
    )
    got = {r["phrase"]: r["got"] for r in match(path, phrases)}
    assert got == {"I slipped this morning": "FellIntent", "I fell yesterday": None}
