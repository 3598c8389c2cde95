"""The reader's features of the default theme, end to end in headless Chromium on the site built
from the Obsidian help vault: search, popovers, the graphs, the explorer, the phone menu, pages
without JavaScript, accessibility (axe-core), and that no request leaves the local server.

Helpers and the skip when Chromium is missing come from test_browser.py; the fixtures (the help
site built once per run, served, and the browser) from conftest.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urljoin
from xml.etree import ElementTree

import pytest
from conftest import DESKTOP, HELP_VAULT, BuiltSite, Served, build_site, make_vault, serve
from playwright.sync_api import Browser, Page, expect
from test_browser import INTERNAL_LINKS_SOURCE, PHONE, SCREENSHOTS, Recorder

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(help_served: Served) -> Served:
    return help_served


def open_page(page: Page, served: Served, rel: str) -> Recorder:
    recorder = Recorder(page, served.origin)
    assert recorder.visit(page, served.url(rel)) == []
    return recorder


def test_search_finds_a_note_and_opens_it_by_keyboard(page: Page, served: Served) -> None:
    recorder = open_page(page, served, "index.html")
    page.keyboard.press("Control+k")
    box = page.locator(".search-dialog input")
    expect(box).to_be_focused()
    box.press_sequentially("wikilink heading", delay=20)
    options = page.locator('.search-results [role="option"]')
    # Results come as you type: wait for those of the whole query before reading them.
    expect(page.locator(".search-results")).to_have_attribute("data-query", "wikilink heading")
    expect(options.first).to_be_visible()
    # The matched words are shown, and the keyboard moves through the results.
    assert page.locator(".search-results mark").count() >= 2
    titles = page.locator(".search-title").all_inner_texts()
    assert "Internal links" in titles, titles
    wanted = titles.index("Internal links")
    for _ in range(wanted):
        box.press("ArrowDown")
    expect(options.nth(wanted)).to_have_attribute("aria-selected", "true")
    with page.expect_navigation():
        box.press("Enter")
    assert page.locator("h1.page-title").inner_text() == titles[wanted]
    assert recorder.problems == []


def search_for(page: Page, query: str) -> None:
    page.keyboard.press("Control+k")
    box = page.locator(".search-dialog input")
    box.fill("")
    box.press_sequentially(query, delay=15)
    expect(page.locator(".search-results")).to_have_attribute("data-query", query)


def test_search_ranks_titles_first_forgives_a_typo_and_shows_every_match(
    page: Page, served: Served
) -> None:
    open_page(page, served, "index.html")
    titles = page.locator(".search-results .search-title")
    # One typo, and a word being typed (a prefix), still find the note; its title ranks first.
    search_for(page, "calout")
    expect(titles.first).to_have_text("Callouts")
    search_for(page, "callo")
    expect(titles.first).to_have_text("Callouts")

    # Every match, a page at a time; the notes whose title holds every word come first.
    search_for(page, "graph view")
    status = page.locator(".search-status").inner_text()
    found = int(status.split()[0])
    assert found > 8, status
    expect(titles).to_have_count(8)
    more = page.locator(".search-results [data-more]")
    expect(more).to_have_text(f"Show 8 more of {found - 8}")
    box = page.locator(".search-dialog input")
    while more.count():
        shown = titles.count()
        box.press("ArrowUp")  # from the first option up to the last: "Show more"
        expect(more).to_have_attribute("aria-selected", "true")
        box.press("Enter")
        expect(titles).to_have_count(min(found, shown + 8))
        # The first of the new results is the one chosen now.
        expect(page.locator(f"#garden-search-{shown}")).to_have_attribute("aria-selected", "true")
        page.locator("#garden-search-0").hover()
    names = titles.all_inner_texts()
    assert len(names) == found == len(set(names))
    whole = [t for t in names if {"graph", "view"} <= set(t.lower().split())]
    assert whole and names[: len(whole)] == whole, names

    # A heading apart from the snippet; choosing the result opens the page at that heading.
    glossary = page.locator(
        ".search-result", has=page.locator(".search-title", has_text="Glossary")
    )
    expect(glossary.locator(".search-heading")).to_have_text("Graph")
    assert not glossary.locator(".search-snippet").inner_text().startswith("Graph")
    with page.expect_navigation():
        glossary.click()
    assert page.url.endswith("Glossary.html#graph"), page.url

    # Enter on a title match opens the page at its top.
    search_for(page, "graph view")
    expect(titles.first).to_have_text("Graph view")
    with page.expect_navigation():
        page.locator(".search-dialog input").press("Enter")
    assert "#" not in page.url and page.url.endswith("Graph-view.html"), page.url


def test_search_downloads_only_what_the_query_needs(page: Page, served: Served) -> None:
    """A first search fetches the manifest, one shard per word and one file per result shown,
    never the whole index."""
    open_page(page, served, "index.html")
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))
    page.locator(".search-button:visible").click()
    page.locator(".search-dialog input").fill("graph view")
    expect(page.locator('.search-results [role="option"]').first).to_be_visible()
    shards = [u for u in fetched if "/static/search/i/" in u]
    docs = [u for u in fetched if "/static/search/d/" in u]
    assert 1 <= len(shards) <= 2, shards
    assert 1 <= len(docs) <= 8, docs
    total = len(list((served.out / "static/search/i").iterdir()))
    assert total > 10 * len(shards)


def test_popover_previews_the_linked_note(page: Page, served: Served) -> None:
    recorder = open_page(page, served, served.file_for_source(INTERNAL_LINKS_SOURCE))
    link = page.locator("article .content a.internal[href$='.html']").first
    link.hover()
    popover = page.locator(".popover")
    expect(popover).to_be_visible()
    assert popover.inner_text().strip()
    # Moving away hides it.
    page.mouse.move(5, 5)
    expect(popover).to_have_count(0)
    assert recorder.problems == []


def test_popovers_heading_whole_note_keyboard_and_this_site_only(
    tmp_path: Path, browser: Browser
) -> None:
    """A preview starts at the linked heading; a whole note's shows its title; a link tabbed to
    shows its preview too; a raw <a class="internal"> to another host previews nothing and
    fetches nothing from it."""
    site = build_site(
        make_vault(
            tmp_path / "vault",
            {
                "a.md": "See [[b#Second part]], [[c]] and "
                '<a class="internal" href="https://example.com/x.html">elsewhere</a>.\n',
                "b.md": "intro text\n\n## First part\n\nfirst\n\n## Second part\n\nsecond body\n",
                "c.md": "---\ntitle: The C note\n---\nWhole body of c.\n",
            },
        ),
        tmp_path / "site",
    )
    for served in serve(site):
        page = browser.new_page(viewport=DESKTOP)
        try:
            recorder = Recorder(page, served.origin)
            assert recorder.visit(page, served.url("a.html")) == []
            popover = page.locator(".popover")
            page.locator("article a.internal", has_text="Second part").hover()
            expect(popover).to_contain_text("second body")
            assert "intro text" not in popover.inner_text()
            assert "Second part" in popover.inner_text()

            page.locator("article a.internal[href='c.html']").hover()
            expect(popover.locator(".popover-title")).to_have_text("The C note")
            expect(popover).to_contain_text("Whole body of c.")
            page.mouse.move(5, 5)
            expect(popover).to_have_count(0)

            # By keyboard: a link tabbed to shows its preview; tabbing on hides it.
            page.locator("article a.internal", has_text="Second part").focus()
            page.keyboard.press("Tab")
            expect(page.locator("article a.internal[href='c.html']")).to_be_focused()
            expect(popover.locator(".popover-title")).to_have_text("The C note")
            page.keyboard.press("Tab")
            expect(popover).to_have_count(0)

            page.locator("article a.internal", has_text="elsewhere").hover()
            page.wait_for_timeout(600)
            expect(popover).to_have_count(0)
            assert recorder.problems == []  # no request left the local server
        finally:
            page.close()


def test_code_blocks_copy_and_headings_link_to_themselves(browser: Browser, served: Served) -> None:
    context = browser.new_context(viewport=DESKTOP)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served.origin)
    try:
        page = context.new_page()
        open_page(page, served, served.file_for_source("Extending Obsidian/CSS snippets.md"))
        block = page.locator("article .code-block").first
        expect(block.locator(".code-lang")).to_have_text("css")
        block.hover()
        copy = block.locator("button.code-copy")
        expect(copy).to_be_visible()
        copy.click()
        expect(copy).to_have_text("Copied")
        code = block.locator("code").inner_text()
        assert page.evaluate("navigator.clipboard.readText()") == code.rstrip("\n")

        heading = page.locator("article .content h2").nth(1)
        heading.hover()
        anchor = heading.locator("a.heading-anchor")
        expect(anchor).to_be_visible()
        heading_id = heading.get_attribute("id")
        anchor.click()
        assert page.url.endswith("#" + (heading_id or "?"))
        assert page.evaluate("navigator.clipboard.readText()") == page.url
    finally:
        context.close()


GRAPH = "document.querySelector('.global-graph').gardenGraph"


def open_graph(page: Page, served: Served) -> Recorder:
    recorder = open_page(page, served, "graph.html")
    expect(page.locator(".global-graph[data-ready]")).to_be_attached()
    page.wait_for_function(f"{GRAPH}.settled()")
    return recorder


def graph_point(page: Page, title: str) -> tuple[float, float]:
    """Where the note ``title`` is on the page, in CSS pixels."""
    at = page.evaluate(f"{GRAPH}.at({json.dumps(title)})")
    box = page.locator(".global-graph canvas").bounding_box()
    assert at is not None and box is not None, title
    return box["x"] + at[0], box["y"] + at[1]


def assert_labels_apart(labels: list[list]) -> None:
    for i, (text, *a) in enumerate(labels):
        for other, *b in labels[i + 1 :]:
            overlap = a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
            assert not overlap, f"{text!r} overlaps {other!r}"


def test_global_graph_labels_hover_drag_and_click(page: Page, served: Served) -> None:
    """Every note is drawn on a canvas as wide as the page; titles keep their size and come as
    you zoom in, never overlapping; pointing at a note lights it and its neighbours; a note can
    be dragged; a click opens it."""
    recorder = open_graph(page, served)
    canvas = page.locator(".global-graph canvas")
    assert page.locator(".global-graph").get_attribute("data-nodes") == str(len(served.site.index))
    box = canvas.bounding_box()
    main = page.locator("main").bounding_box()
    assert box is not None and main is not None
    assert box["width"] >= main["width"] - 4 and box["width"] > DESKTOP["width"] * 0.7
    assert box["y"] + box["height"] >= DESKTOP["height"] - 40  # down to the window's foot

    labels = page.evaluate(f"{GRAPH}.labels()")
    assert 10 <= len(labels) < len(served.site.index)
    assert_labels_apart(labels)
    height = round(labels[0][4] - labels[0][2])
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    zoom = page.evaluate(f"{GRAPH}.zoom()")
    for _ in range(3):
        page.mouse.wheel(0, -300)
    page.wait_for_function(f"{GRAPH}.zoom() > {zoom * 2}")
    zoomed = page.evaluate(f"{GRAPH}.labels()")
    assert_labels_apart(zoomed)
    assert {round(b - t) for _, _, t, _, b in zoomed} == {height}  # one size on screen
    # Zoomed in, titles that had no room get a place.
    assert {label[0] for label in zoomed} - {label[0] for label in labels}
    canvas.focus()
    page.keyboard.press("0")  # everything in view again
    page.wait_for_function(f"{GRAPH}.settled() && {GRAPH}.zoom() < {zoom * 1.01}")

    # Pointing at a note lights it and its neighbours, whose titles are shown.
    x, y = graph_point(page, "Internal links")
    page.mouse.move(x, y)
    page.wait_for_function(f"{GRAPH}.lit() !== null")
    lit, neighbours = page.evaluate(f"{GRAPH}.lit()")
    assert lit == "Internal links" and len(neighbours) >= 5
    drawn = {label[0] for label in page.evaluate(f"{GRAPH}.labels()")}
    assert lit in drawn and len(drawn & set(neighbours)) >= 3

    # Dragged, the note follows the pointer and does not open.
    page.mouse.down()
    page.mouse.move(x + 60, y + 40, steps=6)
    moved = graph_point(page, "Internal links")
    page.mouse.up()
    assert abs(moved[0] - x - 60) < 3 and abs(moved[1] - y - 40) < 3, (x, y, moved)
    assert page.url.endswith("/graph.html")

    # A click opens a note.
    page.wait_for_function(f"{GRAPH}.settled()")
    x, y = graph_point(page, "Callouts")
    with page.expect_navigation():
        page.mouse.click(x, y)
    assert page.url == served.url(served.file_for_source("Editing and formatting/Callouts.md"))
    assert recorder.problems == []


def test_global_graph_find_keyboard_and_filters(page: Page, served: Served) -> None:
    """Find a note: it comes to the middle; arrow keys walk from note to note and Enter opens
    one; the graph filters by folder, tag and links."""
    recorder = open_graph(page, served)
    box = page.locator(".global-graph")
    canvas = page.locator(".global-graph canvas")
    find = page.locator(".graph-find input")
    find.fill("callo")
    expect(page.locator(".graph-matches [role='option']").first).to_have_text("Callouts")
    find.press("Enter")
    expect(box).to_have_attribute("data-focused", "Callouts")
    expect(canvas).to_be_focused()
    page.wait_for_function(f"{GRAPH}.settled()")
    at = page.evaluate(f"{GRAPH}.at('Callouts')")
    size = canvas.bounding_box()
    assert size is not None
    assert abs(at[0] - size["width"] / 2) < 30 and abs(at[1] - size["height"] / 2) < 30

    # The graph is one tab stop after the tools.
    page.locator(".graph-tools input[name='orphans']").focus()
    page.keyboard.press("Tab")
    expect(canvas).to_be_focused()
    # Arrow keys move to another note, said aloud; Enter opens it.
    page.keyboard.press("ArrowRight")
    focused = box.get_attribute("data-focused")
    assert focused and focused != "Callouts"
    expect(page.locator(".global-graph [aria-live]")).to_contain_text(focused)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("h1.page-title")).to_have_text(focused)
    page.go_back()
    expect(page.locator(".global-graph[data-ready]")).to_be_attached()

    # Filters.
    entries = list(served.site.index.values())
    folder = page.locator(".graph-tools select[name='folder']")
    folder.select_option(label="Bases")
    in_bases = sum(1 for e in entries if e["source"].startswith("Bases/"))
    expect(box).to_have_attribute("data-nodes", str(in_bases))
    folder.select_option("")
    expect(box).to_have_attribute("data-nodes", str(len(entries)))
    page.locator(".graph-tools input[name='orphans']").uncheck()
    linked = sum(1 for e in entries if e["links"] or e["backlinks"])
    assert linked < len(entries)
    expect(box).to_have_attribute("data-nodes", str(linked))
    page.locator(".graph-tools input[name='orphans']").check()
    tag = "tag"
    page.locator(".graph-tools select[name='tag']").select_option(label="#" + tag)
    tagged = sum(1 for e in entries if any(t.casefold() == tag for t in e["tags"]))
    assert tagged
    expect(box).to_have_attribute("data-nodes", str(tagged))
    assert recorder.problems == []


def test_global_graph_fills_a_phone(browser: Browser, served: Served) -> None:
    """On a phone the graph is as wide as the screen and fits on it; a tap chooses a note and
    lights its neighbours, a second tap opens it."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        open_graph(page, served)
        box = page.locator(".global-graph canvas").bounding_box()
        assert box is not None
        assert box["width"] == PHONE["width"]
        assert box["y"] + box["height"] <= PHONE["height"] + 1
        assert box["height"] > PHONE["height"] * 0.55
        x, y = graph_point(page, "Internal links")
        page.touchscreen.tap(x, y)
        expect(page.locator(".global-graph")).to_have_attribute("data-focused", "Internal links")
        assert page.evaluate(f"{GRAPH}.lit()")[0] == "Internal links"
        with page.expect_navigation():
            page.touchscreen.tap(x, y)
        expect(page.locator("h1.page-title")).to_have_text("Internal links")
    finally:
        context.close()


