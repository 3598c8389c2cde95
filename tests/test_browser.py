"""End-to-end tests: build the example vault and the Obsidian help vault, serve each with a
plain static file server (no rewrites, as the site contract requires) and drive the pages in
headless Chromium.

Uses Debian's Chromium (/usr/bin/chromium), never a browser downloaded by Playwright. The sites
(each built once per run, for every test process), their servers and the browser are fixtures
of conftest.py. Screenshots are written to test-artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from conftest import (
    CHROMIUM,
    CHROMIUM_MISSING,
    DESKTOP,
    REPO,
    BuiltSite,
    Served,
)

try:
    from playwright.sync_api import (
        Browser,
        ConsoleMessage,
        Page,
        Request,
        Response,
    )
except ImportError:  # pragma: no cover - depends on the environment
    pytest.skip(CHROMIUM_MISSING, allow_module_level=True)
if not CHROMIUM.is_file():  # pragma: no cover - depends on the environment
    pytest.skip(CHROMIUM_MISSING, allow_module_level=True)

SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
HELP_SAMPLE = 15
INTERNAL_LINKS_SOURCE = "Linking notes and files/Internal links.md"

# Make lazy images load now, wait until each has loaded or failed, and return the broken ones.
LOAD_ALL_IMAGES = """async () => {
  for (const img of document.images) img.loading = "eager";
  await Promise.all([...document.images].map((img) => img.complete ? null : new Promise(
    (done) => { img.addEventListener("load", done); img.addEventListener("error", done); })));
  await document.fonts.ready;
  return [...document.images].filter((img) => img.naturalWidth === 0).map((img) => img.src);
}"""


# --- page health ----------------------------------------------------------------------------


# Chromium's own PDF viewer (for the PDF <iframe> embed) loads its UI from these; they are
# browser-internal resources, not network requests.
BROWSER_INTERNAL = ("chrome://", "chrome-extension://")


class Recorder:
    """Collects console errors, page errors, failed and foreign requests of one page.

    Ignored: Chromium's internal PDF-viewer resources. (The theme links an icon, so Chromium
    asks for no /favicon.ico: a 404 of it would count.)
    """

    def __init__(self, page: Page, origin: str) -> None:
        self.origin = origin
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        page.on("request", self._request)
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text} ({message.location})")

    def _request(self, request: Request) -> None:
        url = request.url
        if not url.startswith((self.origin + "/", "data:", "about:", *BROWSER_INTERNAL)):
            self.problems.append(f"request leaves the local server: {url}")

    def _failed(self, request: Request) -> None:
        if not request.url.startswith(BROWSER_INTERNAL):
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def visit(self, page: Page, url: str) -> list[str]:
        """Load ``url`` (and all its images) and return the problems seen."""
        # Leave the previous page first, so that its unfinished loads (a lazy PDF iframe, audio
        # metadata) are aborted now and not blamed on this page.
        page.goto("about:blank")
        self.problems = []
        response = page.goto(url, wait_until="load")
        if response is None or response.status != 200:
            self.problems.append(f"status {response and response.status}")
        for src in page.evaluate(LOAD_ALL_IMAGES):
            self.problems.append(f"image did not load: {src}")
        return self.problems


def check_pages(page: Page, served: Served, rels: list[str]) -> None:
    recorder = Recorder(page, served.origin)
    failures = {}
    for rel in rels:
        problems = recorder.visit(page, served.url(rel))
        if problems:
            failures[rel] = list(problems)
    assert not failures, "\n".join(f"{rel}: {p}" for rel, ps in failures.items() for p in ps)


@pytest.mark.browser
def test_every_example_page_loads_cleanly_and_stays_local(page: Page, example: Served) -> None:
    rels = example.pages()
    assert "index.html" in rels
    assert len(rels) >= 20
    check_pages(page, example, rels)


def help_sample(served: Served) -> list[str]:
    slugs = sorted(slug for slug in served.site.index if slug != "index")
    step = max(1, len(slugs) // (HELP_SAMPLE - 1))
    picked = ["index.html"]
    picked += [served.file_for_slug(slug) for slug in slugs[::step][: HELP_SAMPLE - 1]]
    internal = served.file_for_source(INTERNAL_LINKS_SOURCE)
    if internal not in picked:
        picked[-1] = internal
    return picked


@pytest.mark.browser
def test_help_vault_sample_loads_cleanly_and_stays_local(page: Page, help_served: Served) -> None:
    rels = help_sample(help_served)
    assert len(rels) == HELP_SAMPLE
    check_pages(page, help_served, rels)


# --- navigation and interaction -------------------------------------------------------------


@pytest.mark.browser
def test_clicking_an_internal_link_opens_a_note(page: Page, example: Served) -> None:
    page.goto(example.url("index.html"))
    link = page.locator("article a.internal").first
    href = link.get_attribute("href")
    assert href
    with page.expect_navigation() as navigation:
        link.click()
    response = navigation.value
    assert response is not None and response.status == 200
    assert page.url == urljoin(example.url("index.html"), href)
    assert page.locator("article").count() == 1
    assert page.locator(".backlinks").count() == 1
    # The page we came from is listed among the backlinks of the page we reached.
    backlinks = page.locator(".backlinks a")
    targets = [
        urljoin(page.url, backlinks.nth(i).get_attribute("href") or "")
        for i in range(backlinks.count())
    ]
    assert example.url("index.html") in targets


@pytest.mark.browser
def test_theme_toggle_switches_and_persists(page: Page, example: Served) -> None:
    page.goto(example.url("Guide/Tags.html"))
    theme = "document.documentElement.dataset.theme ?? null"
    background = "getComputedStyle(document.body).backgroundColor"
    toggle = page.locator("button.theme-toggle")
    assert toggle.count() == 1
    assert toggle.is_visible()
    assert page.evaluate(theme) is None  # no stored choice: follow the system (light here)
    assert toggle.get_attribute("aria-pressed") == "false"
    light_bg = page.evaluate(background)

    toggle.click()
    assert page.evaluate(theme) == "dark"
    assert toggle.get_attribute("aria-pressed") == "true"
    dark_bg = page.evaluate(background)
    assert dark_bg != light_bg

    page.reload()
    assert page.evaluate(theme) == "dark"
    assert page.evaluate(background) == dark_bg
    assert toggle.get_attribute("aria-pressed") == "true"

    # The choice is site-wide: another page, in another folder, opens dark too.
    page.goto(example.url("index.html"))
    assert page.evaluate(theme) == "dark"

    toggle.click()
    assert page.evaluate(theme) == "light"
    page.reload()
    assert page.evaluate(theme) == "light"
    assert page.evaluate(background) == light_bg
    assert toggle.get_attribute("aria-pressed") == "false"


@pytest.mark.browser
def test_sized_image_embed_is_displayed_at_its_width(page: Page, example: Served) -> None:
    page.goto(example.url("Guide/Images-and-attachments.html"))
    images = page.locator('article img[width="480"]')
    assert images.count() >= 1
    assert page.evaluate(LOAD_ALL_IMAGES) == []
    for i in range(images.count()):
        box = images.nth(i).evaluate(
            "(img) => ({width: img.getBoundingClientRect().width, natural: img.naturalWidth,"
            " src: img.currentSrc})"
        )
        assert box["width"] == pytest.approx(480, abs=0.5), box
        assert 0 < box["natural"] <= 960, box


@pytest.mark.browser
def test_broken_links_have_no_href(page: Page, example: Served) -> None:
    page.goto(example.url("Guide/Links-and-embeds.html"))
    broken = page.locator("article .broken")
    assert broken.count() >= 1
    hrefs = broken.evaluate_all("(els) => els.map((el) => el.getAttribute('href'))")
    assert hrefs == [None] * len(hrefs)
    assert page.locator("article .broken[href]").count() == 0
    assert "This note does not exist" in broken.all_inner_texts()


# --- screenshots ----------------------------------------------------------------------------


@pytest.fixture(params=["example-home", "help-internal-links"])
def shot(request: pytest.FixtureRequest) -> tuple[str, Served, str]:
    """(name, served site, page file) of a page to photograph."""
    if request.param == "example-home":
        return request.param, request.getfixturevalue("example"), "index.html"
    served: Served = request.getfixturevalue("help_served")
    return request.param, served, served.file_for_source(INTERNAL_LINKS_SOURCE)


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_screenshot(
    browser: Browser, shot: tuple[str, Served, str], device: str, scheme: str
) -> None:
    name, served, rel = shot
    if device == "desktop":
        options = {"viewport": DESKTOP}
    else:
        options = {"viewport": PHONE, "is_mobile": True, "has_touch": True}
    context = browser.new_context(color_scheme=scheme, device_scale_factor=1, **options)
    try:
        page = context.new_page()
        assert Recorder(page, served.origin).visit(page, served.url(rel)) == []
        assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (
            scheme == "dark"
        )
        # Nothing is wider than the viewport (no sideways scrolling on a phone).
        assert page.evaluate("document.documentElement.scrollWidth") <= options["viewport"]["width"]
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        target = SCREENSHOTS / f"{name}-{device}-{scheme}.png"
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 0
    finally:
        context.close()


# --- links (plain Python, no browser) -------------------------------------------------------


class PageLinks(HTMLParser):
    """The ids of one page, its internal links and every other local reference in it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.internal: list[str] = []
        self.anchors: list[str] = []
        self.fragment_checked: set[str] = set()  # hrefs whose #fragment must exist
        self.resources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v for k, v in attrs if v is not None}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "name" in a:
            self.ids.add(a["name"])
        if tag == "a" and "href" in a:
            self.anchors.append(a["href"])
            classes = a.get("class", "").split()
            if "internal" in classes:
                self.internal.append(a["href"])
            if "external" not in classes:
                self.fragment_checked.add(a["href"])
        for attr in ("src", "poster", "data"):
            if attr in a:
                self.resources.append(a[attr])
        if tag == "link" and "href" in a:
            self.resources.append(a["href"])
        if "srcset" in a:
            self.resources += [c.strip().split()[0] for c in a["srcset"].split(",") if c.strip()]


