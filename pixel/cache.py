"""Which pixel a store's storefront gets, without a database query per page view.

Two modes, picked from the cache backend:
- shared cache (Redis/Memcached): one entry per store account, deleted on every change; each process
  keeps what it read for PIXEL_CONFIG_LOCAL_TTL (1 s), so every web process sees a disconnect within
  a second, with at most one cache round trip per store per second;
- otherwise (the embedded default with a per-process memory cache): each process remembers configs
  in memory and a watcher thread compares a database version stamp every PIXEL_CONFIG_CHECK_SECONDS
  (2 s), so a disconnected store stops getting the pixel within that time on every process and page
  views make no query once their store is known.

`pixel_config_invalidate(store_id)` is called by connect, disconnect, the Advanced Matching toggle and
the pixel settings form. It acts at once and again after the surrounding transaction commits, so a
process cannot re-cache the old row in between.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connections, transaction
from django.db.models import F

from integration.models import TikTokConnection
from store.models import CmsKind, Store

from .models import PixelConfigStamp, PixelSettings, PurchaseEvent

logger = logging.getLogger(__name__)

PIXEL_CODE_RE = re.compile(r"^[A-Z0-9]{8,32}$")
CACHE_PREFIX = "pixel:cfg:v1:"
# A safety net for changes that nobody invalidated (e.g. a store switching CMS kind in the Django admin).
SHARED_TTL_SECONDS = 300
LOCAL_MAX_AGE_SECONDS = 60.0
_NONE = "none"  # cached marker for "this store gets no pixel" (None itself means a cache miss)


@dataclass(frozen=True)
class PixelConfig:
    store_id: int
    account: str
    pixel_code: str
    advanced_matching: bool
    purchase_event: str
    require_consent: bool
    currency: str


def _check_seconds() -> float:
    return float(getattr(settings, "PIXEL_CONFIG_CHECK_SECONDS", 2.0))


# Backends every web process shares. Matched by module, not by substring: "LocMemCache" contains
# "MemCache" and is private to one process.
SHARED_BACKENDS = (
    "django.core.cache.backends.redis.",
    "django.core.cache.backends.memcached.",
    "django_redis.",
)


def shared_cache_enabled() -> bool:
    """Is the default cache one every process shares (Redis, memcached)?"""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    return backend.startswith(SHARED_BACKENDS)


def pixel_config_load(account: str) -> PixelConfig | None:
    """Read the config from the database (cache misses only). None when the store gets no pixel:
    unknown account, not a VTEX IO store, no active connection, or no valid pixel code."""
    row = (
        TikTokConnection.objects.active()
        .filter(store__account=account, store__cms_kind=CmsKind.IO)
        .values("store_id", "pixel_code", "advanced_matching", "store__currency")
        .first()
    )
    if row is None:
        return None
    if not PIXEL_CODE_RE.match(row["pixel_code"] or ""):
        logger.warning("pixel: store %s has an invalid pixel code; not injecting", row["store_id"])
        return None
    ps = (
        PixelSettings.objects.filter(store_id=row["store_id"])
        .values("purchase_event", "require_consent")
        .first()
    )
    return PixelConfig(
        store_id=row["store_id"],
        account=account,
        pixel_code=row["pixel_code"],
        advanced_matching=bool(row["advanced_matching"]),
        purchase_event=ps["purchase_event"] if ps else PurchaseEvent.PLACE_AN_ORDER.value,
        require_consent=bool(ps["require_consent"]) if ps else False,
        currency=row["store__currency"] or "BRL",
    )


class LocalConfigs:
    """Per-process memory for the no-shared-cache mode.

    Normally a daemon thread per process ("watcher") reads the stamp every PIXEL_CONFIG_CHECK_SECONDS
    and reloads the remembered configs when it moved (or when they are a minute old), so a page view
    never queries the database once its store is known. Without the thread (tests, or
    PIXEL_CONFIG_WATCHER = False) the request itself compares the stamp at most every interval."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, *, watch: bool | None = None) -> None:
        self.clock = clock
        self.watch = watch
        self.lock = threading.Lock()
        self.entries: dict[str, tuple[float, PixelConfig | None]] = {}
        self.stamp: int | None = None
        self.checked_at = float("-inf")
        self.watcher_pid: int | None = None
        self.stopped = threading.Event()

    def reset(self) -> None:
        with self.lock:
            self.entries = {}
            self.stamp = None
            self.checked_at = float("-inf")

    def stop(self) -> None:
        self.stopped.set()

    def watching(self) -> bool:
        if self.watch is not None:
            return self.watch
        default = not getattr(settings, "TESTING", False)
        return bool(getattr(settings, "PIXEL_CONFIG_WATCHER", default))

    @staticmethod
    def _read_stamp() -> int:
        return PixelConfigStamp.objects.filter(pk=1).values_list("version", flat=True).first() or 0

    # --- without the watcher: the request compares the stamp --------------------------------------

    def _refresh_inline(self, now: float) -> None:
        if now - self.checked_at < _check_seconds():
            return
        version = self._read_stamp()
        with self.lock:
            if version != self.stamp:
                self.entries = {}
                self.stamp = version
            self.checked_at = now

    # --- with the watcher ---------------------------------------------------------------------------

    def _ensure_watcher(self) -> None:
        pid = os.getpid()
        if self.watcher_pid == pid:
            return
        with self.lock:
            if self.watcher_pid == pid:
                return
            if self.watcher_pid is not None:
                # A forked child: what the parent remembered is not watched here.
                self.entries, self.stamp = {}, None
            self.watcher_pid = pid
        thread = threading.Thread(target=self._watch, args=(pid,), name="pixel-config-watcher", daemon=True)
        thread.start()

    def _watch(self, pid: int) -> None:
        while os.getpid() == pid and not self.stopped.is_set():
            try:
                self.refresh()
            except Exception:  # noqa: BLE001 - keep watching; a database hiccup must not end the thread
                logger.warning("pixel: could not refresh the pixel configs", exc_info=True)
            finally:
                connections.close_all()  # this thread's connections only
            self.stopped.wait(_check_seconds())

    def refresh(self) -> None:
        """One watcher round: reload every remembered config when the stamp moved, or the old ones."""
        now = self.clock()
        version = self._read_stamp()
        with self.lock:
            changed = version != self.stamp
            targets = [
                a for a, (t, _c) in self.entries.items() if changed or now - t >= LOCAL_MAX_AGE_SECONDS
            ]
        if not changed and not targets:
            return
        fresh = {account: (now, pixel_config_load(account)) for account in targets}
        with self.lock:
            if changed:
                self.entries = fresh
                self.stamp = version
            else:
                self.entries.update(fresh)

    # --- the lookup -----------------------------------------------------------------------------------

    def get(self, account: str) -> PixelConfig | None:
        now = self.clock()
        watching = self.watching()
        if watching:
            self._ensure_watcher()
        else:
            self._refresh_inline(now)
        hit = self.entries.get(account)
        if hit is not None and (watching or now - hit[0] < LOCAL_MAX_AGE_SECONDS):
            return hit[1]
        stamp = self.stamp
        config = pixel_config_load(account)
        with self.lock:
            # Loaded under an older stamp than the watcher has now seen: may predate the change, so
            # answer with it this once but do not remember it.
            if self.stamp == stamp:
                self.entries[account] = (now, config)
        return config


