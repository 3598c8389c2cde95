"""The file system: nothing outside the vault is read, nothing outside OUT is written or deleted,
a killed build leaves the old site or the new one, and no file's page replaces another's."""

from __future__ import annotations

import os
import re
import shutil
import sys
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import build_site, garden_stopping_at, leaks, make_vault, png, wait_until_stopped

from garden.build import build
from garden.emit import reclaim_staging
from garden.errors import OutputError
from garden.lock import LOCK_NAME, build_lock, staging_folder
from garden.paths import WINDOWS_RESERVED

# -- nothing outside the vault is opened -----------------------------------------------------------
_AUDITED: list[list[str]] = []  # a stack: the hook records only while a test listens


def _audit(event: str, args: tuple[object, ...]) -> None:
    if _AUDITED and event in ("open", "os.scandir", "os.listdir", "shutil.copyfile"):
        _AUDITED[-1].extend(os.fsdecode(a) for a in args if isinstance(a, str | bytes | Path))


_HOOKED: list[bool] = []


@contextmanager
def opened_paths() -> Iterator[list[str]]:
    """Every path the process opens, lists or copies while the block runs (sys.audit events)."""
    if not _HOOKED:  # an audit hook cannot be removed: install it once per process
        sys.addaudithook(_audit)
        _HOOKED.append(True)
    seen: list[str] = []
    _AUDITED.append(seen)
    try:
        yield seen
    finally:
        _AUDITED.pop()


def test_links_symlinks_and_urls_never_read_outside_the_vault(tmp_path: Path) -> None:
    outside = make_vault(
        tmp_path / "outside",
        {
            "secret.md": "OUTSIDEMARK-note",
            "pic.png": png(5, 5),
            "doc.pdf": b"%PDF OUTSIDEMARK-pdf",
            "dir/inner.md": "OUTSIDEMARK-dir",
        },
    )
    absolute = outside.as_posix()
    vault = make_vault(
        tmp_path / "vault",
        {
            "inside.md": "INSIDE target",
            "a.md": "\n\n".join(
                [
                    "[[../outside/secret]] ![[../outside/secret]] ![[../outside/pic.png]]",
                    "[[../../outside/secret]] [[./../outside/doc.pdf]] ![[../outside/doc.pdf]]",
                    f"[[{absolute}/secret]] ![[{absolute}/pic.png]] ![[{absolute}/doc.pdf]]",
                    "[x](../outside/secret.md) ![x](../outside/pic.png) [x](<../outside/doc.pdf>)",
                    f"[x]({absolute}/secret.md) ![x]({absolute}/pic.png)",
                    f"[x](file://{absolute}/secret.md) ![x](file://{absolute}/pic.png)",
                    f"[[file://{absolute}/secret]] ![[file://{absolute}/pic.png]]",
                    "[[/etc/passwd]] ![[/etc/hostname]] [x](/etc/passwd) ![x](/etc/hostname)",
                    "[x](%2E%2E/outside/secret.md) [x](..%2Foutside%2Fsecret.md)",
                    "[[linked-file]] [[linked-dir/inner]] ![[linked-pic.png]] [[etc/passwd]]",
                    "[[inside-link]] [[loop/x]]",
                ]
            ),
        },
    )
    os.symlink(outside / "secret.md", vault / "linked-file.md")
    os.symlink(outside / "dir", vault / "linked-dir")
    os.symlink(outside / "pic.png", vault / "linked-pic.png")
    os.symlink("/etc", vault / "etc")
    os.symlink("../outside/secret.md", vault / "relative-out.md")  # relative target, still out
    os.symlink(vault / "inside.md", vault / "inside-link.md")  # inside to inside: followed
    os.symlink(vault / "loop", vault / "loop")  # a loop
    os.symlink(tmp_path / "nowhere", vault / "dangling.md")
    with opened_paths() as seen:
        site = build_site(vault, tmp_path / "site")
    assert leaks(site.out, ["OUTSIDEMARK"]) == []
    touched = [p for p in seen if p.startswith((absolute, "/etc"))]
    assert touched == []
    assert "INSIDE target" in site.page("inside-link.html")
    assert site.article("a.html").count('class="internal') == 1  # only [[inside-link]]
    scan = {d.path: d.message for d in site.warnings("scan")}
    assert scan["linked-file.md"] == "symlink leaves the vault; not followed"
    assert scan["etc"] == "symlink leaves the vault; not followed"
    assert "dangling.md" in scan and "loop" in scan