def parse(path: Path) -> PageLinks:
    parser = PageLinks()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def check_links(out: Path) -> tuple[int, list[str]]:
    """Resolve every local link like a plain static server would; return (count, problems)."""
    base = "http://site.invalid/"
    pages = {p.relative_to(out).as_posix(): parse(p) for p in out.rglob("*.html")}
    problems: list[str] = []
    checked = 0

    def resolve(rel: str, ref: str) -> tuple[str, str] | None:
        """(file relative to OUT, fragment) of a local reference, or None for external."""
        url = urlsplit(urljoin(base + rel, ref))
        if f"{url.scheme}://{url.netloc}/" != base:
            return None
        path = unquote(url.path).lstrip("/")
        if path == "" or path.endswith("/"):
            path += "index.html"
        return path, unquote(url.fragment)

    for rel, links in sorted(pages.items()):
        for href in links.internal:
            if urlsplit(urljoin(base + rel, href)).netloc != "site.invalid":
                problems.append(f"{rel}: internal link leaves the site: {href}")
        for ref in links.anchors + links.resources:
            target = resolve(rel, ref)
            if target is None:
                continue
            checked += 1
            path, fragment = target
            file = out / path
            if ".." in Path(path).parts or not file.is_file():
                problems.append(f"{rel}: {ref} -> {path} does not exist")
                continue
            if fragment in ("", "top") or path not in pages or ref not in links.fragment_checked:
                continue
            if fragment not in pages[path].ids:
                problems.append(f"{rel}: {ref} -> no id {fragment!r} in {path}")
    return checked, problems


def test_every_link_of_the_example_site_resolves(example_site: BuiltSite) -> None:
    checked, problems = check_links(example_site.out)
    assert checked > 200
    assert not problems, "\n".join(problems)


def test_every_link_of_the_help_site_resolves(help_site: BuiltSite) -> None:
    checked, problems = check_links(help_site.out)
    assert checked > 1000
    assert not problems, "\n".join(problems)