def test_graph_tags_are_nodes_that_open_the_tag_page(tmp_path: Path, browser: Browser) -> None:
    site = build_site(
        make_vault(
            tmp_path / "vault",
            {
                "garden.yaml": "graph_tags: true\n",
                "a.md": "---\ntags: [plants]\n---\nSee [[b]].\n",
                "b.md": "About #plants and #trees/oak.\n",
                "c.md": "Nothing.\n",
            },
        ),
        tmp_path / "site",
    )
    for served in serve(site):
        page = browser.new_page(viewport=DESKTOP)
        try:
            recorder = Recorder(page, served.origin)
            assert recorder.visit(page, served.url("graph.html")) == []
            expect(page.locator(".global-graph[data-ready]")).to_be_attached()
            page.wait_for_function(f"{GRAPH}.settled()")
            nodes = page.evaluate(f"{GRAPH}.nodes()")
            assert len(nodes) == 5
            assert sorted(t for t, kind, _ in nodes if kind == "tag") == ["#plants", "#trees/oak"]
            x, y = graph_point(page, "#trees/oak")
            with page.expect_navigation():
                page.mouse.click(x, y)
            assert page.url == served.url("tags/trees/oak.html")
            expect(page.locator("h1.page-title")).to_have_text("#trees/oak")
            # The local graph of a tagged note shows its tags too, as links to their pages.
            page.goto(served.url("a.html"))
            local = page.locator(".local-graph a.graph-tag")
            expect(local).to_have_count(2)
            with page.expect_navigation():
                page.locator('.local-graph a.graph-tag[aria-label="#plants"] circle').click(
                    force=True
                )
            assert page.url == served.url("tags/plants.html")
            assert recorder.problems == []
        finally:
            page.close()


