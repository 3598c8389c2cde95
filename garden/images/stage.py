"""The image stage: between render and emit, turn the variants the pages ask for into files.

Each variant is looked up in the cache by its key; the sources with anything missing are decoded
(once each, in parallel) and their variants written into the cache; the site then lists every
variant as a cached file for emit to copy into OUT. A source that cannot be decoded gets a
placeholder picture in each of its variants' places, a warning on every note showing it, and a
marker in the cache, so a rebuild with no image change decodes nothing, bad images included.
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from garden.diagnostics import Category, Reporter
from garden.images.cache import ImageCache
from garden.images.probe import RASTER_SUFFIXES, ImageInfo
from garden.images.process import Output, Task, TaskResult, Workers, write_placeholder
from garden.images.variants import (
    ImageSettings,
    display_size,
    output_format,
    shown_as_is,
    variant_height,
    variant_key,
    variant_widths,
)
from garden.model import CopiedFile, ImageVariant, LinkRef, Site, Vault
from garden.paths import VaultPath


@dataclass
class ImageStats:
    sources: int = 0  # source images with at least one variant
    variants: int = 0
    decoded: int = 0  # images decoded this build: 0 when nothing changed
    failed: int = 0


def _ext(variant: ImageVariant) -> str:
    return "." + variant.format.lower()


def plan_tasks(published: Vault, cache: ImageCache, settings: ImageSettings) -> list[Task]:
    """The pixel work the published notes' image embeds will ask for, known before any page is
    rendered: submitted to ``Workers`` then, images are made while the pages render.

    It plans as the renderer does (``display_size``, ``variant_widths``, ``variant_key``) from each
    note's own embeds (an embedded note's images are that published note's embeds); only sources
    with a variant missing from the cache are listed. Whatever this misses, ``produce_images``
    still makes; what it plans and no page uses stays unnamed in the store and is pruned later.
    """
    embeds: list[tuple[LinkRef, Path]] = []
    for path, note in published.notes.items():
        for ref in note.links:
            if not ref.embed:
                continue
            res = published.resolution(path, ref)
            attachment = (
                published.attachments.get(VaultPath(res.target or ""))
                if res.kind == "attachment"
                else None
            )
            if attachment is not None and attachment.abs_path.suffix.lower() in RASTER_SUFFIXES:
                embeds.append((ref, attachment.abs_path))
    infos = _probe_all(cache, list(dict.fromkeys(source for _, source in embeds)))

    wanted: dict[Path, dict[str, Output]] = defaultdict(dict)
    for ref, source in embeds:
        info = infos[source]
        if info.error or cache.path(info.digest, ".err", use=False).is_file():
            continue  # unreadable, or known from an earlier build not to decode
        shown, _ = display_size(info, ref.width, ref.height, settings.content_width)
        fmt, ext = output_format(info)
        widths = variant_widths(shown, info.width)
        if shown_as_is(info, widths):
            continue  # copied as it is, like any attachment
        for width in widths:
            dest = cache.path(variant_key(info, width, settings), ext, use=False)
            outputs = wanted[source]
            if dest.name not in outputs:
                outputs[dest.name] = Output(width, variant_height(info, width), fmt, dest)
    tasks = []
    for source, outputs in wanted.items():
        missing = tuple(o for o in outputs.values() if not o.dest.is_file())
        if missing:
            tasks.append(
                Task(
                    source,
                    infos[source].orientation,
                    missing,
                    settings.quality,
                    settings.keep_metadata,
                )
            )
    return tasks


def _probe_all(cache: ImageCache, sources: list[Path]) -> dict[Path, ImageInfo]:
    """``cache.probe`` of every source, on a thread per core: hashing releases the GIL, and a
    cold build hashes every image (3.9 GB for the 10,000-note vault: 2.3 s of SHA-256 on one
    core). The threads are gone before any worker process is forked."""
    threads = min(os.cpu_count() or 1, len(sources) // 8)
    if threads <= 1:
        return {source: cache.probe(source) for source in sources}
    with ThreadPoolExecutor(threads) as pool:
        return dict(zip(sources, pool.map(cache.probe, sources), strict=True))


def produce_images(
    site: Site,
    cache: ImageCache,
    settings: ImageSettings,
    reporter: Reporter,
    *,
    progress: bool = False,
    workers: Workers | None = None,
) -> tuple[Site, ImageStats]:
    """``site`` with its variants made (from the cache where possible) and listed as files.

    ``workers``: worker processes started earlier, maybe already running tasks of
    ``plan_tasks``; their results are awaited first, and the rest of the work goes to them too.
    Without, workers are started here for what is missing."""
    by_source: dict[Path, list[ImageVariant]] = defaultdict(list)
    for variant in site.variants:
        by_source[variant.source].append(variant)
    stats = ImageStats(sources=len(by_source), variants=len(site.variants))

    failed: dict[Path, str] = {}
    show = progress and sys.stderr.isatty()
    if workers is not None:
        for task, result in _results(workers, show):
            _record(task, result, by_source, cache, stats, failed)

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

    if tasks:
        own = None
        if workers is None:
            own = workers = Workers(min(settings.jobs or os.cpu_count() or 1, len(tasks)))
        try:
            workers.submit(tasks)
            for task, result in _results(workers, show):
                _record(task, result, by_source, cache, stats, failed)
        finally:
            if own is not None:
                own.close()

    files = list(site.files)
    for source, variants in by_source.items():
        error = failed.get(source)
        for v in variants:
            # Cache entries are written once, atomically, under a name that says what they
            # hold: that name is their identity (a stat taken just after one was made could
            # not be trusted, and the page would count as changed).
            if error is None:
                files.append(CopiedFile(cache.path(v.key, _ext(v)), v.out_path, "image:" + v.key))
                continue
            name = f"placeholder-{v.width}x{v.height}"
            placeholder = cache.path(name, _ext(v))
            if not placeholder.is_file():
                write_placeholder(placeholder, v.width, v.height, v.format)
            files.append(CopiedFile(placeholder, v.out_path, f"image:{name}.{v.format}"))
        if error is not None:
            stats.failed += 1
            users = sorted({user for v in variants for user in v.users})
            for note, line in users:
                message = f"{variants[0].name}: {error}; a placeholder is shown"
                reporter.warn(Category.IMAGE, note, line, message)
    return replace(site, files=tuple(files), variants=()), stats


def _results(workers: Workers, show: bool) -> Iterator[tuple[Task, TaskResult]]:
    """The results of every task ``workers`` has, with a progress bar when ``show``: tqdm is
    imported only then (25 ms a build otherwise, most of it importlib.metadata)."""
    if not show or not workers.pending():
        yield from workers.results()
        return
    from tqdm import tqdm

    class Bar(tqdm):  # tqdm has no type hints here
        """tqdm without its monitor thread: with a second thread running, workers started
        later could not be forked safely (see ``process._context``)."""

        monitor_interval = 0

    with Bar(total=workers.pending(), desc="images", unit="img", leave=False) as bar:
        yield from workers.results(bar.update)


def _record(
    task: Task,
    result: TaskResult,
    by_source: dict[Path, list[ImageVariant]],
    cache: ImageCache,
    stats: ImageStats,
    failed: dict[Path, str],
) -> None:
    """Count a task's decode; remember a source that cannot be decoded (in the cache too, unless
    its worker died). A planned source no page shows has no error to report."""
    stats.decoded += result.decoded
    variants = by_source.get(task.source)
    if not result.error or not variants:
        return
    failed[task.source] = result.error
    if result.lasting:
        marker = cache.path(variants[0].digest, ".err")
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(result.error, encoding="utf-8")
