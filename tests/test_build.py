"""Whole builds: the real vaults, the CLI, the output folder's safety rules."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HELP_VAULT, REPO, SHARED_VAULTS, BuiltSite, build_site, make_vault

from garden.build import build
from garden.emit import SITE_MARKER
from garden.errors import ConfigError, OutputError


def _shared(name: str) -> Path:
    vault = SHARED_VAULTS / name
    if not vault.is_dir():
        pytest.skip(f"{vault} is not present")
    return vault


def test_help_vault_builds_with_only_real_broken_links(help_site: BuiltSite) -> None:
    site = help_site  # a clean build of the help vault (shared with the browser tests)
    notes = sorted(p.relative_to(HELP_VAULT).as_posix() for p in HELP_VAULT.rglob("*.md"))
    assert sorted(v["source"] for v in site.index.values()) == notes
    assert site.index["index"]["source"] == "Home.md"  # site-options.json indexFile
    broken = sorted({(d.path, d.message.split("]]")[0]) for d in site.warnings("broken-link")})
    # The help text shows [[Example]] as an example of display text, and a Mermaid diagram whose
    # nodes Biology and Chemistry link to notes (class internal-link); no such notes exist.
    assert broken == [
        (
            "Editing and formatting/Advanced formatting syntax.md",
            "diagram node 'Biology': no such note or file",
        ),
        (
            "Editing and formatting/Advanced formatting syntax.md",
            "diagram node 'Chemistry': no such note or file",
        ),
        ("Linking notes and files/Internal links.md", "[[Example"),
        ("Linking notes and files/Internal links.md", "[[Example.md"),
    ]
    embeds = [d.message for d in site.warnings("broken-embed")]
    assert embeds == ["![[obsidian-cli.mp4]] no such note or file"]  # a video missing from the copy
    assert not site.warnings("slug-collision")
    home = site.page("index.html")
    # siteName from site-options.json; the home note's own first heading is its title
    assert "<title>Obsidian Help</title>" in home and home.count("<h1") == 1
    # A heading link into another note lands on the heading's id.
    page = site.page("Linking-notes-and-files/Internal-links.html")
    assert 'href="../Help-and-support.html#report-bugs-and-request-features"' in page
    assert 'id="report-bugs-and-request-features"' in site.page("Help-and-support.html")


def test_seed_notes_build(tmp_path: Path) -> None:
    vault = _shared("seed-notes")
    site = build_site(vault, tmp_path / "site")
    assert {v["source"] for v in site.index.values()} == {
        "Sabbatical Activities.md",
        "posts/7-8.md",
    }
    article = site.article("Sabbatical-Activities.html")
    assert 'class="broken"' in article  # links to notes that are not in this vault
    assert '<section class="footnotes">' in article
    post = site.article("posts/7-8.html")
    assert "<blockquote" in post and "<math" in post
    # A root-relative image, served as a resized WebP variant of it.
    assert re.search(r'src="\.\./assets/seven_eights/nice_figure-\d+w-\w+\.webp"', post)


def test_example_vault_builds_cleanly(example_site: BuiltSite) -> None:
    site = example_site  # a clean build of the example vault (shared with the browser tests)
    problems = [d for d in site.diagnostics if d.category != "broken-link"]
    assert problems == []
    assert sorted((d.path, d.line) for d in site.warnings("broken-link")) == [
        ("Guide/Advanced/Diagrams.md", 53),  # a diagram node naming a private note, on purpose
        ("Guide/Links & embeds.md", 106),
        ("Guide/Publishing.md", 31),
    ]
    assert not any(f.startswith(("Private/", "Templates/")) for f in site.files())


def test_two_builds_are_byte_identical(example_site: BuiltSite, tmp_path: Path) -> None:
    # The shared build was made first, maybe by another test process: like two cron runs.
    first = example_site
    second = build_site(REPO / "vault", tmp_path / "two")
    files = first.files()
    assert files == second.files()
    for rel in files:
        assert (first.out / rel).read_bytes() == (second.out / rel).read_bytes(), rel


def test_cli_and_module_entry_points(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"index.md": "# Hi\n[[missing]]\n"})
    for cmd in ([str(Path(sys.executable).parent / "garden")], [sys.executable, "-m", "garden"]):
        out = tmp_path / f"out-{len(cmd)}"
        proc = subprocess.run(
            [*cmd, "build", str(vault), "-o", str(out)], capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stderr
        assert "index.md:2: warning: broken-link:" in proc.stderr
        assert json.loads((out / "content-index.json").read_text())["index"]["source"] == "index.md"
    strict = subprocess.run(
        [
            sys.executable,
            "-m",
            "garden",
            "build",
            str(vault),
            "-o",
            str(tmp_path / "s"),
            "--strict",
        ],
        capture_output=True,
        text=True,
    )
    assert strict.returncode == 1


@pytest.mark.parametrize("where", ["vault", "inside", "parent", "root", "home"])
def test_refuses_dangerous_output_folders(tmp_path: Path, where: str) -> None:
    vault = make_vault(tmp_path / "v", {"a.md": "hello"})
    out = {
        "vault": vault,
        "inside": vault / "site",
        "parent": tmp_path,
        "root": Path("/"),
        "home": Path.home(),
    }[where]
    before = sorted(p.name for p in out.iterdir()) if out.is_dir() else None
    with pytest.raises(OutputError):
        build(vault, out)
    after = sorted(p.name for p in out.iterdir()) if out.is_dir() else None
    assert before == after


def test_refuses_a_non_empty_folder_it_did_not_make(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"a.md": "hello"})
    out = make_vault(tmp_path / "docs", {"thesis.tex": "precious"})
    with pytest.raises(OutputError, match="not empty"):
        build(vault, out)
    assert (out / "thesis.tex").read_text() == "precious"


def test_rebuild_replaces_the_old_site_and_touches_nothing_beside_it(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"a.md": "first", "b.md": "second"})
    neighbour = make_vault(tmp_path / "neighbour", {"keep.txt": "keep"})
    out = tmp_path / "site"
    build(vault, out)
    assert (out / "b.html").exists() and (out / SITE_MARKER).exists()
    (vault / "b.md").unlink()
    build(vault, out)
    assert not (out / "b.html").exists()  # deleted notes disappear
    assert (neighbour / "keep.txt").read_text() == "keep"
    # No leftovers: the staging folder and its lock are gone, the cache is in the user's folder.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["neighbour", "site", "v"]


def test_failed_build_leaves_the_old_site_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = make_vault(tmp_path / "v", {"a.md": "first"})
    out = tmp_path / "site"
    build(vault, out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (vault / "a.md").write_text("changed")

    def explode(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("garden.emit.shutil.copyfile", explode)
    make_vault(vault, {"c.md": "![[x.pdf]]", "x.pdf": b"%PDF-1.4"})
    with pytest.raises(OSError, match="disk full"):
        build(vault, out)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site", "v"]


def test_staging_folder_of_a_killed_build_is_emptied_and_removed(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"a.md": "x"})
    stale = make_vault(tmp_path / ".site.garden-build", {"lock": "12345\n", "site/a.html": "half"})
    build(vault, tmp_path / "site")
    assert not stale.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site", "v"]


def test_a_build_killed_between_the_two_renames_gets_its_old_site_back(tmp_path: Path) -> None:
    """Where there is no atomic swap (Windows), OUT is renamed aside, then the new site in. A
    build killed between the two leaves no OUT and the old site in the staging folder: the next
    build puts it back first, so even a build that then fails leaves OUT as it was."""
    vault = make_vault(tmp_path / "v", {"a.md": "x"})
    out = tmp_path / "site"
    build(vault, out)
    staging = tmp_path / ".site.garden-build"
    staging.mkdir()
    out.rename(staging / "old")
    make_vault(staging, {"site/a.html": "the new site, complete but not renamed in"})
    (vault / "garden.yaml").write_text("title: [unclosed\n")
    with pytest.raises(ConfigError):
        build(vault, out)
    assert (out / "a.html").is_file() and (out / SITE_MARKER).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site", "v"]


def test_symlinks_out_of_the_vault_are_not_followed(tmp_path: Path) -> None:
    secret = make_vault(tmp_path / "outside", {"secret.md": "OUTSIDE-MARKER", "pic.png": b"x"})
    vault = make_vault(
        tmp_path / "v", {"a.md": "[[secret]] ![[pic.png]] [x](../outside/secret.md)"}
    )
    os.symlink(secret, vault / "linked")
    os.symlink(secret / "secret.md", vault / "secret.md")
    site = build_site(vault, tmp_path / "site")
    for rel in site.files():
        assert b"OUTSIDE-MARKER" not in (site.out / rel).read_bytes()
    assert site.article("a.html").count('class="broken') == 3
    shutil.rmtree(secret)
