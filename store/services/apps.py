"""How channels attach to the store: App Store apps (install, uninstall) and VTEX affiliates."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .. import changes
from ..app_catalog import app_listing
from ..models import Affiliate, InstalledApp, Store
from .errors import NotFoundError, StoreServiceError


class AffiliateTakenError(StoreServiceError):
    """The store already has an affiliate with this code."""

    default_code = "affiliate_taken"
    default_status = 409


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def app_install(store: Store, app: str, *, actor: Any = None) -> InstalledApp:
    if app_listing(app) is None:
        raise NotFoundError(_("This app does not exist in the App Store."))
    with transaction.atomic():
        row, created = InstalledApp.objects.get_or_create(
            store=store, app=app, defaults={"installed_by": _user(actor)}
        )
        if not created:
            raise StoreServiceError(_("This app is already installed."))
        changes.publish(changes.AppInstalled(store.pk, app, actor=_user(actor)))
    return row


def app_uninstall(store: Store, app: str, *, actor: Any = None) -> None:
    """A channel may refuse (e.g. TikTok while connected: disconnecting is its own, explicit step, which
    stops the pixel and the sync and may fail on TikTok's side, so the merchant does it first)."""
    with transaction.atomic():
        row = InstalledApp.objects.select_for_update().filter(store=store, app=app).first()
        if row is None:
            raise NotFoundError(_("This app is not installed."))
        try:
            changes.publish(changes.AppUninstallRequested(store.pk, app))
        except changes.Refused as exc:
            raise StoreServiceError(exc.message, code="refused") from exc
        row.delete()
        changes.publish(changes.AppUninstalled(store.pk, app, actor=_user(actor)))


def affiliate_create(store: Store, *, code: str, name: str) -> Affiliate:
    """A new affiliate of the store (a savepoint inside the caller's transaction): AffiliateTakenError if
    the store already has one with this code."""
    try:
        with transaction.atomic():
            return Affiliate.objects.create(store=store, code=code, name=name)
    except IntegrityError as exc:
        raise AffiliateTakenError(
            _("The affiliate ID %(code)s is already used in this store. Choose a new one.") % {"code": code}
        ) from exc
