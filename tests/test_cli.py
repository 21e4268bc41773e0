"""The ``backcoach`` command, run as a real process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from skill.coach.catalog import CONTENT_DIR, Catalog

FIELDS = {
    "id",
    "name",
    "synonyms",
    "position",
    "start_position",
    "action",
    "variants",
    "sides",
    "hold_seconds",
    "reps",
    "sets",
    "rest_seconds",
    "tips",
    "cautions",
    "source",
}


def backcoach(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "skill.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )


def test_exercises_json_lists_every_exercise_and_variant_with_its_fields(catalog: Catalog) -> None:
    result = backcoach("exercises", "--json")
    assert result.returncode == 0, result.stderr
    items = json.loads(result.stdout)
    assert {item["id"] for item in items} == set(catalog.exercises)
    for item in items:
        assert item.keys() >= FIELDS, item["id"]
        assert item["reps"]["source"] in ("handout", "default")
        assert item["action"] or item["variants"]
    variants = {item["id"]: [v["id"] for v in item["variants"]] for item in items}
    assert variants["a05-lower-abdominal-exercises"] == ["a", "b"]
    assert variants["a06-curl-ups"] == ["a", "b"]
    assert variants["a17-trunk-rotation"] == ["a", "b"]
    sources = sorted((item["source"]["handout"], item["source"]["number"]) for item in items)
    assert sources == [("A", n) for n in range(1, 23)] + [("B", n) for n in range(1, 6)]


def test_exercises_prints_a_readable_list_by_position(catalog: Catalog) -> None:
    result = backcoach("exercises")
    assert result.returncode == 0, result.stderr
    for exercise in catalog.exercises.values():
        assert exercise.full_name in result.stdout
    assert result.stdout.index("On your back") < result.stdout.index("Standing")
    assert "handout-b (default)" in result.stdout


def test_validate_reports_ok_and_names_a_broken_file(tmp_path: Path) -> None:
    ok = backcoach("validate")
    assert ok.returncode == 0 and "27 exercises" in ok.stdout
    broken = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, broken)
    target = broken / "exercises" / "b01-knee-rolls.yaml"
    target.write_text(target.read_text().replace("position: back", "position: upside down"))
    result = backcoach("validate", env={"BACKCOACH_CONTENT": str(broken)})
    assert result.returncode == 2
    assert "b01-knee-rolls.yaml" in result.stderr and "'position'" in result.stderr
    assert "Traceback" not in result.stderr
