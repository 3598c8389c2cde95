"""The values that flow through the pipeline. Plain frozen dataclasses: a stage makes new ones,
it never mutates what an earlier stage produced."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

import networkx as nx

from garden.paths import OutPath, Slug, VaultPath

# What a source file is, by its extension (``scan.SOURCE_KINDS``). Every kind but "attachment"
# is a page source: parsed into a ``Note`` of that kind, resolved, filtered and given a page.
SourceKind = Literal["note", "canvas", "base"]
FileKind = Literal["note", "canvas", "base", "attachment"]

_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


class Picklable:
    """Pickled as (class, field values), unpickled through the constructor. ``dataclass(slots=
    True)`` pickles with a ``__getstate__`` that looks the fields up again for every object: on a
    10,000-note vault that was most of the time spent saving and loading the build cache."""

    __slots__ = ()

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        cls = type(self)
        names = _FIELD_NAMES.get(cls)
        if names is None:
            names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
        return cls, tuple([getattr(self, name) for name in names])


ResolutionKind = Literal["note", "attachment", "folder", "broken"]
# What a page of the site is: a page source's (its ``SourceKind``), or one garden makes.
PageKind = Literal["note", "canvas", "base", "folder", "tag", "tags", "graph", "404"]


@dataclass(frozen=True, slots=True)
class SourceFile(Picklable):
    path: VaultPath  # vault-relative, NFC, forward slashes
    abs_path: Path  # where to read it; always inside the vault
    kind: FileKind
    ignored_by: str = ""  # the config ignore pattern that excludes it, or ""


@dataclass(frozen=True, slots=True)
class LinkRef(Picklable):
    """One link or embed as written, parsed once and shared by the parser, resolver and renderer.

    ``[[Folder/Note#Heading|Shown]]`` → target "Folder/Note", heading "Heading", label "Shown".
    """

    target: str  # the path part as written ("" for [[#Heading]] in the same note)
    heading: str | None = None  # text after "#" (a subheading chain keeps its "#"s)
    block: str | None = None  # id after "#^"
    label: str | None = None  # alias, display text, or alt text
    embed: bool = False
    width: int | None = None
    height: int | None = None
    # "canvas": a canvas's file node (``target`` is then a vault path from the root); "diagram":
    # a mermaid node of class internal-link (a link, but not an edge of the graph);
    # "frontmatter": a property's value (``up: "[[Parent]]"``), not drawn in the body
    syntax: Literal["wiki", "markdown", "canvas", "diagram", "frontmatter"] = "wiki"
    line: int = 0  # 1-based line in the note, 0 while unknown

    @property
    def key(self) -> tuple[str, str | None, str | None]:
        """What resolution depends on: the same key from the same note resolves the same way."""
        return (self.target, self.heading, self.block)


@dataclass(frozen=True, slots=True)
class Heading(Picklable):
    level: int
    text: str
    id: str  # unique within the note


CanvasSide = Literal["top", "right", "bottom", "left"]


@dataclass(frozen=True, slots=True)
class CanvasNode(Picklable):
    """One node of a JSON Canvas, checked: a known ``kind`` ("text", "file", "link", "group", or
    "unknown" for a type garden does not draw), a position and a positive size in canvas pixels,
    a colour that is "" or a preset "1"-"6" or a ``#rrggbb`` hex, and the 1-based line of the
    file that defines it (for warnings). A text node's Markdown is not here but in its canvas's
    token tree (``Note.tokens``), like a note's body."""

    id: str
    kind: Literal["text", "file", "link", "group", "unknown"]
    x: int
    y: int
    width: int
    height: int
    color: str = ""
    line: int = 0
    ref: LinkRef | None = None  # a file node's file, a group's background image
    url: str = ""  # a link node's URL
    label: str = ""  # a group's label
    background_style: str = ""  # a group's background: "cover", "ratio" or "repeat"


@dataclass(frozen=True, slots=True)
class CanvasEdge(Picklable):
    """A connection between two nodes of the same canvas (both exist: edges to a missing node
    are dropped with a warning). A side of "" means: choose the facing sides."""

    id: str
    from_node: str
    to_node: str
    from_side: CanvasSide | Literal[""] = ""
    to_side: CanvasSide | Literal[""] = ""
    from_arrow: bool = False  # ``fromEnd: arrow``
    to_arrow: bool = True  # ``toEnd`` is "arrow" unless it says "none"
    color: str = ""
    label: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class Canvas(Picklable):
    """A canvas file's nodes (in file order, which is their z-order) and edges."""

    nodes: tuple[CanvasNode, ...] = ()
    edges: tuple[CanvasEdge, ...] = ()
    error: str = ""  # why the file could not be read as JSON Canvas ("" when it could)


@dataclass(frozen=True, slots=True)
class InlineField(Picklable):
    """A Dataview inline field as written: ``key:: value`` on a line of its own, ``[key:: value]``
    or ``(key:: value)`` anywhere in a line. Typed by the query stage."""

    key: str
    value: str
    line: int
    wrapping: str = ""  # "[", "(" or "" for a field on a line of its own
    item: int = 0  # line of the list item it is written in, 0 when in none


@dataclass(frozen=True, slots=True)
class ListItem(Picklable):
    """A list item or task of a note (for Dataview's TASK queries and ``file.tasks``)."""

    line: int
    parent: int  # line of the item it is nested in, 0 at the top
    status: str | None  # a task's status character (" ", "x", "?"...), None for a plain item
    text: str  # the item's first line, without its marker and checkbox
    lines: int = 1  # how many lines of the note it spans


@dataclass(frozen=True, slots=True)
class QuerySource(Picklable):
    """A query written in a note: a ```` ```dataview ```` (or ``dataviewjs``, ``base``) block or
    an inline query (`` `= expr` ``, `` `$= js` ``). ``text`` is the code as the renderer sees
    it in the note's tokens, so the page finds its result by it."""

    kind: Literal["dataview", "dataviewjs", "base", "inline", "inline-js"]
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class Note(Picklable):
    """A page source: a Markdown note, or (``kind``) another format that gets a page like one.
    Every stage treats them alike (resolution, backlinks, the graph, the publish filter); only
    parse and render know what a kind holds. A canvas has no front matter, tags or headings; its
    ``links`` are its text nodes' links and its file nodes, its ``tokens`` its text nodes'
    Markdown (a ``canvas_text`` token per node), its ``canvas`` the drawing."""

    path: VaultPath
    title: str
    frontmatter: dict[str, Any] = field(hash=False)
    tags: tuple[str, ...]
    aliases: tuple[str, ...]
    headings: tuple[Heading, ...]
    block_ids: frozenset[str]
    links: tuple[LinkRef, ...]
    # mistune's token tree; None for a note taken from the build cache until it is rendered again
    tokens: list[dict[str, Any]] | None = field(hash=False, repr=False)
    description: str = ""
    date: str = ""
    frontmatter_error: str = ""  # why the front matter could not be read ("" when fine)
    ignored_by: str = ""  # the config ignore pattern that excludes it, or ""
    digest: str = ""  # hash of the file's bytes: names its cached tokens and rendered body
    # the day (UTC, YYYY-MM-DD) the file was last modified, from the stat taken when it was
    # read: the 'filesystem' date source (config ``dates``); "" when unknown
    modified: str = ""
    kind: SourceKind = "note"
    canvas: Canvas | None = None  # kind "canvas": its nodes and edges
    base_text: str = ""  # kind "base": its YAML (the query stage reads it)
    # For queries: the inline fields, list items and queries written in the note, and the
    # file's facts from the same stat (size in bytes; times in seconds since the epoch).
    fields: tuple[InlineField, ...] = ()
    items: tuple[ListItem, ...] = ()
    queries: tuple[QuerySource, ...] = ()
    size: int = 0
    mtime: float = 0.0
    ctime: float = 0.0

    @property
    def name(self) -> str:
        """The file name without folder and ``.md``: what ``[[name]]`` matches."""
        base = self.path.rsplit("/", 1)[-1]
        return base[:-3] if base.lower().endswith(".md") else base

    @property
    def folder(self) -> str:
        return self.path.rsplit("/", 1)[0] if "/" in self.path else ""


# What an edit of a note's text can change without changing its links, headings, tags, aliases,
# title or front matter: nothing else the resolver, the publish filter or another page reads.
_BODY_FIELDS = frozenset(
    {
        "tokens",
        "digest",
        "description",
        "modified",
        "fields",
        "items",
        "queries",
        "size",
        "mtime",
        "ctime",
        "base_text",
    }
)
_SHAPE_FIELDS = tuple(f.name for f in fields(Note) if f.name not in _BODY_FIELDS)


def same_shape(a: Note, b: Note) -> bool:
    """Whether two versions of a note differ at most in their body text and file date."""
    return all(getattr(a, name) == getattr(b, name) for name in _SHAPE_FIELDS)


@dataclass(frozen=True, slots=True)
class Resolution(Picklable):
    """Where a link goes. ``broken`` carries the reason shown to the user."""

    kind: ResolutionKind
    target: VaultPath | None = None  # a note, an attachment, or a folder ("" = vault root)
    anchor: str | None = None  # heading id or "^blockid" inside the target note
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Vault:
    """The whole vault after resolution (and, after the filter stage, only what is published)."""

    notes: dict[VaultPath, Note] = field(hash=False)
    attachments: dict[VaultPath, SourceFile] = field(hash=False)
    folders: frozenset[str]
    # (linking note, LinkRef.key) -> Resolution
    resolutions: dict[tuple[VaultPath, tuple[str, str | None, str | None]], Resolution] = field(
        hash=False
    )
    graph: nx.DiGraph = field(hash=False)

    def resolution(self, source: VaultPath, ref: LinkRef) -> Resolution:
        return self.resolutions.get((source, ref.key), Resolution("broken", reason="not resolved"))


@dataclass(frozen=True, slots=True)
class ImageVariant(Picklable):
    """A resized, re-encoded copy of ``source``, planned at render time and made by the image
    stage. ``key`` names it in the image cache: the source's content hash and every parameter
    that changes its bytes."""

    source: Path
    out_path: OutPath
    width: int
    height: int = 0
    format: str = "WEBP"  # Pillow format of the variant
    key: str = ""
    digest: str = ""  # content hash of the source
    orientation: int = 1  # EXIF orientation to apply to the source's pixels
    name: str = ""  # the source's vault path, for warnings
    users: tuple[tuple[VaultPath, int], ...] = ()  # (note, line) showing it, for warnings


@dataclass(frozen=True, slots=True)
class DiagramRequest(Picklable):
    """A diagram a page shows, asked for at render time and drawn by the diagram stage (once
    per distinct ``key``: its text and the renderer's version). ``source`` is its text."""

    key: str
    kind: str  # "mermaid"
    source: str
    users: tuple[tuple[VaultPath, int], ...] = ()  # (note, line) of the block, for warnings


@dataclass(frozen=True, slots=True)
class Page:
    slug: Slug
    out_path: OutPath
    kind: PageKind
    title: str
    # The HTML, encoded in UTF-8 (a str takes twice the memory, four times with an emoji, and the
    # build holds every page until emit); or, for a page drawn exactly as the last build drew it,
    # a function that draws it again, called only if the file cannot be taken from the old OUT.
    html: bytes | Callable[[], str]
    source: VaultPath | None = None
    identity: str = ""  # content identity of the HTML (``cache.content_identity``), when known


@dataclass(frozen=True, slots=True)
class CopiedFile(Picklable):
    """An attachment copied into OUT as it is."""

    source: Path
    out_path: OutPath
    # what the bytes are, when known without looking at the file (an image variant is named by
    # its cache key); else emit goes by the file's stat
    identity: str = ""


@dataclass(frozen=True, slots=True)
class Site:
    """Everything emit writes: pages, copied files, and generated data files."""

    pages: tuple[Page, ...]
    files: tuple[CopiedFile, ...]
    data: dict[str, bytes] = field(hash=False)  # OUT-relative path -> bytes (JSON, CSS...)
    variants: tuple[ImageVariant, ...] = ()  # made by the image stage, then copied like files
    # drawn by the diagram stage, which puts them into the pages' HTML where they are marked
    diagrams: tuple[DiagramRequest, ...] = ()
