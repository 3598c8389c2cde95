"""The reader's site-wide data, without a browser: note dates (front matter, then the file's last
commit in git, then its modification time, as the config's ``dates`` says) in pages, the feed,
"recent notes", the sitemap and the content index; and ``graph_tags``: tags as nodes of the global
and local graphs."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import networkx as nx
import pytest
from conftest import BuiltSite, build_site, make_vault

from garden.build import build
from garden.diagnostics import Reporter
from garden.errors import ConfigError
from garden.render.graph import layout


def at(day: str, clock: str = "12:00:00") -> float:
    """A POSIX time on ``day`` (UTC)."""
    return dt.datetime.fromisoformat(f"{day}T{clock}+00:00").timestamp()


def touch(path: Path, when: float) -> None:
    os.utime(path, (when, when))


def page_dates(site: BuiltSite, rel: str) -> list[str]:
    """The dates shown under a page's title."""
    header = site.page(rel).split('class="page-meta"', 1)[1].split("</p>", 1)[0]
    return re.findall(r'<time datetime="([^"]+)"', header)


def feed_entries(site: BuiltSite) -> list[tuple[str, str]]:
    """(link, updated) of each entry of feed.xml, in order."""
    feed = site.page("feed.xml")
    return re.findall(
        r'<entry>\n<title>[^<]*</title>\n<link href="([^"]+)"/>\n<id>[^<]*</id>\n'
        r"<updated>([^<]+)</updated>",
        feed,
    )


def recent_notes(site: BuiltSite) -> list[tuple[str, str]]:
    """(link, day) of the home page's "Recent notes"."""
    home = site.page("index.html")
    if 'class="recent"' not in home:
        return []
    section = home.split('class="recent"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<a href="([^"]+)">[^<]*</a> <time datetime="([^"]+)"', section)


UNDATED = {
    "index.md": "# Home\n\nSee [[Old]], [[New]], [[Dated]].\n",
    "Old.md": "# Old\n\nNo front matter.\n",
    "New.md": "---\ntags: [x]\n---\n# New\n\nFront matter, but no date in it.\n",
    "Dated.md": "---\ndate: 2020-01-02\n---\n# Dated\n\nDated in its front matter.\n",
}


def undated_vault(root: Path, config: str = "") -> Path:
    files = dict(UNDATED)
    if config:
        files["garden.yaml"] = config
    vault = make_vault(root, files)
    # Late on a UTC day: the day must not depend on the build machine's time zone.
    touch(vault / "Old.md", at("2024-03-05", "23:30:00"))
    touch(vault / "New.md", at("2025-07-01"))
    touch(vault / "Dated.md", at("2025-07-02"))  # never shown: its front matter dates it
    touch(vault / "index.md", at("2023-01-01"))
    return vault


@pytest.fixture
def far_east_clock(monkeypatch: pytest.MonkeyPatch):
    """The build machine's local time is UTC+14 (23:30 UTC is already the next day there)."""
    monkeypatch.setenv("TZ", "XST-14")
    time.tzset()
    assert time.localtime(at("2024-03-05", "23:30:00")).tm_mday == 6
    yield
    monkeypatch.undo()
    time.tzset()


def test_notes_without_a_date_are_dated_by_their_file(tmp_path: Path, far_east_clock) -> None:
    site = build_site(undated_vault(tmp_path / "vault"), tmp_path / "site")
    assert page_dates(site, "Old.html") == ["2024-03-05"]  # UTC, whatever the local zone
    assert page_dates(site, "New.html") == ["2025-07-01"]
    # Front matter wins, and the file's time is never its "updated" date.
    assert page_dates(site, "Dated.html") == ["2020-01-02"]
    assert "updated" not in site.page("Dated.html").split("</header>", 1)[0]
    assert site.index["Old"]["date"] == "2024-03-05"
    assert site.index["Dated"]["date"] == "2020-01-02"
    # Newest first in the feed and in "Recent notes" (the home page dates itself too).
    assert feed_entries(site) == [
        ("New.html", "2025-07-01T00:00:00Z"),
        ("Old.html", "2024-03-05T00:00:00Z"),
        ("index.html", "2023-01-01T00:00:00Z"),
        ("Dated.html", "2020-01-02T00:00:00Z"),
    ]
    assert recent_notes(site) == [
        ("New.html", "2025-07-01"),
        ("Old.html", "2024-03-05"),
        ("index.html", "2023-01-01"),
        ("Dated.html", "2020-01-02"),
    ]
    assert 'type="application/atom+xml"' in site.page("Old.html")


