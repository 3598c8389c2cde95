"""Queries (Obsidian Bases, Dataview) built into pages, checked row by row and in order.

The vault ``tests/vaults/queries`` holds books, people, projects with tasks, daily notes and a
private draft that matches every query. Each query sits under a heading; the expectations below
were written by hand from the Bases help pages (syntax, views, functions) and Dataview's docs
(query types, data commands, sources, functions), not copied from garden's output.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
from conftest import REPO, BuiltSite, build_site, leaks, png

VAULT = REPO / "tests" / "vaults" / "queries"
PRIVATE = ["DRAFTAUTHORMARK", "DRAFTCHARACTERMARK", "DRAFTBODYMARK", "DRAFTMOODMARK",
           "DRAFTTASKMARK", "DRAFTTASK2MARK", "TOLKIENMARK", "Draft Book", "secret"]  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    root = tmp_path_factory.mktemp("queries")
    vault = root / "vault"
    shutil.copytree(VAULT, vault)
    (vault / "Books" / "dune.png").write_bytes(png(300, 450, (200, 150, 60)))
    (vault / "Books" / "hobbit.png").write_bytes(png(300, 450, (60, 120, 60)))
    (vault / "Private" / "secret.png").write_bytes(png(30, 30))
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", "1748779200")  # 2025-06-01 12:00 UTC
    try:
        return build_site(vault, root / "site")
    finally:
        mp.undo()


_BLOCK = re.compile(r"</?(?:li|ul|ol|p|div|td|th|tr|dt|dd|br|section|h\d)\b[^>]*>")


def _text(fragment: str) -> str:
    """What a reader reads: inline markup dropped, blocks apart."""
    text = re.sub(r"<[^>]+>", "", _BLOCK.sub(" ", fragment))
    return " ".join(html.unescape(text).split())


def sections(page: str) -> dict[str, str]:
    """The article's HTML between each ``<h2 id=...>`` and the next, by heading id."""
    parts = re.split(r'<h2 id="([^"]+)">[^<]*</h2>', page)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def table_rows(fragment: str) -> list[list[str]]:
    """Each ``tr.query-row`` (or group heading row, as ``["#", key]``) as cell texts."""
    rows = []
    for m in re.finditer(r'<tr class="(query-row|query-group)">(.*?)</tr>', fragment, re.S):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", m.group(2), re.S)
        texts = [_text(c) for c in cells]
        rows.append(["#", *texts] if m.group(1) == "query-group" else texts)
    return rows


def headers(fragment: str) -> list[str]:
    head = re.search(r"<thead>(.*?)</thead>", fragment, re.S)
    assert head is not None
    return [_text(c) for c in re.findall(r"<th[^>]*>(.*?)</th>", head.group(1), re.S)]


def items(fragment: str) -> list[str]:
    """Top-level result items (list items, tasks, cards) as text, nested items included."""
    out = []
    depth = 0
    pos = 0
    for m in re.finditer(r'<(/?)(li|div(?= class="query-card")|div)\b[^>]*>', fragment):
        if m.group(2) == "div" and not (m.group(1) or 'class="query-card"' in m.group(0)):
            if depth:
                depth += 1
            continue
        if m.group(2) == "div" and m.group(1) and depth == 0:
            continue
        if m.group(1):
            depth -= 1
            if depth == 0:
                out.append(_text(fragment[pos : m.start()]))
        else:
            if depth == 0:
                pos = m.end()
            depth += 1
    return out


def notice(fragment: str) -> str:
    m = re.search(r'<p class="query-notice">(.*?)</p>', fragment, re.S)
    return _text(m.group(1)) if m else ""


# --------------------------------------------------------------------------------------------
# Dataview
# --------------------------------------------------------------------------------------------
BOOKS = ["Dune", "Earthsea", "Emma", "Foundation", "Middlemarch", "Neuromancer", "Persuasion",
         "The Hobbit"]  # fmt: skip


@pytest.fixture(scope="module")
def dql(site: BuiltSite) -> dict[str, str]:
    return sections(site.article("Queries/Dataview.html"))


