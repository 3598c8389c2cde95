"""Whole-site tests: each Obsidian / Markdown syntax, built with ``site_of``, checked on the page.

Checks look at content (elements, attributes, visible text), not at exact markup, so the theme
and small renderer changes do not break them.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import BuiltSite, png
from PIL import Image

SiteOf = Callable[[dict[str, str | bytes]], BuiltSite]


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------
class _Scan(HTMLParser):
    """Start tags with their attributes, visible text, and anchors opened inside anchors."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.open_anchors = 0
        self.nested_anchors = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))
        if tag == "a":
            if self.open_anchors:
                self.nested_anchors += 1
            self.open_anchors += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.open_anchors:
            self.open_anchors -= 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def scan(html: str) -> _Scan:
    parser = _Scan()
    parser.feed(html)
    parser.close()
    return parser


def elements(html: str, tag: str, **attrs: str) -> list[dict[str, str]]:
    """Attributes of every ``tag`` element whose attributes include ``attrs`` (``class_`` for
    ``class``; a class matches when it is one of the element's classes)."""
    wanted = {k.rstrip("_"): v for k, v in attrs.items()}
    found = []
    for name, have in scan(html).elements:
        if name != tag:
            continue
        ok = True
        for key, value in wanted.items():
            if key == "class":
                ok = ok and value in have.get("class", "").split()
            else:
                ok = ok and have.get(key) == value
        if ok:
            found.append(have)
    return found


def text_of(html: str) -> str:
    """Visible text with runs of whitespace collapsed."""
    return " ".join("".join(scan(html).text).split())


def content(site: BuiltSite, rel: str) -> str:
    """The note's own rendered body (the article without its header)."""
    article = site.article(rel)
    return article[article.index('<div class="content">') :]


def element_at(html: str, start: int) -> str:
    """The whole ``<div>`` element starting at ``start`` (nested divs included)."""
    depth = 0
    for m in re.finditer(r"<div\b|</div>", html[start:]):
        depth += 1 if m.group(0) == "<div" else -1
        if depth == 0:
            return html[start : start + m.end()]
    raise AssertionError("unclosed <div>")


def embeds(html: str) -> list[str]:
    """Every ``.embed`` element, outermost first."""
    return [element_at(html, m.start()) for m in re.finditer(r'<div class="embed"', html)]


def files_containing(site: BuiltSite, word: str) -> list[str]:
    needle = word.encode("utf-8")
    return [f for f in site.files() if needle in (site.out / f).read_bytes()]


def target_of(site: BuiltSite, page: str, url: str) -> Path:
    """The OUT file a relative ``href``/``src`` written in ``page`` points at."""
    path = unquote(url.split("#", 1)[0])
    return site.out / posixpath.normpath(posixpath.join(posixpath.dirname(page), path))


def ids_of(html: str) -> list[str]:
    return [attrs["id"] for _, attrs in scan(html).elements if "id" in attrs]


# --------------------------------------------------------------------------------------------
# CommonMark and GFM
# --------------------------------------------------------------------------------------------
def test_commonmark_blocks_and_emphasis(site_of: SiteOf) -> None:
    site = site_of(
        {
            "N.md": "*em* and **strong** and `code`\n\n1. one\n2. two\n\n- a\n- b\n\n"
            "> quoted\n\n---\n\n[link](https://example.com)\n"
        }
    )
    html = content(site, "N.html")
    assert "<em>em</em>" in html
    assert "<strong>strong</strong>" in html
    assert "<code>code</code>" in html
    assert re.search(r"<ol>\s*<li>one</li>\s*<li>two</li>\s*</ol>", html)
    assert re.search(r"<ul>\s*<li>a</li>\s*<li>b</li>\s*</ul>", html)
    assert re.search(r"<blockquote>\s*<p>quoted</p>\s*</blockquote>", html)
    assert "<hr" in html
    assert elements(html, "a", href="https://example.com")


def test_gfm_table(site_of: SiteOf) -> None:
    site = site_of({"N.md": "| Name | Qty |\n|:-----|----:|\n| apple | 3 |\n| pear | 5 |\n"})
    html = content(site, "N.html")
    assert "<table" in html
    assert re.findall(r"<th[^>]*>(.*?)</th>", html) == ["Name", "Qty"]
    assert re.findall(r"<td[^>]*>(.*?)</td>", html) == ["apple", "3", "pear", "5"]
    assert 'style="text-align:right"' in html


