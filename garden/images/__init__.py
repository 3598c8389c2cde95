"""Images: probed at render time (size, hash), planned into variants (1x and 2x, WebP), made in
parallel worker processes into a content-addressed cache, copied into OUT by emit.

``probe`` header facts and validation · ``variants`` planning (pure) · ``process`` pixel work and
the process pool · ``cache`` the on-disk cache · ``stage`` the stage between render and emit.
"""

from garden.images.cache import ImageCache
from garden.images.probe import (
    AUDIO_SUFFIXES,
    IMAGE_SUFFIXES,
    PDF_SUFFIXES,
    RASTER_SUFFIXES,
    VIDEO_SUFFIXES,
    ImageInfo,
    probe_image,
)
from garden.images.process import Workers
from garden.images.stage import ImageStats, plan_tasks, produce_images
from garden.images.variants import (
    ImagePlan,
    ImageSettings,
    display_size,
    image_settings,
    output_format,
    shown_as_is,
    variant_height,
    variant_key,
    variant_widths,
)

__all__ = [
    "AUDIO_SUFFIXES",
    "IMAGE_SUFFIXES",
    "PDF_SUFFIXES",
    "RASTER_SUFFIXES",
    "VIDEO_SUFFIXES",
    "ImageCache",
    "ImageInfo",
    "ImagePlan",
    "ImageSettings",
    "ImageStats",
    "Workers",
    "display_size",
    "image_settings",
    "output_format",
    "plan_tasks",
    "probe_image",
    "produce_images",
    "shown_as_is",
    "variant_height",
    "variant_key",
    "variant_widths",
]
