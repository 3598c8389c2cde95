"""What an image is, read without decoding its pixels: its size (EXIF rotation applied), format,
whether it is animated, its content hash, and whether it can be published at all.

The render stage needs the size to write ``width``/``height`` and plan variants, so this runs for
every published image on every build; it reads only the header (and hashes the bytes), never the
pixel data. Anything Pillow cannot open, an empty file, or a header claiming more than
``MAX_PIXELS`` comes back with ``error`` set, so the page shows a placeholder instead.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from PIL import Image

RASTER_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".avif"}
IMAGE_SUFFIXES = RASTER_SUFFIXES | {".svg"}
AUDIO_SUFFIXES = {".mp3", ".wav", ".ogg", ".m4a", ".flac", ".3gp", ".oga", ".opus"}
VIDEO_SUFFIXES = {".mp4", ".webm", ".ogv", ".mov", ".mkv"}
PDF_SUFFIXES = {".pdf"}

# 90 MP: a 12 MP phone photo is far below, a panorama of 80 MP still fits; beyond is a
# decompression bomb (one decoded would take gigabytes per worker process).
MAX_PIXELS = 90_000_000
# Formats whose EXIF sits before the pixel data. PNG's eXIf chunk may follow it, and reading it
# would decode the whole image, so PNG orientation is ignored (and stripped with the metadata).
_EXIF_FORMATS = {"JPEG", "MPO", "WEBP", "TIFF"}
_SVG_ROOT = re.compile(rb"<svg\b[^>]*>", re.IGNORECASE | re.DOTALL)
# Not preceded by a letter or "-": stroke-width="1.5" is not the SVG's width.
_SVG_ATTR = re.compile(rb"""(?<![\w-])(width|height|viewBox)\s*=\s*["']([^"']*)["']""", re.I)


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """An image as the renderer plans it. ``width``/``height`` are as displayed (orientation
    applied); 0 when unknown (an SVG without a size)."""

    width: int
    height: int
    format: str  # Pillow's format name, or "SVG"
    digest: str = ""  # content hash: names the cached variants
    orientation: int = 1  # EXIF orientation (1-8) still to apply to the stored pixels
    animated: bool = False
    error: str = ""  # why the image cannot be shown; "" when fine
    frames: int = 1  # an animation's frames

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def content_digest(path: Path) -> str:
    """SHA-256 of the file (hardware-accelerated on most CPUs, so cheaper than the decode it
    saves); 32 hex digits are plenty to name a cache entry."""
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()[:32]


def probe_image(path: Path) -> ImageInfo:
    """Read ``path``'s header. Never raises for a bad file: the problem is in ``error``."""
    suffix = path.suffix.lower()
    try:
        if path.stat().st_size == 0:
            return ImageInfo(0, 0, "", error="empty file (0 bytes)")
        digest = content_digest(path)
    except OSError as exc:
        return ImageInfo(0, 0, "", error=f"cannot be read ({exc.strerror or exc})")
    if suffix == ".svg":
        width, height = svg_size(path)
        return ImageInfo(width, height, "SVG", digest)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # we check below
            with Image.open(path) as img:
                width, height = img.size
                if width * height > MAX_PIXELS:
                    return _bomb(width, height)
                orientation = img.getexif().get(0x0112, 1) if img.format in _EXIF_FORMATS else 1
                animated = bool(getattr(img, "is_animated", False))
                frames = int(getattr(img, "n_frames", 1)) if animated else 1
                fmt = img.format or ""
    except Image.DecompressionBombError as exc:
        size = re.search(r"\((\d+) pixels\)", str(exc))
        return ImageInfo(0, 0, "", error=_bomb_message(int(size.group(1)) if size else 0))
    except Exception as exc:  # Pillow raises many kinds for bad files; all mean "not an image"
        return ImageInfo(0, 0, "", error=f"not a readable image ({type(exc).__name__}: {exc})")
    if not isinstance(orientation, int) or not 1 <= orientation <= 8:
        orientation = 1
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return ImageInfo(width, height, fmt, digest, orientation, animated, frames=frames)


def _bomb(width: int, height: int) -> ImageInfo:
    return ImageInfo(0, 0, "", error=f"its header claims {width}x{height} pixels; " + _LIMIT)


def _bomb_message(pixels: int) -> str:
    return f"its header claims {pixels / 1e6:,.0f} MP; {_LIMIT}"


_LIMIT = f"more than {MAX_PIXELS // 1_000_000} MP is refused as a decompression bomb"


def svg_size(path: Path) -> tuple[int, int]:
    """The size an SVG asks for: its root's ``width``/``height`` in pixels, else its ``viewBox``;
    (0, 0) when it states neither. Read with a regular expression on the first 8 KiB rather than
    an XML parser, so a hostile SVG (entity expansion) costs nothing."""
    with path.open("rb") as f:
        head = f.read(8192)
    root = _SVG_ROOT.search(head)
    if root is None:
        return 0, 0
    attrs = {
        k.decode().lower(): v.decode("ascii", "replace") for k, v in _SVG_ATTR.findall(root[0])
    }
    width, height = _px(attrs.get("width")), _px(attrs.get("height"))
    box = (attrs.get("viewbox") or "").replace(",", " ").split()
    try:
        box_w, box_h = (float(box[2]), float(box[3])) if len(box) == 4 else (0.0, 0.0)
    except ValueError:
        box_w = box_h = 0.0
    if width and height:
        return width, height
    if box_w > 0 and box_h > 0:
        if width:
            return width, max(1, round(width * box_h / box_w))
        if height:
            return max(1, round(height * box_w / box_h)), height
        return max(1, round(box_w)), max(1, round(box_h))
    return 0, 0


def _px(value: str | None) -> int:
    """``"120"`` or ``"120px"`` → 120; relative units (``%``, ``em``) say nothing: 0."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(px)?\s*", value or "")
    return max(0, round(float(match.group(1)))) if match else 0
