"""Incremental builds: a rebuild from the cache gives exactly the site a clean build gives, and a
rebuild with nothing changed renders nothing and rewrites no file."""

from __future__ import annotations

import os
import random
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import canvas_file, make_vault, png

from garden.build import NoteRedraw, build
from garden.diagnostics import Reporter
from garden.render import reader

VAULT = {
    "index.md": "# Home\n\nSee [[Alpha]], [[Beta#Part two]] and [[Folder/Gamma|gamma]].\n",
    "Alpha.md": "---\ntags: [one]\naliases: [First]\n---\n# Alpha\n\n![[Beta#Part two]]\n\n"
    "Text ^blk\n\n![[pic.png|100]]\n",
    "Beta.md": "# Beta\n\n## Part one\n\nLinks [[Alpha#^blk]].\n\n## Part two\n\nEmbedded part.\n",
    "Folder/Gamma.md": "# Gamma\n\n[[Missing]] and [[First]] #two\n",
    "Folder/Delta.md": "---\ndraft: true\n---\nSecret delta.\n",
    "Chain.md": "# Chain\n\n![[Alpha]]\n",
    "Leaf.md": "# Leaf\n\nA note nothing links to.\n",
    "pic.png": png(300, 200),
    # Diagram nodes of class internal-link link to notes (one a draft) and are drawn once.
    "Diagram.md": "# Diagram\n\n```mermaid\nflowchart LR\n  A[Beta] --> B[Delta]\n  B --> C[Leaf]\n"
    "  class A,B,C internal-link\n```\n",
    "Wall.md": "# Wall\n\n![[Board.canvas]]\n",
    # Queries: a page whose results other notes make (Dataview, an inline query, a base).
    "Queries.md": "# Queries\n\n```dataview\nTABLE rating, status FROM #one OR #two\n"
    'SORT rating DESC\n```\n\n```dataview\nLIST WHERE status = "active"\n```\n\n'
    "Linked from `= length(this.file.inlinks)` notes.\n\n![[Shelf.base]]\n",
    "Shelf.base": "filters: 'file.hasTag(\"one\")'\nviews:\n  - type: table\n"
    "    order: [file.name, rating]\n  - type: cards\n    order: [file.name]\n",
}


def _board(text: str = "Plan: see [[Alpha]]", file: str = "Beta.md", x: int = 0) -> str:
    """A canvas with a node of every kind: a text node, a file node of a note's section, an
    image, a link and a group, and edges between them."""
    return canvas_file(
        [
            {
                "id": "g",
                "type": "group",
                "x": -20,
                "y": -60,
                "width": 700,
                "height": 300,
                "label": "Group",
                "color": "4",
            },
            {"id": "t", "type": "text", "text": text, "x": x, "y": 0, "width": 200, "height": 120},
            {
                "id": "f",
                "type": "file",
                "file": file,
                "subpath": "#Part two",
                "x": 300,
                "y": 0,
                "width": 240,
                "height": 160,
            },
            {
                "id": "i",
                "type": "file",
                "file": "pic.png",
                "x": 0,
                "y": 300,
                "width": 150,
                "height": 100,
            },
            {
                "id": "l",
                "type": "link",
                "url": "https://example.org",
                "x": 300,
                "y": 300,
                "width": 200,
                "height": 60,
            },
        ],
        [
            {
                "id": "e1",
                "fromNode": "t",
                "fromSide": "right",
                "toNode": "f",
                "toSide": "left",
                "label": "explains",
            },
            {"id": "e2", "fromNode": "i", "toNode": "l", "color": "1"},
        ],
    )


VAULT["Board.canvas"] = _board()


