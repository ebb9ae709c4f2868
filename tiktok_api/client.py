"""TikTok Business API client: one method per endpoint, typed results, the shared rate limiter, the
catalog write lock and bounded retries.

Versions (see docs/tiktok-api-client.md): v1.3 everywhere it exists; business profile get on
`/open_api/v1.2/tbp/business_profile/get/` with Access-Token (what the WooCommerce plugin calls today; no
v1.3 variant exists); business-profile and TikTok Shop disconnect on the `/tbp/v2.0/...` paths
authenticated by `external_data` (no trailing slash there, as the plugins call them).

Access tokens are passed per call (one app serves many merchants) and never stored on the client.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests

from .catalog_lock import CatalogLock
from .clock import Clock, SystemClock
from .errors import (
    MINUTE_BREACH_PAUSE_SECONDS,
    CatalogBusyError,
    MalformedReplyError,
    PermanentError,
    RetryableError,
    ThrottledError,
    WriteOutcomeUnknown,
)
from .ratelimit import RateLimiter
from .transport import Envelope, Transport, encode_body, open_api_path
from .types import (
    AccessToken,
    Advertiser,
    BusinessProfile,
    Catalog,
    CatalogOverview,
    CatalogPage,
    FeedLog,
    PageInfo,
    Pixel,
    PixelPage,
    Product,
    ProductPage,
    RevokeResult,
)

MAX_PRODUCTS_PER_WRITE = 5000
MAX_SKUS_PER_DELETE = 1000
MAX_IDS_PER_GET = 1000
MAX_PRODUCT_PAGE_SIZE = 500
MAX_EVENTS_PER_TRACK = 1000


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter: attempt n waits between half and all of
    min(max_delay, base_delay * 2**(n-1)) (1s, 2s, 4s, 8s, 16s by default), at most `max_attempts` sends.
    A throttle asking for more than `max_inline_wait` seconds is raised to the caller instead."""

    max_attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 16.0
    max_inline_wait: float = 30.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


NO_RETRY = RetryPolicy(max_attempts=1)


