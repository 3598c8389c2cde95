"""Nothing of an unpublished note reaches OUT, whatever reaches for it.

Every private thing carries unique markers; ``leaks`` looks for them in every byte of OUT (raw,
entity- and %-decoded, JSON-decoded, file names), so data files added later (search index, graph
data, feeds, alias pages) are covered without this module knowing their names.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import build_site, canvas_file, leaks, make_vault, png

from garden.build import explain
from garden.cli import main
from garden.publish import flag_value, unpublished_reason

PRIVATE_FLAGS = [
    "draft: true",
    "draft: True",
    "draft: yes",
    'draft: "true"',
    "draft: 'yes'",
    "draft: on",
    "draft: 1",
    "draft: maybe",  # unrecognised: stays private
    "draft: [true]",  # not a flag at all: stays private
    "Draft: true",  # keys as people type them
    "DRAFT: yes",
    "publish: false",
    "publish: False",
    "publish: no",
    'publish: "false"',
    "publish: 'no'",
    "publish: off",
    "publish: 0",
    "Publish: false",
    "publish: true\ndraft: true",  # draft wins
]


def _private_note(i: int, flag: str) -> str:
    # Properties, inline fields and tasks that every query of QUERIES matches.
    return (
        f"---\n{flag}\ntitle: TITLEMARK{i}\naliases: [ALIASMARK{i}, public-alias-{i}]\n"
        f"tags: [TAGMARK{i}, shared]\ndescription: DESCMARK{i}\n"
        f"author: AUTHORMARK{i}\nstatus: active\nrating: 5\ncover: '[[private-pic-{i}.png]]'\n---\n"
        f"# Section {i}\n\nBODYMARK{i} #INLINETAGMARK{i} [[Public]]\n\n## HEADMARK{i}\n\n"
        f"Block BLOCKMARK{i} ^blk{i}\n\n![[private-only-{i}.txt]] ![[private-pic-{i}.png]]\n\n"
        f"> [!note] CALLOUTMARK{i}\n> inside\n\n- item LISTMARK{i} ^item{i}\n"
        f"- [ ] TASKMARK{i} [due:: 2020-01-01]\n\nmood:: FIELDMARK{i}\n"
    )


# Queries that select everything a vault holds: the private notes must be in none of them.
QUERIES = """# Queries

```dataview
TABLE author, rating, mood, file.tasks.text AS "tasks", file.etags, file.inlinks, file.outlinks
```

```dataview
TASK
```

```dataview
LIST author FROM #shared OR -#shared
```

```dataview
TABLE rows.author, rows.file.link, length(rows) GROUP BY status
```

```dataview
TABLE WITHOUT ID L.text, file.link FLATTEN file.lists AS L
```

```base
views:
  - type: table
    order: [file.name, author, rating, status, file.tags, file.links, file.backlinks, file.embeds]
  - type: cards
    image: note.cover
    order: [file.name, author]
  - type: list
    order: [file.path, author]
```

![[Everything.base]]

Inline: `= [[FILEMARK0]].author` and `= [[public-alias-1]].mood`
"""

EVERYTHING_BASE = """filters: 'file.ext != "nothing"'
formulas:
  who: 'file.name + ": " + author + " " + file.tags.join(",")'
views:
  - type: table
    name: All
    order: [file.name, formula.who, file.properties]
    groupBy:
      property: status
    summaries:
      rating: Sum
