"""Mermaid diagrams: drawn into the page as SVG at build time, once per distinct text, kept in
the build cache; nodes of class internal-link link to notes; a diagram that cannot be drawn is
a warning and shows its source."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import build_site, leaks, make_vault

import garden.build
import garden.diagrams.mermaid as mermaid
from garden.build import build
from garden.diagnostics import Reporter
from garden.diagrams.mermaid import clean_svg, readable_in_dark, sets_own_theme, with_theme
from garden.markdown.mermaid import internal_link_nodes

FLOW = "```mermaid\nflowchart TD\n  A[Start] --> B{Ready?}\n  B -->|yes| C[Ship]\n```\n"
PIE = '```mermaid\npie title Notes\n  "Projects" : 4\n  "Areas" : 3\n```\n'
BROKEN = "```mermaid\nflowchart TD\n  A[Start] --> B{oops\n```\n"
TYPES = {
    "flowchart": "flowchart LR\n  A[Write] --> B{Ready?} -->|yes| C[Publish]",
    "sequence": "sequenceDiagram\n  Alice->>John: Hello\n  John-->>Alice: Hi",
    "class": "classDiagram\n  class Note {\n    +str path\n    +render() Page\n  }\n  Note --> P",
    "state": "stateDiagram-v2\n  [*] --> Draft\n  Draft --> Published\n  Published --> [*]",
    "gantt": "gantt\n  dateFormat YYYY-MM-DD\n  section A\n  Write :a1, 2024-01-01, 3d",
    "mindmap": "mindmap\n  root((Garden))\n    Notes\n    Links",
    "pie": 'pie\n  "A" : 1\n  "B" : 2',
    "er": "erDiagram\n  NOTE ||--o{ LINK : contains",
}


def _ids(html: str) -> list[str]:
    return re.findall(r'\sid="([^"]+)"', html)


def test_each_common_type_is_an_inline_svg_in_both_themes(tmp_path: Path) -> None:
    body = "\n".join(f"## {name}\n\n```mermaid\n{src}\n```\n" for name, src in TYPES.items())
    site = build_site(make_vault(tmp_path / "v", {"index.md": body}))
    article = site.article("index.html")
    assert not site.warnings("diagram")
    figures = re.findall(r'<figure class="diagram mermaid"[^>]*data-diagram="([^"]+)"', article)
    assert len(figures) == len(TYPES)
    assert article.count('<div class="diagram-light"><svg') == len(TYPES)
    assert article.count('<div class="diagram-dark"><svg') == len(TYPES)
    assert "<garden-diagram" not in article and "<pre" not in article
    page = site.page("index.html")
    assert "<script" not in article and "foreignObject" not in page
    # no request to another host: only the SVG namespaces name one
    assert set(re.findall(r"https?://[^\s\"')]+", article)) <= {
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1999/xlink",
    }
    assert site.result.diagrams.drawn == len(TYPES)


def test_ids_are_unique_with_repeated_and_embedded_diagrams(tmp_path: Path) -> None:
    vault = make_vault(
        tmp_path / "v",
        {
            "index.md": f"# Home\n\n{FLOW}\n{PIE}\n{FLOW}\n![[Other]]\n\n![[Other]]\n",
            "Other.md": f"# Other\n\n{FLOW}\n{PIE}",
        },
    )
    site = build_site(vault)
    page = site.page("index.html")
    ids = _ids(page)
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1][:5]
    assert page.count('<figure class="diagram mermaid"') == 7
    # every in-SVG reference is to an id under its diagram's own prefix (the engine may
    # refer to one it did not write: then to none of another diagram's either)
    figures = re.findall(r'<figure class="diagram mermaid" id="([^"]+)"', page)
    parts = re.split(r'<figure class="diagram mermaid"', page)[1:]
    for own, svg in zip(figures, parts, strict=True):
        refs = re.findall(r'url\(#([^)]+)\)|href="#([^"]+)"', svg.split("</figure>")[0])
        assert all(r.startswith(own) for pair in refs for r in pair if r), own
    # two distinct diagrams on the whole site: each drawn once
    assert site.result.diagrams.diagrams == 2
    assert site.result.diagrams.drawn == 2


def test_internal_link_nodes_link_to_notes_and_leak_nothing_private(tmp_path: Path) -> None:
    diagram = (
        "```mermaid\ngraph TD\n  A[Biology] --> B[Chemistry]\n  B --> C[Secret plans]\n"
        "  C --> D:::internal-link\n  class A,B,C,E internal-link;\n```\n"
    )
    vault = make_vault(
        tmp_path / "v",
        {
            "index.md": f"# Home\n\n{diagram}",
            "Biology.md": "Cells.\n",
            "Sub/Chemistry.md": "---\ntitle: Chemistry for all\n---\nAtoms.\n",
            "Secret plans.md": "---\npublish: false\ntitle: PRIVATE-TITLE-7731\n---\n"
            "PRIVATE-BODY-7731\n",
        },
    )
    site = build_site(vault)
    article = site.article("index.html")
    assert article.count('<a class="internal" href="Biology.html" data-title="Biology">') == 4
    assert 'href="Sub/Chemistry.html" data-title="Chemistry for all"' in article
    # unpublished and missing targets: marked broken, no link, the reason as a tooltip
    broken = re.findall(r'<g class="broken node[^"]*" id="[^"]*-flowchart-([A-Z])-', article)
    assert sorted(set(broken)) == ["C", "D"]
    assert "<title>links to an unpublished note</title>" in article
    assert "Secret%20plans" not in article and "Secret plans.html" not in article
    assert leaks(site.out, ["PRIVATE-TITLE-7731", "PRIVATE-BODY-7731"]) == []
    lines = {(d.path, d.line, d.message) for d in site.warnings("broken-link")}
    assert ("index.md", 8, "diagram node 'Secret plans': links to an unpublished note") in lines
    assert ("index.md", 7, "diagram node 'D': no such note or file") in lines
    # not links of the graph (as in Obsidian): no backlink, no index link
    assert site.index["Biology"]["backlinks"] == []
    assert site.index["index"]["links"] == []


def test_a_diagram_that_cannot_be_drawn_is_a_warning_and_shows_its_source(
    tmp_path: Path,
) -> None:
    vault = make_vault(tmp_path / "v", {"index.md": f"# Home\n\nText.\n\n{BROKEN}\n{FLOW}"})
    site = build_site(vault)
    [warning] = site.warnings("diagram")
    assert (warning.path, warning.line) == ("index.md", 5)
    assert "cannot be drawn" in warning.message and "missing `}`" in warning.message
    article = site.article("index.html")
    assert (
        '<pre class="diagram-error"><code class="language-mermaid">'
        "flowchart TD\n  A[Start] --&gt; B{oops\n</code></pre>" in article
    )
    assert article.count('<figure class="diagram mermaid"') == 1
    # and again from the cache, with no drawing
    again = Reporter()
    _age(vault)
    (vault / "other.md").write_text("New note.\n", encoding="utf-8")
    result = build(vault, site.out, reporter=again)
    assert result.diagrams.drawn == 0
    assert [(d.path, d.line) for d in again.diagnostics if d.category == "diagram"] == [
        ("index.md", 5)
    ]


def _age(vault: Path) -> None:
    import os
    import time

    old = time.time() - 120
    for p in vault.rglob("*"):
        os.utime(p, (old, old))


def test_each_diagram_is_drawn_once_and_kept_across_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = make_vault(
        tmp_path / "v",
        {"index.md": f"# Home\n\n{FLOW}\n{PIE}", "a.md": FLOW, "b.md": f"{PIE}\nText.\n"},
    )
    _age(vault)
    out = tmp_path / "site"
    first = build(vault, out, reporter=Reporter())
    assert (first.diagrams.diagrams, first.diagrams.drawn) == (2, 2)
    page = (out / "index.html").read_bytes()
    # a no-change rebuild draws nothing (and renders nothing)
    assert build(vault, out, reporter=Reporter()).unchanged
    # a rebuild that renders the pages again takes every diagram from the cache
    (vault / "b.md").write_text(f"{PIE}\nOther text.\n", encoding="utf-8")
    _age(vault)
    second = build(vault, out, reporter=Reporter(), use_cache=False)
    assert second.diagrams.drawn == 0
    assert (out / "index.html").read_bytes() == page
    # a new diagram is the only one drawn
    (vault / "c.md").write_text(FLOW.replace("Ship", "Deploy"), encoding="utf-8")
    _age(vault)
    assert build(vault, out, reporter=Reporter()).diagrams.drawn == 1
    # another renderer version draws them all again, and the pages show them
    monkeypatch.setattr(mermaid, "_VERSION", "mmdr 99.0 merman")
    monkeypatch.setattr(garden.build, "renderer_version", lambda: "mmdr 99.0 merman")
    fourth = build(vault, out, reporter=Reporter())
    assert fourth.diagrams.drawn == 3
    assert fourth.pages_reused < fourth.pages


def test_private_diagrams_are_never_drawn_nor_cached(tmp_path: Path, user_cache: Path) -> None:
    secret = "```mermaid\nflowchart LR\n  A[PRIVATE-NODE-5521] --> B\n```\n"
    vault = make_vault(
        tmp_path / "v",
        {"index.md": f"# Home\n\n{FLOW}", "Draft.md": f"---\ndraft: true\n---\n{secret}"},
    )
    site = build_site(vault)
    assert site.result.diagrams.drawn == 1
    drawn = list(user_cache.rglob("diagrams/*/*.json"))
    assert len(drawn) == 1  # the published one: the cache really is here
    assert leaks(user_cache, ["PRIVATE-NODE-5521"]) == []
    assert leaks(site.out, ["PRIVATE-NODE-5521"]) == []


def test_a_diagram_choosing_its_theme_is_drawn_once_as_written(tmp_path: Path) -> None:
    forest = "```mermaid\n%%{init: {'theme': 'forest'}}%%\nflowchart LR\n  A --> B\n```\n"
    site = build_site(make_vault(tmp_path / "v", {"index.md": forest}))
    article = site.article("index.html")
    assert article.count("<svg") == 1 and "diagram-themed" not in article
    assert "#cde498" in article  # the forest theme's node colour


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "graph TD\nBiology --> Chemistry\nclass Biology,Chemistry internal-link;",
            [("Biology", "Biology"), ("Chemistry", "Chemistry")],
        ),
        # Obsidian's snippet: a class statement may list nodes the diagram does not have
        (
            "graph TD\nA[Biology]\nB[Chemistry]\nA --> B\nclass A,B,C,D,Z internal-link;",
            [("A", "Biology"), ("B", "Chemistry")],
        ),
        (
            'graph TD\nA["⨳ special character"] --> B(Round<br>label)\nclass A,B internal-link',
            [("A", "⨳ special character"), ("B", "Roundlabel")],
        ),
        ("flowchart LR\nA-->B[Label];class B internal-link;", [("B", "Label")]),
        ("flowchart LR\nA[x] --> B{{Hex}}:::internal-link", [("B", "Hex")]),
        ("flowchart LR\na-b --> c-d[Note#Part]\nclass c-d internal-link", [("c-d", "Note#Part")]),
        (
            'stateDiagram-v2\nstate "Long name" as L\nL --> M\nclass L internal-link',
            [("L", "Long name")],
        ),
        ("flowchart LR\n%% class A internal-link\nA --> B", []),
        ("flowchart LR\nA[Ünïcödé] --> B\nclass A internal-link", [("A", "Ünïcödé")]),
    ],
)
def test_internal_link_nodes(source: str, expected: list[tuple[str, str]]) -> None:
    assert [(node, name) for node, name, _ in internal_link_nodes(source)] == expected


def test_clean_svg_keeps_nothing_that_runs_or_fetches() -> None:
    svg = (
        '<svg id="r" width="100%" style="max-width:90px" viewBox="0 0 90 40">'
        "<style>#r .a{fill:url(https://evil.example/x)} @import url(//evil.example/y.css);"
        "#r-m{stroke:red}</style>"
        '<script>alert(1)</script><foreignObject><img src="https://evil.example/i"/>'
        "</foreignObject>"
        '<a xlink:href="javascript:alert(1)" onclick="alert(2)"><text>x #r</text></a>'
        '<a href="https://ok.example/">ok</a><marker id="r-m"/>'
        '<path marker-end="url(#r-m)" fill="url(http://evil.example/z)"/></svg>'
    )
    out = clean_svg(svg, "gdabc")
    assert "evil" not in out and "script" not in out and "javascript" not in out
    assert "onclick" not in out and "foreignObject" not in out
    assert 'href="https://ok.example/"' in out
    assert 'id="gdabc-r"' in out and "#gdabc-r .a" in out and "#gdabc-r-m{" in out
    assert 'marker-end="url(#gdabc-r-m)"' in out
    assert "<text>x #r</text>" in out  # text is never touched
    assert 'width="90" height="40" style="min-width:90px"' in out


def test_theme_directives() -> None:
    assert not sets_own_theme("flowchart LR\n A --> B")
    assert sets_own_theme("%%{init: {'theme': 'forest'}}%%\nflowchart LR\n A --> B")
    assert sets_own_theme("---\nconfig:\n  theme: neutral\n---\nflowchart LR\n A --> B")
    front = "---\ntitle: T\n---\nflowchart LR\n A --> B"
    assert with_theme(front, "dark").startswith("---\ntitle: T\n---\n%%{init: {'theme': 'dark'}}%%")


def test_light_fills_set_by_hand_get_dark_text_in_the_dark_drawing() -> None:
    source = (
        "flowchart TD\n  A --> B --> C --> D\n  style A fill:#c6dbef\n"
        "  style B fill:#123,stroke:#f00\n  style C fill:#fdd49e,color:#f00\n"
        "  classDef warm fill:#FFF;\n  class D warm"
    )
    assert readable_in_dark(source).splitlines()[2:] == [
        "  style A fill:#c6dbef,color:#1f2020",
        "  style B fill:#123,stroke:#f00",  # a dark fill keeps the light text
        "  style C fill:#fdd49e,color:#f00",  # a text colour chosen stays
        "  classDef warm fill:#FFF,color:#1f2020;",
        "  class D warm",
    ]
