"""Off-request work: feed logs WAITING → PROCESSING → SUCCESS/FAILED and product review (image checks)."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from sqlite3 import Row
from typing import Any

import orjson

from sandbox import ids
from sandbox.core import SandboxApp
from sandbox.filefeed import files_fetch_due
from sandbox.images import ImageProbe
from sandbox.products import ErrorReport, Problem, merge_update, normalize, validate
from sandbox.runtime import feed_process_seconds, review_delay
from sandbox.storage import dumps

log = logging.getLogger("sandbox.processing")

CHUNK = 500
IMAGE_REJECTIONS = {
    "NO_FOUND": ("Image can't be downloaded", "Use a publicly accessible JPG or PNG image URL."),
    "FAIL": ("Image file is too large", "Use a JPG or PNG image under 20 MB."),
    "NOT_SUPPORTED": ("Image format not supported", "Use a JPG or PNG image."),
}


def _hash(product: dict[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(product, option=orjson.OPT_SORT_KEYS)).hexdigest()


class Processor:
    """Runs due work: the background thread calls `run_due()`, the admin `tick` calls
    `run_due(force=True)`."""

    def __init__(self, app: SandboxApp) -> None:
        self.app = app
        self.storage = app.storage
        self.run_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.images = ImageProbe(lambda: float(app.config["image_cache_seconds"]))
        # Items per feed log in PROCESSING, counted once: its payload is parsed again only when applied.
        self._feed_items: dict[int, int] = {}
        app.add_reset_hook(self._clear_cache)

    def _clear_cache(self) -> None:
        self.images.clear()
        self._feed_items.clear()

    # -- thread ----------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="sandbox-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_due()
            except Exception:
                log.exception("sandbox background processing failed")
            self._stop.wait(0.05)

    def run_due(self, force: bool = False) -> dict[str, int]:
        with self.run_lock:
            feeds = self._advance_feed_logs(force)
            reviewed = 0
            while True:
                n = self._review_due(force)
                reviewed += n
                if not force or n == 0:
                    break
            return {"feed_logs": feeds, "reviewed": reviewed}

    # -- feed logs -------------------------------------------------------------------------------
    def _advance_feed_logs(self, force: bool) -> int:
        now = time.time()
        cfg = self.app.config
        wait_cutoff = now if force else now - float(cfg["feed_wait_seconds"])
        files_fetch_due(self.storage, wait_cutoff)
        self.storage.execute(
            "UPDATE feed_logs SET status = 'PROCESSING', start_time = ? WHERE status = 'WAITING' AND "
            "created_at <= ?",
            (now, wait_cutoff),
        )
        done_cutoff = now if force else now - float(cfg["feed_process_seconds"])
        timed = float(cfg["feed_process_per_product_seconds"]) > 0 and not force
        applied = 0
        for started in self.storage.all(
            "SELECT feed_log_id, start_time FROM feed_logs WHERE status = 'PROCESSING' AND start_time <= ?"
            " ORDER BY feed_log_id",
            (done_cutoff,),
        ):
            fid = started["feed_log_id"]
            if timed and started["start_time"] + feed_process_seconds(cfg, self._items(fid)) > now:
                continue
            row = self.storage.one("SELECT * FROM feed_logs WHERE feed_log_id = ?", (fid,))
            self._feed_items.pop(fid, None)
            if row is not None:
                self._apply(row)
                applied += 1
        return applied

    def _items(self, feed_log_id: int) -> int:
        """Products (or SKU ids of a delete) in a feed log: what its processing time grows with."""
        if feed_log_id not in self._feed_items:
            row = self.storage.one("SELECT payload FROM feed_logs WHERE feed_log_id = ?", (feed_log_id,))
            try:
                payload = orjson.loads(row["payload"])
            except (orjson.JSONDecodeError, TypeError):
                payload = {}
            items = payload.get("products") or payload.get("dpa_products") or payload.get("sku_ids") or []
            self._feed_items[feed_log_id] = len(items) if isinstance(items, list) else 0
        return self._feed_items[feed_log_id]

    def _apply(self, row: Row) -> None:
        catalog = self.storage.one("SELECT * FROM catalogs WHERE catalog_id = ?", (row["catalog_id"],))
        errors, warnings = ErrorReport(), ErrorReport()
        counts = {"add": 0, "update": 0, "delete": 0}
        try:
            payload = orjson.loads(row["payload"])
        except orjson.JSONDecodeError:
            payload = {}
        items = 0
        if catalog is None:
            status = "FAILED"
        elif row["kind"] == "delete":
            sku_ids = [str(s) for s in payload.get("sku_ids") or []]
            items = len(sku_ids)
            self._delete(catalog, sku_ids, counts, warnings)
            status = "SUCCESS"
        else:
            products = payload.get("products")
            if products is None:
                products = payload.get("dpa_products") or []
            items = len(products)
            self._upsert(catalog, products, row["kind"], counts, errors)
            status = "FAILED" if items and len(errors.items) == items else "SUCCESS"
        self.storage.execute(
            "UPDATE feed_logs SET status = ?, end_time = ?, add_count = ?, update_count = ?, delete_count "
            "= ?,"
            " error_count = ?, warn_count = ?, errors = ?, warnings = ?, payload = '{}' WHERE feed_log_id "
            "= ?",
            (
                status,
                time.time(),
                counts["add"],
                counts["update"],
                counts["delete"],
                len(errors.items),
                len(warnings.items),
                dumps(errors.as_list()),
                dumps(warnings.as_list()),
                row["feed_log_id"],
            ),
        )

    def _existing(self, catalog_id: str, sku_ids: list[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for start in range(0, len(sku_ids), CHUNK):
            part = sku_ids[start : start + CHUNK]
            marks = ",".join("?" * len(part))
            for r in self.storage.all(
                f"SELECT sku_id, product_id, data, content_hash, rev FROM products"  # noqa: S608
                f" WHERE catalog_id = ? AND sku_id IN ({marks})",
                (catalog_id, *part),
            ):
                found[r["sku_id"]] = r
        return found

    def _upsert(
        self, catalog: Row, raw_products: list[Any], kind: str, counts: dict[str, int], errors: ErrorReport
    ) -> None:
        cfg = self.app.config
        allow_http = bool(cfg["allow_http_images"])
        seed, mean = int(cfg["review_delay_seed"]), float(cfg["review_delay_mean_seconds"])
        catalog_id = catalog["catalog_id"]
        skus = [
            str(p.get("sku_id")) for p in raw_products if isinstance(p, dict) and p.get("sku_id") is not None
        ]
        existing = self._existing(catalog_id, skus)
        seen: set[str] = set()
        now = time.time()
        inserts: list[tuple[Any, ...]] = []
        changes: list[tuple[Any, ...]] = []
        touches: list[tuple[Any, ...]] = []
        for position, raw in enumerate(raw_products, start=1):
            if not isinstance(raw, dict):
                errors.add(
                    position,
                    {},
                    Problem("product", "Invalid value: product", "Each product must be a JSON object.", raw),
                )
                continue
            product = normalize(raw)
            sku = product.get("sku_id")
            if isinstance(sku, str) and sku in seen:
                errors.add(
                    position,
                    product,
                    Problem(
                        "sku_id",
                        "Duplicate value: sku_id",
                        "Each sku_id may appear only once per request.",
                        sku,
                    ),
                )
                continue
            if isinstance(sku, str):
                seen.add(sku)
            current = existing.get(sku) if isinstance(sku, str) else None
            if kind == "update":
                if current is None:
                    errors.add(
                        position,
                        product,
                        Problem(
                            "sku_id",
                            "Product does not exist: sku_id",
                            "Upload the product before updating it.",
                            sku,
                        ),
                    )
                    continue
                product = merge_update(orjson.loads(current["data"]), product)
            problems = validate(product, currency=catalog["currency"], allow_http_images=allow_http)
            if problems:
                for problem in problems:
                    errors.add(position, product, problem)
                continue
            if isinstance(product["price_info"], dict):
                product["price_info"].setdefault("currency", catalog["currency"])
            digest = _hash(product)
            if current is None:
                counts["add"] += 1
                due = now + review_delay(seed, mean, catalog_id, sku, 1)
                inserts.append((catalog_id, sku, ids.numeric_id(), dumps(product), digest, now, now, due))
            else:
                counts["update"] += 1
                if current["content_hash"] == digest:
                    touches.append((now, catalog_id, sku))
                else:
                    due = now + review_delay(seed, mean, catalog_id, sku, int(current["rev"]) + 1)
                    changes.append((dumps(product), digest, now, due, catalog_id, sku))
        with self.storage.tx() as c:
            c.executemany(
                "INSERT INTO products (catalog_id, sku_id, product_id, data, content_hash, created_at, "
                "updated_at, review_due)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (catalog_id, sku_id) DO NOTHING",
                inserts,
            )
            # A changed product goes back to review, as TikTok re-audits edited items.
            c.executemany(
                "UPDATE products SET data = ?, content_hash = ?, rev = rev + 1, audit_status = 'processing',"
                " image_status = 'PROCESSING', rejected_info = '[]', updated_at = ?, review_due = ?"
                " WHERE catalog_id = ? "
                "AND sku_id = ?",
                changes,
            )
            c.executemany("UPDATE products SET updated_at = ? WHERE catalog_id = ? AND sku_id = ?", touches)
            c.execute("UPDATE catalogs SET updated_at = ? WHERE catalog_id = ?", (now, catalog_id))

    def _delete(
        self, catalog: Row, sku_ids: list[str], counts: dict[str, int], warnings: ErrorReport
    ) -> None:
        existing = self._existing(catalog["catalog_id"], sku_ids)
        for position, sku in enumerate(sku_ids, start=1):
            if sku not in existing:
                warnings.add(
                    position,
                    {"sku_id": sku},
                    Problem(
                        "sku_id",
                        "Product does not exist: sku_id",
                        "The product was not in the catalog; nothing was deleted.",
                        sku,
                    ),
                )
        present = [s for s in sku_ids if s in existing]
        with self.storage.tx() as c:
            c.executemany(
                "DELETE FROM products WHERE catalog_id = ? AND sku_id = ?",
                [(catalog["catalog_id"], s) for s in present],
            )
        counts["delete"] = len(present)

    # -- review ----------------------------------------------------------------------------------
    def _review_due(self, force: bool) -> int:
        cfg = self.app.config
        cutoff = time.time() if force else time.time() - float(cfg["review_seconds"])
        # With drawn delays a product is due at review_due + review_seconds; without, review_seconds after
        # its last upload (an unchanged re-upload postpones it, as it always did).
        due_column = "review_due" if float(cfg["review_delay_mean_seconds"]) > 0 else "updated_at"
        rows = self.storage.all(
            "SELECT p.catalog_id, p.sku_id, p.data, p.rev, c.region_code FROM products p"  # noqa: S608
            " JOIN catalogs c ON c.catalog_id = p.catalog_id"
            f" WHERE p.reviewed_rev < p.rev AND p.{due_column} <= ? LIMIT 2000",
            (cutoff,),
        )
        if not rows:
            return 0
        banned = [w.lower() for w in cfg["banned_words"] if w]
        products = [orjson.loads(r["data"]) for r in rows]
        urls = {str(p.get("image_url") or "") for p in products}
        statuses = self.images.statuses(urls) if cfg["image_fetch"] else dict.fromkeys(urls, "SUCCESS")
        updates = []
        for r, product in zip(rows, products, strict=True):
            image_status = statuses[str(product.get("image_url") or "")]
            text = f"{product.get('title', '')} {product.get('description', '')}".lower()
            rejected: list[dict[str, Any]] = []
            if any(word in text for word in banned):
                rejected.append(
                    _rejection(
                        "Prohibited content", "Remove prohibited words from the title and description.", r
                    )
                )
            if image_status in IMAGE_REJECTIONS:
                rejected.append(_rejection(*IMAGE_REJECTIONS[image_status], r))
            if rejected:
                audit = "rejected"
            elif image_status == "FILTERED":
                audit = "processing"  # TikTok never approves an item whose image is under 500x500
            else:
                audit = "approved"
            updates.append(
                (audit, image_status, dumps(rejected), r["rev"], r["catalog_id"], r["sku_id"], r["rev"])
            )
        with self.storage.tx() as c:
            c.executemany(
                "UPDATE products SET audit_status = ?, image_status = ?, rejected_info = ?, reviewed_rev = ?"
                " WHERE catalog_id = ? AND sku_id = ? AND rev = ?",
                updates,
            )
        return len(rows)


def _rejection(reason: str, suggestion: str, row: Row) -> dict[str, Any]:
    return {
        "reason": reason,
        "suggestion": suggestion,
        "affected_placement": ["PLACEMENT_TIKTOK"],
        "affected_country": [row["region_code"]],
    }
