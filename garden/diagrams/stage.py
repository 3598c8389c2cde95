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

from garden.diagnostics import Reporter
from garden.diagrams.mermaid import Drawn, draw, place
from garden.model import DiagramRequest, Page, Site

KIND = "diagrams"  # the build cache's folder of drawn diagrams
T = TypeVar("T")
R = TypeVar("R")
# Runs a function over items (in worker processes, or here): the build passes its workers'.
Mapper = Callable[[Callable[[T], R], Sequence[T]], Iterable[R]]


class DiagramStore(Protocol):
    """Where drawn diagrams are kept between builds (``garden.cache.BuildCache``)."""

    def read_entry(self, kind: str, key: str) -> bytes | None: ...

    def write_entry(self, kind: str, key: str, data: bytes) -> None: ...


@dataclass
class DiagramStats:
    diagrams: int = 0  # distinct diagrams the site shows
    drawn: int = 0  # drawn this build: 0 when none is new
    failed: int = 0  # that cannot be drawn


def _draw_one(item: tuple[str, str]) -> Drawn:
    return draw(*item)


class Diagrams:
    """Drawn diagrams by key: from the store, or drawn and stored."""

    def __init__(self, store: DiagramStore) -> None:
        self.store = store
        self.drawn: dict[str, Drawn] = {}
        self.sources: dict[str, str] = {}
        self.stats = DiagramStats()

    def load(self, requests: Iterable[DiagramRequest], mapper: Mapper | None = None) -> None:
        """Have every requested diagram in ``drawn``, drawing the ones the store lacks (over
        ``mapper`` when given)."""
        missing: list[tuple[str, str]] = []
        for request in requests:
            self.sources.setdefault(request.key, request.source)
            if request.key in self.drawn:
                continue
            data = self.store.read_entry(KIND, request.key)
            found = Drawn.from_json(data.decode("utf-8", "replace")) if data else None
            if found is None:
                missing.append((request.source, request.key))
                self.drawn[request.key] = Drawn(error="not drawn")
            else:
                self.drawn[request.key] = found
        if not missing:
            return
        results = (mapper or _map_here)(_draw_one, missing)
        for (_, key), drawn in zip(missing, results, strict=True):
            self.drawn[key] = drawn
            self.store.write_entry(KIND, key, drawn.to_json().encode("utf-8"))
            self.stats.drawn += 1

    def finish(self, page_html: str) -> str:
        """``page_html`` with its diagrams in place (all of them loaded first)."""
        from garden.diagrams.mermaid import markers

        keys = markers(page_html)
        if not keys:
            return page_html
        absent = [k for k in keys if k not in self.drawn]
        if absent:  # a page drawn outside the build (the preview): its own text is unknown
            return page_html
        return place(page_html, self.drawn, self.sources)


def _map_here(fn: Callable[[T], R], items: Sequence[T]) -> Iterable[R]:
    return [fn(item) for item in items]


def produce_diagrams(
    site: Site, diagrams: Diagrams, reporter: Reporter, mapper: Mapper | None = None
) -> tuple[Site, DiagramStats]:
    """``site`` with every page's diagrams in place, and what the stage did. A diagram that
    cannot be drawn is a warning on each note showing it (at its block's line)."""
    diagrams.load(site.diagrams, mapper)
    stats = diagrams.stats
    stats.diagrams = len(site.diagrams)
    for request in site.diagrams:
        error = diagrams.drawn[request.key].error
        if not error:
            continue
        stats.failed += 1
        for note, line in request.users:
            reporter.warn("diagram", note, line, f"mermaid diagram cannot be drawn: {error}")
    pages = tuple(_finished(page, diagrams) for page in site.pages)
    return replace(site, pages=pages, diagrams=()), stats


def _finished(page: Page, diagrams: Diagrams) -> Page:
    html = page.html
    if isinstance(html, str):
        if "<garden-diagram " not in html:
            return page
        return replace(page, html=diagrams.finish(html))

    def draw_again(draw: Callable[[], str] = html) -> str:
        return diagrams.finish(draw())

    return replace(page, html=draw_again)
