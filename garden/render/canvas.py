"""Canvas drawings: a canvas's page, its embed in a note, and a canvas shown in another's file
node, all drawn at build time as plain HTML and SVG.

The drawing is a "world" the size of the canvas's bounding box: every node an absolutely placed
box at its position and size (groups first, then the others in file order, which is their
z-order), the edges one SVG under the nodes, their labels above. Text nodes are the note
pipeline's HTML; file nodes show their note (or its heading or block) like an embed, their image
through the image pipeline, other files as a link; link nodes are cards linking to their URL.
Without a script the world is a scrollable drawing at its natural size; the theme's script
(``canvas.js``) fits it to its frame and pans and zooms it. A canvas inside another canvas is
scaled to fit its node here, and needs no script.

Geometry (``edge_geometry``) follows Obsidian: an edge leaves and enters a node at the middle of
the side it names (the facing sides when it names none), as a cubic curve whose handles stand out
from those sides, with an arrowhead at each end whose ``fromEnd``/``toEnd`` is ``arrow``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from mistune import BlockState
from mistune.util import escape

from garden.diagnostics import Category
from garden.images import AUDIO_SUFFIXES, IMAGE_SUFFIXES, VIDEO_SUFFIXES
from garden.model import Canvas, CanvasEdge, CanvasNode, CanvasSide, Note
from garden.paths import relative_url

if TYPE_CHECKING:
    from garden.render.body import PageRenderer

Point = tuple[float, float]
_Texts = dict[str, list[dict[str, Any]]]  # a text node's id -> its Markdown's tokens
PADDING = 60  # around the nodes, for group labels and file names above them and curving edges
ARROW_LENGTH = 14.0
ARROW_HALF_WIDTH = 7.0
MAX_CANVAS_NESTING = 3  # canvases shown inside canvases' file nodes, the page's own included
_NORMALS: dict[str, Point] = {"top": (0, -1), "right": (1, 0), "bottom": (0, 1), "left": (-1, 0)}
_PLAYABLE = AUDIO_SUFFIXES | VIDEO_SUFFIXES

# Icons of the zoom controls (24x24, stroked like the theme's other icons).
_ICONS = {
    "zoom-in": '<circle cx="11" cy="11" r="6.5"/><path d="m16 16 4.5 4.5M8 11h6M11 8v6"/>',
    "zoom-out": '<circle cx="11" cy="11" r="6.5"/><path d="m16 16 4.5 4.5M8 11h6"/>',
    "fit": '<path d="M4 9V5a1 1 0 0 1 1-1h4M15 4h4a1 1 0 0 1 1 1v4M20 15v4a1 1 0 0 1-1 1h-4'
    'M9 20H5a1 1 0 0 1-1-1v-4"/><rect x="8.5" y="8.5" width="7" height="7" rx="1"/>',
    "full-screen": '<path d="M9 4H4v5M15 4h5v5M20 15v5h-5M4 15v5h5"/>',
}
_CONTROLS = (
    ("zoom-in", "Zoom in (+)"),
    ("zoom-out", "Zoom out (-)"),
    ("fit", "Fit to screen (0)"),
    ("full-screen", "Full screen (F)"),
)


@dataclass(frozen=True)
class EdgeGeometry:
    path: str  # SVG path data of the curve
    arrows: tuple[str, ...]  # SVG polygon points of each arrowhead
    label_at: Point  # the middle of the curve
    points: tuple[Point, ...]  # the curve's ends and handles: the curve lies within them


def _fmt(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def anchor(node: CanvasNode, side: str) -> Point:
    """The middle of ``side`` of ``node``."""
    nx, ny = _NORMALS[side]
    return node.x + node.width * (1 + nx) / 2, node.y + node.height * (1 + ny) / 2


def facing_sides(a: CanvasNode, b: CanvasNode) -> tuple[CanvasSide, CanvasSide]:
    """The sides of ``a`` and ``b`` that face each other, for an edge that names none."""
    dx = (b.x + b.width / 2) - (a.x + a.width / 2)
    dy = (b.y + b.height / 2) - (a.y + a.height / 2)
    if abs(dx) >= abs(dy):
        return ("right", "left") if dx >= 0 else ("left", "right")
    return ("bottom", "top") if dy >= 0 else ("top", "bottom")


def _arrow(tip: Point, normal: Point) -> str:
    """An arrowhead whose tip touches ``tip`` and points against ``normal``."""
    bx, by = tip[0] + normal[0] * ARROW_LENGTH, tip[1] + normal[1] * ARROW_LENGTH
    px, py = -normal[1] * ARROW_HALF_WIDTH, normal[0] * ARROW_HALF_WIDTH
    corners = (tip, (bx + px, by + py), (bx - px, by - py))
    return " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in corners)


def edge_geometry(edge: CanvasEdge, start_node: CanvasNode, end_node: CanvasNode) -> EdgeGeometry:
    auto = facing_sides(start_node, end_node)
    from_side = edge.from_side or auto[0]
    to_side = edge.to_side or auto[1]
    p0, p3 = anchor(start_node, from_side), anchor(end_node, to_side)
    n0, n3 = _NORMALS[from_side], _NORMALS[to_side]
    arrows = []
    # A line ends at its arrowhead's base, so its round cap does not poke through the tip.
    if edge.from_arrow:
        arrows.append(_arrow(p0, n0))
        p0 = (p0[0] + n0[0] * ARROW_LENGTH, p0[1] + n0[1] * ARROW_LENGTH)
    if edge.to_arrow:
        arrows.append(_arrow(p3, n3))
        p3 = (p3[0] + n3[0] * ARROW_LENGTH, p3[1] + n3[1] * ARROW_LENGTH)
    reach = min(max(math.dist(p0, p3) / 2, 40.0), 180.0)
    p1 = (p0[0] + n0[0] * reach, p0[1] + n0[1] * reach)
    p2 = (p3[0] + n3[0] * reach, p3[1] + n3[1] * reach)
    path = "M{} {} C{} {} {} {} {} {}".format(*map(_fmt, (*p0, *p1, *p2, *p3)))
    middle = (
        (p0[0] + 3 * p1[0] + 3 * p2[0] + p3[0]) / 8,
        (p0[1] + 3 * p1[1] + 3 * p2[1] + p3[1]) / 8,
    )
    return EdgeGeometry(path, tuple(arrows), middle, (p0, p1, p2, p3))


@dataclass(frozen=True)
class Layout:
    """Where the canvas's drawing is: its world's origin in canvas pixels and its size, and the
    curve of each edge."""

    left: int
    top: int
    width: int
    height: int
    edges: tuple[tuple[CanvasEdge, EdgeGeometry], ...]


def layout(canvas: Canvas) -> Layout:
    nodes = {node.id: node for node in canvas.nodes}
    edges = tuple(
        (edge, edge_geometry(edge, nodes[edge.from_node], nodes[edge.to_node]))
        for edge in canvas.edges
    )
    xs: list[float] = [v for n in canvas.nodes for v in (n.x, n.x + n.width)]
    ys: list[float] = [v for n in canvas.nodes for v in (n.y, n.y + n.height)]
    for _, geometry in edges:
        xs.extend(p[0] for p in geometry.points)
        ys.extend(p[1] for p in geometry.points)
    if not xs:
        return Layout(0, 0, 400, 240, ())
    left, top = math.floor(min(xs)) - PADDING, math.floor(min(ys)) - PADDING
    width = math.ceil(max(xs)) + PADDING - left
    height = math.ceil(max(ys)) + PADDING - top
    return Layout(left, top, width, height, edges)


def _color(color: str) -> tuple[str, str]:
    """(class, style) of a node or edge colour: a preset's class, or a hex as a custom property
    (checked by the parser: ``#`` and six hex digits, nothing that could leave the attribute)."""
    if not color:
        return "", ""
    if color.startswith("#"):
        return " canvas-colored", f"--canvas-color:{color}"
    return f" canvas-colored canvas-color-{color}", ""


class CanvasDrawer:
    """Draws canvases for one page renderer (which draws the Markdown, links and images)."""

    def __init__(self, renderer: PageRenderer) -> None:
        self.r = renderer
        self.depth = 0  # canvases being drawn: more than one, and this one is inside another
        # The node being drawn: its line (for warnings), and the box a canvas it shows fits in.
        self.line = 0
        self.box: tuple[int, int] = (400, 300)

    # -- the three ways a canvas is shown ---------------------------------------------------
    def page(self, note: Note, state: BlockState) -> str:
        """The canvas's own page: the interactive drawing."""
        return self._view(note, state, "page")

    def embed(self, note: Note, state: BlockState, href: str) -> str:
        """``![[X.canvas]]`` in a note (an interactive frame), or a canvas inside another
        canvas (scaled into its node's ``box``). ``href``: the canvas's page."""
        if not self.depth:
            return self._view(note, state, "embed")
        if self.depth >= MAX_CANVAS_NESTING:
            chain = " → ".join(f.note for f in self.r.stack)
            message = f"canvases nested deeper than {MAX_CANVAS_NESTING}: {chain}; shown as a link"
            self.r.warn_top(Category.EMBED_DEPTH, message, self.line)
            return (
                f'<a class="internal canvas-file-card" href="{escape(href)}">'
                f'<span class="canvas-file-name">{escape(note.title)}</span></a>'
            )
        return self._nested(note, state)

    def _view(self, note: Note, state: BlockState, mode: Literal["page", "embed"]) -> str:
        canvas = note.canvas or Canvas()
        where = layout(canvas)
        world = self._world(note, canvas, where, state)
        title = escape(note.title)
        label = f"Canvas {title}: drag or use the arrow keys to move, + and - to zoom"
        controls = "".join(
            f'<button type="button" class="canvas-button" data-action="{action}" '
            f'title="{text}" aria-label="{text}"><svg class="icon" width="18" height="18" '
            'viewBox="0 0 24 24" '
            f'aria-hidden="true" focusable="false">{_ICONS[action]}</svg></button>'
            for action, text in _CONTROLS
        )
        empty = ""
        if not canvas.nodes:
            why = "could not be read" if canvas.error else "is empty"
            empty = f'<p class="canvas-empty">This canvas {why}.</p>'
        return (
            f'<div class="canvas-view canvas-view-{mode}" data-canvas="{escape(note.path)}" '
            f'data-width="{where.width}" data-height="{where.height}" '
            f'style="--canvas-aspect:{where.width} / {where.height}">'
            f'<div class="canvas-viewport" tabindex="0" role="group" aria-label="{label}">'
            f"{world}</div>{empty}"
            f'<div class="canvas-controls" role="toolbar" aria-label="Canvas view" hidden>'
            f"{controls}</div></div>\n"
        )

    def _nested(self, note: Note, state: BlockState) -> str:
        """A canvas inside a file node of size ``self.box``: scaled to fit, centred, static."""
        canvas = note.canvas or Canvas()
        where = layout(canvas)
        box_w, box_h = self.box
        scale = min(box_w / where.width, box_h / where.height)
        dx, dy = (box_w - where.width * scale) / 2, (box_h - where.height * scale) / 2
        world = self._world(
            note,
            canvas,
            where,
            state,
            f"transform:translate({_fmt(dx)}px,{_fmt(dy)}px) scale({scale:.4f})",
        )
        return f'<div class="canvas-nested" data-canvas="{escape(note.path)}">{world}</div>'

    # -- the drawing ------------------------------------------------------------------------
    def _world(
        self, note: Note, canvas: Canvas, where: Layout, state: BlockState, transform: str = ""
    ) -> str:
        texts: _Texts = {
            tok["attrs"]["node"]: tok["children"]
            for tok in self.r.tokens_of(note)
            if tok.get("type") == "canvas_text"
        }
        self.depth += 1
        try:
            groups = [self._node(n, where, texts, state) for n in canvas.nodes if n.kind == "group"]
            cards = [self._node(n, where, texts, state) for n in canvas.nodes if n.kind != "group"]
        finally:
            self.depth -= 1
        edges, labels = self._edges(where)
        style = f"width:{where.width}px;height:{where.height}px"
        if transform:
            style += ";" + transform
        return (
            f'<div class="canvas-world" style="{style}" data-left="{where.left}" '
            f'data-top="{where.top}">{"".join(groups)}{edges}{"".join(cards)}'
            f'<div class="canvas-labels">{labels}</div></div>'
        )

    def _edges(self, where: Layout) -> tuple[str, str]:
        paths, labels = [], []
        shift = f"translate({-where.left} {-where.top})"
        for edge, geometry in where.edges:
            classes, style = _color(edge.color)
            style_attr = f' style="{style}"' if style else ""
            arrows = "".join(
                f'<polygon class="canvas-edge-arrow" points="{p}"/>' for p in geometry.arrows
            )
            paths.append(
                f'<g class="canvas-edge{classes}"{style_attr} data-edge="{escape(edge.id)}" '
                f'data-from="{escape(edge.from_node)}" data-to="{escape(edge.to_node)}">'
                f'<path class="canvas-edge-line" d="{geometry.path}"/>{arrows}</g>'
            )
            if edge.label:
                x, y = geometry.label_at
                labels.append(
                    f'<div class="canvas-edge-label{classes}" data-edge="{escape(edge.id)}" '
                    f'style="left:{_fmt(x - where.left)}px;top:{_fmt(y - where.top)}px'
                    f'{";" + style if style else ""}">{escape(edge.label)}</div>'
                )
        svg = (
            f'<svg class="canvas-edges" width="{where.width}" height="{where.height}" '
            f'viewBox="0 0 {where.width} {where.height}" aria-hidden="true">'
            f'<g transform="{shift}">{"".join(paths)}</g></svg>'
        )
        return svg, "".join(labels)

    def _node(self, node: CanvasNode, where: Layout, texts: _Texts, state: BlockState) -> str:
        classes, color_style = _color(node.color)
        style = (
            f"left:{node.x - where.left}px;top:{node.y - where.top}px;"
            f"width:{node.width}px;height:{node.height}px"
        )
        if color_style:
            style += ";" + color_style
        self.line = node.line
        self.box = (node.width, node.height)
        kind, inner = self._content(node, texts, state)
        return (
            f'<div class="canvas-node canvas-{kind}{classes}" data-node="{escape(node.id)}" '
            f'style="{style}">{inner}</div>'
        )

    def _content(self, node: CanvasNode, texts: _Texts, state: BlockState) -> tuple[str, str]:
        """The node's kind as a class name (``file-note``, ``file-image``...) and its HTML."""
        if node.kind == "text":
            self.box = (max(node.width - 40, 40), min(node.height, 300))  # a canvas embedded
            html = self.r.render_card_tokens(texts.get(node.id, []), state, node.line)
            return "text", f'<div class="canvas-node-content content">{html}</div>'
        if node.kind == "link":
            return "link", self._link_card(node.url)
        if node.kind == "group":
            return "group", self._group(node)
        if node.kind == "file":
            return self._file(node, state)
        return "unknown", ""

    def _link_card(self, url: str) -> str:
        if not url:
            return '<div class="canvas-node-content"><span class="broken">No URL</span></div>'
        href = self.r.safe_url(url)
        if href == "#harmful-link":  # javascript:, data:... a card links to web pages only
            return self._broken_card(url, "not a web address")
        host = url.split("://", 1)[-1].split("/", 1)[0] or url
        return (
            f'<a class="external canvas-link-card" href="{href}" rel="noopener">'
            f'<span class="canvas-link-host">{escape(host)}</span>'
            f'<span class="canvas-link-url">{escape(url)}</span></a>'
        )

    def _group(self, node: CanvasNode) -> str:
        label = f'<div class="canvas-group-label">{escape(node.label)}</div>' if node.label else ""
        background = ""
        if node.ref is not None:
            res = self.r.resolution(node.ref)
            path = res.target
            if res.kind != "attachment" or path is None:
                self.r.warn(
                    Category.BROKEN_EMBED,
                    f"group {node.id!r}: background {node.ref.target[1:]} {res.reason}",
                    node.line,
                )
            elif Path(path).suffix.lower() not in IMAGE_SUFFIXES:
                message = f"group {node.id!r}: background {path} is not an image"
                self.r.warn(Category.CANVAS, message, node.line)
            elif node.background_style == "repeat":
                url = escape(self.r.attachment_url(path))
                background = (
                    f'<div class="canvas-group-bg bg-repeat" '
                    f"style=\"background-image:url('{url}')\"></div>"
                )
            else:
                image = self.r.render_image(node.ref, path)
                style = node.background_style
                background = f'<div class="canvas-group-bg bg-{style}">{image}</div>'
        return background + label

    def _file(self, node: CanvasNode, state: BlockState) -> tuple[str, str]:
        ref = node.ref
        if ref is None:
            return "file", self._broken_card("No file", "the file node names no file")
        res = self.r.resolution(ref)
        written = ref.target[1:]
        if res.kind in ("broken", "folder") or res.target is None:
            reason = res.reason or "a folder cannot be shown in a card"
            self.r.warn(
                Category.BROKEN_EMBED, f"file node {node.id!r}: {written} {reason}", node.line
            )
            # Only a file that is not there is named: a private one's name says too much.
            shown = written.rsplit("/", 1)[-1] if reason == "no such note or file" else ""
            return "file", self._broken_card(shown or "Not available", reason)
        path = res.target
        if res.kind == "attachment":
            name = escape(path.rsplit("/", 1)[-1])
            suffix = Path(path).suffix.lower()
            if suffix in IMAGE_SUFFIXES:
                image = self.r.render_image(ref, path)
                return "file-image", f'<div class="canvas-node-content">{image}</div>'
            if suffix in _PLAYABLE:
                player = self.r.render_attachment_embed(ref, path)
                return "file-media", f'<div class="canvas-node-content">{player}</div>'
            href = escape(self.r.attachment_url(path))
            return "file-other", (
                f'<a class="internal attachment canvas-file-card" href="{href}">'
                f'<span class="canvas-file-name">{name}</span></a>'
            )
        target = self.r.vault.notes[path]
        out = self.r.site.notes[path][1]
        title = escape(target.title)
        href = escape(relative_url(self.r.page_out, out, res.anchor))
        heading = (
            f'<div class="canvas-node-title"><a class="internal" href="{href}" '
            f'data-title="{title}">{title}</a></div>'
        )
        inner, ok = self.r.embed_inner(ref, res, state)
        if not ok:
            return "file", self._broken_card_html(inner)
        kind = "file-canvas" if target.kind == "canvas" else "file-note"
        content_class = "canvas-node-content" + (" content" if target.kind != "canvas" else "")
        return kind, heading + f'<div class="{content_class}">{inner}</div>'

    @staticmethod
    def _broken_card(label: str, reason: str) -> str:
        return CanvasDrawer._broken_card_html(
            f'<span class="broken" title="{escape(reason)}">{escape(label)}</span>'
        )

    @staticmethod
    def _broken_card_html(html: str) -> str:
        return f'<div class="canvas-node-content canvas-broken">{html}</div>'
