"""The build: the pipeline, in the order of its stages.

scan → parse → resolve → filter (``read_vault``, which ``explain`` and ``garden check`` share)
→ query → render → images → diagrams → emit (``build``). Each stage returns new values and warnings;
only emit writes, and it writes into a staging folder that replaces OUT at the very end. The
note cache (``notecache``), the process-wide resolution memo (``resolved``) and the preview's
early page (``redraw``) are modules of their own.
"""

from __future__ import annotations

import contextlib
import gc
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from garden import places
from garden.cache import (
    BuildCache,
    BuildState,
    code_fingerprint,
    digest_of,
    stat_key,
)
from garden.config import Config, config_file, config_relative, load_config
from garden.diagnostics import Diagnostic, Reporter
from garden.diagrams import (
    DIAGRAM_ERRORS,
    DIAGRAMS,
    Diagrams,
    DiagramStats,
    Mapper,
    produce_diagrams,
    renderer_version,
)
from garden.emit import SITE_MARKER, Removal, check_output_dir, emit_site, reclaim_staging
from garden.errors import ConfigError
from garden.gitdates import git_days
from garden.images import (
    RASTER_SUFFIXES,
    ImageCache,
    ImagePlan,
    ImageStats,
    Workers,
    image_settings,
    plan_tasks,
    produce_images,
)
from garden.lock import build_lock
from garden.model import Note, SourceFile, Vault
from garden.notecache import NOTES_FOR_WORKERS, NoteCache
from garden.notecache import Mapper as ParseMapper
from garden.parallel import worker_count
from garden.paths import VaultPath, is_inside, vault_path_of
from garden.publish import Verdict, explain_file
from garden.query.stage import run_queries
from garden.redraw import NoteRedraw
from garden.render import PageMemo, SiteRenderer
from garden.resolve import NoteIndex, find_home, resolve_target
from garden.resolved import resolve_and_filter
from garden.scan import scan_vault
from garden.sources import parse_source
from garden.theme import Theme, load_theme

QUERY_RESULTS = "query-results"  # the page memo's value: results the next build may reuse


@dataclass
class BuildResult:
    pages: int = 0
    files: int = 0
    notes: int = 0
    unpublished: dict[VaultPath, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    images: ImageStats = field(default_factory=ImageStats)
    diagrams: DiagramStats = field(default_factory=DiagramStats)
    unchanged: bool = False  # nothing changed since the last build: OUT was left as it was
    pages_reused: int = 0  # pages whose output could not change: taken from OUT as they were
    # OUT paths this build wrote or removed; None when unknown (OUT was written whole)
    changed: frozenset[str] | None = None
    redraw: NoteRedraw | None = None  # with ``keep_renderer``: draws an edited note's page

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())


class StageTimer:
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


@dataclass(frozen=True)
class VaultRead:
    """The vault as the first stages read it: whole, and as published."""

    everything: Vault  # every note and attachment, published or not, resolved
    diagnostics: list[Diagnostic]  # the resolver's (worth showing for published notes only)
    published: Vault
    reasons: dict[VaultPath, str]  # why each unpublished note is not published
    home: VaultPath | None
    home_diagnostics: list[Diagnostic]


def read_vault(
    vault: Path,
    config: Config,
    reporter: Reporter,
    timer: StageTimer,
    *,
    scanned: Callable[[list[SourceFile], set[str]], bool] | None = None,
    notes: NoteCache | None = None,
    mapper: ParseMapper | None = None,
    memory: Path | None = None,
) -> VaultRead | None:
    """scan → parse → resolve → filter: the one place their order is written, for ``build``,
    ``explain`` and ``garden check`` alike (a build goes on with render → images → diagrams →
    emit). The build's hooks: ``scanned(files, folders)`` is called after the scan and may stop
    the reading there (False: nothing changed, None is returned); ``notes`` takes parsed notes
    from the cache and ``mapper`` parses in worker processes; ``memory`` (the site's cache
    folder) reuses the last resolution of that site when it still holds."""
    files, folders, diagnostics = scan_vault(vault, config.ignore)
    reporter.extend(diagnostics)
    if scanned is not None and not scanned(files, folders):
        return None
    timer.lap("scan")
    parsed, attachments = _parse(files, reporter, timer, notes, mapper)
    explicit = config.publish == "explicit"
    resolved = resolve_and_filter(parsed, attachments, folders, explicit, timer.lap, memory)
    home, home_diagnostics = find_home(resolved.published, config.home)
    timer.lap("filter")
    return VaultRead(
        resolved.everything,
        resolved.diagnostics,
        resolved.published,
        resolved.reasons,
        home,
        home_diagnostics,
    )


