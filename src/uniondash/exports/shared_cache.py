"""A cache every worker and host shares: Redis, when `UNIONDASH_REDIS_URL` is set.

It holds chart images (the `ImageCache` protocol of exports/images.py: bytes by key) and rendered
dashboard pages (web/page_cache.py). A cache is never worth an error page: if Redis is down, slow or
full, a read is a miss and a write is skipped, the reader is served uncached, and Redis is left alone
for `retry_after` seconds so that each request does not wait for a timeout of its own.

Bounded by Redis itself (`maxmemory` with `allkeys-lru`, see docs/deploy.md) and by an expiry on
every key; one item larger than `max_item_bytes` is not stored.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping
from typing import Any, Protocol

from uniondash.errors import UniondashError

logger = logging.getLogger(__name__)

ENV_REDIS_URL = "UNIONDASH_REDIS_URL"
DEFAULT_PREFIX = "uniondash:"
DEFAULT_TTL = 7 * 24 * 3600
DEFAULT_MAX_ITEM = 16 * 1024 * 1024
# Socket timeouts: a local Redis answers in well under a millisecond; a stuck one must not hold a
# request for long.
SOCKET_TIMEOUT = 0.5
RETRY_AFTER = 30.0


class RedisClient(Protocol):
    """The part of redis-py's client used here (a test may pass a fake)."""

    def get(self, name: str) -> Any: ...

    def set(self, name: str, value: bytes, ex: int | None = None) -> Any: ...


class RedisCache:
    """`ImageCache` on Redis: `get` → bytes or None, `put` stores with an expiry. Never raises."""

    def __init__(
        self,
        client: RedisClient,
        *,
        prefix: str = DEFAULT_PREFIX,
        ttl: int = DEFAULT_TTL,
        max_item_bytes: int = DEFAULT_MAX_ITEM,
        retry_after: float = RETRY_AFTER,
        clock: Any = time.monotonic,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.ttl = ttl
        self.max_item_bytes = max_item_bytes
        self.retry_after = retry_after
        self._clock = clock
        self._down_since: float | None = None
        self._lock = threading.Lock()
        self.errors = 0

    @property
    def available(self) -> bool:
        """False for `retry_after` seconds after an error."""
        down = self._down_since
        return down is None or self._clock() - down >= self.retry_after

    def get(self, key: str) -> bytes | None:
        if not self.available:
            return None
        try:
            value = self.client.get(self.prefix + key)
        except Exception as error:  # any client or connection error: a miss, never a 500
            self._failed("read", error)
            return None
        self._recovered()
        return bytes(value) if isinstance(value, bytes | bytearray | memoryview) else None

    def put(self, key: str, data: bytes) -> None:
        if len(data) > self.max_item_bytes or not self.available:
            return
        try:
            self.client.set(self.prefix + key, data, ex=self.ttl)
        except Exception as error:
            self._failed("write", error)
            return
        self._recovered()

    def _failed(self, what: str, error: Exception) -> None:
        with self._lock:
            self.errors += 1
            first = self._down_since is None
            self._down_since = self._clock()
        if first:
            logger.warning(
                "shared cache (Redis) %s failed (%s): serving without it, retrying in %g s",
                what,
                error,
                self.retry_after,
            )

    def _recovered(self) -> None:
        if self._down_since is None:
            return
        with self._lock:
            was_down, self._down_since = self._down_since is not None, None
        if was_down:
            logger.info("shared cache (Redis) answers again")


def redis_cache(url: str, **options: Any) -> RedisCache:
    """A `RedisCache` for a redis:// (or rediss://, unix://) URL; UniondashError if it cannot be configured.

    Nothing connects here: an unreachable server shows up as misses (and one warning) once serving.
    """
    try:
        import redis
    except ImportError:
        raise UniondashError(
            f"{ENV_REDIS_URL} is set but the redis package is not installed: pip install 'redis>=5'"
        ) from None
    try:
        client = redis.Redis.from_url(
            url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT, health_check_interval=30
        )
    except ValueError as error:
        raise UniondashError(
            f"{ENV_REDIS_URL}={url!r} is not a Redis URL ({error}); e.g. redis://127.0.0.1:6379/0"
        ) from None
    return RedisCache(client, **options)


def redis_cache_from_env(environ: Mapping[str, str] | None = None) -> RedisCache | None:
    """A `RedisCache` if $UNIONDASH_REDIS_URL is set, else None."""
    env = os.environ if environ is None else environ
    url = env.get(ENV_REDIS_URL, "").strip()
    return redis_cache(url) if url else None
