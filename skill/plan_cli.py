"""``backcoach plan create|show|list`` and ``backcoach report``: the clinician's side.

These need Redis (``REDIS_URL``): the codes they print are for the skill to read.
The patient label is printed here, to the clinician, and nowhere else.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .clinic.accounts import AccountError, RedisAccounts, normal_email
from .coach.catalog import Catalog, ContentError, load_catalog
from .coach.prescription import load_prescription
from .coach.progress import adherence, days_exercised, local_date, record_day
from .printable import printable, printable_tree
from .store import RedisStore, StoreUnavailableError
from .store.base import PlanStore
from .store.plans import CODE_DIGITS, LINKS_PER_CODE, RedisPlanStore
from .timezone import zone_named

MAX_LINKS = 100  # people one code may link, at most
PLAN_ID = re.compile(r"[0-9a-f]{16}")  # secrets.token_hex(8)
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
    create.add_argument(
        "--links",
        type=int,
        default=LINKS_PER_CODE,
        choices=range(1, MAX_LINKS + 1),
        metavar=f"1-{MAX_LINKS}",
        help=f"how many people each code of the plan may link (default {LINKS_PER_CODE})",
    )
    create.add_argument(
        "--clinician",
        metavar="EMAIL",
        default=None,
        help="the clinician who owns the plan: it shows on their /clinic pages "
        "(without it, the plan is the CLI's only)",
    )
    show = actions.add_parser("show", help="show a plan")
    show.add_argument("code", help="the six-digit link code or the plan id")
    actions.add_parser("list", help="list the stored plans")
    revoke = actions.add_parser("revoke", help="make a link code link no one any more")
    revoke.add_argument("code", help="the six-digit link code")
    unlink = actions.add_parser("unlink", help="take a linked device off a plan")
    unlink.add_argument("code", help="the six-digit link code or the plan id")
    unlink.add_argument("device", type=int, help="the device's number in `backcoach report`")


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", help="a link code of the plan, or the plan id")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def find_plan(plans: PlanStore, code_or_id: str) -> dict[str, Any] | None:
    """The plan of a six-digit code, or of a plan id (codes expire; ids do not)."""
    if code_or_id.isdigit() and len(code_or_id) == CODE_DIGITS:
        return plans.plan_for_code(code_or_id)
    return plans.plan(code_or_id) if PLAN_ID.fullmatch(code_or_id) else None


def redis_store() -> RedisStore | None:
    """The skill's Redis, from ``REDIS_URL`` (None, with why on stderr, when unset)."""
    url = os.environ.get("REDIS_URL")
    if not url:
        print(
            "backcoach: REDIS_URL is not set. Plans are kept in the skill's Redis "
            "(for example REDIS_URL=redis://localhost:6379/0).",
            file=sys.stderr,
        )
        return None
    return RedisStore.from_url(url, socket_timeout=5.0, connect_timeout=5.0)


def _plan_store() -> PlanStore | None:
    store = redis_store()
    return store.plan_store() if store is not None else None


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
            owner = _owner(args.clinician, plans)
            if owner is False:
                return 1
            stored = prescription.to_dict() | ({"owner": owner} if owner else {})
            plan_id, code = plans.create(stored, _now(), args.links)
            days = plans.code_ttl // 86_400
            print(f"plan {plan_id}: {len(prescription.exercises)} exercises")
            people = "1 person" if args.links == 1 else f"{args.links} people"
            print(f"link code: {code} (valid for {days} days, links {people})")
            return 0
        if args.plan_command == "revoke":
            if not plans.revoke(args.code):
                print(f"backcoach: no live code {printable(args.code)}", file=sys.stderr)
                return 1
            print(f"code {args.code} revoked: it links no one any more")
            return 0
        if args.plan_command in ("show", "unlink"):
            plan = find_plan(plans, args.code)
            if plan is None:
                print(f"backcoach: no plan for {printable(args.code)}", file=sys.stderr)
                return 1
            if args.plan_command == "unlink":
                return unlink_device(plans, plan, args.device)
            print(describe_plan(plan, catalog, plans))
            return 0
        for plan in plans.plans():
            print(_plan_line(plan, len(plans.linked_users(plan["id"]))))
        return 0
    except StoreUnavailableError as error:
        print(f"backcoach: {error}", file=sys.stderr)
        return 2


