"""Canvases (JSON Canvas 1.0): read into a checked model, resolved and published like notes, drawn
as pages and embeds. What a reader sees in a browser is in test_browser.py; private targets in
hostile/test_privacy.py; rebuilds in test_incremental.py."""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pytest
from conftest import BuiltSite, canvas_file, png
from hypothesis import given, settings
from hypothesis import strategies as st

from garden.canvas import MAX_COORD, parse_canvas_bytes
from garden.model import CanvasNode
from garden.paths import VaultPath
from garden.render.canvas import anchor, edge_geometry, facing_sides


def node(node_id: str, kind: str = "text", x: int = 0, y: int = 0, **extra: Any) -> dict:
    fields: dict[str, Any] = {"id": node_id, "type": kind, "x": x, "y": y}
    fields.update({"width": 200, "height": 100})
    if kind == "text":
        fields["text"] = f"Text of {node_id}"
    fields.update(extra)
    return fields


def parse(text: str | bytes, path: str = "Board.canvas"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_canvas_bytes(VaultPath(path), data)


# --- reading a canvas -----------------------------------------------------------------------


def test_every_node_and_edge_kind_is_read() -> None:
    text = canvas_file(
        [
            node("g", "group", -50, -50, width=600, height=400, label="Ideas", color="4"),
            node("t", text="See [[Other]] and ![[pic.png]]", color="#AbC"),
            node("f", "file", 300, 0, file="Folder/Note.md", subpath="#^blk"),
            node("l", "link", 0, 200, url="https://example.org/x"),
            node("h", "file", 300, 200, file="Note.md", subpath="#Part two"),
        ],
        [
            {"id": "e1", "fromNode": "t", "fromSide": "right", "toNode": "f", "toSide": "left"},
            {"id": "e2", "fromNode": "f", "toNode": "l", "fromEnd": "arrow", "toEnd": "none"},
            {"id": "e3", "fromNode": "l", "toNode": "t", "color": "2", "label": "back"},
        ],
    )
    note, warnings = parse(text)
    assert warnings == []
    assert note.kind == "canvas" and note.title == "Board"
    assert note.canvas is not None
    nodes = {n.id: n for n in note.canvas.nodes}
    assert [n.id for n in note.canvas.nodes] == ["g", "t", "f", "l", "h"]  # file order
    assert nodes["g"].kind == "group" and nodes["g"].label == "Ideas" and nodes["g"].color == "4"
    assert nodes["t"].color == "#aabbcc"
    assert (nodes["f"].x, nodes["f"].y, nodes["f"].width, nodes["f"].height) == (300, 0, 200, 100)
    assert nodes["l"].url == "https://example.org/x"
    assert nodes["f"].line == 5 and nodes["g"].line == 3  # one node a line, as Obsidian writes
    # The canvas's links: the text node's, then each file node's file, from the vault root.
    assert [(r.target, r.heading, r.block, r.embed, r.line) for r in note.links] == [
        ("Other", None, None, False, 4),
        ("pic.png", None, None, True, 4),
        ("/Folder/Note.md", None, "blk", True, 5),
        ("/Note.md", "Part two", None, True, 7),
    ]
    edges = {e.id: e for e in note.canvas.edges}
    assert (edges["e1"].from_side, edges["e1"].to_side) == ("right", "left")
    assert (edges["e1"].from_arrow, edges["e1"].to_arrow) == (False, True)  # the defaults
    assert (edges["e2"].from_arrow, edges["e2"].to_arrow) == (True, False)
    assert (edges["e3"].color, edges["e3"].label, edges["e3"].line) == ("2", "back", 12)
    # Text nodes' Markdown is parsed like a note body, kept as one token per node.
    assert [t["attrs"]["node"] for t in note.tokens or []] == ["t"]
    assert note.description == "See Other and pic.png"


BAD_CANVASES = [
    ("{not json", "not valid JSON", 1),
    ("[1, 2]", "not a JSON Canvas", 0),
    ('{"nodes": {"a": 1}}', "'nodes' is not a list", 0),
    (canvas_file([{"type": "text", "x": 0, "y": 0, "width": 1, "height": 1}]), "has no id", 0),
    (canvas_file([node("a", x="10")]), "node 'a' has no number 'x'", 3),
    (canvas_file([node("a", y=True)]), "no number 'y'", 3),
    (canvas_file([node("a", width=None)]), "no number 'width'", 3),
    ('{"nodes": [{"id": "a", "type": "text", "x": NaN, "y": 0, "width": 1, "height": 1}]}', "x", 1),
    (canvas_file([node("a", x=10**12)]), f"beyond ±{MAX_COORD}", 3),
    (canvas_file([node("a", width=0)]), "not between 1 and", 3),
    (canvas_file([node("a"), node("a")]), "repeats an id", 4),
    (canvas_file([node("a", type=None)]), "has no type", 3),
    (canvas_file([node("a", "sticker")]), "unknown type 'sticker'; drawn as an empty card", 3),
    (canvas_file([node("a", color="red")]), "colour 'red'", 3),
    (canvas_file([node("a", text=None)]), "text node with no text", 3),
    (canvas_file([node("a", "file")]), "file node with no file", 3),
    (canvas_file([node("a", "link")]), "a link with no url", 3),
    (canvas_file([node("a", "group", backgroundStyle="tile")]), "backgroundStyle 'tile'", 3),
    (canvas_file([node("a")], [{"id": "e", "fromNode": "a", "toNode": "b"}]), "'b', which", 6),
    (canvas_file([node("a")], [{"id": "e", "toNode": "a"}]), "fromNode no node", 6),
    (
        canvas_file([node("a")], [{"id": "e", "fromNode": "a", "toNode": "a", "toSide": "up"}]),
        "toSide 'up'",
        6,
    ),
    (
        canvas_file([node("a")], [{"id": "e", "fromNode": "a", "toNode": "a", "toEnd": "dot"}]),
        "toEnd 'dot'",
        6,
    ),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply", 0),
]


@pytest.mark.parametrize(("text", "message", "line"), BAD_CANVASES)
def test_bad_input_is_a_warning_naming_the_file_and_line(
    text: str, message: str, line: int
) -> None:
    note, warnings = parse(text, "Folder/Bad.canvas")
    assert note.kind == "canvas" and note.canvas is not None
    assert [w for w in warnings if message in w.message], warnings
    found = next(w for w in warnings if message in w.message)
    assert (found.category, found.path, found.line) == ("canvas", "Folder/Bad.canvas", line)


def test_what_is_left_out_and_what_is_kept() -> None:
    text = canvas_file(
        [node("a"), node("b", x="far"), node("c", "sticker", 300), node("d", color="9")],
        [
            {"id": "ab", "fromNode": "a", "toNode": "b"},  # b was left out: so is the edge
            {"id": "ac", "fromNode": "a", "toNode": "c", "fromSide": "nowhere"},
        ],
    )
    note, warnings = parse(text)
    assert note.canvas is not None
    assert [(n.id, n.kind, n.color) for n in note.canvas.nodes] == [
        ("a", "text", ""),
        ("c", "unknown", ""),
        ("d", "text", ""),
    ]
    assert [(e.id, e.from_side) for e in note.canvas.edges] == [("ac", "")]
    assert len(warnings) == 5


@pytest.mark.parametrize("text", ["", "  \n", "{}", '{"nodes": [], "edges": []}'])
def test_empty_canvases_are_fine(text: str) -> None:
    note, warnings = parse(text)
    assert warnings == [] and note.canvas is not None and note.canvas.nodes == ()


def test_undecodable_bytes_are_replaced_with_a_warning() -> None:
    note, warnings = parse(
        canvas_file([node("a", text="caf\udce9")]).encode("utf-8", "surrogateescape")
    )
    assert [w.category for w in warnings] == ["encoding"]
    assert note.canvas is not None and len(note.canvas.nodes) == 1


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=30,
)
NODE_LIKE = st.fixed_dictionaries(
    {},
    optional={
        "id": st.sampled_from(["a", "b", "c", ""]) | JSON_VALUES,
        "type": st.sampled_from(["text", "file", "link", "group", "x"]) | JSON_VALUES,
        "x": st.integers(-2 * MAX_COORD, 2 * MAX_COORD) | JSON_VALUES,
        "y": st.integers(-100, 100) | st.floats(),
        "width": st.integers(-5, 500),
        "height": st.integers(-5, 500),
        "text": st.text(max_size=30) | JSON_VALUES,
        "file": st.text(max_size=12) | JSON_VALUES,
        "url": st.text(max_size=12),
        "color": st.sampled_from(["1", "7", "#fff", "#12345g", ""]) | JSON_VALUES,
    },
)
EDGE_LIKE = st.fixed_dictionaries(
    {},
    optional={
        "id": st.text(max_size=3),
        "fromNode": st.sampled_from(["a", "b", "c", "z"]) | JSON_VALUES,
        "toNode": st.sampled_from(["a", "b", "c"]),
        "fromSide": st.sampled_from(["top", "left", "middle"]) | JSON_VALUES,
        "toEnd": st.sampled_from(["arrow", "none", "x"]),
    },
)


