"""Mermaid diagrams drawn to SVG at build time, with no browser and no script.

The renderer is mmdr's ``merman`` engine (Rust, in abi3 wheels for Linux, macOS and Windows): it
parses and lays out Mermaid itself, about 20 ms a diagram, and writes plain SVG (text as
``<text>``, no ``<foreignObject>``), so a diagram shows in any reader, feed or ``<img>``.

Each diagram is drawn twice, with Mermaid's ``default`` and ``dark`` themes, which is what
Obsidian shows in its light and dark modes; the page shows the one matching the site's theme. A
diagram that picks its own theme (``%%{init: {"theme": ...}}%%`` or a ``config: theme:`` front
matter) is drawn once, as written.

What comes out is made safe to inline: every id is renamed under a prefix made from the
diagram's key (two diagrams on a page, or the same one twice, never share an id: see
``place``), and nothing in it can run a script or fetch from another host.
"""

from __future__ import annotations

import hashlib
import html
import importlib.util
import json
import re
from dataclasses import dataclass
from pathlib import Path

# mmdr is imported where a diagram is drawn: most builds draw none (they come from the cache).
_ENGINE = "merman"


def renderer_version() -> str:
    """The renderer and its version: part of every diagram's key, so an upgrade redraws. Read
    from the installed package's metadata folder: importing mmdr takes 20 ms (it loads its PNG
    rasteriser), too much for every no-change build, which draws nothing."""
    spec = importlib.util.find_spec("mmdr")
    if spec is not None and spec.origin:
        found = sorted(Path(spec.origin).parent.parent.glob("mmdr-*.dist-info"))
        if found:
            return f"mmdr {found[-1].name[len('mmdr-') : -len('.dist-info')]} {_ENGINE}"
    from mmdr import __version__

    return f"mmdr {__version__} {_ENGINE}"


# This module's own code is in the key too: a change to how SVG is cleaned or placed must not
# reuse what an older garden made.
_CODE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
_VERSION: str | None = None


def diagram_key(source: str) -> str:
    """The diagram's identity: its text, the renderer's version, and this code's."""
    global _VERSION
    if _VERSION is None:
        _VERSION = renderer_version()
    data = json.dumps([_VERSION, _CODE, source]).encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:32]


def id_prefix(key: str) -> str:
    return "gd" + key[:12]


@dataclass(frozen=True, slots=True)
class Drawn:
    """A diagram as drawn: the SVG for light pages, and for dark ones ("" when the diagram set
    its own theme and ``light`` serves both); or why it could not be drawn."""

    light: str = ""
    dark: str = ""
    error: str = ""

    def to_json(self) -> str:
        return json.dumps({"light": self.light, "dark": self.dark, "error": self.error})

    @classmethod
    def from_json(cls, text: str) -> Drawn | None:
        try:
            data = json.loads(text)
            return cls(str(data["light"]), str(data["dark"]), str(data["error"]))
        except (ValueError, KeyError, TypeError):
            return None


# --------------------------------------------------------------------------------------------
# Drawing
# --------------------------------------------------------------------------------------------
_FRONT_MATTER = re.compile(r"\A\s*---[ \t]*\n.*?\n---[ \t]*\n", re.S)
_SETS_THEME = re.compile(r"%%\{.*?\btheme\b.*?\}%%", re.S | re.I)
_FM_THEME = re.compile(r"^\s+theme\s*:", re.M)


def sets_own_theme(source: str) -> bool:
    if _SETS_THEME.search(source):
        return True
    fm = _FRONT_MATTER.match(source)
    return fm is not None and _FM_THEME.search(fm.group(0)) is not None


def with_theme(source: str, theme: str) -> str:
    """``source`` with an init directive choosing ``theme``, after its front matter if any (a
    directive before it would make the front matter an error)."""
    directive = "%%{init: {'theme': '" + theme + "'}}%%\n"
    fm = _FRONT_MATTER.match(source)
    if fm is None:
        return directive + source
    return fm.group(0) + directive + source[fm.end() :]


_STYLE_STMT = re.compile(r"^(\s*(?:style|classDef)\s+\S+\s+)([^;\n]*)", re.M)
_FILL = re.compile(r"(?:^|,)\s*fill\s*:\s*#([0-9a-f]{3}|[0-9a-f]{6})\b", re.I)
DARK_TEXT = "#1f2020"  # the dark theme's node fill: dark text for a light fill set by hand


