"""The Redis store: one pipelined round trip to load a person, one to save.

Timeouts are short and redis-py's retries are off.  The webhook answers from the
session attributes when Redis is down or slow (DESIGN.md §4), so a retry would only
spend Alexa's time budget: ``Redis(host=...)`` in redis-py 8 retries 10 times with
exponential backoff by default and ``RedisCluster`` 10 times, each re-reading the
topology.  A pooled connection that Redis closed (a restart) is not an error: the
pool notices the closed socket and reconnects before sending.  Retrying after a
failure mid-write could also append a pain event twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeAlias
from urllib.parse import urlsplit

import redis
from redis.backoff import NoBackoff
from redis.cluster import RedisCluster
from redis.connection import parse_url
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisClusterException, RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.maint_notifications import MaintNotificationsConfig
from redis.retry import Retry

from .base import (
    DEFAULT_PROGRESS_TTL,
    RECENT_HISTORY,
    StoreUnavailableError,
    TimeZoneUpdate,
    UserRecord,
)
from .codec import decode, decode_all, decode_text, encode, encode_records
from .keys import PREFIX, UserKeys, keys_for, user_key

log = logging.getLogger(__name__)

RedisClient: TypeAlias = redis.Redis | RedisCluster

DEFAULT_SOCKET_TIMEOUT = 0.25  # seconds, per read or write
DEFAULT_CONNECT_TIMEOUT = 0.25  # seconds

# RedisClusterException is not a RedisError (it is raised, for one, when no node of
# the cluster can be reached); OSError covers anything the socket layer lets through.
_STORE_ERRORS: tuple[type[BaseException], ...] = (RedisError, RedisClusterException, OSError)


def no_retry() -> Retry:
    return Retry(NoBackoff(), 0)


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
        **redis_options: Any,
    ) -> RedisStore:
        """A store for a redis:// or rediss:// URL; query-string options in the URL win.

        ``redis_options`` go to the redis-py client as they are (for example
        ``connection_class`` or ``ssl_ca_certs``).  No connection is made here.
        """
        description = describe_url(url, cluster=cluster)
        retry = redis_options.pop("retry", None) or no_retry()
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
                progress_ttl=progress_ttl, salt=salt, connect=connect, description=description
            )
        client = redis.Redis.from_url(url, retry=retry, **options)
        return cls(client, progress_ttl=progress_ttl, salt=salt, description=description)

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
        with _unavailable_on_error("load"), self.client.pipeline(transaction=False) as pipe:
            pipe.get(keys.progress)
            pipe.lindex(keys.pain, -1)
            pipe.lrange(keys.history, -RECENT_HISTORY, -1)
            pipe.get(keys.plan)
            pipe.get(keys.time_zone)
            progress, last_pain, recent, link, time_zone = pipe.execute()
        history = decode_all(recent, "history record")
        return UserRecord(
            state=decode(progress, "progress"),
            last_pain=decode(last_pain, "pain event"),
            last_session=decode(recent[-1], "history record") if recent else None,
            recent=tuple(history),
            link=decode(link, "plan link"),
            time_zone=decode_text(time_zone),
        )

    def save(
        self,
        user_id: str,
        state: dict[str, Any] | None,
        pain_events: Sequence[dict[str, Any]] = (),
        history: Sequence[dict[str, Any]] = (),
        time_zone: TimeZoneUpdate | None = None,
    ) -> None:
        keys = self.keys(user_id)
        # Encode first: a value that cannot be stored fails before anything is written.
        progress = None if state is None else encode(state)
        pains = encode_records(pain_events)
        records = encode_records(history)
        if not pains and not records and time_zone is None:
            # Most requests: one command, atomic by itself (no MULTI/EXEC to pay for).
            with _unavailable_on_error("save"):
                if progress is None:
                    self.client.delete(keys.progress)
                else:
                    self.client.set(keys.progress, progress, ex=self._progress_ttl)
            return
        # MULTI/EXEC in the same single round trip: the progress and the events it
        # accounts for (and a newly looked-up time zone) land together or not at all.
        # The hash tag keeps the person's keys in one slot, which a cluster transaction
        # requires.
        with _unavailable_on_error("save"), self.client.pipeline(transaction=True) as pipe:
            if progress is None:
                pipe.delete(keys.progress)
            else:
                pipe.set(keys.progress, progress, ex=self._progress_ttl)
            if pains:
                pipe.rpush(keys.pain, *pains)
            if records:
                pipe.rpush(keys.history, *records)
            if time_zone is not None:
                pipe.set(keys.time_zone, time_zone.name, ex=time_zone.ttl)
            pipe.execute()

    def pain_log(self, user_id: str) -> list[dict[str, Any]]:
        with _unavailable_on_error("pain log read"):
            entries = self.client.lrange(self.keys(user_id).pain, 0, -1)
        return decode_all(entries, "pain event")

    def history(self, user_id: str) -> list[dict[str, Any]]:
        with _unavailable_on_error("history read"):
            entries = self.client.lrange(self.keys(user_id).history, 0, -1)
        return decode_all(entries, "history record")

    def delete_user(self, user_id: str) -> None:
        keys = self.keys(user_id)
        hashed = self.hashed(user_id)
        with _unavailable_on_error("delete"):
            link = decode(self.client.get(keys.plan), "plan link")
            self.client.delete(*keys.every)
            if link and link.get("plan"):
                # The plan's set of linked people (another slot in a cluster).
                self.client.srem(f"{PREFIX}:plan:{link['plan']}:users", hashed)

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except Exception as error:  # readiness probes must get an answer, whatever broke
            log.debug("redis ping failed: %s", _reason(error))
            return False

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


@contextmanager
def _unavailable_on_error(operation: str) -> Iterator[None]:
    try:
        yield
    except _STORE_ERRORS as error:
        # "from None": a command error's text and traceback carry the command's
        # arguments, which can hold what the person said about their pain.
        raise StoreUnavailableError(f"redis {operation} failed: {_reason(error)}") from None


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
