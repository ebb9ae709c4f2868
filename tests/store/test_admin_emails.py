"""One rule for who gets the store's e-mails (`store.selectors.store_admin_emails`): its active admins with
an e-mail address. Both e-mails to admins follow it: TikTok disconnected the store (integration) and the
catalog sync keeps failing (catalog_sync)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from catalog_sync import services as catalog_sync_services
from catalog_sync.models import SyncRun
from integration import services as integration_services
from integration.models import DisconnectReason, TikTokConnection
from store.models import Role
from store.selectors import store_admin_emails

pytestmark = pytest.mark.django_db


@pytest.fixture
def admins(store, make_store, make_user):
    make_user(store, Role.ADMIN, email="dona@loja.com.br")
    make_user(store, Role.ADMIN, email="socio@loja.com.br")
    make_user(store, Role.ADMIN, email="socio@loja.com.br")  # the same address twice: one e-mail
    make_user(store, Role.ADMIN, email="saiu@loja.com.br", is_active=False)
    make_user(store, Role.ADMIN, email="")
    make_user(store, Role.VIEWER, email="estagiario@loja.com.br")
    make_user(make_store(), Role.ADMIN, email="outra@loja.com.br")
    return ["dona@loja.com.br", "socio@loja.com.br"]


@pytest.fixture
def connection(store):
    return TikTokConnection.objects.create(
        store=store,
        external_business_id="ebid-1",
        connected_at=timezone.now(),
        disconnect_reason=DisconnectReason.TOKEN_REVOKED,
    )


def test_store_admin_emails_are_the_active_admins_with_an_address(store, admins):
    assert store_admin_emails(store.pk) == admins


def test_tiktok_disconnected_e_mail_skips_inactive_admins(store, admins, connection, mailoutbox):
    assert integration_services.admins_notify_disconnected(store.pk, connection.pk) == 1
    [message] = mailoutbox
    assert message.to == admins


def test_catalog_sync_failing_e_mail_skips_inactive_admins(store, admins, connection, mailoutbox):
    for _ in range(3):  # the runs in a row that fail before the e-mail
        SyncRun.objects.create(
            connection=connection,
            trigger="schedule",
            status="partial",
            started_at=timezone.now(),
            finished_at=timezone.now(),
            errors=[{"message": "50002: Internal service error"}],
        )
    assert catalog_sync_services.runs_notify_if_failing(connection.pk) is True
    [message] = mailoutbox
    assert message.to == admins