def readable_in_dark(source: str) -> str:
    """``source`` with dark text on every node a ``style`` or ``classDef`` fills with a light
    colour and gives no text colour: the dark theme's light text would not show on it."""

    def fix(m: re.Match[str]) -> str:
        props = m.group(2)
        fill = _FILL.search(props)
        if fill is None or re.search(r"(?:^|,)\s*color\s*:", props) or not _light(fill.group(1)):
            return m.group(0)
        return f"{m.group(1)}{props.rstrip()},color:{DARK_TEXT}"

    return _STYLE_STMT.sub(fix, source)


def _light(hex_color: str) -> bool:
    if len(hex_color) == 3:
        hex_color = "".join(c * 2 for c in hex_color)
    r, g, b = (int(hex_color[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.5


def draw(source: str, key: str) -> Drawn:
    """Draw ``source`` (the text of a ```` ```mermaid ```` block) in both themes; never raises."""
    import mmdr

    prefix = id_prefix(key)
    try:
        if sets_own_theme(source):
            return Drawn(clean_svg(mmdr._mmdr.render(source, _ENGINE), prefix))
        light = clean_svg(mmdr._mmdr.render(with_theme(source, "default"), _ENGINE), prefix)
        dark_source = with_theme(readable_in_dark(source), "dark")
        dark = clean_svg(mmdr._mmdr.render(dark_source, _ENGINE), prefix + "-dark")
        return Drawn(light, dark)
    except Exception as exc:  # the engine's ValueError says what is wrong; anything else too
        return Drawn(error=_reason(exc))


def _reason(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "…"


# --------------------------------------------------------------------------------------------
# Cleaning: unique ids, nothing that runs or fetches
# --------------------------------------------------------------------------------------------
MIN_SHOWN_WIDTH = 320  # px: a diagram this wide or less is never shrunk
_STYLE = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.S | re.I)
_TAG = re.compile(r"<[A-Za-z][^<>]*>")
_ID = re.compile(r'\sid="([^"]+)"')
_ROOT = re.compile(r"<svg\b[^>]*>")
_VIEWBOX = re.compile(r'\sviewBox="([-\d.e]+)[ ,]+([-\d.e]+)[ ,]+([\d.e]+)[ ,]+([\d.e]+)"')
# Elements that run code or show other documents: never kept, whatever the engine writes.
_DROPPED = "script|foreignObject|iframe|object|embed|audio|video"
_DROP_ELEMENTS = re.compile(
    rf"<({_DROPPED})\b[^>]*/>|<({_DROPPED})\b.*?</\2\s*>|</?(?:{_DROPPED})\b[^>]*>", re.S | re.I
)
_EVENT_ATTR = re.compile(r"""\s on[a-z]+\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.I | re.X)
_LINK_ATTR = re.compile(r'\s(?:xlink:)?href="([^"]*)"')
_SAFE_LINK = re.compile(r"^(?:#|https?://|mailto:)", re.I)
_FOREIGN_URL = re.compile(r"url\(\s*(?!['\"]?#)[^)]*\)", re.I)
_IMPORT = re.compile(r"@import[^;]*;?", re.I)
_CSS_URL = re.compile(r"(url\(\s*['\"]?#)([^)'\"]+)(['\"]?\s*\))")


def clean_svg(svg: str, prefix: str) -> str:
    """The engine's SVG, ready to inline into a page: ids renamed under ``prefix``, the root
    sized by its viewBox, and nothing that runs a script or makes a request (elements, event
    attributes, links other than in-page, https and mailto, CSS ``url()`` and ``@import``)."""
    start = svg.find("<svg")
    if start < 0:
        raise ValueError("the renderer wrote no SVG")
    svg = svg[start:]
    svg = _DROP_ELEMENTS.sub("", svg)
    ids = {m.group(1): f"{prefix}-{m.group(1)}" for m in _ID.finditer(svg)}

    def style(m: re.Match[str]) -> str:
        css = _IMPORT.sub("", _FOREIGN_URL.sub("none", m.group(2)))
        css = _CSS_URL.sub(lambda u: f"{u.group(1)}{prefix}-{u.group(2)}{u.group(3)}", css)
        return m.group(1) + _rename_in_css(css, ids) + m.group(3)

    def tag(m: re.Match[str]) -> str:
        text = _EVENT_ATTR.sub("", m.group(0))
        text = _LINK_ATTR.sub(lambda a: a.group(0) if _SAFE_LINK.match(a.group(1)) else "", text)
        text = _FOREIGN_URL.sub("none", text)
        return _rename_in_tag(text, prefix)

    parts: list[str] = []
    last = 0
    for m in _STYLE.finditer(svg):
        parts.append(_TAG.sub(tag, svg[last : m.start()]))
        parts.append(style(m))
        last = m.end()
    parts.append(_TAG.sub(tag, svg[last:]))
    return _size_root("".join(parts))


def _rename_in_css(css: str, ids: dict[str, str]) -> str:
    """Selectors of the SVG's ids renamed (only those: ``#333`` is a colour)."""
    if not ids:
        return css
    names = "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
    return re.sub(rf"#({names})(?![\w-])", lambda m: "#" + ids[m.group(1)], css)


def _rename_in_tag(tag: str, prefix: str) -> str:
    """Every id and reference in ``tag`` under ``prefix`` (a reference to an id the SVG lacks
    too: it must not find one of another diagram on the page)."""

    def rename(m: re.Match[str]) -> str:
        return f"{m.group(1)}{prefix}-{m.group(2)}{m.group(3)}"

    tag = re.sub(r'(\sid=")([^"]+)(")', rename, tag)
    tag = re.sub(r'(\s(?:xlink:)?href="#)([^"]+)(")', rename, tag)
    return re.sub(r"(url\(\s*['\"]?#)([^)'\"]+)(['\"]?\s*\))", rename, tag)


def _size_root(svg: str) -> str:
    """The root ``<svg>`` with its natural size as ``width``/``height`` (the page scales it down
    to the column, see ``place``) instead of the engine's ``width="100%"``."""
    root = _ROOT.match(svg)
    if root is None:
        raise ValueError("the renderer wrote no SVG")
    tag = root.group(0)
    box = _VIEWBOX.search(tag)
    if box is None:
        return svg
    width, height = float(box.group(3)), float(box.group(4))
    # Scaled to the column down to ~60% (text stays readable), then the frame scrolls.
    least = min(width, max(MIN_SHOWN_WIDTH, width * 0.6))
    tag = re.sub(r'\s(?:width|height|style)="[^"]*"', "", tag)
    tag = tag[:-1] + f' width="{width:.0f}" height="{height:.0f}" style="min-width:{least:.0f}px">'
    return tag + svg[root.end() :]


# --------------------------------------------------------------------------------------------
# Placing a drawn diagram into a page
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class NodeLink:
    """Where an ``internal-link`` node goes from one page: ``href`` and the target's title, or
    ``broken`` with the reason (the node is then marked, and links nowhere)."""

    node: str  # the node's id in the diagram's source
    href: str = ""
    title: str = ""
    broken: str = ""


_MARKER = re.compile(
    r'<garden-diagram key="([0-9a-f]{32})" n="(\d+)" links="([^"]*)"></garden-diagram>'
)


def marker(key: str, n: int, links: tuple[NodeLink, ...]) -> str:
    """What the page renderer writes where the diagram goes; ``place`` replaces it once the
    diagram is drawn. It carries everything page-specific (occurrence, links)."""
    data = json.dumps([[x.node, x.href, x.title, x.broken] for x in links])
    return f'<garden-diagram key="{key}" n="{n}" links="{html.escape(data)}"></garden-diagram>'


def markers(page_html: str) -> list[str]:
    """The keys of the diagrams waiting in ``page_html``."""
    return [m.group(1) for m in _MARKER.finditer(page_html)]


def place(page_html: str, drawn: dict[str, Drawn], sources: dict[str, str]) -> str:
    """``page_html`` with every marker replaced by its diagram (``drawn`` by key), or by its
    source as code when it could not be drawn (``sources`` by key)."""

    def one(m: re.Match[str]) -> str:
        key, n = m.group(1), int(m.group(2))
        try:
            links = tuple(NodeLink(*x) for x in json.loads(html.unescape(m.group(3))))
        except (ValueError, TypeError):
            links = ()
        entry = drawn.get(key)
        if entry is None or entry.error:
            return source_block(sources.get(key, ""))
        return figure(entry, key, n, links)

    return _MARKER.sub(one, page_html)


def source_block(source: str) -> str:
    return (
        '<pre class="diagram-error"><code class="language-mermaid">'
        f"{html.escape(source, quote=False)}</code></pre>\n"
    )


def figure(drawn: Drawn, key: str, n: int, links: tuple[NodeLink, ...]) -> str:
    """The diagram's HTML: one SVG per theme in a frame that scrolls when the diagram is wider
    than the column, and a link that shows it full size (CSS ``:target``, no script)."""
    base = id_prefix(key)
    own = f"{base}-{n}"
    light = _linked(drawn.light.replace(base, own), links, own)
    svgs = f'<div class="diagram-light">{light}</div>'
    if drawn.dark:
        dark = _linked(drawn.dark.replace(base, own), links, own)
        svgs = f'<div class="diagram-themed">{svgs}<div class="diagram-dark">{dark}</div></div>'
    kind = _KIND.search(drawn.light)
    kind_attr = f' data-diagram="{html.escape(kind.group(1))}"' if kind else ""
    return (
        f'<figure class="diagram mermaid" id="{own}"{kind_attr}>'
        f'<div class="diagram-view" id="{own}-full">'
        f'<a class="diagram-close" href="#{own}" aria-label="Close full size view">×</a>'
        f'<div class="diagram-scroll">{svgs}</div></div>'
        f'<figcaption><a class="diagram-expand" href="#{own}-full">Full size</a></figcaption>'
        "</figure>\n"
    )


_KIND = re.compile(r'aria-roledescription="([^"]+)"')
_NODE_OPEN = re.compile(r'<g class="([^"]*)" id="([^"]+)"')
_NODE_ID = re.compile(r"-(?:flowchart|state)-(.+)-\d+$")
# The engine writes node labels as text in a layer of their own after the nodes, one group per
# node label in the nodes' order (and cluster titles, which are no node's).
_LABEL_OPEN = re.compile(r'<g data-merman-foreignobject="fallback"[^>]*source-classes="([^"]*)"')
_G = re.compile(r"<g\b|</g>")


def _linked(svg: str, links: tuple[NodeLink, ...], own: str) -> str:
    """``svg`` with each ``internal-link`` node (its shape and its label) wrapped in a link to
    its note, or marked ``broken`` (with the reason as its tooltip) when the note is missing or
    unpublished."""
    if not links:
        return svg
    by_node = {x.node: x for x in links}
    nodes = [m for m in _NODE_OPEN.finditer(svg) if "node" in m.group(1).split()]
    labels = [
        m
        for m in _LABEL_OPEN.finditer(svg)
        if "nodeLabel" in m.group(1).split() and "cluster-label" not in m.group(1).split()
    ]
    paired = len(labels) == len(nodes)
    edits: list[tuple[int, int, str]] = []
    for i, m in enumerate(nodes):
        found = _NODE_ID.search(m.group(2))
        link = by_node.get(found.group(1)) if found else None
        if link is None:
            continue
        parts = [m.start()] + ([labels[i].start()] if paired else [])
        for start in parts:
            end = _group_end(svg, start)
            edits.append((start, end, _link_group(svg[start:end], link)))
    for start, end, text in sorted(edits, reverse=True):
        svg = svg[:start] + text + svg[end:]
    return svg


def _link_group(group: str, link: NodeLink) -> str:
    href = link.href
    if href and not link.broken and not re.match(r"^[a-z][a-z0-9+.-]*:", href, re.I):
        return (
            f'<a class="internal" href="{html.escape(href)}" '
            f'data-title="{html.escape(link.title)}">{group}</a>'
        )
    reason = html.escape(link.broken or "not published", quote=False)
    marked = re.sub(r'^(<g\b[^>]*?\sclass=")', r"\1broken ", group, count=1)
    tag_end = marked.index(">") + 1
    return marked[:tag_end] + f"<title>{reason}</title>" + marked[tag_end:]


def _group_end(svg: str, start: int) -> int:
    """The end of the ``<g>`` element opened at ``start`` (just past its ``</g>``)."""
    depth = 0
    for m in _G.finditer(svg, start):
        if m.group(0) == "</g>":
            depth -= 1
            if depth == 0:
                return m.end()
        else:
            depth += 1
    return len(svg)
