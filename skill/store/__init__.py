"""Persistence: per-person progress and history in Redis, or in memory for local runs.

See docs/ARCHITECTURE.md, 'State and storage'.  ``open_store`` picks the backend from ``REDIS_URL``.
"""

from __future__ import annotations

import logging

from .adapter import StorePersistenceAdapter
from .base import (
    DEFAULT_PROGRESS_TTL,
    SaveResult,
    Store,
    StoreUnavailableError,
    TimeZoneUpdate,
    UserRecord,
)
from .codec import MAX_RECORD_BYTES, RecordTooLargeError
from .journal import DEFAULT_JOURNAL, Journal, JournalError
from .keys import UserKeys, keys_for, user_key
from .memory_store import MemoryStore
from .redis_store import RedisStore

__all__ = [
    "DEFAULT_JOURNAL",
    "DEFAULT_PROGRESS_TTL",
    "MAX_RECORD_BYTES",
    "Journal",
    "JournalError",
    "MemoryStore",
    "RecordTooLargeError",
    "RedisStore",
    "SaveResult",
    "Store",
    "StorePersistenceAdapter",
    "StoreUnavailableError",
    "TimeZoneUpdate",
    "UserKeys",
    "UserRecord",
    "keys_for",
    "open_store",
    "user_key",
]

log = logging.getLogger(__name__)


def open_store(
    redis_url: str | None,
    *,
    cluster: bool = False,
    progress_ttl: int = DEFAULT_PROGRESS_TTL,
    salt: str = "",
    journal: str | None = None,
) -> Store:
    """The Redis store for ``redis_url`` (with the local journal at ``journal``), or
    the in-memory one when there is no URL."""
    if not redis_url:
        log.warning("no REDIS_URL: using the embedded in-memory store; state is lost on restart")
        return MemoryStore(progress_ttl=progress_ttl)
    store = RedisStore.from_url(
        redis_url,
        cluster=cluster,
        progress_ttl=progress_ttl,
        salt=salt,
        journal=Journal(journal or DEFAULT_JOURNAL),
    )
    log.info("storing state in %s; journal at %s", store.description, journal or DEFAULT_JOURNAL)
    return store
