"""Redis key names for one person.

The raw Alexa user id is long-lived and identifies a person's account, so it never
appears in a key (nor, therefore, in a Redis log, a slowlog or a key scan): keys
carry a salted SHA-256 of it.  The hashed part is wrapped in a hash tag, ``{...}``,
so every key of one person lands in the same Redis Cluster slot and one pipeline or
one Lua script can touch all of them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

PREFIX = "backcoach"
USER_KEY_LENGTH = 32  # hex characters: 128 bits, collisions are not a concern


def user_key(user_id: str, salt: str = "") -> str:
    """sha256(salt + user_id) in hex, first 32 characters."""
    digest = hashlib.sha256((salt + user_id).encode("utf-8")).hexdigest()
    return digest[:USER_KEY_LENGTH]


@dataclass(frozen=True, slots=True)
class UserKeys:
    progress: str  # string: the coach state as JSON, with an expiry
    pain: str  # list: pain events as JSON, append-only, no expiry
    history: str  # list: completed-session records as JSON, append-only, no expiry
    plan: str  # string: the linked prescription as JSON (plan id and exercises), no expiry
    code_tries: str  # counter: link-code attempts in the current hour
    time_zone: str  # string: the device's IANA time zone ("" when unknown), 30-day expiry
    # hash: the progress version ("v"), when it was written ("at"), "lock", who wrote it
    # ("by"), its fingerprint ("fp"), and the ids of the events already stored
    # (exactly once: "s<id>" -> when, the newest kept; "n" counts them)
    version: str
    seen: str  # a sorted set of stored ids, written by releases before 2026-12-01; deleted
    pain_days: str  # hash: pain reports per local day ("YYYY-MM-DD" -> count), last days only
    deleted: str  # string: when the person's data was deleted (ISO time), expires after a day

    @property
    def all(self) -> tuple[str, str, str, str]:
        """The keys every session writes."""
        return (self.progress, self.pain, self.history, self.version)

    @property
    def every(self) -> tuple[str, ...]:
        """Every key this person can have: what "delete my data" removes (the deletion
        marker is written by the deletion itself)."""
        return (
            *self.all,
            self.plan,
            self.code_tries,
            self.time_zone,
            self.version,
            self.seen,
            self.pain_days,
        )


def script_keys(hashed: str) -> tuple[str, ...]:
    """The keys the save script touches, in the order it names them (KEYS[1..7]): the
    names ``keys_for_user_key`` gives them, without building every key (each save)."""
    tag = f"{PREFIX}:{{{hashed}}}"
    return (
        f"{tag}:progress",
        f"{tag}:version",
        f"{tag}:pain",
        f"{tag}:history",
        f"{tag}:paindays",
        f"{tag}:tz",
        f"{tag}:deleted",
    )


def keys_for(user_id: str, salt: str = "") -> UserKeys:
    return keys_for_user_key(user_key(user_id, salt))


def keys_for_user_key(hashed: str) -> UserKeys:
    """The keys of the person whose (already hashed) user key this is."""
    tag = f"{PREFIX}:{{{hashed}}}"
    return UserKeys(
        progress=f"{tag}:progress",
        pain=f"{tag}:pain",
        history=f"{tag}:history",
        plan=f"{tag}:plan",
        code_tries=f"{tag}:codetries",
        time_zone=f"{tag}:tz",
        version=f"{tag}:version",
        seen=f"{tag}:seen",
        pain_days=f"{tag}:paindays",
        deleted=f"{tag}:deleted",
    )
