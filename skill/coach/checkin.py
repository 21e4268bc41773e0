"""Whether to ask how the back is at a launch: after a routine with a pain report.

The asking and the answers are the coach's (``Phase.CHECK_IN``, the ``Launch`` and
``CheckInAnswer`` events): better or the same gives the usual routine; worse is pain
that persisted and stops exercise for the day (handout A: "Should pain persist,
discontinue exercises and contact your physician immediately").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .reply import PainEvent


def needs_check_in(last_session: Mapping[str, Any] | None, last_pain: PainEvent | None) -> bool:
    """The last routine had a pain report (not a red flag: that has its own advice)."""
    if last_session is None or last_pain is None or last_pain.kind != "pain":
        return False
    pains = last_session.get("pains")
    return isinstance(pains, int) and pains > 0
