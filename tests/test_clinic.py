"""The clinician's pages (/clinic) through Flask's test client over a real Redis: every
route refuses without a sign-in, another clinician's plan is not found, forms without
the CSRF token are refused, sign-ins lock after failures, bad blanks are named, and the
page and the CLI (plan show, report) read the same plans."""

from __future__ import annotations

import http.client as http_client
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from email.message import Message
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backcoach_dev.ports import free_port
from skill.clinic.accounts import (
    MAX_FAILURES,
    AccountError,
    accounts_for,
    hash_password,
    normal_email,
    password_matches,
)
from skill.coach.catalog import Catalog
from skill.plan_cli import build_report, describe_plan
from skill.store import RedisStore, Store
from skill.store.base import PlanStore

from .alexa import Device, slot
from .clinic import PASSWORD, TOKEN, add_clinician, https_client, sign_in, signed_in, token
from .conftest import AppFactory
from .test_plans import backcoach, say_code
from .test_webhook import text

ROOT = Path(__file__).resolve().parents[1]
ANN = "ann@clinic.example"
BOB = "bob@clinic.example"


@pytest.fixture
def app(make_app: AppFactory) -> Flask:
    return make_app(clinic_secret_key="test-secret")


@pytest.fixture
def plans(app: Flask) -> PlanStore:
    store = app.extensions["backcoach"]["store"]
    assert isinstance(store, RedisStore)
    return store.plan_store()


@pytest.fixture
def ann(app: Flask) -> FlaskClient:
    return signed_in(app, ANN)


def rows(client: FlaskClient) -> dict[str, str]:
    """The handout form's row prefix of each exercise id, read from the page."""
    page = client.get("/clinic/plans/new").text
    found = re.findall(
        r'<fieldset class="exercise" id="([^"]+)">\s*<legend>[^<]*</legend>\s*'
        r'<p class="tick"><input id="(x\d+)_include"',
        page,
    )
    return dict(found)


def prescribe(client: FlaskClient, fields: dict[str, str], **extra: str) -> tuple[int, str, str]:
    data = {"csrf_token": token(client, "/clinic/plans/new"), "links": "1", **fields, **extra}
    answer = client.post("/clinic/plans/new", data=data)
    return answer.status_code, answer.headers.get("Location", ""), answer.text


def exercise(row: str, hold: str = "5", reps: str = "3", sets: str = "1", rest: str = "0"):
    return {
        f"{row}_include": "y",
        f"{row}_hold": hold,
        f"{row}_reps": reps,
        f"{row}_sets": sets,
        f"{row}_rest": rest,
    }


def plan_id_of(location: str) -> str:
    found = re.fullmatch(r"/clinic/plans/([0-9a-f]{16})", location)
    assert found, location
    return found.group(1)


# --- signing in ------------------------------------------------------------------


PROTECTED_GETS = [
    "/clinic/",
    "/clinic/plans/new",
    "/clinic/plans/{id}",
    "/clinic/plans/{id}/sheet",
    "/clinic/plans/{id}/plot.svg",
]
PROTECTED_POSTS = [
    "/clinic/sign-out",
    "/clinic/plans/new",
    "/clinic/plans/{id}/codes",
    "/clinic/plans/{id}/codes/123456/revoke",
    "/clinic/plans/{id}/devices/1/unlink",
]


def test_every_page_needs_a_sign_in(app: Flask, plans: PlanStore) -> None:
    plan_id, code = plans.create({"exercises": [{"id": "a01-knee-to-chest"}], "owner": ANN}, "t")
    client = https_client(app)
    for path in PROTECTED_GETS:
        answer = client.get(path.format(id=plan_id))
        assert answer.status_code == 302, path
        assert answer.headers["Location"].startswith("/clinic/sign-in"), path
    for path in PROTECTED_POSTS:
        # With a valid token, so it is the sign-in that refuses, not the CSRF check.
        data = {"csrf_token": token(client, "/clinic/sign-in")}
        answer = client.post(path.format(id=plan_id), data=data)
        assert answer.status_code == 302 and "/clinic/sign-in" in answer.headers["Location"], path
    assert plans.codes(plan_id)[0][0] == code


