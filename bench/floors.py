"""Floors: the least work any tool must do for a vault, measured in the same run as the build so
the ratios hold on a noisy machine.

- io: read every note once and write it once.
- parse: render every note once with plain mistune (CommonMark + the GFM plugins), no links.
- images: decode every image once and encode the variants an unsized embed needs (the content
  column's width and 2x of it, never upscaled) as WebP, on all cores.
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

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff")
COLUMN_WIDTH = 750


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


def _decode_and_encode(path: Path) -> int:
    with Image.open(path) as image:
        image.load()
        written = 0
        for width in sorted({min(image.width, COLUMN_WIDTH), min(image.width, 2 * COLUMN_WIDTH)}):
            height = max(1, round(image.height * width / image.width))
            variant = image.convert("RGB").resize((width, height), Image.Resampling.LANCZOS)
            with tempfile.TemporaryFile() as sink:
                variant.save(sink, "WEBP", quality=80)
                written += sink.tell()
        return written


def image_floor(vault: Path, workers: int | None = None) -> tuple[float, int]:
    """Seconds to decode and encode every image of the vault, and how many there were."""
    images = vault_files(vault, IMAGE_SUFFIXES)
    if not images:
        return 0.0, 0
    start = time.perf_counter()
    with ProcessPoolExecutor(workers or os.cpu_count()) as pool:
        list(pool.map(_decode_and_encode, images, chunksize=1))
    return time.perf_counter() - start, len(images)
