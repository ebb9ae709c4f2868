"""Client-side rate limiting shared by every worker process.

TikTok's limits are per developer app (shared by all merchants) and per endpoint (reference §3.6, §5):
the app tier QPS (Basic: 10), upload/file 5 QPS + 300 per minute, update/delete 2 QPS + 120 per minute,
events 1,000 QPS outside the app quota. A per-minute breach is punished with a ~5 minute pause, so the
client never sends more than a limit allows in any window (sliding-window logs), and when TikTok still
says "per minute" (clock skew, another app instance) `pause()` stops that endpoint for everyone.

Fairness: every request names a tenant (the catalog or pixel it is for). Within each bucket, a tenant may
use at most ceil(limit / active tenants) of the window, where a tenant is active while it asked within
the last `active_ttl` seconds. One store alone gets the whole limit; a big catalog syncing next to small
ones gets its share and no more, so the small ones are never starved.

Two backends with the same algorithm: Redis (a Lua script, atomic across processes) when a client or
URL is given, in-process (a lock and deques) otherwise. Time comes from a `Clock`, so tests drive it with
`FakeClock`; with Redis the timestamps are the callers' wall clocks (same host or NTP-synced hosts).
"""

from __future__ import annotations

import math
import threading
import uuid
from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import redis as redis_lib

from ._shared import shared_state
from .clock import Clock, SystemClock
from .errors import ThrottledError

# Floating point slack so a caller that sleeps exactly the returned wait finds the slot free.
_EPSILON = 1e-6


@dataclass(frozen=True, slots=True)
class Limit:
    count: int
    window: float  # seconds


@dataclass(frozen=True, slots=True)
class EndpointLimit:
    limits: tuple[Limit, ...]
    uses_app_quota: bool = True


# Basic/Advanced tier values from reference §3.6 and §5. Keys are endpoint paths without the version.
DEFAULT_ENDPOINT_LIMITS: Mapping[str, EndpointLimit] = {
    "catalog/product/upload": EndpointLimit((Limit(5, 1.0), Limit(300, 60.0))),
    "catalog/product/file": EndpointLimit((Limit(5, 1.0), Limit(300, 60.0))),
    "catalog/product/update": EndpointLimit((Limit(2, 1.0), Limit(120, 60.0))),
    "catalog/product/delete": EndpointLimit((Limit(2, 1.0), Limit(120, 60.0))),
    "event/track": EndpointLimit((Limit(1000, 1.0),), uses_app_quota=False),
}

_APP_PAUSE = "app"

_REDIS_ACQUIRE = """
local now = tonumber(ARGV[1])
local tenant = ARGV[2]
local active_ttl = tonumber(ARGV[3])
local member = ARGV[4]
local np = tonumber(ARGV[5])
local i = 6
local wait = 0
for p = 1, np do
  local until_ = tonumber(redis.call('GET', ARGV[i]) or '0')
  if until_ - now > wait then wait = until_ - now end
  i = i + 1
end
if wait > 0 then return tostring(wait) end
local nb = tonumber(ARGV[i])
i = i + 1
local grants = {}
for b = 1, nb do
  local key = ARGV[i]
  local count = tonumber(ARGV[i + 1])
  local window = tonumber(ARGV[i + 2])
  i = i + 3
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local n = redis.call('ZCARD', key)
  if n >= count then
    local oldest = redis.call('ZRANGE', key, n - count, n - count, 'WITHSCORES')
    local w = tonumber(oldest[2]) + window - now
    if w > wait then wait = w end
  end
  table.insert(grants, {key, window})
  if tenant ~= '' then
    local akey = key .. '|active'
    redis.call('ZADD', akey, now, tenant)
    redis.call('ZREMRANGEBYSCORE', akey, '-inf', now - active_ttl)
    redis.call('PEXPIRE', akey, math.ceil(active_ttl * 1000) + 1000)
    local share = math.max(1, math.ceil(count / redis.call('ZCARD', akey)))
    local tkey = key .. '|t|' .. tenant
    redis.call('ZREMRANGEBYSCORE', tkey, '-inf', now - window)
    local tn = redis.call('ZCARD', tkey)
    if tn >= share then
      local oldest = redis.call('ZRANGE', tkey, tn - share, tn - share, 'WITHSCORES')
      local w = tonumber(oldest[2]) + window - now
      if w > wait then wait = w end
    end
    table.insert(grants, {tkey, window})
  end
end
if wait > 0 then return tostring(wait) end
for _, g in ipairs(grants) do
  redis.call('ZADD', g[1], now, member)
  redis.call('PEXPIRE', g[1], math.ceil(g[2] * 1000) + 1000)
end
return '0'
"""