def test_task_list_checkbox_state(site_of: SiteOf) -> None:
    site = site_of({"N.md": "- [ ] open task\n- [x] finished task\n"})
    boxes = elements(content(site, "N.html"), "input", type="checkbox")
    assert len(boxes) == 2
    assert "checked" not in boxes[0]
    assert "checked" in boxes[1]
    assert all("disabled" in box for box in boxes)


def test_strikethrough(site_of: SiteOf) -> None:
    site = site_of({"N.md": "This is ~~gone~~ now.\n"})
    assert "<del>gone</del>" in content(site, "N.html")


def test_bare_url_autolink(site_of: SiteOf) -> None:
    site = site_of({"N.md": "Visit https://example.com/path today.\n"})
    links = elements(content(site, "N.html"), "a", href="https://example.com/path")
    assert len(links) == 1


def test_angle_bracket_autolink(site_of: SiteOf) -> None:
    site = site_of({"N.md": "Visit <https://example.org/x> today.\n"})
    assert elements(content(site, "N.html"), "a", href="https://example.org/x")


def test_footnote_reference_and_definition(site_of: SiteOf) -> None:
    site = site_of({"N.md": "Claim.[^src]\n\n[^src]: The source of it.\n"})
    html = content(site, "N.html")
    refs = elements(html, "sup", class_="footnote-ref")
    assert len(refs) == 1
    link = re.search(r'<sup class="footnote-ref"[^>]*><a href="#([^"]+)"', html)
    assert link
    assert link.group(1) in ids_of(html)
    assert "The source of it." in text_of(html)


def test_footnote_referenced_twice_has_unique_ids(site_of: SiteOf) -> None:
    site = site_of({"N.md": "One[^a] and again[^a].\n\n[^a]: Note.\n"})
    ids = ids_of(site.page("N.html"))
    assert len(ids) == len(set(ids))


def test_raw_html_kbd_passes_through(site_of: SiteOf) -> None:
    site = site_of({"N.md": "Press <kbd>Ctrl</kbd> + <kbd>C</kbd>.\n"})
    assert "<kbd>Ctrl</kbd> + <kbd>C</kbd>" in content(site, "N.html")


def test_raw_html_details_passes_through(site_of: SiteOf) -> None:
    site = site_of({"N.md": "<details><summary>More</summary>\n\nHidden **text**\n\n</details>\n"})
    html = content(site, "N.html")
    assert "<details><summary>More</summary>" in html
    assert "<strong>text</strong>" in html
    assert "</details>" in html


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_front_matter_removed_from_body(site_of: SiteOf, newline: str) -> None:
    note = "---\ntitle: Shown Title\nsecret_field: YAMLMARKER\n---\nThe body.\n"
    site = site_of({"N.md": note.replace("\n", newline)})
    html = content(site, "N.html")
    assert text_of(html) == "The body."
    assert "YAMLMARKER" not in site.page("N.html")
    assert "secret_field" not in site.page("N.html")
    assert "Shown Title" in site.article("N.html")


def test_highlight_becomes_mark(site_of: SiteOf) -> None:
    site = site_of({"N.md": "This is ==very important== text.\n"})
    assert "<mark>very important</mark>" in content(site, "N.html")


# --------------------------------------------------------------------------------------------
# Comments
# --------------------------------------------------------------------------------------------
def test_inline_comment_never_published(site_of: SiteOf) -> None:
    site = site_of({"N.md": "Visible %%INLINEMARKER%% text.\n\nMore.\n"})
    assert files_containing(site, "INLINEMARKER") == []
    assert "Visible" in content(site, "N.html")


def test_block_comment_never_published(site_of: SiteOf) -> None:
    site = site_of(
        {"N.md": "Before.\n\n%%\nBLOCKMARKER line one\n\n# BLOCKMARKER heading\n%%\n\nAfter.\n"}
    )
    assert files_containing(site, "BLOCKMARKER") == []
    assert text_of(content(site, "N.html")) == "Before. After."


