"""Results of the OAuth and business-profile (TBP) endpoints."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._parse import _int, _list, _str_or_none

BUSINESS_PROFILE_CONNECTED = 2


@dataclass(frozen=True, slots=True)
class AccessToken:
    """Result of oauth2/access_token/. The token is kept out of repr() so it never lands in a log."""

    access_token: str = field(repr=False)
    advertiser_ids: tuple[str, ...]
    scope: tuple[int, ...]

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> AccessToken:
        return cls(
            access_token=str(data.get("access_token") or ""),
            advertiser_ids=tuple(str(a) for a in _list(data.get("advertiser_ids"))),
            scope=tuple(_int(s) for s in _list(data.get("scope"))),
        )


@dataclass(frozen=True, slots=True)
class RevokeResult:
    app_id: str | None
    advertiser_ids: tuple[str, ...]

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> RevokeResult:
        return cls(
            app_id=_str_or_none(data.get("app_id")),
            advertiser_ids=tuple(str(a) for a in _list(data.get("advertiser_ids"))),
        )


@dataclass(frozen=True, slots=True)
class Advertiser:
    advertiser_id: str
    advertiser_name: str

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Advertiser:
        return cls(
            advertiser_id=str(data.get("advertiser_id") or ""),
            advertiser_name=str(data.get("advertiser_name") or ""),
        )


@dataclass(frozen=True, slots=True)
class BusinessProfile:
    """What a TBP connection resolved to. Any of the asset IDs may be None (the merchant skipped a step).

    `status == 2` means setup finished (reference §2.5). `suspended` is read from a `"suspended": true`
    flag in the payload (not in TikTok's public docs; the sandbox emits it, see
    docs/tiktok-api-client.md)."""

    status: int
    bc_id: str | None
    adv_id: str | None
    pixel_code: str | None
    catalog_id: str | None
    store_name: str | None
    core_user_id: str | None
    suspended: bool = False
    suspension_reason: str | None = None

    @property
    def connected(self) -> bool:
        return self.status == BUSINESS_PROFILE_CONNECTED and not self.suspended

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> BusinessProfile:
        return cls(
            status=_int(data.get("status"), default=-1),
            bc_id=_str_or_none(data.get("bc_id")),
            adv_id=_str_or_none(data.get("adv_id")),
            pixel_code=_str_or_none(data.get("pixel_code")),
            catalog_id=_str_or_none(data.get("catalog_id")),
            store_name=_str_or_none(data.get("store_name")),
            core_user_id=_str_or_none(data.get("core_user_id")),
            suspended=bool(data.get("suspended")),
            suspension_reason=_str_or_none(data.get("suspension_reason") or data.get("suspend_reason")),
        )