_REDIS_PAUSE = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local until_ = tonumber(ARGV[1])
if until_ > current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 1
"""


class _MemoryBackend:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._logs: defaultdict[str, deque[float]] = defaultdict(deque)
        self._active: defaultdict[str, dict[str, float]] = defaultdict(dict)
        self._pauses: dict[str, float] = {}

    def try_acquire(
        self, now: float, tenant: str, active_ttl: float, pauses: list[str], buckets: list[tuple[str, Limit]]
    ) -> float:
        with self._lock:
            wait = max((self._pauses.get(p, 0.0) - now for p in pauses), default=0.0)
            if wait > 0:
                return wait
            grants: list[str] = []
            for key, limit in buckets:
                log = self._pruned(key, now, limit.window)
                if len(log) >= limit.count:
                    wait = max(wait, log[len(log) - limit.count] + limit.window - now)
                grants.append(key)
                if tenant:
                    active = self._active[key]
                    active[tenant] = now
                    for name in [t for t, seen in active.items() if seen <= now - active_ttl]:
                        del active[name]
                    share = max(1, math.ceil(limit.count / len(active)))
                    tkey = f"{key}|t|{tenant}"
                    tlog = self._pruned(tkey, now, limit.window)
                    if len(tlog) >= share:
                        wait = max(wait, tlog[len(tlog) - share] + limit.window - now)
                    grants.append(tkey)
            if wait > 0:
                return wait
            for key in grants:
                self._logs[key].append(now)
            return 0.0

    def _pruned(self, key: str, now: float, window: float) -> deque[float]:
        log = self._logs[key]
        while log and log[0] <= now - window:
            log.popleft()
        return log

    def pause(self, key: str, until: float, seconds: float) -> None:
        with self._lock:
            self._pauses[key] = max(self._pauses.get(key, 0.0), until)


class _RedisBackend:
    def __init__(self, client: Any) -> None:
        self._client = client
        self._acquire = client.register_script(_REDIS_ACQUIRE)
        self._pause = client.register_script(_REDIS_PAUSE)

    def try_acquire(
        self, now: float, tenant: str, active_ttl: float, pauses: list[str], buckets: list[tuple[str, Limit]]
    ) -> float:
        args: list[Any] = [
            repr(now),
            tenant,
            repr(active_ttl),
            f"{now!r}:{uuid.uuid4().hex}",
            len(pauses),
            *pauses,
        ]
        args.append(len(buckets))
        for key, limit in buckets:
            args.extend([key, limit.count, repr(limit.window)])
        with shared_state("rate limiter"):
            return float(self._acquire(keys=[], args=args))

    def pause(self, key: str, until: float, seconds: float) -> None:
        with shared_state("rate limiter"):
            self._pause(keys=[key], args=[repr(until), math.ceil(max(seconds, 0.0) * 1000) + 1000])


class RateLimiter:
    """Shared limiter. `acquire(endpoint, tenant)` blocks (through the clock) until a request may be sent,
    or raises ThrottledError when that would take longer than `max_wait` seconds."""

    def __init__(
        self,
        *,
        app_qps: int = 10,
        endpoint_limits: Mapping[str, EndpointLimit] | None = None,
        redis: Any = None,
        key_prefix: str = "tiktok_api:rl",
        clock: Clock | None = None,
        active_ttl: float = 5.0,
        max_wait: float = 30.0,
        margin: float = 0.25,
    ) -> None:
        """`margin` seconds are added to every window: we count at send time, TikTok at arrival, and a
        slow request (a 5,000-product body) followed by a fast one arrives closer together than it was
        sent. With 0.25 s a 10 QPS limit is used at about 80 %, as the reliability notes recommend."""
        if app_qps < 1:
            raise ValueError("app_qps must be at least 1")
        self.app_limit = Limit(app_qps, 1.0)
        self.endpoint_limits = dict(DEFAULT_ENDPOINT_LIMITS if endpoint_limits is None else endpoint_limits)
        self.key_prefix = key_prefix
        self.clock: Clock = clock or SystemClock()
        self.active_ttl = active_ttl
        self.max_wait = max_wait
        self.margin = margin
        if isinstance(redis, str):
            redis = redis_lib.Redis.from_url(redis)
        self._backend: _MemoryBackend | _RedisBackend = (
            _RedisBackend(redis) if redis is not None else _MemoryBackend()
        )

    @property
    def shared(self) -> bool:
        """True when the limits are enforced across processes (Redis)."""
        return isinstance(self._backend, _RedisBackend)

    def _plan(self, endpoint: str) -> tuple[list[str], list[tuple[str, Limit]]]:
        endpoint = endpoint.strip("/")
        spec = self.endpoint_limits.get(endpoint)
        pauses = [f"{self.key_prefix}:pause:{endpoint}"]
        buckets: list[tuple[str, Limit]] = []
        if spec is None or spec.uses_app_quota:
            pauses.append(f"{self.key_prefix}:pause:{_APP_PAUSE}")
            buckets.append((f"{self.key_prefix}:app:{self.app_limit.window:g}", self._padded(self.app_limit)))
        for limit in spec.limits if spec else ():
            buckets.append((f"{self.key_prefix}:ep:{endpoint}:{limit.window:g}", self._padded(limit)))
        return pauses, buckets

    def _padded(self, limit: Limit) -> Limit:
        return Limit(limit.count, limit.window + self.margin) if self.margin else limit

    def try_acquire(self, endpoint: str, tenant: str | None = None) -> float:
        """Take a slot now and return 0.0, or take nothing and return the seconds to wait."""
        pauses, buckets = self._plan(endpoint)
        wait = self._backend.try_acquire(self.clock.now(), tenant or "", self.active_ttl, pauses, buckets)
        return wait + _EPSILON if wait > 0 else 0.0

    def acquire(self, endpoint: str, tenant: str | None = None, *, max_wait: float | None = None) -> None:
        budget = self.max_wait if max_wait is None else max_wait
        waited = 0.0
        while True:
            wait = self.try_acquire(endpoint, tenant)
            if wait == 0.0:
                return
            if waited + wait > budget:
                raise ThrottledError(
                    f"client-side rate limit for {endpoint.strip('/')}: next slot in {wait:.1f}s",
                    retry_after=wait,
                    endpoint=endpoint,
                )
            self.clock.sleep(wait)
            waited += wait

    def pause(self, endpoint: str | None, seconds: float) -> None:
        """Stop sending to `endpoint` (or the whole app when None) for `seconds`, in every process."""
        name = _APP_PAUSE if endpoint is None else endpoint.strip("/")
        self._backend.pause(f"{self.key_prefix}:pause:{name}", self.clock.now() + seconds, seconds)
