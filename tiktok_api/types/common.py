"""Result types shared by several endpoint groups."""

from __future__ import annotations

from dataclasses import dataclass

from ._parse import _int, _mapping


@dataclass(frozen=True, slots=True)
class PageInfo:
    page: int
    page_size: int
    total_number: int
    total_page: int

    @classmethod
    def from_data(cls, data: object) -> PageInfo:
        info = _mapping(data)
        return cls(
            page=_int(info.get("page"), 1),
            page_size=_int(info.get("page_size")),
            total_number=_int(info.get("total_number")),
            total_page=_int(info.get("total_page")),
        )
