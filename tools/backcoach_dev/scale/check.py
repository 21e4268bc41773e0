"""The run checked against the patients' own ledgers, read back from the cluster.

- every pain report and red flag a patient heard acknowledged is in their pain log
  exactly once (by the event id, the acknowledged request's), and nothing else is;
- the coach state their Echo last held is what Redis keeps (phase, exercise, done);
- a red flag's lockout is in force: the person's version hash holds today's lock, and
  the patient heard it on opening the skill again, unless that launch found the store
  unreadable (the failover's seconds): a new session without its record is welcomed
  and may start (the hardening issue's choice), so that launch is counted apart;
- every session record is there once (no id twice), and a linked patient is in the
  plan's set of linked people.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from skill.store import RedisStore

from .patients import Ledger

POSITION = ("ph", "i", "d", "sr")  # where a patient is: phase, exercise, done, stop reason


@dataclass
class Findings:
    lost_events: int = 0
    duplicate_events: int = 0
    unexpected_events: int = 0
    lost_progress: int = 0
    lockouts_missing: int = 0
    lockouts_unheard_degraded: int = 0  # the relaunch found the store unreadable
    duplicate_history: int = 0
    links_missing: int = 0
    events_expected: int = 0
    problems: list[str] = field(default_factory=list)

    def note(self, ledger: Ledger, what: str) -> None:
        if len(self.problems) < 20:
            self.problems.append(f"patient {ledger.script.number}: {what}")

    @property
    def clean(self) -> bool:
        return not (
            self.lost_events
            or self.duplicate_events
            or self.unexpected_events
            or self.lost_progress
            or self.lockouts_missing
            or self.duplicate_history
            or self.links_missing
        )


def position(state: dict[str, Any] | None) -> dict[str, Any]:
    return {key: (state or {}).get(key) for key in POSITION}


def check(
    store: RedisStore,
    ledgers: list[Ledger],
    plan_id: str | None,
    degraded_ids: frozenset[str] = frozenset(),
) -> Findings:
    findings = Findings()
    linked = set(store.plan_store().linked_users(plan_id)) if plan_id else set()
    today = datetime.now(UTC).date().isoformat()
    for ledger in ledgers:
        _events(store, ledger, findings)
        _progress(store, ledger, findings)
        _lockout(store, ledger, findings, today, degraded_ids)
        if ledger.linked and store.hashed(ledger.user_id) not in linked:
            findings.links_missing += 1
            findings.note(ledger, "linked, but not in the plan's set of linked people")
    return findings


def _events(store: RedisStore, ledger: Ledger, findings: Findings) -> None:
    stored = Counter(str(event.get("id")) for event in store.pain_log(ledger.user_id))
    findings.events_expected += len(ledger.events)
    for event_id in ledger.events:
        if stored[event_id] == 0:
            findings.lost_events += 1
            findings.note(ledger, f"acknowledged {ledger.events[event_id]} event not stored")
        elif stored[event_id] > 1:
            findings.duplicate_events += stored[event_id] - 1
            findings.note(
                ledger, f"{ledger.events[event_id]} event stored {stored[event_id]} times"
            )
    findings.unexpected_events += sum(n for key, n in stored.items() if key not in ledger.events)
    history = Counter(str(record.get("id")) for record in store.history(ledger.user_id))
    findings.duplicate_history += sum(n - 1 for n in history.values() if n > 1)


def _progress(store: RedisStore, ledger: Ledger, findings: Findings) -> None:
    if ledger.state is None:
        return
    kept = store.load(ledger.user_id).state
    if position(kept) != position(ledger.state):
        findings.lost_progress += 1
        findings.note(ledger, f"left at {position(ledger.state)}, stored {position(kept)}")


def _lockout(
    store: RedisStore, ledger: Ledger, findings: Findings, today: str, degraded: frozenset[str]
) -> None:
    if ledger.script.red_flag_at is None or "red_flag" not in ledger.events.values():
        return
    lock = store.client.hget(store.keys(ledger.user_id).version, "lock")
    if lock != today:
        findings.lockouts_missing += 1
        findings.note(ledger, f"red flag acknowledged, stored lock {lock!r}")
    elif not ledger.lockout_heard and ledger.relaunch_id in degraded:
        findings.lockouts_unheard_degraded += 1
    elif not ledger.lockout_heard:
        findings.lockouts_missing += 1
        findings.note(ledger, "the lockout was not heard on opening the skill again")


__all__ = ["Findings", "check", "position"]
