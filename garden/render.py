"""Render the published vault into pages, a content index, and the list of files to copy.

The renderer, not the theme, draws every internal link, embed and broken link, so the contract's
classes (``internal``, ``broken``, ``embed``) hold whatever theme is used. Embeds recurse with an
explicit stack: a cycle or a chain deeper than ``MAX_EMBED_DEPTH`` stops with a warning and a
placeholder instead of recursing.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup
from mistune import BlockState
from mistune.util import escape

from garden.config import Config
from garden.diagnostics import Reporter
from garden.images import (
    AUDIO_SUFFIXES,
    IMAGE_SUFFIXES,
    PDF_SUFFIXES,
    RASTER_SUFFIXES,
    VIDEO_SUFFIXES,
    image_size,
)
from garden.markdown.html import NoteHTMLRenderer
from garden.model import CopiedFile, ImageVariant, LinkRef, Note, Page, Resolution, Site, Vault
from garden.paths import (
    OutPath,
    Slug,
    VaultPath,
    attachment_out_path,
    fold,
    note_slug,
    page_out_path,
    relative_url,
    root_prefix,
    slugify,
)
from garden.theme import Theme, pygments_css

MAX_EMBED_DEPTH = 10
HOME_SLUG = Slug("index")
TAGS_SLUG = Slug("tags")


# --------------------------------------------------------------------------------------------
# Where everything goes
# --------------------------------------------------------------------------------------------
@dataclass
class SiteMap:
    """A unique slug and OUT file for every page and copied file. Collisions are disambiguated
    (``-2``, ``-3``...) with a warning, compared case-insensitively so the site also survives a
    case-insensitive file system."""

    notes: dict[VaultPath, tuple[Slug, OutPath]] = field(default_factory=dict)
    folders: dict[str, OutPath] = field(default_factory=dict)  # folder -> its page
    folder_notes: dict[str, VaultPath] = field(default_factory=dict)  # folder -> note at its page
    tags: dict[str, tuple[Slug, OutPath]] = field(default_factory=dict)
    attachments: dict[VaultPath, OutPath] = field(default_factory=dict)
    variants: dict[tuple[VaultPath, int], ImageVariant] = field(default_factory=dict)
    copied: set[VaultPath] = field(default_factory=set)  # attachments used as they are
    claimed: dict[str, str] = field(default_factory=dict)  # folded out path -> what claimed it

    def claim(
        self, out: str, owner: str, reporter: Reporter, source: str = "", *, page: bool = False
    ) -> OutPath:
        """Reserve ``out`` (or ``out`` with ``-2``, ``-3``... if taken). A page also reserves its
        slug, so ``A.md`` and ``A/index.md`` cannot both be slug ``A`` in the content index."""
        stem, ext = posixpath.splitext(out)
        if out.endswith("/index.html"):
            stem, ext = out[: -len("/index.html")], "/index.html"

        def taken(path: str) -> str | None:
            found = self.claimed.get(fold(path))
            if found is None and page:
                found = self.claimed.get("slug:" + fold(_slug_of(OutPath(path))))
            return found

        candidate, n = out, 1
        first_owner = taken(out)
        while taken(candidate) is not None:
            n += 1
            candidate = f"{stem}-{n}{ext}"
        if first_owner is not None:
            message = f"{out} is already used by {first_owner}; this one is at {candidate}"
            reporter.warn("slug-collision", source, 0, message)
        self.claimed[fold(candidate)] = owner
        if page:
            self.claimed["slug:" + fold(_slug_of(OutPath(candidate)))] = owner
        return OutPath(candidate)


def _slug_of(out: OutPath) -> Slug:
    if out.endswith("/index.html"):
        return Slug(out[: -len("/index.html")])
    return Slug(out[: -len(".html")])


def all_tags(notes: dict[VaultPath, Note]) -> dict[str, list[VaultPath]]:
    """Every tag and tag prefix (``a/b`` also counts for ``a``) with the notes that carry it."""
    tagged: dict[str, list[VaultPath]] = {}
    for path in sorted(notes):
        seen: set[str] = set()
        for tag in notes[path].tags:
            parts = tag.split("/")
            for i in range(1, len(parts) + 1):
                prefix = "/".join(parts[:i])
                key = fold(prefix)
                if key not in seen:
                    seen.add(key)
                    tagged.setdefault(prefix, []).append(path)
    return tagged


def build_site_map(vault: Vault, home: VaultPath | None, reporter: Reporter) -> SiteMap:
    site = SiteMap()
    ordered = sorted(vault.notes, key=lambda p: (p != home, p))
    for path in ordered:
        slug = HOME_SLUG if path == home else note_slug(path)
        out = site.claim(page_out_path(slug), path, reporter, path, page=True)
        site.notes[path] = (_slug_of(out), out)
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
        site.tags[fold(tag)] = (_slug_of(out), out)
    site.claim("404.html", "the 404 page", reporter)
    site.claim("content-index.json", "the content index", reporter)
    for path in sorted(vault.attachments):
        site.attachments[path] = site.claim(attachment_out_path(path), path, reporter, path)
    return site


# --------------------------------------------------------------------------------------------
# Template context
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Link:
    title: str
    url: str | None


@dataclass(frozen=True)
class Entry:
    title: str
    url: str
    kind: str
    count: int = 0


@dataclass(frozen=True)
class TagLink:
    name: str
    url: str


@dataclass(frozen=True)
class TocItem:
    level: int
    text: str
    id: str


@dataclass(frozen=True)
class PageView:
    kind: str
    title: str
    url: str
    content: Markup = field(default_factory=Markup)
    description: str = ""
    date: str = ""
    breadcrumbs: tuple[Link, ...] = ()
    tags: tuple[TagLink, ...] = ()
    toc: tuple[TocItem, ...] = ()
    backlinks: tuple[Link, ...] = ()
    entries: tuple[Entry, ...] = ()


@dataclass(frozen=True)
class SiteView:
    title: str
    base_url: str
    home_url: str
    tags_url: str
    lang: str


# --------------------------------------------------------------------------------------------
# Note HTML
# --------------------------------------------------------------------------------------------
def _default_label(ref: LinkRef) -> str:
    """What Obsidian shows for a link without display text: the target as written."""
    base = ref.target
    if base.lower().endswith(".md"):
        base = base[:-3]
    if ref.block:
        return f"{base} > ^{ref.block}" if base else f"^{ref.block}"
    if ref.heading:
        heading = ref.heading.replace("#", " > ")
        return f"{base} > {heading}" if base else heading
    return base


def _broken(label_html: str, reason: str, extra_class: str = "") -> str:
    """The contract's broken link: class ``broken``, no href, the reason as a tooltip."""
    classes = f"broken {extra_class}".strip()
    return f'<span class="{classes}" title="{escape(reason)}">{label_html}</span>'


