"""Query results in headless Chromium: a table sorts by a clicked header (numbers as numbers),
a long result is paged with a pager that counts every row, a base's views are tabs; and without
a script every row of every view is on the page."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import BuiltSite, Served, build_site, make_vault, serve
from playwright.sync_api import Browser, Page
from test_browser import SCREENSHOTS

ITEMS = 120
_rng = random.Random(7)
NUMBERS = [_rng.randrange(1, 5000) for _ in range(ITEMS)]


@pytest.fixture(scope="module")
def query_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    root = tmp_path_factory.mktemp("query-browser")
    files: dict[str, str | bytes] = {
        f"Items/Item {i:03d}.md": f"---\nn: {n}\nkind: {'odd' if n % 2 else 'even'}\n---\nItem.\n"
        for i, n in enumerate(NUMBERS)
    }
    files["Table.md"] = '# Table\n\n```dataview\nTABLE n, kind\nFROM "Items"\nSORT file.name\n```\n'
    files["Items.base"] = (
        "filters: 'file.inFolder(\"Items\")'\nviews:\n"
        "  - type: table\n    name: Numbers\n    order: [file.name, n]\n"
        "  - type: list\n    name: Kinds\n    groupBy:\n      property: kind\n"
        "    order: [file.name]\n"
    )
    return build_site(make_vault(root / "vault", files), root / "site")


@pytest.fixture(scope="module")
def served(query_site: BuiltSite) -> Iterator[Served]:
    yield from serve(query_site)


def _visible_numbers(page: Page) -> list[int]:
    cells = page.locator("table.query-table tbody tr.query-row:visible td:nth-child(2)")
    return [int(text.replace(",", "")) for text in cells.all_inner_texts()]


@pytest.mark.browser
def test_long_table_is_paged_and_sorts_by_a_header(browser: Browser, served: Served) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(served.url("Table.html"))
        pager = page.locator(".query-pager")
        assert pager.locator("span").inner_text() == f"1–50 of {ITEMS}"
        assert _visible_numbers(page) == NUMBERS[:50]  # SORT file.name: Item 000, 001...
        pager.get_by_role("button", name="Next").click()
        assert pager.locator("span").inner_text() == f"51–100 of {ITEMS}"
        assert _visible_numbers(page) == NUMBERS[50:100]
        header = page.locator("table.query-table thead th").nth(1)
        header.get_by_role("button").click()
        assert header.get_attribute("aria-sort") == "ascending"
        assert pager.locator("span").inner_text() == f"1–50 of {ITEMS}"  # back to the first
        assert _visible_numbers(page) == sorted(NUMBERS)[:50]  # as numbers, not as text
        header.get_by_role("button").click()
        assert header.get_attribute("aria-sort") == "descending"
        assert _visible_numbers(page) == sorted(NUMBERS, reverse=True)[:50]
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "query-table.png"), full_page=True)
    finally:
        page.close()


@pytest.mark.browser
def test_base_views_are_tabs(browser: Browser, served: Served) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(served.url("Items.base.html"))
        tabs = page.get_by_role("tab")
        assert tabs.all_inner_texts() == ["Numbers", "Kinds"]
        assert page.locator("section.base-view").nth(0).is_visible()
        assert not page.locator("section.base-view").nth(1).is_visible()
        tabs.nth(1).click()
        assert tabs.nth(1).get_attribute("aria-selected") == "true"
        kinds = page.locator("section.base-view").nth(1)
        assert kinds.is_visible() and not page.locator("section.base-view").nth(0).is_visible()
        headings = kinds.locator(".query-group-heading").all_inner_texts()
        evens = sum(1 for n in NUMBERS if n % 2 == 0)
        assert headings == [f"even {evens}", f"odd {ITEMS - evens}"]  # (the brackets are CSS)
        page.screenshot(path=str(SCREENSHOTS / "query-base-tabs.png"))
    finally:
        page.close()


@pytest.mark.browser
def test_without_a_script_every_row_is_shown(browser: Browser, served: Served) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(served.url("Table.html"))
        assert page.locator("table.query-table tbody tr.query-row:visible").count() == ITEMS
        assert page.locator(".query-pager").count() == 0
        page.goto(served.url("Items.base.html"))
        assert page.locator("section.base-view:visible").count() == 2  # each under its name
        assert page.locator("h2.base-view-name:visible").all_inner_texts() == ["Numbers", "Kinds"]
    finally:
        context.close()


def test_query_assets_are_linked_only_where_results_are(query_site: BuiltSite) -> None:
    assert 'static/query.js"' in query_site.page("Table.html")
    assert 'static/query.js"' in query_site.page("Items.base.html")
    assert "query.js" not in query_site.page("Items/Item-000.html")
    assert Path(query_site.out / "static" / "query.css").is_file()
