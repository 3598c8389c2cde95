"""The site-wide files the default theme's reader features use, gathered in one place:

| file | what for |
| --- | --- |
| ``static/search/...`` | the sharded full-text index (``search.py``) |
| ``static/graph.json`` | the global graph: positions laid out here (``graph.py``), links, tags |
| ``static/explorer.json`` | the folder explorer of the left sidebar (``explorer.py``) |
| ``feed.xml`` | Atom feed of the newest dated notes (only when some note has a date) |
| ``sitemap.xml``, ``robots.txt`` | for search engines (the sitemap needs ``base_url``) |
| ``<alias>.html`` | a redirect to the note for each front-matter alias whose URL is free |

Each is a shared file that every page references, never content repeated in each page, so a
page's size does not grow with the site. Everything here comes from the published vault only.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Mapping, Sequence

import networkx as nx

from garden.diagnostics import Reporter
from garden.model import Page, Vault
from garden.paths import OutPath, VaultPath, fold, page_out_path, relative_url, slugify
from garden.render.explorer import explorer_json, explorer_tree
from garden.render.feeds import (
    FEED_ENTRIES,
    FeedEntry,
    atom_feed,
    note_dates,
    redirect_page,
    robots_txt,
    sitemap_xml,
)
from garden.render.graph import Position, layout
from garden.render.memo import PageMemo
from garden.render.search import SearchDoc, Terms, assemble_index
from garden.render.sitemap import SiteMap, all_tags

GRAPH_JSON = "static/graph.json"
EXPLORER_JSON = "static/explorer.json"
SEARCH_DIR = "static/search/"
FEED_XML = "feed.xml"
GRAPH_HTML = "graph.html"
FIXED_OUTPUTS: tuple[str, ...] = (GRAPH_JSON, EXPLORER_JSON, SEARCH_DIR + "manifest.json")
FIXED_OUTPUTS += (FEED_XML, GRAPH_HTML, "sitemap.xml", "robots.txt")


def dated_notes(
    vault: Vault, sources: Sequence[str], git: Mapping[VaultPath, str]
) -> list[tuple[str, VaultPath]]:
    """(day, note) of every dated note (``sources``: the config's ``dates``; ``git``: the git
    dates), newest first, notes of one day by path; the day is the later of its date and
    updated date."""
    days = ((max(note_dates(n, sources, git)), p) for p, n in sorted(vault.notes.items()))
    return sorted(((d, p) for d, p in days if d), key=lambda dp: dp[0], reverse=True)


class LinkGraph:
    """The graph the reader sees, undirected (a local graph shows links both ways): the notes
    and their links, and with ``tags`` (config ``graph_tags``) a node per tag, linked to every
    note that carries it and opening the tag's page. Nested tags are nodes as written
    (``#a/b`` is one node, linked to its notes, not to ``#a``). A tag's node is ``("#", folded
    tag)``, which no vault path equals."""

    def __init__(self, vault: Vault, site: SiteMap, *, tags: bool = False) -> None:
        self.vault, self.site = vault, site
        self.graph = nx.Graph(vault.graph)
        self.graph.remove_edges_from(nx.selfloop_edges(self.graph))
        self.tags: dict[Hashable, tuple[str, OutPath]] = {}  # node -> ("#tag", its page)
        if tags:
            for path in sorted(vault.notes):
                for tag in vault.notes[path].tags:
                    key = ("#", fold(tag))
                    if key not in self.tags:  # spelt as the first note (by path) spells it
                        self.tags[key] = ("#" + tag, site.tags[fold(tag)][1])
                    self.graph.add_edge(path, key)
        self.degrees: dict[Hashable, int] = dict(self.graph.degree())
        # Each node's neighbours as a plain dict (networkx's order: the drawing's edge order
        # follows it), for the local graphs (``graph.local_graph``).
        self.adjacency: dict[Hashable, dict[Hashable, None]] = {
            node: dict.fromkeys(around) for node, around in self.graph.adjacency()
        }

    def title(self, key: Hashable) -> str:
        tag = self.tags.get(key)
        return tag[0] if tag is not None else self.vault.notes[VaultPath(str(key))].title

    def page(self, key: Hashable) -> OutPath:
        """The node's page, from the site root."""
        tag = self.tags.get(key)
        return tag[1] if tag is not None else self.site.notes[VaultPath(str(key))][1]

    def kind(self, key: Hashable) -> str:
        return "tag" if key in self.tags else "note"

    def order(self) -> list[Hashable]:
        """Notes by path, then tags by name: the node order of ``graph.json``."""
        tags = sorted(self.tags, key=lambda k: self.tags[k][0])
        return [*sorted(self.vault.notes), *tags]


def global_layout(links: LinkGraph, memo: PageMemo | None = None) -> dict[Hashable, Position]:
    """The global graph's node positions (``graph.layout``). It takes seconds on 10,000 notes:
    with a ``memo``, reused while the graph is the same, and made once per build (the renderer
    makes it while its workers draw the note pages)."""
    graph = links.graph
    if memo is None:
        return layout(graph)
    key = memo.key(list(graph.nodes), list(graph.edges))
    return memo.value("global graph layout", key, lambda: layout(graph))


