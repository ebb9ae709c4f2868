"""`{% catalog_sync_panel %}`: the sync widgets on the TikTok page (included by the integration page)."""

from __future__ import annotations

from typing import Any

from django import template

from integration.selectors import connection_active_for_store

from ..selectors import panel_data

register = template.Library()


@register.inclusion_tag("catalog_sync/_panel_body.html", takes_context=True)
def catalog_sync_panel(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    connection = context.get("connection")
    store = getattr(request, "store", None)
    if connection is None and store is not None:
        connection = connection_active_for_store(store.pk)
    if connection is None or not connection.is_active:
        return {"panel": None, "request": request}
    return {
        "panel": panel_data(connection),
        "request": request,
        "account": connection.store.account,
        "can_act": bool(context.get("can_act")),
        "csrf_token": context.get("csrf_token"),
    }
