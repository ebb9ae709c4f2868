"""The storefront's forms and the admin shell's store switcher. They apply the project's input rules
(core.forms) and nothing else: the store services parse and validate the values themselves, with their
own messages, so the values reach them exactly as posted."""

from __future__ import annotations

from django import forms

from core.forms import ProjectForm


def _as_posted() -> forms.CharField:
    # strip=False: the service receives the value unchanged (it strips and parses it itself).
    return forms.CharField(required=False, strip=False)


class CheckoutForm(ProjectForm):
    name = _as_posted()
    email = _as_posted()
    phone = _as_posted()


class CartLineForm(ProjectForm):
    """Add, change or remove a cart line: the SKU and (add, change) the quantity."""

    sku_id = _as_posted()
    quantity = _as_posted()


class StoreSwitchForm(ProjectForm):
    """The store switcher in the admin shell's top bar; the view checks the membership."""

    account = _as_posted()
