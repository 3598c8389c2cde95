"""Note HTML: the renderer, not the theme, draws every internal link, embed and broken link, so the
contract's classes (``internal``, ``broken``, ``embed``) hold whatever theme is used. Embeds recurse
with an explicit stack: a cycle or a chain deeper than ``MAX_EMBED_DEPTH`` stops with a warning and
a placeholder instead of recursing.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mistune import BlockState
from mistune.util import escape

from garden.diagnostics import Category, Reporter
from garden.diagrams import NodeLink, diagram_key, marker
from garden.images import (
    AUDIO_SUFFIXES,
    IMAGE_SUFFIXES,
    PDF_SUFFIXES,
    VIDEO_SUFFIXES,
    ImageInfo,
    ImagePlan,
    ImageSettings,
    display_size,
    output_format,
    shown_as_is,
    variant_height,
    variant_key,
    variant_widths,
)
from garden.markdown import parse_body
from garden.markdown.html import NoteHTMLRenderer
from garden.markdown.mermaid import diagram_link, internal_link_nodes
from garden.markdown.sanitize import clean_html
from garden.model import DiagramRequest, ImageVariant, LinkRef, Note, Resolution, Vault
from garden.paths import (
    VaultPath,
    fold,
    heading_key,
    relative_url,
)
from garden.query.fields import inline_kind
from garden.query.functions import ImageValue
from garden.query.results import QueryResult, ResultGroup, ResultRow, TaskItem
from garden.query.stage import QueryResults
from garden.query.values import Link, Value
from garden.render.canvas import CanvasDrawer
from garden.render.queries import Formatter, QueryDrawer
from garden.render.sitemap import SiteMap

MAX_EMBED_DEPTH = 10
_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")


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
    id_prefix: str = ""  # before every id drawn in this frame, so an embed's ids are its own
    footnotes_out: str | None = None  # the page of this frame's footnotes, when not drawn here


class PageRenderer(NoteHTMLRenderer):
    """Renders one note page at a time; holds the site-wide lookups it needs."""

    def __init__(
        self,
        vault: Vault,
        site: SiteMap,
        reporter: Reporter,
        images: ImagePlan | None = None,
        tokens: Callable[[Note], list[dict[str, Any]]] | None = None,
        queries: QueryResults | None = None,
        language: str = "en",
    ) -> None:
        super().__init__()
        self.vault = vault
        self.queries = queries if queries is not None else QueryResults()
        self.queries_drawn = 0  # queries drawn on this page so far: numbers their ids
        self.drawer = QueryDrawer(
            Formatter(language),
            self._query_link,
            self._query_image,
            self._query_markdown,
            self._clean,
        )
        # A note's token tree; the build loads them lazily (from its cache) for pages it redraws.
        self.tokens_of = tokens if tokens is not None else _own_tokens
        self.site = site
        self.reporter = reporter
        self.images = images if images is not None else ImagePlan(ImageSettings())
        self.images_drawn = 0  # <img>s on this page so far: the first one is not lazy
        self.page_out = ""
        self.stack: list[_Frame] = []
        self.top_line = 0  # line of the outermost embed being rendered (for nested warnings)
        self.embeds_drawn = 0  # note embeds on this page so far: numbers their id prefixes
        self._infos: dict[VaultPath, ImageInfo] = {}
        self.copied_here: list[VaultPath] = []  # attachments this page copies as they are
        self.variants_here: list[tuple[VaultPath, int, int]] = []  # (image, width, line)
        # (key, source, line) of each diagram on this page; line -1 inside an embed
        self.diagrams_here: list[tuple[str, str, int]] = []
        self.canvases = CanvasDrawer(self)
        self.card_line = 0  # while a canvas's text card is drawn: its line, the line of all in it

    # -- entry point ------------------------------------------------------------------------
    def render_note(self, note: Note, page_out: str) -> str:
        """The body of ``note``'s page (of a canvas: its drawing)."""
        self.page_out = page_out
        self.stack = [_Frame(note.path, "")]
        self.embeds_drawn = 0
        self.id_prefix = ""
        self.images_drawn = 0
        self.copied_here = []
        self.variants_here = []
        self.diagrams_here = []
        self.queries_drawn = 0
        self.canvases = CanvasDrawer(self)
        if note.kind == "canvas":
            return self.canvases.page(note, BlockState())
        if note.kind == "base":  # every view, under its name (query.js makes them tabs)
            self.queries_drawn += 1
            views = self.queries.base_pages.get(note.path, ())
            return self.drawer.views(views, "base", heading_level=2)
        return self(self.tokens_of(note), BlockState())

    def inputs(self, note: Note) -> list[object]:
        """Everything the body of ``note`` is drawn from besides its own text (named by its
        digest): what each link resolves to and the facts of its target that the page shows,
        through embedded notes recursively. Equal inputs draw an equal body, so a page whose
        inputs did not change need not be drawn again (the build's page cache). A flat list of
        plain values, quick to hash: one is made for every page of every build."""
        facts: list[object] = []
        add = facts.append
        seen = {note.path}
        todo = [note]
        while todo:
            current = todo.pop()
            add(current.path)
            add(current.digest)
            shown = self.queries.inputs(current.path)
            if shown:
                add(shown)
                links, sources = result_paths(shown)
                facts.extend(self.result_facts(links))
                for source in sources - seen:  # a task's text is drawn as its note's
                    seen.add(VaultPath(source))
                    todo.append(self.vault.notes[VaultPath(source)])
            for tag in current.tags:
                facts.extend(self.site.tags.get(fold(tag)) or ("", ""))
            for ref in current.links:
                res = self.vault.resolution(current.path, ref)
                facts.extend((ref.target, ref.heading, ref.block, res.kind, res.target))
                facts.extend((res.anchor, res.reason))
                if res.target is None:
                    continue
                if res.kind == "note":
                    target = self.vault.notes[res.target]
                    add(target.title)
                    add(self.site.notes[res.target][1])
                    if ref.embed and target.path not in seen:
                        seen.add(target.path)
                        todo.append(target)
                elif res.kind == "folder":
                    add(self.site.folders[res.target])
                else:
                    add(self.site.attachments[res.target])
                    if ref.embed and Path(res.target).suffix.lower() in IMAGE_SUFFIXES:
                        info = self.image_info(res.target)
                        facts.extend((info.width, info.height, info.format, info.digest))
                        facts.extend((info.orientation, info.animated, info.error))
        return facts

    def result_facts(self, paths: set[str]) -> list[object]:
        """What a result's links show of their targets: a note's title and page, a base's
        page, a file's place and, for an image, what its variants are made from."""
        facts: list[object] = []
        for path in sorted(paths):
            vault_path = VaultPath(path)
            if vault_path in self.site.notes:
                facts.extend(
                    (path, self.vault.notes[vault_path].title, self.site.notes[vault_path][1])
                )
            elif vault_path in self.site.attachments:
                facts.extend((path, self.site.attachments[vault_path]))
                if Path(path).suffix.lower() in IMAGE_SUFFIXES:
                    info = self.image_info(vault_path)
                    facts.extend((info.width, info.height, info.format, info.digest))
                    facts.extend((info.orientation, info.animated, info.error))
        return facts

    def replay(
        self,
        source: VaultPath,
        copied: tuple[VaultPath, ...],
        variants: tuple[tuple[VaultPath, int, int], ...],
        diagrams: tuple[tuple[str, str, int], ...] = (),
    ) -> list[str]:
        """Ask again for the attachments, image variants and diagrams an earlier drawing of the
        page of ``source`` (a note or base) used (the page itself is not drawn); returns the
        variants' OUT paths, which the caller compares with the ones that drawing used."""
        self.stack = [_Frame(source, "")]
        self.site.copied.update(copied)
        self.diagrams_here = []
        for key, text, line in diagrams:
            self.request_diagram(key, text, line)
        outs: list[str] = []
        for path, width, line in variants:
            variant = self.variant(path, self.image_info(path), width, line, top_line=line)
            outs.append(variant.out_path)
        return outs

    # -- helpers ----------------------------------------------------------------------------
    @property
    def current(self) -> VaultPath:
        return self.stack[-1].note

    def url(self, out: str, fragment: str | None = None) -> str:
        return relative_url(self.page_out, out, fragment)

    def warn(self, category: str, message: str, line: int = 0) -> None:
        if len(self.stack) == 1:
            self.reporter.warn(category, self.current, line, message)

    def warn_top(self, category: str, message: str, line: int) -> None:
        """Embed problems are reported on the page's own note, at its outermost embed's line."""
        top_line = line if len(self.stack) == 1 else self.top_line
        self.reporter.warn(category, self.stack[0].note, top_line, message)

    def footnote_href(self, index: int) -> str:
        elsewhere = self.stack[-1].footnotes_out
        if elsewhere is not None:
            return self.url(elsewhere, f"fn-{index}")
        return super().footnote_href(index)

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
        """Whether a paragraph holds an embed drawn as a block: a note, or a base's view."""
        for child in token.get("children") or ():
            if child["type"] != "ref" or not child["attrs"]["ref"].embed:
                continue
            res = self.resolution(child["attrs"]["ref"])
            if res.kind == "note":
                return True
        return False

    # -- links --------------------------------------------------------------------------------
    def render_ref(self, token: dict[str, Any], state: BlockState) -> str:
        ref: LinkRef = token["attrs"]["ref"]
        res = self.resolution(ref)
        if ref.embed:
            return self.render_embed(ref, res, state)
        children = token.get("children")
        if children:
            label = self.render_link_text(children, state)
        else:
            label = escape(ref.label or _default_label(ref))
        if res.kind == "broken":
            what = ref.target or "#" + (ref.heading or "")
            self.warn(Category.BROKEN_LINK, f"[[{what}]] {res.reason}", ref.line)
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

    # -- diagrams -------------------------------------------------------------------------------
    def render_diagram(self, code: str, line: int) -> str:
        """A marker where the diagram goes, with where its ``internal-link`` nodes lead from
        this page; the diagram stage draws it (once per distinct text) and puts it there."""
        key = diagram_key(code)
        self.request_diagram(key, code, line if len(self.stack) == 1 else -1)
        links = tuple(
            self._node_link(node, name, self.card_line or (line + 1 + offset if line else 0))
            for node, name, offset in internal_link_nodes(code)
        )
        return marker(key, len(self.diagrams_here), links)

    def request_diagram(self, key: str, source: str, line: int) -> None:
        """Ask for a diagram; ``line`` is where the page's own note has it (-1 in an embed: the
        embedded note's page reports a diagram that cannot be drawn)."""
        self.diagrams_here.append((key, source, line))
        request = self.site.diagrams.get(key) or DiagramRequest(key, "mermaid", source)
        user = (self.stack[0].note, line)
        if line >= 0 and user not in request.users:
            request = replace(request, users=(*request.users, user))
        self.site.diagrams[key] = request

    def _node_link(self, node: str, name: str, line: int) -> NodeLink:
        """Where an ``internal-link`` node named ``name`` leads, resolved like ``[[name]]``."""
        ref = diagram_link(name, line)
        res = self.resolution(ref)
        if res.kind == "broken" or res.target is None:
            self.warn(Category.BROKEN_LINK, f"diagram node {name!r}: {res.reason}", line)
            return NodeLink(node, broken=res.reason)
        if res.kind == "note":
            title = self.vault.notes[res.target].title
            return NodeLink(node, self.url(self.site.notes[res.target][1], res.anchor), title)
        if res.kind == "folder":
            return NodeLink(node, self.url(self.site.folders[res.target]), name)
        return NodeLink(node, self.attachment_url(res.target), name)

    # -- embeds ---------------------------------------------------------------------------------
    def render_embed(self, ref: LinkRef, res: Resolution, state: BlockState) -> str:
        label = escape(ref.label or _default_label(ref))
        if res.kind == "broken" or res.kind == "folder":
            reason = res.reason or "a folder cannot be embedded"
            self.warn(Category.BROKEN_EMBED, f"![[{ref.target}]] {reason}", ref.line)
            return _broken(label, reason, "embed-missing")
        assert res.target is not None
        if res.kind == "attachment":
            return self.render_attachment_embed(ref, res.target)
        return self.render_note_embed(ref, res, state)

    def render_note_embed(self, ref: LinkRef, res: Resolution, state: BlockState) -> str:
        assert res.target is not None
        if self.vault.notes[res.target].kind == "base":
            return self.render_base_embed(ref, res.target)
        inner, ok = self.embed_inner(ref, res, state)
        if not ok:
            return inner
        target = self.vault.notes[res.target]
        href = self.url(self.site.notes[target.path][1], res.anchor)
        title = escape(target.title)
        kind = " canvas-embed" if target.kind == "canvas" else ""
        return (
            f'<div class="embed{kind}" data-embed="{title}">'
            f'<div class="embed-title"><a class="internal" href="{escape(href)}">{title}</a></div>'
            f'<div class="embed-content">\n{inner}</div></div>\n'
        )

    def embed_inner(self, ref: LinkRef, res: Resolution, state: BlockState) -> tuple[str, bool]:
        """What the embed ``ref`` of a note (its heading or block) or of a canvas shows, drawn
        in a frame of its own; or, with False, a broken placeholder (and a warning) for an embed
        cycle, a chain too deep, or a heading or block the note lacks. A canvas's file nodes
        show their notes through here too."""
        assert res.target is not None
        target = self.vault.notes[res.target]
        section = f"#^{ref.block}" if ref.block else f"#{ref.heading}" if ref.heading else ""
        if target.kind == "canvas":
            section = ""  # a canvas has no sections: it is shown whole
        chain = " → ".join(f.note + f.section for f in self.stack) + f" → {target.path}{section}"
        if any(f.note == target.path and f.section == section for f in self.stack):
            self.warn_top(Category.EMBED_CYCLE, f"embed cycle stopped: {chain}", ref.line)
            return _broken(escape(target.title), "embed cycle", "embed-cycle"), False
        if len(self.stack) > MAX_EMBED_DEPTH:
            self.warn_top(
                Category.EMBED_DEPTH,
                f"embeds nested deeper than {MAX_EMBED_DEPTH}: {chain}",
                ref.line,
            )
            return _broken(escape(target.title), "embeds nested too deep", "embed-depth"), False
        tokens: list[dict[str, Any]] = []
        whole = tokens
        if target.kind != "canvas":
            whole = self.tokens_of(target)
            found = self._embedded_tokens(whole, ref, res)
            if found is None:
                missing = f"^{ref.block}" if ref.block else ref.heading
                self.warn(
                    Category.BROKEN_EMBED,
                    f"![[{ref.target}#{missing}]]: not found in {target.path}",
                    ref.line,
                )
                label = escape(_default_label(ref))
                return _broken(label, "section not found", "embed-missing"), False
            tokens = found
        if len(self.stack) == 1:
            self.top_line = ref.line
        target_out = self.site.notes[target.path][1]
        self.embeds_drawn += 1
        # The note's own page keeps its plain ids ([[Note#Heading]] links there); its copy here
        # gets a prefix so no id repeats one of the host page or of another embed.
        frame = _Frame(target.path, section, f"embed{self.embeds_drawn}-")
        if tokens is not whole:  # a section: its footnotes are on the note's page
            frame.footnotes_out = target_out
        self.stack.append(frame)
        self.id_prefix = frame.id_prefix
        try:
            if target.kind == "canvas":
                inner = self.canvases.embed(target, state, self.url(target_out))
            else:
                inner = self.render_tokens(tokens, state)
        finally:
            self.stack.pop()
            self.id_prefix = self.stack[-1].id_prefix
        return inner, True

    def render_card_tokens(self, tokens: list[dict[str, Any]], state: BlockState, line: int) -> str:
        """A canvas text node's Markdown, drawn in the current frame (its links warn as the
        canvas's own, at the node's ``line``), with ids of its own so no heading or footnote id
        repeats another's."""
        self.embeds_drawn += 1
        frame = self.stack[-1]
        outer, outer_line = frame.id_prefix, self.card_line
        frame.id_prefix = self.id_prefix = f"{outer}card{self.embeds_drawn}-"
        self.card_line = line
        try:
            return self.render_tokens(tokens, state)
        finally:
            frame.id_prefix = self.id_prefix = outer
            self.card_line = outer_line

    @staticmethod
    def _embedded_tokens(
        tokens: list[dict[str, Any]], ref: LinkRef, res: Resolution
    ) -> list[dict[str, Any]] | None:
        if not (ref.heading or ref.block):
            return tokens
        if res.anchor is None:
            return None
        if ref.block:
            block = _find_block(tokens, res.anchor[1:])
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
        return _section(tokens, res.anchor)

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

    # -- queries (the query stage's results) --------------------------------------------------
    def _query_id(self) -> str:
        self.queries_drawn += 1
        return f"{self.id_prefix}query{self.queries_drawn}"

    def block_code(self, code: str, info: str | None = None, line: int = 0) -> str:
        lang = (info or "").strip().split(None, 1)[0].lower() if info and info.strip() else ""
        if lang not in ("dataview", "dataviewjs", "base"):
            return super().block_code(code, info, line)
        dom_id = self._query_id()
        if lang == "dataviewjs":
            return self.drawer.notice(
                "dataviewjs is never run (a vault's JavaScript does not run at build time)",
                code,
                "javascript",
            )
        found = self.queries.block(self.current, "dataview" if lang == "dataview" else "base", code)
        if found is None:  # a note the query stage did not see (the preview's draw-ahead)
            return self.drawer.notice("not evaluated", code)
        if isinstance(found, tuple):
            return self.drawer.views(found, dom_id)
        if found.kind == "error":
            return self.drawer.notice(found.error, code, lang)
        return self.drawer.result(found, engine="dataview" if lang == "dataview" else "bases")

    def codespan(self, text: str) -> str:
        kind = inline_kind(text)
        if kind == "inline-js":
            self.queries_drawn += 1
            title = "dataviewjs is never run"
            return f'<code class="query-js" title="{title}">{escape(text)}</code>'
        if not kind:
            return super().codespan(text)
        self.queries_drawn += 1
        found = self.queries.block(self.current, "inline", text)
        if not isinstance(found, QueryResult) or found.kind == "error":
            reason = found.error if isinstance(found, QueryResult) else "not evaluated"
            return f'<code class="query-error" title="{escape(reason)}">{escape(text)}</code>'
        return self.drawer.result(found, engine="dataview")

    def render_base_embed(self, ref: LinkRef, path: VaultPath) -> str:
        """``![[X.base]]`` (its first view) or ``![[X.base#View]]``, with ``this`` the note it
        is written in."""
        self._query_id()
        view = ref.heading or ""
        result = self.queries.embed(self.current, path, view)
        page = self.site.notes[path][1]
        name = self.vault.notes[path].title
        title = f"{name} › {view}" if view else name
        if result is None:
            inner = self.drawer.notice("not evaluated")
        elif result.kind == "error":
            inner = self.drawer.notice(result.error)
        else:
            inner = self.drawer.result(result, engine="bases")
        return (
            f'<div class="embed base-embed" data-embed="{escape(title)}">'
            f'<div class="embed-title"><a class="internal" href="{escape(self.url(page))}">'
            f"{escape(title)}</a></div>"
            f'<div class="embed-content">\n{inner}</div></div>\n'
        )

    def _query_link(self, link: Link, label: str | None) -> str:
        """A link value in a result: to a published note, file or base, or broken."""
        shown = label if label is not None else escape(link.shown())
        if link.kind == "url":
            href = self.safe_url(link.target)
            return f'<a class="external" href="{href}" rel="noopener">{shown}</a>'
        path = VaultPath(link.path) if link.path is not None else None
        if path is not None and path in self.site.notes:
            out = self.site.notes[path][1]
            anchor = self._anchor(path, link.subpath)
            title = escape(self.vault.notes[path].title)
            href = escape(self.url(out, anchor))
            return f'<a class="internal" href="{href}" data-title="{title}">{shown}</a>'
        if path is not None and path in self.vault.attachments:
            if link.embed and Path(path).suffix.lower() in IMAGE_SUFFIXES:
                return self.render_image(LinkRef(link.target, embed=True), path)
            href = escape(self.attachment_url(path))
            return f'<a class="internal attachment" href="{href}">{shown}</a>'
        return _broken(shown, link.reason or "no such note or file")

    def _anchor(self, path: VaultPath, subpath: str | None) -> str | None:
        if not subpath:
            return None
        note = self.vault.notes[path]
        if subpath.startswith("^"):
            return subpath if subpath[1:] in note.block_ids else None
        wanted = heading_key(subpath.rsplit("#", 1)[-1])
        return next((h.id for h in note.headings if heading_key(h.text) == wanted), None)

    def _query_image(self, value: Value, width: int) -> str:
        """A card's cover or an ``image()`` value: a published image through the image
        pipeline, a URL, or a colour (``#2f6f4f``)."""
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, Link):
            if value.kind == "url":
                return f'<img src="{self.safe_url(value.target)}" alt="" loading="lazy">'
            path = VaultPath(value.path) if value.path is not None else None
            if path is None or path not in self.vault.attachments:
                return ""
            if Path(path).suffix.lower() not in IMAGE_SUFFIXES:
                return ""
            ref = LinkRef(value.target, label=value.display, embed=True, width=width or None)
            return self.render_image(ref, path)
        if isinstance(value, str):
            text = value.strip()
            if _COLOUR.match(text):
                return f'<span class="query-card-colour" style="background:{escape(text)}"></span>'
            if text.startswith(("https://", "http://")):
                return f'<img src="{self.safe_url(text)}" alt="" loading="lazy">'
        return ""

    def _query_markdown(self, text: str, source: str) -> str:
        """A task's text as Markdown, its links resolved from the note it is written in."""
        tokens = parse_body(text).tokens
        if len(tokens) == 1 and tokens[0]["type"] == "paragraph":
            tokens = tokens[0].get("children") or []
        self.stack.append(_Frame(VaultPath(source), "#query"))
        try:
            return self.render_tokens(tokens, BlockState()).strip()
        finally:
            self.stack.pop()

    def _clean(self, html: str) -> str:
        return clean_html(html) if self.sanitize else html

    def attachment_url(self, path: VaultPath) -> str:
        """URL of the attachment as it is; only attachments asked for this way are copied."""
        self.site.copied.add(path)
        self.copied_here.append(path)
        return self.url(self.site.attachments[path])

    def render_image(self, ref: LinkRef, path: VaultPath) -> str:
        """``<img>`` with its size, a ``srcset`` of the variants (1x and 2x of the shown width,
        never wider than the original) and lazy loading after the page's first image."""
        alt = escape(ref.label or "")
        info = self.image_info(path)
        if info.error:
            self.warn(Category.IMAGE, f"{path}: {info.error}; a placeholder is shown", ref.line)
            label = escape(ref.label or path.rsplit("/", 1)[-1])
            return _broken(label, f"image unavailable: {info.error}", "embed-missing image-error")
        loading = ' loading="lazy"' if self.images_drawn else ""
        self.images_drawn += 1
        if info.format == "SVG":  # drawn at any size by the browser: copied as it is
            src = self.attachment_url(path)
            size = ""
            if info.width or ref.width or ref.height:
                shown = display_size(info, ref.width, ref.height, 10**6) if info.width else None
                width, height = shown if shown else (ref.width, ref.height)
                size += f' width="{width}"' if width else ""
                size += f' height="{height}"' if height else ""
            return f'<img src="{escape(src)}" alt="{alt}"{size}{loading} decoding="async">'
        settings = self.images.settings
        width, height = display_size(info, ref.width, ref.height, settings.content_width)
        widths = variant_widths(width, info.width)
        if shown_as_is(info, widths):  # an animation too long to resize: the file as it is
            src = self.attachment_url(path)
            return (
                f'<img src="{escape(src)}" alt="{alt}" width="{width}" height="{height}"'
                f'{loading} decoding="async">'
            )
        variants = [self.variant(path, info, w, ref.line) for w in widths]
        src = self.url(variants[0].out_path)
        srcset = ", ".join(f"{self.url(v.out_path)} {v.width}w" for v in variants)
        return (
            f'<img src="{escape(src)}" srcset="{escape(srcset)}" '
            f'sizes="(max-width: {width}px) 100vw, {width}px" alt="{alt}" '
            f'width="{width}" height="{height}"{loading} decoding="async">'
        )

    def image_info(self, path: VaultPath) -> ImageInfo:
        if path not in self._infos:
            self._infos[path] = self.images.probe(self.vault.attachments[path].abs_path)
        return self._infos[path]

    def variant(
        self, path: VaultPath, info: ImageInfo, width: int, line: int, top_line: int | None = None
    ) -> ImageVariant:
        """The variant of ``path`` ``width`` px wide, planned once per site; its name carries the
        key (content hash and parameters), so a changed image never reuses a cached URL."""
        key = (path, width)
        if top_line is None:
            top_line = line if len(self.stack) == 1 else self.top_line
        self.variants_here.append((path, width, top_line))
        user = (self.stack[0].note, top_line)
        found = self.site.variants.get(key)
        if found is None:
            fmt, ext = output_format(info)
            vkey = variant_key(info, width, self.images.settings)
            stem = posixpath.splitext(self.site.attachments[path])[0]
            out = self.site.claim(
                f"{stem}-{width}w-{vkey[:10]}{ext}", f"{path} at {width}px", self.reporter
            )
            found = ImageVariant(
                self.vault.attachments[path].abs_path,
                out,
                width,
                variant_height(info, width),
                fmt,
                vkey,
                info.digest,
                info.orientation,
                path,
            )
        if user not in found.users:
            found = replace(found, users=(*found.users, user))
        self.site.variants[key] = found
        return found


def result_paths(value: object) -> tuple[set[str], set[str]]:
    """The vault paths the links in query results reach, and the notes their tasks are in."""
    links: set[str] = set()
    sources: set[str] = set()
    todo = [value]
    while todo:
        current = todo.pop()
        if isinstance(current, Link):
            if current.path is not None:
                links.add(current.path)
        elif isinstance(current, list | tuple):
            todo.extend(current)
        elif isinstance(current, dict):
            todo.extend(current.values())
        elif isinstance(current, QueryResult):
            todo.append(current.value)
            todo.extend(current.groups)
            todo.extend(current.summaries)
        elif isinstance(current, ResultGroup):
            todo.append(current.key)
            todo.extend(current.rows)
            todo.extend(current.summaries)
        elif isinstance(current, ResultRow):
            todo.extend(current.cells)
            todo.extend((current.link, current.image, current.task))
        elif isinstance(current, TaskItem):
            sources.add(current.path)
            todo.extend(current.children)
        elif isinstance(current, ImageValue) and current.link is not None:
            todo.append(current.link)
    return links, sources


def _own_tokens(note: Note) -> list[dict[str, Any]]:
    return note.tokens or []


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