class TikTokClient:
    def __init__(
        self,
        base_url: str,
        app_id: str,
        app_secret: str,
        *,
        timeout: tuple[float, float],
        rate_limiter: RateLimiter | None = None,
        lock: CatalogLock | None = None,
        session: requests.Session | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        lock_wait: float = 60.0,
        lock_poll_interval: float = 1.0,
        rng: random.Random | None = None,
    ) -> None:
        self.app_id = app_id
        self._app_secret = app_secret
        self.transport = Transport(base_url, timeout=timeout, session=session)
        self.clock: Clock = clock or SystemClock()
        self.rate_limiter = rate_limiter or RateLimiter(clock=self.clock)
        self.lock = lock or CatalogLock(clock=self.clock)
        self.retry = retry or RetryPolicy()
        self.lock_wait = lock_wait
        self.lock_poll_interval = lock_poll_interval
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security

    def __repr__(self) -> str:
        return f"TikTokClient(base_url={self.transport.base_url!r}, app_id={self.app_id!r})"

    # ------------------------------------------------------------------ plumbing

    def _call(
        self,
        method: str,
        path: str,
        *,
        limit_key: str,
        tenant: str | None = None,
        access_token: str | None = None,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        write: bool = False,
        idempotent: bool = True,
        policy: RetryPolicy | None = None,
    ) -> Envelope:
        """One logical call: rate limit, send, classify, retry what is retryable (bounded).

        Not retried inline: AuthError/Permission/Permanent (never), WriteOutcomeUnknown (the caller must
        check the feed log), a per-minute throttle (the endpoint is paused for everyone and the error is
        raised with retry_after=300), transport failures (including malformed replies) of non-idempotent
        calls."""
        retry = policy or self.retry
        # Encode once, before taking a rate-limit slot: a 5,000-product body takes a while to encode, and
        # the slot should be taken as close as possible to the moment TikTok counts the request.
        payload = encode_body(body) if body is not None else None
        attempt = 0
        while True:
            attempt += 1
            self.rate_limiter.acquire(limit_key, tenant)
            try:
                return self.transport.call(
                    method, path, access_token=access_token, params=params, body=payload, write=write
                )
            except ThrottledError as exc:
                if exc.per_minute:
                    self.rate_limiter.pause(limit_key, exc.retry_after)
                    raise
                wait = max(exc.retry_after, retry.delay(attempt, self._rng))
                if attempt >= retry.max_attempts:
                    self._throttle_persisted(exc, limit_key, attempt)
                    raise
                if wait > retry.max_inline_wait:
                    raise
                self.clock.sleep(wait)
            except RetryableError as exc:
                if not idempotent and (
                    isinstance(exc, MalformedReplyError) or (exc.code is None and exc.http_status is None)
                ):
                    raise  # transport failure or mangled reply: the request may have been processed
                if attempt >= retry.max_attempts:
                    raise
                self.clock.sleep(retry.delay(attempt, self._rng))

    def _throttle_persisted(self, exc: ThrottledError, limit_key: str, attempts: int) -> None:
        """TikTok's throttle messages do not reliably say which window was breached. A throttle that
        outlasts several backed-off attempts (seconds apart) on an endpoint with a per-minute limit is
        not a per-second one: treat it as a minute breach and pause that endpoint for everyone."""
        spec = self.rate_limiter.endpoint_limits.get(limit_key.strip("/"))
        has_minute_limit = spec is not None and any(limit.window >= 60 for limit in spec.limits)
        if exc.code is not None and attempts >= 3 and has_minute_limit:
            exc.per_minute = True
            exc.retry_after = MINUTE_BREACH_PAUSE_SECONDS
            self.rate_limiter.pause(limit_key, MINUTE_BREACH_PAUSE_SECONDS)

    @staticmethod
    def _data(envelope: Envelope) -> Mapping[str, Any]:
        return envelope.data if isinstance(envelope.data, Mapping) else {}

    # ------------------------------------------------------------------ OAuth

    def oauth_access_token(self, auth_code: str) -> AccessToken:
        """Exchange a single-use auth_code (valid 1 h) for a long-lived access token.
        Reference: §2.3, POST /open_api/v1.3/oauth2/access_token/ (no Access-Token header)."""
        envelope = self._call(
            "POST",
            open_api_path("v1.3", "oauth2/access_token"),
            limit_key="oauth2/access_token",
            body={
                "app_id": self.app_id,
                "secret": self._app_secret,
                "auth_code": auth_code,
                "return_advertiser_ids": True,
            },
            # A timed-out exchange may have consumed the code; re-sending would only get 40110.
            idempotent=False,
        )
        token = AccessToken.from_data(self._data(envelope))
        if not token.access_token:
            raise PermanentError(
                "access_token missing from a successful response",
                code=envelope.code,
                request_id=envelope.request_id,
                endpoint="oauth2/access_token",
            )
        return token

    def oauth_revoke_token(self, access_token: str) -> RevokeResult:
        """Revoke a token. Reference: §2.4, POST /open_api/v1.3/oauth2/revoke_token/."""
        envelope = self._call(
            "POST",
            open_api_path("v1.3", "oauth2/revoke_token"),
            limit_key="oauth2/revoke_token",
            body={"app_id": self.app_id, "secret": self._app_secret, "access_token": access_token},
        )
        return RevokeResult.from_data(self._data(envelope))

    def oauth_advertisers(self, access_token: str) -> list[Advertiser]:
        """Advertisers the token can reach. Reference: §2.4, GET /open_api/v1.3/oauth2/advertiser/get/."""
        envelope = self._call(
            "GET",
            open_api_path("v1.3", "oauth2/advertiser/get"),
            limit_key="oauth2/advertiser/get",
            access_token=access_token,
            params={"app_id": self.app_id, "secret": self._app_secret},
        )
        return [
            Advertiser.from_data(a) for a in self._data(envelope).get("list") or [] if isinstance(a, Mapping)
        ]

    # ------------------------------------------------------------------ Business profile (TBP)

    def business_profile_get(
        self,
        access_token: str,
        *,
        business_platform: str,
        external_business_id: str,
        external_data: str | None = None,
    ) -> BusinessProfile | None:
        """What the connection resolved to; None when TikTok answers `data == []`/`{}` (disconnected).
        Reference: §2.5, GET /open_api/v1.2/tbp/business_profile/get/ with Access-Token."""
        envelope = self._call(
            "GET",
            open_api_path("v1.2", "tbp/business_profile/get"),
            limit_key="tbp/business_profile/get",
            tenant=external_business_id,
            access_token=access_token,
            params={
                "business_platform": business_platform,
                "external_business_id": external_business_id,
                "full_data": 1,
                "external_data": external_data,
            },
        )
        if not isinstance(envelope.data, Mapping) or not envelope.data:
            return None
        return BusinessProfile.from_data(envelope.data)

    def business_profile_disconnect(
        self, *, business_platform: str, external_business_id: str, external_data: str
    ) -> None:
        """Disconnect the TBP business profile (authenticated by external_data, no token).
        Reference: §2.6, POST /tbp/v2.0/business_profile/disconnect?external_data=..."""
        self._call(
            "POST",
            "/tbp/v2.0/business_profile/disconnect",
            limit_key="tbp/business_profile/disconnect",
            tenant=external_business_id,
            params={"external_data": external_data},
            body={"business_platform": business_platform, "external_business_id": external_business_id},
        )

    def shop_connection_disconnect(self, *, external_data: str) -> None:
        """Disconnect the TikTok Shop connection (no body). Reference: §6,
        POST /tbp/v2.0/shop/connection/disconnect?external_data=..."""
        self._call(
            "POST",
            "/tbp/v2.0/shop/connection/disconnect",
            limit_key="tbp/shop/connection/disconnect",
            params={"external_data": external_data},
        )

    # ------------------------------------------------------------------ Catalogs

    def catalog_create(
        self,
        access_token: str,
        *,
        bc_id: str,
        name: str,
        region_code: str,
        currency: str,
        catalog_type: str = "ECOM",
        channel: str | None = None,
    ) -> str:
        """Create a catalog; returns its catalog_id. Reference: §3.1, POST /open_api/v1.3/catalog/create/."""
        conf: dict[str, Any] = {"region_code": region_code, "currency": currency}
        if channel:
            conf["channel"] = channel
        envelope = self._call(
            "POST",
            open_api_path("v1.3", "catalog/create"),
            limit_key="catalog/create",
            tenant=bc_id,
            access_token=access_token,
            body={"bc_id": bc_id, "name": name, "catalog_type": catalog_type, "catalog_conf": conf},
            idempotent=False,  # a re-sent create after a timeout could make a second catalog
        )
        return str(self._data(envelope).get("catalog_id") or "")

    def catalog_get(
        self,
        access_token: str,
        *,
        bc_id: str,
        catalog_id: str | None = None,
        page: int = 1,
        page_size: int = 10,
    ) -> CatalogPage:
        """Catalogs of a Business Center. Reference: §3.1, GET /open_api/v1.3/catalog/get/."""
        envelope = self._call(
            "GET",
            open_api_path("v1.3", "catalog/get"),
            limit_key="catalog/get",
            tenant=catalog_id or bc_id,
            access_token=access_token,
            params={"bc_id": bc_id, "catalog_id": catalog_id, "page": page, "page_size": page_size},
        )
        data = self._data(envelope)
        return CatalogPage(
            catalogs=tuple(Catalog.from_data(c) for c in data.get("list") or [] if isinstance(c, Mapping)),
            page_info=PageInfo.from_data(data.get("page_info")),
        )

    def catalog_overview(self, access_token: str, *, bc_id: str, catalog_id: str) -> CatalogOverview:
        """Review-status counts. Reference: §3.1, GET /open_api/v1.3/catalog/overview/."""
        envelope = self._call(
            "GET",
            open_api_path("v1.3", "catalog/overview"),
            limit_key="catalog/overview",
            tenant=catalog_id,
            access_token=access_token,
            params={"bc_id": bc_id, "catalog_id": catalog_id},
        )
        return CatalogOverview.from_data(self._data(envelope))

    # ------------------------------------------------------------------ Catalog writes

    def product_upload(
        self,
        access_token: str,
        *,
        bc_id: str,
        catalog_id: str,
        products: Sequence[Mapping[str, Any]],
        feed_id: str | None = None,
    ) -> str:
        """Upsert up to 5,000 products; returns the feed_log_id. Reference: §3.2,
        POST /open_api/v1.3/catalog/product/upload/."""
        if not 0 < len(products) <= MAX_PRODUCTS_PER_WRITE:
            raise ValueError(f"upload takes 1..{MAX_PRODUCTS_PER_WRITE} products, got {len(products)}")
        body: dict[str, Any] = {"bc_id": bc_id, "catalog_id": catalog_id, "products": list(products)}
        if feed_id:
            body["feed_id"] = feed_id
        return self._catalog_write("catalog/product/upload", access_token, bc_id, catalog_id, body)

    def product_update(
        self,
        access_token: str,
        *,
        bc_id: str,
        catalog_id: str,
        products: Sequence[Mapping[str, Any]],
        feed_id: str | None = None,
    ) -> str:
        """Partial update of up to 5,000 existing SKUs (cannot change item_group_id); returns the
        feed_log_id. Reference: §3.2, POST /open_api/v1.3/catalog/product/update/."""
        if not 0 < len(products) <= MAX_PRODUCTS_PER_WRITE:
            raise ValueError(f"update takes 1..{MAX_PRODUCTS_PER_WRITE} products, got {len(products)}")
        body: dict[str, Any] = {"bc_id": bc_id, "catalog_id": catalog_id, "products": list(products)}
        if feed_id:
            body["feed_id"] = feed_id
        return self._catalog_write("catalog/product/update", access_token, bc_id, catalog_id, body)

    def product_delete(
        self,
        access_token: str,
        *,
        bc_id: str,
        catalog_id: str,
        sku_ids: Sequence[str],
        feed_id: str | None = None,
    ) -> str:
        """Delete up to 1,000 SKUs; returns the feed_log_id. Reference: §3.2,
        POST /open_api/v1.3/catalog/product/delete/."""
        if not 0 < len(sku_ids) <= MAX_SKUS_PER_DELETE:
            raise ValueError(f"delete takes 1..{MAX_SKUS_PER_DELETE} sku_ids, got {len(sku_ids)}")
        body: dict[str, Any] = {
            "bc_id": bc_id,
            "catalog_id": catalog_id,
            "sku_ids": [str(s) for s in sku_ids],
        }
        if feed_id:
            body["feed_id"] = feed_id
        return self._catalog_write("catalog/product/delete", access_token, bc_id, catalog_id, body)

    def _catalog_write(
        self, endpoint: str, access_token: str, bc_id: str, catalog_id: str, body: Mapping[str, Any]
    ) -> str:
        token = self._catalog_lock_take(access_token, bc_id, catalog_id)
        try:
            envelope = self._call(
                "POST",
                open_api_path("v1.3", endpoint),
                limit_key=endpoint,
                tenant=catalog_id,
                access_token=access_token,
                body=body,
                write=True,
            )
        except WriteOutcomeUnknown:
            # TikTok may be processing it: keep the lock until write_ttl so nobody collides with it.
            raise
        except BaseException:
            self._lock_release_quietly(catalog_id, token)
            raise
        feed_log_id = str(self._data(envelope).get("feed_log_id") or "")
        if not feed_log_id:
            self._lock_release_quietly(catalog_id, token)
            raise PermanentError(
                "feed_log_id missing from a successful write",
                code=envelope.code,
                request_id=envelope.request_id,
                endpoint=endpoint,
            )
        self.lock.attach_feed_log(catalog_id, token, feed_log_id)
        return feed_log_id

    def _lock_release_quietly(self, catalog_id: str, token: str) -> None:
        # On an error path: a lock store that is down must not hide the original error (the TTL frees it).
        try:
            self.lock.release(catalog_id, token)
        except RetryableError:
            pass

    def _catalog_lock_take(self, access_token: str, bc_id: str, catalog_id: str) -> str:
        """Wait (up to lock_wait) for the previous write on this catalog to finish processing. While
        waiting, look the holder's feed log up ourselves: the writer may be gone and nobody else polling."""
        deadline = self.clock.now() + self.lock_wait
        while True:
            token = self.lock.acquire(catalog_id)
            if token is not None:
                return token
            state = self.lock.holder(catalog_id)
            if state is not None and state.feed_log_id:
                try:
                    # One try: a throttled or failed look-up just waits for the next poll.
                    log = self._feed_log(access_token, bc_id, catalog_id, state.feed_log_id, "en", NO_RETRY)
                except RetryableError:
                    log = None
                if log is not None and log.done:
                    continue  # product_log released it
            if self.clock.now() + self.lock_poll_interval > deadline:
                raise CatalogBusyError(
                    f"catalog {catalog_id} has a write still processing",
                    retry_after=max(self.lock_poll_interval, 1.0),
                    endpoint="catalog/product",
                )
            self.clock.sleep(self.lock_poll_interval)

    # ------------------------------------------------------------------ Catalog reads

    def product_get(
        self,
        access_token: str,
        *,
        bc_id: str,
        catalog_id: str,
        sku_ids: Sequence[str] | None = None,
        product_ids: Sequence[str] | None = None,
        page: int = 1,
        page_size: int = 100,
        conditions: Mapping[str, Any] | None = None,
    ) -> ProductPage:
        """Products with their review status. Reference: §3.4, GET /open_api/v1.3/catalog/product/get/."""
        if sku_ids is not None and product_ids is not None:
            raise ValueError("pass sku_ids or product_ids, not both")
        ids = sku_ids if sku_ids is not None else product_ids
        if ids is not None and len(ids) > MAX_IDS_PER_GET:
            raise ValueError(f"product get takes at most {MAX_IDS_PER_GET} ids")
        if not 1 <= page_size <= MAX_PRODUCT_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PRODUCT_PAGE_SIZE}")
        envelope = self._call(
            "GET",
            open_api_path("v1.3", "catalog/product/get"),
            limit_key="catalog/product/get",
            tenant=catalog_id,
            access_token=access_token,
            params={
                "bc_id": bc_id,
                "catalog_id": catalog_id,
                "sku_ids": [str(s) for s in sku_ids] if sku_ids is not None else None,
                "product_ids": [str(p) for p in product_ids] if product_ids is not None else None,
                "page": page,
                "page_size": page_size,
                "conditions": dict(conditions) if conditions else None,
            },
        )
        data = self._data(envelope)
        return ProductPage(
            products=tuple(Product.from_data(p) for p in data.get("list") or [] if isinstance(p, Mapping)),
            page_info=PageInfo.from_data(data.get("page_info")),
        )

    def product_log(
        self, access_token: str, *, bc_id: str, catalog_id: str, feed_log_id: str, language: str = "en"
    ) -> FeedLog:
        """The outcome of a write. When it has left WAITING/PROCESSING the catalog lock held for it is
        released. Reference: §3.3, GET /open_api/v1.3/catalog/product/log/."""
        return self._feed_log(access_token, bc_id, catalog_id, str(feed_log_id), language, self.retry)

    def _feed_log(
        self,
        access_token: str,
        bc_id: str,
        catalog_id: str,
        feed_log_id: str,
        language: str,
        policy: RetryPolicy,
    ) -> FeedLog:
        envelope = self._call(
            "GET",
            open_api_path("v1.3", "catalog/product/log"),
            limit_key="catalog/product/log",
            tenant=catalog_id,
            access_token=access_token,
            params={
                "bc_id": bc_id,
                "catalog_id": catalog_id,
                "feed_log_id": feed_log_id,
                "language": language,
            },
            policy=policy,
        )
        log = FeedLog.from_data(self._data(envelope), feed_log_id)
        if log.done:
            self.lock.release_feed_log(catalog_id, str(feed_log_id))
        return log

    # ------------------------------------------------------------------ Pixel and events

    def pixel_list(
        self,
        access_token: str,
        *,
        advertiser_id: str,
        code: str | None = None,
        page: int = 1,
        page_size: int = 10,
    ) -> PixelPage:
        """Pixels of an advertiser (Advanced Matching flags included). Reference: §4.6,
        GET /open_api/v1.3/pixel/list/."""
        envelope = self._call(
            "GET",
            open_api_path("v1.3", "pixel/list"),
            limit_key="pixel/list",
            tenant=code or advertiser_id,
            access_token=access_token,
            params={"advertiser_id": advertiser_id, "code": code, "page": page, "page_size": page_size},
        )
        data = self._data(envelope)
        return PixelPage(
            pixels=tuple(Pixel.from_data(p) for p in data.get("pixels") or [] if isinstance(p, Mapping)),
            page_info=PageInfo.from_data(data.get("page_info")),
        )

    def event_track(
        self,
        access_token: str,
        *,
        pixel_code: str,
        events: Sequence[Mapping[str, Any]],
        partner_name: str,
        event_source: str = "web",
        test_event_code: str | None = None,
    ) -> None:
        """Send up to 1,000 server-side events (Events API 2.0). Re-sending is safe: TikTok dedups on
        (pixel, event, event_id) for 48 h. Reference: §4.4, POST /open_api/v1.3/event/track/."""
        if not 0 < len(events) <= MAX_EVENTS_PER_TRACK:
            raise ValueError(f"event track takes 1..{MAX_EVENTS_PER_TRACK} events, got {len(events)}")
        body: dict[str, Any] = {
            "event_source": event_source,
            "event_source_id": pixel_code,
            "partner_name": partner_name,
            "data": list(events),
        }
        if test_event_code:
            body["test_event_code"] = test_event_code
        self._call(
            "POST",
            open_api_path("v1.3", "event/track"),
            limit_key="event/track",
            tenant=pixel_code,
            access_token=access_token,
            body=body,
        )
