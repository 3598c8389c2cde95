"""Resolve and filter, with a process-wide memory of the last result for each site.

``garden serve`` builds one vault again and again in one process, and most saves edit a note's
text: then the last resolution and publish filter still hold, and the vault's notes (unchanged
ones the very same objects) are checked against it in a millisecond (``reuse_resolution``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from garden.diagnostics import Diagnostic
from garden.model import Note, SourceFile, Vault
from garden.paths import VaultPath
from garden.publish import filter_published
from garden.resolve import resolve_vault, reuse_resolution


@dataclass(frozen=True)
class Resolved:
    """What resolve and filter made of a vault."""

    everything: Vault
    diagnostics: list[Diagnostic]  # the resolver's
    explicit: bool  # config ``publish: explicit``
    published: Vault
    reasons: dict[VaultPath, str]


# By cache folder: the last result of each of the few sites this process built last.
_LAST_RESOLVED: dict[Path, Resolved] = {}
_RESOLVED_SITES = 4


def resolve_and_filter(
    notes: list[Note],
    attachments: list[SourceFile],
    folders: set[str],
    explicit: bool,
    lap: Callable[[str], None],
    memory: Path | None = None,
) -> Resolved:
    """``resolve_vault`` then ``filter_published``; ``lap("resolve")`` between the two. With
    ``memory`` (the site's cache folder), the last result for that site is reused when the
    notes' links, headings, tags, aliases, titles and front matter and the vault's files are
    as they were, and this result is remembered for the next build."""
    last = _LAST_RESOLVED.get(memory) if memory is not None else None
    everything = None
    if last is not None and last.explicit == explicit:
        everything = reuse_resolution(last.everything, notes, attachments, folders)
    if last is not None and everything is not None:
        # Same shapes and files: the same notes are published, for the same reasons.
        published = dataclasses.replace(
            last.published,
            notes={p: n for p, n in everything.notes.items() if p in last.published.notes},
        )
        resolved = dataclasses.replace(last, everything=everything, published=published)
        lap("resolve")
    else:
        everything, diagnostics = resolve_vault(notes, attachments, folders)
        lap("resolve")
        published, reasons = filter_published(everything, explicit=explicit)
        resolved = Resolved(everything, diagnostics, explicit, published, reasons)
    if memory is not None:
        _LAST_RESOLVED.pop(memory, None)
        _LAST_RESOLVED[memory] = resolved
        while len(_LAST_RESOLVED) > _RESOLVED_SITES:  # a process building many sites keeps few
            del _LAST_RESOLVED[next(iter(_LAST_RESOLVED))]
    return resolved