# The memos' time source; tests drive it with `memo_clock_use` instead of sleeping.
_clock: Callable[[], float] = time.monotonic


def memo_clock_use(clock: Callable[[], float]) -> Callable[[], float]:
    """Make this process's memos read time from `clock`; returns the clock used until now."""
    global _clock
    previous, _clock = _clock, clock
    return previous


def _memo_now() -> float:
    return _clock()


_local = LocalConfigs(clock=_memo_now)


def _shared_get(account: str) -> PixelConfig | None:
    key = CACHE_PREFIX + account
    try:
        cached = cache.get(key)
    except Exception:  # noqa: BLE001 - a cache outage must never break the storefront
        logger.warning("pixel: cache unavailable; not injecting the pixel on this request", exc_info=True)
        return None
    if cached == _NONE:
        return None
    if isinstance(cached, dict):
        return PixelConfig(**cached)
    config = pixel_config_load(account)
    try:
        cache.set(key, asdict(config) if config else _NONE, SHARED_TTL_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("pixel: cache unavailable while storing a config", exc_info=True)
    return config


def _shared_local_ttl() -> float:
    return float(getattr(settings, "PIXEL_CONFIG_LOCAL_TTL", 1.0))


# In front of the shared cache: what this process read from it in the last second. It saves a Redis
# round trip on most page views; other processes see a change at most PIXEL_CONFIG_LOCAL_TTL later.
_shared_memo: dict[str, tuple[float, PixelConfig | None]] = {}


def pixel_config_for_account(account: str) -> PixelConfig | None:
    """The pixel for the storefront of `account`, or None. No database query on a warm cache."""
    if shared_cache_enabled():
        now = _memo_now()
        hit = _shared_memo.get(account)
        if hit is not None and now - hit[0] < _shared_local_ttl():
            return hit[1]
        config = _shared_get(account)
        _shared_memo[account] = (now, config)
        return config
    return _local.get(account)


def _invalidate_now(store_id: int) -> None:
    updated = PixelConfigStamp.objects.filter(pk=1).update(version=F("version") + 1)
    if not updated:
        PixelConfigStamp.objects.get_or_create(pk=1, defaults={"version": 1})
    account = Store.objects.filter(pk=store_id).values_list("account", flat=True).first()
    if account and shared_cache_enabled():
        try:
            cache.delete(CACHE_PREFIX + account)
        except Exception:  # noqa: BLE001
            logger.warning("pixel: could not delete the cached config of store %s", store_id, exc_info=True)
    # This process forgets at once; the others follow the stamp.
    process_memo_forget()


def process_memo_forget() -> None:
    """Drop this process's copies of pixel configs (the shared cache is left alone)."""
    _local.reset()
    _shared_memo.clear()


def pixel_config_invalidate(store_id: int) -> None:
    """Forget the cached pixel of `store_id` on every web process. Call it after connect, disconnect,
    the Advanced Matching toggle and any pixel setting change (inside or outside a transaction)."""
    _invalidate_now(store_id)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _invalidate_now(store_id))