def _tree(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


def _age(vault: Path) -> None:
    """Date every file a minute back: a file changed in the same mtime tick as the last build is
    never trusted from its stat alone, and these tests change files faster than that."""
    now = time.time()
    for p in vault.rglob("*"):
        if now - p.stat().st_mtime < 30:  # a date set on purpose (an edit below) stays
            os.utime(p, (now - 60, now - 60))


def _write(vault: Path, rel: str, text: str) -> None:
    (vault / rel).parent.mkdir(parents=True, exist_ok=True)
    (vault / rel).write_text(text, encoding="utf-8")


EDITS: list[tuple[str, Callable[[Path], None]]] = [
    ("edit a note's text", lambda v: _write(v, "Beta.md", VAULT["Beta.md"] + "\nMore text.\n")),
    ("edit a leaf note", lambda v: _write(v, "Leaf.md", "# Leaf\n\nChanged.\n")),
    (
        "give a linked note a title",
        lambda v: _write(v, "Beta.md", "---\ntitle: Bêta\n---\n" + VAULT["Beta.md"]),
    ),
    (
        "rename a linked heading",
        lambda v: _write(v, "Beta.md", VAULT["Beta.md"].replace("Part two", "Part 2")),
    ),
    ("put the heading back", lambda v: _write(v, "Beta.md", VAULT["Beta.md"])),
    ("add a backlink and a tag", lambda v: _write(v, "Leaf.md", "# Leaf\n\n[[Beta]] #two\n")),
    ("date a note", lambda v: _write(v, "Leaf.md", "---\ndate: 2024-05-01\n---\n# Leaf\n")),
    ("resize the image", lambda v: (v / "pic.png").write_bytes(png(500, 100))),
    ("touch a note on another day", lambda v: os.utime(v / "Folder/Gamma.md", (1.6e9, 1.6e9))),
    ("touch the home note", lambda v: os.utime(v / "index.md", (1.5e9, 1.5e9))),
    ("add a slug twin", lambda v: _write(v, "folder/gamma.md", "# gamma twin\n")),
    ("retitle the site", lambda v: _write(v, "garden.yaml", "title: Another garden\n")),
    ("edit an embedded section", lambda v: _write(v, "Beta.md", "# Beta\n\n## Part two\n\nNew.\n")),
    ("add the missing note", lambda v: _write(v, "Missing.md", "# Missing\n\nNow here.\n")),
    ("edit a canvas's text", lambda v: _write(v, "Board.canvas", _board("Plan B: see [[Alpha]]"))),
    (
        "move a canvas node",
        lambda v: _write(v, "Board.canvas", _board("Plan B: see [[Alpha]]", x=40)),
    ),
    ("link a canvas to a leaf", lambda v: _write(v, "Board.canvas", _board("See [[Leaf]]"))),
    (
        "show a draft in a file node",
        lambda v: _write(v, "Board.canvas", _board(file="Folder/Delta.md")),
    ),
    ("break the canvas", lambda v: _write(v, "Board.canvas", "{broken")),
    ("mend the canvas", lambda v: _write(v, "Board.canvas", _board())),
    (
        "edit a note a canvas shows",
        lambda v: _write(v, "Beta.md", "# Beta\n\n## Part two\n\nNewer.\n"),
    ),
    ("rename the canvas", lambda v: (v / "Board.canvas").rename(v / "Renamed board.canvas")),
    ("rename a note", lambda v: (v / "Alpha.md").rename(v / "Alpha renamed.md")),
    ("delete a note", lambda v: (v / "Folder/Gamma.md").unlink()),
    ("publish a draft", lambda v: _write(v, "Folder/Delta.md", "Delta, public now.\n")),
    (
        "edit a diagram",
        lambda v: _write(v, "Diagram.md", VAULT["Diagram.md"].replace("C[Leaf]", "C[Beta]")),
    ),
    ("break a diagram", lambda v: _write(v, "Diagram.md", "```mermaid\nflowchart\n  A{x\n```\n")),
    ("embed a diagram", lambda v: _write(v, "Leaf.md", VAULT["Diagram.md"] + "\n![[Diagram]]\n")),
    ("delete the image", lambda v: (v / "pic.png").unlink()),
    ("rename a folder", lambda v: (v / "Folder").rename(v / "Renamed")),
    # Query results: a matching note changes, a note comes to match or stops matching, a draft
    # that would match changes (nothing a reader sees), an inline field, the base itself.
    (
        "change a matching note's shown field",
        lambda v: _write(
            v, "Alpha.md", VAULT["Alpha.md"].replace("tags: [one]", "tags: [one]\nrating: 5")
        ),
    ),
    ("a note comes to match", lambda v: _write(v, "Leaf.md", "---\nstatus: active\n---\n# Leaf\n")),
    (
        "a new note matches",
        lambda v: _write(v, "New.md", "---\ntags: [one]\nrating: 2\n---\nNew.\n"),
    ),
    ("a note stops matching", lambda v: _write(v, "New.md", "---\nrating: 2\n---\nNew.\n")),
    (
        "a draft would match",
        lambda v: _write(v, "Drafty.md", "---\ndraft: true\ntags: [one]\nstatus: active\n---\nx\n"),
    ),
    (
        "an inline field changes",
        lambda v: _write(v, "Leaf.md", "---\nstatus: active\n---\n# Leaf\n\nmood:: calm\n"),
    ),
    (
        "a matching note's inline field",
        lambda v: _write(v, "Renamed/Gamma.md", "# Gamma\n\nstatus:: active #two\n"),
    ),
    (
        "edit the base",
        lambda v: _write(
            v, "Shelf.base", VAULT["Shelf.base"].replace("rating]", "rating, status]")
        ),
    ),
    ("link to the query note", lambda v: _write(v, "New.md", "New, see [[Queries]].\n")),
    ("delete a matching note", lambda v: (v / "Renamed/Gamma.md").unlink()),
]
# Edits a reader cannot see: every page is kept as it was.
INVISIBLE = {"a draft would match"}


@pytest.mark.parametrize("in_place", [False, True], ids=["swapped", "in place"])
def test_incremental_rebuilds_equal_clean_builds(tmp_path: Path, in_place: bool) -> None:
    vault = make_vault(tmp_path / "vault", VAULT)
    _age(vault)
    out = tmp_path / "a" / "site"
    build(vault, out, reporter=Reporter())
    for step, (what, edit) in enumerate(EDITS):
        edit(vault)
        _age(vault)
        incremental = Reporter()
        result = build(vault, out, reporter=incremental, in_place=in_place)
        assert not result.unchanged, what
        clean_out = tmp_path / f"clean{step}" / "site"
        clean = Reporter()
        build(vault, clean_out, reporter=clean, use_cache=False)
        assert _tree(out) == _tree(clean_out), f"after '{what}' the incremental site differs"
        if what in INVISIBLE:
            assert result.pages_reused == result.pages, what
        else:
            assert result.pages_reused < result.pages, what
        assert sorted(map(str, incremental.diagnostics)) == sorted(map(str, clean.diagnostics))


def _draw_ahead(redraw: NoteRedraw | None, vault: Path, edited: list[str]) -> dict[str, bytes]:
    """The pages the preview would draw ahead of the build for these edited vault files."""
    assert redraw is not None
    pages = (redraw.page(vault / rel) for rel in edited)
    return {page[0]: page[1] for page in pages if page is not None}


def _assert_built_as_drawn(out: Path, ahead: dict[str, bytes], when: str) -> None:
    for rel, page in ahead.items():
        assert (out / rel).read_bytes() == page, f"{rel} drawn ahead differs {when}"


def test_pages_drawn_ahead_are_the_pages_the_build_makes(tmp_path: Path) -> None:
    """The preview shows an edited note's page drawn by the last build's renderer before the
    next build is done: it must be that build's page, byte for byte, or not drawn at all. And
    the build says exactly which files of OUT it changed (the preview reloads tabs by them)."""
    vault = make_vault(tmp_path / "vault", VAULT)
    _age(vault)
    out = tmp_path / "site"
    redraw = build(vault, out, reporter=Reporter(), in_place=True, keep_renderer=True).redraw
    drawn_ahead = []
    for what, edit in EDITS:
        before = _tree(vault)
        site_before = _tree(out)
        edit(vault)
        _age(vault)
        edited = [rel for rel, data in _tree(vault).items() if before.get(rel, data) != data]
        ahead = _draw_ahead(redraw, vault, edited)
        result = build(vault, out, reporter=Reporter(), in_place=True, keep_renderer=True)
        _assert_built_as_drawn(out, ahead, f"after '{what}'")
        if ahead:
            drawn_ahead.append(what)
        site_after = _tree(out)
        differ = {
            rel
            for rel in site_before.keys() | site_after.keys()
            if site_before.get(rel) != site_after.get(rel)
        }
        assert result.changed == differ, what
        redraw = result.redraw
    # A note's (or a canvas's) text edited, an inline field too; never a page showing results.
    assert drawn_ahead == [
        "edit a note's text",
        "edit a leaf note",
        "edit a canvas's text",
        "edit a note a canvas shows",
        "an inline field changes",
    ]
    # Not a note's file, or not in the vault: never drawn ahead.
    assert redraw is not None
    assert redraw.page(vault / "garden.yaml") is None
    assert redraw.page(tmp_path / "elsewhere.md") is None


def test_one_edit_redraws_only_the_pages_it_can_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layouts: list[object] = []
    real_layout = reader.layout
    monkeypatch.setattr(reader, "layout", lambda g: layouts.append(g) or real_layout(g))
    vault = make_vault(tmp_path / "vault", VAULT)
    _age(vault)
    out = tmp_path / "site"
    first = build(vault, out, reporter=Reporter())
    assert first.pages_reused == 0
    before = {p: p.stat().st_ino for p in out.rglob("*.html")}
    _write(vault, "Leaf.md", "# Leaf\n\nChanged, still linking nowhere.\n")
    _age(vault)
    result = build(vault, out, reporter=Reporter())
    # Only the leaf's own page is drawn: nothing else shows its text, title or links.
    assert result.pages_reused == result.pages - 1
    redrawn = {p for p in out.rglob("*.html") if before.get(p) != p.stat().st_ino}
    assert redrawn == {out / "Leaf.html"}
    assert len(layouts) == 1  # the links did not change: the global graph was not laid out again
    assert "Changed, still" in (out / "Leaf.html").read_text(encoding="utf-8")


def test_query_pages_are_drawn_again_exactly_when_their_results_change(tmp_path: Path) -> None:
    """A page showing query results is drawn again when a note its queries select (or now
    select) changes what they show, and kept when an edit changes nothing they show."""
    vault = make_vault(tmp_path / "vault", VAULT)
    _age(vault)
    out = tmp_path / "site"
    build(vault, out, reporter=Reporter())
    shown = {"Queries.html", "Shelf.base.html"}

    def redrawn_after(edit: Callable[[Path], None]) -> set[str]:
        before = {p: p.stat().st_ino for p in out.rglob("*.html")}
        edit(vault)
        _age(vault)
        build(vault, out, reporter=Reporter())
        return {p.relative_to(out).as_posix() for p in out.rglob("*.html")} & {
            p.relative_to(out).as_posix()
            for p in out.rglob("*.html")
            if before.get(p) != p.stat().st_ino
        }

    alpha = VAULT["Alpha.md"]
    assert redrawn_after(lambda v: _write(v, "Leaf.md", "# Leaf\n\nOther text.\n")) == {"Leaf.html"}
    # A property no query shows: the note's page only.
    unseen = alpha.replace("tags: [one]", "tags: [one]\ncolour: red")
    assert redrawn_after(lambda v: _write(v, "Alpha.md", unseen)) & shown == set()
    # A shown property of a selected note; a note that comes to match; a draft that would.
    rated = alpha.replace("tags: [one]", "tags: [one]\ncolour: red\nrating: 4")
    assert redrawn_after(lambda v: _write(v, "Alpha.md", rated)) >= shown
    assert "Queries.html" in redrawn_after(
        lambda v: _write(v, "Leaf.md", "---\nstatus: active\n---\n")
    )
    assert (
        redrawn_after(lambda v: _write(v, "D.md", "---\ndraft: true\ntags: [one]\n---\n")) == set()
    )


def test_a_page_showing_query_results_is_never_drawn_ahead(tmp_path: Path) -> None:
    """Its results may change with the very edit (``= this.file.size``): the build draws it,
    and the page of a note embedding it too."""
    vault = make_vault(tmp_path / "vault", {**VAULT, "Chain.md": "# Chain\n\n![[Queries]]\n"})
    _age(vault)
    result = build(vault, tmp_path / "site", reporter=Reporter(), keep_renderer=True)
    _write(vault, "Queries.md", VAULT["Queries.md"] + "\nMore text.\n")
    ahead = _draw_ahead(result.redraw, vault, ["Queries.md", "Chain.md", "Leaf.md"])
    assert set(ahead) == {"Leaf.html"}


def test_in_place_build_that_fails_half_way_is_mended_by_the_next(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "vault", VAULT)
    _age(vault)
    out = tmp_path / "site"
    build(vault, out, reporter=Reporter())
    _write(vault, "Leaf.md", "# Leaf\n\nHalf written.\n")
    _write(vault, "Alpha.md", VAULT["Alpha.md"] + "\nAlso changed.\n")
    _age(vault)
    real_replace = os.replace
    replaced: list[str] = []

    def dying_replace(src: str | Path, dst: str | Path) -> None:
        if Path(dst).is_relative_to(out):
            replaced.append(str(dst))
            if len(replaced) > 2:  # the new marker and one page are in: then the build dies
                raise OSError("disk full")
        real_replace(src, dst)

    os.replace = dying_replace  # type: ignore[assignment]
    try:
        with pytest.raises(OSError, match="disk full"):
            build(vault, out, reporter=Reporter(), in_place=True)
    finally:
        os.replace = real_replace
    assert len(replaced) == 3
    # Put the notes back as they were: the half-written OUT must not pass for the old site.
    _write(vault, "Leaf.md", VAULT["Leaf.md"])
    _write(vault, "Alpha.md", VAULT["Alpha.md"])
    _age(vault)
    result = build(vault, out, reporter=Reporter(), in_place=True)
    assert result.pages_reused == 0
    clean_out = tmp_path / "clean" / "site"
    build(vault, clean_out, reporter=Reporter(), use_cache=False)
    assert _tree(out) == _tree(clean_out)


def test_page_is_drawn_again_when_out_lost_it(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "vault", VAULT)
    _age(vault)
    out = tmp_path / "site"
    build(vault, out, reporter=Reporter())
    expected = (out / "Alpha.html").read_bytes()
    (out / "Alpha.html").unlink()  # the marker file still says OUT is the last site
    _write(vault, "Leaf.md", "# Leaf\n\nChanged.\n")
    _age(vault)
    result = build(vault, out, reporter=Reporter())
    assert result.pages_reused > 0
    assert (out / "Alpha.html").read_bytes() == expected


def test_no_change_rebuild_writes_nothing(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "vault", VAULT)
    _age(vault)
    out = tmp_path / "site"
    first = Reporter()
    build(vault, out, reporter=first)
    before = {p: p.stat() for p in out.rglob("*")}
    again = Reporter()
    result = build(vault, out, reporter=again)
    assert result.unchanged
    assert result.pages > 0 and "render" not in result.timings
    after = {p: p.stat() for p in out.rglob("*")}
    assert {p: (s.st_ino, s.st_mtime_ns) for p, s in before.items()} == {
        p: (s.st_ino, s.st_mtime_ns) for p, s in after.items()
    }
    # The same warnings every night, so a cron job's output does not depend on the cache.
    assert list(map(str, again.diagnostics)) == list(map(str, first.diagnostics))


@pytest.mark.parametrize("change", ["out replaced", "no cache", "fresh edit"])
def test_rebuild_is_full_when_the_cache_cannot_be_trusted(tmp_path: Path, change: str) -> None:
    vault = make_vault(tmp_path / "vault", VAULT)
    _age(vault)
    out = tmp_path / "site"
    build(vault, out, reporter=Reporter())
    use_cache = True
    if change == "out replaced":
        shutil.rmtree(out)  # someone else's copy of the site, or none: the marker differs
    elif change == "no cache":
        use_cache = False
    else:  # the same size, written within the same mtime tick as the last build
        text = (vault / "Beta.md").read_text(encoding="utf-8")
        (vault / "Beta.md").write_text(text.replace("Embedded", "Embodied"), encoding="utf-8")
    result = build(vault, out, reporter=Reporter(), use_cache=use_cache)
    assert not result.unchanged
    if change == "fresh edit":
        assert "Embodied" in (out / "Alpha.html").read_text(encoding="utf-8")


def test_cache_keeps_no_private_text_and_is_private(tmp_path: Path, user_cache: Path) -> None:
    vault = make_vault(tmp_path / "vault", VAULT)
    out = tmp_path / "site"
    build(vault, out, reporter=Reporter())
    (cache,) = (user_cache / "sites").iterdir()
    for folder in (user_cache, user_cache / "sites", cache):
        assert (folder.stat().st_mode & 0o077) == 0  # only the owner may read it
    tokens = [p for p in cache.rglob("*.pickle") if "tokens" in p.parts]
    assert tokens and not any(b"Secret delta" in p.read_bytes() for p in tokens)


EDIT_KINDS = (
    *("text", "title", "link", "embed", "section link", "heading", "tag", "date"),
    *("rename", "delete", "new", "image", "diagram", "canvas"),
)


def _stats(vault: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(vault).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in vault.rglob("*")
        if p.is_file()
    }


def _random_edit(vault: Path, rng: random.Random) -> str:
    """One change a writer might make, at random: text, titles, links, embeds, headings, tags,
    dates, renames, deletions, new notes and images."""
    notes = sorted(p for p in vault.rglob("*.md"))
    names = [p.stem for p in notes]
    note = rng.choice(notes)
    text = note.read_text(encoding="utf-8")
    other = rng.choice(names)
    kind = rng.choice(EDIT_KINDS)
    if kind == "text":
        note.write_text(text + f"\nWords {rng.randint(0, 9999)}.\n", encoding="utf-8")
    elif kind == "title":
        body = text.split("---\n", 2)[-1] if text.startswith("---\n") else text
        note.write_text(f"---\ntitle: T{rng.randint(0, 99)}\n---\n{body}", encoding="utf-8")
    elif kind == "link":
        note.write_text(text + f"\nSee [[{other}]].\n", encoding="utf-8")
    elif kind == "embed":
        note.write_text(text + f"\n![[{other}]]\n", encoding="utf-8")
    elif kind == "section link":
        note.write_text(text + f"\n[[{other}#Part]] and ![[{other}#Part]]\n", encoding="utf-8")
    elif kind == "heading":
        note.write_text(text + f"\n## Part\n\nSection {rng.randint(0, 99)}.\n", encoding="utf-8")
    elif kind == "tag":
        note.write_text(text + f"\n#t{rng.randint(0, 3)}\n", encoding="utf-8")
    elif kind == "date":
        day = 1.5e9 + rng.randint(0, 1000) * 86400
        os.utime(note, (day, day))
    elif kind == "rename":
        note.rename(note.with_name(f"Renamed {rng.randint(0, 99)}.md"))
    elif kind == "delete" and len(notes) > 2:
        note.unlink()
    elif kind == "new":
        (vault / f"New {rng.randint(0, 99)}.md").write_text(f"# New\n\n[[{other}]]\n", "utf-8")
    elif kind == "diagram":
        n = rng.randint(0, 9)
        block = f"flowchart TD\n  X{n}[{other}] --> Y{n}\n  class X{n} internal-link\n"
        note.write_text(text + f"\n```mermaid\n{block}```\n", encoding="utf-8")
    elif kind == "image":
        (vault / "pic.png").write_bytes(png(rng.randint(50, 400), rng.randint(50, 300)))
        note.write_text(text + "\n![[pic.png|120]]\n", encoding="utf-8")
    elif kind == "canvas":  # a canvas showing another note, linking a third, moved about
        board = _board(f"See [[{other}]]", rng.choice(notes).name, rng.randint(-50, 50))
        (vault / "Board.canvas").write_text(board, encoding="utf-8")
        return f"canvas showing {other}"
    return f"{kind} {note.name}"


@pytest.mark.parametrize(
    "seed", [int(s) for s in os.environ.get("GARDEN_EDIT_SEEDS", "1 2").split()]
)
def test_random_edits_keep_incremental_equal_to_clean(tmp_path: Path, seed: int) -> None:
    """The page cache against a clean build after each of a run of random edits: any input a
    page's key forgets shows up here as a stale page. The same for pages the preview draws ahead
    of a build. ``GARDEN_EDIT_SEEDS="3 4 5"`` runs more."""
    rng = random.Random(seed)
    vault = make_vault(tmp_path / "vault", VAULT)
    _age(vault)
    out = tmp_path / "site"
    in_place = seed % 2 == 0
    redraw = build(vault, out, reporter=Reporter(), in_place=in_place, keep_renderer=True).redraw
    done: list[str] = []
    for step in range(14):
        before = _stats(vault)
        done.append(_random_edit(vault, rng))
        _age(vault)
        edited = [rel for rel, stat in _stats(vault).items() if before.get(rel, stat) != stat]
        ahead = _draw_ahead(redraw, vault, edited)
        result = build(vault, out, reporter=Reporter(), in_place=in_place, keep_renderer=True)
        _assert_built_as_drawn(out, ahead, f"after: {done}")
        redraw = result.redraw
        clean_out = tmp_path / f"clean{step}" / "site"
        build(vault, clean_out, reporter=Reporter(), use_cache=False)
        assert _tree(out) == _tree(clean_out), f"stale page after: {done}"
        shutil.rmtree(clean_out.parent)
