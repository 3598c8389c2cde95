"""Read a JSON Canvas file (``X.canvas``, the open format Obsidian's Canvas saves; spec 1.0 at
jsoncanvas.org) into a ``Note`` of kind "canvas".

- ``canvas``: the nodes, in file order (their z-order), and the edges, every field checked;
- ``tokens``: each text node's Markdown parsed exactly as a note body (``parse_body``), as one
  ``{"type": "canvas_text", "attrs": {"node": id}, "children": [...]}`` token per text node;
- ``links``: the text nodes' links and embeds, then each file node's file (an embed from the
  vault root, with its ``subpath`` heading or block) and each group's background image, every
  one with the line of its node: to the resolver, backlinks and the graph they are the canvas's
  links like a note's;
- ``title``: the file name without ``.canvas``; ``description``: its first paragraph of text.

Nothing in a canvas stops the build. Each problem is a warning (category ``canvas``) naming the
file and the line of the node or edge (Obsidian writes one per line), and the rest is drawn:
invalid JSON is an empty canvas; a node without an id, a position or a size is left out, and so
are the edges to it; a node of a type garden does not know is an empty card; a colour, side or
end that is not in the spec is ignored; an edge to a node that is not there is left out. A node
further than ``MAX_COORD`` from the origin or larger than ``MAX_SIZE`` is left out too: one stray
node a million pixels away would shrink everything else to a dot when the canvas is fitted.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any, cast

from garden.diagnostics import Category, Diagnostic
from garden.markdown import ParsedBody, iter_tokens, parse_body
from garden.markdown.reference import parse_wikilink
from garden.model import Canvas, CanvasEdge, CanvasNode, CanvasSide, LinkRef, Note, SourceFile
from garden.parse import decode_note, description, note_digest, parse_source_file
from garden.paths import VaultPath

CANVAS_SUFFIX = ".canvas"
MAX_COORD = 1_000_000  # canvas pixels; real canvases stay within a few ten thousand
MAX_SIZE = 100_000
NODE_KINDS = ("text", "file", "link", "group")
SIDES: tuple[CanvasSide, ...] = ("top", "right", "bottom", "left")
PRESET_COLORS = ("1", "2", "3", "4", "5", "6")  # red, orange, yellow, green, cyan, purple
_HEX = re.compile(r"^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_ID_KEY = re.compile(r'"id"\s*:\s*("(?:[^"\\]|\\.)*")')
_BACKGROUND_STYLES = ("cover", "ratio", "repeat")


def canvas_title(path: str) -> str:
    """``Folder/Board.canvas`` → ``Board``: what Obsidian shows as the canvas's name."""
    name = path.rsplit("/", 1)[-1]
    return name[: -len(CANVAS_SUFFIX)] if name.lower().endswith(CANVAS_SUFFIX) else name


def _empty(path: VaultPath, *, error: str = "", ignored_by: str = "", digest: str = "") -> Note:
    return Note(
        path,
        canvas_title(path),
        {},
        (),
        (),
        (),
        frozenset(),
        (),
        [],
        ignored_by=ignored_by,
        digest=digest,
        kind="canvas",
        canvas=Canvas(error=error),
    )


def parse_canvas(source: SourceFile) -> tuple[Note, list[Diagnostic]]:
    def unread(ignored_by: str, unreadable: bool) -> Note:
        return _empty(source.path, ignored_by=ignored_by, error="unreadable" if unreadable else "")

    return parse_source_file(source, parse_canvas_bytes, unread)


class _Lines:
    """The line of each ``"id": "..."`` in the file, handed out in file order: nodes and edges
    take their id's next occurrence, so a node and an edge sharing an id each get their own."""

    def __init__(self, text: str) -> None:
        breaks = [i for i, char in enumerate(text) if char == "\n"]
        self.lines: dict[str, list[int]] = {}
        for m in _ID_KEY.finditer(text):
            try:
                value = json.loads(m.group(1))
            except ValueError:
                continue
            self.lines.setdefault(value, []).append(bisect.bisect_left(breaks, m.start()) + 1)

    def take(self, node_id: object) -> int:
        found = self.lines.get(node_id) if isinstance(node_id, str) else None
        return found.pop(0) if found else 0


