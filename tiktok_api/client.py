"""TikTok Business API client: one method per endpoint, typed results, the shared rate limiter, the
catalog write lock and bounded retries.

Versions (see docs/tiktok-api-client.md): v1.3 everywhere it exists; business profile get on
`/open_api/v1.2/tbp/business_profile/get/` with Access-Token (what the WooCommerce plugin calls today; no
v1.3 variant exists); business-profile and TikTok Shop disconnect on the `/tbp/v2.0/...` paths
authenticated by `external_data` (no trailing slash there, as the plugins call them).

Access tokens are passed per call (one app serves many merchants) and never stored on the client.
"""

from __future__ import annotations

from .client_base import NO_RETRY, RetryPolicy
from .endpoints import (
    AdsEndpoints,
    AuthEndpoints,
    BusinessEndpoints,
    CatalogEndpoints,
    CatalogFileEndpoints,
    EventEndpoints,
)

__all__ = ["NO_RETRY", "RetryPolicy", "TikTokClient"]


class TikTokClient(
    AuthEndpoints, BusinessEndpoints, CatalogEndpoints, CatalogFileEndpoints, EventEndpoints, AdsEndpoints
):
    """One method per endpoint (see docs/tiktok-api-client.md); the plumbing is `ClientBase`'s."""

    def __repr__(self) -> str:
        return f"TikTokClient(base_url={self.transport.base_url!r}, app_id={self.app_id!r})"