def test_local_graph_is_plain_svg_links(page: Page, served: Served) -> None:
    rel = served.file_for_source(INTERNAL_LINKS_SOURCE)
    open_page(page, served, rel)
    nodes = page.locator(".local-graph a.graph-node")
    assert nodes.count() >= 3
    assert page.locator('.local-graph a[aria-current="page"]').count() == 1
    link = page.locator(".local-graph a.graph-node.depth-1").last
    href = link.get_attribute("href")
    with page.expect_navigation():
        link.locator("circle").click(force=True)
    assert page.url == urljoin(served.url(rel), href)


# Each label's box in the page, and the SVG's, for the pages given.
LABEL_BOXES = """() => {
  const svg = document.querySelector('.local-graph svg');
  const box = (el) => { const r = el.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom]; };
  return {svg: box(svg), labels: [...svg.querySelectorAll('text')].map(
    (t) => [t.textContent, ...box(t)])};
}"""


def test_local_graph_labels_never_overlap(browser: Browser, served: Served) -> None:
    """On the busiest local graphs of the help vault: no two labels overlap, none is cut by the
    graph's edge, and most neighbours are named."""
    busiest = sorted(
        served.site.index,
        key=lambda slug: (
            -len(set(served.site.index[slug]["links"]) | set(served.site.index[slug]["backlinks"]))
        ),
    )[:6]
    context = browser.new_context(viewport=DESKTOP, device_scale_factor=1)
    try:
        page = context.new_page()
        named = 0
        for slug in busiest:
            page.goto(served.url(served.file_for_slug(slug)))
            found = page.evaluate(LABEL_BOXES)
            left, top, right, bottom = found["svg"]
            labels = found["labels"]
            named += len(labels)
            for i, (text, *a) in enumerate(labels):
                assert left <= a[0] and a[2] <= right and top <= a[1] and a[3] <= bottom, (
                    f"{slug}: {text!r} is cut by the graph's edge"
                )
                for other, *b in labels[i + 1 :]:
                    assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (
                        f"{slug}: {text!r} overlaps {other!r}"
                    )
        assert named >= 6 * 8, named
    finally:
        context.close()


