"""Clinician accounts and the sign-in attempt limit, kept beside the plans.

A clinician is an email address and an Argon2id hash of their password (argon2-cffi's
PasswordHasher: its defaults are RFC 9106's low-memory profile, and ``needs_rehash``
tells when they move).  Failed sign-ins are counted per address and per client
address in a window; past the limit the address is locked until the window ends,
even for the right password.  Redis keeps both for the webhook and the CLI; the
embedded store's ``make run`` gets an in-memory copy (lost at exit, like its plans).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..store import RedisStore
from ..store.keys import PREFIX

MAX_FAILURES = 5  # failed sign-ins for one address within the window, then locked
MAX_FAILURES_PER_CLIENT = 20  # failed sign-ins from one client address within the window
FAILURE_WINDOW = 15 * 60  # seconds
MIN_PASSWORD = 12  # characters

_hasher = PasswordHasher()
# Checked when the address is unknown, so a wrong address costs what a wrong password does.
_DUMMY_HASH = _hasher.hash("not a password anyone has")


class AccountError(ValueError):
    """A clinician account that cannot be made (bad address, short password)."""


def normal_email(email: str) -> str:
    """The address as stored: trimmed and in lower case (AccountError if not one)."""
    text = email.strip().lower()
    local, _, domain = text.partition("@")
    if not local or "." not in domain or len(text) > 254 or any(c.isspace() for c in text):
        raise AccountError(f"not an email address: {email!r}")
    return text


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password needs at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def password_matches(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


class Accounts(Protocol):
    def add(self, email: str, password_hash: str) -> bool:
        """Store a clinician; False (nothing changed) if the address has an account."""
        ...

    def password_hash(self, email: str) -> str | None: ...

    def failures(self, key: str) -> int:
        """Failed sign-ins counted for ``key`` in the current window."""
        ...

    def fail(self, key: str) -> int:
        """Count one more failed sign-in for ``key``; the count now."""
        ...

    def clear(self, key: str) -> None: ...


def account_key(email: str) -> str:
    return f"{PREFIX}:clinician:{email}"


def failures_key(key: str) -> str:
    return f"{PREFIX}:signin-failures:{key}"


class RedisAccounts:
    def __init__(self, store: RedisStore) -> None:
        self.store = store

    @property
    def client(self) -> Any:
        return self.store.client  # connects on first use: the webhook starts without Redis

    def add(self, email: str, password_hash: str) -> bool:
        return bool(self.client.hsetnx(account_key(email), "hash", password_hash))

    def password_hash(self, email: str) -> str | None:
        found = self.client.hget(account_key(email), "hash")
        return str(found) if found else None

    def failures(self, key: str) -> int:
        return int(self.client.get(failures_key(key)) or 0)

    def fail(self, key: str) -> int:
        with self.client.pipeline(transaction=True) as pipe:
            pipe.incr(failures_key(key))
            pipe.expire(failures_key(key), FAILURE_WINDOW, nx=True)
            count, _ = pipe.execute()
        return int(count)

    def clear(self, key: str) -> None:
        self.client.delete(failures_key(key))


@dataclass
class _Count:
    count: int
    until: float


class MemoryAccounts:
    def __init__(self) -> None:
        self._hashes: dict[str, str] = {}
        self._counts: dict[str, _Count] = {}
        self._lock = threading.Lock()

    def add(self, email: str, password_hash: str) -> bool:
        with self._lock:
            return self._hashes.setdefault(email, password_hash) == password_hash

    def password_hash(self, email: str) -> str | None:
        return self._hashes.get(email)

    def failures(self, key: str) -> int:
        found = self._counts.get(key)
        return found.count if found and found.until > time.monotonic() else 0

    def fail(self, key: str) -> int:
        with self._lock:
            now = time.monotonic()
            found = self._counts.get(key)
            if found is None or found.until <= now:
                found = self._counts[key] = _Count(0, now + FAILURE_WINDOW)
            found.count += 1
            return found.count

    def clear(self, key: str) -> None:
        self._counts.pop(key, None)


def accounts_for(store: object) -> Accounts:
    """The accounts beside ``store``: in its Redis when it has one."""
    return RedisAccounts(store) if isinstance(store, RedisStore) else MemoryAccounts()
