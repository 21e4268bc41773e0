"""Prescriptions ("plans") in Redis, the six-digit codes that link them, and the links.

``RedisPlanStore`` is the ``PlanStore`` (``base.py``) of a ``RedisStore``; the embedded
store has its own (``memory_store.MemoryPlanStore``) with the same contract.

Keys (a plan is not a person's, so it has no user hash tag):

- ``backcoach:plan:<plan id>``         string: the plan as JSON, no expiry
- ``backcoach:plan:<plan id>:users``   set: the user keys linked to the plan
- ``backcoach:plan:code:<code>``       string: the plan id, SET NX with a 7-day expiry
- ``backcoach:plan:code:<code>:links`` counter: people linked with the code (same expiry)
- ``backcoach:plans``                  sorted set: plan ids by creation time
- ``backcoach:codefails:<hour>``       counter: failed code checks of all accounts this hour
- ``backcoach:{<user key>}:plan``      string: the person's link (plan id, time, exercises)
- ``backcoach:{<user key>}:codetries`` counter: code attempts this hour (INCR + EXPIRE)

Guessing a code (issue 16): a code links as many people as its plan allows (default
one), each account has ``TRIES_PER_HOUR`` tries an hour that a success does not give
back, and once ``FAILED_CHECKS_PER_HOUR`` wrong codes have been tried across all
accounts in a clock hour, every account hears "try again later" until the next.

The link copies the plan's exercises, so a session's start reads it in the same
pipeline as the rest of the person's record (two round trips per new session).
The patient label stays in the plan: never in a person's keys, never in a log.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from .base import (
    LinkedRecords,
    LinkResult,
    PlanStore,
    heard_link,
    revised_link,
    revised_plan,
)
from .codec import decode, decode_all, encode
from .keys import PREFIX, keys_for_user_key
from .redis_store import RedisStore, _unavailable_on_error

CODE_TTL = 7 * 86_400  # seconds: a link code is valid for seven days
CODE_DIGITS = 6
TRIES_PER_HOUR = 5
TRIES_WINDOW = 3_600  # seconds
FAILED_CHECKS_PER_HOUR = 30  # wrong codes across all accounts before linking pauses
LINKS_PER_CODE = 1  # people one code links, unless the plan says otherwise
PLANS = f"{PREFIX}:plans"


def failed_checks_key(at: str) -> str:
    """The counter of wrong codes in the clock hour of ``at`` (ISO time, UTC)."""
    return f"{PREFIX}:codefails:{at[:13]}"


def links_key(code: str) -> str:
    return f"{code_key(code)}:links"


def links_allowed(plan: dict[str, Any]) -> int:
    allowed = plan.get("links_allowed")
    return allowed if isinstance(allowed, int) and allowed >= 1 else LINKS_PER_CODE


def plan_key(plan_id: str) -> str:
    return f"{PREFIX}:plan:{plan_id}"


def users_key(plan_id: str) -> str:
    return f"{PREFIX}:plan:{plan_id}:users"


def code_key(code: str) -> str:
    return f"{PREFIX}:plan:code:{code}"


def normalise_code(spoken: str | None) -> str | None:
    """Six digits from "123456", "123 456" or "one two three four five six", else None."""
    if not spoken:
        return None
    words = {
        "zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3",
        "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
    }  # fmt: skip
    digits = ""
    for token in spoken.lower().replace("-", " ").split():
        if token.isdigit():
            digits += token
        elif token in words:
            digits += words[token]
        else:
            return None
    return digits if len(digits) == CODE_DIGITS else None


__all__ = [
    "CODE_DIGITS",
    "CODE_TTL",
    "FAILED_CHECKS_PER_HOUR",
    "LINKS_PER_CODE",
    "TRIES_PER_HOUR",
    "TRIES_WINDOW",
    "LinkResult",
    "LinkedRecords",
    "PlanStore",
    "RedisPlanStore",
    "new_code_text",
    "normalise_code",
]


def new_code_text() -> str:
    """Six random digits (``secrets``: a code must not be guessable from another)."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


