"""The link graph as the reader sees it: a global layout computed at build time (so a 10,000-note
graph appears at once instead of simulating in the browser) and each note's local graph.

Layout, measured on generated graphs (see README, "Theme"): networkx's own ``spring_layout`` is
O(n²) per iteration (6 s for 1,000 nodes, 13 s for 2,000) and its ``spectral_layout`` took 128 s
on 10,000 nodes, so only small components use ``spring_layout``. A large component gets PivotMDS
(Brandes & Pich: breadth-first distances from a few pivots, classical scaling by SVD; linear in
the graph's size) for its overall shape, then a short force pass whose repulsion only acts
between nodes that share a grid cell, which separates the nodes PivotMDS puts on one spot (the
leaves of a hub). Components are then packed in rows, largest first.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Collection, Hashable, Mapping
from dataclasses import dataclass

import networkx as nx
import numpy as np

SMALL_COMPONENT = 250  # up to this many nodes, networkx's spring_layout is fast enough
PIVOTS = 40
REFINE_STEPS = 60
NEIGHBOURS = 6  # pairs checked per node in the grid-cell repulsion


Position = tuple[float, float]


def _bfs(adjacency: list[list[int]], source: int) -> np.ndarray:
    """Hop counts from ``source`` (plain lists: networkx's views cost 20x more on big graphs)."""
    dist = [-1] * len(adjacency)
    dist[source] = 0
    frontier = [source]
    level = 0
    while frontier:
        level += 1
        found = []
        for u in frontier:
            for v in adjacency[u]:
                if dist[v] < 0:
                    dist[v] = level
                    found.append(v)
        frontier = found
    return np.array(dist, dtype=float)


def _pivot_mds(adjacency: list[list[int]], rng: np.random.Generator) -> np.ndarray:
    n = len(adjacency)
    k = min(PIVOTS, n)
    distances = np.zeros((n, k))
    nearest = np.full(n, np.inf)
    pivot = max(range(n), key=lambda i: len(adjacency[i]))
    for j in range(k):
        column = _bfs(adjacency, pivot)
        distances[:, j] = column
        nearest = np.minimum(nearest, column)
        pivot = int(np.argmax(nearest))  # the next pivot is the node farthest from all so far
    squared = distances**2
    centred = -0.5 * (
        squared - squared.mean(axis=0) - squared.mean(axis=1)[:, None] + squared.mean()
    )
    # The top right-singular vectors from the small k x k matrix (a full SVD of the n x k
    # matrix took a second on 10,000 nodes); projecting on them gives U * S.
    _, vectors = np.linalg.eigh(centred.T @ centred)
    pos = centred @ vectors[:, -1:-3:-1]
    return pos + rng.normal(scale=1e-3 * (np.abs(pos).max() + 1), size=pos.shape)


def _sum_by(index: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Per-node sums of 2-D ``values`` (np.add.at, but several times faster)."""
    return np.stack(
        [np.bincount(index, values[:, 0], n), np.bincount(index, values[:, 1], n)], axis=1
    )


def _refine(pos: np.ndarray, edges: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Fruchterman-Reingold with edge attraction and grid-local repulsion: O(n + m) a step."""
    n = len(pos)
    if len(edges):
        lengths = np.linalg.norm(pos[edges[:, 0]] - pos[edges[:, 1]], axis=1)
        pos = pos / max(float(np.median(lengths)), 1e-9)  # ideal edge length 1
    cell = 2.0
    for step in range(REFINE_STEPS):
        temperature = 0.5 * (1 - step / REFINE_STEPS) + 0.02
        disp = np.zeros_like(pos)
        if len(edges):
            delta = pos[edges[:, 0]] - pos[edges[:, 1]]
            dist = np.linalg.norm(delta, axis=1)[:, None] + 1e-9
            force = delta * dist  # d² / L along the edge, with L = 1
            disp -= _sum_by(edges[:, 0], force, n)
            disp += _sum_by(edges[:, 1], force, n)
        shift = rng.random(2) * cell  # a new grid each step, so pairs split by a line meet later
        cells = np.floor((pos + shift) / cell).astype(np.int64)
        key = cells[:, 0] * 1_000_003 + cells[:, 1]
        order = np.argsort(key, kind="stable")
        for offset in range(1, NEIGHBOURS + 1):
            a, b = order[:-offset], order[offset:]
            same = key[a] == key[b]
            a, b = a[same], b[same]
            if not len(a):
                break
            delta = pos[a] - pos[b]
            dist2 = (delta**2).sum(axis=1)[:, None] + 1e-6
            force = delta / dist2  # L² / d along the pair
            disp += _sum_by(a, force, n)
            disp -= _sum_by(b, force, n)
        length = np.linalg.norm(disp, axis=1)[:, None] + 1e-9
        pos = pos + disp / length * np.minimum(length, temperature)
    return pos


def _component_layout(graph: nx.Graph, nodes: list[Hashable], seed: int) -> np.ndarray:
    if len(nodes) == 1:
        return np.zeros((1, 2))
    # A graph of its own, nodes in the order given and edges sorted: the layout follows the order
    # nodes and edges are met in, and the order the site's graph was built in can come from a
    # set, which differs between processes (two builds of one vault must give the same bytes).
    index = {v: i for i, v in enumerate(nodes)}
    sub = nx.Graph()
    sub.add_nodes_from(nodes)
    ends = sorted(sorted((index[a], index[b])) for a, b in graph.subgraph(nodes).edges())
    sub.add_edges_from((nodes[a], nodes[b]) for a, b in ends)
    if len(nodes) <= SMALL_COMPONENT:
        found = nx.spring_layout(sub, seed=seed, iterations=80)
        return np.array([found[v] for v in nodes])
    rng = np.random.default_rng(seed)
    pairs = [(index[a], index[b]) for a, b in sub.edges() if a != b]
    adjacency: list[list[int]] = [[] for _ in nodes]
    for a, b in pairs:
        adjacency[a].append(b)
        adjacency[b].append(a)
    edges = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    return _refine(_pivot_mds(adjacency, rng), edges, rng)


def layout(graph: nx.Graph, seed: int = 7) -> dict[Hashable, Position]:
    """Positions in a 1000-wide box for every node of ``graph`` (directions are ignored)."""
    undirected = graph.to_undirected(as_view=True) if graph.is_directed() else graph
    components = sorted(
        (sorted(c, key=str) for c in nx.connected_components(undirected)),
        key=lambda c: (-len(c), str(c[0])),
    )
    # Each component gets a square whose area grows with its node count; shelves of squares.
    boxes: list[tuple[list[Hashable], np.ndarray, float]] = []
    for nodes in components:
        pos = _component_layout(undirected, nodes, seed)
        pos = pos - pos.min(axis=0)
        extent = float(pos.max()) or 1.0
        side = math.sqrt(len(nodes)) * (1.6 if len(nodes) > 1 else 1.0)
        boxes.append((nodes, pos / extent * side, side))
    total = sum(side * side for _, _, side in boxes)
    width = max(math.sqrt(total) * 1.3, max((s for _, _, s in boxes), default=1.0))
    x = y = row = 0.0
    placed: dict[Hashable, Position] = {}
    gap = 1.0
    for nodes, pos, side in boxes:
        if x > 0 and x + side > width:
            x, y, row = 0.0, y + row + gap, 0.0
        for v, (px, py) in zip(nodes, pos, strict=True):
            placed[v] = (x + float(px), y + float(py))
        x += side + gap
        row = max(row, side)
    if not placed:
        return {}
    scale = 1000.0 / max(width, y + row, 1.0)
    return {v: (round(px * scale, 1), round(py * scale, 1)) for v, (px, py) in placed.items()}


# --------------------------------------------------------------------------------------------
# Local graph: drawn at build time as inline SVG, so it works without JavaScript
# --------------------------------------------------------------------------------------------
LOCAL_FIRST = 14  # most direct neighbours drawn
LOCAL_TOTAL = 30  # most nodes drawn in all
LOCAL_WIDTH, LOCAL_HEIGHT = 240.0, 220.0  # the SVG's viewBox, about its size in the sidebar
_CX, _CY = LOCAL_WIDTH / 2, LOCAL_HEIGHT / 2
RING_ONE, RING_ONE_ALONE, RING_TWO = 60.0, 74.0, 96.0  # radii; ALONE: with no second ring
NODE_RADIUS = (6.0, 4.5, 3.0)  # by depth
LABEL_SIZE = 9.0  # px: the theme's .local-graph text font-size (style.css) must agree
LABEL_CHARS = 22  # longest label before it is cut with "…"


@dataclass(frozen=True)
class LocalNode:
    key: Hashable
    x: float
    y: float
    depth: int  # 0 = the note itself


@dataclass(frozen=True)
class Label:
    """A node's label in the local graph: ``text`` drawn at ``x, y`` (the baseline) with SVG's
    ``text-anchor`` ``anchor``; ``box`` is (left, top, right, bottom) as estimated."""

    text: str
    x: float
    y: float
    anchor: str
    box: tuple[float, float, float, float]


def local_graph(
    graph: nx.Graph,
    center: Hashable,
    degrees: Mapping[Hashable, int] | None = None,
    ranked: dict[Hashable, list[Hashable]] | None = None,
    adjacency: Mapping[Hashable, Collection[Hashable]] | None = None,
) -> tuple[list[LocalNode], list[tuple[Hashable, Hashable]]]:
    """The note, its neighbours and (room permitting) theirs, on two rings around it, in a
    ``LOCAL_WIDTH`` x ``LOCAL_HEIGHT`` box. The neighbours of the second ring are taken from
    each first-ring node in turn (a hub does not take every place) and spread evenly round the
    whole ring in the order of the nodes they hang from, turned to sit as near them as it can.
    When the caller draws many local graphs, ``degrees`` (the graph's node degrees: networkx's
    degree view costs more than the rest of this function) and ``ranked`` (a dict kept between
    calls: each node's neighbours, heaviest first, sorted once per site instead of once per page
    that shows them) and ``adjacency`` (each node's neighbours as a dict, in networkx's order:
    its views answer ``in`` through several layers of Python) save most of the work."""
    undirected = graph.to_undirected(as_view=True) if graph.is_directed() else graph
    if center not in undirected:
        return [], []

    degree = degrees if degrees is not None else dict(undirected.degree())
    memo = ranked if ranked is not None else {}

    def neighbours(v: Hashable) -> list[Hashable]:
        found = memo.get(v)
        if found is None:
            found = sorted(
                (u for u in undirected.adj[v] if u != v), key=lambda u: (-degree[u], str(u))
            )
            memo[v] = found
        return found

    first = neighbours(center)[:LOCAL_FIRST]
    chosen = {center, *first}
    second: list[tuple[Hashable, int]] = []  # (node, index of its parent in first)
    cursors = [0] * len(first)
    progress = True
    while progress and len(chosen) < LOCAL_TOTAL:
        progress = False
        for i, parent in enumerate(first):  # one each, in turn
            around = neighbours(parent)
            while cursors[i] < len(around) and around[cursors[i]] in chosen:
                cursors[i] += 1
            if cursors[i] < len(around) and len(chosen) < LOCAL_TOTAL:
                chosen.add(around[cursors[i]])
                second.append((around[cursors[i]], i))
                progress = True

    nodes = [LocalNode(center, _CX, _CY, 0)]
    step = 2 * math.pi / max(len(first), 1)
    radius = RING_ONE if second else RING_ONE_ALONE
    for i, v in enumerate(first):
        angle = i * step - math.pi / 2
        nodes.append(
            LocalNode(v, _CX + radius * math.cos(angle), _CY + radius * math.sin(angle), 1)
        )
    if second:
        # Evenly round the ring, in the order of their parents' angles; the ring is turned by
        # the circular mean of how far each node is from its parent.
        wanted = sorted(
            ((i * step, n) for n, (_, i) in enumerate(second)), key=lambda a: (a[0], a[1])
        )
        gap = 2 * math.pi / len(wanted)
        sx = sum(math.cos(a - k * gap) for k, (a, _) in enumerate(wanted))
        sy = sum(math.sin(a - k * gap) for k, (a, _) in enumerate(wanted))
        turn = math.atan2(sy, sx) if sx or sy else 0.0
        for k, (_, n) in enumerate(wanted):
            angle = turn + k * gap - math.pi / 2
            x, y = _CX + RING_TWO * math.cos(angle), _CY + RING_TWO * math.sin(angle)
            nodes.append(LocalNode(second[n][0], x, y, 2))
    order = {n.key: i for i, n in enumerate(nodes)}
    edges: list[tuple[Hashable, Hashable]] = []
    adjacent = adjacency if adjacency is not None else undirected.adj
    for a in order:
        linked = adjacent[a]
        # Walk the shorter side: a hub's neighbours can outnumber the drawn nodes a hundredfold.
        near: Collection[Hashable] = (
            [b for b in order if b in linked] if len(linked) > len(order) else linked
        )
        edges.extend((a, b) for b in near if b in order and order[a] < order[b])
    return nodes, edges


# Advance widths of Arial / Helvetica / Liberation Sans in thousandths of an em, for the
# characters labels mostly hold; others count as DEFAULT_WIDTH (wide letters, CJK as a full em).
_WIDTHS = {
    c: width
    for chars, width in (
        ("'", 191),
        ("ijl", 222),
        ("|", 260),
        ("ft .,:;!/[]I", 278),
        ("r-()", 333),
        ("cksvxyzJ", 500),
        ("abdeghnopqu0123456789?#_L", 556),
        ("FTZ", 611),
        ("ABEKPSVXY&", 667),
        ("wCDHNRU", 722),
        ("GOQ", 778),
        ("mM", 833),
        ("W", 944),
        ("…", 1000),
    )
    for c in chars
}
DEFAULT_WIDTH = 640
WIDE = 1000  # CJK and other full-width characters
# System fonts (San Francisco, Segoe UI, Roboto) run a little wider than Arial; bold more so.
_SAFETY, _BOLD = 1.12, 1.08


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """An upper estimate of ``text``'s width in px at ``size`` px in the theme's sans-serif."""
    units = 0
    for c in text:
        width = _WIDTHS.get(c)
        if width is None:
            width = WIDE if unicodedata.east_asian_width(c) in "WF" else DEFAULT_WIDTH
        units += width
    return units / 1000 * size * _SAFETY * (_BOLD if bold else 1.0)


def _cut(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def local_labels(nodes: list[LocalNode], titles: list[str]) -> list[Label | None]:
    """A label for each node of a local graph (``titles`` in step with ``nodes``) where one fits:
    the note itself, then its neighbours in order (heaviest first); second-ring nodes have
    none (their titles are in the tooltip). A label goes on the outer side of its node, else
    above, below or beside it, inside the box and clear of every other label and node; a title
    too long for any place is cut shorter, and a node with no room keeps no label. No two
    labels overlap: the browser tests measure them."""
    margin = 1.0
    ascent, descent = 0.78 * LABEL_SIZE, 0.25 * LABEL_SIZE
    placed: list[tuple[float, float, float, float]] = []
    circles = [
        (
            n.x - NODE_RADIUS[n.depth],
            n.y - NODE_RADIUS[n.depth],
            n.x + NODE_RADIUS[n.depth],
            n.y + NODE_RADIUS[n.depth],
        )
        for n in nodes
    ]
    labels: list[Label | None] = [None] * len(nodes)
    for i, node in enumerate(nodes):
        if node.depth > 1:
            continue
        r, bold = NODE_RADIUS[node.depth], node.depth == 0
        dx, dy = node.x - _CX, node.y - _CY
        beside = [("start", node.x + r + 3), ("end", node.x - r - 3)]
        if dx < 0:
            beside.reverse()
        above, below = ("middle", node.y - r - 3 - descent), ("middle", node.y + r + 3 + ascent)
        stacked = [above, below] if dy < 0 else [below, above]
        # The outer side first: beside the node on the ring's flanks, above or below elsewhere.
        sides = ["side", "stack"] if abs(dx) > abs(dy) * 1.2 and node.depth else ["stack", "side"]
        spots: list[tuple[str, float, float]] = []
        for side in sides:
            if side == "side":
                spots += [(anchor, x, node.y + ascent / 2 - descent / 2) for anchor, x in beside]
            else:
                spots += [("middle", node.x, y) for _, y in stacked]
        others = circles[:i] + circles[i + 1 :]
        for chars in (LABEL_CHARS, 14, 9):
            text = _cut(titles[i], chars)
            found = _place(text, bold, spots, placed, others, margin, ascent, descent)
            if found is not None:
                labels[i] = found
                placed.append(found.box)
                break
    return labels


def _place(
    text: str,
    bold: bool,
    spots: list[tuple[str, float, float]],
    placed: list[tuple[float, float, float, float]],
    others: list[tuple[float, float, float, float]],
    margin: float,
    ascent: float,
    descent: float,
) -> Label | None:
    """The first of ``spots`` where ``text`` fits inside the box, clear of the labels ``placed``
    and of the nodes' circles ``others`` (all but its own node's). Written out as plain loops:
    it runs some twenty times per page."""
    width = text_width(text, LABEL_SIZE, bold=bold) + 2  # the halo drawn round the letters
    for anchor, x, y in spots:
        left = x if anchor == "start" else x - width if anchor == "end" else x - width / 2
        right, top, bottom = left + width, y - ascent - 1, y + descent + 1
        if left < margin or right > LOCAL_WIDTH - margin:
            continue
        if top < margin or bottom > LOCAL_HEIGHT - margin:
            continue
        for x0, y0, x1, y1 in placed:  # boxes overlap: each starts before the other ends
            if left < x1 and x0 < right and top < y1 and y0 < bottom:
                break
        else:
            for x0, y0, x1, y1 in others:
                if left < x1 and x0 < right and top < y1 and y0 < bottom:
                    break
            else:
                return Label(text, round(x, 1), round(y, 1), anchor, (left, top, right, bottom))
    return None
