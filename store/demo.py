"""Demo data: a Brazilian VTEX IO store with a realistic catalog, a Legacy CMS store in Brazil and a
store in Argentina. Idempotent (stable slugs), and scales to a million SKUs with batched inserts and a
fixed pool of image files reused by every SKU."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.utils import timezone

from .models import (
    Brand,
    Category,
    CmsKind,
    InstalledApp,
    Membership,
    Product,
    Role,
    Sku,
    SkuImage,
    SkuPrice,
    Store,
    TradePolicy,
)

POOL_DIR = "catalog/pool"
POOL_SIZE = 24
SMALL_POOL_SIZE = 3
BATCH_PRODUCTS = 2000


@dataclass(frozen=True)
class Leaf:
    parent: str
    name: str
    slug: str
    google: str
    items: tuple[str, ...]
    axes: tuple[tuple[str, tuple[str, ...]], ...]
    price_range: tuple[int, int]
    material: str


COLORS = ("Preto", "Branco", "Azul", "Vermelho", "Verde", "Bege")
SIZES = ("P", "M", "G", "GG")
SHOE_SIZES = ("36", "37", "38", "39", "40", "41", "42")

LEAVES: tuple[Leaf, ...] = (
    Leaf(
        "Roupas",
        "Camisetas",
        "camisetas",
        "Apparel & Accessories > Clothing > Shirts & Tops",
        ("Camiseta Básica", "Camiseta Estampada", "Camiseta Polo", "Regata Dry Fit", "Camiseta Oversized"),
        (("cor", COLORS[:4]), ("tamanho", SIZES)),
        (39, 129),
        "algodão penteado",
    ),
    Leaf(
        "Roupas",
        "Calças",
        "calcas",
        "Apparel & Accessories > Clothing > Pants",
        ("Calça Jeans Slim", "Calça de Sarja", "Calça Jogger", "Bermuda Cargo"),
        (("cor", ("Azul", "Preto", "Bege")), ("tamanho", SIZES)),
        (89, 249),
        "jeans com elastano",
    ),
    Leaf(
        "Roupas",
        "Vestidos",
        "vestidos",
        "Apparel & Accessories > Clothing > Dresses",
        ("Vestido Midi Floral", "Vestido Longo de Viscose", "Vestido Chemise", "Saia Plissada"),
        (("cor", ("Preto", "Vermelho", "Verde")), ("tamanho", SIZES[:3])),
        (99, 299),
        "viscose",
    ),
    Leaf(
        "Calçados",
        "Tênis",
        "tenis",
        "Apparel & Accessories > Shoes",
        ("Tênis de Corrida", "Tênis Casual de Couro", "Tênis Skate", "Tênis Infantil com Velcro"),
        (("cor", ("Branco", "Preto")), ("tamanho", SHOE_SIZES)),
        (149, 599),
        "couro sintético e EVA",
    ),
    Leaf(
        "Calçados",
        "Sandálias",
        "sandalias",
        "Apparel & Accessories > Shoes",
        ("Sandália Rasteira", "Chinelo de Dedo", "Sandália Plataforma", "Papete Aventura"),
        (("cor", ("Bege", "Preto", "Azul")), ("tamanho", SHOE_SIZES[:5])),
        (29, 189),
        "borracha natural",
    ),
    Leaf(
        "Acessórios",
        "Bolsas",
        "bolsas",
        "Apparel & Accessories > Handbags, Wallets & Cases",
        ("Bolsa Tiracolo", "Mochila Urbana", "Carteira de Couro", "Pochete Esportiva"),
        (("cor", ("Preto", "Bege", "Vermelho")),),
        (59, 399),
        "couro legítimo",
    ),
    Leaf(
        "Acessórios",
        "Relógios",
        "relogios",
        "Apparel & Accessories > Jewelry > Watches",
        ("Relógio Analógico Clássico", "Relógio Digital Esportivo", "Smartwatch Fit"),
        (("cor", ("Prata", "Dourado", "Preto")),),
        (129, 899),
        "aço inoxidável",
    ),
    Leaf(
        "Casa",
        "Cozinha",
        "cozinha",
        "Home & Garden > Kitchen & Dining",
        (
            "Jogo de Panelas Antiaderente",
            "Cafeteira Elétrica",
            "Liquidificador 900W",
            "Air Fryer 4L",
            "Conjunto de Facas",
        ),
        (("voltagem", ("110V", "220V")),),
        (79, 699),
        "alumínio com revestimento cerâmico",
    ),
    Leaf(
        "Casa",
        "Decoração",
        "decoracao",
        "Home & Garden > Decor",
        ("Almofada Decorativa", "Vaso de Cerâmica", "Luminária de Mesa", "Quadro Abstrato", "Manta de Tricô"),
        (("cor", ("Terracota", "Cinza", "Off-white")),),
        (39, 259),
        "cerâmica artesanal",
    ),
    Leaf(
        "Eletrônicos",
        "Fones de ouvido",
        "fones-de-ouvido",
        "Electronics > Audio > Audio Components > Headphones",
        ("Fone Bluetooth In-ear", "Headphone Over-ear", "Fone com Cancelamento de Ruído"),
        (("cor", ("Preto", "Branco", "Azul")),),
        (99, 899),
        "plástico ABS",
    ),
    Leaf(
        "Eletrônicos",
        "Smartphones",
        "smartphones",
        "Electronics > Communications > Telephony > Mobile Phones",
        ("Smartphone 128GB", "Smartphone 256GB", "Capa de Silicone", "Carregador Turbo 25W"),
        (("cor", ("Grafite", "Prata", "Verde")),),
        (49, 3499),
        "vidro e alumínio",
    ),
    Leaf(
        "Beleza",
        "Perfumes",
        "perfumes",
        "Health & Beauty > Personal Care > Cosmetics > Perfume & Cologne",
        ("Perfume Floral", "Colônia Cítrica", "Body Splash Frutal", "Eau de Parfum Amadeirado"),
        (("volume", ("50 ml", "100 ml")),),
        (59, 459),
        "fragrância",
    ),
    Leaf(
        "Beleza",
        "Maquiagem",
        "maquiagem",
        "Health & Beauty > Personal Care > Cosmetics > Makeup",
        ("Batom Matte", "Base Líquida", "Máscara de Cílios", "Paleta de Sombras"),
        (("tom", ("Claro", "Médio", "Escuro")),),
        (29, 149),
        "fórmula vegana",
    ),
    Leaf(
        "Esporte",
        "Fitness",
        "fitness",
        "Sporting Goods > Exercise & Fitness",
        ("Tapete de Yoga", "Kit Halteres", "Corda de Pular", "Garrafa Térmica 1L", "Faixa Elástica"),
        (("cor", ("Roxo", "Preto", "Azul")),),
        (29, 349),
        "material antiderrapante",
    ),
)

BRANDS = (
    "Aurora Têxtil",
    "Bossa Wear",
    "Caju Calçados",
    "Ipê Casa",
    "Jangada",
    "Mandacaru",
    "Pitanga Beauty",
    "Sabiá Sports",
    "Tucano Tech",
    "Vento Sul",
    "Carioca Basics",
    "Cerrado Outdoor",
)
ADJECTIVES = (
    "Essencial",
    "Conforto",
    "Premium",
    "Urbano",
    "Tropical",
    "Clássico",
    "Leve",
    "Brisa",
    "Horizonte",
)
PALETTE = (
    (247, 25, 99),
    (19, 76, 216),
    (9, 130, 77),
    (179, 93, 0),
    (112, 26, 117),
    (0, 121, 140),
    (200, 60, 40),
    (60, 60, 70),
)


@dataclass
class SeedResult:
    stores: dict[str, Store]
    created_skus: int
    total_skus: int
    logins: list[tuple[str, str, str]]


def _image_pool() -> tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]]:
    """A fixed pool of real JPEG files under MEDIA_ROOT (≥600×600, plus a few under 500×500)."""
    from PIL import Image, ImageDraw

    root = Path(settings.MEDIA_ROOT) / POOL_DIR
    root.mkdir(parents=True, exist_ok=True)
    big: list[tuple[str, int, int]] = []
    small: list[tuple[str, int, int]] = []
    for i in range(POOL_SIZE + SMALL_POOL_SIZE):
        size = 800 if i < POOL_SIZE else 400
        name = f"{POOL_DIR}/{'produto' if i < POOL_SIZE else 'miniatura'}-{i:02d}.jpg"
        path = Path(settings.MEDIA_ROOT) / name
        if not path.exists():
            r, g, b = PALETTE[i % len(PALETTE)]
            img = Image.new("RGB", (size, size), (250, 250, 250))
            draw = ImageDraw.Draw(img)
            for y in range(size):
                t = y / size
                draw.line([(0, y), (size, y)], fill=(int(250 - 40 * t), int(248 - 30 * t), int(245 - 20 * t)))
            pad = size // 6
            shape = i % 3
            box = (pad, pad, size - pad, size - pad)
            if shape == 0:
                draw.ellipse(box, fill=(r, g, b))
            elif shape == 1:
                draw.rounded_rectangle(box, radius=size // 10, fill=(r, g, b))
            else:
                draw.polygon([(size // 2, pad), (size - pad, size - pad), (pad, size - pad)], fill=(r, g, b))
            draw.ellipse(
                (
                    size // 2 - size // 10,
                    size // 2 - size // 10,
                    size // 2 + size // 10,
                    size // 2 + size // 10,
                ),
                fill=(255, 255, 255),
            )
            img.save(path, "JPEG", quality=82)
        (big if i < POOL_SIZE else small).append((name, size, size))
    return big, small


def _store(account: str, **fields: object) -> Store:
    store, _created = Store.objects.update_or_create(account=account, defaults=fields)
    return store


def _policy(store: Store, code: str, name: str) -> TradePolicy:
    policy, _created = TradePolicy.objects.update_or_create(
        store=store, code=code, defaults={"name": name, "currency": store.currency, "is_active": True}
    )
    return policy


def _categories(store: Store) -> dict[str, Category]:
    parents: dict[str, Category] = {}
    leaves: dict[str, Category] = {}
    for leaf in LEAVES:
        if leaf.parent not in parents:
            from django.utils.text import slugify

            parents[leaf.parent], _c = Category.objects.get_or_create(
                store=store, slug=slugify(leaf.parent), defaults={"name": leaf.parent}
            )
        leaves[leaf.slug], _c = Category.objects.get_or_create(
            store=store,
            slug=leaf.slug,
            defaults={
                "name": leaf.name,
                "parent": parents[leaf.parent],
                "google_product_category": leaf.google,
            },
        )
    return leaves


def _brands(store: Store) -> list[Brand]:
    return [Brand.objects.get_or_create(store=store, name=name)[0] for name in BRANDS]


def _sku_combos(leaf: Leaf, rng: random.Random) -> list[dict[str, str]]:
    combos: list[dict[str, str]] = [{}]
    for axis, values in leaf.axes:
        # Not every product comes in every value: pick a stable subset per product.
        chosen = [v for v in values if rng.random() < 0.75] or [values[0]]
        combos = [{**c, axis: v} for c in combos for v in chosen]
    return combos


def _plan(index: int) -> tuple[Leaf, random.Random, list[dict[str, str]]]:
    rng = random.Random(index * 7919 + 17)
    leaf = LEAVES[index % len(LEAVES)]
    combos = _sku_combos(leaf, rng)
    return leaf, rng, combos


def seed_catalog(
    store: Store,
    target_skus: int,
    policies: list[TradePolicy],
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Create products `p-00000`, `p-00001`, ... until the store has at least `target_skus` SKUs in
    them. Products already there are left alone, so running it again creates nothing."""
    big, small = _image_pool()
    leaves = _categories(store)
    brands = _brands(store)
    existing = set(Product.objects.filter(store=store, slug__startswith="p-").values_list("slug", flat=True))
    created_skus = 0
    planned = 0
    index = 0
    batch: list[tuple[int, Leaf, random.Random, list[dict[str, str]]]] = []
    while planned < target_skus:
        leaf, rng, combos = _plan(index)
        planned += len(combos)
        if f"p-{index:07d}" not in existing:
            batch.append((index, leaf, rng, combos))
        index += 1
        if len(batch) >= BATCH_PRODUCTS:
            created_skus += _insert_batch(store, batch, leaves, brands, policies, big, small)
            batch = []
            if progress:
                progress(created_skus)
    if batch:
        created_skus += _insert_batch(store, batch, leaves, brands, policies, big, small)
        if progress:
            progress(created_skus)
    if created_skus >= 10_000 and connection.vendor == "postgresql":
        # Fresh statistics after a bulk load, or the planner keeps estimating the tables as empty.
        with connection.cursor() as cursor:
            for model in (Product, Sku, SkuPrice, SkuImage):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return created_skus