def test_sign_in_sets_a_secure_session_and_sign_out_ends_it(app: Flask) -> None:
    add_clinician(app, ANN)
    client = https_client(app)
    data = {
        "csrf_token": token(client, "/clinic/sign-in"),
        "email": "Ann@Clinic.example ",
        "password": PASSWORD,
    }
    answer = client.post("/clinic/sign-in", data=data)
    assert answer.status_code == 302 and answer.headers["Location"] == "/clinic/"
    cookie = answer.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert ANN in client.get("/clinic/").text
    out = client.post("/clinic/sign-out", data={"csrf_token": token(client, "/clinic/")})
    assert out.status_code == 302
    assert client.get("/clinic/").status_code == 302


def test_a_wrong_password_or_address_is_refused_alike(app: Flask) -> None:
    add_clinician(app, ANN)
    client = https_client(app)
    assert sign_in(client, ANN, "not the password") == 401
    assert sign_in(client, "nobody@clinic.example") == 401
    assert client.get("/clinic/").status_code == 302


def test_sign_ins_lock_after_failures_even_with_the_right_password(app: Flask) -> None:
    add_clinician(app, ANN)
    add_clinician(app, BOB)
    client = https_client(app)
    for _ in range(MAX_FAILURES):
        assert sign_in(client, ANN, "guess") == 401
    assert sign_in(client, ANN) == 429
    page = client.post(
        "/clinic/sign-in",
        data={"csrf_token": token(client, "/clinic/sign-in"), "email": ANN, "password": PASSWORD},
    )
    assert "Too many failed sign-ins" in page.text
    assert sign_in(https_client(app), BOB) == 302  # another account is not locked


def test_forms_without_the_csrf_token_are_refused(
    app: Flask, ann: FlaskClient, plans: PlanStore
) -> None:
    add_clinician(app, BOB)
    anon = https_client(app)
    answer = anon.post("/clinic/sign-in", data={"email": BOB, "password": PASSWORD})
    assert answer.status_code == 400 and "not accepted" in answer.text
    assert anon.get("/clinic/").status_code == 302  # not signed in
    status, _, _ = prescribe(ann, exercise(rows(ann)["a01-knee-to-chest"]), csrf_token="forged")
    assert status == 400
    assert [p for p in plans.plans() if p.get("owner") == ANN] == []
    _, location, _ = prescribe(ann, exercise(rows(ann)["a01-knee-to-chest"]))
    plan_id = plan_id_of(location)
    ((code, _),) = plans.codes(plan_id)
    answer = ann.post(f"/clinic/plans/{plan_id}/codes/{code}/revoke", data={})
    assert answer.status_code == 400 and plans.codes(plan_id) == [
        (code, plans.codes(plan_id)[0][1])
    ]


def test_pages_keep_a_strict_csp_and_the_webhook_its_own(ann: FlaskClient) -> None:
    policy = ann.get("/clinic/plans/new").headers["Content-Security-Policy"]
    assert "script-src" not in policy and policy.startswith("default-src 'none'")
    assert "style-src 'self'" in policy and "form-action 'self'" in policy
    css = ann.get("/clinic/static/clinic.css")
    assert css.status_code == 200 and "text/css" in css.headers["Content-Type"]
    assert ann.get("/healthz").headers["Content-Security-Policy"] == "default-src 'none'"


# --- prescribing -----------------------------------------------------------------------


def test_the_form_is_the_handout_prefilled_and_bounded(ann: FlaskClient, catalog: Catalog) -> None:
    page = ann.get("/clinic/plans/new").text
    assert "Handout A: On your back" in page and "Handout B:" in page
    knee = catalog["a01-knee-to-chest"]
    assert f"A1. {knee.full_name}" in page and knee.start_position in page
    row = rows(ann)["a01-knee-to-chest"]
    hold = re.search(rf'<input[^>]*name="{row}_hold"[^>]*>', page)
    assert hold and 'max="120"' in hold.group(0) and 'min="1"' in hold.group(0)
    assert knee.hold_seconds is not None and f'value="{knee.hold_seconds.value}"' in hold.group(0)
    assert f'<label for="{row}_reps">Repetitions</label>' in page
    curl = catalog["a06-curl-ups"]
    assert all(v.action in page for v in curl.variants)  # the versions, with their words
    assert page.index("A1.") < page.index("A2.") < page.index("B1.")


