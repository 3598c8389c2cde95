"""The pages a site is made of: home, folders, tags, 404, titles, slugs and the config."""

from __future__ import annotations

import json
import re

import pytest
from conftest import REPO, BuiltSite


def test_home_is_the_root_index_note(site_of) -> None:
    site: BuiltSite = site_of({"index.md": "# Welcome\nHOME", "a.md": "x"})
    assert "HOME" in site.article("index.html")
    assert site.index["index"]["source"] == "index.md"


def test_home_from_config_and_generated_home(site_of, tmp_path) -> None:
    site = site_of(
        {"garden.yaml": "home: Start\ntitle: My Garden\n", "Start.md": "START", "b.md": ""}
    )
    assert "START" in site.article("index.html")
    assert "<title>Start · My Garden</title>" in site.page("index.html")
    assert not (site.out / "Start.html").exists()


def test_generated_home_lists_the_vault_root(tmp_path) -> None:
    from conftest import build_site, make_vault

    site = build_site(
        make_vault(tmp_path / "v", {"Alpha.md": "", "Sub/Beta.md": ""}), tmp_path / "s"
    )
    home = site.page("index.html")
    assert 'href="Alpha.html"' in home and 'href="Sub/index.html"' in home
    assert "index" not in site.index  # a generated page has no source note


def test_home_from_obsidian_publish_settings(site_of) -> None:
    site = site_of(
        {"site-options.json": '{"siteName": "Pub", "indexFile": "Home"}', "Home.md": "H"}
    )
    assert site.index["index"]["source"] == "Home.md"
    assert "<title>Home · Pub</title>" in site.page("index.html")


def test_folder_pages_list_notes_and_subfolders(site_of) -> None:
    site = site_of(
        {
            "index.md": "",
            "A/One.md": "",
            "A/Two.md": "---\ntitle: Second\n---\n",
            "A/B/Three.md": "",
        }
    )
    folder = site.article("A/index.html")
    assert re.findall(r'href="([^"]*)"', folder) == ["B/index.html", "One.html", "Two.html"]
    assert ">Second<" in folder  # a note is listed by its title
    # A folder lists what is in it, not its parent's notes.
    assert re.findall(r'href="([^"]*)"', site.article("A/B/index.html")) == ["Three.html"]


def test_listings_show_descriptions_and_dates_in_the_explorers_order(site_of) -> None:
    site = site_of(
        {
            "garden.yaml": "explorer_order: [F/Zeta.md, F/Sub]\n",
            "F/Alpha.md": "---\ndate: 2024-01-02\ndescription: The first letter.\ntags: [t]\n---",
            "F/Zeta.md": "---\ndate: 2024-03-04\ntags: [T]\n---\nLast of the alphabet, first.",
            "F/Beta.md": "Second.\n",
            "F/Sub/x.md": "",
            "F/Other/y.md": "",
        }
    )
    folder = site.page("F/index.html")
    titles = re.findall(r'<span class="entry-title">([^<]+)</span>', folder)
    # explorer_order first, then folders before notes, by title: as the explorer has them
    assert titles == ["Zeta", "Sub", "Other", "Alpha", "Beta"]
    for page in (folder, site.page("tags/t.html")):
        assert '<span class="entry-description">The first letter.</span>' in page
        assert '<span class="entry-description">Last of the alphabet, first.</span>' in page
        assert '<time class="entry-date" datetime="2024-01-02">2024-01-02</time>' in page
        assert '<time class="entry-date" datetime="2024-03-04">2024-03-04</time>' in page
    explorer = json.loads(site.page("static/explorer.json"))
    assert [e["t"] for e in explorer[0]["c"]] == titles


def test_folder_note_becomes_the_folder_page(site_of) -> None:
    site = site_of({"index.md": "", "A/index.md": "FOLDERNOTE", "A/Other.md": ""})
    page = site.page("A/index.html")
    assert "FOLDERNOTE" in page and 'href="Other.html"' in page
    assert site.index["A"]["source"] == "A/index.md"  # the page is A/index.html: slug "A"


def test_tag_pages_for_nested_tags(site_of) -> None:
    site = site_of({"a.md": "---\ntags: [plants/roses]\n---\n", "b.md": "#plants text"})
    assert 'href="../../a.html"' in site.page("tags/plants/roses.html")
    parent = site.page("tags/plants.html")
    assert 'href="../a.html"' in parent and 'href="../b.html"' in parent
    assert 'href="plants.html"' in site.page("tags/index.html")


