"""Image facts and variants with Pillow.

Here: read an image's real size from its header (no full decode), and make the downscaled copy an
image embed with a width needs (the contract: never more than 2x the requested width, never wider
than the original). The full pipeline (WebP, srcset, cache, parallelism) builds on this.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from PIL import Image, ImageOps

from garden.model import ImageVariant

RASTER_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".avif"}
IMAGE_SUFFIXES = RASTER_SUFFIXES | {".svg"}
AUDIO_SUFFIXES = {".mp3", ".wav", ".ogg", ".m4a", ".flac", ".3gp", ".oga", ".opus"}
VIDEO_SUFFIXES = {".mp4", ".webm", ".ogv", ".mov", ".mkv"}
PDF_SUFFIXES = {".pdf"}
_EXIF_FORMATS = {"JPEG", "MPO", "WEBP", "TIFF"}
MAX_PIXELS = 90_000_000  # larger is a decompression bomb, not a photo


def image_size(path: Path) -> tuple[int, int] | None:
    """Display size (EXIF rotation applied) read from the header, or None if unreadable."""
    if path.suffix.lower() not in RASTER_SUFFIXES:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                width, height = img.size
                if width * height > MAX_PIXELS:
                    return None
                # Only formats that keep EXIF in the header: PNG's eXIf chunk may follow the
                # pixel data, and reading it would decode the whole image.
                orientation = img.getexif().get(0x0112, 1) if img.format in _EXIF_FORMATS else 1
                if orientation in (5, 6, 7, 8):
                    width, height = height, width
                return width, height
    except Exception:  # Pillow raises many kinds for bad files; all mean "not an image"
        return None


def write_variant(variant: ImageVariant, dest: Path) -> None:
    with Image.open(variant.source) as original:
        fmt = original.format or Image.registered_extensions().get(dest.suffix.lower(), "PNG")
        img = ImageOps.exif_transpose(original)
        height = max(1, round(img.height * variant.width / img.width))
        resized = img.resize((variant.width, height), Image.Resampling.LANCZOS)
        if fmt == "JPEG" and resized.mode not in ("RGB", "L"):
            resized = resized.convert("RGB")
        resized.save(dest, format=fmt)
