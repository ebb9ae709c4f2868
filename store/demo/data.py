"""The demo catalog's vocabulary: the leaf categories (with their Google category, product names, SKU
axes, price range and material), the brands and the adjectives. Pure data: the catalog builder draws from
these tables in a fixed order, so changing or reordering them changes every seeded name and price."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Leaf:
    """A leaf category (under `parent`) and what its products are: base names (`items`), the
    specifications each product's SKUs vary on (`axes`: name, values), a price range in whole units and
    the material the description mentions."""

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