class _RowWriter:
    """Inserts plain rows without building model instances (the ORM's per-object cost dominates at a
    million SKUs): COPY on PostgreSQL, executemany elsewhere. Fields the seed does not set get their
    default, so a field added to the model later keeps this working (or fails loudly if it has none)."""

    def __init__(self, model: type[models.Model], provided: tuple[str, ...]) -> None:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        unknown = set(provided) - {f.attname for f in fields}
        if unknown:
            raise ImproperlyConfigured(f"{model.__name__} has no fields {sorted(unknown)}")
        self.model = model
        self.provided = provided
        now = timezone.now()
        self.defaults: list[tuple[str, object]] = []
        for f in fields:
            if f.attname in provided:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value: object = now
            elif f.has_default():
                value = f.get_default()
            elif f.null:
                value = None
            else:
                raise ImproperlyConfigured(f"seed_demo cannot fill {model.__name__}.{f.name}: no default")
            self.defaults.append((f.column, f.get_db_prep_save(value, connection)))
        by_attname = {f.attname: f.column for f in fields}
        self.columns = ["id", *(by_attname[a] for a in provided), *(c for c, _v in self.defaults)]
        self.default_values = tuple(v for _c, v in self.defaults)

    def allocate_ids(self, count: int) -> list[int]:
        table = self.model._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, count],
                )
                return [row[0] for row in cursor.fetchall()]
            # Other backends: the caller's transaction holds the write lock (SQLite: IMMEDIATE).
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            start = cursor.fetchone()[0] + 1
            return list(range(start, start + count))

    def insert(self, rows: list[tuple[object, ...]]) -> None:
        if not rows:
            return
        quote = connection.ops.quote_name
        table = quote(self.model._meta.db_table)
        columns = ", ".join(quote(c) for c in self.columns)
        full = [row + self.default_values for row in rows]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in full:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", full)  # noqa: S608


