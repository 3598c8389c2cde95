"""The publish rules, driven directly: each flag spelling, each reason a note stays private (as
``garden explain`` and the warnings say it), and what filtering does to links and attachments."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from conftest import build_site, make_vault, png

from garden.publish import flag_value, unpublished_reason


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (" Yes ", True),
        ("y", True),
        ("ON", True),
        ("1", True),
        ("true", True),
        (2.5, True),
        ("n", False),
        (" false", False),
        ("0", False),
        (0.0, False),
        ("", None),
        ("2", None),
        (None, None),
        ({"a": 1}, None),
    ],
)
def test_more_flag_spellings(value: object, expected: bool | None) -> None:
    assert flag_value(value) is expected


@pytest.mark.parametrize(
    ("frontmatter", "reason"),
    [
        ({"draft": True}, "draft: true"),
        ({"Draft": "yes"}, "draft: 'yes'"),
        ({"DRAFT": 1}, "draft: 1"),
        ({"draft": "maybe"}, "draft: 'maybe' is not true/false, so treated as a draft"),
        ({"draft": [1]}, "draft: [1] is not true/false, so treated as a draft"),
        ({"publish": False}, "publish: false"),
        ({"Publish": "no"}, "publish: 'no'"),
        ({"publish": 0}, "publish: 0"),
        ({"publish": "later"}, "publish: 'later' is not true/false, so not published"),
        # Two spellings of one key: the one that hides the note wins, whatever their order.
        ({"draft": False, "Draft": True}, "draft: true"),
        ({"Draft": True, "draft": False}, "draft: true"),
        ({"publish": True, "PUBLISH": False}, "publish: false"),
        ({"PUBLISH": False, "publish": True}, "publish: false"),
        # A draft is a draft whatever publish says.
        ({"publish": True, "draft": True}, "draft: true"),
        (
            {"draft": "maybe", "publish": True},
            "draft: 'maybe' is not true/false, so treated as a draft",
        ),
    ],
)
def test_each_reason_a_note_stays_private(frontmatter: dict, reason: str) -> None:
    assert unpublished_reason(frontmatter, "", "") == reason
    assert unpublished_reason(frontmatter, "", "", explicit=True) == reason


@pytest.mark.parametrize(
    "frontmatter",
    [{}, {"draft": False}, {"draft": None}, {"publish": None}, {"draft": "no", "publish": "yes"}],
)
def test_published_notes(frontmatter: dict) -> None:
    assert unpublished_reason(frontmatter, "", "") == ""


def test_explicit_mode_wants_publish_true() -> None:
    wanted = "config publish: explicit, and the note has no publish: true"
    assert unpublished_reason({}, "", "", explicit=True) == wanted
    assert unpublished_reason({"draft": False}, "", "", explicit=True) == wanted
    assert unpublished_reason({"publish": None}, "", "", explicit=True) == wanted
    assert unpublished_reason({"publish": True}, "", "", explicit=True) == ""
    assert unpublished_reason({"Publish": "on", "draft": "off"}, "", "", explicit=True) == ""


def test_an_ignore_pattern_and_bad_front_matter_come_before_the_flags() -> None:
    assert unpublished_reason({"publish": True}, "", "Private/**") == (
        "matches ignore pattern 'Private/**'"
    )
    assert unpublished_reason({}, "bad YAML", "Private/**") == "matches ignore pattern 'Private/**'"
    assert unpublished_reason({"publish": True}, "bad YAML", "") == (
        "front matter unreadable (bad YAML)"
    )


def test_filtering_turns_links_into_private_notes_and_empty_folders_broken(
    tmp_path: Path,
) -> None:
    vault = make_vault(
        tmp_path / "v",
        {
            "index.md": "[[Secret]] [[Drafts/]] [[Mixed/]] [[pic.png]] [[Hidden/h.png]] "
            "![[shared.png]] [[Public]]",
            "Public.md": "![[Hidden/h.png]]",
            "Secret.md": "---\ndraft: true\n---\n![[secret.png]] [[Public]]",
            "Drafts/d.md": "---\ndraft: true\n---\n",
            "Mixed/m.md": "",
            "Mixed/n.md": "---\npublish: false\n---\n",
            "pic.png": png(4, 4),
            "shared.png": png(4, 4),
            "secret.png": png(4, 4),
            "Hidden/h.png": png(4, 4),
            "garden.yaml": "ignore: [Hidden]\n",
            "publish.css": "body { color: red }",
        },
    )
    site = build_site(vault, tmp_path / "site")
    assert sorted((d.category, d.path, d.message) for d in site.warnings()) == [
        ("broken-embed", "Public.md", "![[Hidden/h.png]] matches ignore pattern 'Hidden'"),
        ("broken-link", "index.md", "[[Drafts/]] folder has no published notes"),
        ("broken-link", "index.md", "[[Hidden/h.png]] matches ignore pattern 'Hidden'"),
        ("broken-link", "index.md", "[[Secret]] links to an unpublished note"),
    ]
    assert set(site.index) == {"index", "Public", "Mixed/m"}
    assert site.index["Public"]["backlinks"] == ["index"]  # not Secret
    assert site.result.unpublished == {
        "Drafts/d.md": "draft: true",
        "Mixed/n.md": "publish: false",
        "Secret.md": "draft: true",
    }
    copied = [f for f in site.files() if f.endswith((".png", ".webp"))]
    assert [f.split("-")[0] for f in copied] == ["pic.png", "shared"]  # not secret, not Hidden/h
    assert "publish.css" in site.files()  # Obsidian Publish's stylesheet, linked by the theme
    assert 'href="Mixed/index.html"' in site.article("index.html")


@pytest.mark.parametrize(("pattern", "published"), [("'*.css'", False), ("'*.txt'", True)])
def test_an_ignored_publish_css_is_not_copied(
    tmp_path: Path, pattern: str, published: bool
) -> None:
    """The same vault, its publish.css ignored or not: copied and linked from every page only
    when it is not."""
    vault = make_vault(
        tmp_path / "v",
        {"index.md": "x", "publish.css": "body {}", "garden.yaml": f"ignore: [{pattern}]\n"},
    )
    site = build_site(vault, tmp_path / "site")
    assert ("publish.css" in site.files()) is published
    assert ('href="publish.css"' in site.page("index.html")) is published


def test_the_published_graph_keeps_the_vaults_order_whatever_part_is_published() -> None:
    """The published notes' graph lists nodes and edges in the vault graph's order (which the
    pages' local graphs follow), also when most notes are private: networkx's subgraph copy
    then took the order of a set, which differs between processes."""
    from garden.model import Note, Vault
    from garden.paths import VaultPath
    from garden.publish import filter_published

    paths = [VaultPath(f"n{i:03}.md") for i in range(100)]
    notes = {
        p: Note(p, p, {} if i % 3 == 0 else {"draft": True}, (), (), (), frozenset(), (), [])
        for i, p in enumerate(paths)
    }
    graph: nx.DiGraph = nx.DiGraph()
    graph.add_nodes_from(paths)
    for i, p in enumerate(paths):
        for j in (i * 7 % 100, i * 13 % 100, (i + 3) % 100):
            graph.add_edge(p, paths[j])
    vault = Vault(notes, {}, frozenset({""}), {}, graph)
    published, _ = filter_published(vault)
    kept = [p for i, p in enumerate(paths) if i % 3 == 0]
    assert list(published.graph.nodes) == kept
    assert list(published.graph.edges) == [
        (a, b) for a, b in vault.graph.edges if a in published.notes and b in published.notes
    ]
