"""Alexa request verification (DESIGN.md §5): every request passes through here.

The checks that need no certificate (the request timestamp and the skill id) are
here now.  Signature and certificate-chain checks are the "Production path"
issue; until they exist, a server with verification on refuses every request
rather than trusting one it could not check.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

log = logging.getLogger(__name__)

MAX_REQUEST_AGE_SECONDS = 150


class VerificationError(Exception):
    """A request that must be refused with 400.  The message names the rule, never content."""


class Verifier(Protocol):
    def verify(self, headers: Mapping[str, str], body: bytes, payload: Mapping[str, Any]) -> None:
        """Raise :class:`VerificationError` unless the request may be handled."""


def check_timestamp(payload: Mapping[str, Any], now: datetime | None = None) -> None:
    request = payload.get("request")
    stamp = request.get("timestamp") if isinstance(request, Mapping) else None
    if not isinstance(stamp, str):
        raise VerificationError("timestamp: missing")
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        raise VerificationError("timestamp: unreadable") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    age = abs(((now or datetime.now(UTC)) - when).total_seconds())
    if age > MAX_REQUEST_AGE_SECONDS:
        raise VerificationError("timestamp: more than 150 seconds from now")


def application_id(payload: Mapping[str, Any]) -> str | None:
    for path in (("context", "System", "application"), ("session", "application")):
        node: Any = payload
        for key in path:
            node = node.get(key) if isinstance(node, Mapping) else None
        if isinstance(node, Mapping) and isinstance(node.get("applicationId"), str):
            return node["applicationId"]
    return None


def check_skill_id(payload: Mapping[str, Any], skill_id: str | None) -> None:
    if skill_id is not None and application_id(payload) != skill_id:
        raise VerificationError("application id: does not match ALEXA_SKILL_ID")


class SkillIdOnly:
    """Local runs (verification off): only the skill id, when one is configured."""

    def __init__(self, skill_id: str | None) -> None:
        self.skill_id = skill_id

    def verify(self, headers: Mapping[str, str], body: bytes, payload: Mapping[str, Any]) -> None:
        check_skill_id(payload, self.skill_id)


class SignatureNotAvailable:
    """Verification is on but signature checking is not built yet: refuse everything."""

    def verify(self, headers: Mapping[str, str], body: bytes, payload: Mapping[str, Any]) -> None:
        raise VerificationError("signature: checking is not available in this release")


def make_verifier(enabled: bool, skill_id: str | None) -> Verifier:
    if not enabled:
        log.warning(
            "ALEXA REQUEST VERIFICATION IS OFF: any caller can drive this skill. "
            "Use this only for local runs."
        )
        return SkillIdOnly(skill_id)
    return SignatureNotAvailable()
