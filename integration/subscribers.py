"""What the TikTok for Business connection does when the store publishes a change (`store.changes`,
registered in `settings.STORE_CHANGE_SUBSCRIBERS`): installing and uninstalling the app go to the audit
trail, and the app cannot be uninstalled while connected."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.models import AuditAction
from store import changes

from .selectors import connection_active_for_store
from .services import audit_record

TIKTOK_APP = "tiktok"


def on_store_change(event: changes.StoreChange) -> None:
    if isinstance(event, changes.AppInstalled) and event.app == TIKTOK_APP:
        audit_record(event.store_id, AuditAction.APP_INSTALLED, actor=event.actor, detail={"app": event.app})
    elif isinstance(event, changes.AppUninstallRequested) and event.app == TIKTOK_APP:
        # Disconnecting is its own, explicit step (it stops the pixel and the sync and may fail on TikTok's
        # side), so the merchant does it first.
        if connection_active_for_store(event.store_id) is not None:
            raise changes.Refused(
                _("Disconnect TikTok first (Marketplace > TikTok > Disconnect), then uninstall the app.")
            )
    elif isinstance(event, changes.AppUninstalled) and event.app == TIKTOK_APP:
        audit_record(
            event.store_id, AuditAction.APP_UNINSTALLED, actor=event.actor, detail={"app": event.app}
        )
