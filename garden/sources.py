"""The page sources' parsers, by kind: the one place the build turns a scanned file into a
``Note`` (``scan.SOURCE_KINDS`` says which kind a file is)."""

from __future__ import annotations

from collections.abc import Callable

from garden.canvas import parse_canvas
from garden.diagnostics import Diagnostic
from garden.model import Note, SourceFile
from garden.parse import parse_base, parse_note

PARSERS: dict[str, Callable[[SourceFile], tuple[Note, list[Diagnostic]]]] = {
    "note": parse_note,
    "canvas": parse_canvas,
    "base": parse_base,
}


def parse_source(source: SourceFile) -> tuple[Note, list[Diagnostic]]:
    """``source`` (a note, a canvas...; not an attachment) as a ``Note`` and its warnings."""
    return PARSERS[source.kind](source)
