"""What garden tells the user while it builds: shaped for a person at a terminal, or for cron.

On a terminal: a progress line that grows as each stage ends, warnings printed above it, and a
summary with the stage timings. Not on a terminal (cron, CI, a pipe): no progress line and no
terminal control codes, one warning per line (``file:line: warning: category: message``, which
editors and ``grep`` understand) and a one-line summary. ``--quiet``: nothing but errors.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

from garden.build import BuildResult
from garden.diagnostics import Reporter, plural

REPORT_VERSION = 1


class Console:
    """The Reporter's output stream, and the progress line and summary around it."""

    def __init__(self, stream: TextIO, *, quiet: bool = False, tty: bool | None = None) -> None:
        self.stream = stream
        self.quiet = quiet
        self.tty = stream.isatty() if tty is None else tty
        self._stages: list[str] = []
        self._shown = False  # a progress line is on screen (without its newline)

    # -- the Reporter writes warnings here ---------------------------------------------------
    def write(self, text: str) -> int:
        if self.quiet:
            return len(text)
        self._clear()
        self.stream.write(text)
        if text.endswith("\n"):
            self._draw()  # print() writes the newline separately: redraw after the whole line
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    # -- progress ---------------------------------------------------------------------------
    def start(self) -> None:
        """A new build begins: forget the previous build's stages."""
        self._stages = []
        self._draw()

    def progress(self, stage: str, seconds: float) -> None:
        """``build(progress=...)``: one stage has ended."""
        self._stages.append(f"{stage} {seconds:.2f}s")
        self._draw()

    def _draw(self) -> None:
        if not self.tty or self.quiet:
            return
        width = shutil.get_terminal_size((100, 20)).columns
        line = "garden: " + " · ".join([*self._stages, "…"])
        if len(line) >= width:
            line = "garden: …" + line[-(width - 10) :]
        self.stream.write("\r\x1b[K" + line)
        self.stream.flush()
        self._shown = True

    def _clear(self) -> None:
        if self._shown:
            self.stream.write("\r\x1b[K")
            self._shown = False

    # -- outcomes ---------------------------------------------------------------------------
    def built(self, out: Path, result: BuildResult, reporter: Reporter) -> None:
        self._clear()
        if self.quiet:
            return
        if result.unchanged:
            print(
                f"garden: nothing changed since the last build; {out} left as it was "
                f"({plural(result.pages, 'page')}, {result.seconds:.2f}s); {reporter.summary()}",
                file=self.stream,
                flush=True,
            )
            return
        images = result.images
        resized = (
            f" ({plural(images.sources, 'image')} in {plural(images.variants, 'size')},"
            f" {images.decoded} resized)"
            if images.sources
            else ""
        )
        print(
            f"garden: built {plural(result.pages, 'page')} ({plural(result.notes, 'note')}) and "
            f"{plural(result.files, 'file')}"
            f"{resized} into {out} in {result.seconds:.2f}s; {reporter.summary()}",
            file=self.stream,
        )
        if self.tty:
            stages = " · ".join(f"{name} {s:.2f}s" for name, s in result.timings.items())
            print(f"        stages: {stages}", file=self.stream)
        self.stream.flush()

    def info(self, message: str) -> None:
        self._clear()
        if not self.quiet:
            print(f"garden: {message}", file=self.stream, flush=True)

    def error(self, message: str) -> None:
        """Errors are printed even with ``--quiet``: they are what cron must mail."""
        self._clear()
        print(f"garden: error: {message}", file=self.stream, flush=True)


def write_report(
    path: Path,
    *,
    vault: Path,
    out: Path,
    exit_code: int,
    reporter: Reporter,
    result: BuildResult | None,
    error: str | None,
    started: float,
) -> None:
    """``--report FILE``: every warning and the stage timings as JSON, written atomically so a
    monitoring job never reads half a report."""
    report: dict[str, Any] = {
        "version": REPORT_VERSION,
        "vault": str(vault),
        "out": str(out),
        "built": result is not None,
        "exit_code": exit_code,
        "error": error,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "seconds": round(time.time() - started, 4),
        "pages": result.pages if result else 0,
        "notes": result.notes if result else 0,
        "files": result.files if result else 0,
        "images": asdict(result.images) if result else {},
        "timings": {k: round(v, 4) for k, v in (result.timings if result else {}).items()},
        "counts": dict(sorted(reporter.counts().items())),
        "warnings": [d.as_dict() for d in reporter.diagnostics],
    }
    path = path.absolute()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(report, f, ensure_ascii=False, indent=2)
            f.write("\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
