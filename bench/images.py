"""Image throughput: a generated vault of photo-like images (1-12 MP, JPEG and PNG), built cold
with one process and with all cores, rebuilt warm, against the floor measured in the same run.

The floor is what any image pipeline must do for this vault: decode each image once and encode
the variants its embeds need, on all cores, writing nothing. It decodes the way the pipeline does
(JPEGs at a reduced DCT scale, ``Image.draft``), so the ratio is garden's overhead (hashing, the
cache, the pool, pages, emit) and not a difference in technique.

``python -m bench.images [--quick]``, or ``run(quick)`` from ``bench.run``. The vault is cached in
``~/.cache/garden-bench`` (``GARDEN_BENCH_CACHE``) and regenerated only when its spec changes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from PIL import Image

from bench.floors import decode_and_encode, largest_first, planned_variants
from bench.generate import CACHE, photo
from garden.build import BuildResult, build
from garden.diagnostics import Reporter

REPO = Path(__file__).resolve().parent.parent
SPEC_VERSION = 1
SIZED = (320, 480, 640, None)  # the embeds cycle through these widths (None: unsized)


def _sizes(count: int, rng: random.Random, low: float, high: float) -> list[tuple[int, int]]:
    sizes = []
    for _ in range(count):
        megapixels = low + rng.random() * (high - low)
        aspect = rng.choice((4 / 3, 3 / 2, 16 / 9, 3 / 4, 1.0))
        height = int((megapixels * 1e6 / aspect) ** 0.5)
        sizes.append((int(height * aspect), height))
    return sizes


def generate(count: int, low: float = 1.0, high: float = 12.0, seed: int = 3) -> Path:
    """A vault of ``count`` notes, each embedding one photo (two thirds JPEG, one third PNG)."""
    root = CACHE / f"images-{count}-{low:g}-{high:g}-s{seed}"
    marker = root / ".bench-generated.json"
    spec = {"version": SPEC_VERSION, "count": count, "low": low, "high": high, "seed": seed}
    if marker.is_file() and json.loads(marker.read_text()) == spec:
        return root
    if root.exists():
        shutil.rmtree(root)
    rng = random.Random(seed)
    (root / "photos").mkdir(parents=True)
    for i, (w, h) in enumerate(_sizes(count, rng, low, high)):
        name = f"photo {i:03d}.{'png' if i % 3 == 0 else 'jpg'}"
        image = photo(rng, w, h)
        if name.endswith(".jpg"):
            image.save(root / "photos" / name, quality=88)
        else:
            image.save(root / "photos" / name, compress_level=1)
        width = SIZED[i % len(SIZED)]
        embed = f"![[{name}|{width}]]" if width else f"![[{name}]]"
        (root / f"Note {i:03d}.md").write_text(f"# Photo {i}\n\n{embed}\n", encoding="utf-8")
    (root / "index.md").write_text("# Photos\n\n[[Note 000]]\n", encoding="utf-8")
    marker.write_text(json.dumps(spec))
    return root


def floor(vault: Path) -> float:
    sizes = planned_variants(vault)  # what garden's build makes of each image
    sources = largest_first(list(sizes))  # as garden schedules its image tasks
    start = time.perf_counter()
    with ProcessPoolExecutor(os.cpu_count()) as pool:
        list(pool.map(decode_and_encode, sources, [sizes[s] for s in sources], chunksize=1))
    return time.perf_counter() - start


def _build(vault: Path, out: Path, config: Path, **kwargs: Any) -> tuple[float, BuildResult]:
    start = time.perf_counter()
    result = build(vault, out, config_path=config, reporter=Reporter(), **kwargs)
    return time.perf_counter() - start, result


def run(quick: bool = False) -> dict[str, Any]:
    count, high = (30, 4.0) if quick else (200, 12.0)
    print(f"generating {count} photos of 1-{high:g} MP (cached in {CACHE})", flush=True)
    vault = generate(count, 1.0, high)
    work = CACHE / "runs" / "images"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    results: dict[str, Any] = {"images": count, "cpus": os.cpu_count()}
    megapixels = sum(Image.open(p).size[0] * Image.open(p).size[1] for p in vault.glob("photos/*"))
    results["megapixels"] = round(megapixels / 1e6, 1)
    results["source_bytes"] = sum(p.stat().st_size for p in vault.glob("photos/*"))

    for label, jobs in (("cold_1_process", 1), ("cold_all_cores", 0)):
        config = work / f"{label}.yaml"
        config.write_text(f"cache_dir: {work / label}-cache\nimage_jobs: {jobs}\n")
        seconds, result = _build(vault, work / label, config)
        results[label] = {
            "seconds": round(seconds, 2),
            "images_per_second": round(count / seconds, 2),
            "images_stage": round(result.timings.get("images", 0.0), 2),
            "decoded": result.images.decoded,
        }
        print(f"{label}: {seconds:.2f}s, {count / seconds:.1f} images/s", flush=True)

    config = work / "cold_all_cores.yaml"
    out = work / "cold_all_cores"
    seconds, result = _build(vault, out, config)
    results["warm"] = {"seconds": round(seconds, 3), "decoded": result.images.decoded}
    # Pages re-rendered (the build's own cache ignored): the images still come from theirs.
    seconds, result = _build(vault, out, config, use_cache=False)
    results["warm_rerender"] = {"seconds": round(seconds, 3), "decoded": result.images.decoded}
    results["site_image_bytes"] = sum(
        p.stat().st_size for p in out.rglob("*") if p.suffix in (".webp", ".gif")
    )

    results["floor_seconds"] = round(floor(vault), 2)
    results["floor_images_per_second"] = round(count / results["floor_seconds"], 2)
    ratio = results["cold_all_cores"]["seconds"] / results["floor_seconds"]
    results["cold_over_floor"] = round(ratio, 2)
    print(
        f"floor (decode once + encode, all cores): {results['floor_seconds']:.2f}s; "
        f"cold all cores / floor = {ratio:.2f} (target <= 1.5)\n"
        f"warm rebuild: {results['warm']['seconds']:.3f}s, {results['warm']['decoded']} decoded; "
        f"re-rendered: {results['warm_rerender']['seconds']:.3f}s, "
        f"{results['warm_rerender']['decoded']} decoded (target 0)\n"
        f"image bytes: {results['source_bytes']:,} in the vault, "
        f"{results['site_image_bytes']:,} in the site",
        flush=True,
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="30 photos of 1-4 MP")
    parser.add_argument("--json", type=Path, default=REPO / "bench-images.json")
    args = parser.parse_args()
    results = run(args.quick)
    args.json.write_text(json.dumps(results, indent=1))
    print(f"results written to {args.json}")


if __name__ == "__main__":
    main()
