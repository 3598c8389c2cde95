"""Floors: the least work any tool must do for a vault, measured in the same run as the build so
the ratios hold on a noisy machine.

- io: read every note once and write it once.
- text: parse and render every note once with plain ``mistune.html`` (CommonMark and its default
  plugins: strikethrough, footnotes, table), on one core: the least any Markdown site generator
  in Python does, and the target of a clean build whose images are cached (issue 16).
- write: the bytes of a built site (every file of OUT), written into a fresh folder: what emit
  must at least do.
- images: decode every published image once and encode the variants its embeds ask for (as
  garden plans them, ``plan_tasks``: sized embeds add variants, 4 per image on the generated
  vaults) as WebP, on all cores. It decodes, resizes and encodes as garden's pipeline does (JPEG
  DCT scaling, one mode conversion, each variant from the previous one, the same WebP settings),
  so the ratio is garden's overhead and not a difference in technique or in the work asked for.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import mistune
from PIL import Image

from garden.images.process import WEBP_METHOD, mode_for_resize

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


def text_floor(vault: Path) -> float:
    """Seconds for plain ``mistune.html`` to parse and render every note once, in this process
    (one core); reading the files is not timed."""
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in vault_files(vault, (".md",))]
    start = time.perf_counter()
    for text in texts:
        mistune.html(text)
    return time.perf_counter() - start


def _render_all(texts: list[str]) -> None:
    for text in texts:
        mistune.html(text)


def text_floor_all_cores(vault: Path) -> float:
    """``text_floor``'s work split evenly over one process per core (forked, the texts already
    read): what this machine's cores give when the work needs nothing shared. On a VM whose vCPUs
    share one physical core it is about ``text_floor``, and no build can use two cores better."""
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in vault_files(vault, (".md",))]
    jobs = os.cpu_count() or 1
    shares = [texts[i::jobs] for i in range(jobs)]
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with ProcessPoolExecutor(jobs, mp_context=context) as pool:
        list(pool.map(_render_all, [[""]] * jobs))  # workers started and mistune imported
        start = time.perf_counter()
        list(pool.map(_render_all, shares))
        return time.perf_counter() - start


def write_floor(site: Path) -> float:
    """Seconds to write every file of the built site ``site`` (its bytes read first, untimed)
    into a fresh folder beside it, folders made as needed."""
    files = []
    for root, _dirs, names in os.walk(site):
        for name in names:
            path = Path(root, name)
            files.append((path.relative_to(site), path.read_bytes()))
    target = Path(tempfile.mkdtemp(prefix="garden-floor-", dir=site.parent))
    try:
        start = time.perf_counter()
        made: set[Path] = set()
        for rel, data in files:
            folder = (target / rel).parent
            if folder not in made:
                folder.mkdir(parents=True, exist_ok=True)
                made.add(folder)
            (target / rel).write_bytes(data)
        return time.perf_counter() - start
    finally:
        shutil.rmtree(target)


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


def largest_first(paths: list[Path]) -> list[Path]:
    return sorted(paths, key=lambda p: p.stat().st_size, reverse=True)


def _floor_one(job: tuple[Path, list[tuple[int, int]]]) -> int:
    return decode_and_encode(*job)


def planned_variants(vault: Path) -> dict[Path, list[tuple[int, int]]]:
    """Every published image with the variant sizes garden's build makes of it (nothing cached),
    planned by garden itself; untimed."""
    from garden import places
    from garden.build import StageTimer, load_config, read_vault
    from garden.diagnostics import Reporter
    from garden.images import ImageCache, image_settings, plan_tasks
    from garden.theme import load_theme

    config, _ = load_config(vault, None)
    read = read_vault(vault, config, Reporter(), StageTimer({}))
    assert read is not None
    published = read.published
    settings = image_settings(config, load_theme(config.theme).options)
    with tempfile.TemporaryDirectory(prefix="garden-floor-") as empty:
        site = places.site_cache(Path(empty) / "cache", vault, Path(empty) / "site")
        tasks = plan_tasks(published, ImageCache(site), settings)
    return {t.source: [(o.width, o.height) for o in t.outputs] for t in tasks}


def image_floor(vault: Path, workers: int | None = None) -> tuple[float, int]:
    """Seconds to decode every published image once and encode the variants garden makes of it,
    and how many images there were."""
    planned = planned_variants(vault)
    if not planned:
        return 0.0, 0
    # Biggest file first, as garden schedules its image tasks.
    jobs = [(path, planned[path]) for path in largest_first(list(planned))]
    start = time.perf_counter()
    with ProcessPoolExecutor(workers or os.cpu_count()) as pool:
        list(pool.map(_floor_one, jobs, chunksize=1))
    return time.perf_counter() - start, len(planned)
