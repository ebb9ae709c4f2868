"""The calls to TikTok's shop (seller) side, in the shape the services use.

Only `POST /tbp/v2.0/shop/connection/disconnect?external_data=` is TikTok's documented route (reference
§6); the seller authorization page, the code exchange and the order list are the project's own wire format,
written down in `sandbox/SHOP.md`. Every call authenticates with a freshly signed `external_data` (as the
disconnect does); it is a credential and never reaches a log, a page or a task argument. Errors are
`tiktok_api.errors` classes, raised unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django.conf import settings

from integration import tiktok_client as tiktok
from tiktok_api.errors import PermanentError
from tiktok_api.external_data import external_data_build
from tiktok_api.transport import Transport

EXTERNAL_DATA_VERSION = "1.5"
SHOP_FEATURE = "tt_shop"

PATH_AUTHORIZE = "/seller/authorize"
PATH_CONNECTION_CREATE = "/tbp/v2.0/shop/connection/create"
PATH_CONNECTION_STATUS = "/tbp/v2.0/shop/connection/get_status"
PATH_CONNECTION_DISCONNECT = "/tbp/v2.0/shop/connection/disconnect"
PATH_ORDER_LIST = "/tbp/v2.0/shop/order/list"

# The project's own envelope codes for the connection rules TikTok states (sandbox/SHOP.md).
CODE_NOT_SHOP_OWNER = 41001
CODE_SHOP_ALREADY_CONNECTED = 41002
CODE_REGION_MISMATCH = 41003
CODE_SHOP_NOT_CONNECTED = 41004
CODE_STORE_ALREADY_CONNECTED = 41005
CODE_BAD_AUTH_CODE = 41006


@dataclass(frozen=True)
class ShopInfo:
    shop_id: str
    shop_name: str
    region: str
    seller_id: str
    seller_name: str
    is_owner: bool

    @classmethod
    def from_data(cls, data: Any) -> ShopInfo:
        shop = data.get("shop") if isinstance(data, dict) else None
        if not isinstance(shop, dict) or not shop.get("shop_id"):
            raise PermanentError("shop connection answer without a shop", endpoint=PATH_CONNECTION_CREATE)
        return cls(
            shop_id=str(shop["shop_id"])[:32],
            shop_name=str(shop.get("shop_name") or "")[:200],
            region=str(shop.get("region") or "").upper()[:2],
            seller_id=str(shop.get("seller_id") or "")[:32],
            seller_name=str(shop.get("seller_name") or "")[:200],
            is_owner=shop.get("is_owner") is True,
        )


@dataclass(frozen=True)
class ShopOrderLine:
    seller_sku: str
    product_name: str
    sku_name: str
    quantity: int
    sale_price: Decimal


@dataclass(frozen=True)
class ShopOrder:
    order_id: str
    status: str
    create_time: int
    update_time: int
    buyer_name: str
    buyer_email: str
    buyer_phone: str
    currency: str
    total: Decimal
    lines: tuple[ShopOrderLine, ...] = field(default=())


@dataclass(frozen=True)
class OrdersPage:
    orders: tuple[ShopOrder, ...]
    next_cursor: str
    has_more: bool


def _money(value: object) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal("0.00")
    if not amount.is_finite() or amount < 0:
        return Decimal("0.00")
    return amount.quantize(Decimal("0.01"))


def _order_from_data(raw: Any) -> ShopOrder | None:
    """One order of the list; None for an entry without an id (skipped, never guessed)."""
    if not isinstance(raw, dict) or not raw.get("id"):
        return None
    recipient = raw.get("recipient_address") if isinstance(raw.get("recipient_address"), dict) else {}
    payment = raw.get("payment") if isinstance(raw.get("payment"), dict) else {}
    lines = []
    for item in raw.get("line_items") or []:
        if not isinstance(item, dict):
            continue
        try:
            quantity = max(1, int(item.get("quantity") or 1))
        except (TypeError, ValueError):
            quantity = 1
        lines.append(
            ShopOrderLine(
                seller_sku=str(item.get("seller_sku") or "")[:100],
                product_name=str(item.get("product_name") or "")[:500],
                sku_name=str(item.get("sku_name") or "")[:200],
                quantity=quantity,
                sale_price=_money(item.get("sale_price")),
            )
        )
    return ShopOrder(
        order_id=str(raw["id"])[:64],
        status=str(raw.get("status") or "")[:40],
        create_time=int(raw.get("create_time") or 0),
        update_time=int(raw.get("update_time") or 0),
        buyer_name=str(recipient.get("name") or "")[:200],
        buyer_email=str(raw.get("buyer_email") or "")[:254],
        buyer_phone=str(recipient.get("phone_number") or "")[:30],
        currency=str(payment.get("currency") or "")[:3].upper(),
        total=_money(payment.get("total_amount")),
        lines=tuple(lines),
    )


def _client() -> Any:
    # Through the module, not `from ... import client`: tests replace `integration.tiktok_client.client`.
    return tiktok.client()


def _call(
    method: str, path: str, *, tenant: str, params: dict[str, Any], body: dict[str, Any] | None = None
) -> Any:
    """One call to the project's own shop routes, inside the app's shared rate limiter (every process and
    every store share TikTok's per-app quota; `tenant` keeps one store from starving the others). Not
    retried here: the next beat poll is the retry."""
    _client().rate_limiter.acquire(path.strip("/").replace("v2.0/", ""), tenant)
    transport = Transport(
        settings.TIKTOK_API_BASE_URL,
        timeout=(settings.TIKTOK_CONNECT_TIMEOUT, settings.TIKTOK_HTTP_TIMEOUT),
    )
    return transport.call(method, path, params=params, body=body)


def external_data_for_shop(external_business_id: str, *, locale: str = "en", **extra: Any) -> str:
    """Signed `external_data` for the shop calls; `whitelisted_features` carries TikTok's shop gate."""
    fields: dict[str, Any] = {
        "version": EXTERNAL_DATA_VERSION,
        "locale": locale,
        "business_platform": settings.TIKTOK_BUSINESS_PLATFORM,
        "external_business_id": external_business_id,
        "app_id": settings.TIKTOK_APP_ID,
        "whitelisted_features": [SHOP_FEATURE],
    }
    fields.update(extra)
    return external_data_build(fields, settings.TIKTOK_EXTERNAL_DATA_KEY)


def authorize_base_url() -> str:
    return getattr(settings, "TIKTOK_SHOP_AUTHORIZE_URL", "") or settings.TIKTOK_WEB_BASE_URL + PATH_AUTHORIZE


def authorize_url(
    external_business_id: str, *, state: str, redirect_uri: str, locale: str, country: str, store_name: str
) -> str:
    """TikTok's seller authorization page, where the seller signs in and picks the shop to connect."""
    data = external_data_for_shop(
        external_business_id,
        locale=locale,
        state=state,
        redirect_uri=redirect_uri,
        country_region=country,
        store_name=store_name[:100],
        close_method="redirect_inside_tiktok",
    )
    return f"{authorize_base_url()}?{urlencode({'external_data': data})}"


def connection_create(external_business_id: str, *, auth_code: str, country: str) -> ShopInfo:
    """Exchange the seller's authorization code: TikTok binds the shop to this store and says which."""
    envelope = _call(
        "POST",
        PATH_CONNECTION_CREATE,
        tenant=external_business_id,
        params={"external_data": external_data_for_shop(external_business_id)},
        body={"auth_code": auth_code, "country_region": country},
    )
    return ShopInfo.from_data(envelope.data)


def connection_disconnect(external_business_id: str) -> None:
    """TikTok's documented shop disconnect (reference §6): no body, success is code 0 / "OK". Sent by the
    shared client (rate limit and bounded retries of retryable errors)."""
    _client().shop_connection_disconnect(external_data=external_data_for_shop(external_business_id))


def orders_list(external_business_id: str, *, update_time_ge: int, cursor: str, page_size: int) -> OrdersPage:
    envelope = _call(
        "GET",
        PATH_ORDER_LIST,
        tenant=external_business_id,
        params={
            "external_data": external_data_for_shop(external_business_id),
            "update_time_ge": update_time_ge,
            "cursor": cursor or None,
            "page_size": page_size,
        },
    )
    data = envelope.data if isinstance(envelope.data, dict) else {}
    orders = tuple(o for o in (_order_from_data(raw) for raw in data.get("orders") or []) if o is not None)
    return OrdersPage(
        orders=orders,
        next_cursor=str(data.get("next_cursor") or ""),
        has_more=bool(data.get("has_more")),
    )
