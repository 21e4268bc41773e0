"""A deleted person's words gone from Redis's append-only file within the hour.

Deleting keys appends a DEL to the AOF; the words themselves stay in the file until
Redis rewrites it, which by default waits for the file to double and pass 64 MB.  After
a deletion the store asks for a rewrite (``BGREWRITEAOF``) at most once every
``every`` seconds across all instances (a Redis key with ``NX`` and an expiry is the
limit); a deletion inside that time leaves a pending mark, and a timer in this process
asks again when the time is up, as does the next deletion anywhere.  A rewrite costs
Redis a fork and a copy of the data set, which is why it is not asked per deletion.

Redis refuses BGREWRITEAOF inside scripts, so these are plain commands after the
deletion's own round trip: deletions are rare, and no other request pays for them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from redis.cluster import RedisCluster
from redis.exceptions import RedisClusterException, RedisError

from .keys import PREFIX

log = logging.getLogger(__name__)

REWRITE_EVERY = 600  # seconds: at most one rewrite asked for in this long
REWRITTEN_KEY = f"{PREFIX}:aof:rewritten"  # set (with an expiry) when one was asked for
PENDING_KEY = f"{PREFIX}:aof:pending"  # a deletion is waiting for the next rewrite
PENDING_TTL = 86_400  # a pending mark outlives any sensible rewrite interval


class AofRewrites:
    """Asks Redis to rewrite its AOF after deletions, rate limited."""

    def __init__(self, client: Callable[[], Any], every: int = REWRITE_EVERY) -> None:
        self._client = client
        self.every = every
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def after_deletion(self) -> None:
        """A deletion happened: rewrite now if none was asked for lately, else later."""
        try:
            if not self._rewrite_now():
                self._client().set(PENDING_KEY, "1", ex=PENDING_TTL)
                self._ask_again_later()
        except (RedisError, RedisClusterException) as error:
            log.warning("could not ask Redis to rewrite its AOF after a deletion: %s", error)

    def if_pending(self) -> bool:
        """Rewrite if a deletion is waiting and the limit allows; True if asked."""
        try:
            if not self._client().exists(PENDING_KEY):
                return False
            if self._rewrite_now():
                return True
            self._ask_again_later()
        except (RedisError, RedisClusterException) as error:
            log.warning("could not ask Redis to rewrite its AOF: %s", error)
        return False

    def _rewrite_now(self) -> bool:
        client = self._client()
        if not client.set(REWRITTEN_KEY, "1", nx=True, ex=self.every):
            return False
        client.delete(PENDING_KEY)
        try:
            if isinstance(client, RedisCluster):  # every node keeps its own file
                client.bgrewriteaof(target_nodes=RedisCluster.ALL_NODES)
            else:
                client.bgrewriteaof()
        except (RedisError, RedisClusterException) as error:
            if "already in progress" not in str(error):
                raise
            client.set(PENDING_KEY, "1", ex=PENDING_TTL)  # that one may predate the DEL
            self._ask_again_later()
        log.info("asked Redis to rewrite its AOF after a deletion")
        return True

    def _ask_again_later(self) -> None:
        with self._lock:
            if self._timer is not None and self._timer.is_alive():
                return
            left = self._client().ttl(REWRITTEN_KEY)
            delay = max(1, left if isinstance(left, int) and left > 0 else self.every) + 1
            self._timer = threading.Timer(delay, self.if_pending)
            self._timer.daemon = True
            self._timer.start()

    def close(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