class _Reader:
    """Checks one canvas's nodes and edges, collecting warnings as it goes."""

    def __init__(self, path: VaultPath, text: str) -> None:
        self.path = path
        self.lines = _Lines(text)
        self.diagnostics: list[Diagnostic] = []

    def warn(self, line: int, message: str) -> None:
        self.diagnostics.append(Diagnostic(Category.CANVAS, self.path, line, message))

    def _number(self, raw: dict[str, Any], key: str, what: str, line: int) -> int | None:
        value = raw.get(key)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            self.warn(line, f"{what} has no number {key!r}; left out")
            return None
        return round(value)

    def color(self, raw: dict[str, Any], what: str, line: int) -> str:
        value = raw.get("color")
        if value is None or value == "":
            return ""
        if isinstance(value, str) and value in PRESET_COLORS:
            return value
        if isinstance(value, str) and _HEX.match(value):
            digits = value[1:].lower()
            return "#" + ("".join(c * 2 for c in digits) if len(digits) == 3 else digits)
        self.warn(line, f"{what} has colour {value!r}, neither 1-6 nor #rrggbb; ignored")
        return ""

    def text(self, raw: dict[str, Any], key: str, what: str, line: int) -> str:
        value = raw.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.warn(line, f"{what} has a {key!r} that is not text; ignored")
            return ""
        return value

    def _object(self, raw: object, what: str) -> tuple[dict[str, Any], str, int] | None:
        """``raw`` with its id ("" when it has none) and line; None (and a warning) when it is
        not a JSON object."""
        if not isinstance(raw, dict):
            self.warn(0, f"{what} is not an object; left out")
            return None
        found = raw.get("id")
        line = self.lines.take(found)
        return raw, found if isinstance(found, str) else "", line

    def node(self, raw: object, index: int, seen: set[str]) -> CanvasNode | None:
        read = self._object(raw, f"node {index + 1}")
        if read is None:
            return None
        raw, node_id, line = read
        if not node_id:
            self.warn(line, f"node {index + 1} has no id; left out")
            return None
        what = f"node {node_id!r}"
        if node_id in seen:
            self.warn(line, f"{what} repeats an id used before; left out")
            return None
        kind = raw.get("type")
        if not isinstance(kind, str) or not kind:
            self.warn(line, f"{what} has no type; left out")
            return None
        box = [self._number(raw, key, what, line) for key in ("x", "y", "width", "height")]
        if any(v is None for v in box):
            return None
        x, y, width, height = cast(list[int], box)
        if abs(x) > MAX_COORD or abs(y) > MAX_COORD:
            self.warn(line, f"{what} is at {x}, {y}, beyond ±{MAX_COORD}; left out")
            return None
        if not (0 < width <= MAX_SIZE and 0 < height <= MAX_SIZE):
            self.warn(line, f"{what} is {width}x{height}, not between 1 and {MAX_SIZE}; left out")
            return None
        seen.add(node_id)
        color = self.color(raw, what, line)
        if kind not in NODE_KINDS:
            self.warn(line, f"{what} has unknown type {kind!r}; drawn as an empty card")
            return CanvasNode(node_id, "unknown", x, y, width, height, color, line)
        node = CanvasNode(node_id, kind, x, y, width, height, color, line)  # type: ignore[arg-type]
        if kind == "file":
            return self.file_node(node, raw, what)
        if kind == "link":
            url = self.text(raw, "url", what, line).strip()
            if not url:
                self.warn(line, f"{what} is a link with no url")
            return replace(node, url=url)
        if kind == "group":
            return self.group(node, raw, what)
        return node

    def file_node(self, node: CanvasNode, raw: dict[str, Any], what: str) -> CanvasNode:
        file = self.text(raw, "file", what, node.line).strip()
        if not file:
            self.warn(node.line, f"{what} is a file node with no file")
            return node
        subpath = self.text(raw, "subpath", what, node.line).strip()
        return replace(node, ref=file_ref(file, subpath, node.width, node.line))

    def group(self, node: CanvasNode, raw: dict[str, Any], what: str) -> CanvasNode:
        label = self.text(raw, "label", what, node.line)
        background = self.text(raw, "background", what, node.line).strip()
        style = self.text(raw, "backgroundStyle", what, node.line)
        if style and style not in _BACKGROUND_STYLES:
            self.warn(node.line, f"{what} has backgroundStyle {style!r}; drawn as 'cover'")
            style = ""
        ref = file_ref(background, "", node.width, node.line) if background else None
        return replace(node, label=label, ref=ref, background_style=style or "cover")

    def edge(self, raw: object, index: int, nodes: set[str]) -> CanvasEdge | None:
        read = self._object(raw, f"edge {index + 1}")
        if read is None:
            return None
        raw, edge_id, line = read
        if not edge_id:
            self.warn(line, f"edge {index + 1} has no id")
            edge_id = f"edge-{index + 1}"
        what = f"edge {edge_id!r}"
        ends = []
        for key in ("fromNode", "toNode"):
            value = raw.get(key)
            if not isinstance(value, str) or value not in nodes:
                shown = "no node" if value is None else f"{value!r}, which is not a node"
                self.warn(line, f"{what} has {key} {shown}; left out")
                return None
            ends.append(value)
        sides = [self.side(raw, key, what, line) for key in ("fromSide", "toSide")]
        arrows = [self.end(raw, key, what, line, default) for key, default in _ENDS]
        return CanvasEdge(
            edge_id,
            ends[0],
            ends[1],
            sides[0],
            sides[1],
            arrows[0],
            arrows[1],
            self.color(raw, what, line),
            self.text(raw, "label", what, line),
            line,
        )

    def side(self, raw: dict[str, Any], key: str, what: str, line: int) -> Any:
        value = raw.get(key)
        if value is None or value in SIDES:
            return value or ""
        self.warn(line, f"{what} has {key} {value!r}, not top/right/bottom/left; ignored")
        return ""

    def end(self, raw: dict[str, Any], key: str, what: str, line: int, default: bool) -> bool:
        value = raw.get(key)
        if value is None:
            return default
        if value in ("arrow", "none"):
            return value == "arrow"
        self.warn(line, f"{what} has {key} {value!r}, neither 'arrow' nor 'none'; ignored")
        return default


