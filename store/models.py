"""The merchant's store (the VTEX side): account, catalog, trade policies, orders, members."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .querysets import ProductQuerySet, SkuPriceQuerySet, SkuQuerySet


class CmsKind(models.TextChoices):
    IO = "io", _("VTEX IO")
    LEGACY = "legacy", _("Legacy CMS Portal")
    HEADLESS = "headless", _("Headless CMS")


class Store(models.Model):
    """A VTEX account: the merchant's store."""

    account = models.SlugField(
        _("account name"), max_length=60, unique=True, help_text=_("The VTEX account name, e.g. lojademo.")
    )
    name = models.CharField(_("name"), max_length=150)
    domain = models.CharField(_("domain"), max_length=253, blank=True)
    country = models.CharField(
        _("country"), max_length=2, validators=[RegexValidator(r"^[A-Z]{2}$")], help_text=_("ISO 3166-1 code")
    )
    currency = models.CharField(_("currency"), max_length=3, validators=[RegexValidator(r"^[A-Z]{3}$")])
    cms_kind = models.CharField(_("CMS"), max_length=10, choices=CmsKind.choices, default=CmsKind.IO)
    locale = models.CharField(_("locale"), max_length=10, default="pt-br")
    time_zone = models.CharField(_("time zone"), max_length=64, default="America/Sao_Paulo")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("store")
        verbose_name_plural = _("stores")

    def __str__(self) -> str:
        return f"{self.name} ({self.account})"

    @property
    def is_io(self) -> bool:
        return self.cms_kind == CmsKind.IO


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    VIEWER = "viewer", _("Viewer")


class MembershipQuerySet(models.QuerySet["Membership"]):
    def for_user(self, user: object) -> MembershipQuerySet:
        return self.filter(user=user).select_related("store")


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "store"], name="uniq_membership_user_store")]
        verbose_name = _("store membership")
        verbose_name_plural = _("store memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.store.account} ({self.role})"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class TradePolicy(models.Model):
    """A sales channel: which SKUs are sold in it and at what price, in which currency."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="trade_policies")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    currency = models.CharField(_("currency"), max_length=3, validators=[RegexValidator(r"^[A-Z]{3}$")])
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["store", "code"], name="uniq_tradepolicy_store_code")]
        verbose_name = _("trade policy")
        verbose_name_plural = _("trade policies")

    def __str__(self) -> str:
        return f"{self.code} · {self.name} ({self.currency})"


class Affiliate(models.Model):
    """A VTEX affiliate of the store: the 3-consonant ID an external channel's orders and catalog are tied
    to. TikTok's is created when its setup is confirmed; other channels may hold other IDs."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="affiliates")
    code = models.CharField(
        _("affiliate ID"),
        max_length=3,
        validators=[RegexValidator(r"^[B-DF-HJ-NP-TV-Z]{3}$", _("Use exactly 3 consonants, e.g. TKT."))],
    )
    name = models.CharField(_("name"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["store", "code"], name="uniq_store_affiliate_code")]
        verbose_name = _("affiliate")
        verbose_name_plural = _("affiliates")

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class Category(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=160)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    google_product_category = models.CharField(
        _("Google product category"),
        max_length=250,
        blank=True,
        help_text=_("Sent to TikTok, e.g. Apparel & Accessories > Clothing > Shirts (at most 3 levels)."),
    )

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["store", "slug"], name="uniq_category_store_slug")]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class Brand(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="brands")
    name = models.CharField(_("name"), max_length=150)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="uniq_brand_store_name")]
        verbose_name = _("brand")
        verbose_name_plural = _("brands")

    def __str__(self) -> str:
        return self.name


class Condition(models.TextChoices):
    NEW = "NEW", _("New")
    REFURBISHED = "REFURBISHED", _("Refurbished")
    USED = "USED", _("Used")


