"""Results of the pixel endpoints."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._parse import _mapping, _str_or_none
from .common import PageInfo


@dataclass(frozen=True, slots=True)
class Pixel:
    pixel_id: str | None
    pixel_code: str
    pixel_name: str | None
    pixel_setup_mode: str | None
    partner_name: str | None
    activity_status: str | None
    advanced_matching_email: bool
    advanced_matching_phone: bool
    create_time: str | None

    @property
    def advanced_matching(self) -> bool:
        return self.advanced_matching_email or self.advanced_matching_phone

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Pixel:
        matching = _mapping(data.get("advanced_matching_fields"))
        return cls(
            pixel_id=_str_or_none(data.get("pixel_id")),
            pixel_code=str(data.get("pixel_code") or ""),
            pixel_name=_str_or_none(data.get("pixel_name")),
            pixel_setup_mode=_str_or_none(data.get("pixel_setup_mode")),
            partner_name=_str_or_none(data.get("partner_name")),
            activity_status=_str_or_none(data.get("activity_status")),
            advanced_matching_email=bool(matching.get("email")),
            advanced_matching_phone=bool(matching.get("phone_number")),
            create_time=_str_or_none(data.get("create_time")),
        )


@dataclass(frozen=True, slots=True)
class PixelPage:
    pixels: tuple[Pixel, ...]
    page_info: PageInfo
