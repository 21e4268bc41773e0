"""The run's figures: from the patients' answers (latency, throughput, 5xx, degraded
service) and from the instances' logs (failed saves, journal entries kept and replayed)."""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .patients import Answer, Ledger

# turn.py logs the request id of every answer given without the store.
DEGRADED = re.compile(r"request (\S+): store unavailable")
FAILED_SAVE = re.compile(r"store unavailable on write")
JOURNALED = re.compile(r"kept a save in the local journal")
REPLAYED = re.compile(r"replayed (\d+) journal entries")


@dataclass(frozen=True)
class LogCounts:
    degraded_ids: frozenset[str]
    failed_saves: int
    journaled: int
    replayed: int


def read_logs(logs: Sequence[Path]) -> LogCounts:
    ids: set[str] = set()
    failed = journaled = replayed = 0
    for log in logs:
        text = log.read_text(errors="replace")
        ids.update(DEGRADED.findall(text))
        failed += len(FAILED_SAVE.findall(text))
        journaled += len(JOURNALED.findall(text))
        replayed += sum(int(n) for n in REPLAYED.findall(text))
    return LogCounts(frozenset(ids), failed, journaled, replayed)


def percentile(values: Sequence[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def answers_of(ledgers: Sequence[Ledger]) -> list[Answer]:
    return [answer for ledger in ledgers for answer in ledger.answers]


def traffic(ledgers: Sequence[Ledger], started: float) -> dict[str, float | int]:
    answers = answers_of(ledgers)
    seconds = [a.seconds for a in answers]
    span = max((a.at for a in answers), default=started) - started
    return {
        "concurrent_patients_peak": peak_concurrency(ledgers),
        "turns": len(answers),
        "rps": round(len(answers) / span, 1) if span > 0 else 0.0,
        "p50_ms": round(statistics.median(seconds) * 1000, 1) if seconds else 0.0,
        "p99_ms": round(percentile(seconds, 0.99) * 1000, 1),
        "max_ms": round(max(seconds, default=0.0) * 1000, 1),
        "errors_5xx": sum(1 for a in answers if a.status >= 500 or a.status == 0),
        "unspoken_answers": sum(1 for a in answers if not a.spoken),
    }


def peak_concurrency(ledgers: Sequence[Ledger]) -> int:
    """The most patients in the middle of their routine at once (first to last answer)."""
    edges: list[tuple[float, int]] = []
    for ledger in ledgers:
        if ledger.answers:
            edges.append((ledger.answers[0].at - ledger.answers[0].seconds, 1))
            edges.append((ledger.answers[-1].at, -1))
    peak = active = 0
    for _at, step in sorted(edges):
        active += step
        peak = max(peak, active)
    return peak


def degraded(ledgers: Sequence[Ledger], counts: LogCounts) -> dict[str, float | int]:
    """Answers the webhook gave without the store (from the session), and the seconds
    between the first and the last of them."""
    hit = [a for a in answers_of(ledgers) if a.request_id in counts.degraded_ids]
    span = max((a.at for a in hit), default=0.0) - min((a.at for a in hit), default=0.0)
    return {
        "degraded_answers": len(hit),
        "degraded_seconds": round(span, 1),
        "failed_saves": counts.failed_saves,
        "journaled_saves": counts.journaled,
        "journal_replays": counts.replayed,
    }


def per_instance(ledgers: Sequence[Ledger]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for answer in answers_of(ledgers):
        counts[answer.upstream or "?"] = counts.get(answer.upstream or "?", 0) + 1
    return counts
