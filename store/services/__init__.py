"""Every change to the store goes through these functions: the storefront, the admin shell, the Django
admin and the channels call them, so validation, stock rules and the notices to the channels (`changes`)
live in one place. `from store import services` / `services.<name>` is the way in; the modules are
errors, cart, orders (checkout and channel orders), catalog, catalog_admin (the admin shell's catalog
pages), images (uploads re-encoded) and apps (apps and affiliates)."""

from .apps import AffiliateTakenError, affiliate_create, app_install, app_uninstall
from .cart import MAX_LINE_QUANTITY, cart_add, cart_get_or_create, cart_remove, cart_set_quantity
from .catalog import (
    PRODUCT_EDITABLE,
    SKU_EDITABLE,
    product_save,
    product_update,
    products_set_active,
    sku_mark_changed,
    sku_price_save,
    sku_save,
    sku_set_price,
    sku_set_stock,
    sku_update,
    skus_set_active,
    skus_set_stock,
)
from .catalog_admin import (
    PriceInput,
    ProductInput,
    SkuInput,
    brand_get_or_create,
    catalog_product_save,
    catalog_sku_save,
    category_get_or_create,
    duplicate_message,
    sku_duplicate_field,
)
from .errors import CheckoutError, NotFoundError, OutOfStockError, StoreServiceError
from .images import IMAGE_RULE_MIN_SIDE, PreparedImage, image_max_bytes, image_prepare
from .orders import (
    ChannelOrder,
    ChannelOrderLine,
    channel_order_create,
    channel_order_set_status,
    checkout_place_order,
)

__all__ = [
    "IMAGE_RULE_MIN_SIDE",
    "PreparedImage",
    "PriceInput",
    "ProductInput",
    "SkuInput",
    "brand_get_or_create",
    "catalog_product_save",
    "catalog_sku_save",
    "category_get_or_create",
    "duplicate_message",
    "image_max_bytes",
    "image_prepare",
    "sku_duplicate_field",
    "MAX_LINE_QUANTITY",
    "PRODUCT_EDITABLE",
    "SKU_EDITABLE",
    "AffiliateTakenError",
    "ChannelOrder",
    "ChannelOrderLine",
    "CheckoutError",
    "NotFoundError",
    "OutOfStockError",
    "StoreServiceError",
    "affiliate_create",
    "app_install",
    "app_uninstall",
    "cart_add",
    "cart_get_or_create",
    "cart_remove",
    "cart_set_quantity",
    "channel_order_create",
    "channel_order_set_status",
    "checkout_place_order",
    "product_save",
    "product_update",
    "products_set_active",
    "sku_mark_changed",
    "sku_price_save",
    "sku_save",
    "sku_set_price",
    "sku_set_stock",
    "sku_update",
    "skus_set_active",
    "skus_set_stock",
]