def test_a_symlinked_vault_is_read_where_it_points(tmp_path: Path) -> None:
    real = make_vault(tmp_path / "real", {"a.md": "hello [[b]]", "b.md": "b"})
    os.symlink(real, tmp_path / "alias")
    site = build_site(tmp_path / "alias", tmp_path / "site")
    assert set(site.index) == {"a", "b"}


# -- OUT -------------------------------------------------------------------------------------------
def _tree(root: Path) -> dict[str, bytes | str]:
    """Every file (content) and symlink (target) under ``root``."""
    found: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            found[rel] = path.read_bytes()
    return found


@pytest.mark.parametrize(
    "where",
    [
        "vault",
        "vault/.",
        "vault/../vault",
        "inside",
        "deep inside",
        "parent",
        "grandparent",
        "symlink to vault",
        "symlink to inside",
        "a file",
        "not garden's",
    ],
)
def test_refuses_unsafe_output_folders_and_changes_nothing(tmp_path: Path, where: str) -> None:
    root = tmp_path / "root"
    vault = make_vault(root / "home" / "vault", {"a.md": "hello", "sub/b.md": "b"})
    make_vault(root / "home", {"keep.txt": "mine"})
    os.symlink(vault, root / "vault-link")
    os.symlink(vault / "sub", root / "sub-link")
    (root / "file").write_text("a file")
    make_vault(root / "docs", {"thesis.tex": "precious"})
    out = {
        "vault": vault,
        "vault/.": vault / ".",
        "vault/../vault": vault / ".." / "vault",
        "inside": vault / "site",
        "deep inside": vault / "sub" / "new" / "site",
        "parent": vault.parent,
        "grandparent": root,
        "symlink to vault": root / "vault-link",
        "symlink to inside": root / "sub-link",
        "a file": root / "file",
        "not garden's": root / "docs",
    }[where]
    target, real_vault = out.resolve(), vault.resolve()
    if where in ("parent", "grandparent"):
        why = f"refusing to write the site to {target}: it contains the vault {real_vault}"
    elif where == "a file":
        why = f"{target} exists and is not a folder"
    elif where == "not garden's":
        why = (
            f"{target} is not empty and was not made by garden (.garden-site missing); "
            "choose an empty or new folder so nothing of yours is replaced"
        )
    else:
        why = f"refusing to write the site to {target}: it is inside the vault {real_vault}"
    before = _tree(tmp_path)
    with pytest.raises(OutputError) as refused:
        build(vault, out)
    assert str(refused.value) == why
    assert _tree(tmp_path) == before
    assert sorted(p.name for p in root.iterdir()) == [
        "docs",
        "file",
        "home",
        "sub-link",
        "vault-link",
    ]


@pytest.mark.parametrize("where", ["/", "home"])
def test_refuses_root_and_home(tmp_path: Path, where: str) -> None:
    vault = make_vault(tmp_path / "v", {"a.md": "hello"})
    out = Path("/") if where == "/" else Path.home()
    before = sorted(p.name for p in out.iterdir())
    folder = "the root folder" if where == "/" else "your home folder"
    with pytest.raises(OutputError) as refused:
        build(vault, out)
    assert str(refused.value) == f"refusing to write the site to {folder} {out.resolve()}"
    assert sorted(p.name for p in out.iterdir()) == before