def test_list_from_folder_and_tag(dql: dict[str, str]) -> None:
    # No SORT: notes in the order of their paths. #book matches its nested tags (book/scifi).
    assert items(dql["list-folder"]) == BOOKS
    assert items(dql["list-tag"]) == BOOKS


def test_table_with_where_and_two_sort_keys(dql: dict[str, str]) -> None:
    fragment = dql["table-sorted"]
    assert headers(fragment) == ["File (6)", "author", "rating"]
    assert table_rows(fragment) == [
        ["Dune", "Frank Herbert", "5"],
        ["Persuasion", "Jane Austen", "5"],
        ["The Hobbit", "J. R. R. Tolkien", "5"],
        ["Emma", "Jane Austen", "4"],
        ["Foundation", "Isaac Asimov", "4"],
        ["Neuromancer", "William Gibson", "4"],
    ]
    # A property linking to a private note is a broken link; to a published one, internal.
    assert (
        '<span class="broken" title="links to an unpublished note">J. R. R. Tolkien</span>'
        in fragment
    )
    assert 'href="../People/Jane-Austen.html"' in fragment


def test_table_without_id_and_column_names(dql: dict[str, str]) -> None:
    fragment = dql["table-without-id"]
    assert headers(fragment) == ["Book", "Published"]
    assert table_rows(fragment) == [
        ["Emma", "1815"],
        ["Persuasion", "1817"],
        ["Middlemarch", "1871"],
    ]


def test_list_with_a_value_and_without_id(dql: dict[str, str]) -> None:
    assert items(dql["list-with-value"]) == ["Dune: 5", "Emma: 4", "Foundation: 4", "The Hobbit: 5"]
    assert items(dql["list-without-id"]) == ["Ursula K. Le Guin", "J. R. R. Tolkien"]


def test_group_by(dql: dict[str, str]) -> None:
    # Groups are sorted by key; each row keeps its notes in order.
    assert items(dql["list-grouped"]) == [
        "abandoned: Middlemarch",
        "read: Dune Emma Foundation The Hobbit",
        "reading: Neuromancer",
        "to-read: Earthsea Persuasion",
    ]
    fragment = dql["table-grouped"]
    assert headers(fragment) == ["Group (4)", "Books", "Stars"]
    assert table_rows(fragment) == [
        ["abandoned", "1", "3"],
        ["read", "4", "18"],
        ["reading", "1", "4"],
        ["to-read", "2", "5"],
    ]
    assert items(dql["computed-list"]) == [
        "1 books of abandoned",
        "4 books of read",
        "1 books of reading",
        "2 books of to-read",
    ]


def test_flatten(dql: dict[str, str]) -> None:
    assert table_rows(dql["flatten"]) == [
        ["Bilbo", "The Hobbit"],
        ["Emma", "Emma"],
        ["Gandalf", "The Hobbit"],
        ["Jessica", "Dune"],
        ["Paul", "Dune"],
    ]


def test_tasks(dql: dict[str, str]) -> None:
    # A matching task is shown with all its children; a child whose parent matches is shown
    # only under it; [/] and [-] are checked but not completed. Each links back to its note.
    assert items(dql["tasks-open"]) == [
        "Buy seeds [cost:: 12] Garden",
        "Plant tomatoes Garden Water daily Stake them",
        "Draft chapter one Novel",
        "Outline chapter two #writing Novel",
        "Cut the prologue Novel",
    ]
    assert items(dql["tasks-tag"]) == ["Outline chapter two #writing Novel"]
    fragment = dql["tasks-grouped"]
    assert re.findall(r'<p class="query-group-heading">(.*?)</p>', fragment) != []
    assert [
        _text(h) for h in re.findall(r'<p class="query-group-heading">(.*?)</p>', fragment)
    ] == [
        "Garden 2",
        "Kitchen 2",
        "Novel 2",
    ]
    assert 'data-task="x"' in fragment and 'data-task="/"' in fragment