def test_explorer_toggles_are_big_enough_to_hit(page: Page, served: Served) -> None:
    open_page(page, served, served.file_for_source(INTERNAL_LINKS_SOURCE))
    toggles = page.locator("nav.explorer .explorer-toggle:visible")
    expect(toggles.first).to_be_visible()
    sizes = toggles.evaluate_all(
        "(els) => els.map((e) => e.getBoundingClientRect()).map((r) => [r.width, r.height])"
    )
    assert len(sizes) > 10 and min(min(w, h) for w, h in sizes) >= 24, sizes


def test_explorer_follows_navigation_ordering_and_marks_the_page(
    page: Page, served: Served
) -> None:
    rel = served.file_for_source(INTERNAL_LINKS_SOURCE)
    open_page(page, served, rel)
    explorer = page.locator("nav.explorer")
    expect(explorer).to_be_visible()
    current = explorer.locator('a[aria-current="page"]')
    expect(current).to_have_text("Internal links")
    top = explorer.locator(".explorer-tree > li > a").all_inner_texts()
    options = json.loads((HELP_VAULT / "site-options.json").read_text(encoding="utf-8"))
    listed_first = [p for p in options["navigationOrdering"] if "/" not in p][:3]
    assert top[:3] == listed_first
    # A folder folds and unfolds, and stays so on the next page.
    folder = explorer.locator(".explorer-folder").first
    toggle = folder.locator(":scope > .explorer-toggle")
    before = toggle.get_attribute("aria-expanded")
    toggle.click()
    assert toggle.get_attribute("aria-expanded") != before