def _parse(
    files: list[SourceFile],
    reporter: Reporter,
    timer: StageTimer,
    cache: NoteCache | None = None,
    mapper: ParseMapper | None = None,
) -> tuple[list[Note], list[SourceFile]]:
    sources = [f for f in files if f.kind != "attachment"]
    if cache is not None:
        parsed = cache.parse_all(sources, mapper)
    else:
        parsed = [parse_source(source) for source in sources]
    notes = []
    for note, diagnostics in parsed:
        reporter.extend(diagnostics)
        notes.append(note)
    timer.lap("parse")
    return notes, [f for f in files if f.kind == "attachment"]


@contextlib.contextmanager
def _fewer_gc_passes() -> Iterator[None]:
    """A build allocates millions of small objects that live until it ends (token trees, pages),
    so Python's default cyclic-GC thresholds rescan them over and over: a third of parse time on
    a 10,000-note vault. Collect less often during the build, as it only allocates."""
    before = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def build(
    vault: Path,
    out: Path,
    *,
    config_path: Path | None = None,
    reporter: Reporter | None = None,
    progress: Callable[[str, float], None] | None = None,
    use_cache: bool = True,
    in_place: bool = False,
    keep_renderer: bool = False,
    wait: float = 0.0,
    cache_dir: Path | None = None,
) -> BuildResult:
    """Build ``vault`` into ``out``. Raises ``GardenError`` (OUT untouched) on a fatal error, and
    ``LockError`` when another build holds OUT for more than ``wait`` seconds.

    ``progress(stage, seconds)`` is called as each stage ends (the terminal's progress line).
    ``use_cache=False`` ignores what earlier builds left in the cache (it is still refreshed).
    ``cache_dir``: the cache folder (``--cache-dir``); it wins over the config's ``cache_dir``.
    ``in_place=True`` (the preview) writes only the changed files straight into OUT instead of
    swapping in a complete new copy: much faster, but not atomic. ``keep_renderer=True`` (the
    preview) keeps the site's renderer in ``result.redraw``.
    """
    vault = vault.resolve()
    check_output_dir(vault, out)  # before the staging folder is made beside OUT
    with build_lock(out, wait=wait) as staging:
        reclaim_staging(out, staging)
        return _build(
            vault,
            out,
            staging,
            config_path=config_path,
            reporter=reporter if reporter is not None else Reporter(),
            progress=progress,
            use_cache=use_cache,
            in_place=in_place,
            keep_renderer=keep_renderer,
            cache_dir=cache_dir,
        )