@pytest.mark.parametrize(
    ("blank", "value", "named"),
    [
        ("reps", "40", "Repetitions"),
        ("hold", "0", "Hold (seconds)"),
        ("sets", "6", "Sets"),
        ("rest", "121", "Rest between sets (seconds)"),
        ("reps", "", "Repetitions"),
        ("hold", "ten", "Hold (seconds)"),
    ],
)
def test_bad_blanks_are_refused_with_the_field_named(
    ann: FlaskClient, plans: PlanStore, blank: str, value: str, named: str
) -> None:
    row = rows(ann)["a01-knee-to-chest"]
    status, _, page = prescribe(ann, {**exercise(row), f"{row}_{blank}": value})
    assert status == 400 and "The plan was not saved." in page
    assert re.search(rf'<span class="problem" id="{row}_{blank}-error">{re.escape(named)}: ', page)
    assert plans.plans() == []


def test_other_refusals_name_what_is_wrong(ann: FlaskClient, plans: PlanStore) -> None:
    row = rows(ann)["a01-knee-to-chest"]
    status, _, page = prescribe(ann, {})
    assert status == 400 and "field &#39;exercises&#39;" in page  # parse_prescription's words
    status, _, page = prescribe(ann, exercise(row), links="101")
    assert status == 400 and "How many people may link this code: " in page
    status, _, page = prescribe(ann, exercise(row), note="x" * 501)
    assert status == 400 and "A note to the patient" in page
    # An unticked row's blanks do not matter.
    other = rows(ann)["a02-pelvic-tilt"]
    status, _, _ = prescribe(ann, {**exercise(row), f"{other}_reps": "99"})
    assert status == 302 and len(plans.plans()) == 1


def test_a_saved_plan_shows_its_code_phrase_and_sheet_and_the_cli_agrees(
    ann: FlaskClient, plans: PlanStore, catalog: Catalog, redis_url: str
) -> None:
    ids = rows(ann)
    fields = {
        **exercise(ids["a01-knee-to-chest"], hold="12", reps="4"),
        **exercise(ids["a06-curl-ups"], hold="3", reps="6", sets="2", rest="30"),
        f"{ids['a06-curl-ups']}_variant": "b",
        **exercise(ids["b03-back-extensions"], hold="5", reps="8"),
    }
    status, location, _ = prescribe(ann, fields, note="Go <gently>", patient="J. Smith", links="2")
    assert status == 302
    plan_id = plan_id_of(location)
    stored = plans.plan(plan_id)
    assert stored is not None and stored["owner"] == ANN and stored["links_allowed"] == 2
    assert [e["id"] for e in stored["exercises"]] == [
        "a01-knee-to-chest",
        "a06-curl-ups",
        "b03-back-extensions",
    ]
    assert stored["exercises"][1] == {
        "id": "a06-curl-ups",
        "variant": "b",
        "reps": 6,
        "sets": 2,
        "rest_seconds": 30,
    }
    ((code, _),) = plans.codes(plan_id)
    page = ann.get(location).text
    assert f'<strong class="code">{code}</strong>' in page
    assert f"my code is {' '.join(code)}" in page and "Go &lt;gently&gt;" in page
    sheet = ann.get(f"{location}/sheet").text
    assert code in sheet and catalog["a06-curl-ups"].variant("b").action in sheet
    assert "Hold 12 seconds" in sheet and "J. Smith" not in sheet  # the label is the clinician's
    assert "Go &lt;gently&gt;" in sheet
    shown = backcoach("plan", "show", code, redis_url=redis_url)
    assert shown.returncode == 0 and "patient: J. Smith" in shown.stdout
    assert "hold s 12, reps 4" in shown.stdout
    assert describe_plan(stored, catalog, plans) in shown.stdout
    assert "J. Smith" in ann.get("/clinic/").text


