"""The forms of Catalog > Products and SKUs. They check every value and put each message next to its
field; the views then hand the cleaned values to store.services (never `form.save()`), so every save
publishes the change to the channels."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from core.forms import ProjectForm, ProjectModelForm

from . import services
from .models import Brand, Category, Product, Sku, SkuImage, SkuPrice, Store, TradePolicy

DESCRIPTION_MAX = 20_000
SPEC_KEYS: dict[str, tuple[str, ...]] = {
    "color": ("color", "cor", "colour"),
    "size": ("size", "tamanho", "talla", "tamaño"),
    "voltage": ("voltage", "voltagem", "voltaje"),
}
EAN_LENGTHS = (8, 12, 13, 14)
IMAGE_ACCEPT = "image/jpeg,image/png,image/webp,image/gif"


_TAG = re.compile(r"<[a-zA-Z/!?]")


def _has_words(value: str) -> bool:
    return any(char.isalnum() for char in value)


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _plain_name(value: str | None, *, required: bool = True) -> str:
    """A single-line name as plain text: no HTML tags (a shop shows it as typed), letters or digits."""
    value = _one_line(value or "")
    if _TAG.search(value):
        raise forms.ValidationError(_("Remove the HTML tags: this is plain text."))
    if (value or required) and not _has_words(value):
        raise forms.ValidationError(_("The name needs letters or numbers."))
    return value


class ProductForm(ProjectModelForm):
    new_brand = forms.CharField(label=_("Or create a brand"), max_length=150, required=False)
    new_category = forms.CharField(label=_("Or create a category"), max_length=150, required=False)

    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Formatting (HTML) is kept; scripts never reach a channel."),
    )

    class Meta:
        model = Product
        fields = ["name", "description", "brand", "category", "is_active"]
        labels = {
            "name": _("Product name"),
            "brand": _("Brand"),
            "category": _("Category"),
            "is_active": _("Active"),
        }

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.store = store
        self.fields["brand"].queryset = Brand.objects.filter(store=store).order_by("name")  # type: ignore[attr-defined]
        self.fields["category"].queryset = Category.objects.filter(store=store).order_by("name")  # type: ignore[attr-defined]

    def clean_name(self) -> str:
        return _plain_name(self.cleaned_data.get("name"))

    def _clean_new(self, key: str) -> str:
        return _plain_name(self.cleaned_data.get(key), required=False)

    def clean_new_brand(self) -> str:
        return self._clean_new("new_brand")

    def clean_new_category(self) -> str:
        return self._clean_new("new_category")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("brand") and data.get("new_brand"):
            self.add_error("new_brand", _("Choose a brand or type a new one, not both."))
        if data.get("category") and data.get("new_category"):
            self.add_error("new_category", _("Choose a category or type a new one, not both."))
        return data

    def product_input(self) -> services.ProductInput:
        d = self.cleaned_data
        return services.ProductInput(
            name=d["name"],
            description=d.get("description") or "",
            brand=d.get("brand"),
            category=d.get("category"),
            is_active=bool(d.get("is_active")),
            new_brand=d.get("new_brand") or "",
            new_category=d.get("new_category") or "",
        )


def _money_field(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        localize=True,
        error_messages={
            "min_value": _("The price cannot be negative."),
            "invalid": _("Enter an amount, e.g. 99.90."),
            "max_digits": _("The amount is too large."),
            "max_whole_digits": _("The amount is too large."),
            "max_decimal_places": _("Use at most 2 decimal places."),
        },
    )


class SkuForm(ProjectForm):
    name = forms.CharField(label=_("SKU name"), max_length=200)
    ref_id = forms.CharField(label=_("Reference code"), max_length=100, required=False)
    ean = forms.CharField(label=_("EAN"), max_length=14, required=False)
    color = forms.CharField(label=_("Color"), max_length=100, required=False)
    size = forms.CharField(label=_("Size"), max_length=100, required=False)
    voltage = forms.CharField(label=_("Voltage"), max_length=100, required=False)
    stock = forms.IntegerField(
        label=_("Stock"),
        min_value=0,
        max_value=2_147_483_647,
        error_messages={
            "min_value": _("The stock cannot be negative."),
            "invalid": _("Enter a whole number."),
        },
    )
    is_active = forms.BooleanField(label=_("Active"), required=False)
    image = forms.FileField(
        label=_("New main image"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT}),
    )
    remove_images = forms.ModelMultipleChoiceField(
        label=_("Remove images"),
        queryset=SkuImage.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        product: Product,
        sku: Sku | None,
        policies: list[TradePolicy],
        refused_uploads: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        self.product, self.sku, self.policies = product, sku, policies
        self.refused_uploads = refused_uploads or []
        specs = dict(sku.specifications) if sku is not None and isinstance(sku.specifications, dict) else {}
        self.spec_keys = {name: _existing_key(specs, keys) for name, keys in SPEC_KEYS.items()}
        if sku is not None and not kwargs.get("data"):
            prices = {p.trade_policy_id: p for p in SkuPrice.objects.filter(sku=sku)}
            initial = {
                "name": sku.name,
                "ref_id": sku.ref_id,
                "ean": sku.ean,
                "stock": sku.stock,
                "is_active": sku.is_active,
            }
            for name, key in self.spec_keys.items():
                initial[name] = specs.get(key, "") if key else ""
            for policy in policies:
                row = prices.get(policy.pk)
                initial[f"price_{policy.pk}"] = row.price if row else None
                initial[f"list_price_{policy.pk}"] = row.list_price if row else None
            kwargs["initial"] = initial
        elif sku is None and not kwargs.get("data"):
            kwargs["initial"] = {"is_active": True, "stock": 0}
        super().__init__(*args, **kwargs)
        if sku is not None:
            remove: Any = self.fields["remove_images"]
            remove.queryset = SkuImage.objects.filter(sku=sku).order_by("position", "id")
            remove.label_from_instance = _image_label
        for policy in policies:
            self.fields[f"price_{policy.pk}"] = _money_field(str(_("Selling price")))
            self.fields[f"list_price_{policy.pk}"] = _money_field(str(_("List price")))

    def price_fields(self) -> list[tuple[TradePolicy, forms.BoundField, forms.BoundField]]:
        return [(p, self[f"price_{p.pk}"], self[f"list_price_{p.pk}"]) for p in self.policies]

    def clean_name(self) -> str:
        return _plain_name(self.cleaned_data.get("name"))

    def _clean_spec(self, key: str) -> str:
        value = _one_line(self.cleaned_data.get(key) or "")
        if _TAG.search(value):
            raise forms.ValidationError(_("Remove the HTML tags: this is plain text."))
        return value

    def clean_color(self) -> str:
        return self._clean_spec("color")

    def clean_size(self) -> str:
        return self._clean_spec("size")

    def clean_voltage(self) -> str:
        return self._clean_spec("voltage")

    def clean_ref_id(self) -> str:
        return (self.cleaned_data.get("ref_id") or "").strip()

    def clean_ean(self) -> str:
        ean = (self.cleaned_data.get("ean") or "").strip()
        if ean and (not ean.isascii() or not ean.isdigit() or len(ean) not in EAN_LENGTHS):
            raise forms.ValidationError(_("Enter the EAN as 8, 12, 13 or 14 digits."))
        return ean

    def clean_image(self) -> services.PreparedImage | None:
        if "image" in self.refused_uploads:
            raise forms.ValidationError(
                _("The file is larger than %(max)s MB; upload an image of at most %(max)s MB.")
                % {"max": services.image_max_bytes() // 1048576}
            )
        upload = self.cleaned_data.get("image")
        if not upload:
            return None
        if not isinstance(upload, UploadedFile):
            raise forms.ValidationError(_("This file is not an image. Upload a JPG, PNG, WebP or GIF file."))
        try:
            return services.image_prepare(upload, upload.size)
        except services.StoreServiceError as exc:
            raise forms.ValidationError(exc.message) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for policy in self.policies:
            price = data.get(f"price_{policy.pk}")
            list_price = data.get(f"list_price_{policy.pk}")
            if price is None and list_price is not None and f"price_{policy.pk}" not in self.errors:
                self.add_error(
                    f"price_{policy.pk}", _("Enter the selling price too, or clear the list price.")
                )
            elif price is not None and list_price is not None and list_price < price:
                self.add_error(
                    f"list_price_{policy.pk}", _("The list price cannot be lower than the selling price.")
                )
        duplicate = services.sku_duplicate_field(
            self.product.store, self.sku, ean=data.get("ean") or "", ref_id=data.get("ref_id") or ""
        )
        if duplicate and duplicate not in self.errors:
            self.add_error(duplicate, services.duplicate_message(duplicate))
        return data

    def sku_input(self) -> services.SkuInput:
        d = self.cleaned_data
        specs: dict[str, Any] = (
            dict(self.sku.specifications)
            if self.sku is not None and isinstance(self.sku.specifications, dict)
            else {}
        )
        for name, existing in self.spec_keys.items():
            value = _one_line(d.get(name) or "")
            key = existing or name
            if value:
                specs[key] = value
            else:
                specs.pop(key, None)
        return services.SkuInput(
            name=d["name"],
            ref_id=d.get("ref_id") or "",
            ean=d.get("ean") or "",
            specifications=specs,
            stock=d["stock"],
            is_active=bool(d.get("is_active")),
        )

    def price_inputs(self) -> list[services.PriceInput]:
        d = self.cleaned_data
        return [
            services.PriceInput(
                trade_policy=p, price=d.get(f"price_{p.pk}"), list_price=d.get(f"list_price_{p.pk}")
            )
            for p in self.policies
        ]


def _image_label(image: SkuImage) -> str:
    size = _("%(width)s×%(height)s pixels") % {"width": image.width, "height": image.height}
    return f"#{image.position + 1} · {size}"


def _existing_key(specs: dict[str, Any], keys: tuple[str, ...]) -> str:
    lowered = {str(k).strip().lower(): str(k) for k in specs}
    for key in keys:
        if key in lowered:
            return lowered[key]
    return ""


class ProductFilterForm(ProjectForm):
    """The product list's search and filters (GET)."""

    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    category = forms.TypedChoiceField(label=_("Category"), coerce=int, required=False, empty_value=None)
    brand = forms.TypedChoiceField(label=_("Brand"), coerce=int, required=False, empty_value=None)
    active = forms.ChoiceField(
        label=_("Active"),
        required=False,
        choices=[("", _("Any")), ("1", _("Active")), ("0", _("Inactive"))],
    )
    missing = forms.ChoiceField(
        label=_("Completeness"),
        required=False,
        choices=[
            ("", _("Any")),
            ("any", _("Missing something")),
            ("brand", _("No brand")),
            ("category", _("No category")),
            ("description", _("No description")),
            ("image", _("No image")),
            ("price", _("No price")),
        ],
    )
    after = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args: Any, brands: list[Brand], categories: list[Category], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The choices the page already loaded (bounded lists): checking a posted id costs no query.
        self.fields["brand"].choices = [("", _("Any")), *((b.pk, b.name) for b in brands)]  # type: ignore[attr-defined]
        self.fields["category"].choices = [("", _("Any")), *((c.pk, c.name) for c in categories)]  # type: ignore[attr-defined]