def test_inline_fields_sources_and_dates(dql: dict[str, str]) -> None:
    assert table_rows(dql["table-inline-fields"]) == [
        ["Kitchen", "done", "1", ""],
        ["Garden", "active", "2", "Jul 1, 2025"],
        ["Novel", "active", "3", ""],
    ]
    assert items(dql["from-link"]) == ["Emma", "Persuasion"]
    # The private note it links to is not a page; the query note it links to is.
    assert items(dql["from-outgoing"]) == ["Dune", "Emma", "Bases"]
    assert items(dql["from-negated"]) == [
        "Dune",
        "Earthsea",
        "Foundation",
        "Neuromancer",
        "The Hobbit",
    ]
    assert table_rows(dql["daily"]) == [
        ["Jun 1, 2025", "great"],
        ["May 31, 2025", "ok"],
        ["May 30, 2025", "good"],
    ]


def test_where_functions_and_limit(dql: dict[str, str]) -> None:
    assert items(dql["typed-where"]) == ["Dune", "Inline", "Persuasion", "The Hobbit"]
    assert table_rows(dql["limit"]) == [["Middlemarch", "8.8"], ["Emma", "4.7"], ["Dune", "4.1"]]


def test_what_cannot_be_evaluated_is_a_notice_and_a_warning(
    site: BuiltSite, dql: dict[str, str]
) -> None:
    assert "expected a value" in notice(dql["bad-syntax"])
    assert "unknown function nosuchfunction()" in notice(dql["unknown-function"])
    assert "CALENDAR" in notice(dql["calendar"])
    assert "dataviewjs is never run" in notice(dql["javascript"])
    assert "dv.list(dv.pages" in dql["javascript"]  # shown as code
    for fragment in (dql["bad-syntax"], dql["unknown-function"], dql["calendar"]):
        assert "query-row" not in fragment
    warnings = {(d.path, d.line) for d in site.warnings("query")}
    lines = Path(VAULT / "Queries/Dataview.md").read_text(encoding="utf-8").split("\n")
    for code in ("TABLE foo(", "LIST WHERE nosuchfunction(rating)", "CALENDAR file.ctime",
                 'dv.list(dv.pages("#book").file.name)'):  # fmt: skip
        assert ("Queries/Dataview.md", lines.index(code) + 1) in warnings, code


# --------------------------------------------------------------------------------------------
# Inline queries
# --------------------------------------------------------------------------------------------
def test_inline_queries(site: BuiltSite) -> None:
    assert items(site.article("Queries/Inline.html").split('<div class="content">')[1]) == [
        "name: Inline",
        "rating: 14",
        "author of Dune: Frank Herbert",
        "a private note's field:",
        "a month later: Feb 28, 2025",
        "choice: high",
        "not a query: ==highlight==",
        "never run: $= dv.current().file.name",
        "broken: = this.rating +",
    ]
    lines = [d.line for d in site.warnings("query") if d.path == "Queries/Inline.md"]
    assert lines == [13, 14]


# --------------------------------------------------------------------------------------------
# Bases
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bases(site: BuiltSite) -> dict[str, str]:
    return sections(site.article("Queries/Bases.html"))


BEST_FIRST = [
    ["Dune", "Frank Herbert", "5", "60", "favourite"],
    ["Persuasion", "Jane Austen", "5", "208", "favourite"],
    ["The Hobbit", "J. R. R. Tolkien", "5", "88", "favourite"],
    ["Emma", "Jane Austen", "4", "210", ""],
    ["Foundation", "Isaac Asimov", "4", "74", ""],
    ["Neuromancer", "William Gibson", "4", "41", ""],
    ["Middlemarch", "George Eliot", "3", "154", ""],
    ["Earthsea", "Ursula K. Le Guin", "", "57", ""],
]


def test_embedded_base_shows_its_first_view(bases: dict[str, str]) -> None:
    fragment = bases["embed-first-view"]
    assert '<div class="embed base-embed"' in fragment
    assert headers(fragment) == ["file name", "Author", "rating", "Age (years)", "label"]
    assert table_rows(fragment) == BEST_FIRST


def test_embedded_base_view_by_name(bases: dict[str, str]) -> None:
    assert items(bases["embed-named-view"]) == [
        "Emma, 1815",
        "Persuasion, 1817",
        "Middlemarch, 1871",
    ]