def test_another_clinicians_plan_is_not_found(
    app: Flask, ann: FlaskClient, plans: PlanStore
) -> None:
    _, location, _ = prescribe(ann, exercise(rows(ann)["a01-knee-to-chest"]), patient="Ann's")
    plan_id = plan_id_of(location)
    ((code, _),) = plans.codes(plan_id)
    bob = signed_in(app, BOB)
    assert "Ann&#39;s" not in bob.get("/clinic/").text
    for path in PROTECTED_GETS[2:]:
        assert bob.get(path.format(id=plan_id)).status_code == 404, path
    csrf = token(bob, "/clinic/")
    for path in PROTECTED_POSTS[2:]:
        path = path.format(id=plan_id).replace("123456", code)
        assert bob.post(path, data={"csrf_token": csrf}).status_code == 404, path
    assert [c for c, _ in plans.codes(plan_id)] == [code]


# --- managing and following ------------------------------------------------------------


def linked_device(app: Flask, code: str, user: str = "amzn1.ask.account.PATIENT") -> Device:
    device = Device(app.test_client(), user)
    device.launch()
    say_code(device, code)
    return device


def test_revoke_a_code_make_another_and_unlink_a_device(
    app: Flask, ann: FlaskClient, plans: PlanStore
) -> None:
    _, location, _ = prescribe(ann, exercise(rows(ann)["a01-knee-to-chest"]), links="3")
    plan_id = plan_id_of(location)
    ((code, _),) = plans.codes(plan_id)
    linked_device(app, code)
    assert len(plans.linked_users(plan_id)) == 1
    csrf = token(ann, location)
    assert ann.post(f"{location}/codes", data={"csrf_token": csrf}).status_code == 302
    assert len(plans.codes(plan_id)) == 2
    answer = ann.post(f"{location}/codes/{code}/revoke", data={"csrf_token": csrf})
    assert answer.status_code == 302 and code not in dict(plans.codes(plan_id))
    assert plans.plan_for_code(code) is None
    assert ann.post(f"{location}/devices/2/unlink", data={"csrf_token": csrf}).status_code == 404
    answer = ann.post(f"{location}/devices/1/unlink", data={"csrf_token": csrf})
    assert answer.status_code == 302 and plans.linked_users(plan_id) == []
    assert "No one has linked this plan yet." in ann.get(location).text