def _insert_batch(
    store: Store,
    batch: list[tuple[int, Leaf, random.Random, list[dict[str, str]]]],
    leaves: dict[str, Category],
    brands: list[Brand],
    policies: list[TradePolicy],
    big: list[tuple[str, int, int]],
    small: list[tuple[str, int, int]],
) -> int:
    products = _RowWriter(
        Product, ("store_id", "name", "slug", "ref_id", "description", "category_id", "brand_id")
    )
    skus = _RowWriter(Sku, ("store_id", "product_id", "name", "ref_id", "ean", "specifications", "stock"))
    prices = _RowWriter(SkuPrice, ("trade_policy_id", "sku_id", "price", "list_price"))
    images = _RowWriter(SkuImage, ("sku_id", "image", "width", "height", "position"))
    with transaction.atomic():
        product_ids = products.allocate_ids(len(batch))
        product_rows: list[tuple[object, ...]] = []
        sku_plan: list[tuple[int, int, Leaf, random.Random, str, dict[str, str], int]] = []
        for product_id, (index, leaf, rng, combos) in zip(product_ids, batch, strict=True):
            base = leaf.items[rng.randrange(len(leaf.items))]
            adjective = ADJECTIVES[rng.randrange(len(ADJECTIVES))]
            brand = brands[rng.randrange(len(brands))]
            name = f"{base} {adjective}"
            if index % 97 == 5:
                name = f"{name} “Edição Verão” ☀️ 100% nacional"
            description = (
                f"{base} {adjective.lower()} da {brand.name}, feito em {leaf.material}. "
                f"Acabamento cuidadoso, ótimo custo-benefício e garantia de 90 dias. "
                f"Ideal para o dia a dia; confira a tabela de medidas antes de comprar."
            )
            # About 5% deliberately incomplete, so "needs additional details" has something to show.
            missing = ""
            if index % 20 == 7:
                missing = ("brand", "description", "image", "category")[(index // 20) % 4]
            product_rows.append(
                (
                    product_id,
                    store.pk,
                    name,
                    f"p-{index:07d}",
                    f"REF-{index:07d}",
                    "" if missing == "description" else description,
                    None if missing == "category" else leaves[leaf.slug].pk,
                    None if missing == "brand" else brand.pk,
                )
            )
            for n, combo in enumerate(combos):
                sku_plan.append((product_id, index, leaf, rng, missing, combo, n))
        products.insert(product_rows)

        sku_ids = skus.allocate_ids(len(sku_plan))
        sku_rows: list[tuple[object, ...]] = []
        price_rows: list[tuple[object, ...]] = []
        image_rows: list[tuple[object, ...]] = []
        price_ids = prices.allocate_ids(len(sku_plan) * len(policies))
        image_id_pool = iter(images.allocate_ids(len(sku_plan) * 2))
        price_id_iter = iter(price_ids)
        for sku_id, (product_id, index, leaf, rng, missing, combo, n) in zip(sku_ids, sku_plan, strict=True):
            stock = 0 if rng.random() < 0.08 else rng.randrange(1, 120)
            sku_rows.append(
                (
                    sku_id,
                    store.pk,
                    product_id,
                    " / ".join(combo.values()) or "Único",
                    f"REF-{index:07d}-{n + 1:02d}",
                    f"789{(index * 31 + n) % 10**9:09d}"[:12] + "0",
                    json.dumps(combo, ensure_ascii=False),
                    stock,
                )
            )
            low, high = leaf.price_range
            price = (Decimal(rng.randrange(low * 100, high * 100)) / 100).quantize(Decimal("1")) - Decimal(
                "0.10"
            )
            list_price = (
                (price * Decimal("1.25")).quantize(Decimal("1")) - Decimal("0.10")
                if rng.random() < 0.3
                else None
            )
            for policy in policies:
                price_rows.append((next(price_id_iter), policy.pk, sku_id, price, list_price))
            if missing == "image":
                continue
            pool = small if index % 53 == 11 else big
            name, width, height = pool[(index + sku_id) % len(pool)]
            image_rows.append((next(image_id_pool), sku_id, name, width, height, 0))
            if rng.random() < 0.3:
                name, width, height = pool[(index + sku_id + 1) % len(pool)]
                image_rows.append((next(image_id_pool), sku_id, name, width, height, 1))
        skus.insert(sku_rows)
        prices.insert(price_rows)
        images.insert(image_rows)
    return len(sku_rows)


def _user(username: str, password: str, **flags: bool) -> object:
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


def seed_demo(target_skus: int = 360, *, progress: Callable[[int], None] | None = None) -> SeedResult:
    lojademo = _store(
        "lojademo",
        name="Loja Demo",
        domain="lojademo.com.br",
        country="BR",
        currency="BRL",
        cms_kind=CmsKind.IO,
        locale="pt-br",
        time_zone="America/Sao_Paulo",
    )
    lojalegacy = _store(
        "lojalegacy",
        name="Loja Legado",
        domain="lojalegado.com.br",
        country="BR",
        currency="BRL",
        cms_kind=CmsKind.LEGACY,
        locale="pt-br",
        time_zone="America/Sao_Paulo",
    )
    tiendaar = _store(
        "tiendaar",
        name="Tienda Argentina",
        domain="tiendaar.com.ar",
        country="AR",
        currency="ARS",
        cms_kind=CmsKind.IO,
        locale="es",
        time_zone="America/Argentina/Buenos_Aires",
    )
    demo_policies = [_policy(lojademo, "1", "Loja principal")]
    _policy(lojademo, "2", "Atacado")
    created = seed_catalog(lojademo, target_skus, demo_policies, progress=progress)
    # The other two stores get a small catalog: enough to browse and to show the eligibility gate.
    created += seed_catalog(lojalegacy, 40, [_policy(lojalegacy, "1", "Loja principal")])
    created += seed_catalog(tiendaar, 40, [_policy(tiendaar, "1", "Tienda principal")])

    merchant = _user("merchant", "merchant-demo-1")
    viewer = _user("viewer", "viewer-demo-1")
    _user("ops", "ops-demo-1", is_staff=True, is_superuser=True)
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