@dataclass
class _Frame:
    note: VaultPath
    section: str  # "" for the whole note, else "#heading" / "#^block" for the embed chain message


class PageRenderer(NoteHTMLRenderer):
    """Renders one note page at a time; holds the site-wide lookups it needs."""

    def __init__(self, vault: Vault, site: SiteMap, reporter: Reporter) -> None:
        super().__init__()
        self.vault = vault
        self.site = site
        self.reporter = reporter
        self.page_out = ""
        self.stack: list[_Frame] = []
        self.top_line = 0  # line of the outermost embed being rendered (for nested warnings)
        self._sizes: dict[VaultPath, tuple[int, int] | None] = {}

    # -- entry point ------------------------------------------------------------------------
    def render_note(self, note: Note, page_out: str) -> str:
        self.page_out = page_out
        self.stack = [_Frame(note.path, "")]
        return self(note.tokens, BlockState())

    # -- helpers ----------------------------------------------------------------------------
    @property
    def current(self) -> VaultPath:
        return self.stack[-1].note

    def url(self, out: str, fragment: str | None = None) -> str:
        return relative_url(self.page_out, out, fragment)

    def warn(self, category: str, message: str, line: int = 0) -> None:
        if len(self.stack) == 1:
            self.reporter.warn(category, self.current, line, message)

    def _warn_top(self, category: str, message: str, line: int) -> None:
        """Embed problems are reported on the page's own note, at its outermost embed's line."""
        top_line = line if len(self.stack) == 1 else self.top_line
        self.reporter.warn(category, self.stack[0].note, top_line, message)

    def tag_href(self, name: str) -> str | None:
        entry = self.site.tags.get(fold(name))
        return self.url(entry[1]) if entry else None

    def resolution(self, ref: LinkRef) -> Resolution:
        return self.vault.resolution(self.current, ref)

    def render_token(self, token: dict[str, Any], state: BlockState) -> str:
        if token["type"] == "paragraph" and self._holds_note_embed(token):
            # <p> cannot contain the <div> of an embedded note: use a block container instead.
            return f'<div class="paragraph">{self.render_tokens(token["children"], state)}</div>\n'
        return super().render_token(token, state)

    def _holds_note_embed(self, token: dict[str, Any]) -> bool:
        return any(
            child["type"] == "ref"
            and child["attrs"]["ref"].embed
            and self.resolution(child["attrs"]["ref"]).kind == "note"
            for child in token.get("children") or ()
        )

    # -- links --------------------------------------------------------------------------------
    def render_ref(self, token: dict[str, Any], state: BlockState) -> str:
        ref: LinkRef = token["attrs"]["ref"]
        res = self.resolution(ref)
        if ref.embed:
            return self.render_embed(ref, res, state)
        children = token.get("children")
        if children:
            label = self.render_tokens(children, state)
        else:
            label = escape(ref.label or _default_label(ref))
        if res.kind == "broken":
            what = ref.target or "#" + (ref.heading or "")
            self.warn("broken-link", f"[[{what}]] {res.reason}", ref.line)
            return _broken(label, res.reason)
        assert res.target is not None
        if res.kind == "note":
            out = self.site.notes[res.target][1]
            title = self.vault.notes[res.target].title
            href = self.url(out, res.anchor)
            if res.target == self.stack[0].note and len(self.stack) == 1 and res.anchor:
                href = "#" + res.anchor  # same page: a plain fragment keeps the reader in place
            attrs = f'href="{escape(href)}" data-title="{escape(title)}"'
            return f'<a class="internal" {attrs}>{label}</a>'
        if res.kind == "folder":
            href = self.url(self.site.folders[res.target])
            return f'<a class="internal folder" href="{escape(href)}">{label}</a>'
        href = self.attachment_url(res.target)
        return f'<a class="internal attachment" href="{escape(href)}">{label}</a>'

    # -- embeds ---------------------------------------------------------------------------------
    def render_embed(self, ref: LinkRef, res: Resolution, state: BlockState) -> str:
        label = escape(ref.label or _default_label(ref))
        if res.kind == "broken" or res.kind == "folder":
            reason = res.reason or "a folder cannot be embedded"
            self.warn("broken-embed", f"![[{ref.target}]] {reason}", ref.line)
            return _broken(label, reason, "embed-missing")
        assert res.target is not None
        if res.kind == "attachment":
            return self.render_attachment_embed(ref, res.target)
        return self.render_note_embed(ref, res, state)

    def render_note_embed(self, ref: LinkRef, res: Resolution, state: BlockState) -> str:
        assert res.target is not None
        target = self.vault.notes[res.target]
        section = f"#^{ref.block}" if ref.block else f"#{ref.heading}" if ref.heading else ""
        chain = " → ".join(f.note + f.section for f in self.stack) + f" → {target.path}{section}"
        if any(f.note == target.path and f.section == section for f in self.stack):
            self._warn_top("embed-cycle", f"embed cycle stopped: {chain}", ref.line)
            return _broken(escape(target.title), "embed cycle", "embed-cycle")
        if len(self.stack) > MAX_EMBED_DEPTH:
            self._warn_top(
                "embed-depth", f"embeds nested deeper than {MAX_EMBED_DEPTH}: {chain}", ref.line
            )
            return _broken(escape(target.title), "embeds nested too deep", "embed-depth")
        tokens = self._embedded_tokens(target, ref, res)
        if tokens is None:
            missing = f"^{ref.block}" if ref.block else ref.heading
            self.warn(
                "broken-embed", f"![[{ref.target}#{missing}]]: not found in {target.path}", ref.line
            )
            return _broken(escape(_default_label(ref)), "section not found", "embed-missing")
        if len(self.stack) == 1:
            self.top_line = ref.line
        self.stack.append(_Frame(target.path, section))
        try:
            inner = self.render_tokens(tokens, state)
        finally:
            self.stack.pop()
        href = self.url(self.site.notes[target.path][1], res.anchor)
        title = escape(target.title)
        return (
            f'<div class="embed" data-embed="{title}">'
            f'<div class="embed-title"><a class="internal" href="{escape(href)}">{title}</a></div>'
            f'<div class="embed-content">\n{inner}</div></div>\n'
        )

    @staticmethod
    def _embedded_tokens(note: Note, ref: LinkRef, res: Resolution) -> list[dict[str, Any]] | None:
        if not (ref.heading or ref.block):
            return note.tokens
        if res.anchor is None:
            return None
        if ref.block:
            block = _find_block(note.tokens, res.anchor[1:])
            if block is None:
                return None
            if block["type"] in ("list_item", "task_list_item"):
                return [
                    {
                        "type": "list",
                        "children": [block],
                        "tight": True,
                        "attrs": {"depth": 0, "ordered": False},
                    }
                ]
            return [block]
        return _section(note.tokens, res.anchor)

    def render_attachment_embed(self, ref: LinkRef, path: VaultPath) -> str:
        suffix = Path(path).suffix.lower()
        name = path.rsplit("/", 1)[-1]
        if suffix in IMAGE_SUFFIXES:
            return self.render_image(ref, path)
        src = self.attachment_url(path)
        if suffix in AUDIO_SUFFIXES:
            media = f'controls preload="metadata" src="{escape(src)}" title="{escape(name)}"'
            return f"<audio {media}></audio>"
        if suffix in VIDEO_SUFFIXES:
            width = f' width="{ref.width}"' if ref.width else ""
            media = f'controls preload="metadata" src="{escape(src)}" title="{escape(name)}"'
            return f"<video {media}{width}></video>"
        if suffix in PDF_SUFFIXES:
            fragment = ""
            style = ""
            if ref.heading and ref.heading.startswith("page="):
                fragment = "#" + ref.heading
            elif ref.heading and ref.heading.startswith("height=") and ref.heading[7:].isdigit():
                style = f' style="height:{int(ref.heading[7:])}px"'
            return (
                f'<iframe class="pdf-embed" src="{escape(src + fragment)}" '
                f'title="{escape(name)}"{style} loading="lazy"></iframe>'
            )
        label = escape(ref.label or name)
        return f'<a class="internal attachment" href="{escape(src)}">{label}</a>'

    def attachment_url(self, path: VaultPath) -> str:
        """URL of the attachment as it is; only attachments asked for this way are copied."""
        self.site.copied.add(path)
        return self.url(self.site.attachments[path])

    def render_image(self, ref: LinkRef, path: VaultPath) -> str:
        alt = escape(ref.label or "")
        suffix = Path(path).suffix.lower()
        if suffix not in RASTER_SUFFIXES:  # SVG: no pixels to measure; keep the requested size
            src = self.attachment_url(path)
            size = f' width="{ref.width}"' if ref.width else ""
            size += f' height="{ref.height}"' if ref.height else ""
            return f'<img src="{escape(src)}" alt="{alt}"{size} loading="lazy" decoding="async">'
        real = self.image_size(path)
        if real is None:
            self.warn("image", f"{path}: not a readable image", ref.line)
            return _broken(escape(path), "unreadable image", "embed-missing")
        real_w, real_h = real
        width, height = ref.width, ref.height
        if width and not height:
            height = max(1, round(width * real_h / real_w))
        elif height and not width:
            width = max(1, round(height * real_w / real_h))
        elif not width:
            width, height = real_w, real_h
        assert width is not None and height is not None
        if real_w > 2 * width:
            src = self.url(self.variant(path, 2 * width).out_path)
        else:
            src = self.attachment_url(path)
        return (
            f'<img src="{escape(src)}" alt="{alt}" width="{width}" height="{height}" '
            f'loading="lazy" decoding="async">'
        )

    def image_size(self, path: VaultPath) -> tuple[int, int] | None:
        if path not in self._sizes:
            self._sizes[path] = image_size(self.vault.attachments[path].abs_path)
        return self._sizes[path]

    def variant(self, path: VaultPath, width: int) -> ImageVariant:
        key = (path, width)
        found = self.site.variants.get(key)
        if found is None:
            stem, ext = posixpath.splitext(self.site.attachments[path])
            out = self.site.claim(f"{stem}-{width}w{ext}", f"{path} at {width}px", self.reporter)
            found = ImageVariant(self.vault.attachments[path].abs_path, out, width)
            self.site.variants[key] = found
        return found


