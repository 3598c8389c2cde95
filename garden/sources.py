"""The page sources' parsers, by kind: the one place the build turns a scanned file into a
``Note`` (``scan.SOURCE_KINDS`` says which kind a file is)."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from dataclasses import replace

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


def parse_shipped(source: SourceFile) -> tuple[Note, list[Diagnostic], bytes]:
    """``parse_source`` in a worker process: the ``Note`` without its token tree, which comes
    pickled apart. The build keeps those bytes as they are, writes the published ones into its
    cache and unpickles a tree only where its page is drawn, so no tree is unpickled in the
    build's own process only to be pickled again."""
    note, diagnostics = parse_source(source)
    tokens = pickle.dumps(note.tokens or [], protocol=pickle.HIGHEST_PROTOCOL)
    return replace(note, tokens=None), diagnostics, tokens
