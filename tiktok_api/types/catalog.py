"""Results of the catalog endpoints: catalogs, products and the feed logs of catalog writes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._parse import _float_or_none, _int, _list, _mapping, _str_or_none
from .common import PageInfo

FEED_LOG_IN_PROGRESS = frozenset({"WAITING", "PROCESSING"})
FEED_LOG_DONE = frozenset({"SUCCESS", "FAILED"})


@dataclass(frozen=True, slots=True)
class Catalog:
    catalog_id: str
    catalog_name: str
    catalog_type: str
    ad_creation_eligible: str | None
    create_time: str | None
    update_time: str | None
    bc_id: str | None
    bc_name: str | None
    country: str | None
    currency: str | None
    channel: str | None

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Catalog:
        bc_info = _mapping(data.get("bc_info"))
        conf = _mapping(data.get("catalog_conf"))
        return cls(
            catalog_id=str(data.get("catalog_id") or ""),
            catalog_name=str(data.get("catalog_name") or data.get("name") or ""),
            catalog_type=str(data.get("catalog_type") or ""),
            ad_creation_eligible=_str_or_none(data.get("ad_creation_eligible")),
            create_time=_str_or_none(data.get("create_time")),
            update_time=_str_or_none(data.get("update_time")),
            bc_id=_str_or_none(bc_info.get("bc_id")),
            bc_name=_str_or_none(bc_info.get("bc_name")),
            country=_str_or_none(conf.get("country") or conf.get("region_code")),
            currency=_str_or_none(conf.get("currency")),
            channel=_str_or_none(conf.get("channel")),
        )


@dataclass(frozen=True, slots=True)
class CatalogPage:
    catalogs: tuple[Catalog, ...]
    page_info: PageInfo


@dataclass(frozen=True, slots=True)
class CatalogOverview:
    approved: int
    rejected: int
    processing: int
    organic_approved: int
    organic_rejected: int
    organic_processing: int

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> CatalogOverview:
        return cls(
            approved=_int(data.get("approved")),
            rejected=_int(data.get("rejected")),
            processing=_int(data.get("processing")),
            organic_approved=_int(data.get("organic_approved")),
            organic_rejected=_int(data.get("organic_rejected")),
            organic_processing=_int(data.get("organic_processing")),
        )


@dataclass(frozen=True, slots=True)
class RejectedInfo:
    reason: str
    suggestion: str
    affected_placement: tuple[str, ...]
    affected_country: tuple[str, ...]

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> RejectedInfo:
        return cls(
            reason=str(data.get("reason") or ""),
            suggestion=str(data.get("suggestion") or ""),
            affected_placement=tuple(str(p) for p in _list(data.get("affected_placement"))),
            affected_country=tuple(str(c) for c in _list(data.get("affected_country"))),
        )


@dataclass(frozen=True, slots=True)
class Price:
    price: float | None
    currency: str | None
    sale_price: float | None
    sale_price_effective_date: Any

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Price:
        return cls(
            price=_float_or_none(data.get("price")),
            currency=_str_or_none(data.get("currency")),
            sale_price=_float_or_none(data.get("sale_price")),
            sale_price_effective_date=data.get("sale_price_effective_date"),
        )


@dataclass(frozen=True, slots=True)
class Product:
    """One product of `catalog/product/get/`. `price`/`detail` accept both spellings TikTok's docs use
    (`price_info`/`product_detail` and `price`/`profession`)."""

    sku_id: str
    product_id: str | None
    title: str | None
    description: str | None
    availability: str | None
    brand: str | None
    image_url: str | None
    item_group_id: str | None
    audit_status: str | None
    rejected_info: tuple[RejectedInfo, ...]
    image_status: str | None
    active_status: str | None
    ad_creation_eligible: str | None
    price: Price | None
    detail: Mapping[str, Any]
    landing_page_url: str | None
    additional_image_urls: tuple[str, ...]

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Product:
        audit = _mapping(data.get("audit"))
        rejected = audit.get("rejected_info")
        if rejected is None:
            rejected = audit.get("reject_info")
        price_raw = data.get("price_info")
        if not isinstance(price_raw, Mapping):
            # v1.3 field table spells it `price` (an object); a bare number there is a v1.2 payload.
            price_raw = data.get("price")
        if isinstance(price_raw, Mapping):
            price: Price | None = Price.from_data(price_raw)
        elif isinstance(price_raw, int | float | str) and price_raw != "":
            price = Price(_float_or_none(price_raw), None, None, None)
        else:
            price = None
        detail = data.get("product_detail")
        if not isinstance(detail, Mapping):
            detail = data.get("profession")
        landing = _mapping(data.get("landing_page"))
        return cls(
            sku_id=str(data.get("sku_id") or ""),
            product_id=_str_or_none(data.get("product_id")),
            title=_str_or_none(data.get("title")),
            description=_str_or_none(data.get("description")),
            availability=_str_or_none(data.get("availability")),
            brand=_str_or_none(data.get("brand")),
            image_url=_str_or_none(data.get("image_url")),
            item_group_id=_str_or_none(data.get("item_group_id")),
            audit_status=_str_or_none(audit.get("audit_status")),
            rejected_info=tuple(RejectedInfo.from_data(r) for r in _list(rejected) if isinstance(r, Mapping)),
            image_status=_str_or_none(data.get("image_status")),
            active_status=_str_or_none(data.get("active_status")),
            ad_creation_eligible=_str_or_none(data.get("ad_creation_eligible")),
            price=price,
            detail=dict(_mapping(detail)),
            landing_page_url=_str_or_none(landing.get("landing_page_url")),
            additional_image_urls=tuple(str(u) for u in _list(data.get("additional_image_urls"))),
        )


@dataclass(frozen=True, slots=True)
class ProductPage:
    products: tuple[Product, ...]
    page_info: PageInfo


@dataclass(frozen=True, slots=True)
class FeedLogItem:
    index: int
    sku_id: str | None
    title: str | None
    description: str | None
    product_url: str | None
    value: str | None

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> FeedLogItem:
        return cls(
            index=_int(data.get("index")),
            sku_id=_str_or_none(data.get("sku_id")),
            title=_str_or_none(data.get("title")),
            description=_str_or_none(data.get("description")),
            product_url=_str_or_none(data.get("product_url")),
            value=_str_or_none(data.get("value")),
        )


@dataclass(frozen=True, slots=True)
class FeedLogIssue:
    """One per-field problem in a feed log (`error_affected_products` / `warn_affected_products`)."""

    field: str
    issue: str
    suggestion: str
    affected_product_count: int
    items: tuple[FeedLogItem, ...]

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> FeedLogIssue:
        return cls(
            field=str(data.get("field") or ""),
            issue=str(data.get("issue") or ""),
            suggestion=str(data.get("suggestion") or ""),
            affected_product_count=_int(data.get("affected_product_count")),
            items=tuple(
                FeedLogItem.from_data(i)
                for i in _list(data.get("affected_product_item_list"))
                if isinstance(i, Mapping)
            ),
        )


@dataclass(frozen=True, slots=True)
class FeedLog:
    """`catalog/product/log/`: the outcome of one asynchronous catalog write."""

    feed_log_id: str
    catalog_id: str | None
    feed_id: str | None
    process_status: str
    update_mode: str | None
    add_count: int
    update_count: int
    delete_count: int
    error_count: int
    warn_count: int
    start_time: str | None
    end_time: str | None
    errors: tuple[FeedLogIssue, ...]
    warnings: tuple[FeedLogIssue, ...]
    download_path: Mapping[str, str]

    @property
    def in_progress(self) -> bool:
        return self.process_status in FEED_LOG_IN_PROGRESS

    @property
    def done(self) -> bool:
        """SUCCESS or FAILED. An unknown or missing status is neither done nor in progress: the catalog
        lock is not released on it (its TTL still bounds it)."""
        return self.process_status in FEED_LOG_DONE

    @classmethod
    def from_data(cls, data: Mapping[str, Any], feed_log_id: str) -> FeedLog:
        log = _mapping(data.get("product_feed_log"))
        details = _mapping(log.get("feed_log_data"))
        return cls(
            feed_log_id=str(feed_log_id),
            catalog_id=_str_or_none(log.get("catalog_id")),
            feed_id=_str_or_none(log.get("feed_id")),
            process_status=str(log.get("process_status") or "").upper(),
            update_mode=_str_or_none(log.get("update_mode")),
            add_count=_int(log.get("add_count")),
            update_count=_int(log.get("update_count")),
            delete_count=_int(log.get("delete_count")),
            error_count=_int(log.get("error_count")),
            warn_count=_int(log.get("warn_count")),
            start_time=_str_or_none(log.get("start_time")),
            end_time=_str_or_none(log.get("end_time")),
            errors=tuple(
                FeedLogIssue.from_data(e)
                for e in _list(details.get("error_affected_products"))
                if isinstance(e, Mapping)
            ),
            warnings=tuple(
                FeedLogIssue.from_data(w)
                for w in _list(details.get("warn_affected_products"))
                if isinstance(w, Mapping)
            ),
            download_path={str(k): str(v) for k, v in _mapping(details.get("download_path")).items()},
        )
