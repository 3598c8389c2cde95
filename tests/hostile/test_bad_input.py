"""Bad input: no file stops the build or hides another note; each problem is a warning that
names the file. Two builds of the same hostile vault are byte-identical."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import BuiltSite, build_site, make_vault, once_per_run

LAUGHS = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)

# file -> (content, warning category or None when the file is fine as it is)
BAD: dict[str, tuple[str | bytes, str | None]] = {
    "invalid yaml.md": ("---\ntitle: [unclosed\n---\nbody", "frontmatter"),
    "list front matter.md": ("---\n- a\n- b\n---\nbody", "frontmatter"),
    "scalar front matter.md": ("---\njust words\n---\nbody", "frontmatter"),
    "unclosed front matter.md": ("---\ntitle: x\nbody", "frontmatter"),
    "impossible date.md": ("---\ndate: 2024-02-30\n---\nbody", "frontmatter"),
    "huge integer.md": ("---\ntitle: " + "9" * 5000 + "\n---\nbody", "frontmatter"),
    "billion laughs.md": (f"---\n{LAUGHS}---\nbody", "frontmatter"),
    "self alias.md": ("---\na: &a [*a]\n---\nbody", "frontmatter"),
    "python tag.md": ("---\nx: !!python/object/apply:os.system [ls]\n---\nbody", "frontmatter"),
    "deep yaml.md": ("---\na: " + "[" * 500 + "]" * 500 + "\n---\nbody", "frontmatter"),
    "latin-1.md": ("caf\xe9 na\xefve".encode("latin-1"), "encoding"),
    "utf-16.md": ("\ufeffhello".encode("utf-16"), "encoding"),
    "nul bytes.md": (b"before\x00after", None),
    "empty.md": ("", None),
    "only dashes.md": ("---\n---\n", None),
    "bom.md": ("\ufeff---\ntitle: With BOM\n---\nbom body", None),
    "crlf.md": ("---\r\ntitle: With CRLF\r\n---\r\n# Head\r\n\r\ncrlf [[bom]]\r\n", None),
    "lone cr.md": ("---\rtitle: With CR\r---\rcr body", None),
    "self embed.md": ("# H\n\n![[self embed]] ![[self embed#H]] ![[#H]]", "embed-cycle"),
    "cycle a.md": ("![[cycle b]]", "embed-cycle"),
    "cycle b.md": ("![[cycle a]]", "embed-cycle"),
    "odd # ? % & \" ' name.md": ("odd name body", None),
    "N" * 200 + ".md": ("long name body", None),
    "&" * 200 + ".md": ("ampersands body", None),
    "<b>.md": ("angle body", None),
    "dir.md/inside.md": ("a folder named like a note", None),
    "deep markdown.md": (
        ">" * 2000 + " q\n\n" + "".join("  " * i + "- x\n" for i in range(300)) + "[" * 5000,
        None,
    ),
    "many embeds.md": ("![[empty]] " * 2000, None),
    "bad math.md": ("$\\frac{$ and $$\\begin{x}$$", "math"),
    # Unreadable front matter that names a key that could hide the note: kept private.
    "invalid yaml draft.md": ("---\ntitle: [unclosed\ndraft: true\n---\nbody", "frontmatter"),
    "unclosed publish.md": ("---\nPublish: no\nbody", "frontmatter"),
    "list draft.md": ("---\n- drafts\n---\nbody", "frontmatter"),
}
# Of the files with unreadable front matter, those kept private: theirs names draft or publish.
PRIVATE = {"invalid yaml draft.md", "unclosed publish.md", "list draft.md"}


# mistune's paragraph parsing grows faster than linearly with a paragraph's length, so a 5 MB note
# takes seconds: `make test` builds 512 KB, `make fuzz` (GARDEN_FUZZ=1) the full 5 MB.
BIG_NOTE_BYTES = 5 * 1024 * 1024 if os.environ.get("GARDEN_FUZZ") else 512 * 1024


def _vault(tmp_path: Path, *, big: bool) -> Path:
    files: dict[str, str | bytes] = {name: content for name, (content, _) in BAD.items()}
    # An embed chain 200 deep: each page stops at the depth limit with a warning.
    for i in range(200):
        files[f"chain/c{i:03}.md"] = f"c{i} ![[c{i + 1:03}]]"
    files["chain/c200.md"] = "the end"
    if big:
        para = "A long note: plain prose with a [[bom|link]] now and then, and **bold** words.\n\n"
        files["big.md"] = para * (BIG_NOTE_BYTES // len(para))
    files["Good.md"] = "# Good\n\nStill here. [[bom]] [[crlf]] [[empty]]\n"
    return make_vault(tmp_path / "vault", files)


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    def make(tmp: Path) -> BuiltSite:
        return build_site(_vault(tmp, big=True), tmp / "site")

    return once_per_run(tmp_path_factory, "hostile", make)  # seconds: the 512 KB note


def test_the_good_note_survives_every_bad_one(hostile_site: BuiltSite) -> None:
    site = hostile_site
    assert "Still here." in site.article("Good.html")
    assert {entry["source"] for entry in site.index.values()} >= {
        "Good.md",
        "big.md",
        "bom.md",
        "crlf.md",
        "empty.md",
        "chain/c000.md",
    }


@pytest.mark.parametrize(("name", "category"), [(n, c) for n, (_, c) in BAD.items() if c])
def test_each_problem_is_a_warning_naming_its_file(
    hostile_site: BuiltSite,
    name: str,
    category: str,
) -> None:
    assert [d for d in hostile_site.warnings(category) if d.path == name], hostile_site.warnings()


@pytest.mark.parametrize(("name", "category"), [(n, c) for n, (_, c) in BAD.items() if not c])
def test_odd_but_valid_files_get_a_page(
    hostile_site: BuiltSite,
    name: str,
    category: None,
) -> None:
    assert name in {entry["source"] for entry in hostile_site.index.values()}


def test_unreadable_front_matter_hides_a_note_only_if_it_names_draft_or_publish(
    hostile_site: BuiltSite,
) -> None:
    """Unreadable front matter that names ``draft`` or ``publish`` (any case, any line) may have
    meant to hide the note: it stays private. Other unreadable front matter is read as none:
    the note is published, and the warning says so."""
    sources = {entry["source"] for entry in hostile_site.index.values()}
    unreadable = {n for n, (_, c) in BAD.items() if c == "frontmatter"}
    assert unreadable & sources == unreadable - PRIVATE
    for d in hostile_site.warnings("frontmatter"):
        if d.path in PRIVATE:
            assert d.message.endswith(
                "note not published (its front matter names draft or publish)"
            )
        else:
            assert "published without front matter" in d.message, d
    titles = {e["source"]: e["title"] for e in hostile_site.index.values()}
    assert titles["invalid yaml.md"] == "invalid yaml"  # no title from the front matter


def test_bom_crlf_and_cr_front_matter_is_read(hostile_site: BuiltSite) -> None:
    titles = {entry["source"]: entry["title"] for entry in hostile_site.index.values()}
    assert titles["bom.md"] == "With BOM"
    assert titles["crlf.md"] == "With CRLF"
    assert titles["lone cr.md"] == "With CR"
    assert 'class="internal"' in hostile_site.article("crlf.html")


def test_embed_chains_stop_at_the_depth_limit(hostile_site: BuiltSite) -> None:
    site = hostile_site
    depth = [d for d in site.warnings("embed-depth") if d.path == "chain/c000.md"]
    assert len(depth) == 1 and "chain/c000.md → chain/c001.md" in depth[0].message
    assert site.article("chain/c195.html").count('class="embed"') == 5  # c196 ... c200


def test_two_builds_of_a_hostile_vault_are_byte_identical(tmp_path: Path) -> None:
    vault = _vault(tmp_path, big=False)
    for i in range(3, 200):  # a short chain shows the same; the long one only costs time
        (vault / f"chain/c{i:03}.md").unlink()
    first = build_site(vault, tmp_path / "one")
    second = build_site(vault, tmp_path / "two")
    assert first.files() == second.files()
    for rel in first.files():
        assert (first.out / rel).read_bytes() == (second.out / rel).read_bytes(), rel
    assert first.diagnostics == second.diagnostics