class Product(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="products")
    name = models.CharField(_("name"), max_length=500)
    slug = models.SlugField(_("slug"), max_length=200)
    ref_id = models.CharField(_("reference code"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    brand = models.ForeignKey(
        Brand, null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    condition = models.CharField(
        _("condition"), max_length=12, choices=Condition.choices, default=Condition.NEW
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["store", "slug"], name="uniq_product_store_slug")]
        # The catalog list's keyset pages (WHERE store_id = ? AND id > ? ORDER BY id).
        indexes = [models.Index(fields=["store", "id"], name="product_store_id")]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name


class Sku(models.Model):
    """A sellable variant. Its id is the catalog `sku_id` sent to TikTok and the pixel's content_id."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="skus")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="skus")
    name = models.CharField(_("name"), max_length=200)
    ref_id = models.CharField(_("reference code"), max_length=100, blank=True)
    ean = models.CharField(_("EAN"), max_length=14, blank=True)
    specifications = models.JSONField(_("specifications"), default=dict, blank=True)
    stock = models.IntegerField(_("stock"), default=0, validators=[MinValueValidator(0)])
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SkuQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(stock__gte=0), name="sku_stock_not_negative")]
        indexes = [models.Index(fields=["store", "id"], name="sku_store_id")]
        verbose_name = _("SKU")
        verbose_name_plural = _("SKUs")

    def __str__(self) -> str:
        return f"{self.product.name} – {self.name}" if self.name else self.product.name

    @property
    def in_stock(self) -> bool:
        return self.stock > 0


def sku_image_path(instance: SkuImage, filename: str) -> str:
    return f"catalog/{instance.sku.store_id}/{filename}"


class SkuImage(models.Model):
    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(
        _("image"), upload_to=sku_image_path, width_field="width", height_field="height", max_length=255
    )
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["sku_id", "position", "id"]
        verbose_name = _("SKU image")
        verbose_name_plural = _("SKU images")

    def __str__(self) -> str:
        return self.image.name


class SkuPrice(models.Model):
    """The SKU is sold in this trade policy at `price`; `list_price` above it shows a discount."""

    trade_policy = models.ForeignKey(TradePolicy, on_delete=models.CASCADE, related_name="prices")
    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="prices")
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2)
    list_price = models.DecimalField(_("list price"), max_digits=12, decimal_places=2, null=True, blank=True)

    objects = SkuPriceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["trade_policy", "sku"], name="uniq_skuprice_policy_sku"),
            models.CheckConstraint(condition=Q(price__gte=0), name="skuprice_price_not_negative"),
        ]
        verbose_name = _("SKU price")
        verbose_name_plural = _("SKU prices")

    def __str__(self) -> str:
        return f"{self.sku_id} @ {self.trade_policy.code}: {self.price}"

    @property
    def has_discount(self) -> bool:
        return self.list_price is not None and self.list_price > self.price


class Cart(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="carts")
    session_key = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("cart")
        verbose_name_plural = _("carts")
        constraints = [
            models.UniqueConstraint(fields=["store", "session_key"], name="uniq_cart_store_session")
        ]

    def __str__(self) -> str:
        return f"cart {self.pk} @ {self.store_id}"


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("cart item")
        verbose_name_plural = _("cart items")
        constraints = [
            models.UniqueConstraint(fields=["cart", "sku"], name="uniq_cartitem_cart_sku"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="cartitem_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × SKU {self.sku_id}"


class OrderSource(models.TextChoices):
    STOREFRONT = "storefront", _("Storefront")
    TIKTOK_SHOP = "tiktok_shop", _("TikTok Shop")


class Order(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="orders")
    number = models.CharField(_("number"), max_length=40)
    source = models.CharField(
        _("source"), max_length=20, choices=OrderSource.choices, default=OrderSource.STOREFRONT
    )
    external_id = models.CharField(_("external order id"), max_length=64, blank=True)
    external_status = models.CharField(_("external status"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=30, default="created")
    customer_name = models.CharField(_("customer name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2, default=Decimal("0"))
    trade_policy = models.ForeignKey(TradePolicy, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "number"], name="uniq_order_store_number"),
            models.UniqueConstraint(
                fields=["store", "source", "external_id"],
                condition=~Q(external_id=""),
                name="uniq_order_store_source_external",
            ),
        ]
        verbose_name = _("order")
        verbose_name_plural = _("orders")

    def __str__(self) -> str:
        return self.number


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    sku = models.ForeignKey(Sku, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sku_code = models.CharField(_("SKU id"), max_length=100)
    name = models.CharField(_("name"), max_length=500)
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("order item")
        verbose_name_plural = _("order items")

    def __str__(self) -> str:
        return f"{self.quantity} × {self.name}"


class InstalledApp(models.Model):
    """An app from the App Store installed in the store (Apps > My apps)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="installed_apps")
    app = models.CharField(_("app"), max_length=50)
    installed_at = models.DateTimeField(auto_now_add=True)
    installed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "app"], name="uniq_installedapp_store_app")]
        verbose_name = _("installed app")
        verbose_name_plural = _("installed apps")

    def __str__(self) -> str:
        return f"{self.app} @ {self.store.account}"