class RedisPlanStore:
    """Plans, codes and links over a RedisStore's client and salt."""

    def __init__(
        self,
        store: RedisStore,
        *,
        code_ttl: int = CODE_TTL,
        tries_per_hour: int = TRIES_PER_HOUR,
        failed_checks: int = FAILED_CHECKS_PER_HOUR,
    ) -> None:
        self.store = store
        self.code_ttl = code_ttl
        self.tries_per_hour = tries_per_hour
        self.failed_checks = failed_checks

    @property
    def client(self) -> Any:
        return self.store.client

    # -- the clinician's side (the CLI) ------------------------------------------

    def create(
        self, prescription: dict[str, Any], created_at: str, links: int = LINKS_PER_CODE
    ) -> tuple[str, str]:
        """Store a plan and a fresh link code for it: (plan id, code).  Each of its
        codes links at most ``links`` people."""
        plan_id = secrets.token_hex(8)
        plan = {"id": plan_id, "created_at": created_at, "links_allowed": links, **prescription}
        with _unavailable_on_error("plan create"):
            self.client.set(plan_key(plan_id), encode(plan))
            self.client.zadd(PLANS, {plan_id: time.time()})
            code = self.new_code(plan_id)
        return plan_id, code

    def new_code(self, plan_id: str) -> str:
        """A six-digit code unique among live codes (SET NX), valid for ``code_ttl``."""
        for _ in range(100):
            code = new_code_text()
            if self.client.set(code_key(code), plan_id, nx=True, ex=self.code_ttl):
                return code
        raise RuntimeError("could not find a free link code; too many live codes")

    def plan(self, plan_id: str) -> dict[str, Any] | None:
        with _unavailable_on_error("plan read"):
            return decode(self.client.get(plan_key(plan_id)), "plan")

    def plan_for_code(self, code: str) -> dict[str, Any] | None:
        with _unavailable_on_error("code read"):
            plan_id = self.client.get(code_key(code))
        return self.plan(plan_id) if plan_id else None

    def revoke(self, code: str) -> bool:
        """The code links no one any more; False if there was no such code."""
        with _unavailable_on_error("code revoke"):
            return bool(self.client.delete(code_key(code), links_key(code)) > 0)

    def unlink(self, plan_id: str, hashed: str) -> bool:
        """Take one linked person (by user key) off a plan: their next session follows
        the default routine.  False if they were not linked to it."""
        keys = keys_for_user_key(hashed)
        with _unavailable_on_error("unlink"):
            # The person's link first, the plan's set (another cluster slot) after: a
            # failure between them leaves the set to the next try, which then says so.
            link = decode(self.client.get(keys.plan), "plan link")
            if link and link.get("plan") == plan_id:
                self.client.delete(keys.plan)
            removed = self.client.srem(users_key(plan_id), hashed)
        return bool(removed)

    def codes(self, plan_id: str) -> list[tuple[str, int]]:
        """The live codes of a plan and their seconds left (a scan: CLI use only)."""
        found = []
        with _unavailable_on_error("code scan"):
            for key in self.client.scan_iter(match=code_key("*"), count=500):
                if not key.endswith(":links") and self.client.get(key) == plan_id:
                    found.append((key.rsplit(":", 1)[-1], int(self.client.ttl(key))))
        return sorted(found)

    def plans(self) -> list[dict[str, Any]]:
        with _unavailable_on_error("plan list"):
            ids = self.client.zrange(PLANS, 0, -1)
            texts = [self.client.get(plan_key(i)) for i in ids]
        return decode_all([t for t in texts if t is not None], "plan")

    def linked_users(self, plan_id: str) -> list[str]:
        with _unavailable_on_error("plan users read"):
            return sorted(self.client.smembers(users_key(plan_id)))

    def user_records(self, hashed: str) -> LinkedRecords:
        """A linked person's history, pain log, time zone and link, by their user key."""
        keys = keys_for_user_key(hashed)
        with _unavailable_on_error("report read"), self.client.pipeline(False) as pipe:
            pipe.lrange(keys.history, 0, -1)
            pipe.lrange(keys.pain, 0, -1)
            pipe.get(keys.time_zone)
            pipe.get(keys.plan)
            history, pains, zone, link = pipe.execute()
        return LinkedRecords(
            decode_all(history, "history record"),
            decode_all(pains, "pain event"),
            zone or None,
            decode(link, "plan link"),
        )

    def revise(self, plan_id: str, prescription: dict[str, Any], at: str) -> int | None:
        with _unavailable_on_error("plan revise"):
            plan = decode(self.client.get(plan_key(plan_id)), "plan")
            if plan is None:
                return None
            revised = revised_plan(plan, prescription, at)
            self.client.set(plan_key(plan_id), encode(revised))
            for hashed in self.client.smembers(users_key(plan_id)):
                key = keys_for_user_key(hashed).plan
                link = decode(self.client.get(key), "plan link")
                if link and link.get("plan") == plan_id:
                    self.client.set(key, encode(revised_link(link, revised)))
        return int(revised["version"])

    # -- the person's side (the skill) --------------------------------------------

    def change_heard(self, user_id: str, version: int) -> None:
        key = self.store.keys(user_id).plan
        with _unavailable_on_error("plan change heard"):
            heard = heard_link(decode(self.client.get(key), "plan link"), version)
            if heard is not None:
                self.client.set(key, encode(heard))

    def link(self, user_id: str, code: str, at: str) -> LinkResult:
        """Link the person to the plan of ``code``, within the tries limits and the
        code's number of links."""
        keys = self.store.keys(user_id)
        hashed = self.store.hashed(user_id)
        failed = failed_checks_key(at)
        with _unavailable_on_error("link"):
            with self.client.pipeline(transaction=False) as pipe:
                pipe.incr(keys.code_tries)
                pipe.expire(keys.code_tries, TRIES_WINDOW, nx=True)
                pipe.get(failed)
                pipe.get(code_key(code))
                pipe.get(keys.plan)
                tries, _, failures, plan_id, old_text = pipe.execute()
            if int(tries) > self.tries_per_hour or int(failures or 0) >= self.failed_checks:
                return LinkResult("limited")
            plan = decode(self.client.get(plan_key(plan_id)), "plan") if plan_id else None
            if plan is None:
                with self.client.pipeline(transaction=False) as pipe:
                    pipe.incr(failed)
                    pipe.expire(failed, TRIES_WINDOW + 60, nx=True)
                    pipe.execute()
                return LinkResult("unknown")
            old = decode(old_text, "plan link")
            if old and old.get("plan") == plan["id"]:
                return LinkResult("linked", plan)  # again: no use of the code spent
            if not self._count_use(code, plan, hashed):
                return LinkResult("unknown")  # used up: said like any code that fails
            if old and old.get("plan") not in (None, plan["id"]):
                # Before the new link: should that fail, the person's next try still
                # finds the old plan and takes them off its set again (no stale member).
                self.client.srem(users_key(str(old["plan"])), hashed)
            link = {"plan": plan["id"], "at": at, "exercises": plan["exercises"]}
            self.client.set(keys.plan, encode(link))
        return LinkResult("linked", plan)

    def _count_use(self, code: str, plan: dict[str, Any], hashed: str) -> bool:
        """Put the person in the plan's set, spending one of the code's links unless
        they were in it already; False (and the set as it was) when none is left.

        The set, the code's counter and the person's link are three slots of a Redis
        Cluster, written one after another: a failure between them (a master failing
        over) leaves the person in the set, and their next try links them without
        spending the code again, where the counter first would have spent it for
        nothing (a one-person code, lost)."""
        if not self.client.sadd(users_key(plan["id"]), hashed):
            return True  # counted by an earlier try that did not finish
        if int(self.client.incr(links_key(code))) > links_allowed(plan):
            self.client.srem(users_key(plan["id"]), hashed)
            return False
        self.client.expire(links_key(code), self.code_ttl, nx=True)
        return True
