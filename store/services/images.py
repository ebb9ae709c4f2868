"""Catalog images as uploaded by a merchant: checked, then re-encoded with Pillow, so what is stored (and
what the channels fetch) is a plain JPEG or PNG without the upload's metadata (EXIF, GPS, ICC comments),
no larger than IMAGE_MAX_SIDE, and never a decompression bomb."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import StoreServiceError

# The store's own image rule, shown next to the upload (each channel lists what it needs on its side).
IMAGE_RULE_MIN_SIDE = 500
IMAGE_MAX_SIDE = 4000
# Refused before decoding: a 20,000×20,000 PNG of a few kilobytes would need gigabytes once decoded.
IMAGE_MAX_PIXELS = 6000 * 6000
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF"})
JPEG_QUALITY = 90


def image_max_bytes() -> int:
    return int(getattr(settings, "STORE_IMAGE_MAX_BYTES", 10 * 1024 * 1024))


@dataclass(frozen=True)
class PreparedImage:
    content: bytes
    width: int
    height: int
    extension: str  # "jpg" or "png"


def _refuse(message: str) -> StoreServiceError:
    return StoreServiceError(message, field="image", code="image_invalid")


def image_prepare(upload: IO[bytes], size: int | None) -> PreparedImage:
    """The upload re-encoded, or StoreServiceError(field="image") saying what is wrong with it."""
    limit = image_max_bytes()
    if size is not None and size > limit:
        raise _refuse(
            _("The file has %(size)s MB; upload an image of at most %(max)s MB.")
            % {"size": f"{size / 1048576:.1f}", "max": limit // 1048576}
        )
    not_an_image = _("This file is not an image. Upload a JPG, PNG, WebP or GIF file.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            probe = Image.open(upload)
            if probe.format not in ACCEPTED_FORMATS:
                raise _refuse(not_an_image)
            if probe.width * probe.height > IMAGE_MAX_PIXELS:
                raise _refuse(
                    _("The image has too many pixels. Upload an image of at most 6000×6000 pixels.")
                )
            probe.verify()
            upload.seek(0)
            image = Image.open(upload)
            image.load()
    except StoreServiceError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(
            _("The image has too many pixels. Upload an image of at most 6000×6000 pixels.")
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _refuse(not_an_image) from None
    return _encode(image)


def _encode(image: Image.Image) -> PreparedImage:
    image = ImageOps.exif_transpose(image)
    if max(image.size) > IMAGE_MAX_SIDE:
        image.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    out = io.BytesIO()
    if has_alpha:
        # Saved without `pnginfo`: no text chunks, no EXIF.
        image.convert("RGBA").save(out, format="PNG", optimize=True)
        extension = "png"
    else:
        image.convert("RGB").save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        extension = "jpg"
    return PreparedImage(content=out.getvalue(), width=image.width, height=image.height, extension=extension)
