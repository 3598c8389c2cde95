"""Mermaid diagrams as a reader sees them, in headless Chromium: drawn, in the theme of the page
(light, dark, and the theme toggle), linked nodes that navigate, wide diagrams that scroll and
open full size, and no request to another host. Screenshots go to test-artifacts/screenshots/.

Fixtures (the example vault's site, served; the browser) come from conftest.py."""

from __future__ import annotations

import pytest
from conftest import DESKTOP, Served
from playwright.sync_api import Browser, Page
from test_browser import PHONE, SCREENSHOTS

GUIDE = "Guide/Advanced/Diagrams.html"
# Mermaid's node fill in its default and dark themes, as the browser computes it.
FILLS = {"light": "rgb(236, 236, 255)", "dark": "rgb(31, 32, 32)"}


def _open(chromium: Browser, served: Served, scheme: str, viewport: dict[str, int]) -> Page:
    context = chromium.new_context(viewport=viewport, color_scheme=scheme)
    page = context.new_page()
    page.set_default_timeout(10_000)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(served.url(GUIDE))
    page.wait_for_load_state("networkidle")
    elsewhere = [u for u in requests if not u.startswith(served.origin)]
    assert elsewhere == [], f"requests to other hosts: {elsewhere}"
    return page


def _shown_fill(page: Page) -> str:
    """The fill of the first flowchart node in whichever of the two drawings is shown."""
    return page.evaluate(
        """() => {
          const svgs = [...document.querySelectorAll('.diagram')][0].querySelectorAll('svg');
          const shown = [...svgs].filter((s) => s.getBoundingClientRect().width > 0);
          if (shown.length !== 1) return 'shown: ' + shown.length;
          return getComputedStyle(shown[0].querySelector('.node rect')).fill;
        }"""
    )


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_diagrams_are_drawn_in_the_page_theme(
    browser: Browser,
    example: Served,
    scheme: str,
) -> None:
    page = _open(browser, example, scheme, DESKTOP)
    figures = page.locator("figure.diagram")
    assert figures.count() == 10
    for i in range(figures.count()):
        box = figures.nth(i).locator("svg:visible").first.bounding_box()
        assert box is not None and box["width"] > 150 and box["height"] > 60, i
    assert _shown_fill(page) == FILLS[scheme]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    figures.first.screenshot(path=str(SCREENSHOTS / f"diagram-flowchart-{scheme}.png"))
    page.locator("figure.diagram").nth(1).screenshot(
        path=str(SCREENSHOTS / f"diagram-linked-{scheme}.png")
    )
    # The theme toggle's choice wins over the system's.
    other = "dark" if scheme == "light" else "light"
    page.evaluate(f"document.documentElement.setAttribute('data-theme', '{other}')")
    assert _shown_fill(page) == FILLS[other]
    page.context.close()


@pytest.mark.browser
def test_linked_nodes_navigate_and_private_ones_do_not(
    browser: Browser,
    example: Served,
) -> None:
    page = _open(browser, example, "light", DESKTOP)
    linked = page.locator("figure.diagram").nth(1)
    assert linked.locator("a.internal:visible").count() == 4  # two nodes: shape and label each
    assert linked.locator("g.broken:visible").count() == 2  # Secret plans: shape and label
    label = linked.locator("a.internal:visible", has_text="Planting calendar")
    assert label.count() == 1
    label.click()
    page.wait_for_url("**/Gardening/Planting*calendar.html")
    assert page.locator("h1").first.inner_text() == "Planting calendar"
    page.context.close()


@pytest.mark.browser
def test_wide_diagrams_scroll_on_a_phone_and_open_full_size(
    browser: Browser,
    example: Served,
) -> None:
    page = _open(browser, example, "light", PHONE)
    gantt = page.locator('figure.diagram[data-diagram="gantt"]')
    frame = gantt.locator(".diagram-scroll")
    sizes = frame.evaluate("(e) => [e.scrollWidth, e.clientWidth]")
    assert sizes[0] > sizes[1], sizes  # wider than the phone's column: it scrolls
    gantt.locator(".diagram-expand").click()
    view = gantt.locator(".diagram-view")
    assert view.evaluate("(e) => getComputedStyle(e).position") == "fixed"
    svg = view.locator("svg:visible").first
    natural = int(svg.get_attribute("width") or 0)
    assert abs(svg.bounding_box()["width"] - natural) < 2  # type: ignore[index]
    page.screenshot(path=str(SCREENSHOTS / "diagram-full-size-phone.png"))
    gantt.locator(".diagram-close").click()
    assert view.evaluate("(e) => getComputedStyle(e).position") != "fixed"
    page.context.close()
