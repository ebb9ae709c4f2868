"""Demo data: a Brazilian VTEX IO store with a realistic catalog, a Legacy CMS store in Brazil and a
store in Argentina. Idempotent (stable slugs), and scales to a million SKUs with batched inserts and a
fixed pool of image files reused by every SKU.

`seed_demo` (the `seed_demo` command) builds it all; `seed_catalog` grows one store's catalog (the
benchmarks use it on their own store). The modules: `seed` (the stores, their catalogs, the logins),
`stores` (store, trade policy and user upserts), `catalog` (planning and writing products and SKUs),
`rows` (the bulk row writer), `images` (the image file pool) and `data` (names, brands, categories)."""

from .catalog import seed_catalog
from .seed import SeedResult, seed_demo

__all__ = ["SeedResult", "seed_catalog", "seed_demo"]
