"""Pages: note, folder, tag and 404 pages through the theme, plus the content index."""

from __future__ import annotations

import contextlib
import dataclasses
import html
import json
import re
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from garden.cache import content_identity
from garden.config import Config
from garden.diagnostics import Reporter
from garden.images import ImagePlan, image_settings
from garden.model import CopiedFile, DiagramRequest, Note, Page, PageKind, Site, Vault, same_shape
from garden.parallel import forked_map
from garden.paths import (
    Href,
    OutPath,
    Slug,
    VaultPath,
    fold,
    page_out_path,
    relative_url,
    root_path,
    root_prefix,
)
from garden.query.stage import QueryResults
from garden.render.body import PageRenderer
from garden.render.explorer import explorer_order_key
from garden.render.feeds import note_dates
from garden.render.graph import LocalNode, local_graph, local_labels
from garden.render.memo import PageMemo, PageRecord
from garden.render.reader import (
    FEED_XML,
    FIXED_OUTPUTS,
    GRAPH_HTML,
    LinkGraph,
    dated_notes,
    global_layout,
    reader_files,
)
from garden.render.search import SearchDoc, Terms, doc_terms, html_sections, html_to_text
from garden.render.sitemap import all_tags, build_site_map, slug_of
from garden.theme import Theme, pygments_css

RECENT_NOTES = 8
# Note pages to draw before forking workers for them is worth it (a few ms each).
NOTES_FOR_WORKERS = 64
# A rendered body's first element when it is a level-1 heading (``NoteHTMLRenderer.heading``).
_LEADING_H1 = re.compile(r'\s*<h1 id="([^"]*)">(.*?)</h1>\n?', re.S)
PUBLISH_CSS = "publish.css"  # Obsidian Publish's custom stylesheet at the vault root
# The theme's template for the page of each kind of page source.
PAGE_TEMPLATES = {"note": "note.html", "canvas": "canvas.html", "base": "bases.html"}


# --------------------------------------------------------------------------------------------
# Template context
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Link:
    title: str
    url: Href | None


@dataclass(frozen=True)
class Entry:
    title: str
    url: Href
    kind: str
    count: int = 0
    date: str = ""  # YYYY-MM-DD: a note's date, in listings and "recent notes"
    description: str = ""  # a note's description, in listings


@dataclass(frozen=True)
class TagLink:
    name: str
    url: Href


@dataclass(frozen=True)
class TocItem:
    level: int
    text: str
    id: str


@dataclass(frozen=True)
class GraphNode:
    """A node of the local graph (in its ``LOCAL_WIDTH`` x ``LOCAL_HEIGHT`` box); depth 0 is
    the page's own note. ``label``: the text shown by the node ("" for none, see
    ``local_labels``), its baseline at ``lx, ly``, SVG ``text-anchor`` ``anchor``."""

    title: str
    url: Href
    x: float
    y: float
    depth: int
    kind: str = "note"  # or "tag" (config graph_tags)
    label: str = ""
    lx: float = 0.0
    ly: float = 0.0
    anchor: str = "middle"


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
    # x1, y1, x2, y2, and 1 for a link of the page's own note, else 0
    graph_edges: tuple[tuple[float, float, float, float, int], ...] = ()
    recent: tuple[Entry, ...] = ()  # newest dated notes, on the home page
    title_id: str = ""  # the title's id when it was the note's own first heading
    queries: bool = False  # the page shows query results: link the query styles and script


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
    root: str = ""  # the site root as this page writes it: "../" repeated, or a path from "/"


def _point(node: LocalNode) -> tuple[float, float]:
    return round(node.x, 1), round(node.y, 1)