@settings(max_examples=2_000 if os.environ.get("GARDEN_FUZZ") else 50, deadline=None)
@given(nodes=st.lists(NODE_LIKE, max_size=6), edges=st.lists(EDGE_LIKE, max_size=6))
def test_any_json_gives_a_consistent_canvas(nodes: list[dict], edges: list[dict]) -> None:
    """Whatever the file holds, reading it never fails, and what is kept is what the renderer
    relies on: unique ids, known kinds, sizes and places in bounds, valid colours, and edges
    between kept nodes. ``make fuzz`` (GARDEN_FUZZ=1) tries 2,000 canvases."""
    note, warnings = parse(json.dumps({"nodes": nodes, "edges": edges}))
    assert note.canvas is not None
    ids = [n.id for n in note.canvas.nodes]
    assert len(ids) == len(set(ids))
    for n in note.canvas.nodes:
        assert n.kind in ("text", "file", "link", "group", "unknown")
        assert abs(n.x) <= MAX_COORD and n.width > 0 and n.height > 0
        assert n.color in ("", *"123456") or re.fullmatch(r"#[0-9a-f]{6}", n.color)
    for e in note.canvas.edges:
        assert e.from_node in ids and e.to_node in ids
    assert all(w.category in ("canvas",) and w.path == "Board.canvas" for w in warnings)


