"""Eligibility and the setup form: what must hold before a store may connect."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.models import AuditAction
from store import services as store_services
from store.models import Store

from ..errors import IntegrationError
from ..models import TikTokConnection, TikTokSetup

TIKTOK_AFFILIATE_NAME = "TikTok"


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reasons: tuple[str, ...]


def store_eligibility(store: Store, *, brl_policy_count: int | None = None) -> Eligibility:
    """TikTok for Business is available only for stores in Brazil selling through a BRL trade policy."""
    reasons: list[str] = []
    if store.country != "BR":
        reasons.append(_("The integration with TikTok is available only for stores in Brazil."))
    if brl_policy_count is None:
        brl_policy_count = store.trade_policies.filter(currency="BRL", is_active=True).count()
    if brl_policy_count == 0:
        reasons.append(_("The store needs an active trade policy in Brazilian reais (BRL)."))
    return Eligibility(eligible=not reasons, reasons=tuple(reasons))


def _same_confirm(setup: TikTokSetup, data: dict[str, Any], editable: dict[str, Any]) -> bool:
    """The setup already holds exactly what is being confirmed, confirmed since the last disconnect: a
    second click on Confirm (or two at once), with nothing left to save or to record."""
    if (
        setup.confirmed_at is None
        or setup.affiliate_id != data["affiliate_id"]
        or setup.website != data["website"]
    ):
        return False
    if setup.trade_policy_id != editable["trade_policy"].pk:
        return False
    if any(getattr(setup, name) != value for name, value in editable.items() if name != "trade_policy"):
        return False
    ended = (
        TikTokConnection.objects.for_store(setup.store_id)
        .order_by("-connected_at", "-pk")
        .values_list("disconnected_at", flat=True)
        .first()
    )
    # A reconnect repeats the setup after the disconnect: that confirm is a new one.
    return ended is None or setup.confirmed_at > ended


def setup_confirm(store: Store, data: dict[str, Any], *, actor: AbstractBaseUser) -> TikTokSetup:
    """Save the confirmed setup form. The affiliate ID and the website are set once, at creation:
    later confirmations (a reconnect) keep them whatever was posted. Confirming again what is already
    confirmed changes nothing and records nothing (a double click)."""
    if not store_eligibility(store).eligible:
        raise IntegrationError(
            _("The integration with TikTok is not available for this store."), code="ineligible"
        )
    policy = data["trade_policy"]
    if policy.store_id != store.pk or policy.currency != "BRL":
        raise IntegrationError(_("Choose a trade policy in Brazilian reais (BRL)."), code="trade_policy")
    editable = {
        "trade_policy": policy,
        "store_name": data["store_name"],
        "segment": data["segment"],
        "country": data["country"],
        "time_zone": data["time_zone"],
        "contact_email": data["contact_email"],
        "phone_country_code": data["phone_country_code"],
        "phone": data["phone"],
    }
    now = timezone.now()
    with transaction.atomic():
        # The confirms of one store take turns, so each sees what the one before saved: without it two at
        # once both find no setup and both create one. NO KEY UPDATE: rows referencing the store (carts,
        # orders) can still be written meanwhile.
        Store.objects.select_for_update(no_key=True).filter(pk=store.pk).first()
        setup = TikTokSetup.objects.filter(store=store).first()
        if setup is not None and _same_confirm(setup, data, editable):
            return setup
        created = setup is None
        if setup is None:
            affiliate_id = data["affiliate_id"]
            try:
                store_services.affiliate_create(store, code=affiliate_id, name=TIKTOK_AFFILIATE_NAME)
            except store_services.AffiliateTakenError as exc:
                raise IntegrationError(
                    _("The affiliate ID %(code)s is already used in this store. Choose a new one.")
                    % {"code": affiliate_id},
                    code="affiliate_taken",
                ) from exc
            setup = TikTokSetup.objects.create(
                store=store,
                affiliate_id=affiliate_id,
                website=data["website"],
                external_business_id=f"vtex-{store.account}-{secrets.token_hex(6)}",
                confirmed_at=now,
                **editable,
            )
        else:
            for name, value in editable.items():
                setattr(setup, name, value)
            setup.confirmed_at = now
            setup.save()
        audit_record(
            store.pk,
            AuditAction.SETUP_SAVED,
            actor=actor,
            detail={"affiliate_id": setup.affiliate_id, "created": created, "trade_policy": policy.code},
        )
    return setup
