"""The image stage: between render and emit, turn the variants the pages ask for into files.

Each variant is looked up in the cache by its key; the sources with anything missing are decoded
(once each, in parallel) and their variants written into the cache; the site then lists every
variant as a cached file for emit to copy into OUT. A source that cannot be decoded gets a
placeholder picture in each of its variants' places, a warning on every note showing it, and a
marker in the cache, so a rebuild with no image change decodes nothing, bad images included.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from tqdm import tqdm

from garden.diagnostics import Reporter
from garden.images.cache import ImageCache
from garden.images.process import Output, Task, run_tasks, write_placeholder
from garden.images.variants import ImageSettings
from garden.model import CopiedFile, ImageVariant, Site


class _Bar(tqdm):  # type: ignore[type-arg]
    """tqdm without its monitor thread: with a second thread running, the workers could not be
    forked safely (see ``process._context``)."""

    monitor_interval = 0


@dataclass
class ImageStats:
    sources: int = 0  # source images with at least one variant
    variants: int = 0
    decoded: int = 0  # images decoded this build: 0 when nothing changed
    failed: int = 0


def _ext(variant: ImageVariant) -> str:
    return "." + variant.format.lower()


def produce_images(
    site: Site,
    cache: ImageCache,
    settings: ImageSettings,
    reporter: Reporter,
    *,
    progress: bool = False,
) -> tuple[Site, ImageStats]:
    """``site`` with its variants made (from the cache where possible) and listed as files."""
    by_source: dict[Path, list[ImageVariant]] = defaultdict(list)
    for variant in site.variants:
        by_source[variant.source].append(variant)
    stats = ImageStats(sources=len(by_source), variants=len(site.variants))

    failed: dict[Path, str] = {}
    tasks: list[Task] = []
    for source, variants in by_source.items():
        marker = cache.path(variants[0].digest, ".err")
        if marker.is_file():
            failed[source] = marker.read_text(encoding="utf-8", errors="replace")
            continue
        missing = [v for v in variants if not cache.path(v.key, _ext(v)).is_file()]
        if missing:
            outputs = tuple(
                Output(v.width, v.height, v.format, cache.path(v.key, _ext(v))) for v in missing
            )
            tasks.append(
                Task(
                    source,
                    variants[0].orientation,
                    outputs,
                    settings.quality,
                    settings.keep_metadata,
                )
            )

    show = progress and bool(tasks) and sys.stderr.isatty()
    with _Bar(total=len(tasks), desc="images", unit="img", leave=False, disable=not show) as bar:
        for task, result in run_tasks(tasks, settings.jobs, bar.update):
            stats.decoded += result.decoded
            if result.error:
                failed[task.source] = result.error
                if not result.lasting:
                    continue
                digest = by_source[task.source][0].digest
                marker = cache.path(digest, ".err")
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.write_text(result.error, encoding="utf-8")

    files = list(site.files)
    for source, variants in by_source.items():
        error = failed.get(source)
        for v in variants:
            if error is None:
                files.append(CopiedFile(cache.path(v.key, _ext(v)), v.out_path))
                continue
            placeholder = cache.path(f"placeholder-{v.width}x{v.height}", _ext(v))
            if not placeholder.is_file():
                write_placeholder(placeholder, v.width, v.height, v.format)
            files.append(CopiedFile(placeholder, v.out_path))
        if error is not None:
            stats.failed += 1
            users = sorted({user for v in variants for user in v.users})
            for note, line in users:
                message = f"{variants[0].name}: {error}; a placeholder is shown"
                reporter.warn("image", note, line, message)
    return replace(site, files=tuple(files), variants=()), stats
