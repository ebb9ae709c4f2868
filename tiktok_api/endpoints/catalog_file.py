"""`catalog/product/file/`: TikTok fetches a product file (CSV, feed column names) from a URL and
processes it like an upload (reference §3.2 "File"; OpenAPI `catalog_product_file.yml`). A catalog write:
it takes the catalog write lock like uploads (one write in flight per catalog, reference §3.6), and a
timeout or mangled reply is WriteOutcomeUnknown (the file may be being fetched)."""

from __future__ import annotations

from typing import Any

from ..client_base import ClientBase

FILE_UPDATE_MODES = ("INCREMENTAL", "OVERWRITE")


class CatalogFileEndpoints(ClientBase):
    """The product-file endpoint of `TikTokClient`."""

    def product_file(
        self,
        access_token: str,
        *,
        bc_id: str,
        catalog_id: str,
        file_url: str,
        update_mode: str = "INCREMENTAL",
        feed_id: str | None = None,
    ) -> str:
        """Ask TikTok to fetch and apply the product file at `file_url`; returns the feed_log_id, followed
        with `product_log` like an upload's. INCREMENTAL upserts the file's rows and leaves other products
        alone; OVERWRITE also removes every product the file does not list. Reference: §3.2,
        POST /open_api/v1.3/catalog/product/file/."""
        if update_mode not in FILE_UPDATE_MODES:
            raise ValueError(f"update_mode must be one of {FILE_UPDATE_MODES}, got {update_mode!r}")
        if not file_url.startswith(("https://", "http://")):
            raise ValueError("file_url must be an http(s) URL")
        body: dict[str, Any] = {
            "bc_id": bc_id,
            "catalog_id": catalog_id,
            "file_url": file_url,
            "update_mode": update_mode,
        }
        if feed_id:
            body["feed_id"] = feed_id
        return self._catalog_write("catalog/product/file", access_token, bc_id, catalog_id, body)
