"""Pages: note, folder, tag and 404 pages through the theme, plus the content index."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from garden.config import Config
from garden.diagnostics import Reporter
from garden.images import ImagePlan, image_settings
from garden.model import CopiedFile, Note, Page, Site, Vault
from garden.paths import (
    OutPath,
    Slug,
    VaultPath,
    fold,
    page_out_path,
    relative_url,
    root_prefix,
)
from garden.render.body import PageRenderer
from garden.render.feeds import note_dates
from garden.render.graph import local_graph
from garden.render.reader import (
    FEED_XML,
    FIXED_OUTPUTS,
    GRAPH_HTML,
    LinkGraph,
    dated_notes,
    reader_files,
)
from garden.render.search import SearchDoc, html_to_text
from garden.render.sitemap import all_tags, build_site_map, slug_of
from garden.theme import Theme, pygments_css

RECENT_NOTES = 8
PUBLISH_CSS = "publish.css"  # Obsidian Publish's custom stylesheet at the vault root


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
    date: str = ""  # YYYY-MM-DD, in "recent notes"


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
class GraphNode:
    """A node of the local graph, in a 200x200 box; depth 0 is the page's own note."""

    title: str
    url: str
    x: float
    y: float
    depth: int
    kind: str = "note"  # or "tag" (config graph_tags)


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
    updated: str = ""  # YYYY-MM-DD from front matter updated/modified, when later than date
    reading_minutes: int = 0  # at 200 words a minute; 0 for pages that are not notes
    graph: tuple[GraphNode, ...] = ()  # the local graph (notes, and tags with graph_tags)
    graph_edges: tuple[tuple[float, float, float, float], ...] = ()  # x1, y1, x2, y2
    recent: tuple[Entry, ...] = ()  # newest dated notes, on the home page


@dataclass(frozen=True)
class SiteView:
    """Site-wide values; every ``*_url`` is relative to the page being rendered."""

    title: str
    base_url: str
    home_url: str
    tags_url: str
    lang: str
    graph_url: str = ""  # the global graph page
    data_url: str = ""  # the folder of the shared data files (explorer, graph, search index)
    feed_url: str = ""  # the Atom feed, "" when no note has a date
    publish_css_url: str = ""  # the vault's publish.css, "" when it has none


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
        images: ImagePlan | None = None,
    ) -> None:
        self.vault = vault
        self.config = config
        self.theme = theme
        self.home = home
        self.reporter = reporter
        reserved = (
            "static/pygments.css",
            *FIXED_OUTPUTS,
            *(rel for _, rel in theme.static_files()),
        )
        self.site = build_site_map(vault, home, reporter, reserved)
        self.tagged = all_tags(vault.notes)
        if images is None:
            images = ImagePlan(image_settings(config, theme.options))
        self.notes_renderer = PageRenderer(vault, self.site, reporter, images)
        self.notes_renderer.sanitize = config.sanitize
        self.search_docs: dict[VaultPath, SearchDoc] = {}
        self.links = LinkGraph(vault, self.site, tags=config.graph_tags)
        self.dated = dated_notes(vault, config.dates)
        # Kept by the publish filter even when no note links to it (publish.py).
        self.publish_css = self.site.attachments.get(VaultPath(PUBLISH_CSS))

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
                graph_url=relative_url(out, GRAPH_HTML),
                data_url=root_prefix(out) + "static/",
                feed_url=relative_url(out, FEED_XML) if self.dated else "",
                publish_css_url=relative_url(out, self.publish_css) if self.publish_css else "",
            ),
            theme=self.theme.options,
            page=view,
            url_for=url_for,
        )
        return Page(slug_of(out), out, view.kind, view.title, html, source)  # type: ignore[arg-type]

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
        text = html_to_text(content)
        self.search_docs[note.path] = SearchDoc(
            note.title,
            out,
            note.tags,
            tuple((h.text, h.id) for h in note.headings),
            text,
        )
        created, updated = note_dates(note, self.config.dates)
        graph_nodes, graph_edges = self._local_graph(note, out)
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
            date=created,
            updated=updated if updated != created else "",
            reading_minutes=max(1, round(len(text.split()) / 200)),
            graph=graph_nodes,
            graph_edges=graph_edges,
            recent=self._recent(out) if note.path == self.home else (),
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
            recent=self._recent(out) if not folder else (),
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

    def graph_page(self) -> Page:
        out = OutPath(GRAPH_HTML)
        view = PageView(
            kind="graph",
            title="Graph",
            url=out,
            breadcrumbs=(Link("Home", relative_url(out, "index.html")), Link("Graph", None)),
        )
        return self._page("graph.html", out, view)

    def _recent(self, out: OutPath) -> tuple[Entry, ...]:
        return tuple(
            Entry(self.vault.notes[p].title, relative_url(out, self.site.notes[p][1]), "note", 0, d)
            for d, p in self.dated[:RECENT_NOTES]
        )

    def _local_graph(
        self, note: Note, out: OutPath
    ) -> tuple[tuple[GraphNode, ...], tuple[tuple[float, float, float, float], ...]]:
        nodes, edges = local_graph(self.links.graph, note.path, self.links.degrees)
        if len(nodes) < 2:
            return (), ()
        at = {n.key: n for n in nodes}
        views = tuple(
            GraphNode(
                self.links.title(n.key),
                relative_url(out, self.links.page(n.key)),
                round(n.x, 1),
                round(n.y, 1),
                n.depth,
                self.links.kind(n.key),
            )
            for n in nodes
        )
        lines = tuple(
            (round(at[a].x, 1), round(at[a].y, 1), round(at[b].x, 1), round(at[b].y, 1))
            for a, b in edges
        )
        return views, lines

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
        pages.append(self.graph_page())
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
        data.update(
            reader_files(
                self.vault,
                self.site,
                self.config.base_url,
                self.config.title,
                self.config.explorer_order,
                self.search_docs,
                pages,
                self.reporter,
                links=self.links,
                dates=self.config.dates,
            )
        )
        if self.publish_css is not None and VaultPath(PUBLISH_CSS) not in self.site.copied:
            source = self.vault.attachments[VaultPath(PUBLISH_CSS)].abs_path
            files.append(CopiedFile(source, self.publish_css))
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
                "date": note_dates(note, self.config.dates)[0],
            }
        return index


def render_site(
    vault: Vault,
    config: Config,
    theme: Theme,
    home: VaultPath | None,
    reporter: Reporter,
    images: ImagePlan | None = None,
) -> Site:
    """``images``: how images are probed and sized (the build passes one probing through its
    cache); by default from the config and theme, probing every image afresh."""
    return SiteRenderer(vault, config, theme, home, reporter, images).render()
