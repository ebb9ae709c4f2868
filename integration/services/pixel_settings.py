"""What our storefront pixel sends: the Advanced Matching toggle."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.models import AuditAction

from .. import events
from ..errors import IntegrationError
from ..models import TikTokConnection


def advanced_matching_set(connection_id: int, *, enabled: bool, actor: AbstractBaseUser) -> bool:
    """Turn Advanced Matching on or off for our pixel. Returns True when the value changed."""
    changed = (
        TikTokConnection.objects.active()
        .filter(pk=connection_id)
        .exclude(advanced_matching=enabled)
        .update(advanced_matching=enabled)
    )
    if not changed:
        if not TikTokConnection.objects.active().filter(pk=connection_id).exists():
            raise IntegrationError(_("This store is not connected to TikTok."), code="not_connected")
        return False
    store_id = TikTokConnection.objects.values_list("store_id", flat=True).get(pk=connection_id)
    audit_record(
        store_id,
        AuditAction.ADVANCED_MATCHING_ON if enabled else AuditAction.ADVANCED_MATCHING_OFF,
        actor=actor,
        detail={"connection_id": connection_id},
    )
    events.publish(events.PixelSettingsChanged(store_id=store_id, connection_id=connection_id))
    return True
