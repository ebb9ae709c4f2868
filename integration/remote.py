"""The few TikTok calls the connection needs, in the shape the services use.

A thin seam over `tiktok_admin.tiktok` (the settings-built `tiktok_api.TikTokClient`): the services stay
readable, and tests can drive the real client against the sandbox or `responses`. Errors are the client's
own (`tiktok_api.errors`), raised unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    from .models import TikTokSetup


@dataclass(frozen=True)
class Grant:
    access_token: str = field(repr=False)
    advertiser_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Profile:
    status: int
    bc_id: str | None
    adv_id: str | None
    pixel_code: str | None
    catalog_id: str | None
    core_user_id: str | None
    suspended: bool = False
    suspension_reason: str | None = None

    @property
    def connected(self) -> bool:
        return self.status == 2 and not self.suspended


def _factory() -> Any:
    from tiktok_admin import tiktok

    return tiktok


def _external_data(external_business_id: str, **extra: Any) -> str:
    return _factory().external_data_for(external_business_id=external_business_id, **extra)


def onboarding_url(setup: TikTokSetup, *, state: str, redirect_uri: str, locale: str) -> str:
    """TikTok's onboarding page with the signed `external_data` (never shown in a page or a log)."""
    raise NotImplementedError


def exchange_code(auth_code: str) -> Grant:
    raise NotImplementedError


def business_profile_get(access_token: str, external_business_id: str) -> Profile | None:
    """None when TikTok reports no business profile (disconnected, removed, never connected)."""
    raise NotImplementedError


def pixel_advanced_matching(access_token: str, adv_id: str, pixel_code: str) -> bool | None:
    raise NotImplementedError


def business_profile_disconnect(external_business_id: str) -> None:
    raise NotImplementedError


def revoke_token(access_token: str) -> None:
    raise NotImplementedError


__all__ = [
    "Grant",
    "Profile",
    "business_profile_disconnect",
    "business_profile_get",
    "exchange_code",
    "onboarding_url",
    "pixel_advanced_matching",
    "revoke_token",
    "settings",
]