def test_comment_in_first_paragraph_not_in_description(site_of: SiteOf) -> None:
    site = site_of({"N.md": "Opening words %%DESCMARKER%% end.\n"})
    assert files_containing(site, "DESCMARKER") == []
    assert site.index["N"]["description"] == "Opening words end."
    assert '<meta name="description" content="Opening words end.">' in site.page("N.html")


def test_attachment_referenced_only_in_comment_not_copied(site_of: SiteOf) -> None:
    site = site_of(
        {
            "N.md": "Text %%![[hidden.png]]%% ![[shown.png]]\n",
            "hidden.png": png(10, 10),
            "shown.png": png(10, 10),
        }
    )
    images = [f.split("-")[0] for f in site.files() if f.endswith(".webp")]
    assert images == ["shown"]  # its resized copy


def test_percent_signs_inside_code_are_kept(site_of: SiteOf) -> None:
    site = site_of({"N.md": "Inline `a %%kept%% b` code.\n\n```\n%% fenced %%\n```\n"})
    html = content(site, "N.html")
    assert "<code>a %%kept%% b</code>" in html
    assert "%% fenced %%" in html


# --------------------------------------------------------------------------------------------
# Tags
# --------------------------------------------------------------------------------------------
def test_inline_tags_link_to_tag_pages(site_of: SiteOf) -> None:
    site = site_of({"Tagged.md": "Some #nested/tag and #top here.\n"})
    html = content(site, "Tagged.html")
    assert elements(html, "a", class_="tag", href="tags/nested/tag.html")
    assert elements(html, "a", class_="tag", href="tags/top.html")
    files = site.files()
    for page in ("tags/nested/tag.html", "tags/nested.html", "tags/top.html"):
        assert page in files
        hrefs = [a["href"] for a in elements(site.page(page), "a")]
        assert any(target_of(site, page, h) == site.out / "Tagged.html" for h in hrefs), page
    assert site.index["Tagged"]["tags"] == ["nested/tag", "top"]


def test_tag_link_from_subfolder_page_is_relative(site_of: SiteOf) -> None:
    site = site_of({"Deep/Down/N.md": "A #topic here.\n"})
    [link] = elements(content(site, "Deep/Down/N.html"), "a", class_="tag")
    assert target_of(site, "Deep/Down/N.html", link["href"]) == site.out / "tags/topic.html"


def test_hash_in_code_numbers_and_urls_is_not_a_tag(site_of: SiteOf) -> None:
    site = site_of(
        {
            "N.md": "Real #real tag. Issue #1 and #2024. `#incode` and word#inword.\n\n"
            "```\n#infence\n```\n\n"
            "https://example.com/page#frag and [x](https://example.com/#frag2)\n"
        }
    )
    html = content(site, "N.html")
    assert [text_of(f"<x>{t}</x>") for t in re.findall(r'class="tag"[^>]*>(.*?)<', html)] == [
        "#real"
    ]
    assert site.index["N"]["tags"] == ["real"]
    assert [f for f in site.files() if f.startswith("tags/")] == [
        "tags/index.html",
        "tags/real.html",
    ]


@pytest.mark.parametrize(
    ("frontmatter", "tags"),
    [
        ("tags: [alpha, '#beta']", ["alpha", "beta"]),
        ("tags:\n  - alpha\n  - '#beta/gamma'", ["alpha", "beta/gamma"]),
        ("tags: alpha", ["alpha"]),
        ("tags: '#alpha'", ["alpha"]),
        ("tags: alpha, beta", ["alpha", "beta"]),
        ("tags: '#alpha #beta'", ["alpha", "beta"]),
        ("tag: alpha", ["alpha"]),
    ],
    ids=[
        "flow list",
        "block list",
        "string",
        "string with #",
        "comma string",
        "space string",
        "tag key",
    ],
)
def test_front_matter_tags_in_content_index(
    site_of: SiteOf, frontmatter: str, tags: list[str]
) -> None:
    site = site_of({"N.md": f"---\n{frontmatter}\n---\nBody.\n"})
    assert site.index["N"]["tags"] == tags
    for tag in tags:
        assert f"tags/{tag}.html" in site.files()


def test_front_matter_and_inline_tags_merge(site_of: SiteOf) -> None:
    site = site_of({"N.md": "---\ntags: [alpha]\n---\nAnd #beta and #alpha.\n"})
    assert site.index["N"]["tags"] == ["alpha", "beta"]


