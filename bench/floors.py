"""Floors: the least work any tool must do for a vault, measured in the same run as the build so
the ratios hold on a noisy machine.

- io: read every note once and write it once.
- parse: render every note once with plain mistune (CommonMark + the GFM plugins), no links.
- images: decode every image once and encode the variants an unsized embed needs (the content
  column's width and 2x of it, never upscaled) as WebP, on all cores. It decodes, resizes and
  encodes as garden's pipeline does (JPEG DCT scaling, one mode conversion, each variant from the
  previous one, the same WebP settings), so the ratio is garden's overhead and not a difference
  in technique; garden's build also makes the variants sized embeds ask for, which this does not.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import mistune
from PIL import Image

from garden.images.process import WEBP_METHOD, mode_for_resize
from garden.images.variants import DEFAULT_CONTENT_WIDTH

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff")
COLUMN_WIDTH = DEFAULT_CONTENT_WIDTH
QUALITY = 80  # garden's default image_quality


def vault_files(vault: Path, suffixes: tuple[str, ...]) -> list[Path]:
    found = []
    for root, dirs, files in os.walk(vault):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(Path(root, f) for f in files if f.lower().endswith(suffixes))
    return sorted(found)


def io_floor(vault: Path) -> float:
    notes = vault_files(vault, (".md",))
    target = Path(tempfile.mkdtemp(prefix="garden-floor-"))
    try:
        start = time.perf_counter()
        for i, note in enumerate(notes):
            (target / f"{i}.md").write_bytes(note.read_bytes())
        return time.perf_counter() - start
    finally:
        shutil.rmtree(target)


def parse_floor(vault: Path) -> float:
    markdown = mistune.create_markdown(
        plugins=["strikethrough", "table", "footnotes", "task_lists", "math", "mark"]
    )
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in vault_files(vault, (".md",))]
    start = time.perf_counter()
    for text in texts:
        markdown(text)
    return time.perf_counter() - start


def decode_and_encode(source: Path, sizes: list[tuple[int, int]]) -> int:
    """Decode ``source`` once and encode it at each of ``sizes`` as garden does; bytes written."""
    with Image.open(source) as image:
        if image.format == "JPEG":
            image.draft("RGB" if image.mode == "RGB" else None, max(sizes))
        current = mode_for_resize(image)
        written = 0
        for size in sorted(sizes, reverse=True):
            if current.size != size:
                current = current.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
            with tempfile.TemporaryFile() as sink:
                current.save(sink, "WEBP", quality=QUALITY, method=WEBP_METHOD)
                written += sink.tell()
        return written


def unsized_variants(path: Path) -> list[tuple[int, int]]:
    """The variant sizes of an unsized embed: the content column's width and 2x, never
    upscaled (read from the header only)."""
    with Image.open(path) as image:
        width, height = image.size
    widths = {min(width, COLUMN_WIDTH), min(width, 2 * COLUMN_WIDTH)}
    return [(w, max(1, round(height * w / width))) for w in sorted(widths)]


def largest_first(paths: list[Path]) -> list[Path]:
    return sorted(paths, key=lambda p: p.stat().st_size, reverse=True)


def _floor_one(job: tuple[Path, list[tuple[int, int]]]) -> int:
    return decode_and_encode(*job)


def image_floor(vault: Path, workers: int | None = None) -> tuple[float, int]:
    """Seconds to decode and encode every image of the vault, and how many there were."""
    images = vault_files(vault, IMAGE_SUFFIXES)
    if not images:
        return 0.0, 0
    # Biggest file first, as garden schedules its image tasks.
    jobs = [(path, unsized_variants(path)) for path in largest_first(images)]
    start = time.perf_counter()
    with ProcessPoolExecutor(workers or os.cpu_count()) as pool:
        list(pool.map(_floor_one, jobs, chunksize=1))
    return time.perf_counter() - start, len(images)
