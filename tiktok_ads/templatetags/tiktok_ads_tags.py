"""`{% tiktok_ads_section %}`: the Ads section of the TikTok page (included by the integration page
through `settings.TIKTOK_PAGE_SECTIONS["ads"]`). Reads the local copy only."""

from __future__ import annotations

from typing import Any

from django import template

from ..selectors import ads_section

register = template.Library()


@register.inclusion_tag("tiktok_ads/_section_body.html", takes_context=True)
def tiktok_ads_section(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    connection = context.get("connection")
    if connection is None or not connection.is_active:
        return {"ads": None}
    store = connection.store
    return {
        "ads": ads_section(connection, store.time_zone),
        "account": store.account,
        "can_act": bool(context.get("can_act")),
        "open_section": context.get("open_section", ""),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
