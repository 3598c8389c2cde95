"""The build: the only function that knows the order of the stages.

scan → parse → resolve → filter → render → emit. Each stage returns new values and warnings; only
emit writes, and it writes into a staging folder that replaces OUT at the very end.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from garden.config import Config, load_config
from garden.diagnostics import Diagnostic, Reporter
from garden.emit import check_output_dir, emit_site
from garden.images import (
    ImageCache,
    ImagePlan,
    ImageStats,
    cache_root,
    image_settings,
    produce_images,
)
from garden.model import Vault
from garden.parse import parse_note
from garden.paths import VaultPath, is_inside, nfc
from garden.publish import Verdict, explain_file, filter_published
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
    images: ImageStats = field(default_factory=ImageStats)

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


def _read_vault(
    vault: Path, config: Config, reporter: Reporter, timer: _Timer
) -> tuple[Vault, list[Diagnostic]]:
    """scan → parse → resolve: the whole vault, published or not, and the resolver's warnings
    (only those about published notes are worth showing; the caller filters them)."""
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
    return everything, diagnostics


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

    everything, diagnostics = _read_vault(vault, config, reporter, timer)
    published, reasons = filter_published(everything, explicit=config.publish == "explicit")
    # Anchor warnings only matter for links a reader will see.
    reporter.extend([d for d in diagnostics if d.path in published.notes])
    home, diagnostics = find_home(published, config.home)
    reporter.extend(diagnostics)
    result.unpublished = dict(reasons)
    timer.lap("filter")

    # Images: sized and named at render time (probed through the cache), made before emit.
    cache = ImageCache(cache_root(config.cache_dir, vault, out), out)
    settings = image_settings(config, theme.options)
    site = render_site(published, config, theme, home, reporter, ImagePlan(settings, cache.probe))
    timer.lap("render")
    site, result.images = produce_images(
        site, cache, settings, reporter, progress=progress is not None
    )
    timer.lap("images")

    emit_site(site, out)
    cache.save()  # only now: a failed build must not prune what the last site still uses
    timer.lap("emit")
    result.pages = len(site.pages)
    result.files = len(site.files)
    result.notes = len(published.notes)
    return result


def explain(vault: Path, target: Path, *, config_path: Path | None = None) -> Verdict:
    """Whether ``target`` (a path inside the vault, or relative to it) will be published, and
    why: the same stages as a build, stopped before anything is rendered or written."""
    vault = vault.resolve()
    config, _ = load_config(vault, config_path)
    reporter = Reporter()
    everything, _ = _read_vault(vault, config, reporter, _Timer({}))
    published, reasons = filter_published(everything, explicit=config.publish == "explicit")
    # Resolve the folder, not the file: a symlink's own place in the vault is what is asked about.
    absolute = target if target.is_absolute() else Path.cwd() / target
    if not (absolute.exists() or absolute.is_symlink()) and not target.is_absolute():
        absolute = vault / target
    folder = absolute.parent.resolve()
    if not is_inside(folder, vault):
        return Verdict(str(target), "not in vault", False, (f"not inside the vault {vault}",))
    parts = (folder / absolute.name).relative_to(vault).parts
    rel = VaultPath(nfc("/".join(parts)))
    verdict = explain_file(everything, published, reasons, rel)
    if verdict is not None:
        return verdict
    hidden = next((p for p in parts if p.startswith(".")), None)
    if hidden is not None:
        why = f"inside {hidden}, and dot-files and dot-folders are never read"
    elif not (absolute.exists() or absolute.is_symlink()):
        why = "no such file in the vault"
    else:
        scanned = [d.message for d in reporter.diagnostics if d.path == rel]
        why = scanned[0] if scanned else "not a note or attachment garden reads"
    return Verdict(rel, "not in vault", False, (why,))