def test_tag_inside_link_text_does_not_nest_links(site_of: SiteOf) -> None:
    site = site_of(
        {"N.md": "[see #foo](https://example.com) and [go #bar](Other.md)\n", "Other.md": "x\n"}
    )
    html = content(site, "N.html")
    assert scan(html).nested_anchors == 0
    # Each link keeps its text, the tag shown inside it as a tag, not as a link of its own.
    assert 'href="https://example.com" rel="noopener">see <span class="tag">#foo</span></a>' in html
    assert 'href="Other.html" data-title="Other">go <span class="tag">#bar</span></a>' in html


def test_parent_tag_page_counts_notes_not_subtags(site_of: SiteOf) -> None:
    site = site_of({"N.md": "A #nested/tag here.\n"})
    assert "1 note with this tag" in text_of(site.page("tags/nested.html"))


# --------------------------------------------------------------------------------------------
# Block ids, headings and links into notes
# --------------------------------------------------------------------------------------------
def test_block_id_becomes_element_id_and_marker_is_hidden(site_of: SiteOf) -> None:
    site = site_of(
        {"N.md": "A paragraph. ^para-id\n\n- item ^item-id\n- other\n\n> quote\n\n^quote-id\n"}
    )
    html = content(site, "N.html")
    assert elements(html, "p", id="^para-id")
    assert elements(html, "li", id="^item-id")
    assert elements(html, "blockquote", id="^quote-id")
    assert "^" not in text_of(html)


def test_headings_get_unique_ids(site_of: SiteOf) -> None:
    site = site_of({"N.md": "# Top Level\n\n## Second Heading!\n\n## Dup\n\n## Dup\n"})
    html = content(site, "N.html")
    assert elements(html, "h1", id="top-level")
    assert elements(html, "h2", id="second-heading")
    assert [h["id"] for h in elements(html, "h2")] == ["second-heading", "dup", "dup-1"]


def test_heading_link_points_to_heading_id(site_of: SiteOf) -> None:
    site = site_of(
        {"N.md": "See [[Other#Second Heading]].\n", "Other.md": "# Other\n\n## Second Heading\n"}
    )
    [link] = elements(content(site, "N.html"), "a", class_="internal")
    assert link["href"] == "Other.html#second-heading"
    assert elements(content(site, "Other.html"), "h2", id="second-heading")


def test_heading_link_from_subfolder(site_of: SiteOf) -> None:
    site = site_of(
        {"Sub/N.md": "See [[Other#Part Two]].\n", "Other Note/Other.md": "## Part Two\n"}
    )
    [link] = elements(content(site, "Sub/N.html"), "a", class_="internal")
    assert link["href"] == "../Other-Note/Other.html#part-two"
    assert target_of(site, "Sub/N.html", link["href"]).is_file()


def test_subheading_chain_links_to_last_heading(site_of: SiteOf) -> None:
    site = site_of({"N.md": "[[Other#H1#H2]]\n", "Other.md": "# H1\n\n## H2\n"})
    [link] = elements(content(site, "N.html"), "a", class_="internal")
    assert link["href"] == "Other.html#h2"


def test_same_page_heading_link(site_of: SiteOf) -> None:
    site = site_of({"N.md": "Jump to [[#Local Part]].\n\n## Local Part\n\nText.\n"})
    html = content(site, "N.html")
    [link] = elements(html, "a", class_="internal")
    assert link["href"] == "#local-part"
    assert elements(html, "h2", id="local-part")


def test_block_link(site_of: SiteOf) -> None:
    site = site_of({"N.md": "See [[Other#^blk]].\n", "Other.md": "Intro.\n\nThe block. ^blk\n"})
    [link] = elements(content(site, "N.html"), "a", class_="internal")
    assert link["href"] == "Other.html#^blk"
    assert elements(content(site, "Other.html"), "p", id="^blk")


# --------------------------------------------------------------------------------------------
# Callouts
# --------------------------------------------------------------------------------------------
def test_callout_standard_type_and_default_title(site_of: SiteOf) -> None:
    site = site_of({"N.md": "> [!tip]\n> Use the force.\n"})
    html = content(site, "N.html")
    [callout] = elements(html, "div", class_="callout")
    assert callout["data-callout"] == "tip"
    assert re.search(r'class="callout-title-inner">Tip<', html)
    assert "Use the force." in text_of(html)
    assert "[!tip]" not in html


