"""E-mails to the store's admins about their connection."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from store.models import Store
from store.selectors import store_admin_emails

from ..models import TikTokConnection


def admins_notify_disconnected(store_id: int, connection_id: int) -> int:
    """E-mail the store's admins that TikTok ended the connection, in the store's language."""
    store = Store.objects.get(pk=store_id)
    connection = TikTokConnection.objects.get(pk=connection_id)
    recipients = store_admin_emails(store_id)
    if not recipients:
        return 0
    page_url = settings.PUBLIC_BASE_URL + reverse("tiktok-page", kwargs={"account": store.account})
    with translation.override(store.locale or settings.LANGUAGE_CODE):
        subject = _("TikTok for Business was disconnected from %(store)s") % {"store": store.name}
        body = "\n\n".join(
            [
                _("TikTok ended the connection of your store %(store)s with TikTok for Business.")
                % {"store": store.name},
                _("Reason: %(reason)s") % {"reason": connection.get_disconnect_reason_display()},
                _(
                    "The TikTok Pixel and the integration with your store's catalog are deactivated. "
                    "Products already on TikTok stay there."
                ),
                _("To reconnect, repeat the setup on the TikTok page: %(url)s") % {"url": page_url},
            ]
        )
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
