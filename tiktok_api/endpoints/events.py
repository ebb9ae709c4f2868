"""Pixels and server-side events (Events API 2.0, reference §4)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..client_base import ClientBase
from ..transport import open_api_path
from ..types import PageInfo, Pixel, PixelPage

MAX_EVENTS_PER_TRACK = 1000


class EventEndpoints(ClientBase):
    """Pixel and Events API endpoints of `TikTokClient`."""

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
