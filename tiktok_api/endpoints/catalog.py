"""Catalogs and their products: create/get/overview, upload/update/delete (through the catalog write lock
of `ClientBase`), product get and feed logs (reference §3)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..client_base import ClientBase
from ..transport import open_api_path
from ..types import Catalog, CatalogOverview, CatalogPage, FeedLog, PageInfo, Product, ProductPage

MAX_PRODUCTS_PER_WRITE = 5000
MAX_SKUS_PER_DELETE = 1000
MAX_IDS_PER_GET = 1000
MAX_PRODUCT_PAGE_SIZE = 500


class CatalogEndpoints(ClientBase):
    """Catalog and product endpoints of `TikTokClient`."""

    def catalog_create(
        self,
        access_token: str,
        *,
        bc_id: str,
        name: str,
        region_code: str,
        currency: str,
        catalog_type: str = "ECOM",
        channel: str | None = None,
    ) -> str:
        """Create a catalog; returns its catalog_id. Reference: §3.1, POST /open_api/v1.3/catalog/create/."""
        conf: dict[str, Any] = {"region_code": region_code, "currency": currency}
        if channel:
            conf["channel"] = channel
        envelope = self._call(
            "POST",
            open_api_path("v1.3", "catalog/create"),
            limit_key="catalog/create",
            tenant=bc_id,
            access_token=access_token,
            body={"bc_id": bc_id, "name": name, "catalog_type": catalog_type, "catalog_conf": conf},
            idempotent=False,  # a re-sent create after a timeout could make a second catalog
        )
        return str(self._data(envelope).get("catalog_id") or "")

    def catalog_get(
        self,
        access_token: str,
        *,
        bc_id: str,
        catalog_id: str | None = None,
        page: int = 1,
        page_size: int = 10,
    ) -> CatalogPage:
        """Catalogs of a Business Center. Reference: §3.1, GET /open_api/v1.3/catalog/get/."""
        envelope = self._call(
            "GET",
            open_api_path("v1.3", "catalog/get"),
            limit_key="catalog/get",
            tenant=catalog_id or bc_id,
            access_token=access_token,
            params={"bc_id": bc_id, "catalog_id": catalog_id, "page": page, "page_size": page_size},
        )
        data = self._data(envelope)
        return CatalogPage(
            catalogs=tuple(Catalog.from_data(c) for c in data.get("list") or [] if isinstance(c, Mapping)),
            page_info=PageInfo.from_data(data.get("page_info")),
        )

    def catalog_overview(self, access_token: str, *, bc_id: str, catalog_id: str) -> CatalogOverview:
        """Review-status counts. Reference: §3.1, GET /open_api/v1.3/catalog/overview/."""
        envelope = self._call(
            "GET",
            open_api_path("v1.3", "catalog/overview"),
            limit_key="catalog/overview",
            tenant=catalog_id,
            access_token=access_token,
            params={"bc_id": bc_id, "catalog_id": catalog_id},
        )
        return CatalogOverview.from_data(self._data(envelope))

    # ------------------------------------------------------------------ Catalog writes

    def product_upload(
        self,
        access_token: str,
        *,
        bc_id: str,
        catalog_id: str,
        products: Sequence[Mapping[str, Any]],
        feed_id: str | None = None,
    ) -> str:
        """Upsert up to 5,000 products; returns the feed_log_id. Reference: §3.2,
        POST /open_api/v1.3/catalog/product/upload/."""
        if not 0 < len(products) <= MAX_PRODUCTS_PER_WRITE:
            raise ValueError(f"upload takes 1..{MAX_PRODUCTS_PER_WRITE} products, got {len(products)}")
        body: dict[str, Any] = {"bc_id": bc_id, "catalog_id": catalog_id, "products": list(products)}
        if feed_id:
            body["feed_id"] = feed_id
        return self._catalog_write("catalog/product/upload", access_token, bc_id, catalog_id, body)

    def product_update(
        self,
        access_token: str,
        *,
        bc_id: str,
        catalog_id: str,
        products: Sequence[Mapping[str, Any]],
        feed_id: str | None = None,
    ) -> str:
        """Partial update of up to 5,000 existing SKUs (cannot change item_group_id); returns the
        feed_log_id. Reference: §3.2, POST /open_api/v1.3/catalog/product/update/."""
        if not 0 < len(products) <= MAX_PRODUCTS_PER_WRITE:
            raise ValueError(f"update takes 1..{MAX_PRODUCTS_PER_WRITE} products, got {len(products)}")
        body: dict[str, Any] = {"bc_id": bc_id, "catalog_id": catalog_id, "products": list(products)}
        if feed_id:
            body["feed_id"] = feed_id
        return self._catalog_write("catalog/product/update", access_token, bc_id, catalog_id, body)

    def product_delete(
        self,
        access_token: str,
        *,
        bc_id: str,
        catalog_id: str,
        sku_ids: Sequence[str],
        feed_id: str | None = None,
    ) -> str:
        """Delete up to 1,000 SKUs; returns the feed_log_id. Reference: §3.2,
        POST /open_api/v1.3/catalog/product/delete/."""
        if not 0 < len(sku_ids) <= MAX_SKUS_PER_DELETE:
            raise ValueError(f"delete takes 1..{MAX_SKUS_PER_DELETE} sku_ids, got {len(sku_ids)}")
        body: dict[str, Any] = {
            "bc_id": bc_id,
            "catalog_id": catalog_id,
            "sku_ids": [str(s) for s in sku_ids],
        }
        if feed_id:
            body["feed_id"] = feed_id
        return self._catalog_write("catalog/product/delete", access_token, bc_id, catalog_id, body)

    # ------------------------------------------------------------------ Catalog reads

    def product_get(
        self,
        access_token: str,
        *,
        bc_id: str,
        catalog_id: str,
        sku_ids: Sequence[str] | None = None,
        product_ids: Sequence[str] | None = None,
        page: int = 1,
        page_size: int = 100,
        conditions: Mapping[str, Any] | None = None,
    ) -> ProductPage:
        """Products with their review status. Reference: §3.4, GET /open_api/v1.3/catalog/product/get/."""
        if sku_ids is not None and product_ids is not None:
            raise ValueError("pass sku_ids or product_ids, not both")
        ids = sku_ids if sku_ids is not None else product_ids
        if ids is not None and len(ids) > MAX_IDS_PER_GET:
            raise ValueError(f"product get takes at most {MAX_IDS_PER_GET} ids")
        if not 1 <= page_size <= MAX_PRODUCT_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PRODUCT_PAGE_SIZE}")
        envelope = self._call(
            "GET",
            open_api_path("v1.3", "catalog/product/get"),
            limit_key="catalog/product/get",
            tenant=catalog_id,
            access_token=access_token,
            params={
                "bc_id": bc_id,
                "catalog_id": catalog_id,
                "sku_ids": [str(s) for s in sku_ids] if sku_ids is not None else None,
                "product_ids": [str(p) for p in product_ids] if product_ids is not None else None,
                "page": page,
                "page_size": page_size,
                "conditions": dict(conditions) if conditions else None,
            },
        )
        data = self._data(envelope)
        return ProductPage(
            products=tuple(Product.from_data(p) for p in data.get("list") or [] if isinstance(p, Mapping)),
            page_info=PageInfo.from_data(data.get("page_info")),
        )

    def product_log(
        self, access_token: str, *, bc_id: str, catalog_id: str, feed_log_id: str, language: str = "en"
    ) -> FeedLog:
        """The outcome of a write. When it has left WAITING/PROCESSING the catalog lock held for it is
        released. Reference: §3.3, GET /open_api/v1.3/catalog/product/log/."""
        return self._feed_log(access_token, bc_id, catalog_id, str(feed_log_id), language, self.retry)