# --- geometry -------------------------------------------------------------------------------


def _node(node_id: str, x: int, y: int, w: int = 100, h: int = 50) -> CanvasNode:
    return CanvasNode(node_id, "text", x, y, w, h)


def test_edges_leave_and_enter_at_the_middle_of_their_sides() -> None:
    a, b = _node("a", 0, 0), _node("b", 300, 200)
    assert anchor(a, "right") == (100, 25) and anchor(b, "top") == (350, 200)
    assert facing_sides(a, b) == ("right", "left")  # further across than down
    assert facing_sides(a, _node("c", 0, 300)) == ("bottom", "top")
    assert facing_sides(b, a) == ("left", "right")
    from garden.model import CanvasEdge

    geometry = edge_geometry(CanvasEdge("e", "a", "b", "bottom", "top"), a, b)
    start, *_, end = geometry.points
    assert start == (50, 50)  # no arrow at the start: the curve starts on the side
    assert end == (350, 200 - 14)  # it ends at the arrowhead's base, whose tip is on the side
    assert geometry.arrows == ("350,200 357,186 343,186",)
    assert geometry.path.startswith("M50 50 C")


# --- the site -------------------------------------------------------------------------------

BOARD = canvas_file(
    [
        node("grp", "group", -40, -80, width=900, height=500, label="Project ideas", color="5"),
        node(
            "txt",
            text="## Plan\n\nSee [[Note]], [[Missing]] and $x^2$.\n\n> [!tip] Callout",
            color="1",
        ),
        node("fil", "file", 320, 0, file="Notes/Note.md", subpath="#Part two"),
        node("img", "file", 0, 300, file="pic.png", width=320, height=200),
        node("lnk", "link", 400, 300, url="https://example.org/page", color="#00ff88"),
        node("pdf", "file", 700, 300, file="doc.pdf"),
    ],
    [
        {
            "id": "e1",
            "fromNode": "txt",
            "fromSide": "right",
            "toNode": "fil",
            "toSide": "left",
            "label": "explains",
        },
        {"id": "e2", "fromNode": "txt", "toNode": "img", "fromEnd": "arrow", "color": "3"},
    ],
)
VAULT = {
    "Home.md": "See [[Board.canvas]], [[Maps/Board.canvas|the board]].\n\n![[Board.canvas]]\n",
    "Notes/Note.md": "# Note\n\nNOTEBODY\n\n## Part two\n\nSECTIONTWO\n",
    "Maps/Board.canvas": BOARD,
    "pic.png": png(800, 500),
    "doc.pdf": b"%PDF-1.4",
}


