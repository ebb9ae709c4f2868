"""`seed_demo`: which demo stores exist, what catalog each gets, and who logs in to them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..models import CmsKind, InstalledApp, Membership, Role, Sku, Store
from .catalog import seed_catalog
from .stores import policy_upsert, store_upsert, user_upsert


@dataclass
class SeedResult:
    stores: dict[str, Store]
    created_skus: int
    total_skus: int
    logins: list[tuple[str, str, str]]


def seed_demo(target_skus: int = 360, *, progress: Callable[[int], None] | None = None) -> SeedResult:
    """Create the three demo stores, lojademo's catalog up to `target_skus` SKUs (40 in each of the
    others), the logins and TikTok for Business installed in lojademo. Idempotent: a re-run creates
    nothing and puts the printed logins back."""
    # The order of what is created below is the order of the ids: keep it.
    lojademo = store_upsert(
        "lojademo",
        name="Loja Demo",
        domain="lojademo.com.br",
        country="BR",
        currency="BRL",
        cms_kind=CmsKind.IO,
        locale="pt-br",
        time_zone="America/Sao_Paulo",
    )
    lojalegacy = store_upsert(
        "lojalegacy",
        name="Loja Legado",
        domain="lojalegado.com.br",
        country="BR",
        currency="BRL",
        cms_kind=CmsKind.LEGACY,
        locale="pt-br",
        time_zone="America/Sao_Paulo",
    )
    tiendaar = store_upsert(
        "tiendaar",
        name="Tienda Argentina",
        domain="tiendaar.com.ar",
        country="AR",
        currency="ARS",
        cms_kind=CmsKind.IO,
        locale="es",
        time_zone="America/Argentina/Buenos_Aires",
    )
    demo_policies = [policy_upsert(lojademo, "1", "Loja principal")]
    policy_upsert(lojademo, "2", "Atacado")
    created = seed_catalog(lojademo, target_skus, demo_policies, progress=progress)
    # The other two stores get a small catalog: enough to browse and to show the eligibility gate.
    created += seed_catalog(lojalegacy, 40, [policy_upsert(lojalegacy, "1", "Loja principal")])
    created += seed_catalog(tiendaar, 40, [policy_upsert(tiendaar, "1", "Tienda principal")])

    merchant = user_upsert("merchant", "merchant-demo-1")
    viewer = user_upsert("viewer", "viewer-demo-1")
    user_upsert("ops", "ops-demo-1", is_staff=True, is_superuser=True)
    for store in (lojademo, lojalegacy, tiendaar):
        Membership.objects.update_or_create(user=merchant, store=store, defaults={"role": Role.ADMIN})
    Membership.objects.update_or_create(user=viewer, store=lojademo, defaults={"role": Role.VIEWER})
    # TikTok for Business comes installed in the demo store so Marketplace > TikTok is one click away;
    # the other stores show the App Store flow.
    InstalledApp.objects.get_or_create(store=lojademo, app="tiktok", defaults={"installed_by": merchant})
    return SeedResult(
        stores={s.account: s for s in (lojademo, lojalegacy, tiendaar)},
        created_skus=created,
        total_skus=Sku.objects.filter(store=lojademo).count(),
        logins=[
            ("merchant", "merchant-demo-1", "admin of lojademo, lojalegacy, tiendaar"),
            ("viewer", "viewer-demo-1", "viewer of lojademo"),
            ("ops", "ops-demo-1", "superuser for the Django admin (/django-admin/)"),
        ],
    )
