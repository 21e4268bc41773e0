"""The Redis store: one pipelined round trip to load a person, one script to save.

A save is one Lua script (EVALSHA, or EVAL the first time and after a Redis restart,
which caches it): the progress compare-and-set on its version, each event appended
once by its id, the day's pain count, the deletion marker: all atomic, in one round
trip, on one Redis Cluster slot (the keys share a hash tag).  When Redis fails at a
session's end, the save goes to the local journal (journal.py) and is replayed here.

Timeouts are short and redis-py's retries are off.  The webhook answers from the session
attributes when Redis is down or slow (docs/ARCHITECTURE.md, 'State and storage'), so a
retry would only spend Alexa's time budget: ``Redis(host=...)`` in redis-py 8 retries 10
times with exponential backoff by default and ``RedisCluster`` 10 times, each re-reading
the topology.  A pooled connection that Redis closed (a restart) is not an error: the
pool notices the closed socket and reconnects before sending.  A write that timed out
may still land; the ids make its repeat (the session's next save, a journal replay, a
replayed request) store nothing twice.  On a Redis Cluster a command gets one retry
(``cluster_retry``): the error that reveals a failed-over master also refreshes the
slot map, and the retry reaches the replica that took over.

Every request pays for a save, so its CPU is counted (docs/ARCHITECTURE.md,
'Performance'), on both sides.  In Redis, each ``redis.call`` of the script costs about
as much as a small command of its own: the script reads everything first (the version
hash and the event ids in one HMGET) and then writes each key once, and a key it only
reads needs no TYPE check (the read fails on a wrong type before any write).  In the
webhook, each thread keeps one connection of the plain client's pool for its loads and
saves (``_commands``): redis-py's pool get and release and its per-command layers cost
as much CPU as the round trip itself.  A cluster client keeps redis-py's own path.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeAlias, cast
from urllib.parse import urlsplit

import hiredis
import redis
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.cluster import RedisCluster
from redis.connection import Connection, ConnectionPool, parse_url
from redis.exceptions import (
    BusyLoadingError,
    NoScriptError,
    OutOfMemoryError,
    ReadOnlyError,
    RedisClusterException,
    RedisError,
    ResponseError,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.maint_notifications import MaintNotificationsConfig
from redis.retry import Retry

from .aof import AofRewrites
from .base import (
    DEFAULT_PROGRESS_TTL,
    DELETION_MARKER_TTL,
    PAIN_DAYS_KEPT,
    RECENT_HISTORY,
    SEEN_IDS,
    SaveResult,
    StoreUnavailableError,
    TimeZoneUpdate,
    UserRecord,
)
from .codec import decode, decode_all, decode_text, encode, encode_record, progress_text
from .journal import Journal, JournalError
from .keys import PREFIX, UserKeys, keys_for, keys_for_user_key, script_keys, user_key

if TYPE_CHECKING:
    from .plans import RedisPlanStore

log = logging.getLogger(__name__)

RedisClient: TypeAlias = redis.Redis | RedisCluster

DEFAULT_SOCKET_TIMEOUT = 0.25  # seconds, per read or write
DEFAULT_CONNECT_TIMEOUT = 0.25  # seconds
CLUSTER_RETRY_PAUSE = 0.05  # seconds before a cluster command's one retry

# RedisClusterException is not a RedisError (it is raised, for one, when no node of
# the cluster can be reached); OSError covers anything the socket layer lets through.
_STORE_ERRORS: tuple[type[BaseException], ...] = (RedisError, RedisClusterException, OSError)
_TRANSIENT_REPLIES = (OutOfMemoryError, ReadOnlyError, BusyLoadingError, NoScriptError)


READY_KEY = f"{PREFIX}:ready"  # the readiness probe's key (a short expiry)
PROBE_TAGS = 4096  # hash tags tried to find a cluster master's readiness key
REPLAY_INTERVAL = 5.0  # seconds between journal replay attempts while it has rows

# KEYS: progress, version (also the seen ids), pain, history, pain days, time zone, deleted
# ARGV: 1 expected version ("" unknown), 2 force, 3 session start, 4 at, 5 today,
# 6 "set"/"del", 7 progress JSON, 8 progress TTL, 9 lock day ("" none), 10 set zone, 11 zone,
# 12 zone TTL, 13 oldest pain day kept, 14 ids kept, 15 the writing session's id
# ("" unknown), 16 the progress's fingerprint, then the counted lists: pain
# events (id, kind, JSON), history records (id, JSON), amendments (old, new JSON).
SAVE_SCRIPT = """
-- Where the counted lists start and how long they are: which keys this save writes.
local n_pain = tonumber(ARGV[17])
local at_history = 18 + 3 * n_pain
local n_history = tonumber(ARGV[at_history])
local at_amend = at_history + 1 + 2 * n_history
local n_amend = tonumber(ARGV[at_amend])
local events = n_pain + n_history > 0
local today = ARGV[5]
-- Every read comes before the first write.  A script is not rolled back on an error, so
-- a key of the wrong type must stop it before it writes anything (an event is never
-- marked seen without being stored): a read of such a key fails (WRONGTYPE) by itself;
-- a key this save only writes is checked with TYPE, on the paths that write it.
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'none' and kind ~= 'string' then
  return redis.error_reply('WRONGTYPE the progress key is a ' .. kind)