@pytest.fixture
def board(site_of) -> BuiltSite:
    return site_of(VAULT)


def test_a_canvas_gets_a_page_and_an_index_entry(board: BuiltSite) -> None:
    entry = board.index["Maps/Board.canvas"]
    assert entry["source"] == "Maps/Board.canvas" and entry["title"] == "Board"
    assert entry["links"] == ["Notes/Note"]
    assert entry["backlinks"] == ["Home"]
    # The note its text and file nodes reference lists it in its backlinks.
    assert "Maps/Board.canvas" in board.index["Notes/Note"]["backlinks"]
    note_page = board.page("Notes/Note.html")
    backlinks = note_page[note_page.index('class="backlinks"') :]
    assert 'href="../Maps/Board.canvas.html">Board</a>' in backlinks
    graph = json.loads(board.page("static/graph.json"))
    assert any(n[3] == "Maps/Board.canvas.html" for n in graph["nodes"])


def test_the_page_draws_every_node_and_edge(board: BuiltSite) -> None:
    article = board.article("Maps/Board.canvas.html")
    nodes = re.findall(r'<div class="canvas-node canvas-([\w-]+)[^"]*" data-node="(\w+)"', article)
    # Groups first (behind), then the other nodes in file order.
    assert nodes == [
        ("group", "grp"),
        ("text", "txt"),
        ("file-note", "fil"),
        ("file-image", "img"),
        ("link", "lnk"),
        ("file-other", "pdf"),
    ]
    assert 'style="left:20px;top:-20px' not in article  # placed from the drawing's corner
    assert re.search(
        r'data-node="txt" style="left:\d+px;top:\d+px;width:200px;height:100px"', article
    )
    # Text node: the note pipeline (heading, links, math, callout).
    assert "<h2" in article and "<math" in article and 'data-callout="tip"' in article
    assert re.search(
        r'<a class="internal" href="../Notes/Note.html" data-title="Note">Note</a>', article
    )
    assert '<span class="broken" title="no such note or file">Missing</span>' in article
    # File node of a note's section: the section, and the note's title linking to it.
    assert "SECTIONTWO" in article and "NOTEBODY" not in article
    assert 'href="../Notes/Note.html#part-two" data-title="Note">Note</a>' in article
    # Image: the image pipeline at the node's width; the PDF: a link to the file.
    img = re.search(r'<img src="([^"]+)" srcset="([^"]+)"[^>]*width="320"', article)
    assert img is not None
    for candidate in img.group(2).split(", "):
        assert (board.out / "Maps" / candidate.split()[0]).is_file()
    assert re.search(r'<a class="internal attachment canvas-file-card" href="../doc.pdf">', article)
    assert (board.out / "doc.pdf").is_file()
    # Link node: a card to its URL; group: its label; colours: presets and hex.
    assert '<a class="external canvas-link-card" href="https://example.org/page"' in article
    assert '<div class="canvas-group-label">Project ideas</div>' in article
    assert "canvas-color-5" in article and "--canvas-color:#00ff88" in article
    # Edges: one SVG, a path each, arrowheads (e2 has two), labels.
    assert article.count('<svg class="canvas-edges"') == 1
    assert re.findall(r'data-edge="(\w+)" data-from="(\w+)" data-to="(\w+)"', article) == [
        ("e1", "txt", "fil"),
        ("e2", "txt", "img"),
    ]
    assert article.count('class="canvas-edge-arrow"') == 3
    assert (
        '<div class="canvas-edge-label" data-edge="e1"' in article and ">explains</div>" in article
    )