@_fewer_gc_passes()
def _build(
    vault: Path,
    out: Path,
    staging: Path,
    *,
    config_path: Path | None,
    reporter: Reporter,
    progress: Callable[[str, float], None] | None,
    use_cache: bool,
    in_place: bool,
    keep_renderer: bool,
    cache_dir: Path | None,
) -> BuildResult:
    result = BuildResult()
    timer = StageTimer(result.timings, progress)
    config, diagnostics = load_config(vault, config_path)
    reporter.extend(diagnostics)
    theme = load_theme(config.theme, config_file(vault, config_path).parent)
    root = _cache_root(config, vault, config_path, cache_dir)
    site_cache = places.site_cache(root, vault, out)
    site_cache.prepare()
    store = BuildCache(site_cache.build)
    old = store.load() if use_cache else BuildState()
    new = BuildState()
    # Pages show diagrams the renderer drew: a new renderer version draws pages again.
    inputs = digest_of(code_fingerprint(), renderer_version(), config, theme_stats(theme))
    notes_cache = NoteCache(store, old, new, inputs)
    before = len(reporter.diagnostics)

    settings = image_settings(config, theme.options)
    jobs = _text_jobs(config)
    # The old site's deletion (emit), done beside the cache's saving: joined before the end.
    removals: list[Removal] = []
    out_is_last_site = _unchanged_out(out, old)
    git: dict[VaultPath, str] = {}
    workers: Workers | None = None

    def scanned(files: list[SourceFile], folders: set[str]) -> bool:
        """After the scan: False when nothing the site depends on changed."""
        nonlocal git, workers
        if "git" in config.dates:
            wanted = [f.path for f in files if f.kind == "note"]
            new.git, git = git_days(vault, wanted, getattr(old, "git", None))
        # A commit changes dates, not files: the git dates are part of what the site is made of.
        if notes_cache.fingerprint(files, folders, git) == old.fingerprint and out_is_last_site:
            return False
        if not old.outputs and any(_is_raster(f) for f in files):
            # A first build with images: start the image workers now, while this process is
            # small (a forked worker shares its memory as it is then); they parse the notes,
            # then make the images while the pages render.
            workers = Workers(settings.jobs)
        return True

    def parse_in_workers(fn: Callable[[Any], Any], items: Any) -> list[Any]:
        return _parse_mapper(workers, jobs)(fn, items)

    try:
        read = read_vault(
            vault,
            config,
            reporter,
            timer,
            scanned=scanned,
            notes=notes_cache,
            mapper=parse_in_workers,
            memory=store.folder if use_cache else None,
        )
        if read is None:
            # Nothing the site depends on changed and OUT is the site the cache describes:
            # render nothing, write nothing, and repeat the last build's warnings so cron
            # output is stable.
            timer.lap("scan")
            reporter.extend(old.summary.get("diagnostics", []))
            for name in ("pages", "files", "notes", "unpublished"):
                setattr(result, name, old.summary[name])
            result.unchanged = True
            result.changed = frozenset()
            return result
        published, home = read.published, read.home
        # Anchor warnings only matter for links a reader will see.
        reporter.extend([d for d in read.diagnostics if d.path in published.notes])
        reporter.extend(read.home_diagnostics)
        result.unpublished = dict(read.reasons)

        # Pages are reused only while OUT is the site the records describe (emit links them
        # from it).
        memo = PageMemo.restore(notes_cache.inputs, store.load_pages(), pages=out_is_last_site)

        # Queries see the published vault only; link text is resolved over the whole vault so a
        # link into a private note is known as one, and shown broken. Results whose inputs did
        # not change are the last build's.
        everything = read.everything
        index = NoteIndex(everything.notes.values(), everything.attachments, everything.folders)
        kept = memo.old_values.get(QUERY_RESULTS) if use_cache else None
        queries, diagnostics, keep = run_queries(
            published,
            lambda target, source: resolve_target(index, target, VaultPath(source)),
            language=config.language,
            previous=kept[1] if kept is not None and kept[0] == memo.salt else None,
        )
        memo.new_values[QUERY_RESULTS] = (memo.salt, keep)
        reporter.extend(diagnostics)
        timer.lap("query")

        notes_cache.keep_tokens(published)
        # Images: sized and named at render time (probed through the cache), made before emit;
        # the pixel work that can be known now starts at once, alongside rendering.
        cache = ImageCache(site_cache)
        tasks = plan_tasks(published, cache, settings)
        if tasks and workers is None:
            workers = Workers(min(settings.jobs or os.cpu_count() or 1, len(tasks)))
        if workers is not None:
            workers.submit(tasks)
        plan = ImagePlan(settings, cache.probe)
        renderer = SiteRenderer(
            published,
            config,
            theme,
            home,
            reporter,
            plan,
            memo,
            notes_cache.tokens,
            git,
            queries,
            jobs,
        )
        site = renderer.render()
        result.pages_reused = memo.reused
        timer.lap("render")
        site, result.images = produce_images(
            site, cache, settings, reporter, progress=progress is not None, workers=workers
        )
        timer.lap("images")
        # Diagrams: each one the pages show, from the cache or drawn now (in the image workers
        # when there are any, else in workers started for them when there are many to draw).
        diagrams = Diagrams(store)
        diagrams_asked = site.diagrams
        site, result.diagrams = produce_diagrams(
            site, diagrams, reporter, _mapper(workers, settings.jobs)
        )
        if workers is not None:
            workers.close()  # before emit; close() again in ``finally`` does nothing
        timer.lap("diagrams")

        previous = old.outputs if out_is_last_site else None
        new.outputs = emit_site(
            site, out, previous, staging=staging, in_place=in_place, removals=removals
        )
        if previous is not None:
            result.changed = frozenset(
                rel
                for rel in previous.keys() | new.outputs.keys()
                if previous.get(rel) != new.outputs.get(rel) or new.outputs[rel] == "racy"
            )
        timer.lap("emit")
        cache.save()  # only now: a failed build must not prune what the last site still uses
        result.pages = len(site.pages)
        result.files = len(site.files)
        result.notes = len(published.notes)
        new.out_marker = _marker_key(out)
        new.summary = {
            "diagnostics": reporter.diagnostics[before:],
            "pages": result.pages,
            "files": result.files,
            "notes": result.notes,
            "unpublished": result.unpublished,
        }
        store.save(new)
        store.save_pages(memo.snapshot())
        store.prune(notes_cache.kept_tokens)
        site_cache.record(vault, out.absolute())
        shown = {request.key for request in diagrams_asked}
        store.prune(shown, DIAGRAMS, ".json")
        store.prune(shown, DIAGRAM_ERRORS, ".json")
        notes_cache.release()
        if keep_renderer:
            result.redraw = NoteRedraw(vault, renderer, notes_cache.sources, diagrams)
        timer.lap("save")
        if removals:
            _join(removals)
            timer.lap("cleanup")  # what deleting the old site took beyond the save
    finally:
        _join(removals)  # the staging folder goes with the lock: nothing left in it
        if workers is not None:
            workers.close()
    return result


