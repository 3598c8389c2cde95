"""Injection: text from front matter and file names is escaped for where it lands (element text,
attributes, ``<title>``, meta tags, JSON in ``<script>``); Markdown links never become live
``javascript:``/``vbscript:``/``data:`` hrefs; ``sanitize: true`` cleans the author's raw HTML.

Every check parses every HTML file of OUT, so pages and templates added later are covered too.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from conftest import BuiltSite, build_site, make_vault

# If any of these escapes its context, the parsed page has an element with a data-pwned attribute,
# an on* handler, or a script that runs pwned().
PAYLOADS = [
    '"><img src=x data-pwned=1 onerror=pwned()>',
    "'><svg data-pwned=1 onload=pwned()>",
    "</script><script data-pwned=1>pwned()</script>",
    "</title><script data-pwned=1>pwned()</script>",
    "<!--<script data-pwned=1>pwned()</script>",
    "]]></x><img src=x data-pwned=1 onerror=pwned()>",
    "\u2028\u2029`${pwned()}`",
]


class _Page(HTMLParser):
    """Collects what an attacker would want: elements, their attributes, inline script text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self._script: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.elements.append((tag, values))
        if tag == "script":
            self._script = values
            self.scripts.append((values, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)


_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "srcset"}
_BAD_SCHEME = re.compile(r"^(?:javascript|vbscript|data|file):", re.I)


def _problems(site: BuiltSite) -> list[str]:
    problems = []
    for rel in site.files():
        if not rel.endswith(".html"):
            continue
        page = _Page()
        page.feed(site.page(rel))
        for tag, attrs in page.elements:
            for name, value in attrs.items():
                if name == "data-pwned" or (name.startswith("on") and "pwned" in value):
                    problems.append(f"{rel}: <{tag} {name}> from a payload")
                if name in _URL_ATTRIBUTES:
                    url = re.sub(r"[\x00-\x20]", "", value)
                    image = tag in ("img", "source") and url.lower().startswith("data:image/")
                    if _BAD_SCHEME.match(url) and not image:
                        problems.append(f"{rel}: <{tag} {name}={value!r}>")
        for attrs, text in page.scripts:
            kind = attrs.get("type", "")
            if "json" in kind:
                try:
                    json.loads(text)
                except ValueError:
                    problems.append(f"{rel}: a JSON <script> that is not JSON")
            elif "pwned" in text:
                problems.append(f"{rel}: payload inside a <script>")
            if re.search(r"<!--|<script|</script", text, re.I):
                problems.append(f"{rel}: '<!--' or '<script' inside a <script> (escape '<')")
    return problems


def _injection_vault(tmp_path: Path, extra: dict[str, str | bytes] | None = None) -> Path:
    files: dict[str, str | bytes] = {}
    for i, payload in enumerate(PAYLOADS):
        quoted = json.dumps(payload)  # a YAML double-quoted string
        files[f"Folder {i}/Note {i}.md"] = (
            f"---\ntitle: {quoted}\naliases: [{quoted}]\ntags: [{quoted}, ok{i}]\n"
            f"description: {quoted}\ndate: {quoted}\ncssclasses: [{quoted}]\n---\n"
            f"# Heading {i}\n\n[[Note {(i + 1) % len(PAYLOADS)}]] #ok{i}\n"
        )
    # File and folder names can hold most of the payloads too (no "/" on Linux).
    names = [p.replace("/", "∕") for p in PAYLOADS]
    # (a name with "]]" cannot be linked: the rest of the line would be the author's raw HTML)
    linkable = [n for n in names if "]]" not in n]
    for i, name in enumerate(names):
        embed = f"![[{name}.png]]" if name in linkable else ""
        files[f"{name} {i}/{name}.md"] = f"[[Note 0]] {embed}"
        files[f"{name}.png"] = b"\x89PNG not really"
    files["index.md"] = "Home: " + " ".join(f"[[{n}]] [[{n}|{n}]]" for n in linkable)
    files.update(extra or {})
    return make_vault(tmp_path / "vault", files)


def test_front_matter_and_file_names_are_escaped_everywhere(tmp_path: Path) -> None:
    site = build_site(_injection_vault(tmp_path), tmp_path / "site")
    assert _problems(site) == []
    note = site.page("Folder-0/Note-0.html")
    title = re.search(r"<title>(.*?)</title>", note, re.S)
    assert title is not None and "&lt;img" in title.group(1)
    assert "&lt;img" in site.article("Folder-0/Note-0.html")  # the h1 shows the text as text


MARKDOWN_URLS = [
    "javascript:pwned()",
    "JaVaScRiPt:pwned()",
    " javascript:pwned()",
    "<javascript:pwned()>",
    "java\tscript:pwned()",
    "&#106;avascript:pwned()",
    "&#x6A;avascript:pwned()",
    "javascript&#58;pwned()",
    "%6Aavascript:pwned()",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5wd25lZCgpPC9zY3JpcHQ+",
    "DATA:text/html,<script>pwned()</script>",
    "file:///etc/passwd",
]


def test_markdown_links_never_get_a_live_script_url(tmp_path: Path) -> None:
    lines = [f"[link {i}]({url})\n\n![img {i}]({url})\n" for i, url in enumerate(MARKDOWN_URLS)]
    lines += [f"[ref {i}][r{i}]\n\n[r{i}]: {url}\n" for i, url in enumerate(MARKDOWN_URLS)]
    lines += ["<javascript:pwned()>\n", "[[javascript:pwned()]] ![[javascript:pwned()]]\n"]
    lines += ["![pixel](data:image/png;base64,iVBORw0KGgo=)\n"]  # images may be data: URLs
    site = build_site(make_vault(tmp_path / "vault", {"a.md": "\n".join(lines)}), tmp_path / "s")
    assert _problems(site) == []
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in site.article("a.html")


RAW_HTML = """\
<div class="box" onclick="pwned()">box text</div>

<script>pwned()</script>

Inline <span onmouseover="pwned()">span</span> and <a href="javascript:pwned()">a link</a>.

<img src="x.png" onerror="pwned()"> <iframe src="https://evil.example"></iframe>

<details><summary>More</summary>

Hidden **text** <kbd>Ctrl</kbd>

</details>

<style>body{display:none}</style><form action="https://evil.example"><input></form>
"""


def test_raw_html_is_the_authors_own_unless_sanitize_is_on(tmp_path: Path) -> None:
    trusted = build_site(make_vault(tmp_path / "a", {"a.md": RAW_HTML}), tmp_path / "a-site")
    assert 'onclick="pwned()"' in trusted.article("a.html")  # as documented: passed through

    vault = make_vault(tmp_path / "b", {"a.md": RAW_HTML, "garden.yaml": "sanitize: true\n"})
    site = build_site(vault, tmp_path / "b-site")
    article = site.article("a.html")
    assert _problems(site) == []
    for gone in ("pwned", "<iframe", "<style", "<form", "<input", "display:none"):
        assert gone not in article, gone
    for kept in ('<div class="box">box text</div>', "<span>span</span>", "<kbd>Ctrl</kbd>"):
        assert kept in article, kept
    assert "<details><summary>More</summary>" in article
    assert "<strong>text</strong>" in article  # Markdown between HTML blocks still renders