def axe_problems(page: Page, where: str) -> list[str]:
    """The serious and critical axe-core violations of the page as it is now."""
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    results = axe_module.Axe().run(page)
    return [
        f"{where}: {v['id']} ({v['impact']}): {v['help']} {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


# The heading's top, just below the phone's top bar (where a jump to it must leave it).
HEADING_BELOW_BAR = """([id, bar]) => {
  const top = document.getElementById(id).getBoundingClientRect().top;
  const bottom = document.querySelector(bar).getBoundingClientRect().bottom;
  return top >= bottom - 1 && top < bottom + 80;
}"""


def test_404_page_works_at_a_nested_missing_url(browser: Browser, served: Served) -> None:
    """A host answers /a/b/missing with 404.html: styles, icons, scripts and data still load
    (they are linked from the host's root), search works, and every icon keeps its size."""
    context = browser.new_context(viewport=DESKTOP, color_scheme="light")
    try:
        page = context.new_page()
        recorder = Recorder(page, served.origin)
        response = page.goto(served.url("a/b/missing"))
        assert response is not None and response.status == 404
        expect(page.locator("h1.page-title")).to_have_text("Page not found")
        expect(page.locator("nav.explorer a").first).to_be_visible()  # explorer.json loaded
        home_background = "rgb(251, 250, 247)"  # the theme's light background: the CSS loaded
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == home_background
        sizes = page.locator("svg").evaluate_all(
            "(els) => els.map((e) => Math.max(e.getBoundingClientRect().width,"
            " e.getBoundingClientRect().height))"
        )
        assert sizes and max(sizes) <= 32, sizes  # the explorer's toggles too
        page.keyboard.press("Control+k")
        page.locator(".search-dialog input").fill("callouts")
        first = page.locator('.search-results [role="option"]').first
        expect(first).to_be_visible()
        with page.expect_navigation() as navigation:
            first.click()
        assert navigation.value is not None and navigation.value.status == 200
        others = [p for p in recorder.problems if "/a/b/missing" not in p]
        assert others == []
    finally:
        context.close()


def test_phone_menu_holds_both_sidebars(browser: Browser, served: Served) -> None:
    """On a phone: one column; the table of contents (folded), local graph and backlinks follow
    the article; a bar stuck to the top holds a search button and the menu button, which shows
    both sidebars (navigation and explorer; table of contents, local graph, backlinks) and works
    from the keyboard; the menu's table of contents marks the heading being read; touch screens
    show no keyboard shortcut."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        recorder = open_page(page, served, served.file_for_source(INTERNAL_LINKS_SOURCE))
        button = page.locator("button.menu-toggle")
        article = page.locator("article.note")
        toc = page.locator("nav.toc")
        toc_links = toc.locator("a")
        backlinks = page.locator(".backlinks")
        expect(button).to_be_visible()
        expect(button).to_have_attribute("aria-expanded", "false")
        controls = (button.get_attribute("aria-controls") or "").split()
        assert sorted(controls) == ["garden-drawer", "garden-right"]
        expect(page.locator("#garden-drawer")).to_be_hidden()
        expect(article).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"]

        # After the article: the table of contents, folded, the local graph and the backlinks.
        end = page.evaluate(
            "(() => { const r = document.querySelector('article.note')"
            ".getBoundingClientRect(); return r.bottom + scrollY; })()"
        )
        for part in ("nav.toc", ".local-graph", ".backlinks"):
            expect(page.locator(part)).to_be_visible()
            assert (
                page.evaluate(
                    f"document.querySelector('{part}').getBoundingClientRect().top + scrollY"
                )
                >= end
            ), part
        fold = toc.locator("button.toc-toggle")
        expect(fold).to_have_attribute("aria-expanded", "false")
        expect(toc_links.first).to_be_hidden()
        fold.click()
        expect(fold).to_have_attribute("aria-expanded", "true")
        expect(toc_links.first).to_be_visible()
        fold.click()
        expect(toc_links.first).to_be_hidden()

        # The bar's search button; no "Ctrl K" on a touch screen.
        search = page.locator(".site-header .search-button")
        expect(search).to_be_visible()
        expect(page.locator(".search-button kbd")).to_be_hidden()

        # Deep in the article the bar is still at hand: it sticks to the top.
        heading = unquote((toc_links.nth(3).get_attribute("href") or "#")[1:])
        page.evaluate(
            f"window.scrollTo({{top: document.getElementById('{heading}').getBoundingClientRect()"
            ".top + scrollY - 90, behavior: 'instant'})"
        )
        reading = page.evaluate("window.scrollY")
        assert reading > 1000
        box = button.bounding_box()
        assert box is not None and 0 <= box["y"] < 60
        box = search.bounding_box()
        assert box is not None and 0 <= box["y"] < 60
        search.click()
        expect(page.locator(".search-dialog input")).to_be_focused()
        page.keyboard.press("Escape")
        expect(page.locator(".search-dialog")).to_be_hidden()

        # Opened from the keyboard: both sidebars, and not the article. The table of contents
        # is unfolded and marks the heading being read (not the last one).
        button.focus()
        page.keyboard.press("Enter")
        expect(button).to_have_attribute("aria-expanded", "true")
        for part in ("nav.explorer", "nav.site-nav", "nav.toc", ".local-graph", ".backlinks"):
            expect(page.locator(part)).to_be_visible()
        assert backlinks.locator("a").count() >= 1
        assert toc_links.count() > 4
        expect(toc_links.first).to_be_visible()
        expect(toc.locator("a.active")).to_have_attribute("href", f"#{heading}")
        expect(article).to_be_hidden()
        expect(page.locator("nav.explorer")).to_be_in_viewport()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "help-phone-menu.png"))
        assert axe_problems(page, "open phone menu") == []

        # Escape closes it: the focus goes back to the button, the reader back to the same place.
        page.keyboard.press("Escape")
        expect(button).to_have_attribute("aria-expanded", "false")
        expect(button).to_be_focused()
        expect(page.locator("#garden-drawer")).to_be_hidden()
        expect(toc_links.first).to_be_hidden()
        expect(article).to_be_visible()
        assert page.evaluate("window.scrollY") == reading
        # So does the button itself.
        page.keyboard.press("Enter")
        expect(page.locator("nav.explorer")).to_be_visible()
        page.keyboard.press("Enter")
        expect(page.locator("nav.explorer")).to_be_hidden()

        # A heading chosen in the table of contents: the menu closes on it, shown below the bar.
        button.click()
        link = toc_links.nth(2)
        target = unquote((link.get_attribute("href") or "#")[1:])
        link.click()
        expect(button).to_have_attribute("aria-expanded", "false")
        expect(page.locator(f"id={target}")).to_be_in_viewport()
        page.wait_for_function(HEADING_BELOW_BAR, arg=[target, ".sidebar-left"])
        assert recorder.problems == []
    finally:
        context.close()


def test_phone_without_javascript_stacks_the_sidebars(browser: Browser, served: Served) -> None:
    """With no script to open a menu, the sidebars are plain HTML above and below the article."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(served.url(served.file_for_source(INTERNAL_LINKS_SOURCE)))
        expect(page.locator("button.menu-toggle")).to_be_hidden()
        for part in ("nav.site-nav", "article.note", "nav.toc", ".backlinks", ".local-graph"):
            expect(page.locator(part)).to_be_visible()
        article = page.locator("article.note").bounding_box()
        aside = page.locator("#garden-right").bounding_box()
        assert article is not None and aside is not None
        assert aside["y"] >= article["y"] + article["height"]
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


def test_pages_work_without_javascript(browser: Browser, served: Served) -> None:
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(served.url(served.file_for_source(INTERNAL_LINKS_SOURCE)))
        assert page.locator(".toc a").count() > 3
        assert page.locator(".backlinks a").count() >= 1
        assert page.locator(".local-graph a.graph-node").count() >= 3
        expect(page.locator("nav.site-nav")).to_be_visible()
        expect(page.locator(".search-button:visible")).to_have_count(0)
    finally:
        context.close()


def test_shared_files_keep_pages_small(help_site: BuiltSite) -> None:
    """The explorer, graph and search index are files of their own, not repeated per page."""
    out = help_site.out
    for name in ("static/explorer.json", "static/graph.json", "static/search/manifest.json"):
        assert (out / name).is_file(), name
    home = (out / "index.html").read_text(encoding="utf-8")
    titles = [e["title"] for e in help_site.index.values()]
    assert sum(1 for t in titles if f">{t}<" in home) < len(titles) / 2
    assert "robots.txt" in help_site.files()
    # publish.css of the vault is linked from every page.
    assert (out / "publish.css").is_file()
    assert 'href="publish.css"' in home
    # An icon is linked (no favicon.ico request and 404), and is an SVG image.
    assert '<link rel="icon" href="static/favicon.svg" type="image/svg+xml">' in home
    svg = ElementTree.parse(out / "static/favicon.svg").getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"


def test_screenshots_of_search_and_graph(browser: Browser, served: Served) -> None:
    context = browser.new_context(viewport=DESKTOP, color_scheme="light", device_scale_factor=1)
    try:
        page = context.new_page()
        page.goto(served.url(served.file_for_source(INTERNAL_LINKS_SOURCE)))
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.keyboard.press("Control+k")
        page.locator(".search-dialog input").fill("canvas")
        expect(page.locator('.search-results [role="option"]').first).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / "help-search-desktop-light.png"))
        page.goto(served.url("graph.html"))
        expect(page.locator(".global-graph[data-ready]")).to_be_attached()
        page.wait_for_function(f"{GRAPH}.settled()")
        page.screenshot(path=str(SCREENSHOTS / "help-graph-desktop-light.png"))
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violations(browser: Browser, served: Served, scheme: str) -> None:
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    axe = axe_module.Axe()
    context = browser.new_context(viewport=DESKTOP, color_scheme=scheme)
    try:
        page = context.new_page()
        problems: list[str] = []
        rels = [
            "index.html",  # with the search open
            # A note: every kind of callout, nested ones; code blocks and heading links
            served.file_for_source("Editing and formatting/Callouts.md"),
            "graph.html",
            "tags/index.html",
            "tags/tag.html",
            "a/b/missing",  # the 404 page, served at a nested URL
        ]
        for rel in rels:
            page.goto(served.url(rel))
            # What a page fetches after it loads (the explorer's tree, the graph's data) is
            # drawn before axe reads the page.
            expect(page.locator("nav.explorer .explorer-tree")).to_be_attached()
            if rel == "graph.html":
                expect(page.locator(".global-graph[data-ready]")).to_be_attached()
            if rel == "index.html":
                page.keyboard.press("Control+k")
                page.locator(".search-dialog input").fill("links")
                expect(page.locator('.search-results [role="option"]').first).to_be_visible()
            if rel == "graph.html":  # a note chosen: the highlight drawn, the live region said
                page.locator(".graph-find input").fill("callouts")
                page.locator(".graph-find input").press("Enter")
            results = axe.run(page)
            for v in results.response["violations"]:
                if v["impact"] in ("serious", "critical"):
                    targets = [n["target"] for n in v["nodes"]][:3]
                    problems.append(f"{rel}: {v['id']} ({v['impact']}): {v['help']} {targets}")
        assert not problems, "\n".join(problems)
    finally:
        context.close()