def graph_json(links: LinkGraph, memo: PageMemo | None = None) -> bytes:
    """``{"nodes": [[x, y, title, url], ...], "links": [[i, j], ...], "folders": [...],
    "tags": [...], "meta": [[folder, [tag, ...]], ...]}`` with URLs from the site root;
    positions in a 1000-wide box, computed once here. A tag node has a fifth element,
    ``"tag"``. For the page's filters, ``meta`` gives each node (in step with ``nodes``) its
    folder and its tags as indexes into ``folders`` (every folder holding a note, "" for the
    vault's root) and ``tags`` (every tag and tag prefix, spelt as its tag page); a tag node's
    folder is -1 and its tags are its own."""
    order = links.order()
    index = {p: i for i, p in enumerate(order)}
    positions = global_layout(links, memo)
    nodes = [
        [*positions[p], links.title(p), links.page(p)] + (["tag"] if p in links.tags else [])
        for p in order
        if p in positions
    ]
    pairs = sorted(
        {
            (min(index[a], index[b]), max(index[a], index[b]))
            for a, b in links.graph.edges()
            if a in index and b in index
        }
    )
    notes = {p: links.vault.notes[VaultPath(str(p))] for p in order if p not in links.tags}
    folders = sorted({note.folder for note in notes.values()}, key=fold)
    tags = sorted(all_tags(links.vault.notes), key=fold)
    folder_at = {f: i for i, f in enumerate(folders)}
    tag_at = {fold(t): i for i, t in enumerate(tags)}
    meta = [
        [folder_at[notes[p].folder], sorted({tag_at[fold(t)] for t in notes[p].tags})]
        if p in notes
        else [-1, [tag_at[fold(links.title(p)[1:])]]]
        for p in order
        if p in positions
    ]
    data = {
        "nodes": nodes,
        "links": [list(pair) for pair in pairs],
        "folders": folders,
        "tags": tags,
        "meta": meta,
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def reader_files(
    vault: Vault,
    site: SiteMap,
    base_url: str,
    title: str,
    explorer_order: Sequence[str],
    docs: Mapping[VaultPath, tuple[SearchDoc, Terms]],
    pages: Sequence[Page],
    reporter: Reporter,
    *,
    links: LinkGraph,
    dates: Sequence[str],
    git: Mapping[VaultPath, str],
    memo: PageMemo | None = None,
) -> dict[str, bytes]:
    """``links``: the graph the local graphs were drawn from; ``dates``: the config's date
    sources; ``git``: the git dates (``gitdates.git_days``)."""
    files = assemble_index([docs[p] for p in sorted(docs)], SEARCH_DIR)
    files[GRAPH_JSON] = graph_json(links, memo)

    folder_notes = set(site.folder_notes.values())
    notes: dict[str, tuple[str, str]] = {
        p: (n.title, site.notes[p][1])
        for p, n in vault.notes.items()
        if p not in folder_notes and site.notes[p][1] != "index.html"
    }
    folders = {f: out for f, out in site.folders.items() if f}
    kinds: dict[str, str] = {
        p: vault.notes[VaultPath(p)].kind for p in notes if vault.notes[VaultPath(p)].kind != "note"
    }
    files[EXPLORER_JSON] = explorer_json(explorer_tree(notes, folders, explorer_order, kinds))

    dated = dated_notes(vault, dates, git)
    if dated:
        entries = [
            FeedEntry(vault.notes[p].title, site.notes[p][1], day, vault.notes[p].description)
            for day, p in dated[:FEED_ENTRIES]
        ]
        files[FEED_XML] = atom_feed(title, base_url, entries)
    if base_url:
        days = {site.notes[p][1]: max(note_dates(n, dates, git)) for p, n in vault.notes.items()}
        listed = [(pg.out_path, days.get(pg.out_path, "")) for pg in pages if pg.kind != "404"]
        files["sitemap.xml"] = sitemap_xml(base_url, listed)
    files["robots.txt"] = robots_txt(base_url)
    files.update(alias_redirects(vault, site, base_url, reporter))
    return files


def alias_redirects(
    vault: Vault, site: SiteMap, base_url: str, reporter: Reporter
) -> dict[str, bytes]:
    """A redirect page at each alias's URL (Obsidian Publish users often keep a note's old path
    as an alias), unless a page or file already lives there: the alias never wins."""
    files: dict[str, bytes] = {}
    for path in sorted(vault.notes):
        note = vault.notes[path]
        target = site.notes[path][1]
        for alias in note.aliases:
            slug = slugify(alias)
            out = page_out_path(slug)
            if fold(out) in site.claimed or "slug:" + fold(slug) in site.claimed:
                continue
            site.claim(out, f"alias {alias!r} of {path}", reporter, path)
            canonical = base_url.rstrip("/") + "/" + target if base_url else ""
            files[out] = redirect_page(note.title, relative_url(out, target), canonical)
    return files
