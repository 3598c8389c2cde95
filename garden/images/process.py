"""The pixel work: decode each source image once and write all its variants into the cache, in
worker processes (resizing is CPU-bound and Pillow holds the GIL for most of it).

A task is one source image with every variant wanted of it, largest first, so one decode serves
them all: JPEGs are decoded at a reduced DCT scale (``Image.draft``), the largest variant is
resized from that (``reducing_gap`` lets Pillow ``reduce()`` by an integer factor first), and each
smaller one from the previous. EXIF orientation is applied to the small result, not the original.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from PIL import Image, ImageDraw, ImageSequence

from garden.images.probe import MAX_PIXELS
from garden.images.variants import MAX_ANIMATION_PIXELS
from garden.parallel import start_context

T = TypeVar("T")
R = TypeVar("R")
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# Pillow first reduce()s by an integer factor while the result stays twice the target: nearly
# LANCZOS quality at a fraction of the time for a 12 MP photo shown 960 px wide.
_REDUCING_GAP = 2.0
# libwebp's effort (0-6; Pillow's default is 4). Measured at quality 80 on the help vault's 34
# screenshots and 60 generated photos: 2 encodes in 41-45% of method 4's time for 4-6% more
# bytes and the same SSIM (0.9954 vs 0.9958 screenshots, 0.9605 vs 0.9639 photos); 3 costs as
# much as 4, 0 and 1 save little more time for 16-56% more bytes. Encoding was 60% of the work.
WEBP_METHOD = 2


@dataclass(frozen=True, slots=True)
class Output:
    width: int  # as displayed (orientation applied)
    height: int
    format: str  # "WEBP" or "GIF"
    dest: Path


@dataclass(frozen=True, slots=True)
class Task:
    """One source image and every variant to make of it."""

    source: Path
    orientation: int
    outputs: tuple[Output, ...]
    quality: int
    keep_metadata: bool


@dataclass(frozen=True, slots=True)
class TaskResult:
    decoded: int  # images decoded (0 or 1): what the cache is there to avoid
    error: str = ""
    lasting: bool = True  # the error is the image's own (worth remembering), not a dead worker


def run_task(task: Task) -> TaskResult:
    """Make every output of ``task``; a bad image gives ``error``, never an exception."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # the file may have changed since it was probed
    decoded = 0
    try:
        with Image.open(task.source) as im:
            if im.format == "GIF":
                task = _copy_full_size(im, task)
                if not task.outputs:
                    return TaskResult(0)
            decoded = 1
            if getattr(im, "is_animated", False):
                _animated(im, task)
            else:
                _still(im, task)
    except Exception as exc:  # a corrupt file raises anything from OSError to struct.error
        for out in task.outputs:
            out.dest.with_name(f".{out.dest.name}.{os.getpid()}.tmp").unlink(missing_ok=True)
        return TaskResult(decoded, f"cannot be decoded ({type(exc).__name__}: {exc})")
    return TaskResult(decoded)


def _copy_full_size(im: Image.Image, task: Task) -> Task:
    """A GIF variant at the GIF's own width needs no pixel work: the file's bytes are it (GIFs
    carry no EXIF to strip). Returns the task with the outputs still to make."""
    same = [o for o in task.outputs if o.width == im.width]
    if same:
        data = task.source.read_bytes()
        for out in same:
            _write(out.dest, lambda tmp: tmp.write_bytes(data))
    return replace(task, outputs=tuple(o for o in task.outputs if o.width != im.width))


def mode_for_resize(im: Image.Image) -> Image.Image:
    """RGB or RGBA (alpha kept), or L/LA for greyscale; palette and 16-bit images are converted,
    since resampling in them would be nearest-neighbour or clip."""
    if im.mode in ("RGB", "RGBA", "L", "LA"):
        return im
    transparent = im.mode in ("PA", "La", "RGBa") or "transparency" in im.info
    return im.convert("RGBA" if transparent or "A" in im.mode else "RGB")


def _metadata(im: Image.Image, task: Task) -> dict[str, object]:
    """What the variant keeps: the ICC profile always (colours would shift without it), EXIF and
    XMP only with ``keep_metadata``, and then with the orientation reset (it is applied)."""
    params: dict[str, object] = {}
    icc = im.info.get("icc_profile")
    if icc and im.mode != "CMYK":  # a CMYK profile would be wrong for the RGB variant
        params["icc_profile"] = icc
    if task.keep_metadata:
        exif = im.getexif()
        if exif:
            exif[0x0112] = 1
            params["exif"] = exif.tobytes()
        if im.info.get("xmp"):
            params["xmp"] = im.info["xmp"]
    return params


def _still(im: Image.Image, task: Task) -> None:
    outputs = sorted(task.outputs, key=lambda o: o.width, reverse=True)
    swap = task.orientation in (5, 6, 7, 8)
    stored = [(o.height, o.width) if swap else (o.width, o.height) for o in outputs]
    if im.format == "JPEG":
        im.draft("RGB" if im.mode == "RGB" else None, stored[0])  # decode at 1/2, 1/4 or 1/8
    params = _metadata(im, task)
    current = mode_for_resize(im)
    for out, size in zip(outputs, stored, strict=True):
        if current.size != size:
            current = current.resize(size, Image.Resampling.LANCZOS, reducing_gap=_REDUCING_GAP)
        shown = current.transpose(_TRANSPOSE[task.orientation]) if task.orientation > 1 else current
        _encode(shown, out, quality=task.quality, **params)