def test_cjk_accented_greek_turkish_words_are_searchable(tmp_path: Path, browser: Browser) -> None:
    site = build_site(
        make_vault(
            tmp_path / "vault",
            {
                "中文笔记.md": "# 中文笔记\n\n这是一个关于双向链接的笔记。\n",
                "Café.md": "Un café crème, s'il vous plaît.\n",
                "Οδός.md": "Ο δρόμος της πόλης.\n",
                "İzmir.md": "İstanbul'dan uzak.\n",
                "Other.md": "Nothing to see.\n",
            },
        ),
        tmp_path / "site",
    )
    for served in serve(site):
        page = browser.new_page(viewport=DESKTOP)
        try:
            page.goto(served.url("Other.html"))
            page.keyboard.press("Control+k")
            box = page.locator(".search-dialog input")
            for query, title in (
                ("链接", "中文笔记"),
                ("双", "中文笔记"),
                ("creme", "Café"),
                ("ΟΔΟΣ", "Οδός"),  # a final ς in the title, a capital Σ typed
                ("istanbul'dan", "İzmir"),  # İ lowers to i and a combining dot
            ):
                box.fill(query)
                first = page.locator(".search-title").first
                expect(first).to_have_text(title)
        finally:
            page.close()


def test_alias_redirects_to_its_note(page: Page, served: Served) -> None:
    aliases = {a: slug for slug, e in served.site.index.items() for a in e["aliases"] if "/" in a}
    assert aliases
    alias, slug = sorted(aliases.items())[0]
    redirect = re.sub(r"[^\w.\-/]+", "-", alias.replace("&", "-and-")) + ".html"
    assert (served.out / redirect).is_file(), redirect
    page.goto(served.url(redirect))
    page.wait_for_url(re.compile(re.escape(served.file_for_slug(slug)) + "$"))