def test_rebuilds_touch_nothing_beside_out(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"a.md": "first [[b]]", "b.md": "second"})
    out = tmp_path / "site"
    build(vault, out)
    # Neighbours that look like garden's own leftovers, but are not a dead build's staging folder.
    make_vault(
        tmp_path,
        {
            "site-old/keep.txt": "keep",
            ".site.garden-tmp-notapid-x/keep.txt": "keep",
            f".site.garden-tmp-{os.getpid()}-live/keep.txt": "a live build's staging",
            "site.bak/index.html": "keep",
        },
    )
    os.symlink(tmp_path / "site-old", tmp_path / f".site.garden-tmp-{2**22 + 7}-link")

    def beside() -> dict[str, bytes | str]:
        return {k: v for k, v in _tree(tmp_path).items() if not k.startswith(("site/", "v/"))}

    before = beside()
    for _ in range(2):
        build(vault, out)
    after = beside()
    assert after == before
    assert (out / "b.html").exists()


def _snapshot(out: Path) -> dict[str, bytes]:
    return {k: v for k, v in _tree(out).items() if isinstance(v, bytes)}


_NO_ATOMIC_SWAP = "import garden.emit\ngarden.emit.atomic_swap = lambda *args, **kwargs: None"

# A build that replaces a site, killed at each step of emit (``garden.stop_points``): what is in
# OUT, in the staging folder's "site" (the new site being written; after an atomic swap, the
# old one) and "old" (the old site, renamed aside where there is no atomic swap) right after the
# kill; then what OUT holds once the next build has reclaimed the staging folder.
KILLED_AT = {
    ("emit-writing", True): ({"OUT": "old", "site": "empty", "old": None}, "old"),
    ("emit-written", True): ({"OUT": "old", "site": "new", "old": None}, "old"),
    ("emit-swapped", True): ({"OUT": "new", "site": "old", "old": None}, "new"),
    ("emit-written", False): ({"OUT": "old", "site": "new", "old": None}, "old"),
    ("emit-renamed-aside", False): ({"OUT": None, "site": "new", "old": "old"}, "old"),
    ("emit-swapped", False): ({"OUT": "new", "site": None, "old": "old"}, "new"),
}


@dataclass(frozen=True)
class TwoSites:
    """A vault before and after an edit, and the site a clean build of each makes."""

    old_vault: Path
    new_vault: Path
    old_site: Path
    new_site: Path

    def snapshots(self) -> dict[str, dict[str, bytes]]:
        return {"old": _snapshot(self.old_site), "new": _snapshot(self.new_site), "empty": {}}


@pytest.fixture(scope="module")
def two_sites(tmp_path_factory: pytest.TempPathFactory) -> TwoSites:
    notes = 60
    old_files: dict[str, str | bytes] = {
        f"n{i:03}.md": f"# Note {i}\n\nold [[n{(i + 1) % notes:03}]] #t{i % 7}\n"
        for i in range(notes)
    }
    new_files = {rel: f"{text}\nnew ![[n000]]\n" for rel, text in old_files.items()}
    del new_files["n059.md"]  # a page of the old site that the new one no longer has
    root = tmp_path_factory.mktemp("two-sites")
    sites = TwoSites(
        make_vault(root / "old" / "v", old_files),  # one name: the site's title is the vault's
        make_vault(root / "new" / "v", new_files),
        root / "old" / "site",
        root / "new" / "site",
    )
    build(sites.old_vault, sites.old_site)
    build(sites.new_vault, sites.new_site)
    assert _snapshot(sites.old_site) != _snapshot(sites.new_site)
    return sites


def _kill_at(step: str, vault: Path, out: Path, code: str) -> None:
    """``garden build vault -o out`` (or ``code`` run as garden), killed by SIGKILL at ``step``."""
    killed = garden_stopping_at(step, "build", vault, "-o", out, code=code)
    try:
        wait_until_stopped(killed)
    finally:
        killed.kill()
        killed.wait()


