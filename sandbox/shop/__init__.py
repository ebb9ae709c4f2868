"""The TikTok Shop (seller) side of the sandbox: shops and their owners, the seller authorization page,
the shop connection, orders placed by simulated buyers, and the order list the store polls.

Only `POST /tbp/v2.0/shop/connection/disconnect?external_data=` is TikTok's documented route (reference §6);
everything else here is the project's own wire format, documented in `sandbox/SHOP.md`. Registered by
`sandbox.app` like every other module."""

from __future__ import annotations

import functools

from sandbox.core import SandboxApp
from sandbox.shop import admin, api, authorize
from sandbox.shop.model import RESET_TABLES, SCHEMA, seed_shops
from sandbox.web import admin_api


def register(app: SandboxApp) -> None:
    app.add_schema(SCHEMA, RESET_TABLES)
    seed_shops(app.storage)
    app.add_reset_hook(functools.partial(seed_shops, app.storage))
    app.add_tbp_route("tbp/v2.0/shop/connection/create", api.connection_create)
    app.add_tbp_route("tbp/v2.0/shop/connection/get_status", api.connection_get_status, methods=("GET",))
    app.add_tbp_route("tbp/v2.0/shop/order/list", api.order_list, methods=("GET",))
    # TikTok's documented disconnect belongs to api_auth (it flags the business profile); the shop
    # connection ends on that same route rather than on a second rule for the path.
    app.chain_tbp_route("tbp/v2.0/shop/connection/disconnect", api.disconnect)
    app.add_route("/seller/authorize", "shop:authorize", authorize.authorize_entry)
    app.add_route(
        "/seller/authorize/<auth_id>/", "shop:authorize-page", authorize.authorize_page, ("GET", "POST")
    )
    admin_routes = (
        ("/_sandbox/shop/shops", "shop:admin-shops", admin.shops, ("GET", "POST")),
        ("/_sandbox/shop/connections", "shop:admin-connections", admin.connections, ("GET",)),
        ("/_sandbox/shop/orders", "shop:admin-orders", admin.orders, ("GET", "POST")),
        ("/_sandbox/shop/orders/<order_id>/status", "shop:admin-order-status", admin.order_status, ("POST",)),
        ("/_sandbox/shop/authorize", "shop:admin-authorize", admin.authorize, ("POST",)),
    )
    for rule, endpoint, handler, methods in admin_routes:
        app.add_route(rule, endpoint, admin_api(handler), methods)