def test_sitemap_gives_each_page_its_date(tmp_path: Path) -> None:
    site = build_site(
        undated_vault(tmp_path / "vault", "base_url: https://example.org/n/\n"), tmp_path / "site"
    )
    sitemap = site.page("sitemap.xml")
    assert "<loc>https://example.org/n/Old.html</loc><lastmod>2024-03-05</lastmod>" in sitemap
    assert "<loc>https://example.org/n/Dated.html</loc><lastmod>2020-01-02</lastmod>" in sitemap


def test_dates_from_front_matter_only(tmp_path: Path) -> None:
    site = build_site(
        undated_vault(tmp_path / "vault", "dates: [frontmatter]\n"), tmp_path / "site"
    )
    assert page_dates(site, "Old.html") == []
    assert page_dates(site, "Dated.html") == ["2020-01-02"]
    assert site.index["Old"]["date"] == ""
    assert feed_entries(site) == [("Dated.html", "2020-01-02T00:00:00Z")]
    assert recent_notes(site) == [("Dated.html", "2020-01-02")]


def test_no_dates_no_feed(tmp_path: Path) -> None:
    site = build_site(undated_vault(tmp_path / "vault", "dates: []\n"), tmp_path / "site")
    assert not (site.out / "feed.xml").exists()
    assert "application/atom+xml" not in site.page("index.html")
    assert recent_notes(site) == []
    assert page_dates(site, "Dated.html") == []


def test_file_dates_first(tmp_path: Path) -> None:
    """The order is the config's: the file's time first dates every note by its file."""
    site = build_site(
        undated_vault(tmp_path / "vault", "dates: [filesystem, frontmatter]\n"), tmp_path / "site"
    )
    assert page_dates(site, "Dated.html") == ["2025-07-02"]


@pytest.mark.parametrize("value", ["[frontmatter, svn]", "filesystems", "[[frontmatter]]"])
def test_unknown_date_source_is_a_config_error(tmp_path: Path, value: str) -> None:
    vault = undated_vault(tmp_path / "vault", f"dates: {value}\n")
    with pytest.raises(ConfigError, match="dates"):
        build(vault, tmp_path / "site", reporter=Reporter())
    assert not (tmp_path / "site").exists()


def test_touching_a_note_redates_it_in_an_incremental_build(tmp_path: Path) -> None:
    """The date is part of the parsed note, which the build cache keys by the file's stat: a
    note whose file is only touched gets its new date, exactly as in a clean build."""
    vault = undated_vault(tmp_path / "vault")
    out = tmp_path / "a" / "site"
    build(vault, out, reporter=Reporter())
    touch(vault / "Old.md", at("2025-09-09"))  # same bytes, another day
    result = build(vault, out, reporter=Reporter())
    assert not result.unchanged
    clean = tmp_path / "b" / "site"
    build(vault, clean, reporter=Reporter(), use_cache=False)
    for rel in ("Old.html", "index.html", "feed.xml", "content-index.json"):
        assert (out / rel).read_bytes() == (clean / rel).read_bytes(), rel
    assert "2025-09-09" in (out / "Old.html").read_text(encoding="utf-8")
    assert "2024-03-05" not in (out / "feed.xml").read_text(encoding="utf-8")


def test_a_date_that_is_not_one_is_a_warning_and_no_date(tmp_path: Path) -> None:
    """``date: someday soon`` once became the day "someday so" in the feed and the sitemap."""
    files = {
        "Soon.md": "---\ntitle: Soon\ndate: someday soon\nupdated: '2024-13-01'\n---\nText.\n",
        "Timed.md": "---\ndate: 2024-05-07T10:30:00+02:00\nmodified: '2024-06-01 08:00'\n---\n",
        "garden.yaml": "dates: [frontmatter]\nbase_url: https://example.org/\n",
    }
    site = build_site(make_vault(tmp_path / "vault", files), tmp_path / "site")
    warnings = sorted((d.path, d.line, d.message) for d in site.warnings("date"))
    assert warnings == [
        (
            "Soon.md",
            3,
            "date: 'someday soon' is not a date (YYYY-MM-DD); the note is not dated by it",
        ),
        (
            "Soon.md",
            4,
            "updated: '2024-13-01' is not a date (YYYY-MM-DD); the note is not dated by it",
        ),
    ]
    assert page_dates(site, "Soon.html") == []
    assert site.index["Soon"]["date"] == ""
    assert "someday" not in site.page("feed.xml") and "someday" not in site.page("sitemap.xml")
    assert "<loc>https://example.org/Soon.html</loc></url>" in site.page("sitemap.xml")
    assert page_dates(site, "Timed.html") == ["2024-05-07", "2024-06-01"]