def test_the_follow_up_shows_pain_reports_red_flags_first_and_agrees_with_report(
    app: Flask, ann: FlaskClient, plans: PlanStore, catalog: Catalog, redis_url: str
) -> None:
    _, location, _ = prescribe(ann, exercise(rows(ann)["b03-back-extensions"]))
    plan_id = plan_id_of(location)
    ((code, _),) = plans.codes(plan_id)
    device = linked_device(app, code)
    device.say("StartRoutineIntent")
    device.say("ReadyIntent")
    device.say("PainIntent", body_part=slot("body_part", "back", [("back", "back")]))
    device.say("AMAZON.NoIntent")
    store = app.extensions["backcoach"]["store"]
    flag = {
        "id": "rf1",
        "at": "2099-01-01T00:00:00+00:00",
        "kind": "red_flag",
        "action": "urgent_stop",
        "words": "my legs are <numb>",
    }
    report = build_report(
        plans.plan(plan_id),
        plans,
        catalog,
        __import__("datetime").datetime.now(__import__("datetime").UTC),
    )
    (person,) = report["linked"]
    (pain,) = person["pain_events"]
    store.save(device.user_id, None, pain_events=[{**flag, "at": pain["at"]}])
    page = ann.get(location).text
    assert "1 red-flag report" in page
    events = page[page.index('<ol class="events">') :]
    assert events.index("red-flag symptom") < events.index("pain in my back")
    assert "my legs are &lt;numb&gt;" in page and "my legs are <numb>" not in page
    now = build_report(plans.plan(plan_id), plans, catalog, datetime.now(UTC))
    (person,) = now["linked"]
    assert len(person["pain_events"]) == 2
    for event in person["pain_events"]:
        said = f"The skill {event['action_words']}."
        assert said in page and f"<strong>{event['kind_words']}</strong>" in page
    assert "during Back extensions" in page
    sessions = person["adherence"]["sessions"]
    counts = f"{sessions['finished']} finished, {sessions['stopped']} stopped"
    assert counts in page and sessions["finished"] + sessions["stopped"] == 1
    assert f"{person['adherence']['streak_days']} day" in page
    shown = backcoach("report", code, redis_url=redis_url)
    assert "red-flag symptom" in shown.stdout and counts in shown.stdout
    svg = ann.get(f"{location}/plot.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert "script-src" not in svg.headers["Content-Security-Policy"]
    assert "Pain reports" in svg.text and "Days exercised" in svg.text


# --- the CLI ---------------------------------------------------------------------------


def run_cli(*args: str, redis_url: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "skill.cli", *args],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "REDIS_URL": redis_url},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_clinician_add_and_plan_create_for_a_clinician(
    app: Flask, redis_url: str, tmp_path: Path, plans: PlanStore
) -> None:
    added = run_cli(
        "clinician", "add", "Cat@Clinic.example", redis_url=redis_url, stdin=PASSWORD + "\n"
    )
    assert added.returncode == 0, added.stderr
    again = run_cli(
        "clinician", "add", "cat@clinic.example", redis_url=redis_url, stdin=PASSWORD + "\n"
    )
    assert again.returncode == 1 and "already has an account" in again.stderr
    short = run_cli("clinician", "add", "dan@clinic.example", redis_url=redis_url, stdin="short\n")
    assert short.returncode == 2 and "at least 12 characters" in short.stderr
    rx = tmp_path / "rx.yaml"
    rx.write_text("patient: CLI patient\nexercises:\n  - {id: a01-knee-to-chest, reps: 4}\n")
    unknown = run_cli(
        "plan", "create", str(rx), "--clinician", "eve@clinic.example", redis_url=redis_url
    )
    assert unknown.returncode == 1 and "no clinician eve@clinic.example" in unknown.stderr
    made = run_cli(
        "plan", "create", str(rx), "--clinician", "cat@clinic.example", redis_url=redis_url
    )
    assert made.returncode == 0, made.stderr
    unowned = run_cli("plan", "create", str(rx), redis_url=redis_url)
    assert unowned.returncode == 0
    client = https_client(app)
    assert sign_in(client, "cat@clinic.example") == 302
    assert client.get("/clinic/").text.count("CLI patient") == 1  # its own, not the unowned
    assert len(plans.plans()) == 2


# --- editing: a new version ------------------------------------------------------------


def test_a_revised_plan_reaches_its_linked_people_once_in_any_store(any_store: Store) -> None:
    plans = any_store.plan_store()
    plan_id, code = plans.create(
        {"exercises": [{"id": "a01-knee-to-chest"}], "owner": ANN}, "2026-11-23T09:00:00+00:00"
    )
    assert plans.link("amzn1.ask.account.A", code, "2026-11-23T10:00:00+00:00").status == "linked"
    (hashed,) = plans.linked_users(plan_id)
    new = {"exercises": [{"id": "b03-back-extensions", "reps": 4}], "note": "New"}
    assert plans.revise(plan_id, new, "2026-11-24T09:00:00+00:00") == 2
    assert plans.revise("0" * 16, new, "2026-11-24T09:00:00+00:00") is None
    stored = plans.plan(plan_id)
    assert stored is not None and stored["version"] == 2 and stored["owner"] == ANN
    assert stored["exercises"] == new["exercises"] and stored["created_at"].startswith("2026-11-23")
    assert plans.plan_for_code(code) == stored and plans.linked_users(plan_id) == [hashed]
    link = plans.user_records(hashed).link
    assert link is not None and link["changed"] is True and link["version"] == 2
    assert link["exercises"] == new["exercises"] and link["at"] == "2026-11-23T10:00:00+00:00"
    plans.change_heard("amzn1.ask.account.A", 1)  # not the version it was told of
    assert plans.user_records(hashed).link["changed"] is True
    plans.change_heard("amzn1.ask.account.A", 2)
    assert plans.user_records(hashed).link["changed"] is False
    assert plans.revise(plan_id, new, "2026-11-25T09:00:00+00:00") == 3