"""


def _vault(tmp_path: Path) -> Path:
    files: dict[str, str | bytes] = {}
    links = []
    for i, flag in enumerate(PRIVATE_FLAGS):
        files[f"Private/F{i}/FOLDERMARK{i}/FILEMARK{i}.md"] = _private_note(i, flag)
        files[f"private-only-{i}.txt"] = f"ATTACHMARK{i}".encode()
        files[f"private-pic-{i}.png"] = png(3 + i, 2, (i, 200, 7))
        links += [
            f"[[FILEMARK{i}]]",
            f"[[public-alias-{i}]]",  # an alias of a private note
            f"[shown](FILEMARK{i}.md)",
            f"![[FILEMARK{i}]]",
            f"![[FILEMARK{i}#Section {i}]]",
            f"![[FILEMARK{i}#^blk{i}]]",
            f"![[FILEMARK{i}#^item{i}]]",
            f"[[Private/F{i}/]]",  # a folder with only private notes
        ]
    files["Public.md"] = (
        "---\ntags: [shared]\n---\n# Public\n\n" + "\n\n".join(links) + "\n\n![[Relay]]\n"
    )
    files["Relay.md"] = "Relay embeds: ![[FILEMARK0]] and ![[Relay2]]\n"  # nested embeds
    files["Relay2.md"] = "Deeper: ![[FILEMARK1#^blk1]]\n"
    # Front matter that cannot be read, naming a key that could hide the note: kept private.
    files["Bad front matter.md"] = (
        "---\ntitle: [unclosed\ndraft: true\n---\nBADYAMLMARK [[Public]]\n"
    )
    files["List front matter.md"] = "---\n- a\n- Draft\n---\nLISTYAMLMARK\n"
    files["Scalar front matter.md"] = "---\njust text, unpublished\n---\nSCALARYAMLMARK\n"
    files["Unclosed front matter.md"] = "---\ndraft: true\nUNCLOSEDMARK\n"
    files[".obsidian/workspace.json"] = '{"x": "OBSIDIANMARK"}'
    files[".obsidian/plugins/x/data.md"] = "OBSIDIANNOTEMARK"
    files[".trash/Old.md"] = "TRASHMARK"
    files[".hidden/Note.md"] = "DOTFOLDERMARK"
    files[".dotnote.md"] = "DOTFILEMARK"
    files["Templates/Tpl.md"] = "TEMPLATEMARK [[Public]]"
    files["Templates/tpl-pic.png"] = b"TEMPLATEPICMARK"
    files["Drawing.excalidraw.md"] = "EXCALIDRAWMARK"
    files["Public.md"] += (
        "\n[[Tpl]] ![[Templates/tpl-pic.png]] [[.trash/Old]] ![[.obsidian/workspace.json]]"
        " [[.hidden/Note]] [[Drawing.excalidraw]]\n"
    )
    files["garden.yaml"] = "ignore: [Templates/**, '*.excalidraw.md']\n"
    files["Queries.md"] = QUERIES
    files["Everything.base"] = EVERYTHING_BASE
    # A published note whose property links to a private note: a broken link, nothing more.
    files["Up.md"] = "---\nup: '[[FILEMARK0]]'\nauthor: Public author\nstatus: active\n---\nUp.\n"
    return make_vault(tmp_path / "vault", files)


MARKERS = [
    f"{kind}MARK{i}"
    for i in range(len(PRIVATE_FLAGS))
    for kind in (
        "TITLE",
        "ALIAS",
        "TAG",
        "DESC",
        "HEAD",
        "BODY",
        "INLINETAG",
        "BLOCK",
        "ATTACH",
        "CALLOUT",
        "LIST",
        "FOLDER",
        "AUTHOR",
        "TASK",
        "FIELD",
    )
] + [
    "BADYAMLMARK",
    "LISTYAMLMARK",
    "SCALARYAMLMARK",
    "UNCLOSEDMARK",
    "OBSIDIANMARK",
    "OBSIDIANNOTEMARK",
    "TRASHMARK",
    "DOTFOLDERMARK",
    "DOTFILEMARK",
    "TEMPLATEMARK",
    "TEMPLATEPICMARK",
    "EXCALIDRAWMARK",
]


def test_no_byte_of_a_private_note_reaches_out(tmp_path: Path) -> None:
    site = build_site(_vault(tmp_path), tmp_path / "site")
    assert set(site.index) == {"Public", "Relay", "Relay2", "Queries", "Up", "Everything.base"}
    assert leaks(site.out, MARKERS) == []
    assert not any("private" in f.lower() or "FILEMARK" in f for f in site.files())
    # The pixels of a private image: no copy, no variant.
    assert not [f for f in site.files() if "private-" in f or f.endswith((".png", ".webp"))]
    public = site.article("Public.html")
    assert 'class="internal"' not in public.split("Relay")[0]  # every private link is broken
    assert site.index["Public"]["links"] == ["Relay"]
    assert site.index["Public"]["backlinks"] == []  # the private notes link to it, unseen
    assert site.index["Public"]["tags"] == ["shared"]
    shared = site.page("tags/shared.html")
    assert "Public" in shared and "TITLEMARK" not in shared
    frontmatter = site.warnings("frontmatter")
    assert sorted((d.path, d.line) for d in frontmatter) == [
        ("Bad front matter.md", 3),
        ("List front matter.md", 2),
        ("Scalar front matter.md", 2),
        ("Unclosed front matter.md", 1),
    ]


def _card(node_id: str, x: int, **fields: str) -> dict[str, object]:
    return {"id": node_id, "x": x, "y": 0, "width": 300, "height": 200, **fields}


def test_a_canvas_shows_nothing_of_the_private_notes_it_reaches_for(tmp_path: Path) -> None:
    """File nodes (whole notes, sections, blocks) and text-node links and embeds of private
    notes: broken cards and links, not a title, not a word; and private canvases (ignored, in a
    dot-folder, unlinked under publish: explicit) are not published at all."""
    vault = _vault(tmp_path)
    nodes: list[dict[str, object]] = []
    for i in range(len(PRIVATE_FLAGS)):
        path = f"Private/F{i}/FOLDERMARK{i}/FILEMARK{i}.md"
        nodes += [
            _card(f"f{i}", 0, type="file", file=path),
            _card(f"s{i}", 400, type="file", file=path, subpath=f"#Section {i}"),
            _card(f"b{i}", 800, type="file", file=path, subpath=f"#^blk{i}"),
            _card(f"t{i}", 1200, type="text", text=f"[[FILEMARK{i}]] ![[FILEMARK{i}#^item{i}]]"),
        ]
    nodes.append(_card("relay", 1600, type="file", file="Relay.md"))  # embeds private ones
    private_canvas = canvas_file([_card("x", 0, type="text", text="CANVASMARK [[Public]]")])
    (vault / "Board.canvas").write_text(canvas_file(nodes), encoding="utf-8")
    (vault / "Templates/Plan.canvas").write_text(private_canvas, encoding="utf-8")
    (vault / ".hidden/Dotted.canvas").write_text(private_canvas, encoding="utf-8")
    site = build_site(vault, tmp_path / "site")
    assert {"Board.canvas", "Public"} <= set(
        site.index
    ) and "Templates/Plan.canvas" not in site.index
    assert leaks(site.out, [*MARKERS, "CANVASMARK"]) == []
    board = site.article("Board.canvas.html")
    # Each file node of a private note is a card that says nothing of it, not even its path.
    cards = re.findall(r'<div class="canvas-node-content canvas-broken">(.*?)</div>', board)
    assert len(cards) == 3 * len(PRIVATE_FLAGS)
    assert set(cards) == {
        '<span class="broken" title="links to an unpublished note">Not available</span>'
    }
    assert site.index["Board.canvas"]["links"] == ["Relay"]
    # Explicit mode: a canvas no published note links to is private too.
    (vault / "garden.yaml").write_text("publish: explicit\n", encoding="utf-8")
    (vault / "Open.md").write_text("---\npublish: true\n---\nNothing here.\n", encoding="utf-8")
    (vault / "Unlinked.canvas").write_text(private_canvas, encoding="utf-8")
    site = build_site(vault, tmp_path / "explicit")
    assert set(site.index) == {"Open"}
    assert leaks(site.out, [*MARKERS, "CANVASMARK"]) == []


def test_queries_never_show_a_private_note(tmp_path: Path) -> None:
    """A draft that matches every query: no row, cell, task, card, summary or inline value of
    any query shows it, on the query's page or the base's own page."""
    site = build_site(_vault(tmp_path), tmp_path / "site")
    assert leaks(site.out, MARKERS) == []
    for page in ("Queries.html", "Everything.base.html"):
        html = site.article(page)
        assert html.count('class="query') >= 2, page
        # A private note's name may only be where a published note writes it: a broken link.
        # (its text, and the cell's sort key).
        shown = re.sub(r'<span class="broken"[^>]*>[^<]*</span>|data-sort="[^"]*"', "", html)
        shown = shown.replace("[[FILEMARK0]]", "").replace("[[public-alias-1]]", "")
        assert "FILEMARK" not in shown and "FOLDERMARK" not in shown, page
    up = site.article("Queries.html")
    assert '<span class="broken" title="links to an unpublished note">FILEMARK0</span>' in up
    assert "Public author" in up  # the published notes are there
    assert not [d for d in site.warnings("query") if "FILEMARK" in d.message]


def test_a_private_home_note_is_not_the_home_page(tmp_path: Path) -> None:
    vault = make_vault(
        tmp_path / "vault",
        {
            "index.md": "---\ndraft: true\n---\nHOMEMARK",
            "Secret.md": "---\npublish: false\n---\nSECRETHOMEMARK",
            "Other.md": "public",
            "garden.yaml": "home: Secret\n",
            "site-options.json": '{"indexFile": "index"}',
        },
    )
    site = build_site(vault, tmp_path / "site")
    assert leaks(site.out, ["HOMEMARK", "SECRETHOMEMARK"]) == []
    assert [d.category for d in site.warnings("config")] == ["config"]


def test_explicit_mode_publishes_only_publish_true(tmp_path: Path) -> None:
    vault = make_vault(
        tmp_path / "vault",
        {
            "garden.yaml": "publish: explicit\n",
            "Yes.md": "---\npublish: true\n---\n[[Plain]] [[Falsy]] [[Drafty]] ![[Plain]]",
            "Yes too.md": "---\npublish: 'yes'\n---\npublic",
            "Plain.md": "PLAINMARK",
            "Falsy.md": "---\npublish: false\n---\nFALSYMARK",
            "Nullish.md": "---\npublish:\n---\nNULLMARK",
            "Drafty.md": "---\npublish: true\ndraft: true\n---\nDRAFTYMARK",
            "Odd.md": "---\npublish: perhaps\n---\nODDMARK",
        },
    )
    site = build_site(vault, tmp_path / "site")
    assert set(site.index) == {"Yes", "Yes-too"}
    assert leaks(site.out, ["PLAINMARK", "FALSYMARK", "NULLMARK", "DRAFTYMARK", "ODDMARK"]) == []
    assert site.article("Yes.html").count('class="broken') == 4
    assert "explicit" in site.result.unpublished["Plain.md"]


def test_explicit_mode_is_spelled_exactly(tmp_path: Path) -> None:
    from garden.errors import ConfigError

    vault = make_vault(tmp_path / "vault", {"a.md": "x", "garden.yaml": "publish: explict\n"})
    with pytest.raises(ConfigError, match="publish"):
        build_site(vault, tmp_path / "site")
    assert not (tmp_path / "site").exists()


def test_ignored_attachment_stays_private_even_when_linked(tmp_path: Path) -> None:
    vault = make_vault(
        tmp_path / "vault",
        {
            "garden.yaml": "ignore: [Private]\n",
            "Private/scan.pdf": b"%PDF-1.4 IGNOREDPDFMARK",
            "Private/photo.png": png(4, 4),
            "Public.md": "![[scan.pdf]] [[Private/scan.pdf]] ![[photo.png]] ![](Private/photo.png)",
        },
    )
    site = build_site(vault, tmp_path / "site")
    assert leaks(site.out, ["IGNOREDPDFMARK"]) == []
    assert not [f for f in site.files() if f.endswith((".pdf", ".png", ".webp"))]
    assert site.article("Public.html").count('class="broken') == 4


# -- garden explain -----------------------------------------------------------------------------
def _explain(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["explain", *args])
    return code, capsys.readouterr().out


@pytest.fixture
def explained_vault(tmp_path: Path) -> Path:
    vault = make_vault(
        tmp_path / "vault",
        {
            "garden.yaml": "ignore: [Templates/**]\n",
            "Public.md": "[[Secret]] ![[used.png]] [[Templates/t.png]] [[Linked.canvas]]",
            "Secret.md": "---\ndraft: yes\n---\n![[secret-only.png]] [[Linked.canvas]]",
            "Wanted.md": "---\npublish: true\n---\n",
            "Bad.md": "---\n- draft\n---\n",
            "used.png": png(2, 2),
            "secret-only.png": png(2, 2),
            "lonely.pdf": b"%PDF",
            "Templates/t.md": "x",
            "Templates/t.png": png(2, 2),
            ".obsidian/app.json": "{}",
            "Board.canvas": canvas_file([]),
            "Linked.canvas": canvas_file([]),
            "Templates/Plan.canvas": canvas_file([]),
        },
    )
    outside = make_vault(tmp_path / "outside", {"o.md": "x"})
    os.symlink(outside / "o.md", vault / "leaving.md")
    return vault


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("Public.md", "published (note)\n  no draft: true or publish: false in its front matter"),
        ("Wanted.md", "published (note)\n  publish: true"),
        ("Secret.md", "NOT published (note)\n  draft: true"),
        (
            "Bad.md",
            "NOT published (note)\n  front matter unreadable "
            "(front matter is a list, not a mapping)",
        ),
        ("used.png", "published (attachment)\n  used by Public.md"),
        (
            "secret-only.png",
            "NOT published (attachment)\n  used only by Secret.md, which is not published: "
            "draft: true",
        ),
        ("lonely.pdf", "NOT published (attachment)\n  no note links to or embeds it"),
        ("Templates/t.md", "NOT published (note)\n  matches ignore pattern 'Templates/**'"),
        ("Templates/t.png", "NOT published (attachment)\n  matches ignore pattern 'Templates/**'"),
        (
            "Board.canvas",
            "published (canvas)\n  a canvas is published unless an ignore pattern covers it",
        ),
        ("Linked.canvas", "published (canvas)\n  linked from Public.md"),  # not from Secret.md
        (
            "Templates/Plan.canvas",
            "NOT published (canvas)\n  matches ignore pattern 'Templates/**'",
        ),
        (
            ".obsidian/app.json",
            "NOT published (not in vault)\n  inside .obsidian, and dot-files and dot-folders are "
            "never read",
        ),
        ("leaving.md", "NOT published (not in vault)\n  symlink leaves the vault; not followed"),
        ("nothing.md", "NOT published (not in vault)\n  no such file in the vault"),
    ],
)
def test_explain_says_why(
    explained_vault: Path, capsys: pytest.CaptureFixture[str], path: str, said: str
) -> None:
    got, out = _explain(capsys, path, "--vault", str(explained_vault))
    assert out == f"{path}: {said}\n"
    assert got == (0 if said.startswith("published") else 1)
    verdict = explain(explained_vault, Path(path))
    assert verdict.published is said.startswith("published")  # a bool, as the type says


def test_explain_takes_a_path_from_anywhere(
    explained_vault: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(explained_vault.parent)
    code, out = _explain(capsys, "vault/Secret.md", "--vault", "vault")
    assert code == 1 and out.startswith("Secret.md: NOT published")
    code, out = _explain(capsys, str(explained_vault / "used.png"), "--vault", "vault")
    assert code == 0 and out.startswith("used.png: published")
    code, out = _explain(capsys, str(explained_vault.parent / "outside/o.md"), "--vault", "vault")
    assert code == 1 and "not inside the vault" in out


# -- flag spellings -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        ("yes", True),
        ("TRUE", True),
        (1, True),
        (False, False),
        ("off", False),
        ("No", False),
        (0, False),
        ("maybe", None),
        ([], None),
    ],
)
def test_flag_spellings(value: object, expected: bool | None) -> None:
    assert flag_value(value) is expected


def test_published_flags_publish() -> None:
    assert unpublished_reason({"publish": True, "draft": False}, "", "") == ""
    assert unpublished_reason({"draft": None}, "", "") == ""
    assert unpublished_reason({}, "", "") == ""
    assert unpublished_reason({}, "", "", explicit=True) != ""
    assert unpublished_reason({"publish": "yes"}, "", "", explicit=True) == ""