def test_links_and_embeds_of_a_canvas(board: BuiltSite) -> None:
    home = board.article("Home.html")
    assert (
        '<a class="internal" href="Maps/Board.canvas.html" data-title="Board">Board.canvas</a>'
        in home
    )
    assert (
        '<a class="internal" href="Maps/Board.canvas.html" data-title="Board">the board</a>' in home
    )
    embed = home[home.index('<div class="embed canvas-embed"') :]
    assert (
        '<div class="embed-title"><a class="internal" href="Maps/Board.canvas.html">Board</a>'
        in embed
    )
    assert 'class="canvas-view canvas-view-embed"' in embed and 'data-node="lnk"' in embed
    assert 'href="Notes/Note.html' in embed  # links inside are relative to the note's page


def test_search_and_explorer_include_canvases(board: BuiltSite) -> None:
    docs = [json.loads(p.read_text()) for p in (board.out / "static/search/d").glob("*.json")]
    board_doc = next(d for d in docs if d["u"] == "Maps/Board.canvas.html")
    assert (
        "Plan" in board_doc["x"]
        and "Project ideas" in board_doc["x"]
        and "explains" in board_doc["x"]
    )
    explorer = json.loads(board.page("static/explorer.json"))
    maps = next(e for e in explorer if e["t"] == "Maps")
    assert maps["c"] == [{"t": "Board", "u": "Maps/Board.canvas.html", "k": "canvas"}]
    assert "Board" in board.page("Maps/index.html")


def test_warnings_name_the_canvas_and_the_node(board: BuiltSite) -> None:
    found = [(d.category, d.path, d.line) for d in board.warnings() if d.path.endswith(".canvas")]
    assert ("broken-link", "Maps/Board.canvas", 4) in found


def test_canvases_publish_by_the_contracts_rule(site_of) -> None:
    text = canvas_file([node("a", text="CANVASMARK")])
    site = site_of(
        {
            "garden.yaml": "ignore: [Hidden/**]\n",
            "Open.canvas": text,
            "Hidden/Ignored.canvas": text,
            ".dot/Dotted.canvas": text,
            "Note.md": "[[Ignored.canvas]] ![[Hidden/Ignored.canvas]]",
        }
    )
    assert set(site.index) == {"Open.canvas", "Note"}
    assert not (site.out / "Hidden").exists()
    assert site.article("Note.html").count('class="broken') == 2


def test_explicit_mode_publishes_the_canvases_published_pages_reach(site_of) -> None:
    linked = canvas_file([node("f", "file", file="Second.canvas")])
    site = site_of(
        {
            "garden.yaml": "publish: explicit\n",
            "Shown.md": "---\npublish: true\n---\n![[First.canvas]]",
            "Private.md": "[[Lonely.canvas]]",
            "First.canvas": linked,
            "Second.canvas": canvas_file([node("a", text="SECOND")]),
            "Lonely.canvas": canvas_file([node("a", text="LONELY")]),
        }
    )
    assert set(site.index) == {"Shown", "First.canvas", "Second.canvas"}
    assert "explicit" in site.result.unpublished["Lonely.canvas"]


def test_canvases_embedding_themselves_and_deep_chains_stop_with_a_warning(site_of) -> None:
    chain = {
        f"C{i}.canvas": canvas_file(
            [node("f", "file", file=f"C{i + 1}.canvas"), node("t", x=300, text=f"LEVEL{i}")]
        )
        for i in range(6)
    }
    site = site_of(
        {
            **chain,
            "C6.canvas": canvas_file([node("t", text="BOTTOM")]),
            "Self.canvas": canvas_file([node("me", "file", file="Self.canvas")]),
            "Note.md": "![[Self.canvas]]",
        }
    )
    cycles = site.warnings("embed-cycle")
    assert ("Self.canvas", 3) in [(d.path, d.line) for d in cycles]
    assert "embed-cycle" in site.article("Self.canvas.html")
    deep = [d for d in site.warnings("embed-depth") if d.path == "C0.canvas"]
    assert deep and "C0.canvas → C1.canvas → C2.canvas" in deep[0].message
    page = site.article("C0.canvas.html")
    assert "LEVEL2" in page and "LEVEL3" not in page  # three canvases deep, then a link
    assert 'href="C3.canvas.html"' in page
    assert "BOTTOM" in site.article("C5.canvas.html")