def test_editing_a_plan_is_a_new_version_the_patient_hears_of_once(
    app: Flask, ann: FlaskClient, plans: PlanStore, catalog: Catalog
) -> None:
    ids = rows(ann)
    _, location, _ = prescribe(ann, exercise(ids["a01-knee-to-chest"], reps="3"), note="Old")
    plan_id = plan_id_of(location)
    ((code, _),) = plans.codes(plan_id)
    device = linked_device(app, code)
    device.say("AMAZON.StopIntent")
    page = ann.get(f"{location}/edit").text
    knee = ids["a01-knee-to-chest"]
    assert re.search(rf'<input checked id="{knee}_include"', page), "the plan's rows ticked"
    assert re.search(rf'<input[^>]*name="{knee}_reps"[^>]*value="3"', page)
    assert re.search(r"<textarea[^>]*>\s*Old</textarea>", page), re.findall(
        r"<textarea.*?</textarea>", page, re.S
    )
    fields = exercise(ids["b03-back-extensions"], reps="7")
    data = {"csrf_token": token(ann, f"{location}/edit"), "links": "1", "note": "New", **fields}
    answer = ann.post(f"{location}/edit", data=data)
    assert answer.status_code == 302 and answer.headers["Location"] == location
    stored = plans.plan(plan_id)
    assert stored is not None and stored["version"] == 2 and stored["note"] == "New"
    assert [e["id"] for e in stored["exercises"]] == ["b03-back-extensions"]
    assert plans.codes(plan_id)[0][0] == code and len(plans.linked_users(plan_id)) == 1
    assert "version 2" in ann.get(location).text
    changed = "Your physician has changed your plan"
    first = text(device.launch())
    assert changed in first and catalog["b03-back-extensions"].name.lower() in first.lower()
    assert catalog["a01-knee-to-chest"].name.lower() not in first.lower()  # the new routine
    device.say("AMAZON.StopIntent")
    assert changed not in text(device.launch())
    back = ids["b03-back-extensions"]
    bad = {**data, "csrf_token": token(ann, f"{location}/edit"), f"{back}_reps": "31"}
    assert ann.post(f"{location}/edit", data=bad).status_code == 400
    assert plans.plan(plan_id)["version"] == 2
    bob = signed_in(app, BOB)
    assert bob.get(f"{location}/edit").status_code == 404


# --- make run: a clinician for the embedded store ---------------------------------------


def http(
    port: int, method: str, path: str, cookie: str = "", body: str = ""
) -> tuple[int, Message, str]:
    """One request to the server on ``port``: (status, headers, text)."""
    connection = http_client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body or None, headers=headers)
    answer = connection.getresponse()
    result = answer.status, answer.headers, answer.read().decode()
    connection.close()
    return result


def session_cookie(headers: Message) -> str:
    """The clinic's session cookie among those set (Flask-Login clears its own too)."""
    (found,) = [c for c in headers.get_all("Set-Cookie") if c.startswith("backcoach_clinic=")]
    return found.split(";", 1)[0]


