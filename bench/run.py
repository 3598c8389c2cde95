"""``make bench``: build generated and real vaults, compare each stage with its floor.

For every vault: a clean build (no cache), a no-change rebuild, a one-note-edit rebuild, wall time
per stage, peak memory, output size, and the floors of ``bench/floors.py`` measured in the same
run. Every build runs in its own process (``bench/worker.py``) so its peak memory is its own.
Results are printed as a table and written as JSON so runs can be compared.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.floors import image_floor, io_floor, parse_floor
from bench.generate import CACHE, generate, generate_visual

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
    stdout, stderr, status, rss, pss = run_sampled(command, env=env, cwd=REPO)
    if status != 0:
        raise SystemExit(f"build of {vault} failed:\n{stderr[-3000:]}")
    row: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    row["peak_tree_rss_mb"] = rss
    row["peak_tree_pss_mb"] = pss
    return row


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
    row["floors"] = {"io": io_floor(vault), "parse": parse_floor(vault)}
    row["floors"]["images"], row["images"] = image_floor(vault)
    return row


def _ratio(value: float, floor: float) -> str:
    return f"{value / floor:5.2f}x" if floor > 0.005 else "   - "


def print_table(results: dict[str, Any]) -> None:
    print("\nvault              notes  clean s  no-change  one-edit  peak MB  out MB  Quartz s")
    for name, row in results["vaults"].items():
        clean = row["clean"]
        # What the build's processes held at once (PSS); older results: parent + largest worker.
        peak = clean.get("peak_tree_pss_mb") or clean["peak_mb"] + clean["peak_worker_mb"]
        quartz = QUARTZ_SECONDS.get(name)
        print(
            f"{name:18} {clean['notes']:6} {clean['wall']:8.2f} "
            f"{row['no_change']['wall']:6.2f} ({row['no_change']['wall'] / clean['wall']:4.0%}) "
            f"{row['one_edit']['wall']:5.2f} ({row['one_edit']['wall'] / clean['wall']:4.0%}) "
            f"{peak:7.0f} {row['output_bytes'] / 1e6:7.1f} {quartz if quartz else '':>8}"
        )
    print("\nstage seconds (clean build) and ratio to its floor")
    for name, row in results["vaults"].items():
        stages = row["clean"]["stages"]
        floors = row["floors"]
        parts = "  ".join(f"{k} {v:.2f}" for k, v in stages.items())
        print(f"{name:18} {parts}")
        parse_like = stages.get("parse", 0.0)
        images = stages.get("images", 0.0)
        io_like = stages.get("scan", 0.0) + stages.get("emit", 0.0)
        total_floor = floors["parse"] + floors["images"]
        ratios = [
            f"floors: io {floors['io']:.2f}",
            f"parse {floors['parse']:.2f}",
            f"images {floors['images']:.2f} ({row['images']} images)",
            f"| parse/floor {_ratio(parse_like, floors['parse'])}",
            f"images/floor {_ratio(images, floors['images'])}",
            f"scan+emit/io {_ratio(io_like, floors['io'])}",
            f"clean/(parse+images floors) {_ratio(row['clean']['wall'], total_floor)}",
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
    parser.add_argument("--quick", action="store_true", help="the 1,000-note vault only")
    parser.add_argument("--json", type=Path, default=REPO / "bench-results.json")
    args = parser.parse_args()

    sizes = [1000] if args.quick else [1000, 10000]
    results: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "vaults": {},
    }
    work = CACHE / "runs"
    for size in sizes:
        print(f"generating the {size}-note vault (cached in {CACHE})", flush=True)
        vault = generate(size)
        name = f"generated-{size}"
        results["vaults"][name] = bench_vault(name, vault, work / name, editable=True)
    # Obsidian's visual formats: 50 canvases and 200 Mermaid diagrams (drawn on the clean
    # build, from the cache after).
    print("generating the visual vault (canvases and diagrams)", flush=True)
    results["vaults"]["visual-50c-200d"] = bench_vault(
        "visual-50c-200d", generate_visual(), work / "visual", editable=True
    )
    if not args.quick:
        for shared in sorted(SHARED.iterdir()) if SHARED.is_dir() else []:
            if shared.is_dir():
                results["vaults"][shared.name] = bench_vault(
                    shared.name, shared, work / shared.name, editable=False
                )
    for module in ("bench.images", "bench.serve_latency", "bench.queries"):
        extra = _optional(module, args.quick)
        if extra is not None:
            results[module.split(".")[-1]] = extra
    print_table(results)
    args.json.write_text(json.dumps(results, indent=1))
    print(f"\nresults written to {args.json}")


if __name__ == "__main__":
    main()
