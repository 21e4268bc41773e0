"""A durable local journal for what could not reach Redis when nothing else will carry it.

Mid-session, events Redis did not take travel in the session attributes to the next
request.  At a session's end (a red flag, "stop", a SessionEndedRequest) and for a
deletion there is no next request, so the save goes here instead: a SQLite file on
the instance (standard library, WAL, ``synchronous=FULL`` so a commit is on disk
before the answer), replayed into Redis by every worker once Redis answers again,
oldest first, deleting only what Redis acknowledged.  A replay is safe to repeat:
events carry ids Redis stores once, and progress is compare-and-set.

The journal is opened only when Redis has failed (and by the replay thread when the
file exists), never on the hot path.  Rows hold the hashed user key, never the raw
user id; pain events do hold the person's words, so the file is made owner-only.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_JOURNAL = "var/journal.sqlite3"
BUSY_TIMEOUT = 5.0  # seconds to wait for another worker's write transaction
REPLAY_BATCH = 100  # rows read per replay pass


class JournalError(Exception):
    """The journal could not be written (disk full, read-only, permissions)."""


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    op: str  # "save" or "delete"
    user_key: str  # the hashed user key (keys.user_key), never the raw user id
    args: list[str]  # the script's arguments, as they would have been sent


class Journal:
    """Append, list oldest first, remove: one SQLite file shared by the workers."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._pid = 0
        self.error: str | None = None  # the last write failure, until a write succeeds
        forget = weakref.WeakMethod(self._forget_after_fork)
        os.register_at_fork(after_in_child=lambda: (method := forget()) and method())

    def _forget_after_fork(self) -> None:
        # A SQLite connection must not cross a fork; the parent keeps (and closes) its own.
        self._lock = threading.Lock()
        self._connection = None

    def _connect(self) -> sqlite3.Connection:
        if self._connection is not None and self._pid == os.getpid():
            return self._connection
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
        )
        try:
            os.chmod(self.path, 0o600)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS entries ("
                " id INTEGER PRIMARY KEY AUTOINCREMENT,"
                " op TEXT NOT NULL, user_key TEXT NOT NULL, args TEXT NOT NULL,"
                " created REAL NOT NULL)"
            )
        except (sqlite3.Error, OSError):
            connection.close()
            raise
        self._connection, self._pid = connection, os.getpid()
        return connection

    def exists(self) -> bool:
        """Whether the file is there (a stat, no SQLite): nothing to replay otherwise."""
        return self.path.exists()

    def append(self, op: str, user_key: str, args: list[str]) -> None:
        """Write one entry and fsync it (raises JournalError)."""
        try:
            with self._lock:
                self._connect().execute(
                    "INSERT INTO entries (op, user_key, args, created) VALUES (?, ?, ?, ?)",
                    (op, user_key, json.dumps(args, ensure_ascii=False), time.time()),
                )
        except (sqlite3.Error, OSError) as error:
            self.error = f"journal write failed: {type(error).__name__}: {error}"
            raise JournalError(self.error) from None
        self.error = None

    def pending(self, after: int = 0, limit: int = REPLAY_BATCH) -> list[Entry]:
        """The oldest entries first, after entry ``after`` ([] when there is no file)."""
        if not self.exists():
            return []
        with self._lock:
            rows = (
                self._connect()
                .execute(
                    "SELECT id, op, user_key, args FROM entries WHERE id > ? ORDER BY id LIMIT ?",
                    (after, limit),
                )
                .fetchall()
            )
        return [Entry(row[0], row[1], row[2], json.loads(row[3])) for row in rows]

    def count(self) -> int:
        if not self.exists():
            return 0
        with self._lock:
            (count,) = self._connect().execute("SELECT COUNT(*) FROM entries").fetchone()
        return int(count)

    def remove(self, entry_id: int) -> None:
        with self._lock:
            self._connect().execute("DELETE FROM entries WHERE id = ?", (entry_id,))

    def health(self) -> str | None:
        """None when the journal can be written, else why not (for /readyz).  Before
        any failure, a cheap look at its directory (no SQLite)."""
        if self.error is None:
            return self._place_problem()
        try:  # a failure may have been passing (a full disk cleared): write to see
            with self._lock:
                connection = self._connect()
                connection.execute("CREATE TABLE IF NOT EXISTS probe (at REAL)")
                connection.execute("DELETE FROM probe")
                connection.execute("INSERT INTO probe VALUES (?)", (time.time(),))
        except (sqlite3.Error, OSError) as error:
            return f"journal unusable: {type(error).__name__}: {error}"
        self.error = None
        return None

    def _place_problem(self) -> str | None:
        if self.path.is_dir():
            return f"journal path is a directory: {self.path}"
        folder = self.path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent  # created on the first write: its nearest ancestor
        if not folder.is_dir():
            return f"journal directory is not a directory: {folder}"
        if not os.access(folder, os.W_OK | os.X_OK):
            return f"journal directory is not writable: {folder}"
        if self.path.exists() and not os.access(self.path, os.R_OK | os.W_OK):
            return f"journal file is not writable: {self.path}"
        return None

    def close(self) -> None:
        with self._lock:
            if self._connection is not None and self._pid == os.getpid():
                self._connection.close()
            self._connection = None
