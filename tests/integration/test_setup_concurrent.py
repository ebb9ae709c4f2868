"""Two clicks on Confirm at once (or one after the other) on the first setup: one setup, one affiliate,
one audit entry, and every click answered as the first (the same redirect to the TikTok page).

The posts really race: each thread has its own Django test client and its own database connection
(a transactional test on PostgreSQL), released together by a barrier."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from core.models import AuditAction, AuditEvent
from integration.models import TikTokSetup
from store.models import Affiliate, InstalledApp
from tests.plugins.concurrency import race

from .test_connect import setup_form_data

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def confirm(store: Any) -> Callable[[Client], Any]:
    InstalledApp.objects.create(store=store, app="tiktok")
    url = reverse("tiktok-setup", kwargs={"account": store.account})
    data = {**setup_form_data(store), "action": "confirm"}
    return lambda client: client.post(url, data)


@pytest.mark.parametrize("clicks", [2, 8])
def test_concurrent_confirms_of_the_first_setup_save_it_once(store, admin_user_of_store, confirm, clicks):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL): the race needs real row locks")
    responses = race(clicks, confirm, admin_user_of_store)
    page = reverse("tiktok-page", kwargs={"account": store.account})
    assert [(r.status_code, r.get("Location")) for r in responses] == [(302, page)] * clicks
    setup = TikTokSetup.objects.get(store=store)
    assert (setup.affiliate_id, setup.phone) == ("TKT", "11912345678")
    assert list(Affiliate.objects.filter(store=store).values_list("code", flat=True)) == ["TKT"]
    events = list(AuditEvent.objects.filter(store=store, action=AuditAction.SETUP_SAVED))
    assert len(events) == 1
    assert events[0].detail["created"] is True


def test_a_second_confirm_after_the_first_is_answered_the_same_and_records_nothing(
    store, admin_user_of_store, confirm
):
    client = Client()
    client.force_login(admin_user_of_store)
    first = confirm(client)
    confirmed_at = TikTokSetup.objects.get(store=store).confirmed_at
    second = confirm(client)
    assert first.status_code == 302
    assert (second.status_code, second["Location"]) == (first.status_code, first["Location"])
    assert AuditEvent.objects.filter(store=store, action=AuditAction.SETUP_SAVED).count() == 1
    # Nothing was saved again either.
    assert TikTokSetup.objects.get(store=store).confirmed_at == confirmed_at
    # Neither message was shown yet: both clicks said the same.
    said = [str(m) for m in second.wsgi_request._messages]
    assert said == ["Setup confirmed. Now connect your TikTok account."] * 2


def test_a_changed_confirm_is_still_saved_and_recorded(store, admin_user_of_store, confirm):
    client = Client()
    client.force_login(admin_user_of_store)
    confirm(client)
    url = reverse("tiktok-setup", kwargs={"account": store.account})
    changed = client.post(url, {**setup_form_data(store, store_name="Loja Nova"), "action": "confirm"})
    assert changed.status_code == 302
    assert TikTokSetup.objects.get(store=store).store_name == "Loja Nova"
    details = [
        e.detail["created"]
        for e in AuditEvent.objects.filter(store=store, action=AuditAction.SETUP_SAVED).order_by("pk")
    ]
    assert details == [True, False]
