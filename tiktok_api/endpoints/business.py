"""Business profile (TBP) and TikTok Shop connection: get and disconnect (reference §2.5-2.6, §6)."""

from __future__ import annotations

from collections.abc import Mapping

from ..client_base import ClientBase
from ..transport import open_api_path
from ..types import BusinessProfile


class BusinessEndpoints(ClientBase):
    """Business-profile (TBP) and TikTok Shop connection endpoints of `TikTokClient`."""

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
