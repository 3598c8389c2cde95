"""The scan, driven directly: which files a vault has, what kind each is, which ignore pattern
covers it, and what it says about what it skipped."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from conftest import make_vault

from garden import scan
from garden.errors import VaultError
from garden.scan import compile_ignore, file_kind, ignored_by, scan_vault


def _covered(pattern: str, path: str) -> bool:
    return ignored_by(path, compile_ignore((pattern,))) == pattern


@pytest.mark.parametrize(
    ("pattern", "covered", "not_covered"),
    [
        ("Templates", ["Templates", "Templates/a.md", "Templates/x/y.md"], ["Templates2/a.md"]),
        ("/Templates/ ", ["Templates/a.md"], ["a/Templates/b.md"]),
        ("/Xcode/", ["Xcode/a.md"], ["code/a.md", "a/Xcode/b.md"]),  # only slashes are cut off
        ("*.tmp", ["a.tmp", "x.tmp/inside.md"], ["a/b.tmp", "a.tmpx"]),
        ("**/*.tmp", ["a.tmp", "a/b.tmp", "a/b/c.tmp"], ["a.tmpx"]),
        ("**.tmp", ["a.tmp", "a/b/c.tmp", ".tmp"], ["a/btmp", "a.tmpx"]),
        ("a/**", ["a/b", "a/b/c.md"], ["ab/c.md"]),
        ("a/**/z.md", ["a/z.md", "a/b/z.md", "a/b/c/z.md"], ["a/b/zz.md"]),
        ("Draft?.md", ["Draft1.md", "Drafts.md"], ["Draft.md", "Draft12.md", "Draft/.md"]),
        ("a+b (1).md", ["a+b (1).md"], ["aab (1).md", "a+b 1.md"]),
    ],
)
def test_ignore_patterns_are_globs_over_vault_paths(
    pattern: str, covered: list[str], not_covered: list[str]
) -> None:
    for path in covered:
        assert _covered(pattern, path), path
    for path in not_covered:
        assert not _covered(pattern, path), path


def test_the_first_pattern_that_covers_a_path_is_named() -> None:
    patterns = compile_ignore(("Private", "*.md", "Private/**"))
    assert ignored_by("Private/a.md", patterns) == "Private"
    assert ignored_by("b.md", patterns) == "*.md"
    assert ignored_by("b.png", patterns) == ""


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("a.md", "note"),
        ("A.MD", "note"),
        ("Board.canvas", "canvas"),
        ("Board.Canvas", "canvas"),
        ("x.md.png", "attachment"),
        ("Meeting 2024.05.07.md", "note"),
        ("v1.2.canvas", "canvas"),
        ("README", "attachment"),
        ("a.markdown", "attachment"),
        ("md", "attachment"),
    ],
)
def test_each_file_is_a_note_a_canvas_or_an_attachment(name: str, kind: str) -> None:
    assert file_kind(name) == kind


def test_the_scan_lists_files_and_folders_and_skips_dot_files(tmp_path: Path) -> None:
    vault = make_vault(
        tmp_path / "v",
        {
            "a.md": "",
            "B/c.png": b"png",
            "B/D/e.md": "",
            "B/D/Board.canvas": "{}",
            ".obsidian/app.json": "{}",
            "B/.hidden.md": "",
            ".trash/old.md": "",
            "garden.yaml": "title: x\n",
            "B/garden.yaml": "a note's folder may hold a file of that name",
            "Templates/t.md": "",
        },
    )
    files, folders, warnings = scan_vault(vault, ("Templates",))
    assert [(f.path, f.kind, f.ignored_by) for f in files] == [
        ("B/D/Board.canvas", "canvas", ""),
        ("B/D/e.md", "note", ""),
        ("B/c.png", "attachment", ""),
        ("B/garden.yaml", "attachment", ""),
        ("Templates/t.md", "note", "Templates"),
        ("a.md", "note", ""),
    ]
    assert all(f.abs_path == vault.resolve() / f.path for f in files)
    assert folders == {"B", "B/D", "Templates"}
    assert warnings == []


def test_a_vault_that_is_not_a_folder_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    for vault in (tmp_path / "file", tmp_path / "missing"):
        with pytest.raises(VaultError) as failed:
            scan_vault(vault)
        assert str(failed.value) == f"{vault}: not a folder"


def test_symlinks_inside_are_followed_once_and_those_leaving_are_warned_about(
    tmp_path: Path,
) -> None:
    outside = make_vault(tmp_path / "outside", {"o.md": "", "dir/p.md": ""})
    vault = make_vault(tmp_path / "v", {"real/n.md": "", "x.md": ""})
    os.symlink(vault / "real", vault / "again")  # a second route to a folder already scanned
    os.symlink(vault / "x.md", vault / "y.md")  # a file inside: listed under its own name
    os.symlink(outside / "o.md", vault / "o.md")
    os.symlink(outside / "dir", vault / "dir")
    os.symlink(vault / "nowhere", vault / "dangling.md")
    os.symlink(vault, vault / "real" / "loop")
    files, folders, warnings = scan_vault(vault)
    paths = [f.path for f in files]
    assert paths in (["again/n.md", "x.md", "y.md"], ["real/n.md", "x.md", "y.md"])
    assert next(f for f in files if f.path == "y.md").abs_path == (vault / "x.md").resolve()
    assert folders in ({"again"}, {"real"})
    assert sorted((w.category, w.path, w.line, w.message) for w in warnings) == [
        ("scan", "dangling.md", 0, "broken symlink skipped"),
        ("scan", "dir", 0, "symlink leaves the vault; not followed"),
        ("scan", "o.md", 0, "symlink leaves the vault; not followed"),
    ]


@pytest.mark.parametrize("folder", ["", "Notes/"])
def test_a_name_in_both_unicode_forms_keeps_both_files(tmp_path: Path, folder: str) -> None:
    vault = make_vault(
        tmp_path / "v", {f"{folder}Caf\u00e9.md": "nfc", f"{folder}Cafe\u0301.md": "nfd"}
    )
    files, _, warnings = scan_vault(vault)
    assert [f.path for f in files] == [f"{folder}Cafe\u0301.md", f"{folder}Caf\u00e9.md"]
    assert [f.abs_path.read_text() for f in files] == ["nfd", "nfc"]
    assert [(w.category, w.path, w.line, w.message) for w in warnings] == [
        ("scan", f"{folder}Cafe\u0301.md", 0, "same name as another file in another Unicode form")
    ]


def test_a_folder_that_cannot_be_read_is_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "diary" is listed before "locked", so scanned after it: the scan goes on past the failure.
    vault = make_vault(tmp_path / "v", {"a.md": "", "diary/c.md": "", "locked/b.md": ""})
    real_scandir = os.scandir

    def scandir(path: Path) -> object:  # chmod 0 does not stop root, who runs CI
        if Path(path).name == "locked":
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(scan.os, "scandir", scandir)
    files, folders, warnings = scan_vault(vault)
    assert [f.path for f in files] == ["a.md", "diary/c.md"] and folders == {"diary", "locked"}
    assert [(w.category, w.path, w.line, w.message) for w in warnings] == [
        ("scan", "locked", 0, "cannot read folder: Permission denied")
    ]


def test_a_file_that_cannot_be_looked_at_is_a_warning_and_the_rest_is_scanned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder its user may list but not enter (mode ``r--``): the names are there, but what
    each one is cannot be read. Each is named in a warning (a note is not lost silently), and the
    rest of the vault is scanned."""
    vault = make_vault(tmp_path / "v", {"a.md": "", "half/b.md": "", "half/c.md": "", "z.md": ""})
    real_is_dir = Path.is_dir

    def is_dir(path: Path) -> bool:  # chmod does not stop root, who runs CI
        if path.name == "b.md":
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_is_dir(path)

    monkeypatch.setattr(Path, "is_dir", is_dir)
    files, folders, warnings = scan_vault(vault)
    assert [f.path for f in files] == ["a.md", "half/c.md", "z.md"] and folders == {"half"}
    assert [(w.category, w.path, w.line, w.message) for w in warnings] == [
        ("scan", "half/b.md", 0, "cannot read: Permission denied")
    ]