STANDARD_CALLOUTS = [
    "note",
    "abstract",
    "info",
    "todo",
    "tip",
    "success",
    "question",
    "warning",
    "failure",
    "danger",
    "bug",
    "example",
    "quote",
]


@pytest.mark.parametrize("kind", STANDARD_CALLOUTS)
def test_callout_every_standard_type(site_of: SiteOf, kind: str) -> None:
    site = site_of({"N.md": f"> [!{kind}]\n> Body of {kind}.\n"})
    html = content(site, "N.html")
    [callout] = elements(html, "div", class_="callout")
    assert callout["data-callout"] == kind
    assert re.search(rf'class="callout-title-inner">{kind.capitalize()}<', html)
    assert f"Body of {kind}." in text_of(html)


def test_callout_custom_title(site_of: SiteOf) -> None:
    site = site_of({"N.md": "> [!warning] Mind the gap\n> Body text.\n"})
    html = content(site, "N.html")
    assert elements(html, "div", class_="callout")[0]["data-callout"] == "warning"
    assert re.search(r'class="callout-title-inner">Mind the gap<', html)


def test_foldable_callout_collapsed(site_of: SiteOf) -> None:
    site = site_of({"N.md": "> [!note]- Folded\n> Hidden body.\n"})
    [details] = elements(content(site, "N.html"), "details", class_="callout")
    assert "open" not in details
    assert elements(content(site, "N.html"), "summary", class_="callout-title")


def test_foldable_callout_open(site_of: SiteOf) -> None:
    site = site_of({"N.md": "> [!note]+ Unfolded\n> Shown body.\n"})
    [details] = elements(content(site, "N.html"), "details", class_="callout")
    assert "open" in details


# --------------------------------------------------------------------------------------------
# Math and code
# --------------------------------------------------------------------------------------------
def test_math_rendered_to_mathml(site_of: SiteOf) -> None:
    site = site_of({"N.md": "Inline $x^2$ here.\n\n$$\n\\sum_{i=1}^n i\n$$\n"})
    html = content(site, "N.html")
    assert html.count("<math") == 2
    assert 'display="block"' in html
    assert "$" not in html
    assert not site.warnings("math")


def test_unrenderable_math_warns(site_of: SiteOf) -> None:
    site = site_of({"N.md": "Bad $\\frac{$ math.\n"})
    assert site.warnings("math")


def test_display_math_inline_with_text_keeps_the_text(site_of: SiteOf) -> None:
    site = site_of({"N.md": "$$a$$ and text $$b$$\n"})
    html = content(site, "N.html")
    assert "<mi>$</mi>" not in html
    assert "and text" in html
    assert html.count("<math") == 2


def test_fenced_code_highlighted(site_of: SiteOf) -> None:
    site = site_of({"N.md": "```python\ndef f():\n    return 1\n```\n"})
    html = content(site, "N.html")
    assert 'class="highlight"' in html
    assert '<span class="k">def</span>' in html
    assert "static/pygments.css" in site.files()


# --------------------------------------------------------------------------------------------
# Note embeds
# --------------------------------------------------------------------------------------------
OTHER = (
    "# Other\n\nIntro words.\n\n## Second Heading\n\nSecond body.\n\n### Sub\n\nSub body.\n\n"
    "## Third\n\nThird body.\n\nBlock words. ^blk\n\nAfter block.\n"
)


def test_embed_whole_note(site_of: SiteOf) -> None:
    site = site_of({"N.md": "Before.\n\n![[Other]]\n", "Other.md": OTHER})
    [embed] = embeds(content(site, "N.html"))
    text = text_of(embed)
    for words in ("Intro words.", "Second body.", "Sub body.", "Third body.", "After block."):
        assert words in text
    assert any(a["href"] == "Other.html" for a in elements(embed, "a"))


def test_embed_leaves_out_front_matter(site_of: SiteOf) -> None:
    site = site_of(
        {"N.md": "![[Other]]\n", "Other.md": "---\nsecret_field: EMBEDYAML\n---\nOther body.\n"}
    )
    [embed] = embeds(content(site, "N.html"))
    assert text_of(embed).endswith("Other body.")
    assert "EMBEDYAML" not in site.page("N.html")