def _find_block(tokens: list[dict[str, Any]], block_id: str) -> dict[str, Any] | None:
    for tok in tokens:
        if (tok.get("attrs") or {}).get("block_id") == block_id:
            return tok
        children = tok.get("children")
        if children:
            found = _find_block(children, block_id)
            if found is not None:
                return found
    return None


def _section(tokens: list[dict[str, Any]], heading_id: str) -> list[dict[str, Any]] | None:
    """The heading ``heading_id`` and all up to the next heading of the same or a higher level."""
    for i, tok in enumerate(tokens):
        if tok["type"] == "heading" and tok["attrs"].get("id") == heading_id:
            level = tok["attrs"]["level"]
            end = i + 1
            while end < len(tokens):
                nxt = tokens[end]
                if nxt["type"] == "heading" and nxt["attrs"]["level"] <= level:
                    break
                end += 1
            return tokens[i:end]
    return None


# --------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------
class SiteRenderer:
    def __init__(
        self,
        vault: Vault,
        config: Config,
        theme: Theme,
        home: VaultPath | None,
        reporter: Reporter,
    ) -> None:
        self.vault = vault
        self.config = config
        self.theme = theme
        self.home = home
        self.reporter = reporter
        self.site = build_site_map(vault, home, reporter)
        self.tagged = all_tags(vault.notes)
        self.notes_renderer = PageRenderer(vault, self.site, reporter)

    # -- shared pieces ------------------------------------------------------------------------
    def _page(
        self, template: str, out: OutPath, view: PageView, source: VaultPath | None = None
    ) -> Page:
        def url_for(slug: str) -> str:
            return relative_url(out, page_out_path(Slug(slug)) if slug != "index" else "index.html")

        html = self.theme.env.get_template(template).render(
            root=root_prefix(out),
            site=SiteView(
                title=self.config.title,
                base_url=self.config.base_url,
                home_url=relative_url(out, "index.html"),
                tags_url=relative_url(out, self.site.tags[""][1]),
                lang=self.config.language,
            ),
            theme=self.theme.options,
            page=view,
            url_for=url_for,
        )
        return Page(_slug_of(out), out, view.kind, view.title, html, source)  # type: ignore[arg-type]

    def _breadcrumbs(self, folder: str, out: OutPath, title: str) -> tuple[Link, ...]:
        crumbs = [Link("Home", relative_url(out, "index.html"))]
        parts = folder.split("/") if folder else []
        for i in range(1, len(parts) + 1):
            sub = "/".join(parts[:i])
            page = self.site.folders.get(sub)
            crumbs.append(Link(parts[i - 1], relative_url(out, page) if page else None))
        crumbs.append(Link(title, None))
        return tuple(crumbs)

    def _folder_entries(self, folder: str, out: OutPath) -> tuple[Entry, ...]:
        prefix = folder + "/" if folder else ""
        subfolders: list[Entry] = []
        for sub in sorted(self.vault.folders, key=fold):
            if sub and sub.startswith(prefix) and "/" not in sub[len(prefix) :]:
                count = sum(1 for p in self.vault.notes if p.startswith(sub + "/"))
                subfolders.append(
                    Entry(
                        sub.rsplit("/", 1)[-1],
                        relative_url(out, self.site.folders[sub]),
                        "folder",
                        count,
                    )
                )
        notes = [
            Entry(note.title, relative_url(out, self.site.notes[path][1]), "note")
            for path, note in self.vault.notes.items()
            if note.folder == folder and path != self.home and self.site.notes[path][1] != out
        ]
        return tuple(subfolders) + tuple(sorted(notes, key=lambda e: fold(e.title)))

    def _tag_links(self, tags: tuple[str, ...], out: OutPath) -> tuple[TagLink, ...]:
        return tuple(TagLink(t, relative_url(out, self.site.tags[fold(t)][1])) for t in tags)

    # -- page kinds ---------------------------------------------------------------------------
    def note_page(self, note: Note) -> Page:
        out = self.site.notes[note.path][1]
        content = self.notes_renderer.render_note(note, out)
        backlinks = sorted(
            (self.vault.notes[src] for src in self.vault.graph.predecessors(note.path)),
            key=lambda n: (fold(n.title), n.path),
        )
        folder_of_page = next(
            (f for f, p in self.site.folder_notes.items() if p == note.path), None
        )
        entries: tuple[Entry, ...] = ()
        if folder_of_page is not None and note.path != self.home:
            entries = self._folder_entries(folder_of_page, out)
        view = PageView(
            kind="note",
            title=note.title,
            url=out,
            content=Markup(content),
            description=note.description,
            date=note.date,
            breadcrumbs=()
            if note.path == self.home
            else self._breadcrumbs(note.folder, out, note.title),
            tags=self._tag_links(note.tags, out),
            toc=tuple(TocItem(h.level, h.text, h.id) for h in note.headings),
            backlinks=tuple(
                Link(n.title, relative_url(out, self.site.notes[n.path][1])) for n in backlinks
            ),
            entries=entries,
        )
        return self._page("note.html", out, view, note.path)

    def folder_page(self, folder: str) -> Page:
        out = self.site.folders[folder]
        title = folder.rsplit("/", 1)[-1] if folder else self.config.title
        view = PageView(
            kind="folder",
            title=title,
            url=out,
            breadcrumbs=self._breadcrumbs(
                folder.rsplit("/", 1)[0] if "/" in folder else "", out, title
            )
            if folder
            else (),
            entries=self._folder_entries(folder, out),
        )
        return self._page("folder.html", out, view)

    def tag_page(self, tag: str) -> Page:
        _, out = self.site.tags[fold(tag)]
        notes = [self.vault.notes[p] for p in self.tagged[tag]]
        entries = tuple(
            Entry(n.title, relative_url(out, self.site.notes[n.path][1]), "note")
            for n in sorted(notes, key=lambda n: (fold(n.title), n.path))
        )
        children = tuple(
            Entry(
                "#" + t, relative_url(out, self.site.tags[fold(t)][1]), "tag", len(self.tagged[t])
            )
            for t in sorted(self.tagged, key=fold)
            if t.startswith(tag + "/") and "/" not in t[len(tag) + 1 :]
        )
        view = PageView(
            kind="tag",
            title="#" + tag,
            url=out,
            breadcrumbs=(
                Link("Home", relative_url(out, "index.html")),
                Link("Tags", relative_url(out, self.site.tags[""][1])),
                Link("#" + tag, None),
            ),
            entries=children + entries,
        )
        return self._page("tag.html", out, view)

    def tags_index_page(self) -> Page:
        _, out = self.site.tags[""]
        entries = tuple(
            Entry("#" + t, relative_url(out, self.site.tags[fold(t)][1]), "tag", len(notes))
            for t, notes in sorted(self.tagged.items(), key=lambda kv: fold(kv[0]))
        )
        view = PageView(
            kind="tags",
            title="Tags",
            url=out,
            entries=entries,
            breadcrumbs=(Link("Home", relative_url(out, "index.html")), Link("Tags", None)),
        )
        return self._page("tag.html", out, view)

    def not_found_page(self) -> Page:
        out = OutPath("404.html")
        view = PageView(kind="404", title="Page not found", url=out)
        return self._page("404.html", out, view)

    # -- the whole site -----------------------------------------------------------------------
    def render(self) -> Site:
        pages: list[Page] = [self.note_page(self.vault.notes[p]) for p in sorted(self.vault.notes)]
        for folder in sorted(self.vault.folders):
            if folder not in self.site.folder_notes:
                pages.append(self.folder_page(folder))
        pages.append(self.tags_index_page())
        pages.extend(self.tag_page(tag) for tag in sorted(self.tagged, key=fold))
        pages.append(self.not_found_page())

        files = [
            CopiedFile(self.vault.attachments[p].abs_path, out)
            for p, out in sorted(self.site.attachments.items())
            if p in self.site.copied
        ]
        files.extend(CopiedFile(src, OutPath(rel)) for src, rel in self.theme.static_files())
        data = {
            "content-index.json": json.dumps(
                self.content_index(), ensure_ascii=False, indent=1, sort_keys=True
            ).encode("utf-8"),
            "static/pygments.css": pygments_css().encode("utf-8"),
        }
        return Site(tuple(pages), tuple(files), data, tuple(self.site.variants.values()))

    def content_index(self) -> dict[str, Any]:
        index: dict[str, Any] = {}
        for path, note in self.vault.notes.items():
            slug = self.site.notes[path][0]
            links: dict[str, None] = {}
            for ref in note.links:
                res = self.vault.resolution(path, ref)
                if res.kind == "note" and res.target is not None and res.target != path:
                    links.setdefault(self.site.notes[res.target][0], None)
            backlinks = sorted(
                self.site.notes[src][0] for src in self.vault.graph.predecessors(path)
            )
            index[slug] = {
                "source": path,
                "title": note.title,
                "links": list(links),
                "backlinks": backlinks,
                "tags": list(note.tags),
                "aliases": list(note.aliases),
                "description": note.description,
                "date": note.date,
            }
        return index


def render_site(
    vault: Vault, config: Config, theme: Theme, home: VaultPath | None, reporter: Reporter
) -> Site:
    return SiteRenderer(vault, config, theme, home, reporter).render()
