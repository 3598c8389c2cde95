"""The build: the only function that knows the order of the stages.

scan → parse → resolve → filter → render → emit. Each stage returns new values and warnings; only
emit writes, and it writes into a staging folder that replaces OUT at the very end.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from garden.config import load_config
from garden.diagnostics import Reporter
from garden.emit import check_output_dir, emit_site
from garden.parse import parse_note
from garden.publish import filter_published
from garden.render import render_site
from garden.resolve import find_home, resolve_vault
from garden.scan import scan_vault
from garden.theme import load_theme


@dataclass
class BuildResult:
    pages: int = 0
    files: int = 0
    notes: int = 0
    unpublished: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())


class _Timer:
    def __init__(
        self, timings: dict[str, float], progress: Callable[[str, float], None] | None = None
    ) -> None:
        self.timings = timings
        self.progress = progress
        self.last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = self.timings.get(stage, 0.0) + now - self.last
        self.last = now
        if self.progress is not None:
            self.progress(stage, self.timings[stage])


def build(
    vault: Path,
    out: Path,
    *,
    config_path: Path | None = None,
    reporter: Reporter | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> BuildResult:
    """Build ``vault`` into ``out``. Raises ``GardenError`` (OUT untouched) on a fatal error.

    ``progress(stage, seconds)`` is called as each stage ends (the terminal's progress line).
    """
    reporter = reporter if reporter is not None else Reporter()
    result = BuildResult()
    timer = _Timer(result.timings, progress)
    vault = vault.resolve()
    check_output_dir(vault, out)
    config, diagnostics = load_config(vault, config_path)
    reporter.extend(diagnostics)
    theme = load_theme(config.theme)

    files, folders, diagnostics = scan_vault(vault, config.ignore)
    reporter.extend(diagnostics)
    timer.lap("scan")

    notes = []
    for source in files:
        if source.kind == "note":
            note, diagnostics = parse_note(source)
            reporter.extend(diagnostics)
            notes.append(note)
    attachments = [f for f in files if f.kind == "attachment"]
    timer.lap("parse")

    everything, diagnostics = resolve_vault(notes, attachments, folders)
    timer.lap("resolve")

    published, reasons = filter_published(everything)
    # Anchor warnings only matter for links a reader will see.
    reporter.extend([d for d in diagnostics if d.path in published.notes])
    home, diagnostics = find_home(published, config.home)
    reporter.extend(diagnostics)
    result.unpublished = dict(reasons)
    timer.lap("filter")

    site = render_site(published, config, theme, home, reporter)
    timer.lap("render")

    emit_site(site, out)
    timer.lap("emit")
    result.pages = len(site.pages)
    result.files = len(site.files) + len(site.variants)
    result.notes = len(published.notes)
    return result
