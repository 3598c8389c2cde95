"""Planning image variants: the size an image is shown at, the widths made of it, and the cache key
that names each variant. Pure functions, decided at render time (the URL and size now, the pixels
later, as zola's imageproc does), so the renderer writes final HTML before any pixel is decoded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from garden.config import Config
from garden.errors import ConfigError
from garden.images.probe import ImageInfo, probe_image

# Bump when the pixels a given key stands for change (resampling, encoder settings...): every
# cached variant is then remade once.
PIPELINE_VERSION = 2  # 2: WebP method 2 instead of Pillow's default 4
# The default theme's content column (46rem at 16px) when neither config nor theme sets one.
DEFAULT_CONTENT_WIDTH = 736


@dataclass(frozen=True, slots=True)
class ImageSettings:
    """The config and theme values that decide how images are published."""

    content_width: int = DEFAULT_CONTENT_WIDTH  # CSS px: unsized images are capped at it
    quality: int = 80  # WebP quality
    keep_metadata: bool = False  # keep EXIF/XMP (GPS included) in the variants
    jobs: int = 0  # worker processes; 0: one per core


@dataclass(frozen=True)
class ImagePlan:
    """What the renderer needs to plan images: the settings, and how to probe an image (through
    the build's cache, so a rebuild opens no unchanged image)."""

    settings: ImageSettings
    probe: Callable[[Path], ImageInfo] = probe_image


def image_settings(config: Config, theme_options: dict[str, Any]) -> ImageSettings:
    """Config wins, then the theme's ``content_width`` option, then ``DEFAULT_CONTENT_WIDTH``."""
    width = config.content_width or theme_options.get("content_width") or DEFAULT_CONTENT_WIDTH
    if not isinstance(width, int) or width < 1:
        raise ConfigError(f"content_width must be a positive number of pixels, got {width!r}")
    if not 1 <= config.image_quality <= 100:
        raise ConfigError(f"config: 'image_quality' must be 1-100, got {config.image_quality}")
    if config.image_jobs < 0:
        raise ConfigError(
            f"config: 'image_jobs' must be 0 (all cores) or more, not {config.image_jobs}"
        )
    return ImageSettings(width, config.image_quality, config.keep_metadata, config.image_jobs)


def display_size(
    info: ImageInfo, width: int | None, height: int | None, content_width: int
) -> tuple[int, int]:
    """The CSS size of an embed: as requested (the other side from the aspect ratio), else the
    image's own size capped at the content column."""
    real_w, real_h = max(1, info.width), max(1, info.height)
    if width and height:
        return width, height
    if width:
        return width, max(1, round(width * real_h / real_w))
    if height:
        return max(1, round(height * real_w / real_h)), height
    if real_w > content_width:
        return content_width, max(1, round(content_width * real_h / real_w))
    return real_w, real_h


def variant_widths(display_width: int, real_width: int) -> tuple[int, ...]:
    """Pixel widths to make for an image shown ``display_width`` CSS px wide: 1x and 2x, never
    wider than the original (never upscaled), smallest first."""
    return tuple(sorted({min(display_width, real_width), min(2 * display_width, real_width)}))


# Frames of all sizes of one animation held at once (Pillow's GIF writer keeps every frame to
# compare them): 40 MP is 160 MB of RGBA, enough for most GIFs shown in a note.
MAX_ANIMATION_PIXELS = 40_000_000


def shown_as_is(info: ImageInfo, widths: tuple[int, ...]) -> bool:
    """Whether the image is published as it is rather than resized: an animation with too many
    frames to resize at these widths (a screen recording of hundreds of frames). Its quality is
    kept, only its bytes are not made smaller."""
    return info.animated and any(
        info.frames * w * variant_height(info, w) > MAX_ANIMATION_PIXELS for w in widths
    )


def variant_height(info: ImageInfo, width: int) -> int:
    return max(1, round(info.height * width / max(1, info.width)))


def output_format(info: ImageInfo) -> tuple[str, str]:
    """(Pillow format, extension) of the variants. WebP for everything except animated GIFs,
    which stay GIFs: a reader's saved GIF must still be a GIF that animates everywhere."""
    if info.animated and info.format == "GIF":
        return "GIF", ".gif"
    return "WEBP", ".webp"


def variant_key(info: ImageInfo, width: int, settings: ImageSettings) -> str:
    """Names a variant in the cache and in OUT: everything that changes its bytes."""
    fmt, _ = output_format(info)
    params = [
        PIPELINE_VERSION,
        info.digest,
        width,
        variant_height(info, width),
        fmt,
        info.orientation,
        settings.quality,
        settings.keep_metadata,
    ]
    return hashlib.sha256(json.dumps(params).encode()).hexdigest()[:32]
