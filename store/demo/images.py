"""The demo's image files: a fixed pool of real JPEGs under MEDIA_ROOT that every SKU reuses, so a million
SKUs cost 27 files, not a million. Most are 800×800 (above TikTok's 500×500 minimum); a few are 400×400 so
the catalog sync has images to refuse."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from PIL import Image, ImageDraw

POOL_DIR = "catalog/pool"
POOL_SIZE = 24
SMALL_POOL_SIZE = 3

# One fill per file, cycled: the pool is told apart at a glance on the storefront.
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

# (name relative to MEDIA_ROOT, width, height): what a SkuImage row stores.
PoolImage = tuple[str, int, int]


def image_pool() -> tuple[list[PoolImage], list[PoolImage]]:
    """The pool's (big, small) images, drawing any file that is missing; existing files are kept."""
    root = Path(settings.MEDIA_ROOT) / POOL_DIR
    root.mkdir(parents=True, exist_ok=True)
    big: list[PoolImage] = []
    small: list[PoolImage] = []
    for i in range(POOL_SIZE + SMALL_POOL_SIZE):
        size = 800 if i < POOL_SIZE else 400
        name = f"{POOL_DIR}/{'produto' if i < POOL_SIZE else 'miniatura'}-{i:02d}.jpg"
        path = Path(settings.MEDIA_ROOT) / name
        if not path.exists():
            _draw(i, size).save(path, "JPEG", quality=82)
        (big if i < POOL_SIZE else small).append((name, size, size))
    return big, small


def _draw(i: int, size: int) -> Image.Image:
    """Pool image `i`: a soft vertical gradient, a coloured shape (circle, rounded square or triangle, by
    `i`) and a white dot in the middle."""
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
    return img