# --- dates from git -------------------------------------------------------------------------

GIT = shutil.which("git")


def git(repo: Path, *args: str, when: str = "") -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "A",
        "GIT_AUTHOR_EMAIL": "a@example.org",
        "GIT_COMMITTER_NAME": "A",
        "GIT_COMMITTER_EMAIL": "a@example.org",
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(repo),
    }
    if when:
        env["GIT_COMMITTER_DATE"] = env["GIT_AUTHOR_DATE"] = when
    subprocess.run(["git", "-C", str(repo), *args], check=True, env=env, capture_output=True)


def files_state(root: Path) -> dict[str, tuple[int, int]]:
    """(size, mtime) of every file under ``root``, the repository's own files included."""
    return {
        p.relative_to(root).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file()
    }


@pytest.mark.skipif(GIT is None, reason="git is not installed")
def test_dates_from_the_last_commit_of_a_vault_in_a_subfolder_of_a_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CI clone gives every file the same time: the history dates the notes. One ``git log``
    pass for the whole vault; a file changed since its last commit keeps its file time; a file
    outside git its file time; nothing in the vault or the repository is written."""
    repo = tmp_path / "repo"
    vault = make_vault(
        repo / "notes",
        {
            "First.md": "# First\n",
            "Second.md": "# Second\n",
            "Edited.md": "# Edited\n",
            "Dated.md": "---\ndate: 2020-01-02\n---\n",
        },
    )
    (repo / "elsewhere.md").write_text("outside the vault\n", encoding="utf-8")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "one", when="2021-03-04T10:00:00+05:00")
    (vault / "Second.md").write_text("# Second\n\nMore.\n", encoding="utf-8")
    (repo / "elsewhere.md").write_text("changed later, outside the vault\n", encoding="utf-8")
    git(repo, "commit", "-qam", "two", when="2022-05-06T23:30:00-07:00")
    (vault / "Edited.md").write_text("# Edited\n\nNot committed.\n", encoding="utf-8")
    touch(vault / "Edited.md", at("2025-01-09"))
    (vault / "New.md").write_text("# New\n", encoding="utf-8")
    touch(vault / "New.md", at("2025-02-10"))
    for name in ("First.md", "Second.md", "Dated.md"):  # as a fresh clone: one time for all
        touch(vault / name, at("2026-01-01"))
    before = files_state(repo)

    import garden.gitdates

    logs: list[list[str]] = []
    real_popen = subprocess.Popen

    def spy(command: list[str], *args: object, **kwargs: object) -> subprocess.Popen[bytes]:
        logs.append(command)
        return real_popen(command, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(garden.gitdates.subprocess, "Popen", spy)
    out = tmp_path / "site"
    site = build_site(vault, out)
    assert page_dates(site, "First.html") == ["2021-03-04"]  # the committer's day
    assert page_dates(site, "Second.html") == ["2022-05-06"]
    assert page_dates(site, "Edited.html") == ["2025-01-09"]  # changed since: its file time
    assert page_dates(site, "New.html") == ["2025-02-10"]  # not in git: its file time
    assert page_dates(site, "Dated.html") == ["2020-01-02"]  # front matter first
    assert len([c for c in logs if "log" in c]) == 1
    assert files_state(repo) == before

    # A commit moves dates without touching a file: the next build redraws what it dates.
    git(repo, "commit", "-q", "--amend", "--no-edit", "--date=2023-08-09T12:00:00+00:00",
        when="2023-08-09T12:00:00+00:00")  # fmt: skip
    result = build(vault, out, reporter=Reporter())
    assert not result.unchanged
    assert "2023-08-09" in (out / "Second.html").read_text(encoding="utf-8")
    assert "2023-08-09" in (out / "feed.xml").read_text(encoding="utf-8")
    again = build(vault, out, reporter=Reporter())
    assert again.unchanged  # and with nothing new, nothing is redrawn
    assert len([c for c in logs if "log" in c]) == 2  # the history is read once per commit


def test_no_git_dates_outside_a_repository(tmp_path: Path) -> None:
    site = build_site(undated_vault(tmp_path / "vault", "dates: [git]\n"), tmp_path / "site")
    assert page_dates(site, "Old.html") == []
    assert recent_notes(site) == []


# --- tags in the graphs ---------------------------------------------------------------------

TAGGED = {
    "index.md": "# Home\n\n[[A]]\n",
    "A.md": "---\ntags: [topic, Deep/Nested]\n---\n# A\n\nLinks [[B]].\n",
    "B.md": "# B\n\nInline #topic and #TOPIC.\n",
    "C.md": "# C\n\nOnly a tag: #deep/nested\n",
    "Lone.md": "# Lone\n\nNo links, no tags.\n",
    "Secret.md": "---\ndraft: true\ntags: [hushmarker]\n---\nSecret.\n",
}


def graph_data(site: BuiltSite) -> tuple[dict[str, list], set[frozenset[str]]]:
    """graph.json as {title: node} and its links as sets of two titles."""
    data = json.loads(site.page("static/graph.json"))
    titles = [n[2] for n in data["nodes"]]
    links = {frozenset((titles[i], titles[j])) for i, j in data["links"]}
    return {n[2]: n for n in data["nodes"]}, links


def test_graph_shows_no_tags_by_default(tmp_path: Path) -> None:
    site = build_site(make_vault(tmp_path / "vault", TAGGED), tmp_path / "site")
    nodes, links = graph_data(site)
    assert sorted(nodes) == ["A", "B", "C", "Lone", "index"]
    assert all(len(n) == 4 for n in nodes.values())
    assert "graph-tag" not in site.page("A.html")
    assert frozenset(("A", "B")) in links


def test_graph_tags_become_nodes_linked_to_their_notes(tmp_path: Path) -> None:
    files = {**TAGGED, "garden.yaml": "graph_tags: true\n"}
    site = build_site(make_vault(tmp_path / "vault", files), tmp_path / "site")
    nodes, links = graph_data(site)
    # One node per tag however it is capitalised, spelt as the first note spells it; none for
    # a private note's tag.
    assert sorted(t for t, n in nodes.items() if n[4:] == ["tag"]) == ["#Deep/Nested", "#topic"]
    assert nodes["#topic"][3] == "tags/topic.html"
    assert nodes["#Deep/Nested"][3] == "tags/Deep/Nested.html"
    for url in (nodes["#topic"][3], nodes["#Deep/Nested"][3]):
        assert (site.out / url).is_file()
    assert "hushmarker" not in site.page("static/graph.json")
    assert {pair for pair in links if any(t.startswith("#") for t in pair)} == {
        frozenset(("A", "#topic")),
        frozenset(("B", "#topic")),
        frozenset(("A", "#Deep/Nested")),
        frozenset(("C", "#Deep/Nested")),
    }
    assert all(len(n) == 4 for t, n in nodes.items() if not t.startswith("#"))
    assert all(0 <= n[0] <= 1000 and 0 <= n[1] <= 1000 for n in nodes.values())

    # The local graph of C: its tag (a link to the tag page, styled as a tag), and through it A.
    page = site.page("C.html")
    graph = page.split('class="local-graph"', 1)[1].split("</section>", 1)[0]
    tag_nodes = re.findall(r'<a href="([^"]+)" class="graph-node depth-(\d) graph-tag"', graph)
    assert tag_nodes == [("tags/Deep/Nested.html", "1")]
    assert re.search(r'<a href="A.html" class="graph-node depth-2"', graph)
    assert 'aria-label="#Deep/Nested"' in graph
    # Lone has neither links nor tags: still no local graph.
    assert 'class="local-graph"' not in site.page("Lone.html")


@pytest.mark.parametrize("size", [12, 300], ids=["spring layout", "large component"])
def test_graph_layout_does_not_follow_the_order_the_graph_was_built_in(size: int) -> None:
    """The site's graph is built from sets, whose order changes from one process to the next:
    two builds of a vault must still draw the same global graph (graph.json, byte for byte)."""
    names = [f"note {i}" for i in range(size)] + ["alone"]
    edges = [(names[i], names[(i * 7 + 3) % size]) for i in range(size)]
    edges += [(names[i], names[i + 1]) for i in range(0, size - 1, 2)]
    built, reversed_order = nx.Graph(), nx.Graph()
    built.add_nodes_from(names)
    built.add_edges_from(edges)
    reversed_order.add_nodes_from(reversed(names))
    reversed_order.add_edges_from((b, a) for a, b in reversed(edges))
    assert layout(built) == layout(reversed_order)
