"""The demo's stores, trade policies and logins, created or brought back to what the seed prints."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser

from ..models import Store, TradePolicy


def store_upsert(account: str, **fields: object) -> Store:
    """The store with this account, its fields set to `fields`."""
    store, _created = Store.objects.update_or_create(account=account, defaults=fields)
    return store


def policy_upsert(store: Store, code: str, name: str) -> TradePolicy:
    """The store's trade policy `code`, active, named `name`, in the store's currency."""
    policy, _created = TradePolicy.objects.update_or_create(
        store=store, code=code, defaults={"name": name, "currency": store.currency, "is_active": True}
    )
    return policy


def user_upsert(username: str, password: str, **flags: bool) -> AbstractBaseUser:
    """The user `username`, with `flags` (is_staff...) set and `password` working."""
    User = get_user_model()
    user, _created = User.objects.get_or_create(
        username=username, defaults={"email": f"{username}@example.com"}
    )
    for key, value in flags.items():
        setattr(user, key, value)
    # Demo logins are printed for the newcomer, so they must work after every run; they deliberately skip the
    # password validators. An unchanged password is not set again: a new hash would log out every session.
    if _created or not user.check_password(password):
        user.set_password(password)
    user.save()
    return user
