"""What a merchant reads for each reason a connection attempt failed: the one mapping of our stable codes
(in errors and in the audit trail's `code`) to translated sentences, so no page ever shows a code itself."""

from __future__ import annotations

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

ACCOUNT_SUSPENDED = "account_suspended"

FAILURE_MESSAGES: dict[str, Promise] = {
    "no_setup": _("Fill in and confirm the setup form first."),
    "bad_code": _("TikTok did not send a valid authorization. Try connecting again."),
    "exchange_failed": _("TikTok did not accept the authorization. Try connecting again."),
    "profile_failed": _("TikTok could not be reached to finish the connection. Try again."),
    "profile_incomplete": _(
        "The setup at TikTok was not finished. Connect again and click Finish Setup at TikTok."
    ),
    ACCOUNT_SUSPENDED: _("TikTok reports that the ad account is suspended."),
    "bad_state": _("The answer from TikTok could not be verified. Start the connection again."),
    "replayed_state": _("This answer from TikTok was already used. Start the connection again."),
    "expired_state": _("The connection took longer than 60 minutes and expired. Start the connection again."),
    "already_connected": _("This store is already connected to TikTok."),
    "ineligible": _("The integration with TikTok is not available for this store."),
    "external_data": _("Your store details are too long for TikTok. Shorten the store name and try again."),
}


def failure_message(code: object) -> Promise | str:
    """The sentence for `code`; an unknown code reads as a generic failure, never as the code."""
    return FAILURE_MESSAGES.get(str(code), _("The connection with TikTok could not be completed."))


def suspended_help_url() -> str:
    return str(getattr(settings, "TIKTOK_ACCOUNT_SUSPENDED_HELP_URL", ""))


def account_suspended_message(adv_id: str, reason: str) -> str:
    """The whole answer to a connect that found the ad account suspended: TikTok's reason, what it means
    for the store, and where TikTok explains how to appeal."""
    if adv_id:
        text = gettext("TikTok reports that the ad account %(adv_id)s is suspended.") % {"adv_id": adv_id}
    else:
        text = gettext("TikTok reports that the ad account is suspended.")
    if reason:
        text += " " + gettext("TikTok's reason: “%(reason)s”") % {"reason": reason}
    text += " " + gettext(
        "The store cannot connect with this ad account until TikTok lifts the suspension; nothing was saved."
    )
    url = suspended_help_url()
    if url:
        text += " " + gettext("How to appeal, in TikTok's help: %(url)s") % {"url": url}
    return text