def test_embed_heading_section_only(site_of: SiteOf) -> None:
    site = site_of({"N.md": "![[Other#Second Heading]]\n", "Other.md": OTHER})
    [embed] = embeds(content(site, "N.html"))
    text = text_of(embed)
    assert "Second body." in text
    assert "Sub body." in text  # a deeper heading belongs to the section
    assert "Intro words." not in text
    assert "Third body." not in text  # the next heading of the same level ends it
    assert any(a["href"] == "Other.html#second-heading" for a in elements(embed, "a"))


def test_embed_block_only(site_of: SiteOf) -> None:
    site = site_of({"N.md": "![[Other#^blk]]\n", "Other.md": OTHER})
    [embed] = embeds(content(site, "N.html"))
    text = text_of(embed)
    assert "Block words." in text
    assert "^blk" not in text
    for other in ("Intro words.", "Third body.", "After block."):
        assert other not in text
    assert any(a["href"] == "Other.html#^blk" for a in elements(embed, "a"))


def test_embed_list_item_block(site_of: SiteOf) -> None:
    site = site_of({"N.md": "![[Other#^li]]\n", "Other.md": "- one\n- two ^li\n- three\n"})
    [embed] = embeds(content(site, "N.html"))
    assert [text_of(f"<x>{t}</x>") for t in re.findall(r"<li[^>]*>(.*?)</li>", embed)] == ["two"]


def test_nested_embeds(site_of: SiteOf) -> None:
    site = site_of(
        {
            "Outer.md": "Outer words.\n\n![[Middle]]\n",
            "Middle.md": "Middle words.\n\n![[Inner]]\n",
            "Inner.md": "Inner words.\n",
        }
    )
    outer, inner = embeds(content(site, "Outer.html"))
    assert "Middle words." in text_of(outer)
    assert inner in outer
    assert "Inner words." in text_of(inner)
    assert "Middle words." not in text_of(inner)


def test_embed_cycle_warns_and_build_finishes(site_of: SiteOf) -> None:
    site = site_of({"A.md": "A words.\n\n![[B]]\n", "B.md": "B words.\n\n![[A]]\n"})
    warnings = site.warnings("embed-cycle")
    assert {w.path for w in warnings} == {"A.md", "B.md"}
    a_page = content(site, "A.html")
    assert "B words." in text_of(a_page)
    assert text_of(a_page).count("A words.") == 1


def test_note_embedding_itself_warns(site_of: SiteOf) -> None:
    site = site_of({"Self.md": "Self words.\n\n![[Self]]\n"})
    assert [w.path for w in site.warnings("embed-cycle")] == ["Self.md"]
    assert text_of(content(site, "Self.html")).count("Self words.") == 1


def test_embedded_ids_do_not_repeat_the_pages_ids(site_of: SiteOf) -> None:
    shared = "## Notes\n\nText.[^1] ^blk\n\n[^1]: A footnote.\n"
    site = site_of(
        {
            "Host.md": shared + "\n![[Other]]\n\n![[Other]]\n\n[[Other#Notes]] [[Other#^blk]]\n",
            "Other.md": shared,
        }
    )
    page = site.page("Host.html")
    ids = ids_of(page)
    assert len(ids) == len(set(ids))
    html = content(site, "Host.html")
    first, second = embeds(html)
    # Each copy's footnote reference reaches that copy's own footnote.
    for embed in (first, second):
        [ref] = elements(embed, "sup", class_="footnote-ref")
        [link] = [
            a for a in elements(embed, "a") if a["href"].startswith("#") and "fn-" in a["href"]
        ]
        assert elements(embed, "li", id=link["href"][1:])
        assert ref["id"] in [a["href"][1:] for a in elements(embed, "a", class_="footnote")]
    # Links to the note's heading and block still go to its own page, whose ids are unprefixed.
    hrefs = [a["href"] for a in elements(html, "a", class_="internal")]
    assert "Other.html#notes" in hrefs
    assert "Other.html#^blk" in hrefs
    other = site.page("Other.html")
    assert elements(other, "h2", id="notes")
    assert elements(other, "p", id="^blk")


