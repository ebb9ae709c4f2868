from __future__ import annotations

from io import StringIO

import pytest
import responses
from django.conf import settings
from django.core.management import CommandError, call_command

from tiktok_shop.models import ShopConnection

API = settings.TIKTOK_API_BASE_URL
OK = {"code": 0, "message": "OK", "request_id": "1", "data": {}}


def run(*args: str) -> str:
    out = StringIO()
    call_command("tiktok_shop", *args, stdout=out)
    return out.getvalue()


@responses.activate
def test_status_import_and_disconnect(store, make_shop_connection):
    make_shop_connection(store)
    assert "lojademo: connected shop=Loja Demo TikTok Shop (7500000000000000001, BR)" in run("status")
    responses.get(f"{API}/tbp/v2.0/shop/order/list", json={**OK, "data": {"orders": [], "has_more": False}})
    assert "lojademo: succeeded fetched=0 created=0 updated=0" in run("import", "--account", "lojademo")
    with pytest.raises(CommandError):
        run("disconnect")
    responses.post(f"{API}/tbp/v2.0/shop/connection/disconnect", json=OK)
    assert (
        run("disconnect", "--account", "lojademo").strip() == "lojademo: disconnected Loja Demo TikTok Shop"
    )
    assert ShopConnection.objects.live().count() == 0
    assert run("status").strip() == "no live TikTok Shop connection"
