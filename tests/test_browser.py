"""End-to-end tests: build the example vault and the Obsidian help vault, serve each with a
plain static file server (no rewrites, as the site contract requires) and drive the pages in
headless Chromium.

Uses Debian's Chromium (/usr/bin/chromium), never a browser downloaded by Playwright.
Screenshots are written to test-artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from conftest import REPO, SHARED_VAULTS, BuiltSite, build_site

CHROMIUM = Path("/usr/bin/chromium")
SKIP_MESSAGE = (
    "Chromium not found: install it with `apt-get install -y chromium` (Debian) "
    "to run the browser tests"
)

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # pragma: no cover - depends on the environment
    pytest.skip(SKIP_MESSAGE, allow_module_level=True)
if not CHROMIUM.is_file():  # pragma: no cover - depends on the environment
    pytest.skip(SKIP_MESSAGE, allow_module_level=True)

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
HELP_VAULT = SHARED_VAULTS / "obsidian-help-en"
HELP_SAMPLE = 15
INTERNAL_LINKS_SOURCE = "Linking notes and files/Internal links.md"

# Make lazy images load now and wait until every image has loaded or failed.
LOAD_ALL_IMAGES = """async () => {
  for (const img of document.images) img.loading = "eager";
  await Promise.all([...document.images].map((img) => img.complete ? null :
    new Promise((done) => { img.addEventListener("load", done); img.addEventListener("error", done); })));
  await document.fonts.ready;
  return [...document.images].filter((img) => img.naturalWidth === 0).map((img) => img.src);
}"""


# --- static server --------------------------------------------------------------------------


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Served:
    site: BuiltSite
    origin: str  # "http://127.0.0.1:PORT"

    @property
    def out(self) -> Path:
        return self.site.out

    def url(self, rel: str) -> str:
        return f"{self.origin}/{rel}"

    def page_for_slug(self, slug: str) -> str:
        """The file (relative to OUT) holding the page of ``slug``."""
        for rel in (f"{slug}.html", f"{slug}/index.html"):
            if (self.out / rel).is_file():
                return rel
        raise AssertionError(f"no page file for slug {slug!r}")

    def pages(self) -> list[str]:
        return sorted(p.relative_to(self.out).as_posix() for p in self.out.rglob("*.html"))


@contextlib_free_serve := None  # placeholder removed below
