"""Warnings about the vault, collected during a build and reported at the end or as they come.

A diagnostic names the file and line so the user can jump to it; the reporter deduplicates them and
counts them per category, so `--strict` and the summary line can be computed from one place.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, Protocol


class Category(StrEnum):
    """Every kind of warning garden gives: the build's and ``garden check``'s findings use the
    same names (a ``Category`` is its name as a string, so reports and tests compare with
    plain strings)."""

    ANCHOR = "anchor"  # a link to a heading or block the note lacks (it links to the note)
    BROKEN_EMBED = "broken-embed"  # an embed of nothing, a folder, or a missing section
    BROKEN_LINK = "broken-link"  # a link to nothing
    CANVAS = "canvas"
    CONFIG = "config"
    DATE = "date"
    DIAGRAM = "diagram"
    EMBED_CYCLE = "embed-cycle"
    EMBED_DEPTH = "embed-depth"
    ENCODING = "encoding"
    FRONTMATTER = "frontmatter"
    IMAGE = "image"
    MATH = "math"
    ORPHAN = "orphan"  # check: a published note nothing published links to
    READ = "read"
    SCAN = "scan"
    SLUG_COLLISION = "slug-collision"
    UNPUBLISHED_LINK = "unpublished-link"  # check: a published note links to a private one


def plural(count: int, noun: str) -> str:
    """``1 warning``, ``2 warnings``: a count with its noun (nouns garden counts take an s)."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class Writable(Protocol):
    """Anything ``print(file=...)`` accepts: a text stream, or the console that clears its
    progress line before a warning is printed."""

    def write(self, text: str, /) -> Any: ...


@dataclass(frozen=True, slots=True)
class Diagnostic:
    category: str  # short, stable: "broken-link", "frontmatter", "embed", "image", ...
    path: str  # vault-relative path, forward slashes ("" for the vault as a whole)
    line: int  # 1-based; 0 when no line applies
    message: str

    def format(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else (self.path or "<vault>")
        return f"{where}: warning: {self.category}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Reporter:
    """Collects diagnostics, drops exact duplicates, and optionally echoes each one once."""

    def __init__(self, stream: Writable | None = None) -> None:
        self._stream = stream
        self._seen: set[Diagnostic] = set()
        self.diagnostics: list[Diagnostic] = []

    def warn(self, category: str, path: str, line: int, message: str) -> None:
        self.add(Diagnostic(category, path, line, message))

    @property
    def echoes(self) -> bool:
        """Whether each new diagnostic is printed as it comes."""
        return self._stream is not None

    def add(self, diagnostic: Diagnostic) -> None:
        if diagnostic in self._seen:
            return
        self._seen.add(diagnostic)
        self.diagnostics.append(diagnostic)
        if self._stream is not None:
            print(diagnostic.format(), file=self._stream)

    def extend(self, diagnostics: list[Diagnostic]) -> None:
        for diagnostic in diagnostics:
            self.add(diagnostic)

    def counts(self) -> Counter[str]:
        return Counter(d.category for d in self.diagnostics)

    def summary(self) -> str:
        counts = self.counts()
        if not counts:
            return "no warnings"
        parts = ", ".join(f"{n} {cat}" for cat, n in sorted(counts.items()))
        return f"{plural(len(self.diagnostics), 'warning')} ({parts})"


def stderr_reporter() -> Reporter:
    return Reporter(sys.stderr)
