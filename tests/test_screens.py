"""Echo Show and Fire TV: every screen the skill sends passes Amazon's APL validator,
its count is where the SSML's breaks put the voice, its words are the catalog's and
the phrases', and a device without a screen gets exactly the answer it got before.

``tests/apl_check/check.js`` (node, apl-suggester pinned in its package-lock.json,
installed by ``make node-deps``) validates each document with its datasource; any
finding at all fails, whatever its level.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope
from flask.testing import FlaskClient

from backcoach_dev.chat.requests import ECHO_SHOW_5, ECHO_SHOW_8, FIRE_TV
from backcoach_dev.cli import main as dev_main
from backcoach_dev.screens import SAID
from skill.app import create_app
from skill.coach import events as ev
from skill.coach.catalog import Catalog, ProgramItem
from skill.coach.reply import Hold, Reply
from skill.coach.routine import default_routine, resolve_item
from skill.coach.session import Coach
from skill.coach.state import Phase, Question
from skill.handlers.turn import shows_apl
from skill.speech import render
from skill.speech.limits import MAX_RESPONSE_BYTES, break_seconds, prosody_rate
from skill.speech.screens import (
    APL_DIR,
    APL_VERSION,
    RENDER,
    Screen,
    figures,
    fitted,
    moves,
    screen_for,
    short,
    steps,
)
from skill.speech.ssml import hold_cues
from skill.speech.timeline import Mark, shown_number, timeline
from skill.speech.timing import cue_seconds, text_seconds
from skill.store.memory_store import MemoryStore

from .alexa import Device, envelope, intent, slot

DRIVER = Path(__file__).parent / "apl_check" / "check.js"
SCREENS = {"echo_show_5": ECHO_SHOW_5, "echo_show_8": ECHO_SHOW_8, "fire_tv": FIRE_TV}
KINDS = {"exercise", "welcome", "list", "advice", "progress", "code"}


@pytest.fixture
def client() -> Iterator[FlaskClient]:
    store = MemoryStore()
    yield create_app({"store": store, "ALEXA_VERIFY_SIGNATURE": "0"}).test_client()
    store.close()


def directives(reply: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in reply["response"].get("directives", []) if d["type"] == RENDER]


def conversation(device: Device) -> list[dict[str, Any]]:
    """One conversation that reaches every screen: welcome, list, progress, code,
    exercise (positioning and counting), pain advice."""
    return [device.send({"type": "LaunchRequest"})] + [device.send(intent(name)) for name in SAID]


def validate(screens: list[dict[str, Any]], tmp_path: Path) -> dict[str, list[Any]]:
    """apl-suggester's findings for each {name, document, datasources}."""
    node = shutil.which("node")
    if node is None or not (DRIVER.parent / "node_modules" / "apl-suggester").is_dir():
        pytest.fail("node or tests/apl_check/node_modules is missing: run `make node-deps`")
    listed = tmp_path / "screens.json"
    listed.write_text(json.dumps(screens))
    result = subprocess.run(
        [node, str(DRIVER), str(listed)], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    return {r["name"]: r["findings"] for r in json.loads(result.stdout)["results"]}


def every_exercise_screen(
    coach: Coach, catalog: Catalog
) -> Iterator[tuple[str, str, Reply, Screen]]:
    """Each exercise of the catalog, alone in a routine: introduced, then counted
    (its id, the phase, the plan and the screen)."""
    for exercise_id in sorted(catalog.exercises):
        item = resolve_item(catalog, ProgramItem(id=exercise_id))
        state = coach.new_session((item,))
        for event in (ev.Start(), ev.Ready()):
            state, plan = coach.step(state, event)
            screen = screen_for(plan, state, catalog, coach.words)
            yield exercise_id, state.phase.value, plan, screen


# -- Amazon's validator ------------------------------------------------------------------


@pytest.mark.parametrize("viewport", sorted(SCREENS))
def test_every_screen_of_a_conversation_passes_the_validator_with_no_findings(
    client: FlaskClient, viewport: str, tmp_path: Path
) -> None:
    device = Device(client, viewport=SCREENS[viewport])
    sent = [d for reply in conversation(device) for d in directives(reply)]
    kinds = set()
    screens = []
    for number, directive in enumerate(sent):
        data = directive["datasources"]
        kinds.add(kind_of(directive))
        screens.append(
            {"name": str(number), "document": directive["document"], "datasources": data}
        )
    assert kinds == KINDS
    findings = validate(screens, tmp_path)
    assert findings == {str(n): [] for n in range(len(sent))}


def kind_of(directive: dict[str, Any]) -> str:
    """Which screen a directive shows, read from what it shows (not the code's label)."""
    data = directive["datasources"]["screen"]
    if "cues" in data:
        return "exercise"
    titles = {"Back Coach": "welcome", "Today's routine": "list", "About the pain": "advice"}
    titles |= {"How you're doing": "progress", "Your physician's code": "code"}
    return titles[data["title"]]


def test_every_exercise_screen_of_the_catalog_passes_the_validator(
    coach: Coach, catalog: Catalog, tmp_path: Path
) -> None:
    screens = [
        {
            "name": f"{eid}-{phase}",
            "document": screen.document_json,
            "datasources": screen.datasources,
        }
        for eid, phase, _, screen in every_exercise_screen(coach, catalog)
    ]
    assert len(screens) == 2 * len(catalog.exercises)
    findings = validate(screens, tmp_path)
    assert {name: found for name, found in findings.items() if found} == {}


def test_the_validator_does_find_a_broken_screen(catalog: Catalog, tmp_path: Path) -> None:
    """The check can fail: a document with a wrong value and a datasource that is no
    object are both reported."""
    broken = json.loads((APL_DIR / "exercise.json").read_text())
    broken["mainTemplate"]["items"][0]["direction"] = "sideways"
    found = validate(
        [{"name": "broken", "document": broken, "datasources": {"screen": "x"}}], tmp_path
    )["broken"]
    paths = {f["path"] for f in found}
    assert "/mainTemplate/items/0/direction" in paths and "Data.screen" in paths


def test_the_validator_sees_the_datasources_values_in_place(
    coach: Coach, catalog: Catalog, tmp_path: Path
) -> None:
    """A value of the wrong type in the datasource is found where the document uses it."""
    screen = screen_for(
        Reply(()), coach.new_session(default_routine(catalog)), catalog, coach.words
    )
    data = {**screen.data, "title": ["not", "text"]}
    found = validate(
        [{"name": "typed", "document": screen.document_json, "datasources": {"screen": data}}],
        tmp_path,
    )["typed"]
    assert [f["path"] for f in found] == ["filled:/mainTemplate/items/0/items/0/text"]


# -- the count in step with the voice ----------------------------------------------------


def count_times(ssml: str, rate_percent: int, cues: list[tuple[str, int]]) -> list[float]:
    """When the SSML says each count cue, read from the SSML itself: its breaks' exact
    lengths, its words estimated at the rate of the <prosody> around them, a cue at
    the normal rate (a text between breaks that is the next cue expected)."""
    times: list[float] = []
    expected = list(cues)
    now = 0.0

    def text(words: str | None, rate: float) -> None:
        nonlocal now
        if not words or not words.strip():
            return
        if expected and words.strip() == expected[0][0]:
            times.append(now)
            now += cue_seconds(expected.pop(0)[0])
        else:
            now += text_seconds(words, rate)

    def walk(element: ET.Element, rate: float) -> None:
        nonlocal now
        if element.tag == "prosody":
            rate = rate * prosody_rate(element.attrib["rate"]) / 100
        if element.tag == "break":
            now += break_seconds(element.attrib["time"])
        text(element.text, rate)
        for child in element:
            walk(child, rate)
            text(child.tail, rate)

    walk(ET.fromstring(ssml), 100.0)
    assert not expected, f"cues never said: {expected[:3]}"
    assert rate_percent  # the rate is read from the SSML, not taken from the plan
    return times


def screen_counts(screen: Screen) -> list[tuple[float, str]]:
    """When the screen shows each count number: the sum of the delays before it."""
    shown = []
    now = 0
    for cue in screen.data["cues"]:
        now += cue["d"]
        if cue["c"] == "count" and cue["v"]:
            shown.append((now / 1000, cue["v"]))
    return shown


def test_each_count_is_shown_when_the_ssml_says_it(coach: Coach, catalog: Catalog) -> None:
    checked = 0
    for _, _, plan, screen in every_exercise_screen(coach, catalog):
        cues = [
            (said, shown_number(segment.seconds, at))
            for segment in plan.speech
            if isinstance(segment, Hold)
            for at, said in hold_cues(segment.seconds, coach.words)
        ]
        speech, _ = render(plan, coach.words)
        said_at = count_times(speech, plan.rate_percent, cues)
        shown = screen_counts(screen)
        assert [value for _, value in shown] == [str(number) for _, number in cues]
        for (at, _), expected in zip(shown, said_at, strict=True):
            # whole milliseconds on screen; each break is rounded to one in the SSML
            assert abs(at - expected) < 0.002 * (1 + len(cues)), (at, expected)
        checked += len(cues)
    assert checked > 100


def ssml_moments(ssml: str, marks: list[Mark]) -> list[float]:
    """When the SSML begins each of the marks' words and cues, read from the SSML: a
    text found inside a run of words begins after the estimate of the words before it
    (at the <prosody> rate around them), a cue is a text alone between breaks."""
    wanted = [(m.kind, m.said) for m in marks if m.kind != "end"]
    found: list[float] = []
    now = 0.0

    def text(words: str | None, rate: float) -> None:
        nonlocal now
        if not words or not words.strip():
            return
        if wanted and wanted[0][0] == "count" and words.strip() == wanted[0][1]:
            found.append(now)
            now += cue_seconds(wanted.pop(0)[1])
            return
        cursor = 0
        while wanted and wanted[0][0] == "say" and words.find(wanted[0][1], cursor) >= 0:
            at = words.find(wanted[0][1], cursor)
            found.append(now + text_seconds(words[:at], rate))
            cursor = at + len(wanted.pop(0)[1])
        now += text_seconds(words, rate)

    def walk(element: ET.Element, rate: float) -> None:
        nonlocal now
        if element.tag == "prosody":
            rate = rate * prosody_rate(element.attrib["rate"]) / 100
        if element.tag == "break":
            now += break_seconds(element.attrib["time"])
        text(element.text, rate)
        for child in element:
            walk(child, rate)
            text(child.tail, rate)

    walk(ET.fromstring(ssml), 100.0)
    assert not wanted, f"never said: {wanted[:3]}"
    return found


def test_every_moment_of_the_timeline_is_where_the_ssml_says_it(
    coach: Coach, catalog: Catalog
) -> None:
    """Words and counts alike, for every exercise introduced and counted, at two paces."""
    checked = 0
    for _, _, plan, _ in every_exercise_screen(coach, catalog):
        for rate in (plan.rate_percent, 70):
            paced = replace(plan, rate_percent=rate)
            marks = [m for m in timeline(paced.speech, rate, coach.words) if m.kind != "end"]
            speech, _ = render(paced, coach.words)
            for mark, said_at in zip(marks, ssml_moments(speech, marks), strict=True):
                assert abs(mark.at - said_at) < 0.001 * (1 + len(marks)), mark
            checked += len(marks)
    assert checked > 1000


def test_a_slower_pace_moves_the_count_with_the_voice(coach: Coach, catalog: Catalog) -> None:
    item = resolve_item(catalog, ProgramItem(id="a02-pelvic-tilt"))
    state = coach.new_session((item,))
    state, _ = coach.step(state, ev.Start())
    state, normal = coach.step(state, ev.Ready())
    slow_state = state.evolve(phase=Phase.POSITIONING, pace=state.pace + 1)
    slow_state, slow = coach.step(slow_state, ev.Ready())
    assert slow.rate_percent < normal.rate_percent
    fast_counts = screen_counts(screen_for(normal, state, catalog, coach.words))
    slow_counts = screen_counts(screen_for(slow, slow_state, catalog, coach.words))
    assert slow_counts[0][0] > fast_counts[0][0]
    assert [v for _, v in slow_counts] == [v for _, v in fast_counts]


# -- the words and the structure ---------------------------------------------------------


def test_the_exercise_screen_says_what_the_catalog_and_the_phrases_say(
    coach: Coach, catalog: Catalog
) -> None:
    words = coach.words
    for exercise_id, _, _, screen in every_exercise_screen(coach, catalog):
        exercise = catalog[exercise_id]
        data = screen.data
        assert data["title"] == exercise.full_name
        assert data["figure"] == figures()[exercise.position]
        item = resolve_item(catalog, ProgramItem(id=exercise.id))
        assert data["lines"] == [short(text) for text in steps(exercise, item)]
        assert exercise.start_position.startswith(data["lines"][0][:-1])
        assert data["stop"] == words.phrase("screen_stop")
        assert data["progress"] == words.phrase("screen_exercise_number", number=1, total=1)


def test_every_position_has_a_figure_inside_its_drawing() -> None:
    positions = {"back", "stomach", "all_fours", "kneeling", "sitting", "standing"}
    assert set(figures()) == positions
    graphic = json.loads((APL_DIR / "exercise.json").read_text())["graphics"]["figure"]
    for paths in [*figures().values(), *moves().values()]:
        for path in paths.values():
            assert re.fullmatch(r"(\s*[MLa][-\d., ]+)+", path), path
            for x, y in re.findall(r"[ML](\d+),(\d+)", path):
                assert 0 <= int(x) <= graphic["width"] and 0 <= int(y) <= graphic["height"]


def bindings(document: dict[str, Any]) -> set[str]:
    return set(re.findall(r"payload\.screen\.(\w+)", json.dumps(document)))


def ids(document: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(document, dict):
        if isinstance(document.get("id"), str):
            found.add(document["id"])
        for value in document.values():
            found |= ids(value)
    elif isinstance(document, list):
        for value in document:
            found |= ids(value)
    return found


def test_each_document_reads_only_what_its_datasource_has_and_cues_set_real_components(
    coach: Coach, catalog: Catalog
) -> None:
    for _, _, _, screen in every_exercise_screen(coach, catalog):
        document = screen.document_json
        assert bindings(document) <= set(screen.data)
        bound = {b["name"] for b in document["mainTemplate"]["items"][0].get("bind", [])}
        for cue in screen.data["cues"]:
            assert cue["c"] in ids(document)
            assert cue["p"] == "text" or cue["p"] in bound
            assert cue["d"] >= 0


# -- a device without a screen, and the size --------------------------------------------


def test_a_device_without_a_screen_gets_the_same_answer_and_no_directive(
    client: FlaskClient,
) -> None:
    plain, show = Device(client), Device(client, viewport=ECHO_SHOW_5)
    for before, after in zip(conversation(plain), conversation(show), strict=True):
        assert "directives" not in before["response"]
        assert len(directives(after)) == 1
        shown = {k: v for k, v in after["response"].items() if k != "directives"}
        assert shown == before["response"]


def test_the_biggest_answer_with_a_screen_stays_under_alexas_limit(
    client: FlaskClient, coach: Coach, catalog: Catalog
) -> None:
    device = Device(client, viewport=FIRE_TV)
    sizes = [len(json.dumps(r, separators=(",", ":"))) for r in conversation(device)]
    for _, _, plan, screen in every_exercise_screen(coach, catalog):
        speech, reprompt = render(plan, coach.words)
        answer = {"speech": speech, "reprompt": reprompt, "screen": screen.directive()}
        sizes.append(len(json.dumps(answer, separators=(",", ":")).encode()) + 2048)
    assert max(sizes) < MAX_RESPONSE_BYTES


def test_a_state_for_each_kind_of_screen(coach: Coach, catalog: Catalog) -> None:
    state = coach.new_session((resolve_item(catalog, ProgramItem(id="a01-knee-to-chest")),))
    plan = Reply(())
    assert screen_for(plan, state, catalog, coach.words).kind == "welcome"
    assert screen_for(plan, state, catalog, coach.words, "list").kind == "list"
    stopped = state.evolve(phase=Phase.STOPPED)
    assert screen_for(plan, stopped, catalog, coach.words).kind == "advice"
    asked = state.evolve(question=Question("code"))
    assert screen_for(plan, asked, catalog, coach.words).kind == "code"


@pytest.mark.parametrize(
    ("interfaces", "shown"),
    [
        ({}, False),
        ({"Alexa.Presentation.APLT": {"runtime": {"maxVersion": "1.0"}}}, False),
        ({"Alexa.Presentation.APL": {"runtime": {"maxVersion": "1.9"}}}, False),
        ({"Alexa.Presentation.APL": {"runtime": {"maxVersion": "2023.2"}}}, False),
        ({"Alexa.Presentation.APL": {"runtime": {"maxVersion": "2023.3"}}}, True),
        ({"Alexa.Presentation.APL": {"runtime": {"maxVersion": "2024.3"}}}, True),
        ({"Alexa.Presentation.APL": {}}, True),
    ],
)
def test_a_screen_only_for_apl_of_the_documents_version(
    interfaces: dict[str, Any], shown: bool
) -> None:
    body = envelope(
        {"type": "LaunchRequest"}, user_id="u", session_id="s", new=True, attributes=None
    )
    body["context"]["System"]["device"]["supportedInterfaces"] = interfaces
    request = DefaultSerializer().deserialize(json.dumps(body), RequestEnvelope)
    assert shows_apl(request.context.system) is shown


def test_the_documents_are_of_the_version_the_skill_checks_for() -> None:
    for name in ("exercise", "message"):
        assert json.loads((APL_DIR / f"{name}.json").read_text())["version"] == APL_VERSION


def test_the_screens_command_writes_each_document_and_its_data_for_the_console(
    tmp_path: Path,
) -> None:
    assert dev_main(["screens", "--out", str(tmp_path), "--viewport", "fire-tv"]) == 0
    documents = sorted(tmp_path.glob("*-document.json"))
    assert len(documents) == 1 + len(SAID)
    for document in documents:
        data = json.loads(Path(str(document).replace("-document", "-data")).read_text())
        assert bindings(json.loads(document.read_text())) <= set(data["screen"])


def test_a_second_frame_shows_while_each_hold_is_counted_and_only_where_drawn(
    coach: Coach, catalog: Catalog
) -> None:
    assert moves() and set(moves()) <= set(catalog.exercises)
    framed = 0
    for exercise_id, phase, plan, screen in every_exercise_screen(coach, catalog):
        frames: list[tuple[int, int]] = []
        counts: list[int] = []
        ends: list[int] = []
        now = 0
        for cue in screen.data["cues"]:
            now += cue["d"]
            if cue["p"] == "frame":
                frames.append((now, cue["v"]))
            elif cue["c"] == "count":
                (counts if cue["v"] else ends).append(now)
        if exercise_id not in moves():
            assert frames == [] and screen.data["move"] == screen.data["figure"]
            continue
        assert catalog[exercise_id].hold_seconds is not None
        holds = sum(1 for segment in plan.speech if isinstance(segment, Hold))
        # each hold's first count: the first count of all, then the first after each end
        firsts = counts[:1] + [min(at for at in counts if at > end) for end in ends[:-1]]
        assert [v for _, v in frames] == [1, 0] * holds
        assert [at for at, v in frames if v == 1] == firsts
        assert [at for at, v in frames if v == 0] == ends
        framed += holds if phase == "counting" else 0
    assert framed > 0


class CountingStore:
    """The embedded store, counting each call the skill makes of it."""

    def __init__(self) -> None:
        self.store = MemoryStore()
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        found = getattr(self.store, name)
        if not callable(found):
            return found

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return found(*args, **kwargs)

        return counted


def test_a_screen_costs_no_store_call() -> None:
    calls = []
    for viewport in (None, ECHO_SHOW_5):
        counting = CountingStore()
        app = create_app({"store": counting, "ALEXA_VERIFY_SIGNATURE": "0"})
        device = Device(app.test_client(), viewport=viewport, user_id="amzn1.ask.account.SAME")
        replies = conversation(device)
        assert bool(viewport) == all(directives(reply) for reply in replies)
        calls.append(counting.calls)
        counting.store.close()
    assert calls[0] == calls[1] and calls[0]


def test_a_screen_too_big_for_the_response_keeps_its_words_and_drops_its_timing(
    coach: Coach, catalog: Catalog
) -> None:
    state = coach.new_session((resolve_item(catalog, ProgramItem(id="a02-pelvic-tilt")),))
    state, _ = coach.step(state, ev.Start())
    state, plan = coach.step(state, ev.Ready())
    screen = screen_for(plan, state, catalog, coach.words)
    assert screen.data["cues"] and fitted(screen, screen.size()) is screen
    still = fitted(screen, screen.size() - 1)
    assert still.data["cues"] == [] and still.size() < screen.size()
    assert {**still.data, "cues": screen.data["cues"]} == screen.data


def test_the_biggest_prescription_counted_slowly_still_fits_with_its_screen() -> None:
    """Thirty reps of five sets, held 10 s, at the slowest pace: the longest counted
    turns a plan can ask for, on a TV."""
    store = MemoryStore()
    biggest = [
        {"id": exercise, "hold_seconds": 10, "reps": 30, "sets": 5}
        for exercise in ("a21-backward-bending", "a05-lower-abdominal-exercises")
    ]
    code = store.plan_store().create({"patient": "P", "exercises": biggest}, "2026-12-01")[1]
    app = create_app({"store": store, "ALEXA_VERIFY_SIGNATURE": "0"})
    device = Device(app.test_client(), viewport=FIRE_TV)
    device.send({"type": "LaunchRequest"})
    device.send(intent("LinkCodeIntent", code=slot("code", code)))
    device.send(intent("AMAZON.YesIntent"))
    replies = [device.send(intent(name)) for name in ("StartRoutineIntent", *["SlowerIntent"] * 4)]
    replies += [device.send(intent(name)) for name in ("ReadyIntent", "NextIntent", "NextIntent")]
    store.close()
    sizes = [len(json.dumps(reply, separators=(",", ":")).encode()) for reply in replies]
    assert all(directives(reply) for reply in replies)  # a replaced answer has none
    assert max(sizes) < MAX_RESPONSE_BYTES and max(sizes) > MAX_RESPONSE_BYTES // 2


def test_the_webhook_drops_the_timing_when_the_room_left_is_too_small(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    device = Device(client, viewport=ECHO_SHOW_5)
    device.send({"type": "LaunchRequest"})
    device.send(intent("StartRoutineIntent"))
    monkeypatch.setattr("skill.handlers.turn.RESPONSE_KEYS_BYTES", MAX_RESPONSE_BYTES - 4000)
    counted = directives(device.send(intent("ReadyIntent")))[0]["datasources"]["screen"]
    assert counted["cues"] == [] and counted["title"] and counted["lines"]
    monkeypatch.undo()
    counted = directives(device.send(intent("NextIntent")))[0]["datasources"]["screen"]
    assert counted["cues"]
