"""The ``backcoach`` command, run as a real process."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from backcoach_dev.chat.device import ChatError, Device, OverHttp
from backcoach_dev.chat.requests import slot
from backcoach_dev.ports import free_port
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


def test_run_with_a_plan_links_its_code_without_redis(tmp_path: Path) -> None:
    """``make run ARGS="--plan FILE"``: the embedded store keeps the plan, and the code it
    prints links over HTTP, with no Redis anywhere."""
    rx = tmp_path / "smith.yaml"
    rx.write_text("exercises:\n  - {id: b03-back-extensions, hold_seconds: 3, reps: 2}\n")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    server = subprocess.Popen(
        [sys.executable, "-m", "skill.cli", "run", "--port", str(port), "--plan", str(rx)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        said = next(line for line in server.stdout if "stored: say" in line)
        code = "".join(re.findall(r"\d", said.split("my code is", 1)[1]))
        device = Device(OverHttp(f"http://127.0.0.1:{port}/alexa"))
        for _ in range(200):  # the code is printed just before the server binds
            try:
                device.launch()
                break
            except ChatError:
                time.sleep(0.05)
        heard = device.say("LinkCodeIntent", code=slot("code", code))
        assert "Is that right?" in heard  # read back first
        answer = device.say("AMAZON.YesIntent")
        assert "plan is linked: 1 exercise" in answer
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_run_refuses_a_bad_plan_naming_the_file(tmp_path: Path) -> None:
    rx = tmp_path / "bad.yaml"
    rx.write_text("exercises:\n  - {id: b03-back-extensions, reps: 40}\n")
    result = backcoach("run", "--plan", str(rx), env={"REDIS_URL": ""})
    assert result.returncode == 2
    assert "bad.yaml" in result.stderr and "exercises.0.reps" in result.stderr