def test_footnote_in_an_embedded_section_links_to_the_notes_page(site_of: SiteOf) -> None:
    site = site_of(
        {"Host.md": "![[Other#Part]]\n", "Other.md": "## Part\n\nWords.[^1]\n\n[^1]: Note.\n"}
    )
    [embed] = embeds(content(site, "Host.html"))
    assert elements(embed, "sup", class_="footnote-ref")
    assert any(a["href"] == "Other.html#fn-1" for a in elements(embed, "a"))
    assert elements(site.page("Other.html"), "li", id="fn-1")


def test_embed_of_draft_note_shows_nothing_of_it(site_of: SiteOf) -> None:
    site = site_of(
        {
            "Host.md": "Host words.\n\n![[Secret]]\n\n![[Secret#Part]]\n",
            "Secret.md": "---\ndraft: true\n---\n"
            "DRAFTMARKER text.\n\n## Part\n\nDRAFTMARKER part.\n",
        }
    )
    assert files_containing(site, "DRAFTMARKER") == []
    html = content(site, "Host.html")
    assert len(re.findall(r'class="broken[ "]', html)) == 2
    assert not embeds(html)
    assert "Secret.html" not in site.files()


def test_draft_note_leaves_no_trace(site_of: SiteOf) -> None:
    site = site_of(
        {
            "Public.md": "Public words.\n",
            "Hidden.md": "---\ntitle: HIDDENTITLE\ndraft: true\ntags: [hiddentag]\n---\n"
            "Links to [[Public]]. #hiddeninline HIDDENBODY\n",
        }
    )
    for word in ("HIDDENTITLE", "hiddentag", "hiddeninline", "HIDDENBODY"):
        assert files_containing(site, word) == [], word
    assert set(site.index) == {"Public"}
    assert site.index["Public"]["backlinks"] == []


# --------------------------------------------------------------------------------------------
# Images and other attachments
# --------------------------------------------------------------------------------------------
IMAGES = {
    "assets/x.png": png(1600, 900),
    "assets/small.png": png(400, 200),
}


@pytest.mark.parametrize(
    ("markdown", "width", "height", "alt"),
    [
        ("![[x.png]]", 736, 414, ""),  # unsized: capped at the content column
        ("![[x.png|480]]", 480, 270, ""),
        ("![[x.png|alt|480]]", 480, 270, "alt"),
        ("![[x.png|480x270]]", 480, 270, ""),
        ("![alt|480](x.png)", 480, 270, "alt"),
        ("![250](x.png)", 250, 141, ""),
        ("![](/assets/x.png)", 736, 414, ""),
        ("![[small.png|800]]", 800, 400, ""),
        ("| a |\n|---|\n| ![[x.png\\|300]] |", 300, 169, ""),
    ],
)
def test_image_embed_size_and_file(
    site_of: SiteOf, markdown: str, width: int, height: int, alt: str
) -> None:
    site = site_of({"Notes/Page.md": markdown + "\n", **IMAGES})
    [img] = elements(content(site, "Notes/Page.html"), "img")
    assert (int(img["width"]), int(img["height"])) == (width, height)
    assert img["alt"] == alt
    path = target_of(site, "Notes/Page.html", img["src"])
    assert path.is_file(), img["src"]
    with Image.open(path) as served:
        original_width = 400 if "small" in markdown else 1600
        assert served.width <= 2 * width
        assert served.width <= original_width


def test_audio_video_and_pdf_embeds(site_of: SiteOf) -> None:
    site = site_of(
        {
            "Notes/Media.md": "![[song.mp3]]\n\n![[sound.wav]]\n\n![[clip.mp4]]\n\n![[doc.pdf]]\n",
            "media/song.mp3": b"ID3 dummy mp3",
            "media/sound.wav": b"RIFF dummy wav",
            "media/clip.mp4": b"dummy mp4",
            "media/doc.pdf": b"%PDF-1.4 dummy",
        }
    )
    html = content(site, "Notes/Media.html")
    audio = elements(html, "audio")
    video = elements(html, "video")
    pdf = elements(html, "iframe", class_="pdf-embed")
    assert len(audio) == 2
    assert len(video) == 1
    assert len(pdf) == 1
    for element in [*audio, *video, *pdf]:
        assert target_of(site, "Notes/Media.html", element["src"]).is_file(), element["src"]


