"""The sandbox's seller authorization page never preselects a shop the store can never be connected to
(a shop of another region always ends in region_mismatch)."""

from __future__ import annotations

import re

import pytest
import requests

from .shop_sandbox import OWNER, SHOP_BR_2, SHOP_US
from .test_sandbox_shop_contract import ext

pytestmark = pytest.mark.slow


def checked_shops(sandbox, **fields) -> tuple[list[str], list[str]]:
    s = requests.Session()
    page = s.get(
        f"{sandbox.url}/seller/authorize", params={"external_data": ext(sandbox, **fields)}, timeout=10
    )
    resp = s.post(page.url, data={"action": "login", "email": OWNER, "password": "sandbox"}, timeout=10)
    assert resp.status_code == 200
    radios = re.findall(r'<input type="radio" name="shop_id" value="(\d+)"[^>]*?( checked)?>', resp.text)
    return [shop for shop, _ in radios], [shop for shop, checked in radios if checked]


def test_a_brazilian_store_gets_a_brazilian_shop_preselected(sandbox):
    shops, checked = checked_shops(sandbox, country_region="BR")
    # The owner's shops sorted by name: "Demo US Shop" comes first, and used to be preselected.
    assert shops[0] == SHOP_US
    assert checked == [SHOP_BR_2]


def test_nothing_is_preselected_when_no_shop_fits_the_store(sandbox):
    shops, checked = checked_shops(sandbox, country_region="MX")
    assert len(shops) == 3
    assert checked == []


def test_a_us_store_gets_the_us_shop(sandbox):
    assert checked_shops(sandbox, country_region="US")[1] == [SHOP_US]
