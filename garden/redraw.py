"""The preview's early page: an edited note's page drawn with the last build's renderer, shown
before the build that follows the edit is done."""

from __future__ import annotations

from pathlib import Path

from garden.diagrams import Diagrams
from garden.model import SourceFile
from garden.paths import OutPath, VaultPath, is_inside, vault_path_of
from garden.render import SiteRenderer
from garden.sources import parse_source


class NoteRedraw:
    """The last build's renderer, kept by the preview to show an edited note's page at once,
    before the build that follows the edit is done (``SiteRenderer.redraw``)."""

    def __init__(
        self,
        vault: Path,
        renderer: SiteRenderer,
        sources: dict[VaultPath, SourceFile],
        diagrams: Diagrams,
    ) -> None:
        self.vault, self.renderer, self.sources = vault, renderer, sources
        self.diagrams = diagrams

    def page(self, path: Path) -> tuple[OutPath, bytes] | None:
        """The page of the note file at ``path`` as the next build will draw it, when the note
        is published and its edit changed only its text (not a link, heading, tag, alias, title
        or front-matter value); None otherwise, and when the file cannot be read."""
        if not is_inside(path, self.vault):
            return None
        source = self.sources.get(vault_path_of(path.relative_to(self.vault)))
        if source is None or source.ignored_by:
            return None
        note, _ = parse_source(source)
        if not note.digest:  # unreadable: the build will say why
            return None
        drawn = self.renderer.redraw(note)
        if drawn is None:
            return None
        # Its diagrams: from the cache, or drawn here (an edited one), as the build will.
        self.diagrams.load(self.renderer.redrawn_diagrams())
        return drawn[0], self.diagrams.finish(drawn[1]).encode("utf-8")