def test_pdf_embed_keeps_page_fragment(site_of: SiteOf) -> None:
    site = site_of({"N.md": "![[doc.pdf#page=3]]\n", "doc.pdf": b"%PDF-1.4"})
    [frame] = elements(content(site, "N.html"), "iframe", class_="pdf-embed")
    assert frame["src"] == "doc.pdf#page=3"
    assert target_of(site, "N.html", frame["src"]).is_file()


def test_attachment_link_is_copied_and_linked(site_of: SiteOf) -> None:
    data = b"%PDF-1.4 the document"
    site = site_of({"Notes/N.md": "Read [[doc.pdf]].\n", "files/doc.pdf": data})
    html = content(site, "Notes/N.html")
    [link] = elements(html, "a", class_="attachment")
    assert target_of(site, "Notes/N.html", link["href"]).read_bytes() == data
    assert re.search(r'class="internal attachment"[^>]*>doc\.pdf</a>', html)


def test_attachment_referenced_only_by_draft_is_not_copied(site_of: SiteOf) -> None:
    site = site_of(
        {
            "Public.md": "Nothing here.\n",
            "Draft.md": "---\ndraft: true\n---\n![[only-draft.png]]\n\n[[only-draft.pdf]]\n"
            "![[both.png]]\n",
            "Shared.md": "![[both.png]]\n",
            "only-draft.png": png(10, 10),
            "only-draft.pdf": b"%PDF-1.4",
            "both.png": png(10, 10),
        }
    )
    assert not [f for f in site.files() if "only-draft" in f]
    assert [f.split("-")[0] for f in site.files() if f.endswith(".webp")] == ["both"]


# --------------------------------------------------------------------------------------------
# What is never published
# --------------------------------------------------------------------------------------------
def test_dot_obsidian_and_trash_never_published(site_of: SiteOf) -> None:
    site = site_of(
        {
            "index.md": "Home. [[Old]] [[workspace]]\n",
            ".obsidian/app.json": '{"OBSIDIANMARKER": true}',
            ".obsidian/workspace.md": "OBSIDIANMARKER note\n",
            ".trash/Old.md": "TRASHMARKER note\n",
            ".trash/old.png": png(5, 5),
        }
    )
    assert set(site.index) == {"index"}
    assert not [f for f in site.files() if ".obsidian" in f or ".trash" in f or "old" in f.lower()]
    assert files_containing(site, "OBSIDIANMARKER") == []
    assert files_containing(site, "TRASHMARKER") == []
    html = content(site, "index.html")
    assert not elements(html, "a", class_="internal")
    assert len(re.findall(r'class="broken[ "]', html)) == 2  # [[Old]] and [[workspace]]


def test_invalid_front_matter_naming_publish_is_not_published_and_warns(site_of: SiteOf) -> None:
    site = site_of(
        {
            "Good.md": "Fine.\n",
            # Even "publish: true": the reader cannot tell what else the broken part said.
            "Bad.md": "---\npublish: true\nkey: value: other\n---\nBADYAMLMARKER body.\n",
        }
    )
    assert "Bad.html" not in site.files()
    assert files_containing(site, "BADYAMLMARKER") == []
    [warning] = site.warnings("frontmatter")
    assert warning.path == "Bad.md"
    assert warning.line == 3
    assert "not published" in warning.message


def test_invalid_front_matter_naming_no_hiding_key_is_published_without_it(
    site_of: SiteOf,
) -> None:
    """As a real vault had it: an @handle and an odd key broke the YAML of notes meant to be
    public. Nothing in it could have hidden them, so they are published as if they had none."""
    site = site_of(
        {
            "Talk.md": "---\nauthor: @someone\ntags: [talks]\n---\n# Talk\n\nSpoken words.\n",
            "index.md": "See [[Talk]].\n",
        }
    )
    assert "Spoken words." in site.article("Talk.html")
    assert site.index["Talk"]["tags"] == []  # the front matter is not read at all
    assert 'class="internal"' in site.article("index.html")
    [warning] = site.warnings("frontmatter")
    assert (warning.path, warning.line) == ("Talk.md", 2)
    assert "published without front matter" in warning.message
