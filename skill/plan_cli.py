"""``backcoach plan create|show|list`` and ``backcoach report``: the clinician's side.

These need Redis (``REDIS_URL``): the codes they print are for the skill to read.
The patient label is printed here, to the clinician, and nowhere else.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .coach.catalog import Catalog, ContentError, load_catalog
from .coach.prescription import load_prescription
from .coach.progress import adherence, local_date, record_day
from .printable import printable, printable_tree
from .store import RedisStore, StoreUnavailableError
from .store.base import PlanStore
from .timezone import zone_named

ACTIONS = {
    "gentle_offered": "offered a gentler routine",
    "stopped": "routine stopped, advised to contact the physician",
    "urgent_stop": "stopped at once, advised urgent care",
    "advised": "advised to rest and contact the physician if it continues",
    "slowed": "slowed the pace, fewer repetitions",
    "reassured": "reassured (muscle soreness), routine as usual",
}
KINDS = {
    "pain": "pain",
    "discomfort": "discomfort",
    "soreness": "muscle soreness",
    "red_flag": "red-flag symptom",
}


def add_plan_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="plan_command", required=True)
    create = actions.add_parser("create", help="store a prescription file and print a link code")
    create.add_argument("file", type=Path, help="the prescription, YAML")
    show = actions.add_parser("show", help="show the plan a link code belongs to")
    show.add_argument("code", help="the six-digit link code")
    actions.add_parser("list", help="list the stored plans")


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", help="a link code of the plan")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def _plan_store() -> PlanStore | None:
    url = os.environ.get("REDIS_URL")
    if not url:
        print(
            "backcoach: REDIS_URL is not set. Plans are kept in the skill's Redis "
            "(for example REDIS_URL=redis://localhost:6379/0).",
            file=sys.stderr,
        )
        return None
    return RedisStore.from_url(url, socket_timeout=5.0, connect_timeout=5.0).plan_store()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def plan_command(args: argparse.Namespace) -> int:
    try:
        catalog = load_catalog()
        prescription = (
            load_prescription(args.file, catalog) if args.plan_command == "create" else None
        )
    except ContentError as error:
        print(f"backcoach: prescription error: {error}", file=sys.stderr)
        return 2
    plans = _plan_store()
    if plans is None:
        return 2
    try:
        if prescription is not None:
            plan_id, code = plans.create(prescription.to_dict(), _now())
            days = plans.code_ttl // 86_400
            print(f"plan {plan_id}: {len(prescription.exercises)} exercises")
            print(f"link code: {code} (valid for {days} days)")
            return 0
        if args.plan_command == "show":
            plan = plans.plan_for_code(args.code)
            if plan is None:
                print(f"backcoach: no live plan for code {args.code}", file=sys.stderr)
                return 1
            print(describe_plan(plan, catalog, plans))
            return 0
        for plan in plans.plans():
            print(_plan_line(plan, len(plans.linked_users(plan["id"]))))
        return 0
    except StoreUnavailableError as error:
        print(f"backcoach: {error}", file=sys.stderr)
        return 2


def _plan_line(stored: dict[str, Any], linked: int) -> str:
    plan = printable_tree(stored)
    patient = plan.get("patient") or "-"
    count = len(plan.get("exercises") or [])
    created = plan.get("created_at", "?")
    return f"{plan['id']}  {created}  {patient}  {count} exercises, {linked} linked"


def describe_plan(stored: dict[str, Any], catalog: Catalog, plans: PlanStore) -> str:
    plan = printable_tree(stored)
    lines = [f"plan {plan['id']} (created {plan.get('created_at', '?')})"]
    if plan.get("patient"):
        lines.append(f"patient: {plan['patient']}")
    if plan.get("note"):
        lines.append(f"note: {plan['note']}")
    for number, item in enumerate(plan.get("exercises") or [], 1):
        name = catalog[item["id"]].full_name if item["id"] in catalog else item["id"]
        figures = ", ".join(
            f"{label} {item[key]}"
            for key, label in (
                ("variant", "version"),
                ("hold_seconds", "hold s"),
                ("reps", "reps"),
                ("sets", "sets"),
                ("rest_seconds", "rest s"),
            )
            if item.get(key) is not None
        )
        lines.append(f"  {number}. {name} [{item['id']}] {figures}")
    for code, ttl in plans.codes(stored["id"]):
        lines.append(f"code {printable(code)}: {ttl // 3600} hours left")
    lines.append(f"linked: {len(plans.linked_users(stored['id']))}")
    return "\n".join(lines)


def report_command(args: argparse.Namespace) -> int:
    try:
        catalog = load_catalog()
    except ContentError as error:
        print(f"backcoach: content error: {error}", file=sys.stderr)
        return 2
    plans = _plan_store()
    if plans is None:
        return 2
    try:
        plan = plans.plan_for_code(args.code)
        if plan is None:
            print(f"backcoach: no live plan for code {args.code}", file=sys.stderr)
            return 1
        report = build_report(plan, plans, catalog, datetime.now(UTC))
    except StoreUnavailableError as error:
        print(f"backcoach: {error}", file=sys.stderr)
        return 2
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(report_text(report))
    return 0


def build_report(
    plan: dict[str, Any], plans: PlanStore, catalog: Catalog, now: datetime
) -> dict[str, Any]:
    """Each linked person's adherence and pain events, in days of their Echo's time
    zone (UTC when the skill has not learnt it)."""
    people = []
    for number, hashed in enumerate(plans.linked_users(plan["id"]), 1):
        history, pains, zone_name = plans.user_records(hashed)
        zone = zone_named(zone_name)
        today = local_date(now, zone)
        events = []
        for event in pains:
            exercise = event.get("exercise")
            day = record_day(event, zone)
            events.append(
                {
                    "date": day.isoformat() if day else None,
                    "at": event.get("at"),
                    "exercise": exercise,
                    "exercise_name": (
                        catalog[exercise].full_name
                        if isinstance(exercise, str) and exercise in catalog
                        else None
                    ),
                    "kind": event.get("kind"),
                    "kind_words": KINDS.get(str(event.get("kind")), event.get("kind")),
                    "action": event.get("action"),
                    "action_words": ACTIONS.get(str(event.get("action")), event.get("action")),
                    "words": event.get("words"),
                }
            )
        people.append(
            {
                "person": number,
                "time_zone": zone_name if zone is not None else "UTC",
                "today": today.isoformat(),
                "adherence": adherence(history, today, zone).to_dict(),
                "pain_events": events,
            }
        )
    return {
        "plan": plan["id"],
        "patient": plan.get("patient"),
        "date": now.astimezone(UTC).date().isoformat(),
        "linked": people,
    }


def report_text(stored: dict[str, Any]) -> str:
    """The report for a terminal: every stored text made printable first."""
    report = printable_tree(stored)
    lines = [f"Report for plan {report['plan']} on {report['date']} (UTC)"]
    if report.get("patient"):
        lines.append(f"Patient: {report['patient']}")
    if not report["linked"]:
        lines.append("No one has linked this plan yet.")
    for person in report["linked"]:
        a = person["adherence"]
        s = a["sessions"]
        lines.append(
            f"Linked device {person['person']} (days in {person['time_zone']}, "
            f"today {person['today']}):"
        )
        lines.append(
            f"  sessions: {s['finished']} finished, {s['stopped']} stopped, {s['paused']} paused"
        )
        lines.append(
            f"  days exercised: {a['days_exercised_last_7']} in the last 7 days, "
            f"{a['days_exercised_last_28']} in the last 28; current streak "
            f"{a['streak_days']} days; last {a['last_exercised'] or 'never'}"
        )
        if not person["pain_events"]:
            lines.append("  pain reports: none")
        for e in person["pain_events"]:
            lines.append(
                f"  {e['date']}: {e['kind_words']} during {e['exercise_name'] or 'no exercise'}"
                f' ("{e["words"]}"): {e["action_words"]}'
            )
    return "\n".join(lines)
