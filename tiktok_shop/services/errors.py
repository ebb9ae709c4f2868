"""The refusals of the TikTok Shop services: `core.errors.ServiceError`s the views answer via `core.http`."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.errors import ServiceError


def connect_refusal_message(reason: str, detail: dict[str, str]) -> str:
    """The page's words for a refused connect, in the active language (the request's, when raised in one)."""
    messages_by_reason = {
        "bad_state": _("The answer from TikTok Shop could not be verified. Start the connection again."),
        "expired_state": _(
            "The connection took longer than 60 minutes and expired. Start the connection again."
        ),
        "access_denied": _("The authorization was cancelled at TikTok Shop. Nothing was connected."),
        "not_shop_owner": _(
            "Only the TikTok Shop owner account can connect a shop. Sign in to TikTok Shop with the shop "
            "owner's account and try again. Nothing was connected."
        ),
        "shop_already_connected": _(
            "This TikTok Shop is already connected to another store. A TikTok Shop can be connected to one "
            "store at a time. Nothing was connected."
        ),
        "store_already_connected": _(
            "This store is already connected to a TikTok Shop. Disconnect it first to connect another shop."
        ),
        "region_mismatch": _(
            "The TikTok Shop's region does not match the store's country. Connect a TikTok Shop registered "
            "in the same country as the store. Nothing was connected."
        ),
        "bad_auth_code": _("TikTok Shop did not accept the authorization. Start the connection again."),
        "tiktok_unavailable": _(
            "TikTok Shop could not be reached. Nothing was connected; try again in a few minutes."
        ),
    }
    if reason in messages_by_reason:
        message = messages_by_reason[reason]
        if reason == "region_mismatch" and detail.get("region"):
            message += " " + _("(Shop region: %(region)s; store country: %(country)s.)") % detail
        return message
    return _("TikTok Shop refused the connection. Nothing was connected.")


class ShopConnectError(ServiceError):
    """A connect attempt that stored nothing. `reason` (also the `code`) picks the message the page shows;
    `detail` is what TikTok said, for that message and the tests."""

    def __init__(self, reason: str, *, detail: dict[str, str] | None = None) -> None:
        self.reason = reason
        self.detail = detail or {}
        super().__init__(connect_refusal_message(reason, self.detail), code=reason)


class OrderImportError(ServiceError):
    """A TikTok order that the store refused to store (not a duplicate)."""

    default_code = "order_not_stored"