def _owner(email: str | None, plans: PlanStore) -> str | bool | None:
    """The owner for ``--clinician``: their stored address, None without the option,
    False (said on stderr) when no such clinician has an account."""
    if email is None:
        return None

    try:
        address = normal_email(email)
    except AccountError as error:
        print(f"backcoach: {error}", file=sys.stderr)
        return False
    if isinstance(plans, RedisPlanStore) and RedisAccounts(plans.store).password_hash(address):
        return address
    print(
        f"backcoach: no clinician {printable(address)} (backcoach clinician add)", file=sys.stderr
    )
    return False


def unlink_device(plans: PlanStore, plan: dict[str, Any], number: int) -> int:
    """Take device ``number`` (as `backcoach report` numbers them) off the plan."""
    linked = plans.linked_users(plan["id"])
    if not 1 <= number <= len(linked):
        print(f"backcoach: plan {plan['id']} has no linked device {number}", file=sys.stderr)
        return 1
    plans.unlink(plan["id"], linked[number - 1])
    print(f"device {number} unlinked from plan {plan['id']}: it follows the default routine")
    return 0


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
        plan = find_plan(plans, args.code)
        if plan is None:
            print(f"backcoach: no plan for {printable(args.code)}", file=sys.stderr)
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
    """Each linked person's adherence and pain events since they linked, in days of
    their Echo's time zone (UTC when the skill has not learnt it)."""
    people = []
    for number, hashed in enumerate(plans.linked_users(plan["id"]), 1):
        records = plans.user_records(hashed)
        zone_name = records.time_zone
        history = since(records.history, records.linked_at)
        pains = since(records.pains, records.linked_at)
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
                    "local_time": _local_time(event.get("at"), zone),
                }
            )
        people.append(
            {
                "person": number,
                "linked_at": records.linked_at,
                "time_zone": zone_name if zone is not None else "UTC",
                "today": today.isoformat(),
                "adherence": adherence(history, today, zone).to_dict(),
                "pain_events": events,
                "days_exercised": sorted(d.isoformat() for d in days_exercised(history, zone)),
                "exercises_done": _exercises_done(history, catalog),
            }
        )
    return {
        "plan": plan["id"],
        "patient": plan.get("patient"),
        "date": now.astimezone(UTC).date().isoformat(),
        "linked": people,
    }


def _local_time(value: object, zone: ZoneInfo | None) -> str | None:
    """A stored UTC time as the person's wall-clock time ("2026-11-21 09:05")."""
    moment = _instant(value)
    return moment.astimezone(zone or UTC).strftime("%Y-%m-%d %H:%M") if moment else None


def _exercises_done(history: list[dict[str, Any]], catalog: Catalog) -> dict[str, int]:
    """How many times each exercise was done, by its name, most done first."""
    counts: Counter[str] = Counter()
    for record in history:
        for exercise in record.get("done") or ():
            name = catalog[exercise].full_name if exercise in catalog else str(exercise)
            counts[name] += 1
    return dict(counts.most_common())


def since(records: list[dict[str, Any]], linked_at: str | None) -> list[dict[str, Any]]:
    """The records from the link on: what a person did before linking is not the
    plan's (and a record without a readable time is left out with them)."""
    start = _instant(linked_at)
    if start is None:
        return records
    kept = []
    for record in records:
        at = _instant(record.get("at"))
        if at is not None and at >= start:
            kept.append(record)
    return kept


def _instant(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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
            f"Linked device {person['person']} (linked {person['linked_at'] or '?'}; "
            f"days in {person['time_zone']}, today {person['today']}):"
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