def test_a_bad_canvas_is_a_page_with_a_notice_and_the_build_goes_on(site_of) -> None:
    site = site_of({"Bad.canvas": "{oops", "Note.md": "fine", "Empty.canvas": ""})
    assert "This canvas could not be read." in site.article("Bad.canvas.html")
    assert "This canvas is empty." in site.article("Empty.canvas.html")
    assert [(d.category, d.path) for d in site.warnings("canvas")] == [("canvas", "Bad.canvas")]
    assert "fine" in site.article("Note.html")


def test_hostile_text_in_a_canvas_is_escaped(site_of) -> None:
    payload = '"><script>pwned()</script>'
    site = site_of(
        {
            "X.canvas": canvas_file(
                [
                    node(payload, "group", label=payload),
                    node("l", "link", 300, url="javascript:pwned()"),
                    node("c", x=600, color=payload),
                ],
                [{"id": payload, "fromNode": payload, "toNode": "l", "label": payload}],
            )
        }
    )
    article = site.article("X.canvas.html")
    assert "<script>pwned" not in article and 'href="javascript' not in article
    assert '<span class="broken" title="not a web address">javascript:pwned()</span>' in article


def test_the_json_canvas_sites_own_sample(tmp_path) -> None:
    """The real canvas of the JSON Canvas format's site, next to the notes it shows."""
    from conftest import SHARED_VAULTS, build_site

    vault = SHARED_VAULTS / "jsoncanvas"
    if not vault.is_dir():
        pytest.skip(f"shared vault missing: {vault}")
    site = build_site(vault, tmp_path / "site")
    assert site.diagnostics == []
    article = site.article("sample.canvas.html")
    assert len(re.findall(r'class="canvas-node ', article)) == 5
    assert article.count('class="canvas-edge"') == 1
    assert 'href="docs/apps.html"' in article and 'href="spec/1.0.html"' in article
    assert re.search(r'<img src="_site/logo.svg"[^>]*width="217"', article)
    assert "sample.canvas" in site.index["readme"]["backlinks"]
    assert set(site.index["sample.canvas"]["links"]) == {"readme", "spec/1.0", "docs/apps"}


def test_group_backgrounds(site_of) -> None:
    site = site_of(
        {
            "bg.png": png(1200, 800),
            "tile.png": png(40, 40),
            "Groups.canvas": canvas_file(
                [
                    node("c", "group", width=600, height=400, background="bg.png"),
                    node(
                        "r",
                        "group",
                        700,
                        width=300,
                        height=300,
                        background="bg.png",
                        backgroundStyle="ratio",
                    ),
                    node("t", "group", 1100, background="tile.png", backgroundStyle="repeat"),
                    node("m", "group", 1400, background="gone.png"),
                ]
            ),
        }
    )
    article = site.article("Groups.canvas.html")
    cover = re.search(
        r'<div class="canvas-group-bg bg-cover"><img src="([^"]+)"[^>]*width="600"', article
    )
    assert cover is not None and (site.out / cover.group(1)).is_file()
    assert '<div class="canvas-group-bg bg-ratio"><img' in article
    assert (
        '<div class="canvas-group-bg bg-repeat" style="background-image:url(\'tile.png\')">'
        in article
    )
    assert (site.out / "tile.png").is_file()
    assert [d.line for d in site.warnings("broken-embed") if d.path == "Groups.canvas"] == [6]


def test_a_diagram_in_a_text_card(site_of) -> None:
    """Mermaid in a text card is drawn like a note's, its linking nodes resolved from the
    canvas; a warning gives the card's line."""
    text = "```mermaid\nflowchart LR\n  A[Note] --> B[Gone]\n  class A,B internal-link\n```"
    site = site_of({"Note.md": "hello", "D.canvas": canvas_file([node("t", text=text)])})
    article = site.article("D.canvas.html")
    assert "<svg" in article and 'href="Note.html"' in article
    assert [(d.path, d.line) for d in site.warnings("broken-link")] == [("D.canvas", 3)]