def test_run_with_a_clinician_serves_their_page_without_redis(tmp_path: Path) -> None:
    rx = tmp_path / "rx.yaml"
    rx.write_text("patient: Local patient\nexercises:\n  - {id: a01-knee-to-chest}\n")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    command = [sys.executable, "-m", "skill.cli", "run", "--port", str(port), "--plan", str(rx),
               "--clinician", ANN]  # fmt: skip
    server = subprocess.Popen(command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    try:
        assert server.stdin is not None and server.stdout is not None
        server.stdin.write(PASSWORD + "\n")
        server.stdin.close()
        assert any("stored: say" in line for line in server.stdout)
        for _ in range(200):  # the code is printed just before the server binds
            try:
                status, headers, page = http(port, "GET", "/clinic/sign-in")
                break
            except OSError:
                time.sleep(0.05)
        assert status == 200
        cookie = session_cookie(headers)
        csrf = TOKEN.search(page)
        assert csrf
        form = urlencode({"csrf_token": csrf.group(1), "email": ANN, "password": PASSWORD})
        status, headers, _ = http(port, "POST", "/clinic/sign-in", cookie, form)
        assert status == 302 and headers["Location"] == "/clinic/"
        status, _, page = http(port, "GET", "/clinic/", session_cookie(headers))
        assert status == 200 and "Local patient" in page
    finally:
        server.terminate()
        server.wait(timeout=10)


# --- plain and accessible ---------------------------------------------------------------


class Controls(HTMLParser):
    """The form controls of a page, the labels' targets, and any script."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.labelled: set[str] = set()
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in ("input", "textarea", "select") and found.get("type") != "hidden":
            self.controls.append(found)
        elif tag == "label" and found.get("for"):
            self.labelled.add(str(found["for"]))
        elif tag == "script" or any(name.startswith("on") for name in found):
            self.scripts += 1


@pytest.mark.parametrize("path", ["/clinic/sign-in", "/clinic/plans/new", "{plan}", "{plan}/edit"])
def test_every_control_has_a_label_and_no_page_has_a_script(
    ann: FlaskClient, plans: PlanStore, path: str
) -> None:
    _, location, _ = prescribe(ann, exercise(rows(ann)["a06-curl-ups"]))
    page = Controls()
    page.feed(ann.get(path.format(plan=location)).text)
    assert page.scripts == 0
    unlabelled = [c for c in page.controls if c.get("id") not in page.labelled]
    assert unlabelled == []
    if "new" in path or "edit" in path:
        assert len(page.controls) > 60  # the whole handout, each blank labelled


def test_accounts_count_failures_per_address_in_any_store(any_store: Store) -> None:
    accounts = accounts_for(any_store)
    assert accounts.add(ANN, hash_password(PASSWORD))
    assert not accounts.add(ANN, hash_password("another long password"))  # kept as it was
    assert password_matches(accounts.password_hash(ANN), PASSWORD)
    assert not password_matches(accounts.password_hash(ANN), "another long password")
    assert not password_matches(accounts.password_hash(BOB), PASSWORD)
    assert [accounts.fail(ANN) for _ in range(3)] == [1, 2, 3]
    assert accounts.failures(ANN) == 3 and accounts.failures(BOB) == 0
    accounts.clear(ANN)
    assert accounts.failures(ANN) == 0
    with pytest.raises(AccountError):
        hash_password("short")
    with pytest.raises(AccountError):
        normal_email("not an address")
    assert normal_email(" Ann@Clinic.Example ") == ANN


def test_the_webhook_runs_none_of_the_clinics_request_hooks(app: Flask) -> None:
    """Flask-WTF's and Flask-Login's request hooks run under /clinic, where they do
    their work, and not for POST /alexa, where they did nothing but cost time."""
    ran: list[str] = []

    def spied(hook: Any) -> Any:
        def run(*args: Any) -> Any:
            ran.append(hook.__name__)
            return hook(*args)

        return run

    for hooks in (app.before_request_funcs, app.after_request_funcs):
        for scope, functions in hooks.items():
            hooks[scope] = [spied(function) for function in functions]
    client = https_client(app)
    client.post("/alexa", json={"version": "1.0"})
    assert ran == []
    client.get("/clinic/sign-in")
    assert {"csrf_protect", "csrf_checked", "_update_remember_cookie", "page_headers"} <= set(ran)


def test_sign_out_still_clears_a_remember_cookie(app: Flask) -> None:
    """Flask-Login's remember-cookie hook, now scoped to /clinic, still does its one job
    here: a remember cookie (never set by the clinic) is cleared at sign-out."""
    add_clinician(app, ANN)
    client = https_client(app)
    assert sign_in(client, ANN) == 302
    client.set_cookie("remember_token", "stale", path="/clinic")
    out = client.post("/clinic/sign-out", data={"csrf_token": token(client, "/clinic/")})
    cleared = [c for c in out.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
    assert cleared and "Expires=Thu, 01 Jan 1970" in cleared[0]


def test_only_the_clinic_opens_a_session(ann: FlaskClient) -> None:
    """The webhook's answers neither read nor write the clinic's session (Flask marks a
    read session with "Vary: Cookie"), so POST /alexa pays nothing for it."""
    assert "Cookie" in ann.get("/clinic/").headers.get("Vary", "")
    for answer in (ann.get("/healthz"), ann.post("/alexa", json={"version": "1.0"})):
        assert "Cookie" not in answer.headers.get("Vary", ""), answer.request.path
        assert "Set-Cookie" not in answer.headers, answer.request.path
