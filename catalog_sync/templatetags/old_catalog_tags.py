"""`{% old_catalog_notices %}`: the earlier catalogs that still hold our products, on the TikTok page
(the integration page includes it through `settings.TIKTOK_PAGE_SECTIONS["old_catalog"]`)."""

from __future__ import annotations

from typing import Any

from django import template

from ..old_catalogs import old_catalogs_open

register = template.Library()


@register.inclusion_tag("catalog_sync/_old_catalogs_body.html", takes_context=True)
def old_catalog_notices(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    connection = context.get("connection")
    if connection is None or not connection.is_active:
        return {"notices": []}
    return {
        "notices": old_catalogs_open(connection.store_id),
        "connection": connection,
        "account": connection.store.account,
        "can_act": bool(context.get("can_act")),
        "request": request,
    }