def _animated(im: Image.Image, task: Task) -> None:
    frames_count = getattr(im, "n_frames", 1)
    for out in task.outputs:
        if frames_count * out.width * out.height > MAX_ANIMATION_PIXELS:
            raise ValueError(f"{frames_count} frames at {out.width}px are too many to resize")
    loop = im.info.get("loop", 0)
    for out in task.outputs:
        frames, durations = [], []
        for frame in ImageSequence.Iterator(im):
            durations.append(frame.info.get("duration", 100))
            frames.append(
                frame.convert("RGBA").resize((out.width, out.height), Image.Resampling.LANCZOS)
            )
        extra: dict[str, object] = {"quality": task.quality} if out.format == "WEBP" else {}
        _encode(
            frames[0],
            out,
            save_all=True,
            append_images=frames[1:],
            duration=durations,
            loop=loop,
            disposal=2,
            **extra,
        )


def _encode(img: Image.Image, out: Output, **params: object) -> None:
    img.info = {}  # nothing of the original's metadata reaches the file unless params says so
    if out.format == "WEBP":
        params["method"] = WEBP_METHOD
    _write(out.dest, lambda tmp: img.save(tmp, format=out.format, **params))


def _write(dest: Path, save: Callable[[Path], object]) -> None:
    """Write through a temporary name: a killed worker never leaves half a variant in the cache,
    and two builds making the same variant both end with a whole file."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    save(tmp)
    os.replace(tmp, dest)


def write_placeholder(dest: Path, width: int, height: int, fmt: str) -> None:
    """A visible stand-in for an image that could not be decoded: a grey box with a cross, at the
    size the page reserved for the image."""
    img = Image.new("RGB", (max(1, width), max(1, height)), (226, 226, 222))
    draw = ImageDraw.Draw(img)
    grey = (150, 150, 146)
    draw.rectangle((0, 0, img.width - 1, img.height - 1), outline=grey, width=2)
    draw.line((0, 0, img.width, img.height), fill=grey, width=2)
    draw.line((0, img.height, img.width, 0), fill=grey, width=2)
    _write(dest, lambda tmp: img.save(tmp, format=fmt))


class Workers:
    """The image worker processes, started before there is work for them and fed tasks as they
    become known, so decoding can overlap whatever this process does meanwhile (rendering).

    Start them early, while this process is still small: forked workers share its memory as it
    was then, so each one's resident size is that plus its own pixels, not the size the parent
    grows to later. With ``jobs`` of 1 (or one core) tasks run in this process, in ``results``.
    """

    def __init__(self, jobs: int) -> None:
        self.count = jobs or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None
        self._futures: dict[Future[TaskResult], Task] = {}
        self._queued: list[Task] = []
        if self.count > 1:
            self._pool = ProcessPoolExecutor(max_workers=self.count, mp_context=_context())
            for _ in range(self.count):  # start every worker now, not at the first real task
                self._pool.submit(int)

    def submit(self, tasks: Iterable[Task]) -> None:
        """Queue ``tasks``, biggest file first so no worker is left with a 12 MP photo at the
        end of the batch."""
        for task in sorted(tasks, key=_size, reverse=True):
            if self._pool is None:
                self._queued.append(task)
                continue
            try:
                self._futures[self._pool.submit(run_task, task)] = task
            except BrokenProcessPool:
                self._queued.append(task)  # reported as failed by results()

    def results(
        self, done: Callable[[], object] | None = None
    ) -> Iterator[tuple[Task, TaskResult]]:
        """The result of every task submitted so far, as each ends. ``done`` is called after
        each (the progress bar)."""
        queued, self._queued = self._queued, []
        futures, self._futures = self._futures, {}
        for task in queued:
            result = _DIED if self._pool is not None else run_task(task)
            if done is not None:
                done()
            yield task, result
        for future in as_completed(futures):
            try:
                result = future.result()
            except BrokenProcessPool:  # a worker was killed (out of memory?): the rest go on
                result = _DIED
            if done is not None:
                done()
            yield futures[future], result

    def pending(self) -> int:
        return len(self._futures) + len(self._queued)

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """``fn`` over ``items`` in the workers (other work than images: drawing diagrams), in
        order; in this process with one worker, or when a worker died."""
        if self._pool is None or len(items) < 2:
            return [fn(item) for item in items]
        try:
            chunk = max(1, len(items) // (self.count * 4))
            return list(self._pool.map(fn, items, chunksize=chunk))
        except BrokenProcessPool:
            return [fn(item) for item in items]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_DIED = TaskResult(1, "a process decoding images died (out of memory?)", False)


def run_tasks(
    tasks: list[Task], jobs: int, done: Callable[[], object] | None = None
) -> Iterable[tuple[Task, TaskResult]]:
    """Run ``tasks`` over ``jobs`` processes (0: one per core), in this process when one worker
    would do. ``done`` is called as each task ends (the progress bar)."""
    if not tasks:
        return
    with Workers(min(jobs or os.cpu_count() or 1, len(tasks))) as workers:
        workers.submit(tasks)
        yield from workers.results(done)


def _context(platform: str = sys.platform) -> multiprocessing.context.BaseContext:
    """How image workers start (``parallel.start_context``). ``platform``: for tests."""
    return start_context(platform)


def _size(task: Task) -> int:
    try:
        return task.source.stat().st_size
    except OSError:
        return 0
