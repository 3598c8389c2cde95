"""``make bench``: build generated and real vaults, compare each stage with its floor.

For every vault: a clean build (no cache), a clean build again with the images now in the cache
(the text pipeline's figure: issue 16's target is at most the text floor), a no-change rebuild, a
one-note-edit rebuild, wall time per stage, peak memory, output size, and the floors of
``bench/floors.py`` measured in the same run (text: plain ``mistune.html`` on one core; write: the
site's bytes into a fresh folder, against emit). Every build runs in its own process
(``bench/worker.py``) so its peak memory is its own.
Results are printed as a table and written as JSON so runs can be compared.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.floors import (
    image_floor,
    io_floor,
    text_floor,
    text_floor_all_cores,
    vault_files,
    write_floor,
)
from bench.generate import CACHE, generate, generate_longform, generate_short, generate_visual
from garden.images import RASTER_SUFFIXES

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "vaults"
QUARTZ_SECONDS = {"obsidian-help-en": 9.9, "generated-1000": 70.0, "generated-10000": 930.0}


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process under it (image workers, a forkserver and its children)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            continue
    return found


def _kib(pid: int, rollup: bool) -> tuple[int, int]:
    """(RSS, PSS) of ``pid`` in KiB; PSS (shared pages split between their users) only when
    ``rollup``, as reading it walks the page tables."""
    try:
        if not rollup:
            with open(f"/proc/{pid}/statm") as f:
                return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024), 0
        rss = pss = 0
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
        return rss, pss
    except (OSError, ValueError, IndexError):
        return 0, 0


def run_sampled(command: list[str], **popen: Any) -> tuple[str, str, int, float, float]:
    """Run ``command`` to its end, sampling the memory of its whole process tree: (stdout,
    stderr, exit status, peak RSS MB, peak PSS MB). PSS is what the tree really held at its peak
    (pages a forked worker shares with its parent counted once); the RSS sum counts them in
    every process, as ru_maxrss does."""
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen
    ) as proc:
        peak_rss = peak_pss = 0
        tick = 0
        while proc.poll() is None:
            rollup = tick % 5 == 0  # PSS every 0.5 s, RSS every 0.1 s
            sizes = [_kib(pid, rollup) for pid in _descendants(proc.pid)]
            peak_rss = max(peak_rss, sum(rss for rss, _ in sizes))
            if rollup:
                peak_pss = max(peak_pss, sum(pss for _, pss in sizes))
            tick += 1
            time.sleep(0.1)
        stdout, stderr = proc.communicate()
    return stdout, stderr, proc.returncode, peak_rss / 1024, peak_pss / 1024


def _run_build(vault: Path, out: Path, *flags: str) -> dict[str, Any]:
    """One build in its own process, with its tree's peak memory (``run_sampled``). Its cache
    folder is beside OUT in the run's work folder, which each vault's run starts by deleting: a
    clean build has no image variants from an earlier run (they live in the cache folder)."""
    env = dict(os.environ, PYTHONPATH=str(REPO), XDG_CACHE_HOME=str(out.parent / "cache"))
    command = [sys.executable, "-m", "bench.worker", str(vault), str(out), *flags]
    before = _children_cpu()
    stdout, stderr, status, rss, pss = run_sampled(command, env=env, cwd=REPO)
    if status != 0:
        raise SystemExit(f"build of {vault} failed:\n{stderr[-3000:]}")
    row: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    row["peak_tree_rss_mb"] = rss
    row["peak_tree_pss_mb"] = pss
    # CPU seconds of the build and every worker it waited for (a process's ended children
    # count in its own usage): over the wall time, how many cores the build kept busy.
    row["cpu"] = _children_cpu() - before
    return row


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _tree_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _edit_one_note(vault: Path) -> tuple[Path, bytes]:
    notes = sorted(
        p
        for p in vault.rglob("*.md")
        if not any(s.startswith(".") for s in p.relative_to(vault).parts)
    )
    target = notes[len(notes) // 2]
    original = target.read_bytes()
    target.write_bytes(original + b"\n\nAn edit made by the benchmark.\n")
    return target, original


def bench_vault(name: str, vault: Path, work: Path, *, editable: bool) -> dict[str, Any]:
    print(f"\n== {name}: {vault}", flush=True)
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    if not editable:  # a shared vault is read-only input: edit a copy
        shutil.copytree(vault, work / "vault")
        vault = work / "vault"
    out = work / "site"
    row: dict[str, Any] = {"vault": str(vault)}
    row["clean"] = _run_build(vault, out, "--no-cache")
    drawn = (
        f"  ({row['clean']['diagrams_drawn']} diagrams drawn)"
        if row["clean"].get("diagrams_drawn")
        else ""
    )
    print(f"  clean build      {row['clean']['wall']:7.2f} s{drawn}", flush=True)
    if vault_files(vault, tuple(RASTER_SUFFIXES)):
        # Clean again, the image variants now in the cache: the text pipeline's own time.
        row["clean_cached"] = _run_build(vault, out, "--no-cache")
        print(f"  clean, images cached {row['clean_cached']['wall']:7.2f} s", flush=True)
    else:
        row["clean_cached"] = row["clean"]
        _run_build(vault, out)  # fills the cache when the clean run was told not to use it
    row["no_change"] = _run_build(vault, out)
    print(
        f"  no-change build  {row['no_change']['wall']:7.2f} s"
        f"  ({row['no_change'].get('diagrams_drawn', 0)} diagrams drawn)",
        flush=True,
    )
    note, original = _edit_one_note(vault)
    try:
        row["one_edit"] = _run_build(vault, out)
    finally:
        note.write_bytes(original)
    print(f"  one-note edit    {row['one_edit']['wall']:7.2f} s", flush=True)
    row["output_bytes"] = _tree_bytes(out)
    row["floors"] = {"io": io_floor(vault), "text": text_floor(vault), "write": write_floor(out)}
    row["floors"]["text_all_cores"] = text_floor_all_cores(vault)
    print(
        f"  floors: text {row['floors']['text']:.2f} s (on all cores"
        f" {row['floors']['text_all_cores']:.2f} s), write {row['floors']['write']:.2f} s",
        flush=True,
    )
    row["floors"]["images"], row["images"] = image_floor(vault)
    return row


def _ratio(value: float, floor: float) -> str:
    return f"{value / floor:5.2f}x" if floor > 0.005 else "   - "


def print_table(results: dict[str, Any]) -> None:
    print(
        "\nvault              notes  clean s  cached s  text floor  ratio  emit s  write floor"
        "  ratio  peak MB  no-change  one-edit  out MB  Quartz s"
    )
    for name, row in results["vaults"].items():
        clean, cached, floors = row["clean"], row.get("clean_cached", row["clean"]), row["floors"]
        # What the build's processes held at once (PSS); older results: parent + largest worker.
        peak = cached.get("peak_tree_pss_mb") or cached["peak_mb"] + cached["peak_worker_mb"]
        emit = cached["stages"].get("emit", 0.0)
        quartz = QUARTZ_SECONDS.get(name)
        print(
            f"{name:18} {clean['notes']:6} {clean['wall']:8.2f} {cached['wall']:8.2f}"
            f" {floors.get('text', 0.0):10.2f} {_ratio(cached['wall'], floors.get('text', 0))}"
            f" {emit:7.2f} {floors.get('write', 0.0):11.2f} {_ratio(emit, floors.get('write', 0))}"
            f" {peak:7.0f}"
            f" {row['no_change']['wall']:5.2f} ({row['no_change']['wall'] / cached['wall']:4.0%})"
            f" {row['one_edit']['wall']:5.2f} ({row['one_edit']['wall'] / cached['wall']:4.0%})"
            f" {row['output_bytes'] / 1e6:7.1f} {quartz if quartz else '':>8}"
        )
    print("\nstage seconds (clean build, images cached) and the other floors")
    for name, row in results["vaults"].items():
        cached = row.get("clean_cached", row["clean"])
        stages = cached["stages"]
        floors = row["floors"]
        parts = "  ".join(f"{k} {v:.2f}" for k, v in stages.items())
        print(f"{name:18} {parts}")
        if cached.get("cpu"):
            print(
                f"{'':18} CPU {cached['cpu']:.2f} s over {cached['wall']:.2f} s:"
                f" {cached['cpu'] / cached['wall']:.2f} cores busy on average;"
                f" CPU / text floor {_ratio(cached['cpu'], floors.get('text', 0))}"
            )
        cold_images = row["clean"]["stages"].get("images", 0.0)
        ratios = [
            f"floors: io {floors['io']:.2f}",
            # How much the machine's cores give work that shares nothing: the most a build on
            # all cores can gain over one.
            f"text on all cores {floors.get('text_all_cores', 0.0):.2f}"
            f" (speed-up {_ratio(floors['text'], floors.get('text_all_cores', 0.0))})",
            f"images {floors['images']:.2f} ({row['images']} images)",
            f"| cold images/floor {_ratio(cold_images, floors['images'])}",
        ]
        print(f"{'':18} " + "  ".join(ratios))


def _optional(module: str, quick: bool) -> dict[str, Any] | None:
    """Benchmarks of other parts (images, serve latency) live in their own modules."""
    try:
        run = importlib.import_module(module).run
    except (ImportError, AttributeError):
        return None
    print(f"\n== {module}", flush=True)
    if "quick" in inspect.signature(run).parameters:
        return run(quick=quick)
    return run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the 1,000-note vaults only")
    parser.add_argument(
        "--only", default="", help="comma-separated vault names to run (e.g. longform-1000)"
    )
    parser.add_argument("--json", type=Path, default=REPO / "bench-results.json")
    args = parser.parse_args()
    only = {n for n in args.only.split(",") if n}

    results: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load": os.getloadavg(),
        },
        "vaults": {},
    }
    work = CACHE / "runs"
    # name -> how to make (or find in the cache) the generated vault
    vaults: dict[str, Callable[[], Path]] = {"generated-1000": lambda: generate(1000)}
    if not args.quick:
        vaults["generated-10000"] = lambda: generate(10000)
    # Shaped like real vaults (issue 16): long-form notes with images; many short notes in
    # deep folders.
    vaults["longform-1000"] = generate_longform
    if not args.quick:
        vaults["short-6500"] = generate_short
    # Obsidian's visual formats: 50 canvases and 200 Mermaid diagrams (drawn on the clean
    # build, from the cache after).
    vaults["visual-50c-200d"] = generate_visual
    for name, make in vaults.items():
        if only and name not in only:
            continue
        print(f"generating the vault {name} (cached in {CACHE})", flush=True)
        results["vaults"][name] = bench_vault(name, make(), work / name, editable=True)
    if not args.quick:
        for shared in sorted(SHARED.iterdir()) if SHARED.is_dir() else []:
            if shared.is_dir() and (not only or shared.name in only):
                results["vaults"][shared.name] = bench_vault(
                    shared.name, shared, work / shared.name, editable=False
                )
    if only:
        print_table(results)
        args.json.write_text(json.dumps(results, indent=1))
        return
    for module in ("bench.images", "bench.serve_latency", "bench.queries"):
        extra = _optional(module, args.quick)
        if extra is not None:
            results[module.split(".")[-1]] = extra
    print_table(results)
    args.json.write_text(json.dumps(results, indent=1))
    print(f"\nresults written to {args.json}")


if __name__ == "__main__":
    main()
