"""TikTok Shop account services: connect, disconnect, settings snapshot/restore, and order import.

One module per job; this package re-exports their public names, so `tiktok_shop.services.<name>` (the
name docs/contracts.md and the callers use) stays the one entry point:

- `channel_settings`: the store's channel settings a connection turns on and a disconnect restores;
- `connect`: the seller authorization trip (start, callback completion, its single-use `state`) and the
  disconnect;
- `orders`: the order import, written into the store through `store.services`;
- `errors`: `ShopConnectError` and `OrderImportError` (`core.errors.ServiceError`s).
"""

from __future__ import annotations

from .channel_settings import (
    channel_settings_for,
    external_business_id_for,
    settings_apply_for_shop,
    settings_restore,
)
from .connect import (
    CODE_REASONS,
    MAX_PENDING_STATES,
    REDIRECT_ERRORS,
    SESSION_STATES_KEY,
    STATE_LIFETIME,
    ShopDisconnectResult,
    callback_url,
    live_connection_for_store,
    shop_connect_complete,
    shop_connect_start,
    shop_disconnect,
)
from .errors import OrderImportError, ShopConnectError, connect_refusal_message
from .orders import (
    ORDER_STATUS_MAP,
    connections_to_import,
    import_lease_seconds,
    import_page_size,
    order_number,
    order_upsert,
    orders_import,
)

__all__ = [
    "CODE_REASONS",
    "MAX_PENDING_STATES",
    "ORDER_STATUS_MAP",
    "REDIRECT_ERRORS",
    "SESSION_STATES_KEY",
    "STATE_LIFETIME",
    "OrderImportError",
    "ShopConnectError",
    "ShopDisconnectResult",
    "callback_url",
    "channel_settings_for",
    "connect_refusal_message",
    "connections_to_import",
    "external_business_id_for",
    "import_lease_seconds",
    "import_page_size",
    "live_connection_for_store",
    "order_number",
    "order_upsert",
    "orders_import",
    "settings_apply_for_shop",
    "settings_restore",
    "shop_connect_complete",
    "shop_connect_start",
    "shop_disconnect",
]