def test_tags_differing_in_case_are_one_tag(site_of) -> None:
    """As in Obsidian: one page per tag whatever its case, spelt as the first note spells it."""
    site = site_of(
        {"a.md": "---\ntags: [Plants/Roses]\n---\n", "b.md": "#plants/roses", "c.md": "#PLANTS"}
    )
    pages = [f for f in site.files() if f.startswith("tags/")]
    assert pages == ["tags/Plants.html", "tags/Plants/Roses.html", "tags/index.html"]
    assert not site.warnings("slug-collision")
    roses = site.page("tags/Plants/Roses.html")
    assert 'href="../../a.html"' in roses and 'href="../../b.html"' in roses
    assert 'href="tags/Plants/Roses.html"' in site.page("b.html")
    assert site.page("tags/index.html").count('class="tag"') == 2


def test_a_notes_tag_chips_are_one_per_tag_whatever_the_case(site_of) -> None:
    site = site_of(
        {"a.md": "---\ntags: [Topic, topic, TOPIC/x]\n---\nInline #topic #Topic/X #other\n"}
    )
    header = site.page("a.html").split('class="page-tags"', 1)[1].split("</ul>", 1)[0]
    chips = re.findall(r'<a class="tag" href="[^"]+">#([^<]+)</a>', header)
    assert chips == ["Topic", "TOPIC/x", "other"]
    assert site.index["a"]["tags"] == ["Topic", "TOPIC/x", "other"]


def test_a_note_opening_with_its_own_title_shows_one_title(site_of) -> None:
    """The home note's first heading is its title (its name is often just "index"); another
    note's first heading is when it says the note's title. The heading keeps its id."""
    site = site_of(
        {
            "index.md": "# Welcome *here*\n\nHello. See [[Same]] and [[Other]].\n\n## Part\n",
            "Same.md": "# same\n\nBody [[index#Welcome here]].\n",
            "Other.md": "# Something else\n\nBody.\n",
        }
    )
    for rel, title, heading_id in (
        ("index.html", "Welcome here", "welcome-here"),
        ("Same.html", "same", "same"),
    ):
        page = site.page(rel)
        assert page.count("<h1") == 1, rel
        assert f'<h1 class="page-title" id="{heading_id}">{title}</h1>' in page
        assert f'href="#{heading_id}"' not in page.split('class="toc"', 1)[-1], rel
    assert "<title>Welcome here" in site.page("index.html")
    assert 'href="#part"' in site.page("index.html")  # the rest of the table of contents
    assert 'href="index.html#welcome-here"' in site.page("Same.html")
    other = site.page("Other.html")
    assert other.count("<h1") == 2  # a heading that is not the title stays
    assert '<h1 class="page-title">Other</h1>' in other


def test_404_page_links_from_the_host_root(site_of) -> None:
    """A host serves 404.html at whatever URL was missing (``/a/b/missing``), so its links,
    styles and scripts are written from the host's root: ``/`` or the path of ``base_url``."""
    page = site_of({"a.md": "", "publish.css": "p {}"}).page("404.html")
    assert "Page not found" in page
    assert 'href="/index.html"' in page  # a way back home
    assert 'data-root="/"' in page
    assert '<link rel="stylesheet" href="/static/style.css">' in page
    assert '<script src="/static/garden.js" defer></script>' in page
    assert 'href="/publish.css"' in page
    assert 'data-src="/static/explorer.json"' in page
    assert not re.search(r'(?:href|src)="(?!/|#|https?:)', page), "a relative link in 404.html"


def test_404_page_under_the_base_url_path(site_of) -> None:
    files = {"a.md": "", "garden.yaml": "base_url: https://example.org/my notes/\n"}
    page = site_of(files).page("404.html")
    assert 'href="/my%20notes/index.html"' in page
    assert '<link rel="stylesheet" href="/my%20notes/static/style.css">' in page
    assert 'data-root="/my%20notes/"' in page
    # Other pages stay relative: the site still works from any folder.
    assert '<link rel="stylesheet" href="static/style.css">' in site_of(files).page("a.html")


def test_every_inline_svg_has_a_size(site_of) -> None:
    """An SVG without width and height fills the window when the stylesheet fails to load: the
    theme's, and those pages draw (a canvas's buttons and edges)."""
    node = {"id": "n", "type": "text", "text": "Hi", "x": 0, "y": 0, "width": 99, "height": 60}
    canvas = json.dumps({"nodes": [node], "edges": []})
    site = site_of(
        {"a.md": "[[b]] #tag ![[c.canvas]]", "b.md": "[[a]]", "F/c.md": "", "c.canvas": canvas}
    )
    theme = REPO / "themes" / "default"
    sources = {p.name: p.read_text(encoding="utf-8") for p in theme.rglob("*.html")}
    sources["garden.js"] = (theme / "static" / "garden.js").read_text(encoding="utf-8")
    sources.update({rel: site.page(rel) for rel in site.files() if rel.endswith(".html")})
    unsized = [
        f"{name}: {tag[:80]}"
        for name, text in sources.items()
        for tag in re.findall(r"<svg\b[^>]*>", text)
        if not (re.search(r'\swidth="\d', tag) and re.search(r'\sheight="\d', tag))
    ]
    assert not unsized, "\n".join(unsized)
    # It looked at SVGs of each kind: a template's, the script's, a note's page, a canvas's page.
    drawn = {name for name, text in sources.items() if re.search(r"<svg\b", text)}
    assert {"theme-toggle.html", "garden.js", "a.html", "c.canvas.html"} <= drawn


