"""The exclusion form (a product, by its ID, or a category of this store) and the lists' filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import ProjectForm
from store.models import Category, Product, Store

from .models import SyncStatus
from .validation import FIELD_LABELS

SEARCH_MAX_LENGTH = 40


class ExclusionForm(ProjectForm):
    """Excluding what is already excluded is not an error: a second click (or two at once) is answered
    as the first, see `exclusion_add`."""

    product_id = forms.IntegerField(label=_("Product ID"), required=False, min_value=1)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none(), required=False)

    def __init__(self, store: Store, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.store = store
        self.fields["category"].queryset = Category.objects.filter(store=store).order_by("name")
        self.product: Product | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        product_id, category = data.get("product_id"), data.get("category")
        if bool(product_id) == bool(category):
            raise forms.ValidationError(_("Choose either a product or a category."))
        if product_id:
            self.product = Product.objects.filter(store=self.store, pk=product_id).first()
            if self.product is None:
                self.add_error("product_id", _("This store has no product with this ID."))
        return data


class ListFiltersForm(ProjectForm):
    """The filters of a list (GET): a SKU or product ID, a missing field, a status, and the keyset cursor."""

    q = forms.CharField(required=False)
    field = forms.ChoiceField(required=False, choices=[("", "")] + [(k, k) for k in FIELD_LABELS])
    status = forms.ChoiceField(required=False, choices=[("", ""), *SyncStatus.choices])
    after = forms.IntegerField(required=False, min_value=0)

    def clean_q(self) -> str:
        value = self.cleaned_data["q"][:SEARCH_MAX_LENGTH]
        # ASCII digits only: str.isdigit() also accepts "²" or "١", which int() or the query would refuse.
        if value and not (value.isascii() and value.isdigit()):
            raise forms.ValidationError(_("Enter a SKU ID or a product ID: digits only."))
        return value

    def clean_after(self) -> int:
        return self.cleaned_data["after"] or 0