def _join(removals: list[Removal]) -> None:
    while removals:
        removals.pop().join()


def _cache_root(
    config: Config, vault: Path, config_path: Path | None, cache_dir: Path | None
) -> Path:
    if cache_dir is None and config.cache_dir:
        cache_dir = config_relative(config.cache_dir, vault, config_path)
    return places.cache_root(cache_dir)


def cache_folder(
    vault: Path, config_path: Path | None = None, cache_dir: Path | None = None
) -> Path:
    """The cache folder builds of ``vault`` use: ``cache_dir`` (``--cache-dir``), else the
    config's ``cache_dir``, else garden's folder in the user's cache folder."""
    vault = vault.resolve()
    config, _ = load_config(vault, config_path)
    return _cache_root(config, vault, config_path, cache_dir)


def _text_jobs(config: Config) -> int:
    """Processes for parsing and rendering (config ``jobs``; 0: one per core)."""
    if config.jobs < 0:
        raise ConfigError(f"config: 'jobs' must be 0 (all cores) or more, not {config.jobs}")
    return config.jobs or os.cpu_count() or 1


def _parse_mapper(workers: Workers | None, jobs: int) -> ParseMapper:
    """How the parse stage runs its many files: in the image workers when the build has them
    (idle until the published notes are known), else in workers started for it; here with
    ``jobs`` 1."""

    def run(fn: Callable[[Any], Any], items: Any) -> list[Any]:
        if jobs < 2:
            return [fn(item) for item in items]
        if workers is not None and workers.count > 1:
            return workers.map(fn, items)
        with Workers(worker_count(jobs, len(items), NOTES_FOR_WORKERS // 2)) as own:
            return own.map(fn, items)

    return run


# Diagrams to draw before they are worth worker processes of their own (~20 ms each).
_DIAGRAMS_FOR_WORKERS = 16


def _mapper(workers: Workers | None, jobs: int) -> Mapper:
    """How the diagram stage runs its drawing: in ``workers`` when the build has them, in new
    ones when there is much to draw, else here."""

    def run(fn: Callable[[Any], Any], items: Any) -> Any:
        if workers is not None:
            return workers.map(fn, items)
        count = min(jobs or os.cpu_count() or 1, len(items) // (_DIAGRAMS_FOR_WORKERS // 2))
        if count < 2:
            return [fn(item) for item in items]
        with Workers(count) as own:
            return own.map(fn, items)

    return run


def _is_raster(source: SourceFile) -> bool:
    return source.kind == "attachment" and source.abs_path.suffix.lower() in RASTER_SUFFIXES


def theme_stats(theme: Theme) -> list[tuple[str, tuple[int, int]]]:
    return sorted(
        (p.relative_to(theme.root).as_posix(), stat_key(p)[:2])
        for p in theme.root.rglob("*")
        if p.is_file()
    )


def _marker_key(out: Path) -> tuple[int, int, int] | None:
    try:
        return stat_key(out / SITE_MARKER)
    except OSError:
        return None


def _unchanged_out(out: Path, old: BuildState) -> bool:
    """OUT is still the site the last build wrote (its marker file is the very same file)."""
    return old.out_marker is not None and _marker_key(out) == old.out_marker


def explain(vault: Path, target: Path, *, config_path: Path | None = None) -> Verdict:
    """Whether ``target`` (a path inside the vault, or relative to it) will be published, and
    why: the same stages as a build, stopped before anything is rendered or written."""
    vault = vault.resolve()
    config, _ = load_config(vault, config_path)
    reporter = Reporter()
    read = read_vault(vault, config, reporter, StageTimer({}))
    assert read is not None  # stopped only by a build's ``scanned``
    everything, published, reasons = read.everything, read.published, read.reasons
    # Resolve the folder, not the file: a symlink's own place in the vault is what is asked about.
    absolute = target if target.is_absolute() else Path.cwd() / target
    if not (absolute.exists() or absolute.is_symlink()) and not target.is_absolute():
        absolute = vault / target
    folder = absolute.parent.resolve()
    if not is_inside(folder, vault):
        return Verdict(str(target), "not in vault", False, (f"not inside the vault {vault}",))
    relative = (folder / absolute.name).relative_to(vault)
    parts = relative.parts
    rel = vault_path_of(relative)
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
