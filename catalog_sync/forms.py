"""The exclusion form: a product (by its ID) or a category of this store."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from store.models import Category, Product, Store

from .models import CatalogExclusion


class ExclusionForm(forms.Form):
    product_id = forms.IntegerField(label=_("Product ID"), required=False, min_value=1)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none(), required=False)

    def __init__(self, store: Store, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.store = store
        self.fields["category"].queryset = Category.objects.filter(store=store).order_by("name")
        self.product: Product | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        product_id, category = data.get("product_id"), data.get("category")
        if bool(product_id) == bool(category):
            raise forms.ValidationError(_("Choose either a product or a category."))
        if product_id:
            self.product = Product.objects.filter(store=self.store, pk=product_id).first()
            if self.product is None:
                self.add_error("product_id", _("This store has no product with this ID."))
            elif CatalogExclusion.objects.filter(store=self.store, product=self.product).exists():
                self.add_error("product_id", _("This product is already excluded."))
        elif CatalogExclusion.objects.filter(store=self.store, category=category).exists():
            self.add_error("category", _("This category is already excluded."))
        return data

    def save(self) -> CatalogExclusion:
        return CatalogExclusion.objects.create(
            store=self.store,
            product=self.product,
            category=self.cleaned_data.get("category") if not self.product else None,
        )