def test_titles_from_front_matter_or_file_name(site_of) -> None:
    site = site_of({"My note.md": "x", "t.md": "---\ntitle: Shown <b>Title</b>\n---\n"})
    assert site.index["My-note"]["title"] == "My note"
    assert site.index["t"]["title"] == "Shown <b>Title</b>"
    assert "Shown &lt;b&gt;Title&lt;/b&gt;" in site.page("t.html")  # escaped, never live HTML


def test_colliding_slugs_both_get_pages(site_of) -> None:
    site = site_of({"A b.md": "FIRST", "A-b.md": "SECOND", "Note.md": "UPPER", "note.md": "LOWER"})
    sources = {v["source"]: slug for slug, v in site.index.items()}
    assert set(sources) == {"A b.md", "A-b.md", "Note.md", "note.md"}
    assert len(set(sources.values())) == 4
    folded = {s.casefold() for s in sources.values()}
    assert len(folded) == 4  # distinct even on a case-insensitive file system
    assert len(site.warnings("slug-collision")) == 2
    texts = [site.article(f"{sources[s]}.html") for s in ("A b.md", "A-b.md", "Note.md", "note.md")]
    for text, marker in zip(texts, ["FIRST", "SECOND", "UPPER", "LOWER"], strict=True):
        assert marker in text


def test_ignore_patterns_from_config(site_of) -> None:
    site = site_of(
        {
            "garden.yaml": "ignore: ['Templates/**', '*.excalidraw.md']\n",
            "Templates/T.md": "",
            "x.excalidraw.md": "",
            "Keep.md": "[[T]]",
        }
    )
    assert set(site.index) == {"Keep"}
    assert "links to an unpublished note" in site.warnings("broken-link")[0].message


def test_unknown_config_key_warns(site_of) -> None:
    site = site_of({"garden.yaml": "titel: typo\n", "a.md": ""})
    assert [d.message for d in site.warnings("config")] == ["unknown key 'titel' ignored"]


def test_bad_config_is_fatal_and_builds_nothing(tmp_path) -> None:
    from conftest import make_vault

    from garden.build import build
    from garden.errors import ConfigError

    vault = make_vault(tmp_path / "v", {"garden.yaml": "title: [oops\n", "a.md": ""})
    with pytest.raises(ConfigError):
        build(vault, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_backlinks_list_linking_pages(site_of) -> None:
    site = site_of(
        {"a.md": "[[c]]", "b.md": "![[c]]", "c.md": "C", "d.md": "---\ndraft: true\n---\n[[c]]"}
    )
    page = site.page("c.html")
    section = page[page.index('class="backlinks') :]
    section = section[: section.index("</section>") if "</section>" in section else len(section)]
    assert 'href="a.html"' in section and 'href="b.html"' in section and "d.html" not in section
    assert site.index["c"]["backlinks"] == ["a", "b"]
    assert site.index["a"]["links"] == ["c"]


def test_note_and_folder_note_with_the_same_slug_both_get_pages(site_of) -> None:
    site = site_of({"A.md": "NOTE", "A/index.md": "FOLDERNOTE"})
    sources = {v["source"]: slug for slug, v in site.index.items()}
    assert set(sources) == {"A.md", "A/index.md"}
    assert len(set(sources.values())) == 2


def test_a_theme_template_edited_between_builds_in_one_process_is_used(tmp_path) -> None:
    """Templates are compiled once per process (the preview builds many times in one): a
    template edited since is compiled again, by its own text, not served from that memory."""
    from conftest import build_site, make_vault

    from garden.theme import copy_theme

    footer = copy_theme(tmp_path / "mine") / "templates" / "partials" / "footer.html"
    footer.write_text("<footer>FIRST FOOTER</footer>\n", encoding="utf-8")
    vault = make_vault(tmp_path / "vault", {"garden.yaml": "theme: ../mine\n", "a.md": "A"})
    assert "FIRST FOOTER" in build_site(vault).page("a.html")
    footer.write_text("<footer>SECOND FOOTER</footer>\n", encoding="utf-8")
    page = build_site(vault).page("a.html")
    assert "SECOND FOOTER" in page and "FIRST FOOTER" not in page
