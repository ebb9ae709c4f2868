"""One catalog write in flight per catalog, until TikTok has finished processing it.

TikTok refuses a second write on a catalog while the previous one is still WAITING/PROCESSING (reference
§3.6), and that state outlives the HTTP call. So the lock is held from before the request until the
write's feed log leaves WAITING/PROCESSING, not just around the request.

How callers use it (TikTokClient does all of this for its catalog writes, so most callers only need to
keep polling `client.product_log()` for the feed logs they get back):

1. `token = lock.acquire(catalog_id)` before sending (None: someone else is writing; wait or retry).
2. After TikTok accepts the write: `lock.attach_feed_log(catalog_id, token, feed_log_id)`; the lock now
   lives for `log_ttl` seconds unless released earlier.
   If the request failed with an envelope error: `lock.release(catalog_id, token)`.
   If the outcome is unknown (timeout): do nothing; the lock expires after `write_ttl`.
3. Whoever sees that feed log finished (SUCCESS/FAILED) calls `lock.release_feed_log(catalog_id,
   feed_log_id)` — it may be another process than the writer (the polling task, or a waiting writer
   that looked the log up itself). It only releases if the lock still records that feed log.

Backends: Redis (SET NX PX + compare-and-delete scripts) when a client/URL is given, in-process
otherwise. The in-process backend uses the `Clock`; the Redis one uses Redis' own key expiry.
"""

from __future__ import annotations

import math
import threading
import uuid
from dataclasses import dataclass
from typing import Any

import redis as redis_lib

from ._shared import shared_state
from .clock import Clock, SystemClock


@dataclass(frozen=True, slots=True)
class LockState:
    token: str
    feed_log_id: str | None


_REDIS_ATTACH = """
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. '|' then
  redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
"""

_REDIS_RELEASE_TOKEN = """
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. '|' then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
"""

_REDIS_RELEASE_LOG = """
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local sep = string.find(v, '|', 1, true)
if sep and string.sub(v, sep + 1) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
"""


def _parse(value: str | bytes | None) -> LockState | None:
    if value is None:
        return None
    text = value.decode() if isinstance(value, bytes) else value
    token, _, feed_log_id = text.partition("|")
    return LockState(token=token, feed_log_id=feed_log_id or None)


class CatalogLock:
    def __init__(
        self,
        *,
        redis: Any = None,
        key_prefix: str = "tiktok_api:catalog_lock",
        clock: Clock | None = None,
        write_ttl: float = 120.0,
        log_ttl: float = 1800.0,
    ) -> None:
        """`write_ttl` bounds a write whose outcome is unknown (it covers the read timeout and the inline
        retries); `log_ttl` bounds a feed log nobody polls to completion."""
        if isinstance(redis, str):
            redis = redis_lib.Redis.from_url(redis)
        self._redis = redis
        self.key_prefix = key_prefix
        self.clock: Clock = clock or SystemClock()
        self.write_ttl = write_ttl
        self.log_ttl = log_ttl
        self._mutex = threading.Lock()
        self._held: dict[str, tuple[str, float]] = {}  # catalog_id -> (value, expires_at)
        if redis is not None:
            self._attach = redis.register_script(_REDIS_ATTACH)
            self._release_token = redis.register_script(_REDIS_RELEASE_TOKEN)
            self._release_log = redis.register_script(_REDIS_RELEASE_LOG)

    @property
    def shared(self) -> bool:
        return self._redis is not None

    def _key(self, catalog_id: str) -> str:
        return f"{self.key_prefix}:{catalog_id}"

    def _memory_get(self, catalog_id: str) -> str | None:
        entry = self._held.get(catalog_id)
        if entry is None:
            return None
        if entry[1] <= self.clock.now():
            del self._held[catalog_id]
            return None
        return entry[0]

    def acquire(self, catalog_id: str) -> str | None:
        """Take the lock for a write about to be sent; the token, or None when it is held."""
        token = uuid.uuid4().hex
        value = f"{token}|"
        if self._redis is not None:
            with shared_state("catalog lock"):
                taken = self._redis.set(
                    self._key(catalog_id), value, nx=True, px=math.ceil(self.write_ttl * 1000)
                )
                return token if taken else None
        with self._mutex:
            if self._memory_get(catalog_id) is not None:
                return None
            self._held[catalog_id] = (value, self.clock.now() + self.write_ttl)
            return token

    def attach_feed_log(self, catalog_id: str, token: str, feed_log_id: str) -> bool:
        """Record the accepted write's feed log; the lock now lasts until that log finishes (or log_ttl)."""
        if self._redis is not None:
            with shared_state("catalog lock"):
                return bool(
                    self._attach(
                        keys=[self._key(catalog_id)],
                        args=[token, feed_log_id, math.ceil(self.log_ttl * 1000)],
                    )
                )
        with self._mutex:
            state = _parse(self._memory_get(catalog_id))
            if state is None or state.token != token:
                return False
            self._held[catalog_id] = (f"{token}|{feed_log_id}", self.clock.now() + self.log_ttl)
            return True

    def holder(self, catalog_id: str) -> LockState | None:
        if self._redis is not None:
            with shared_state("catalog lock"):
                return _parse(self._redis.get(self._key(catalog_id)))
        with self._mutex:
            return _parse(self._memory_get(catalog_id))

    def release(self, catalog_id: str, token: str) -> bool:
        """Release by the writer's token (the write was refused, nothing is processing)."""
        if self._redis is not None:
            with shared_state("catalog lock"):
                return bool(self._release_token(keys=[self._key(catalog_id)], args=[token]))
        with self._mutex:
            state = _parse(self._memory_get(catalog_id))
            if state is None or state.token != token:
                return False
            del self._held[catalog_id]
            return True

    def release_feed_log(self, catalog_id: str, feed_log_id: str) -> bool:
        """Release because `feed_log_id` left WAITING/PROCESSING; a no-op if the lock moved on."""
        if self._redis is not None:
            with shared_state("catalog lock"):
                return bool(self._release_log(keys=[self._key(catalog_id)], args=[str(feed_log_id)]))
        with self._mutex:
            state = _parse(self._memory_get(catalog_id))
            if state is None or state.feed_log_id != str(feed_log_id):
                return False
            del self._held[catalog_id]
            return True
