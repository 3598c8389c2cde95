"""Work spread over the machine's cores, in worker processes: the one place that chooses how
workers start.

- ``start_context()``: for workers that are sent what they work on (image tasks, source files to
  parse): fork on Linux while this process has one thread, forkserver when it has others (a
  forked child could inherit a lock another thread holds), spawn on macOS (where system libraries
  make fork unsafe) and Windows (no fork).
- ``forked_map(work, count, jobs)``: ``work(i)`` for every ``i < count`` in workers forked from
  this process as it is now, so they read what it holds (the resolved vault, the renderer and
  its lookups) without any of it being pickled; only each result comes back. Only where fork is
  safe; elsewhere it returns None and the caller does the work itself. Results come back in
  order whatever the number of workers, so a caller that merges them in order gets the same
  answer with one worker or many.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

R = TypeVar("R")
# Chunks per worker: a few, so a worker given the long notes does not finish last by far.
_CHUNKS_PER_WORKER = 4


def start_context(platform: str = sys.platform) -> multiprocessing.context.BaseContext:
    """How to start workers that import what they need and are sent their work. On Linux,
    fork while this process has one thread: workers start at once and nothing is imported
    again. With other threads running (``garden serve``'s watcher), forkserver: workers forked
    from a clean single-threaded server, started once per garden process. On macOS and Windows:
    spawn, each worker a fresh interpreter. ``platform``: for tests of the other systems."""
    if not platform.startswith("linux"):
        return multiprocessing.get_context("spawn")
    methods = multiprocessing.get_all_start_methods()
    if threading.active_count() == 1 and "fork" in methods:
        return multiprocessing.get_context("fork")
    if "forkserver" not in methods:
        return multiprocessing.get_context()
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["garden.images.process"])
    return context


def _pool_thread(thread: threading.Thread) -> bool:
    """A thread of a process pool of this process (the image workers' manager and queue feeder):
    it only moves work to its own workers through its own queues, which a forked child never
    touches, so it does not make forking unsafe."""
    return type(thread).__module__ == "concurrent.futures.process" or (
        thread.name == "QueueFeederThread" and thread.daemon
    )


def can_fork(platform: str = sys.platform) -> bool:
    """Whether workers may be forked from this process as it is: on Linux, when no thread but
    the main one and process pools' own threads runs (``garden serve``'s watcher makes it
    unsafe: a child could inherit a lock that thread holds)."""
    if not platform.startswith("linux") or "fork" not in multiprocessing.get_all_start_methods():
        return False
    main = threading.main_thread()
    return all(t is main or _pool_thread(t) for t in threading.enumerate())


def worker_count(jobs: int, items: int, least: int = 1) -> int:
    """Workers for ``items`` pieces of work: ``jobs`` (0: one per core), no more than there
    are groups of ``least`` items."""
    wanted = jobs or os.cpu_count() or 1
    return max(1, min(wanted, items // max(1, least)))


# The work of the current ``forked_map``: set before the workers are forked, so they have it.
_WORK: Callable[[int], Any] | None = None


def _run_chunk(indexes: Sequence[int]) -> list[Any]:
    assert _WORK is not None
    return [_WORK(i) for i in indexes]


def forked_map(
    work: Callable[[int], R],
    count: int,
    jobs: int,
    meanwhile: Callable[[], object] | None = None,
) -> list[R] | None:
    """``[work(i) for i in range(count)]``, computed in ``jobs`` forked workers (``jobs`` >= 2);
    None when workers cannot be forked here or one of them died (then nothing was kept: the
    caller does the work itself). An exception ``work`` raises is raised here. ``meanwhile()``
    is called in this process once the workers are forked, while they work: work the caller
    would otherwise do alone after them (the workers were forked before it, and never see
    what it changes). It is not called when no worker could be forked; when one dies after it
    was, the caller does the work itself: ``meanwhile`` must be work it may do again."""
    global _WORK
    if jobs < 2 or count < 2 or not can_fork():
        return None
    size = max(1, -(-count // (jobs * _CHUNKS_PER_WORKER)))
    chunks = [range(start, min(count, start + size)) for start in range(0, count, size)]
    _WORK = work
    # The workers share this process's memory until they write to it; the cyclic collector
    # would touch every object (and so copy every page) the first time it ran in a worker.
    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            parts = pool.map(_run_chunk, chunks)  # forks every worker, then returns
            if meanwhile is not None:
                meanwhile()
            results: list[R] = []
            for part in parts:
                results.extend(part)
            return results
    except BrokenProcessPool:  # a worker was killed (out of memory?)
        return None
    finally:
        _WORK = None
        gc.unfreeze()