end
local alive = kind == 'string'
if n_pain + n_amend > 0 then
  kind = redis.call('TYPE', KEYS[3])['ok']
  if kind ~= 'none' and kind ~= 'list' then
    return redis.error_reply('WRONGTYPE the pain key is a ' .. kind)
  end
end
if n_history > 0 then
  kind = redis.call('TYPE', KEYS[4])['ok']
  if kind ~= 'none' and kind ~= 'list' then
    return redis.error_reply('WRONGTYPE the history key is a ' .. kind)
  end
end
if ARGV[10] == '1' then
  kind = redis.call('TYPE', KEYS[6])['ok']
  if kind ~= 'none' and kind ~= 'string' then
    return redis.error_reply('WRONGTYPE the tz key is a ' .. kind)
  end
end
-- The version hash in one read: the progress's version, when it was saved, its lock,
-- writer and fingerprint; with events, how many ids are kept ("n") and each event's id.
-- The ids already stored live there as fields "s<id>" = when (one key less per person).
local meta
local stored = {}
local kept = 0
local i
if events then
  local fields = {'v', 'at', 'lock', 'by', 'fp', 'n'}
  i = 18
  for _ = 1, n_pain do
    if ARGV[i] ~= '' then fields[#fields + 1] = 's' .. ARGV[i] end
    i = i + 3
  end
  i = at_history + 1
  for _ = 1, n_history do
    if ARGV[i] ~= '' then fields[#fields + 1] = 's' .. ARGV[i] end
    i = i + 2
  end
  meta = redis.call('HMGET', KEYS[2], unpack(fields))
  for k = 7, #fields do stored[fields[k]] = meta[k] end
  kept = tonumber(meta[6] or '0')
  if not kept then
    return redis.error_reply('ERR the count of kept ids is not an integer')
  end
else
  meta = redis.call('HMGET', KEYS[2], 'v', 'at', 'lock', 'by', 'fp')
end
-- Today's pain count; with a pain report, every day's (to trim the old ones).
local days
local count_today = 0
local had_today = false
if n_pain > 0 then
  days = redis.call('HGETALL', KEYS[5])
  for k = 1, #days, 2 do
    if days[k] == today then
      had_today = true
      count_today = tonumber(days[k + 1]) or 0
    end
  end
elseif today ~= '' then
  count_today = tonumber(redis.call('HGET', KEYS[5], today) or '0') or 0
end
local deleted = redis.call('GET', KEYS[7])
if deleted and ARGV[3] ~= '' and ARGV[3] <= deleted then
  return {'deleted', 0, 0, '', ''}
end
local version = tonumber(meta[1] or '0') or 0
local stored_at = meta[2] or ''
-- A red-flag stop locks the progress for the rest of its (local) day only.
local lockday = meta[3] or ''
local locked = lockday ~= '' and lockday == today and alive
local own = ARGV[15] ~= '' and meta[4] == ARGV[15]
local same = ARGV[16] ~= '' and ARGV[6] == 'set' and meta[5] == ARGV[16] and alive
local allowed
if same then
  -- The same progress (a second device's launch, a repeat): no new version.
  allowed = false
elseif ARGV[2] == '1' then
  allowed = true
elseif locked then
  allowed = false
elseif ARGV[1] == '' then
  allowed = ARGV[4] == '' or ARGV[4] >= stored_at
else
  -- Newer than what the session knew: another device's (unless the session's own:
  -- a write that timed out and landed anyway).  Older: Redis lost it (a restart
  -- without persistence); the session's own is the newest.
  allowed = tonumber(ARGV[1]) >= version or own
end
-- Which events are new: an id neither stored before nor earlier in this save (an
-- event without an id always is).  "ids": the fields of the new ids.
local ids = {}
local flags = {}
local pains = {}
local records = {}
local counted = 0
if events then
  local seen = {}
  i = n_pain > 0 and 18 or at_history + 1
  for k = 1, n_pain + n_history do
    local id = ARGV[i]
    local new = id == ''
    if not new and not (stored['s' .. id] or seen[id]) then
      new = true
      seen[id] = true
      ids[#ids + 1] = 's' .. id
    end
    if k <= n_pain then
      flags[k] = new and '1' or '0'
      if new then
        pains[#pains + 1] = ARGV[i + 2]
        if ARGV[i + 1] == 'pain' and today ~= '' then counted = counted + 1 end
      end
      i = i + 3
      if k == n_pain then i = at_history + 1 end
    else
      if new then records[#records + 1] = ARGV[i + 1] end
      i = i + 2
    end
  end
end
-- The writes.  Versions are Redis's clock in milliseconds (or one more than the last):
-- a Redis that lost its data (a restart without persistence) gives later writes higher
-- versions than any session from before, so an old session or replay cannot win.
local clock = 0
if allowed or #ids > 0 then
  local now = redis.call('TIME')
  clock = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
end
if allowed then
  version = math.max(version + 1, clock)
  if ARGV[6] == 'set' then
    redis.call('SET', KEYS[1], ARGV[7], 'EX', ARGV[8])
  else
    redis.call('DEL', KEYS[1])
  end
elseif same then
  redis.call('SET', KEYS[1], ARGV[7], 'EX', ARGV[8])
end
if #ids == 0 then
  if allowed then
    redis.call('HSET', KEYS[2], 'v', string.format('%d', version), 'at', ARGV[4],
      'lock', ARGV[9], 'by', ARGV[15], 'fp', ARGV[16])
  end
else
  -- The new ids, their count, and the version's fields when it changes: one write.
  local fields = {'n', string.format('%d', kept + #ids)}
  for _, field in ipairs(ids) do
    fields[#fields + 1] = field
    fields[#fields + 1] = clock
  end
  if allowed then
    for _, field in ipairs({'v', string.format('%d', version), 'at', ARGV[4],
        'lock', ARGV[9], 'by', ARGV[15], 'fp', ARGV[16]}) do
      fields[#fields + 1] = field
    end
  end
  redis.call('HSET', KEYS[2], unpack(fields))
end
if #pains > 0 then redis.call('RPUSH', KEYS[3], unpack(pains)) end
if counted > 0 then redis.call('HINCRBY', KEYS[5], today, counted) end
if #records > 0 then redis.call('RPUSH', KEYS[4], unpack(records)) end
i = at_amend + 1
for _ = 1, n_amend do
  local at = redis.call('LPOS', KEYS[3], ARGV[i], 'RANK', -1, 'MAXLEN', 100)
  if at then redis.call('LSET', KEYS[3], at, ARGV[i + 1]) end
  i = i + 2
end
-- Past the cap (and some slack, so that this is rare), keep the newest cap ids.
local cap = tonumber(ARGV[14])
if events and kept + #ids > cap + 50 then
  local flat = redis.call('HGETALL', KEYS[2])
  local found = {}
  for k = 1, #flat, 2 do
    if string.sub(flat[k], 1, 1) == 's' then
      found[#found + 1] = {flat[k], tonumber(flat[k + 1])}
    end
  end
  table.sort(found, function(a, b) return a[2] < b[2] end)
  local gone = {}
  for k = 1, #found - cap do gone[k] = found[k][1] end
  if #gone > 0 then redis.call('HDEL', KEYS[2], unpack(gone)) end
  redis.call('HSET', KEYS[2], 'n', math.min(#found, cap))
end
-- With a pain report, the counts of days before the oldest kept go (when there are
-- other days than today's).
if n_pain > 0 and ARGV[13] ~= '' then
  local n_days = #days / 2
  if counted > 0 and not had_today then n_days = n_days + 1 end
  if n_days > 1 then
    local old = {}
    for k = 1, #days, 2 do
      if days[k] < ARGV[13] then old[#old + 1] = days[k] end
    end
    if #old > 0 then redis.call('HDEL', KEYS[5], unpack(old)) end
  end
end
if ARGV[10] == '1' then
  redis.call('SET', KEYS[6], ARGV[11], 'EX', ARGV[12])
end
local status = 'saved'
local current = ''
if not (allowed or same) then
  status = 'conflict'
  if alive then current = redis.call('GET', KEYS[1]) or '' end
end
return {status, string.format('%d', version), count_today + counted, current,
  table.concat(flags)}
"""


def probe_key(client: RedisCluster, node_name: str) -> str:
    """The readiness key (``backcoach:ready:{n}``) whose slot the master ``node_name``
    serves: the first n that lands there (a master serves a third of the slots of a
    3-master cluster, so a few tries)."""
    slots = client.nodes_manager.slots_cache
    for n in range(PROBE_TAGS):
        key = f"{READY_KEY}:{{{n}}}"
        owners = slots.get(client.keyslot(key))
        if owners and owners[0].name == node_name:
            return key
    return READY_KEY  # a master with very few slots: its own write is not probed


def no_retry() -> Retry:
    return Retry(NoBackoff(), 0)


def cluster_retry() -> Retry:
    """One retry, after a short pause, for a Redis Cluster: after a connection error
    redis-py re-reads the cluster's slots at once, so the retry goes to the replica
    that has taken over a failed master (a stale map otherwise costs every request
    that lands on it until the next error).  Before the takeover the retry fails fast
    too: a command costs at most two connect timeouts and two slot-map reads, well
    inside Alexa's 8 s (docs/SCALING.md)."""
    return Retry(ExponentialBackoff(cap=CLUSTER_RETRY_PAUSE, base=CLUSTER_RETRY_PAUSE), 1)


class RedisStore:
    """Per-person progress (a string with an expiry) and two append-only lists.

    ``client`` is a ready client, or pass ``connect`` to build one on first use
    (a RedisCluster client connects as it is built, and the webhook must start even
    when Redis is down).
    """

    def __init__(
        self,
        client: RedisClient | None = None,
        progress_ttl: int = DEFAULT_PROGRESS_TTL,
        salt: str = "",
        *,
        connect: Callable[[], RedisClient] | None = None,
        description: str | None = None,
        journal: Journal | None = None,
        replay_interval: float = REPLAY_INTERVAL,
    ) -> None:
        if (client is None) == (connect is None):
            raise ValueError("give RedisStore either a client or a connect function")
        if progress_ttl < 1:
            raise ValueError(f"progress_ttl must be at least 1 second, not {progress_ttl!r}")
        self._client = client
        self._connect = connect
        self._connect_lock = threading.Lock()
        self._progress_ttl = progress_ttl
        self._salt = salt
        self.description = description or _describe_client(client)
        self.journal = journal
        self._replay_interval = replay_interval
        self._script_sha = ""  # set once Redis has the script cached (EVAL caches it)
        self._held = threading.local()  # each thread's connection for saves (_command)
        self._replay_lock = threading.Lock()
        self._wake = threading.Event()
        self._replayer: threading.Thread | None = None
        self._replayer_pid = 0
        self._closed = False
        self._journal_pending = False  # this process knows the journal has rows
        self.aof_rewrites = AofRewrites(lambda: self.client)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        cluster: bool = False,
        socket_timeout: float = DEFAULT_SOCKET_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        progress_ttl: int = DEFAULT_PROGRESS_TTL,
        salt: str = "",
        journal: Journal | None = None,
        replay_interval: float = REPLAY_INTERVAL,
        **redis_options: Any,
    ) -> RedisStore:
        """A store for a redis:// or rediss:// URL; query-string options in the URL win.

        ``redis_options`` go to the redis-py client as they are (for example
        ``connection_class`` or ``ssl_ca_certs``).  No connection is made here.
        """
        description = describe_url(url, cluster=cluster)
        retry = redis_options.pop("retry", None) or (cluster_retry() if cluster else no_retry())
        options: dict[str, Any] = {
            "decode_responses": True,
            "socket_timeout": socket_timeout,
            "socket_connect_timeout": connect_timeout,
            # With RESP3, maintenance notifications would relax timeouts to 10 s.
            "maint_notifications_config": MaintNotificationsConfig(enabled=False),
            **redis_options,
        }
        if cluster:
            if parse_url(url).get("db", 0) != 0:
                raise ValueError("a Redis Cluster URL cannot select a database other than 0")

            def connect() -> RedisClient:
                return RedisCluster.from_url(url, retry=retry, **options)

            return cls(
                progress_ttl=progress_ttl,
                salt=salt,
                connect=connect,
                description=description,
                journal=journal,
                replay_interval=replay_interval,
            )
        client = redis.Redis.from_url(url, retry=retry, **options)
        return cls(
            client,
            progress_ttl=progress_ttl,
            salt=salt,
            description=description,
            journal=journal,
            replay_interval=replay_interval,
        )

    @property
    def client(self) -> RedisClient:
        """The redis-py client, built now if it was deferred."""
        if self._client is None:
            assert self._connect is not None
            with self._connect_lock:
                if self._client is None:
                    self._client = self._connect()
        return self._client

    def keys(self, user_id: str) -> UserKeys:
        return keys_for(user_id, self._salt)

    def hashed(self, user_id: str) -> str:
        """The person's user key: what their keys carry, and what a plan's set holds."""
        return user_key(user_id, self._salt)

    def load(self, user_id: str) -> UserRecord:
        keys = self.keys(user_id)
        with _unavailable_on_error("load"):
            progress, last_pain, recent, link, time_zone, version, days = _commands(
                self.client,
                self._held,
                ("GET", keys.progress),
                ("LINDEX", keys.pain, -1),
                ("LRANGE", keys.history, -RECENT_HISTORY, -1),
                ("GET", keys.plan),
                ("GET", keys.time_zone),
                ("HGET", keys.version, "v"),
                # The zone (and so today's date) is known only after this read: all days.
                ("HGETALL", keys.pain_days),
            )
        self._after_success()
        history = decode_all(recent, "history record")
        return UserRecord(
            state=decode(progress, "progress"),
            last_pain=decode(last_pain, "pain event"),
            last_session=decode(recent[-1], "history record") if recent else None,
            recent=tuple(history),
            link=decode(link, "plan link"),
            time_zone=decode_text(time_zone),
            version=_integer(version),
            pain_days={str(day): _integer(count) for day, count in _pairs(days)},
        )

    def save(
        self,
        user_id: str,
        state: dict[str, Any] | str | None,
        pain_events: Sequence[dict[str, Any]] = (),
        history: Sequence[dict[str, Any]] = (),
        time_zone: TimeZoneUpdate | None = None,
        *,
        version: int | None = None,
        started: str | None = None,
        at: str | None = None,
        today: str | None = None,
        force: bool = False,
        lock: bool = False,
        final: bool = False,
        amend: Sequence[tuple[dict[str, Any], dict[str, Any]]] = (),
        writer: str | None = None,
    ) -> SaveResult:
        # Encode first: a value that cannot be stored fails before anything is written.
        args = save_args(
            progress_text(state),
            [(_event_id(e), str(e.get("kind", "")), encode_record(e)) for e in pain_events],
            [(_event_id(r), encode_record(r)) for r in history],
            [(encode(old), encode_record(new)) for old, new in amend],
            progress_ttl=self._progress_ttl,
            version=version,
            started=started,
            at=at,
            today=today,
            force=force,
            lock=lock,
            time_zone=time_zone,
            writer=writer,
        )
        hashed = self.hashed(user_id)
        try:
            with _unavailable_on_error("save"):
                reply = self._run(script_keys(hashed), args)
        except StoreUnavailableError as error:
            if not final or self.journal is None:
                raise
            self._journal("save", hashed, args, error)
            return SaveResult("journaled")
        self._after_success()
        return _result(reply)

    def _run(self, keys: Sequence[str], args: Sequence[str]) -> Any:
        """The save script in one round trip: EVALSHA once Redis has it, else EVAL
        (which caches it: the first save after a start or a Redis restart)."""
        client = self.client
        if self._script_sha:
            try:
                return _commands(
                    client, self._held, ("EVALSHA", self._script_sha, len(keys), *keys, *args)
                )[0]
            except NoScriptError:
                self._script_sha = ""  # Redis restarted (or SCRIPT FLUSH): nothing ran
        reply = _commands(client, self._held, ("EVAL", SAVE_SCRIPT, len(keys), *keys, *args))[0]
        self._script_sha = SCRIPT_SHA
        return reply

    def _journal(self, op: str, hashed: str, args: list[str], error: Exception) -> None:
        assert self.journal is not None
        try:
            self.journal.append(op, hashed, args)
        except JournalError as failed:
            log.error("%s; the %s could not be kept anywhere: %s", failed, op, error)
            raise StoreUnavailableError(f"{error}; and {failed}") from None
        log.warning("kept a %s in the local journal for replay (%s)", op, error)
        self._journal_pending = True
        self.start_replayer()
        self._wake.set()

    def pain_log(self, user_id: str) -> list[dict[str, Any]]:
        with _unavailable_on_error("pain log read"):
            entries = self.client.lrange(self.keys(user_id).pain, 0, -1)
        return decode_all(entries, "pain event")

    def history(self, user_id: str) -> list[dict[str, Any]]:
        with _unavailable_on_error("history read"):
            entries = self.client.lrange(self.keys(user_id).history, 0, -1)
        return decode_all(entries, "history record")

    def delete_user(self, user_id: str, at: str | None = None) -> None:
        hashed = self.hashed(user_id)
        args = [at or _now()]
        try:
            self._delete(hashed, args)
        except StoreUnavailableError as error:
            if self.journal is None:
                raise
            self._journal("delete", hashed, args, error)
            return
        self.aof_rewrites.after_deletion()
        self._after_success()

    def _delete(self, hashed: str, args: list[str]) -> None:
        """Every key of the person, and a marker that refuses the write-back of
        sessions begun before the deletion (the plan's set is another slot)."""
        keys = keys_for_user_key(hashed)
        with _unavailable_on_error("delete"):
            link = decode(self.client.get(keys.plan), "plan link")
            if link and link.get("plan"):
                # The plan's set of linked people: another slot in a cluster, so first.
                # Should the person's keys then fail to go, the deletion is journaled
                # and replayed whole (the link is still there to find the plan by).
                self.client.srem(f"{PREFIX}:plan:{link['plan']}:users", hashed)
            with self.client.pipeline(transaction=True) as pipe:
                pipe.delete(*keys.every)
                pipe.set(keys.deleted, args[0], ex=DELETION_MARKER_TTL)
                pipe.execute()

    def plan_store(self) -> RedisPlanStore:
        """Plans under ``backcoach:plan:*`` in this Redis, links in the person's keys."""
        from .plans import RedisPlanStore  # plans.py builds on this module

        return RedisPlanStore(self)

    def load_script(self) -> None:
        """Give Redis the save script now, at start-up (``create_app``; under gunicorn in
        the master, before the workers fork), so that every worker's first save is an
        EVALSHA like the others, not an EVAL carrying the script's text.  On a cluster,
        or with Redis out of reach, nothing is done: the first save EVALs it, as after a
        Redis restart."""
        client = self._client  # None: a cluster's, built (and connected) on first use
        if self._closed or client is None or not _plain(client):
            return
        assert isinstance(client, redis.Redis)
        try:
            client.script_load(SAVE_SCRIPT)
            self._script_sha = SCRIPT_SHA  # a forked worker's pool opens its own connections
        except _STORE_ERRORS as error:
            log.warning("the save script is not loaded at start-up: %s", _reason(error))

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except Exception as error:  # readiness probes must get an answer, whatever broke
            log.debug("redis ping failed: %s", _reason(error))
            return False

    def readiness(self) -> str | None:
        """A write probe (a SET with a short expiry): an out-of-memory Redis or a
        read-only replica answers PING but refuses writes.  Plus the journal's health."""
        try:
            self._write_probe()
        except Exception as error:  # readiness probes must get an answer, whatever broke
            return f"store refuses writes ({_reason(error)})"
        self._after_success()
        if self.journal is not None:
            return self.journal.health()
        return None

    def _write_probe(self) -> None:
        """A short-lived write to Redis; on a cluster, one to every master.

        A cluster with a master down (until its replica takes over, a few seconds) is
        still ready: every instance shares it, so taking them all out of rotation would
        turn the degraded answers of one master's people into no answer for anyone.
        Only when no master takes the write is the instance not ready."""
        client = self.client
        if not isinstance(client, RedisCluster):
            client.set(READY_KEY, "1", px=5000)
            return
        primaries = client.get_primaries()
        failed: list[str] = []
        for node in primaries:
            try:
                client.set(probe_key(client, node.name), "1", px=5000)
            except _STORE_ERRORS as error:
                if len(failed) + 1 == len(primaries):
                    raise
                failed.append(f"{node.name}: {_reason(error)}")
        if failed:
            log.warning(
                "redis cluster: %d of %d masters refuse writes (%s)",
                len(failed),
                len(primaries),
                "; ".join(failed),
            )

    # -- the journal's replay -------------------------------------------------------

    def replay(self) -> int:
        """Write the journal's entries into Redis, oldest first, removing each once
        Redis has acknowledged it; stop at the first failure.  Returns how many."""
        if self.journal is None or not self.journal.exists():
            return 0
        done, after, refused = 0, 0, 0
        with self._replay_lock:
            while entries := self.journal.pending(after=after):
                for entry in entries:
                    after = entry.id
                    try:
                        if entry.op == "delete":
                            self._delete(entry.user_key, entry.args)
                            self.aof_rewrites.after_deletion()
                        else:
                            with _unavailable_on_error("replay"):
                                self._run(script_keys(entry.user_key), entry.args)
                    except StoreUnavailableError as error:
                        if error.transient:
                            log.info("journal replay waits for the store (%s)", error)
                            return done
                        # Refused as such (a key of the wrong type): kept for an
                        # operator, and not in the way of everyone else's entries.
                        log.error("journal entry %d refused by the store: %s", entry.id, error)
                        refused += 1
                        continue
                    self.journal.remove(entry.id)
                    done += 1
            self._journal_pending = refused > 0
        if done:
            log.info("replayed %d journal entries into %s", done, self.description)
        return done

    def start_replayer(self) -> None:
        """The background thread of this process (after a fork too) that replays the
        journal every few seconds while it has rows, and at once when woken."""
        if self.journal is None or self._closed:
            return
        if self._replayer is not None and self._replayer_pid == os.getpid():
            return
        with self._connect_lock:
            if self._replayer is not None and self._replayer_pid == os.getpid():
                return
            self._wake = threading.Event()
            self._replayer = threading.Thread(
                target=self._replay_forever, name="backcoach-journal", daemon=True
            )
            self._replayer_pid = os.getpid()
            self._replayer.start()

    def _replay_forever(self) -> None:
        while not self._closed:
            try:
                if self.journal is not None and self.journal.count():
                    self._journal_pending = True
                    self.replay()
            except Exception as error:  # the thread must outlive any one failure
                log.error("journal replay failed: %s", _reason(error))
            self._wake.wait(self._replay_interval)
            self._wake.clear()

    def _after_success(self) -> None:
        """Redis answered: if this process knows of journal rows, replay them now (in
        the background thread, so the request's round trips stay as they are).  The
        first call in a worker forked from a preloaded app starts its own thread."""
        if self.journal is not None and self._replayer_pid != os.getpid():
            self.start_replayer()
        if self._journal_pending:
            self.start_replayer()
            self._wake.set()

    def close(self) -> None:
        self._closed = True
        self.aof_rewrites.close()
        self._wake.set()
        if self._client is not None:
            self._client.close()


SCRIPT_SHA = hashlib.sha1(SAVE_SCRIPT.encode("utf-8")).hexdigest()
SAVED_AT = "t"  # the progress's field for when it was saved: not part of what it says
_SAVED_AT_OPENING = '"t":"'


def fingerprint(progress: str | None) -> str:
    """What the progress says, without when it was saved: the same fingerprint is
    the same progress (so a second device's launch is not news to the first)."""
    if progress is None:
        return ""
    return hashlib.sha1(_without_saved_at(progress).encode("utf-8")).hexdigest()[:16]


def _without_saved_at(text: str) -> str:
    """The text without its "t" fields: each '"t":"..."' (and the comma after it) that
    follows a '{' or a ',', as the regex (?<=[{,])"t":"[^"]*",? would remove them.

    Not decoded and encoded again, and not a regex (every save pays for this; a regex
    tries a match at each character): compact JSON escapes every quote inside a
    string, so '"t":"' can only be the field itself, and str.find skips to it."""
    start = text.find(_SAVED_AT_OPENING)
    if start < 0:
        return text
    kept: list[str] = []
    done = 0
    while start >= 0:
        if start == 0 or text[start - 1] not in "{,":
            start = text.find(_SAVED_AT_OPENING, start + 1)
            continue
        end = text.find('"', start + len(_SAVED_AT_OPENING))
        if end < 0:
            break  # no closing quote, so no later field either
        end += 2 if text.startswith(",", end + 1) else 1
        kept.append(text[done:start])
        done = end
        start = text.find(_SAVED_AT_OPENING, end)
    kept.append(text[done:])
    return "".join(kept)


def _short(text: str | None) -> str:
    """A short digest of an id (a session's), to compare, not to read."""
    return _digest(text) if text else ""


@lru_cache(maxsize=1024)
def _digest(text: str) -> str:
    """Cached: every save of a session digests the same session id."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


@lru_cache(maxsize=64)
def _pain_days(today: str) -> tuple[str, str]:
    """The day to count pain reports on ("" when none or not a date) and the oldest
    day whose count is kept: the same few days over and over, so worked out once."""
    try:
        return today, (date.fromisoformat(today) - timedelta(days=PAIN_DAYS_KEPT)).isoformat()
    except ValueError:
        return "", ""


def save_args(
    progress: str | None,
    pains: Sequence[tuple[str, str, str]],
    history: Sequence[tuple[str, str]],
    amend: Sequence[tuple[str, str]],
    *,
    progress_ttl: int,
    version: int | None,
    started: str | None,
    at: str | None,
    today: str | None,
    force: bool,
    lock: bool,
    time_zone: TimeZoneUpdate | None,
    writer: str | None = None,
) -> list[str]:
    """The save script's ARGV (see SAVE_SCRIPT), as strings: also what the journal keeps."""
    today, cutoff = _pain_days(today or "")
    return [
        "" if version is None else str(version),
        "1" if force else "0",
        started or "",
        at or "",
        today,
        "del" if progress is None else "set",
        progress or "",
        str(progress_ttl),
        today if lock else "",  # the day the lock holds
        "0" if time_zone is None else "1",
        "" if time_zone is None else time_zone.name,
        "0" if time_zone is None else str(time_zone.ttl),
        cutoff,
        str(SEEN_IDS),
        _short(writer),
        fingerprint(progress),
        str(len(pains)),
        *(part for event in pains for part in event),
        str(len(history)),
        *(part for record in history for part in record),
        str(len(amend)),
        *(part for pair in amend for part in pair),
    ]


# This process's id, kept current by a fork hook: os.getpid() is a system call, and a
# save asks on every call whether the process forked since its connection was taken.
_process_id = os.getpid()


def _forked() -> None:
    global _process_id
    _process_id = os.getpid()


os.register_at_fork(after_in_child=_forked)


class _Held:
    """A connection one thread took from a plain client's pool for its saves, given back
    to the pool when the thread ends (its thread-local slot is freed)."""

    __slots__ = ("connection", "pid", "pool")

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool
        self.pid = _process_id
        self.connection = pool.get_connection()

    def __del__(self) -> None:
        with suppress(Exception):  # at exit the pool may be gone already
            self.pool.release(self.connection)


def _plain(client: RedisClient) -> bool:
    """A client of one Redis server (not a cluster's), not pinned to one connection."""
    return isinstance(client, redis.Redis) and client.connection is None


def _connection(client: redis.Redis, held: threading.local) -> Connection:
    """This thread's connection (``held``), ready to send.

    A pool's get and release, with their locks and telemetry hooks, cost as much CPU
    as the round trip, so each thread keeps one.  As the pool does, it first looks
    whether Redis closed the connection (a restart), and then reconnects first.
    """
    mine: _Held | None = getattr(held, "mine", None)
    if mine is None or mine.pid != _process_id or mine.pool is not client.connection_pool:
        mine = held.mine = _Held(client.connection_pool)  # a new thread, or after a fork
    connection = mine.connection
    try:
        stale = connection.can_read()  # a reply nobody asked for: EOF, or out of step
    except (RedisConnectionError, RedisTimeoutError, OSError):
        stale = True
    if stale:
        connection.disconnect()  # the send reconnects
    return connection


def _commands(client: RedisClient, held: threading.local, *commands: tuple[Any, ...]) -> list[Any]:
    """Commands in one round trip (no transaction), their replies in order; the first
    error reply is raised once every reply is read.  A cluster client pipelines its
    own way (by the keys' slots)."""
    if not _plain(client):
        if len(commands) == 1:
            return [client.execute_command(*commands[0])]
        with client.pipeline(transaction=False) as pipe:
            for command in commands:
                pipe.execute_command(*command)
            return list(pipe.execute())
    connection = _connection(cast(redis.Redis, client), held)
    replies: list[Any] = []
    refused: ResponseError | None = None
    try:
        # hiredis packs each command (C; redis-py's packer first copies every argument
        # through a generator): UTF-8 text and integers, as redis-py sends them.
        connection.send_packed_command([b"".join(map(hiredis.pack_command, commands))])
        for _ in commands:
            try:
                replies.append(connection.read_response())
            except ResponseError as error:  # read whole: the stream is still in step
                refused = refused or error
                replies.append(error)
    except BaseException:
        # Half sent or half read (a timeout, a dropped connection, an interrupt): the
        # stream is out of step, so the next command reconnects.
        connection.disconnect()
        raise
    if refused is not None:
        raise refused
    return replies


def _pairs(reply: Any) -> Iterator[tuple[Any, Any]]:
    """An HGETALL reply's (field, value) pairs: a flat list as it comes (RESP2), or a
    dict (RESP3, or redis-py's pipeline)."""
    if isinstance(reply, dict):
        return iter(reply.items())
    return zip(reply[::2], reply[1::2], strict=True)


def _result(reply: Any) -> SaveResult:
    status, version, today, current, new = reply
    return SaveResult(
        status=str(status),
        version=_integer(version),
        pains_today=_integer(today),
        current=decode(current, "progress") if current else None,
        new_pains=tuple(flag == "1" for flag in str(new or "")),
    )


def _event_id(record: Mapping[str, Any]) -> str:
    """What the seen set keeps of an event's id: a 64-bit digest (ids are about 60
    characters; a collision among a person's newest 1000 is about 1 in 10^13)."""
    value = record.get("id")
    return hashlib.sha1(value.encode("utf-8")).hexdigest()[:16] if isinstance(value, str) else ""


def _integer(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@contextmanager
def _unavailable_on_error(operation: str) -> Iterator[None]:
    try:
        yield
    except _STORE_ERRORS as error:
        # "from None": a command error's text and traceback carry the command's
        # arguments, which can hold what the person said about their pain.
        raise StoreUnavailableError(
            f"redis {operation} failed: {_reason(error)}", transient=_transient(error)
        ) from None


def _transient(error: BaseException) -> bool:
    """Whether the same command can succeed later: Redis down, slow, loading, out of
    memory, read-only, a cluster in flux; not a command Redis refuses as such."""
    if not isinstance(error, ResponseError):
        return True
    return isinstance(error, _TRANSIENT_REPLIES) or str(error).split(" ", 1)[0] in (
        "OOM",
        "READONLY",
        "LOADING",
        "BUSY",
        "MASTERDOWN",
        "CLUSTERDOWN",
        "TRYAGAIN",
        "MOVED",
        "ASK",
        "NOSCRIPT",
    )


def _reason(error: BaseException) -> str:
    name = type(error).__name__
    if isinstance(error, RedisConnectionError | RedisTimeoutError | OSError):
        return f"{name}: {error}"  # names the server and the socket problem only
    if isinstance(error, RedisError):
        # "Command # 2 (RPUSH key value) of pipeline caused error: <server reply>"
        head, found, reply = str(error).partition("caused error: ")
        return f"{name}: {reply if found else head}"
    return name


def describe_url(url: str, *, cluster: bool = False) -> str:
    """Where a URL points, for logs: scheme, host and port, never the password."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise ValueError("a Redis URL starts with redis:// or rediss://")
    host = parts.hostname or "localhost"
    if ":" in host:
        host = f"[{host}]"
    kind = "redis cluster" if cluster else "redis"
    tls = " over TLS" if parts.scheme == "rediss" else ""
    return f"{kind} at {host}:{parts.port or 6379}{tls}"


def _describe_client(client: RedisClient | None) -> str:
    if isinstance(client, redis.Redis):
        kwargs = client.get_connection_kwargs()
        if "host" in kwargs:
            return f"redis at {kwargs['host']}:{kwargs.get('port', 6379)}"
    return "redis"