def test_base_blocks(bases: dict[str, str]) -> None:
    assert table_rows(bases["block-this"]) == [["Reading list"]]
    assert table_rows(bases["block-days"]) == [
        ["2025-06-01", "Sunday"],
        ["2025-05-31", "Saturday"],
        ["2025-05-30", "Friday"],
    ]
    # A base sees the published files too; an image only a draft uses is not published.
    assert items(bases["block-files"]) == ["dune.png", "hobbit.png"]
    assert table_rows(bases["block-not"]) == [["Dune", "5"], ["Earthsea", ""], ["The Hobbit", "5"]]


def test_base_errors_are_notices_and_warnings(site: BuiltSite, bases: dict[str, str]) -> None:
    assert "unknown function nosuchfunction()" in notice(bases["block-error"])
    assert "invalid YAML" in notice(bases["block-bad-yaml"])
    lines = Path(VAULT / "Queries/Bases.md").read_text(encoding="utf-8").split("\n")
    warned = {d.line for d in site.warnings("query") if d.path == "Queries/Bases.md"}
    assert lines.index("filters: 'nosuchfunction(rating)'") + 1 in warned
    assert lines.index("views: [unclosed") + 1 in warned


def test_base_page_shows_every_view(site: BuiltSite) -> None:
    page = site.article("Library.base.html")
    views = re.findall(r'<section class="base-view" id="[^"]+" data-view="([^"]+)">', page)
    assert views == ["Best first", "By status", "Covers", "Old books", "Top two"]
    panels = dict(zip(views, re.split(r'<section class="base-view"[^>]*>', page)[1:], strict=True))
    assert table_rows(panels["Best first"]) == BEST_FIRST
    # Grouped: groups by status, ascending; each group's rows in path order; group summaries
    # (Average, a custom summary) and the summary over every row.
    assert table_rows(panels["By status"]) == [
        ["#", "abandoned 1"],
        ["Middlemarch", "3", "880"],
        ["#", "read 4"],
        ["Dune", "5", "412"],
        ["Emma", "4", "474"],
        ["Foundation", "4", "255"],
        ["The Hobbit", "5", "310"],
        ["#", "reading 1"],
        ["Neuromancer", "4", "271"],
        ["#", "to-read 2"],
        ["Earthsea", "", "183"],
        ["Persuasion", "5", "249"],
    ]
    summaries = [
        _text(r)
        for r in re.findall(r'<tr class="query-group-summary">(.*?)</tr>', panels["By status"])
    ]
    assert summaries == [
        "Average 3 spread 0",
        "Average 4.5 spread 219",
        "Average 4 spread 0",
        "Average 5 spread 66",
    ]
    total = re.search(r'<tr class="query-summary">(.*?)</tr>', panels["By status"])
    assert total is not None and _text(total.group(1)) == "Average 4.286 spread 697"
    # Cards: covers through the image pipeline, sized for the card.
    covers = panels["Covers"]
    assert items(covers) == ["Dune Author Frank Herbert", "The Hobbit Author J. R. R. Tolkien"]
    assert re.findall(r'<img src="(Books/[a-z]+)-200w-[0-9a-f]+\.webp"', covers) == [
        "Books/dune",
        "Books/hobbit",
    ]
    assert "--card-ratio: 0.6667" in covers
    assert items(panels["Old books"]) == ["Emma, 1815", "Persuasion, 1817", "Middlemarch, 1871"]
    # A limit is said, never silent.
    assert table_rows(panels["Top two"]) == [["Middlemarch", "880"], ["Emma", "474"]]
    assert "The first 2 of 8 results" in _text(panels["Top two"])


def test_base_page_in_the_content_index(site: BuiltSite) -> None:
    entry = site.index["Library.base"]
    assert entry["source"] == "Library.base"
    assert entry["backlinks"] == ["Queries/Bases"]
    # A base is a page source: its embed's title and any [[Library.base]] link go to its page.
    assert '<a class="internal" href="../Library.base.html">' in site.article("Queries/Bases.html")


def test_no_query_reaches_a_private_note(site: BuiltSite) -> None:
    assert leaks(site.out, PRIVATE) == []
    assert not (site.out / "Private").exists()
    # The same scan finds a published book's author where the queries list it beside the draft's.
    shown = {hit.split(" in ", 1)[1] for hit in leaks(site.out, ["Frank Herbert"])}
    assert {"Library.base.html", "Queries/Bases.html", "Queries/Dataview.html"} <= shown
