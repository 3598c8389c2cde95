"""The diagram stage: between render and emit, draw the diagrams the pages asked for and put
them into the pages.

Render leaves a marker where each diagram goes (``mermaid.marker``) and lists what it asked for
(``Site.diagrams``). Here each distinct diagram is taken from the build cache, or drawn (in
worker processes when there are several) and stored there, keyed by its text and the
renderer's version: a rebuild draws only diagrams it has never seen. Then every marker becomes
its diagram, or its source as code with a warning on the note and line of the block.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

from garden.diagnostics import Category, Reporter
from garden.diagrams.mermaid import Drawn, draw, markers, place
from garden.model import DiagramRequest, Page, Site

KIND = "diagrams"  # the build cache's folder of drawn diagrams
ERRORS = "diagram-errors"  # and of why others cannot be drawn
T = TypeVar("T")
R = TypeVar("R")
# Runs a function over items (in worker processes, or here): the build passes its workers'.
Mapper = Callable[[Callable[[T], R], Sequence[T]], Iterable[R]]


class DiagramStore(Protocol):
    """Where drawn diagrams are kept between builds (``garden.cache.BuildCache``)."""

    def read_entry(self, kind: str, key: str) -> bytes | None: ...

    def write_entry(self, kind: str, key: str, data: bytes) -> None: ...

    def has_entry(self, kind: str, key: str) -> bool: ...


@dataclass
class DiagramStats:
    diagrams: int = 0  # distinct diagrams the site shows
    drawn: int = 0  # drawn this build: 0 when none is new
    failed: int = 0  # that cannot be drawn


def _draw_one(item: tuple[str, str]) -> Drawn:
    return draw(*item)


class Diagrams:
    """Drawn diagrams by key: from the store, or drawn and stored. A diagram that cannot be
    drawn is stored apart (``ERRORS``, its reason), so that knowing whether a diagram of a page
    taken as it was from OUT is fine costs a look for a file, not reading its SVG."""

    def __init__(self, store: DiagramStore) -> None:
        self.store = store
        self.drawn: dict[str, Drawn] = {}  # read or drawn this build
        self.stored: set[str] = set()  # known to be in the store, drawn fine, not read
        self.sources: dict[str, str] = {}
        self.stats = DiagramStats()

    def load(
        self,
        requests: Iterable[DiagramRequest],
        mapper: Mapper | None = None,
        needed: set[str] | None = None,
    ) -> None:
        """Know every requested diagram, drawing the ones the store lacks (over ``mapper``
        when given). Only those ``needed`` (None: all) are read; of the others it is enough to
        know they are stored, and why not when they cannot be drawn."""
        missing: list[tuple[str, str]] = []
        for request in requests:
            key = request.key
            self.sources.setdefault(key, request.source)
            if key in self.drawn or (key in self.stored and needed is not None):
                continue
            found = self._read(key, full=needed is None or key in needed)
            if found is None:
                missing.append((request.source, key))
            elif found is not _STORED:
                self.drawn[key] = found
        if not missing:
            return
        results = (mapper or _map_here)(_draw_one, missing)
        for (_, key), drawn in zip(missing, results, strict=True):
            self.drawn[key] = drawn
            if drawn.error:
                self.store.write_entry(ERRORS, key, drawn.error.encode("utf-8"))
            else:
                self.store.write_entry(KIND, key, drawn.to_json().encode("utf-8"))
            self.stats.drawn += 1

    def _read(self, key: str, *, full: bool) -> Drawn | None:
        error = self.store.read_entry(ERRORS, key)
        if error is not None:
            return Drawn(error=error.decode("utf-8", "replace"))
        if not full and self.store.has_entry(KIND, key):
            self.stored.add(key)
            return _STORED
        data = self.store.read_entry(KIND, key)
        return Drawn.from_json(data.decode("utf-8", "replace")) if data else None

    def error(self, key: str) -> str:
        found = self.drawn.get(key)
        return found.error if found is not None else ""

    def finish(self, page_html: str) -> str:
        """``page_html`` with its diagrams in place; a page drawn again from its record (its
        diagrams were not read) reads them now."""
        keys = [k for k in markers(page_html) if k not in self.drawn]
        if keys:
            known = [k for k in keys if k in self.sources]
            self.load((DiagramRequest(k, "mermaid", self.sources[k]) for k in known), None)
        return place(page_html, self.drawn, self.sources)


_STORED = Drawn(light="(stored)")


def _map_here(fn: Callable[[T], R], items: Sequence[T]) -> Iterable[R]:
    return [fn(item) for item in items]


def produce_diagrams(
    site: Site, diagrams: Diagrams, reporter: Reporter, mapper: Mapper | None = None
) -> tuple[Site, DiagramStats]:
    """``site`` with every page's diagrams in place, and what the stage did. A diagram that
    cannot be drawn is a warning on each note showing it (at its block's line)."""
    needed = {key for page in site.pages for key in markers(_waiting(page.html))}
    diagrams.load(site.diagrams, mapper, needed)
    stats = diagrams.stats
    stats.diagrams = len(site.diagrams)
    for request in site.diagrams:
        error = diagrams.error(request.key)
        if not error:
            continue
        stats.failed += 1
        for note, line in request.users:
            reporter.warn(Category.DIAGRAM, note, line, f"mermaid diagram cannot be drawn: {error}")
    pages = tuple(_finished(page, diagrams) for page in site.pages)
    return replace(site, pages=pages, diagrams=()), stats


def _waiting(html: bytes | Callable[[], str]) -> str:
    """A drawn page's HTML when a diagram waits in it, else "" (nor is a page drawn again)."""
    return html.decode("utf-8") if isinstance(html, bytes) and b"<garden-diagram " in html else ""


def _finished(page: Page, diagrams: Diagrams) -> Page:
    html = page.html
    if isinstance(html, bytes):
        text = _waiting(html)
        return replace(page, html=diagrams.finish(text).encode("utf-8")) if text else page

    def draw_again(draw: Callable[[], str] = html) -> str:
        return diagrams.finish(draw())

    return replace(page, html=draw_again)