@pytest.mark.parametrize(("step", "atomic"), list(KILLED_AT))
def test_a_build_killed_at_each_step_of_emit_leaves_one_whole_site(
    tmp_path: Path, two_sites: TwoSites, step: str, atomic: bool
) -> None:
    """SIGKILL at each step of a build that replaces a site: OUT is always the old site or the
    new one (or, between the two renames where there is no atomic swap, absent until the next
    build puts the old one back); the next build cleans up and leaves nothing beside OUT."""
    sites = two_sites.snapshots()
    out = tmp_path / "site"
    shutil.copytree(two_sites.old_site, out)
    vault = two_sites.new_vault
    _kill_at(step, vault, out, code="" if atomic else _NO_ATOMIC_SWAP)
    staging = staging_folder(out)
    right_after, reclaimed = KILLED_AT[step, atomic]
    where = {"OUT": out, "site": staging / "site", "old": staging / "old"}
    for name, expected in right_after.items():
        found = _snapshot(where[name]) if where[name].is_dir() else None
        assert found == (sites[expected] if expected else None), f"{name} after the kill"

    with build_lock(out) as held:  # what the next build does first
        reclaim_staging(out, held)
        assert sorted(p.name for p in held.iterdir()) == [LOCK_NAME]
    assert _snapshot(out) == sites[reclaimed]
    build(vault, out)
    assert _snapshot(out) == sites["new"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


_IN_PLACE = (
    "from pathlib import Path\nfrom garden.build import build\n"
    "build(Path(sys.argv[2]), Path(sys.argv[4]), in_place=True)\nsys.exit(0)"
)


@pytest.mark.parametrize("step", ["emit-updating", "emit-updated"])
def test_the_preview_killed_while_updating_out_is_mended_by_its_next_build(
    tmp_path: Path, two_sites: TwoSites, step: str
) -> None:
    """The preview (``garden serve``) writes what changed straight into OUT, not atomically:
    killed half-way, it leaves a mix of two sites, which its next build mends whatever the
    vault then holds."""
    sites = two_sites.snapshots()
    vault, out = tmp_path / "v", tmp_path / "site"
    shutil.copytree(two_sites.old_vault, vault)
    build(vault, out, in_place=True)
    assert _snapshot(out) == sites["old"]
    shutil.rmtree(vault)
    shutil.copytree(two_sites.new_vault, vault)
    _kill_at(step, vault, out, code=_IN_PLACE)
    mix = _snapshot(out)
    if step == "emit-updating":
        assert mix == sites["old"]
    else:  # every page is the new one, and the page gone from the site is still there
        assert {rel: mix[rel] for rel in sites["new"]} == sites["new"] and "n059.html" in mix
    # The edit is undone while the preview is down: its next build must not take OUT for the
    # old site it last built (files it would keep are the killed build's).
    shutil.rmtree(vault)
    shutil.copytree(two_sites.old_vault, vault)
    build(vault, out, in_place=True)
    assert _snapshot(out) == sites["old"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site", "v"]


# -- no file's page replaces another's -------------------------------------------------------------
COLLIDING = {
    "Note.md": "CASE-upper",
    "note.md": "CASE-lower",
    "NOTE.md": "CASE-shout",
    "Caf\u00e9.md": "FORM-nfc",
    "Cafe\u0301.md": "FORM-nfd",
    "a b.md": "SLUG-space",
    "a-b.md": "SLUG-dash",
    "a?b.md": "SLUG-question",
    "a&b.md": "SLUG-amp",
    "a and b.md": "SLUG-and",
    "a-and-b.md": "SLUG-and-dash",
    "Folder.md": "FOLDER-note",
    "Folder/index.md": "FOLDER-index",
    "folder/x.md": "FOLDER-lower",
    "404.md": "GENERATED-404",
    "index.md": "GENERATED-home",
    "Index.md": "GENERATED-Home",
    "tags.md": "GENERATED-tags #t",
    "tags/index.md": "GENERATED-tags-index",
    "tags/t.md": "GENERATED-tag-page",
    "content-index.json.md": "GENERATED-index-json",
    "static/style.css.md": "GENERATED-static",
    "Ünïcödé ñame.md": "UNICODE",
    "emoji 🌱.md": "EMOJI",
    # Names Windows or macOS cannot hold, and folders that differ only by case.
    "CON.md": "WINDOWS-con",
    "nul.md": "WINDOWS-nul",
    "Com1.backup.md": "WINDOWS-com1",
    "aux/x.md": "WINDOWS-aux-folder",
    "trailing dot..md": "WINDOWS-dot",
    'a: b * c? "d" <e> | f.md': "WINDOWS-punctuation",
    "Guide/x.md": "FOLDERCASE-upper",
    "guide/y.md": "FOLDERCASE-lower",
    "GUIDE/x.md": "FOLDERCASE-twin",
}
_WINDOWS_FORBIDDEN = re.compile(r'[<>:"\\|?*\x00-\x1f]')


def _portable(paths: list[str]) -> None:
    """Every OUT path can be made on Windows and macOS, and no two paths (files or folders)
    differ only by case or Unicode form, with each folder spelt one way."""
    seen: dict[str, str] = {}
    for path in paths:
        parts = path.split("/")
        for i, part in enumerate(parts):
            assert part and not _WINDOWS_FORBIDDEN.search(part), path
            assert not part.endswith((".", " ")), path
            assert part.split(".")[0].casefold() not in WINDOWS_RESERVED, path
            prefix = "/".join(parts[: i + 1])
            folded = unicodedata.normalize("NFC", prefix).casefold()
            assert seen.setdefault(folded, prefix) == prefix, f"{prefix} and {seen[folded]}"


def test_every_note_gets_its_own_page(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "vault", COLLIDING)
    names = {"Caf\u00e9.md", "Cafe\u0301.md"}
    assert {p.name for p in vault.iterdir()} >= names  # the disk keeps both forms
    site = build_site(vault, tmp_path / "site")
    assert len(site.index) == len(COLLIDING)
    for slug, entry in site.index.items():
        # (the NFD twin keeps its own name as its source: the dict has it under that name)
        marker = COLLIDING[entry["source"]]
        page = f"{slug}.html" if (site.out / f"{slug}.html").exists() else f"{slug}/index.html"
        assert marker.split()[0] in site.page(page), slug
    pages = [f for f in site.files() if f.endswith(".html")]
    assert len({p.casefold() for p in pages}) == len(pages)  # safe on case-insensitive disks
    _portable(site.files())
    assert site.warnings("slug-collision")
    assert {"CON_.html", "nul_.html", "Com1_.backup.html", "aux_/x.html"} <= set(pages)
    # The three notes of "Guide", "guide" and "GUIDE" share one folder, spelt as the first path.
    assert {"GUIDE/x.html", "GUIDE/y.html", "GUIDE/x-2.html"} <= set(pages)


def test_attachments_named_like_garden_outputs_keep_their_own_file(tmp_path: Path) -> None:
    """Whatever files garden writes (pages, data, theme files, feeds...), an attachment at that
    path gets a file of its own: found by building once and planting a file at every path."""
    base = build_site(make_vault(tmp_path / "base", {"index.md": "#t [[x]]", "x.md": "x"}))
    planted = {rel: f"PLANTED {rel}".encode() for rel in base.files()}
    planted = {rel: data for rel, data in planted.items() if not rel.startswith(".")}
    links = " ".join(f"[[{rel}]]" for rel in planted)
    vault = make_vault(tmp_path / "vault", {**planted, "index.md": f"#t {links}", "x.md": "x"})
    site = build_site(vault, tmp_path / "site")
    contents = {(site.out / f).read_bytes() for f in site.files()}
    for rel, data in planted.items():
        if not rel.endswith(".html"):  # a planted "x.html" is an attachment, copied as it is
            assert data in contents, f"{rel} was overwritten"
    _portable(site.files())
    for rel in base.files():
        if rel.startswith("static/") or rel.endswith(".json"):
            assert (site.out / rel).read_bytes() == (base.out / rel).read_bytes(), rel
