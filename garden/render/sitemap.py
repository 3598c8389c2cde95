"""Where everything goes: a unique slug and OUT path for every page and copied file."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from garden.diagnostics import Category, Reporter
from garden.model import DiagramRequest, ImageVariant, Note, Vault
from garden.paths import (
    OutPath,
    Slug,
    VaultPath,
    attachment_out_path,
    fold,
    note_slug,
    page_out_path,
    slugify,
)

HOME_SLUG = Slug("index")
TAGS_SLUG = Slug("tags")


@dataclass
class SiteMap:
    """A unique slug and OUT file for every page and copied file. Collisions are disambiguated
    (``-2``, ``-3``...) with a warning, compared case-insensitively (and in one Unicode form) so
    the site also survives a case-insensitive file system (macOS, Windows) it is copied to. For
    the same reason a folder is spelt one way in every path: the first path through it decides
    (``Guide/a.html`` then ``guide/b.html`` gives ``Guide/b.html``), else a Mac would merge the
    two folders and a case-sensitive server the site is copied back to would miss one."""

    notes: dict[VaultPath, tuple[Slug, OutPath]] = field(default_factory=dict)
    folders: dict[str, OutPath] = field(default_factory=dict)  # folder -> its page
    folder_notes: dict[str, VaultPath] = field(default_factory=dict)  # folder -> note at its page
    tags: dict[str, tuple[Slug, OutPath]] = field(default_factory=dict)
    attachments: dict[VaultPath, OutPath] = field(default_factory=dict)
    variants: dict[tuple[VaultPath, int], ImageVariant] = field(default_factory=dict)
    diagrams: dict[str, DiagramRequest] = field(default_factory=dict)  # by key
    copied: set[VaultPath] = field(default_factory=set)  # attachments used as they are
    claimed: dict[str, str] = field(default_factory=dict)  # folded out path -> what claimed it
    spelling: dict[str, str] = field(default_factory=dict)  # folded folder -> its one spelling

    def _spelt(self, out: str) -> str:
        """``out`` with each folder spelt as the first path through it spelt it."""
        parts = out.split("/")
        for i in range(len(parts) - 1):
            folder = "/".join(parts[: i + 1])
            parts[: i + 1] = self.spelling.setdefault(fold(folder), folder).split("/")
        return "/".join(parts)

    def claim(
        self, out: str, owner: str, reporter: Reporter, source: str = "", *, page: bool = False
    ) -> OutPath:
        """Reserve ``out`` (or ``out`` with ``-2``, ``-3``... if taken). A page also reserves its
        slug, so ``A.md`` and ``A/index.md`` cannot both be slug ``A`` in the content index."""
        out = self._spelt(out)
        stem, ext = posixpath.splitext(out)
        if out.endswith("/index.html"):
            stem, ext = out[: -len("/index.html")], "/index.html"

        def taken(path: str) -> str | None:
            found = self.claimed.get(fold(path))
            if found is None and page:
                found = self.claimed.get("slug:" + fold(slug_of(OutPath(path))))
            return found

        candidate, n = out, 1
        first_owner = taken(out)
        while taken(candidate) is not None:
            n += 1
            candidate = f"{stem}-{n}{ext}"
        if first_owner is not None:
            message = f"{out} is already used by {first_owner}; this one is at {candidate}"
            reporter.warn(Category.SLUG_COLLISION, source, 0, message)
        candidate = self._spelt(candidate)  # a new "-2" folder is spelt from now on
        self.claimed[fold(candidate)] = owner
        if page:
            self.claimed["slug:" + fold(slug_of(OutPath(candidate)))] = owner
        return OutPath(candidate)


def slug_of(out: OutPath) -> Slug:
    if out.endswith("/index.html"):
        return Slug(out[: -len("/index.html")])
    return Slug(out[: -len(".html")])


def all_tags(notes: dict[VaultPath, Note]) -> dict[str, list[VaultPath]]:
    """Every tag and tag prefix (``a/b`` also counts for ``a``) with the notes that carry it.
    As in Obsidian, case does not matter: ``#Topic`` and ``#topic`` are one tag, spelt as the
    first note (by path) spells it."""
    tagged: dict[str, list[VaultPath]] = {}
    spelling: dict[str, str] = {}  # folded tag -> the spelling it is listed under
    for path in sorted(notes):
        seen: set[str] = set()
        for tag in notes[path].tags:
            parts = tag.split("/")
            for i in range(1, len(parts) + 1):
                prefix = "/".join(parts[:i])
                key = fold(prefix)
                if key not in seen:
                    seen.add(key)
                    tagged.setdefault(spelling.setdefault(key, prefix), []).append(path)
    return tagged


def build_site_map(
    vault: Vault, home: VaultPath | None, reporter: Reporter, reserved: tuple[str, ...] = ()
) -> SiteMap:
    """``reserved``: OUT paths written whatever the vault holds (the theme's static files...)."""
    site = SiteMap()
    # Fixed outputs first: a note "404.md" or an attachment "static/style.css" then moves to "-2"
    # with a warning instead of being silently overwritten by (or overwriting) garden's own file.
    for out in ("404.html", "content-index.json", *reserved):
        site.claim(out, f"garden's {out}", reporter)
    ordered = sorted(vault.notes, key=lambda p: (p != home, p))
    for path in ordered:
        slug = HOME_SLUG if path == home else note_slug(path)
        out = site.claim(page_out_path(slug), path, reporter, path, page=True)
        site.notes[path] = (slug_of(out), out)
    by_out = {fold(out): path for path, (_, out) in site.notes.items()}
    for folder in sorted(vault.folders):
        out = (
            OutPath("index.html")
            if not folder
            else page_out_path(slugify(folder), folder_index=True)
        )
        note = by_out.get(fold(out))
        if note is not None:
            site.folders[folder] = site.notes[note][1]
            site.folder_notes[folder] = note
        else:
            site.folders[folder] = site.claim(out, f"folder {folder or '/'}", reporter, folder)
    site.tags[""] = (TAGS_SLUG, site.claim("tags/index.html", "the tag index", reporter))
    for tag in sorted(all_tags(vault.notes), key=fold):
        out = site.claim(f"tags/{slugify(tag)}.html", f"tag #{tag}", reporter)
        site.tags[fold(tag)] = (slug_of(out), out)
    for path in sorted(vault.attachments):
        site.attachments[path] = site.claim(attachment_out_path(path), path, reporter, path)
    return site