# --------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------
class SiteRenderer:
    """Draws the published vault's site (``render()``). ``images``: how images are probed and
    sized (the build passes one probing through its cache); by default from the config and
    theme, probing every image afresh. ``memo``: the pages the last build drew, reused where
    nothing they are made from changed (``memo.py``). ``tokens``: loads a note's token tree when
    the note has none in memory. The preview keeps a renderer to draw pages ahead (``redraw``)."""

    def __init__(
        self,
        vault: Vault,
        config: Config,
        theme: Theme,
        home: VaultPath | None,
        reporter: Reporter,
        images: ImagePlan | None = None,
        memo: PageMemo | None = None,
        tokens: Callable[[Note], list[dict[str, Any]]] | None = None,
        git: Mapping[VaultPath, str] | None = None,
        queries: QueryResults | None = None,
        jobs: int = 1,
    ) -> None:
        self.vault = vault
        self.queries = queries if queries is not None else QueryResults()
        self.jobs = jobs  # processes drawing note pages (``_note_pages``)
        self.memo = memo if memo is not None else PageMemo()
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
        self.notes_renderer = PageRenderer(
            vault, self.site, reporter, images, tokens, self.queries, config.language
        )
        self.notes_renderer.sanitize = config.sanitize
        # Each note's search document and its terms (kept with the page between builds).
        self.search_docs: dict[VaultPath, tuple[SearchDoc, Terms]] = {}
        self.links = LinkGraph(vault, self.site, tags=config.graph_tags)
        self.ranked: dict[Hashable, list[Hashable]] = {}  # local_graph's memo
        self._content_index_json: bytes | None = None  # ``_site_wide_data``
        self.git: Mapping[VaultPath, str] = git if git is not None else {}
        self.dated = dated_notes(vault, config.dates, self.git)
        # Folder listings, gathered once: a listing per folder page must not scan every note.
        self.subfolders: dict[str, list[str]] = {}
        for sub in sorted(vault.folders, key=fold):
            if sub:
                self.subfolders.setdefault(sub.rsplit("/", 1)[0] if "/" in sub else "", []).append(
                    sub
                )
        self.notes_in: dict[str, list[Note]] = {}
        self.notes_under: dict[str, int] = {}
        for note in vault.notes.values():
            self.notes_in.setdefault(note.folder, []).append(note)
            parts = note.folder.split("/") if note.folder else []
            for i in range(1, len(parts) + 1):
                above = "/".join(parts[:i])
                self.notes_under[above] = self.notes_under.get(above, 0) + 1
        self.explorer_key = explorer_order_key(config.explorer_order)
        self.folder_of_note: dict[VaultPath, str] = {}
        for folder, note_path in self.site.folder_notes.items():
            self.folder_of_note.setdefault(note_path, folder)
        # Kept by the publish filter even when no note links to it (publish.py).
        self.publish_css = self.site.attachments.get(VaultPath(PUBLISH_CSS))
        self.structure = self._structure()
        known = self.memo.old_values.get("structure")
        self.same_structure = known is not None and known[0] == self.structure
        self.memo.new_values["structure"] = (self.structure, None)

    def _structure(self) -> str:
        """A digest of everything pages show besides note bodies: each published note's path,
        title, tags, aliases, headings, description and date (listings show them), the links
        between notes, the folders, the attachments and the home note. Every page but a note's
        body is made from these alone (with the config and theme, in the memo's salt), save for
        updated dates: a note's own go with its body, and the two pages listing recent notes
        (the home page and the root's listing) are always compared in full. Dates are days, so
        an edit rarely changes one."""
        notes = [
            (
                n.path,
                n.title,
                n.tags,
                n.aliases,
                n.headings,
                n.description,
                self._dates(n)[0],
            )
            for n in self.vault.notes.values()
        ]
        return self.memo.key(
            "structure",
            notes,
            list(self.vault.graph.edges),
            sorted(self.vault.folders),
            list(self.vault.attachments),
            self.home,
            bool(self.dated),  # whether pages link to the feed
        )

    def _dates(self, note: Note) -> tuple[str, str]:
        """The note's (created, updated) days. A note drawn ahead of a build (``redraw``) was
        edited since its git date was read: then its file time dates it, as the build will."""
        old = self.vault.notes.get(note.path)
        if old is not None and old.digest != note.digest and note.path in self.git:
            return note_dates(note, self.config.dates)
        return note_dates(note, self.config.dates, self.git)

    # -- shared pieces ------------------------------------------------------------------------
    def _site_view(self, out: OutPath, root: str | None = None) -> SiteView:
        """Links relative to ``out``, so the site works in any folder of any host and from
        file://; or, given ``root`` (a path from the host's root, ``root_path``), links from
        the host's root, for the 404 page, which a host serves at whatever URL was missing."""

        def url(target: str) -> str:
            if root is None:
                return relative_url(out, target)
            return root + relative_url("", target)

        return SiteView(
            title=self.config.title,
            base_url=self.config.base_url,
            home_url=url("index.html"),
            tags_url=url(self.site.tags[""][1]),
            lang=self.config.language,
            graph_url=url(GRAPH_HTML),
            data_url=url("static/"),
            feed_url=url(FEED_XML) if self.dated else "",
            publish_css_url=url(self.publish_css) if self.publish_css else "",
            root=root_prefix(out) if root is None else root,
        )

    def _draw(self, template: str, out: OutPath, view: PageView, site: SiteView) -> str:
        def url_for(slug: str) -> str:
            target = page_out_path(Slug(slug)) if slug != "index" else "index.html"
            return site.root + relative_url("", target)

        return self.theme.env.get_template(template).render(
            root=site.root,
            site=site,
            theme=self.theme.options,
            page=view,
            url_for=url_for,
        )

    def _page(
        self,
        template: str,
        out: OutPath,
        kind: PageKind,
        title: str,
        view: Callable[[], PageView],
        site: SiteView | None = None,
    ) -> Page:
        """A page other than a note's: ``view()`` is all it is made from, and it shows nothing
        but the site's structure, so while that is unchanged the last build's page is kept
        without even making its view. ``site``: by default, links relative to the page."""
        site = site if site is not None else self._site_view(out)
        # The root's listing shows the recent notes, which dates change.
        fast = self.same_structure and out != self.site.folders.get("")
        record = self.memo.old.get(out) if fast else None
        made: PageView | None = None
        key = ""
        if record is None:
            made = view()
            key = self.memo.page_key(template, out, made, site)
            record = self.memo.previous(out, key)
        if record is not None:
            self.memo.new[out] = record
            self.memo.reused += 1

            def draw_again() -> str:
                return self._draw(template, out, made or view(), site)

            return Page(slug_of(out), out, kind, title, draw_again, None, record.identity)
        assert made is not None
        data = self._draw(template, out, made, site).encode("utf-8")
        identity = content_identity(data)
        self.memo.new[out] = PageRecord(key, identity)
        return Page(slug_of(out), out, kind, title, data, None, identity)

    def _breadcrumbs(self, folder: str, out: OutPath, title: str) -> tuple[Link, ...]:
        crumbs = [Link("Home", Href(out, "index.html"))]
        parts = folder.split("/") if folder else []
        for i in range(1, len(parts) + 1):
            sub = "/".join(parts[:i])
            page = self.site.folders.get(sub)
            crumbs.append(Link(parts[i - 1], Href(out, page) if page else None))
        crumbs.append(Link(title, None))
        return tuple(crumbs)

    def _folder_entries(self, folder: str, out: OutPath) -> tuple[Entry, ...]:
        """The folder's subfolders and notes, each note with its description and date, in the
        explorer's order."""
        key = self.explorer_key
        entries = [
            (
                key(sub, sub.rsplit("/", 1)[-1], True),
                Entry(
                    sub.rsplit("/", 1)[-1],
                    Href(out, self.site.folders[sub]),
                    "folder",
                    self.notes_under.get(sub, 0),
                ),
            )
            for sub in self.subfolders.get(folder, ())
        ]
        entries += [
            (
                key(note.path, note.title, False),
                Entry(
                    note.title,
                    Href(out, self.site.notes[note.path][1]),
                    note.kind,
                    date=self._dates(note)[0],
                    description=note.description,
                ),
            )
            for note in self.notes_in.get(folder, ())
            if note.path != self.home and self.site.notes[note.path][1] != out
        ]
        return tuple(entry for _, entry in sorted(entries, key=lambda e: e[0]))

    def _tag_links(self, tags: tuple[str, ...], out: OutPath) -> tuple[TagLink, ...]:
        return tuple(TagLink(t, Href(out, self.site.tags[fold(t)][1])) for t in tags)

    # -- page kinds ---------------------------------------------------------------------------
    def note_page(self, note: Note) -> Page:
        return self._note_page(note, *self._quick_record(note))

    def _quick_record(self, note: Note) -> tuple[OutPath, SiteView, str, PageRecord | None]:
        """Where the page of ``note`` goes, its site view, its body key, and the last build's
        record of it when the page is that record's by the quick test (the site's structure
        and the body key unchanged): nothing drawn, nothing replayed."""
        out = self.site.notes[note.path][1]
        site = self._site_view(out)
        dates = self._dates(note)
        body = self.memo.key(note.path, note.digest, dates, self.notes_renderer.inputs(note))
        # While the site's structure is unchanged, so is everything around the body (but the
        # home page's list of recent notes).
        fast = self.same_structure and note.path != self.home
        record = self.memo.old.get(out) if fast else None
        if record is not None and record.body != body:
            record = None
        return out, site, body, record

    def _note_page(
        self, note: Note, out: OutPath, site: SiteView, body: str, record: PageRecord | None
    ) -> Page:
        shell: PageView | None = None
        key = record.key if record is not None else ""
        if record is None:
            shell = self._note_view(note, out)
            key = self.memo.page_key(PAGE_TEMPLATES[note.kind], out, shell, site, body)
            record = self.memo.previous(out, key)
        if record is not None and self._replay(note, record):
            return self._kept_page(note, out, site, record, shell)
        if shell is None:  # the record could not be replayed
            shell = self._note_view(note, out)
            key = self.memo.page_key(PAGE_TEMPLATES[note.kind], out, shell, site, body)
        before = len(self.reporter.diagnostics)
        html, doc = self._draw_note(note, out, shell, site)
        terms = doc_terms(doc)
        self.search_docs[note.path] = (doc, terms)
        data = html.encode("utf-8")
        identity = content_identity(data)
        self.memo.new[out] = self._drawn_record(key, identity, before, doc, body, terms)
        return Page(slug_of(out), out, note.kind, note.title, data, note.path, identity)

    def _drawn_record(
        self,
        key: str,
        identity: str,
        before: int,
        search: SearchDoc | None = None,
        body: str = "",
        terms: Terms = ((), ()),
    ) -> PageRecord:
        """The record of a page the notes renderer just drew: what drawing it did besides its
        HTML (warnings since ``before``, attachments, image variants, diagrams)."""
        drawn = self.notes_renderer
        return PageRecord(
            key,
            identity,
            tuple(self.reporter.diagnostics[before:]),
            tuple(dict.fromkeys(drawn.copied_here)),
            tuple(drawn.variants_here),
            tuple(self.site.variants[(p, w)].out_path for p, w, _ in drawn.variants_here),
            search,
            body,
            terms,
            tuple(drawn.diagrams_here),
        )

    def _kept_page(
        self, note: Note, out: OutPath, site: SiteView, record: PageRecord, shell: PageView | None
    ) -> Page:
        """The page as the last build drew it (``record``, replayed): taken from the old OUT,
        drawn again only if emit finds it gone."""
        assert record.search is not None
        self.search_docs[note.path] = (record.search, record.terms)
        self.memo.new[out] = record
        self.memo.reused += 1

        def draw_again() -> str:
            with self._unreported():
                return self._draw_note(note, out, shell or self._note_view(note, out), site)[0]

        return Page(
            slug_of(out), out, note.kind, note.title, draw_again, note.path, record.identity
        )

    def _note_pages(self) -> list[Page]:
        """Every note's page, in path order. With ``jobs`` over 1 and many pages to draw, they
        are drawn in forked workers (``parallel.forked_map``), each page as ``note_page`` draws
        it, and taken here in path order as the last build's pages are (``_adopt``): what a
        page did besides its HTML is replayed here, in the order one process would have done
        it, so the site is the same whatever the number of workers."""
        notes = [self.vault.notes[p] for p in sorted(self.vault.notes)]
        if self.jobs < 2 or len(notes) < NOTES_FOR_WORKERS:
            return [self.note_page(note) for note in notes]
        quick = [self._quick_record(note) for note in notes] if self.memo.old else None
        pending = [i for i in range(len(notes)) if quick is None or quick[i][3] is None]
        drawn: list[tuple[PageRecord, bytes | None]] | None = None
        if len(pending) >= NOTES_FOR_WORKERS:
            drawn = forked_map(
                lambda k: self._drawn_in_worker(notes[pending[k]]),
                len(pending),
                self.jobs,
                meanwhile=self._site_wide_data,
            )
        elsewhere = dict(zip(pending, drawn, strict=True)) if drawn is not None else {}
        pages = []
        for i, note in enumerate(notes):
            if i in elsewhere:
                pages.append(self._adopt(note, *elsewhere[i]))
            elif quick is not None:
                pages.append(self._note_page(note, *quick[i]))
            else:
                pages.append(self.note_page(note))
        return pages

    def _drawn_in_worker(self, note: Note) -> tuple[PageRecord, bytes | None]:
        """In a render worker: ``note_page``, as its record and its HTML (None when the last
        build's page is kept). The worker's warnings go into the records only: the build's
        process shows them as it takes each page, in order."""
        if self.reporter.echoes:
            self.reporter = self.notes_renderer.reporter = Reporter()
        page = self.note_page(note)
        # The record and search document go to the build's process: the worker keeps neither
        # (it would hold one of every page it drew until it ends).
        self.search_docs.pop(note.path, None)
        html = page.html if isinstance(page.html, bytes) else None
        return self.memo.new.pop(page.out_path), html

    def _adopt(self, note: Note, record: PageRecord, html: bytes | None) -> Page:
        """The page a worker drew (``html``) or kept (None), taken as the last build's pages
        are: its record replayed here; drawn here instead if its images are named otherwise
        here (a name claimed by another page first)."""
        out = self.site.notes[note.path][1]
        if not self._replay(note, record):
            return self.note_page(note)
        if html is None:
            return self._kept_page(note, out, self._site_view(out), record, None)
        assert record.search is not None
        self.search_docs[note.path] = (record.search, record.terms)
        self.memo.new[out] = record
        return Page(slug_of(out), out, note.kind, note.title, html, note.path, record.identity)

    def redraw(self, note: Note) -> tuple[OutPath, str] | None:
        """The page of ``note``, a new version of a note this site published, when the new
        version differs only in its body text and file date (``same_shape``): then nothing but
        the note's own page can show the edit at once, and that page is everything it was but
        the body, description and dates, which come from ``note``. None otherwise. For the
        preview, which shows the page while the build that makes the whole site runs."""
        old = self.vault.notes.get(note.path)
        if old is None or not same_shape(old, note):
            return None
        out = self.site.notes[note.path][1]
        # The note's own text wherever the page shows it: also in an embed of a section of it
        # that another note embeds (the last build's tree would show the text before the edit).
        last = self.notes_renderer.tokens_of

        def tokens_of(shown: Note) -> list[dict[str, Any]]:
            return (note.tokens or []) if shown.path == note.path else last(shown)

        self.notes_renderer.tokens_of = tokens_of
        try:
            with self._unreported():
                view, site = self._note_view(note, out), self._site_view(out)
                html, _ = self._draw_note(note, out, view, site)
        finally:
            self.notes_renderer.tokens_of = last
        if self.notes_renderer.queries_drawn:
            return None  # its results may change with the edit: the build draws it
        return out, html

    def redrawn_diagrams(self) -> list[DiagramRequest]:
        """The diagrams the page of the last ``redraw`` shows."""
        drawn = self.notes_renderer.diagrams_here
        return [DiagramRequest(key, "mermaid", source) for key, source, _ in drawn]

    @contextlib.contextmanager
    def _unreported(self) -> Iterator[None]:
        """Warnings raised meanwhile are dropped: they are the record's, replayed from it."""
        quiet, self.notes_renderer.reporter = self.notes_renderer.reporter, Reporter()
        try:
            yield
        finally:
            self.notes_renderer.reporter = quiet

    def _replay(self, note: Note, record: PageRecord) -> bool:
        """Redo what drawing the page did besides its HTML; False if its images would now be
        elsewhere (a name taken by another file since), and the page must be drawn again."""
        with self._unreported():
            outs = self.notes_renderer.replay(
                note.path, record.copied, record.variants, record.diagrams
            )
        if tuple(outs) != record.variant_outs:
            return False
        self.reporter.extend(list(record.diagnostics))
        return True

    def _draw_note(
        self, note: Note, out: OutPath, shell: PageView, site: SiteView
    ) -> tuple[str, SearchDoc]:
        content = self.notes_renderer.render_note(note, out)
        shell, content = self._own_heading(note, shell, content)
        text, sections = html_sections(content, [h.id for h in note.headings])
        doc = SearchDoc(
            note.title,
            out,
            note.tags,
            tuple((h.text, h.id) for h in note.headings),
            text,
            sections,
        )
        view = dataclasses.replace(
            shell,
            content=Markup(content),
            reading_minutes=max(1, round(len(text.split()) / 200)),
            queries=self.notes_renderer.queries_drawn > 0,
        )
        return self._draw(PAGE_TEMPLATES[note.kind], out, view, site), doc

    def _own_heading(self, note: Note, shell: PageView, content: str) -> tuple[PageView, str]:
        """One title, not two, when the note opens with its own heading: the home note's first
        heading (its name is often just "Home" or "index"), another note's when it says the
        note's title. That heading becomes the page's title, keeping its id (links to it still
        land), and leaves the body and the table of contents."""
        found = _LEADING_H1.match(content)
        if found is None:
            return shell, content
        title = html_to_text(found.group(2))
        if not title or (note.path != self.home and fold(title) != fold(note.title)):
            return shell, content
        heading_id = html.unescape(found.group(1))
        view = dataclasses.replace(
            shell,
            title=title,
            title_id=heading_id,
            toc=tuple(item for item in shell.toc if item.id != heading_id),
        )
        return view, content[found.end() :]

    def _note_view(self, note: Note, out: OutPath) -> PageView:
        """Everything a note's page shows but its body (and the reading time taken from it)."""
        created, updated = self._dates(note)
        graph_nodes, graph_edges = self._local_graph(note, out)
        backlinks = sorted(
            (self.vault.notes[src] for src in self.vault.graph.predecessors(note.path)),
            key=lambda n: (fold(n.title), n.path),
        )
        folder_of_page = self.folder_of_note.get(note.path)
        entries: tuple[Entry, ...] = ()
        if folder_of_page is not None and note.path != self.home:
            entries = self._folder_entries(folder_of_page, out)
        return PageView(
            kind=note.kind,
            title=note.title,
            url=out,
            description=note.description,
            date=created,
            updated=updated if updated != created else "",
            graph=graph_nodes,
            graph_edges=graph_edges,
            recent=self._recent(out) if note.path == self.home else (),
            breadcrumbs=()
            if note.path == self.home
            else self._breadcrumbs(note.folder, out, note.title),
            tags=self._tag_links(note.tags, out),
            toc=tuple(TocItem(h.level, h.text, h.id) for h in note.headings),
            backlinks=tuple(
                Link(n.title, Href(out, self.site.notes[n.path][1])) for n in backlinks
            ),
            entries=entries,
        )

    def folder_page(self, folder: str) -> Page:
        out = self.site.folders[folder]
        title = folder.rsplit("/", 1)[-1] if folder else self.config.title

        def view() -> PageView:
            return PageView(
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

        return self._page("folder.html", out, "folder", title, view)

    def tag_page(self, tag: str) -> Page:
        _, out = self.site.tags[fold(tag)]

        def view() -> PageView:
            notes = [self.vault.notes[p] for p in self.tagged[tag]]
            entries = tuple(
                Entry(
                    n.title,
                    Href(out, self.site.notes[n.path][1]),
                    n.kind,
                    date=self._dates(n)[0],
                    description=n.description,
                )
                for n in sorted(notes, key=lambda n: (fold(n.title), n.path))
            )
            children = tuple(
                Entry("#" + t, Href(out, self.site.tags[fold(t)][1]), "tag", len(self.tagged[t]))
                for t in sorted(self.tagged, key=fold)
                if t.startswith(tag + "/") and "/" not in t[len(tag) + 1 :]
            )
            return PageView(
                kind="tag",
                title="#" + tag,
                url=out,
                breadcrumbs=(
                    Link("Home", Href(out, "index.html")),
                    Link("Tags", Href(out, self.site.tags[""][1])),
                    Link("#" + tag, None),
                ),
                entries=children + entries,
            )

        return self._page("tag.html", out, "tag", "#" + tag, view)

    def tags_index_page(self) -> Page:
        _, out = self.site.tags[""]

        def view() -> PageView:
            entries = tuple(
                Entry("#" + t, Href(out, self.site.tags[fold(t)][1]), "tag", len(notes))
                for t, notes in sorted(self.tagged.items(), key=lambda kv: fold(kv[0]))
            )
            return PageView(
                kind="tags",
                title="Tags",
                url=out,
                entries=entries,
                breadcrumbs=(Link("Home", Href(out, "index.html")), Link("Tags", None)),
            )

        return self._page("tag.html", out, "tags", "Tags", view)

    def graph_page(self) -> Page:
        out = OutPath(GRAPH_HTML)

        def view() -> PageView:
            return PageView(
                kind="graph",
                title="Graph",
                url=out,
                breadcrumbs=(Link("Home", Href(out, "index.html")), Link("Graph", None)),
            )

        return self._page("graph.html", out, "graph", "Graph", view)

    def _recent(self, out: OutPath) -> tuple[Entry, ...]:
        return tuple(
            Entry(self.vault.notes[p].title, Href(out, self.site.notes[p][1]), "note", 0, d)
            for d, p in self.dated[:RECENT_NOTES]
        )

    def _local_graph(
        self, note: Note, out: OutPath
    ) -> tuple[tuple[GraphNode, ...], tuple[tuple[float, float, float, float, int], ...]]:
        nodes, edges = local_graph(
            self.links.graph, note.path, self.links.degrees, self.ranked, self.links.adjacency
        )
        if len(nodes) < 2:
            return (), ()
        at = {n.key: n for n in nodes}
        titles = [self.links.title(n.key) for n in nodes]
        labels = local_labels(nodes, titles)
        views = tuple(
            GraphNode(
                title,
                Href(out, self.links.page(n.key)),
                round(n.x, 1),
                round(n.y, 1),
                n.depth,
                self.links.kind(n.key),
                *((label.text, label.x, label.y, label.anchor) if label else ()),
            )
            for n, title, label in zip(nodes, titles, labels, strict=True)
        )
        # The note's own links first, drawn stronger (the last element says which is which).
        lines = tuple(
            sorted(
                ((*_point(at[a]), *_point(at[b]), int(note.path in (a, b))) for a, b in edges),
                key=lambda line: -line[4],
            )
        )
        return views, lines

    def not_found_page(self) -> Page:
        out = OutPath("404.html")
        title = "Page not found"
        site = self._site_view(out, root_path(self.config.base_url))
        return self._page("404.html", out, "404", title, lambda: PageView("404", title, out), site)

    # -- the whole site -----------------------------------------------------------------------
    def render(self) -> Site:
        pages = self._note_pages()
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
            "content-index.json": self._site_wide_data(),
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
                git=self.git,
                memo=self.memo,
            )
        )
        if self.publish_css is not None and VaultPath(PUBLISH_CSS) not in self.site.copied:
            source = self.vault.attachments[VaultPath(PUBLISH_CSS)].abs_path
            files.append(CopiedFile(source, self.publish_css))
        return Site(
            tuple(pages),
            tuple(files),
            data,
            tuple(self.site.variants.values()),
            tuple(self.site.diagrams.values()),
        )

    def _site_wide_data(self) -> bytes:
        """``content-index.json``, made once, and the global graph's layout, which depend on
        no page: made here while the workers draw the note pages, if there are workers."""
        global_layout(self.links, self.memo)
        if self._content_index_json is None:
            index = self.content_index()
            text = json.dumps(index, ensure_ascii=False, indent=1, sort_keys=True)
            self._content_index_json = text.encode("utf-8")
        return self._content_index_json

    def content_index(self) -> dict[str, Any]:
        index: dict[str, Any] = {}
        for path, note in self.vault.notes.items():
            slug = self.site.notes[path][0]
            links: dict[str, None] = {}
            for ref in note.links:
                if ref.syntax == "diagram":  # not a link of the graph (see ``resolve``)
                    continue
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
                "date": self._dates(note)[0],
            }
        return index
