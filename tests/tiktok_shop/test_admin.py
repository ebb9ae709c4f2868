"""Django admin (operations): the shop connections, runs and settings are visible; ops can disconnect."""

from __future__ import annotations

import responses
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from tiktok_shop.models import ShopConnection, ShopStatus, StoreChannelSettings

DISCONNECT_URL = f"{settings.TIKTOK_API_BASE_URL}/tbp/v2.0/shop/connection/disconnect"


@responses.activate
def test_ops_see_shop_state_and_can_disconnect(store, make_shop_connection):
    connection = make_shop_connection(store)
    ops = get_user_model().objects.create_superuser("ops", "ops@example.com", "pass-1234-word")
    c = Client()
    c.force_login(ops)
    for path in ("shopconnection", "shopimportrun", "storechannelsettings", "shopconnectattempt"):
        assert c.get(f"/django-admin/tiktok_shop/{path}/").status_code == 200
    page = c.get("/django-admin/tiktok_shop/shopconnection/").content.decode()
    assert "Loja Demo TikTok Shop" in page
    responses.post(DISCONNECT_URL, json={"code": 0, "message": "OK", "request_id": "1", "data": {}})
    c.post(
        "/django-admin/tiktok_shop/shopconnection/",
        {"action": "disconnect_selected", "_selected_action": [connection.pk]},
    )
    connection.refresh_from_db()
    assert connection.status == ShopStatus.DISCONNECTED and connection.disconnected_by == ops
    assert StoreChannelSettings.objects.get(store=store).snapshot() == connection.settings_snapshot
    assert ShopConnection.objects.live().count() == 0