_ENDS = (("fromEnd", False), ("toEnd", True))  # the spec's defaults, as Obsidian draws them


def file_ref(file: str, subpath: str, width: int, line: int) -> LinkRef:
    """A file node's file as a link: an embed of a vault path from the root (``Folder/Note.md``,
    never matched elsewhere), with the heading or block of ``subpath`` (``#Heading``, ``#^id``)
    and the node's width, at which an image is shown."""
    anchor = parse_wikilink(subpath) if subpath.startswith("#") else None
    heading, block = (anchor.heading, anchor.block) if anchor else (None, None)
    target = "/" + file.lstrip("/")
    return LinkRef(target, heading, block, None, True, width, None, "canvas", line)


def _parse_json(text: str) -> tuple[Any, str, int]:
    """The JSON value of ``text`` and, when it is not valid JSON, why and on which line.
    ``NaN`` and ``Infinity`` (which Python would accept) read as null: not numbers."""
    reject: Callable[[str], None] = lambda _name: None  # noqa: E731
    try:
        return json.loads(text, parse_constant=reject), "", 0
    except json.JSONDecodeError as exc:
        return None, exc.msg, exc.lineno
    except RecursionError:
        return None, "nested too deeply", 0


def parse_canvas_bytes(
    path: VaultPath, data: bytes, *, modified: str = ""
) -> tuple[Note, list[Diagnostic]]:
    """Parse a canvas file's raw bytes (``path`` is where it is in the vault; ``modified`` the
    UTC day of its modification time)."""
    diagnostics: list[Diagnostic] = []
    text = decode_note(data, path, diagnostics)
    digest = note_digest(data)
    if not text.strip():  # a canvas Obsidian has just created and nothing put on yet
        return replace(_empty(path, digest=digest), modified=modified), diagnostics
    value, error, line = _parse_json(text)
    if error:
        message = f"not valid JSON ({error}); the canvas is shown empty"
        diagnostics.append(Diagnostic(Category.CANVAS, path, line, message))
        return replace(_empty(path, error=error, digest=digest), modified=modified), diagnostics
    reader = _Reader(path, text)
    if not isinstance(value, dict):
        reader.warn(0, "not a JSON Canvas (the file is not a JSON object); the canvas is empty")
        value = {}
    raw_nodes, raw_edges = (_array(reader, value, key) for key in ("nodes", "edges"))
    seen: set[str] = set()
    nodes: list[CanvasNode] = []
    tokens: list[dict[str, Any]] = []
    links: list[LinkRef] = []
    for i, raw in enumerate(raw_nodes):
        node = reader.node(raw, i, seen)
        if node is None:
            continue
        nodes.append(node)
        if node.kind == "text":
            assert isinstance(raw, dict)
            if raw.get("text") is None:
                reader.warn(node.line, f"node {node.id!r} is a text node with no text")
            body = parse_body(reader.text(raw, "text", f"node {node.id!r}", node.line))
            tokens.append(
                {"type": "canvas_text", "attrs": {"node": node.id}, "children": body.tokens}
            )
            links.extend(_on_line(body, node.line))
        elif node.ref is not None:
            links.append(node.ref)
    edges = [edge for i, raw in enumerate(raw_edges) if (edge := reader.edge(raw, i, seen))]
    note = Note(
        path,
        canvas_title(path),
        {},
        (),
        (),
        (),
        frozenset(),
        tuple(links),
        tokens,
        description=description({}, [c for t in tokens for c in t["children"]]),
        digest=digest,
        modified=modified,
        kind="canvas",
        canvas=Canvas(tuple(nodes), tuple(edges)),
    )
    return note, diagnostics + reader.diagnostics


def _on_line(body: ParsedBody, line: int) -> list[LinkRef]:
    """The links of a text node's Markdown (its links and embeds, and its diagrams' linking
    nodes), each given the node's line: the whole node is one line of the file. Its tokens get
    that line too (the renderer warns with theirs)."""
    for tok in iter_tokens(body.tokens):
        if tok["type"] == "ref":
            tok["attrs"]["ref"] = replace(tok["attrs"]["ref"], line=line)
        elif tok["type"] == "block_code" and "line" in (tok.get("attrs") or {}):
            tok["attrs"]["line"] = line  # a diagram
    return [replace(ref, line=line) for ref in body.refs]


def _array(reader: _Reader, value: dict[str, Any], key: str) -> list[Any]:
    found = value.get(key)
    if found is None:
        return []
    if not isinstance(found, list):
        reader.warn(0, f"{key!r} is not a list; the canvas has no {key}")
        return []
    return found
