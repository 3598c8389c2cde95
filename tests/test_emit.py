"""emit, driven directly: what it refuses to write, what it takes from the old site, and what it
leaves when a write fails or a killed build left files in the staging folder."""

from __future__ import annotations

import ctypes
import dataclasses
import errno
import os
import types
from pathlib import Path

import pytest
from conftest import refuse_renames

from garden import emit
from garden.cache import content_identity
from garden.errors import OutputError
from garden.model import CopiedFile, ImageVariant, Page, Site
from garden.paths import OutPath, Slug
from garden.stop_points import STEPS


def _page(out_path: str, html: str) -> Page:
    data = html.encode("utf-8")
    return Page(Slug(out_path.removesuffix(".html")), OutPath(out_path), "note", out_path, data)


def _site(*pages: Page, data: dict[str, bytes] | None = None, files: tuple = ()) -> Site:
    return Site(pages=pages, files=files, data=data or {})


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


@pytest.fixture
def staging(tmp_path: Path) -> Path:
    folder = tmp_path / ".site.garden-build"
    folder.mkdir()
    return folder


def test_a_new_out_is_the_staged_site_renamed_in(tmp_path: Path, staging: Path) -> None:
    out = tmp_path / "site"
    site = _site(_page("a.html", "<p>a</p>"), data={"d/x.json": b"{}"})
    identities = emit.emit_site(site, out, staging=staging)
    assert _tree(out) == {
        emit.SITE_MARKER: b"This folder is a site built by garden.\n",
        "a.html": b"<p>a</p>",
        "d/x.json": b"{}",
    }
    assert identities == {
        "a.html": content_identity(b"<p>a</p>"),
        "d/x.json": content_identity(b"{}"),
    }
    assert list(staging.iterdir()) == []


@pytest.mark.parametrize("rel", ["../x.html", "a/../../x.html", "ABSOLUTE"])
@pytest.mark.parametrize("in_place", [False, True])
def test_a_path_leaving_out_is_refused(
    tmp_path: Path, staging: Path, rel: str, in_place: bool
) -> None:
    rel = str(tmp_path / "x.html") if rel == "ABSOLUTE" else rel
    out = tmp_path / "site"
    previous = emit.emit_site(_site(_page("a.html", "old")), out, staging=staging)
    before = _tree(tmp_path)
    bad = _site(_page("a.html", "new"), data={rel: b"escaped"})
    with pytest.raises(OutputError) as refused:
        emit.emit_site(bad, out, previous, staging=staging, in_place=in_place)
    assert str(refused.value) == f"refusing to write {rel!r}: it would leave the output folder"
    assert b"escaped" not in _tree(tmp_path).values()
    if not in_place:  # (the preview's update in place is not atomic: a.html is the new one)
        assert _tree(tmp_path) == before
    assert list(staging.iterdir()) == []  # the half-written new site is gone


def test_a_failed_write_leaves_out_and_the_staging_folder_as_they_were(
    tmp_path: Path, staging: Path
) -> None:
    out = tmp_path / "site"
    emit.emit_site(_site(_page("a.html", "old")), out, staging=staging)
    before = _tree(out)
    missing = CopiedFile(tmp_path / "gone.png", OutPath("gone.png"))
    with pytest.raises(FileNotFoundError):
        emit.emit_site(_site(_page("a.html", "new"), files=(missing,)), out, staging=staging)
    assert _tree(out) == before
    assert list(staging.iterdir()) == []


def _refusing_to_delete(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Deleting a file called ``name`` fails, as on Windows while a program holds it open."""
    real_unlink = os.unlink

    def unlink(path: object, *args: object, **kwargs: object) -> None:
        if os.fsdecode(path).rsplit("/", 1)[-1] == name:  # type: ignore[arg-type]
            raise PermissionError(errno.EACCES, "held open")
        real_unlink(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "unlink", unlink)


def test_an_old_site_that_cannot_be_wholly_deleted_does_not_fail_the_build(
    tmp_path: Path, staging: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    emit.emit_site(_site(_page("a.html", "old"), _page("held.html", "x")), out, staging=staging)
    _refusing_to_delete(monkeypatch, "held.html")
    emit.emit_site(_site(_page("a.html", "new")), out, staging=staging)
    assert sorted(_tree(out)) == [emit.SITE_MARKER, "a.html"]
    assert _tree(out)["a.html"] == b"new"


def test_a_failed_write_is_reported_even_if_its_files_cannot_be_cleaned_up(
    tmp_path: Path, staging: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = CopiedFile(tmp_path / "gone.png", OutPath("gone.png"))
    _refusing_to_delete(monkeypatch, "a.html")
    with pytest.raises(FileNotFoundError):
        emit.emit_site(
            _site(_page("a.html", "a"), files=(missing,)), tmp_path / "site", staging=staging
        )
    assert not (tmp_path / "site").exists()


def test_image_variants_not_made_are_an_error(tmp_path: Path, staging: Path) -> None:
    variant = ImageVariant(tmp_path / "p.png", OutPath("p-10w.webp"), 10)
    site = Site(pages=(), files=(), data={}, variants=(variant, variant))
    with pytest.raises(OutputError) as refused:
        emit.emit_site(site, tmp_path / "site", staging=staging)
    assert str(refused.value) == "2 image variants were never made"
    assert not (tmp_path / "site").exists()


def test_unchanged_files_are_linked_from_the_old_site_not_written(
    tmp_path: Path, staging: Path
) -> None:
    out = tmp_path / "site"
    site = _site(_page("same.html", "same"), _page("changed.html", "one"))
    previous = emit.emit_site(site, out, staging=staging)
    inode = {name: (out / name).stat().st_ino for name in ("same.html", "changed.html")}
    new = _site(_page("same.html", "same"), _page("changed.html", "two"))
    emit.emit_site(new, out, previous, staging=staging)
    assert (out / "same.html").stat().st_ino == inode["same.html"]
    assert (out / "changed.html").stat().st_ino != inode["changed.html"]
    assert _tree(out)["changed.html"] == b"two"
    # Without the identities of the site in OUT, every file is written afresh.
    emit.emit_site(new, out, None, staging=staging)
    assert (out / "same.html").stat().st_ino != inode["same.html"]


def test_a_page_drawn_as_last_time_is_drawn_again_only_when_out_lost_it(
    tmp_path: Path, staging: Path
) -> None:
    out = tmp_path / "site"
    site = _site(_page("a.html", "<p>ä</p>"), _page("b.html", "<p>b</p>"))
    previous = emit.emit_site(site, out, staging=staging)
    (out / "b.html").unlink()
    drawn: list[str] = []

    def drawing(rel: str, html: str) -> Page:
        def draw() -> str:
            drawn.append(rel)
            return html

        return dataclasses.replace(_page(rel, ""), html=draw, identity=previous[rel])

    again = _site(drawing("a.html", "<p>ä</p>"), drawing("b.html", "<p>b</p>"))
    for in_place in (False, True):
        drawn.clear()
        (out / "b.html").unlink(missing_ok=True)
        identities = emit.emit_site(again, out, previous, staging=staging, in_place=in_place)
        assert identities == previous
        assert drawn == ["b.html"]
        assert _tree(out)["a.html"] == "<p>ä</p>".encode() and _tree(out)["b.html"] == b"<p>b</p>"


@pytest.mark.parametrize("atomic", [True, False])
def test_a_build_puts_a_new_folder_in_outs_place_and_the_preview_updates_it(
    tmp_path: Path, staging: Path, monkeypatch: pytest.MonkeyPatch, atomic: bool
) -> None:
    if not atomic:  # as on Windows: OUT renamed aside into the staging folder, then deleted
        monkeypatch.setattr(emit, "atomic_swap", lambda platform: None)
    out = tmp_path / "site"
    previous = emit.emit_site(_site(_page("a.html", "one")), out, staging=staging)
    folder = out.stat().st_ino
    previous = emit.emit_site(_site(_page("a.html", "two")), out, previous, staging=staging)
    assert out.stat().st_ino != folder  # swapped in whole
    assert list(staging.iterdir()) == [] and (out / "a.html").read_text() == "two"
    folder = out.stat().st_ino
    emit.emit_site(_site(_page("a.html", "three")), out, previous, staging=staging, in_place=True)
    assert out.stat().st_ino == folder and (out / "a.html").read_text() == "three"


def test_a_symlink_planted_in_the_old_site_is_not_linked(tmp_path: Path, staging: Path) -> None:
    out = tmp_path / "site"
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET")
    site = _site(_page("a.html", "page a"))
    previous = emit.emit_site(site, out, staging=staging)
    (out / "a.html").unlink()
    os.symlink(secret, out / "a.html")  # same name, same identity in the cache
    emit.emit_site(site, out, previous, staging=staging)
    assert not (out / "a.html").is_symlink()
    assert (out / "a.html").read_text() == "page a"


@pytest.mark.parametrize("in_place", [False, True])
def test_a_copy_whose_source_changed_just_now_is_copied_again(
    tmp_path: Path, staging: Path, in_place: bool
) -> None:
    """A file's stat cannot tell two versions apart within its time stamp's tick: a source saved
    just now is copied, never linked from the old site on the strength of its stat."""
    out = tmp_path / "site"
    source = tmp_path / "doc.pdf"
    source.write_bytes(b"first")
    site = _site(files=(CopiedFile(source, OutPath("doc.pdf")),))
    previous = emit.emit_site(site, out, staging=staging)
    assert previous == {"doc.pdf": "racy"}
    stat = source.stat()
    source.write_bytes(b"other")  # same size, and the same time stamp as far as the cache knows
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    emit.emit_site(site, out, previous, staging=staging, in_place=in_place)
    assert (out / "doc.pdf").read_bytes() == b"other"


def test_a_copy_of_an_old_file_is_known_by_its_stat(tmp_path: Path, staging: Path) -> None:
    out, source = tmp_path / "site", tmp_path / "doc.pdf"
    source.write_bytes(b"bytes")
    os.utime(source, (1_000_000, 1_000_000))
    site = _site(files=(CopiedFile(source, OutPath("doc.pdf")),))
    previous = emit.emit_site(site, out, staging=staging)
    inode = (out / "doc.pdf").stat().st_ino
    previous = emit.emit_site(site, out, previous, staging=staging)
    assert (out / "doc.pdf").stat().st_ino == inode  # unchanged: linked from the old site
    source.write_bytes(b"changed")
    os.utime(source, (2_000_000, 2_000_000))
    emit.emit_site(site, out, previous, staging=staging)
    assert (out / "doc.pdf").read_bytes() == b"changed"


# -- where a build can be stopped (garden.stop_points) ---------------------------------------------
@pytest.mark.parametrize("atomic", [True, False])
def test_each_stop_point_of_a_build_is_reached_where_its_description_says(
    tmp_path: Path, staging: Path, monkeypatch: pytest.MonkeyPatch, atomic: bool
) -> None:
    """The killed-build tests stop a ``garden build`` at these named steps in a subprocess: here,
    in this process, each step is reached in order and what OUT and the staging folder hold
    there is what ``STEPS`` promises them."""
    if not atomic:
        monkeypatch.setattr(emit, "atomic_swap", lambda platform: None)
    out = tmp_path / "site"
    seen: list[tuple[str, dict[str, bytes], dict[str, bytes]]] = []

    def record(step: str) -> None:
        assert step in STEPS
        seen.append((step, _tree(out), _tree(staging)))

    monkeypatch.setattr(emit, "stop_point", record)
    marker = {emit.SITE_MARKER: b"This folder is a site built by garden.\n"}
    previous = emit.emit_site(_site(_page("a.html", "one")), out, staging=staging)
    assert seen == [  # a first build: the new site is renamed into a new OUT
        ("emit-writing", {}, {}),
        (
            "emit-written",
            {},
            {"site/a.html": b"one", f"site/{emit.SITE_MARKER}": marker[emit.SITE_MARKER]},
        ),
    ]
    seen.clear()
    previous = emit.emit_site(_site(_page("a.html", "two")), out, previous, staging=staging)
    old_site = {"old/a.html": b"one", f"old/{emit.SITE_MARKER}": marker[emit.SITE_MARKER]}
    new_site = {"site/a.html": b"two", f"site/{emit.SITE_MARKER}": marker[emit.SITE_MARKER]}
    swapped = {"site/a.html": b"one", f"site/{emit.SITE_MARKER}": marker[emit.SITE_MARKER]}
    assert seen == [
        ("emit-writing", {"a.html": b"one", **marker}, {}),
        ("emit-written", {"a.html": b"one", **marker}, new_site),
        *([] if atomic else [("emit-renamed-aside", {}, {**old_site, **new_site})]),
        ("emit-swapped", {"a.html": b"two", **marker}, swapped if atomic else old_site),
    ]
    seen.clear()
    site = _site(_page("b.html", "three"))
    emit.emit_site(site, out, previous, staging=staging, in_place=True)
    assert seen == [
        ("emit-updating", {"a.html": b"two", **marker}, {}),
        ("emit-updated", {"a.html": b"two", "b.html": b"three", **marker}, {}),
    ]


# -- the preview's update in place -----------------------------------------------------------------
def test_in_place_writes_what_changed_and_removes_what_went_away(
    tmp_path: Path, staging: Path
) -> None:
    out = tmp_path / "site"
    old = _site(
        _page("keep.html", "keep"),
        _page("edit.html", "one"),
        _page("deep/er/gone.html", "gone"),
        _page("deep/stay.html", "stay"),
    )
    previous = emit.emit_site(old, out, staging=staging)
    kept = (out / "keep.html").stat().st_ino
    new = _site(
        _page("keep.html", "keep"), _page("edit.html", "two"), _page("deep/stay.html", "stay")
    )
    identities = emit.emit_site(new, out, previous, staging=staging, in_place=True)
    assert identities == {p.out_path: content_identity(p.html) for p in new.pages}
    assert _tree(out) == {
        emit.SITE_MARKER: b"This folder is a site built by garden.\n",
        "deep/stay.html": b"stay",
        "edit.html": b"two",
        "keep.html": b"keep",
    }
    assert (out / "keep.html").stat().st_ino == kept  # not written again
    assert not (out / "deep" / "er").exists()  # emptied folders go, up to the first kept one
    assert sorted(p.name for p in out.iterdir()) == [
        emit.SITE_MARKER,
        "deep",
        "edit.html",
        "keep.html",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.garden-build", "site"]

    # A page in folders that do not exist yet; a page gone from the site that someone deleted.
    (out / "edit.html").unlink()
    newer = _site(_page("keep.html", "keep"), _page("new/deeper/x.html", "x"))
    identities = emit.emit_site(newer, out, identities, staging=staging, in_place=True)
    assert (out / "new" / "deeper" / "x.html").read_text() == "x"
    assert not (out / "deep").exists() and not (out / "edit.html").exists()

    # The last page of a folder at the top goes: the folder goes, OUT stays.
    emit.emit_site(_site(), out, identities, staging=staging, in_place=True)
    assert sorted(p.name for p in out.iterdir()) == [emit.SITE_MARKER]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.garden-build", "site"]


def test_in_place_rewrites_a_file_that_is_no_longer_a_plain_file(
    tmp_path: Path, staging: Path
) -> None:
    out = tmp_path / "site"
    site = _site(_page("a.html", "page a"))
    previous = emit.emit_site(site, out, staging=staging)
    (out / "a.html").unlink()
    os.symlink(tmp_path / "elsewhere", out / "a.html")
    emit.emit_site(site, out, previous, staging=staging, in_place=True)
    assert not (out / "a.html").is_symlink() and (out / "a.html").read_text() == "page a"
    (out / "a.html").unlink()  # and one that went missing is written again
    emit.emit_site(site, out, previous, staging=staging, in_place=True)
    assert (out / "a.html").read_text() == "page a"


def test_in_place_refuses_a_folder_of_out_replaced_by_a_symlink(
    tmp_path: Path, staging: Path
) -> None:
    out, outside = tmp_path / "site", tmp_path / "outside"
    outside.mkdir()
    previous = emit.emit_site(_site(_page("f/a.html", "one")), out, staging=staging)
    (out / "f" / "a.html").unlink()
    (out / "f").rmdir()
    os.symlink(outside, out / "f")
    with pytest.raises(OutputError) as refused:
        emit.emit_site(
            _site(_page("f/a.html", "two")), out, previous, staging=staging, in_place=True
        )
    assert str(refused.value) == f"refusing to write 'f/a.html': its folder leads out of {out}"
    assert list(outside.iterdir()) == []


def test_in_place_without_identities_is_a_whole_build(tmp_path: Path, staging: Path) -> None:
    out = tmp_path / "site"
    emit.emit_site(_site(_page("old.html", "old")), out, staging=staging)
    emit.emit_site(_site(_page("new.html", "new")), out, None, staging=staging, in_place=True)
    assert sorted(_tree(out)) == [emit.SITE_MARKER, "new.html"]


# -- what a killed build left in the staging folder ------------------------------------------------
def test_reclaim_puts_the_old_site_back_only_when_out_is_missing(tmp_path: Path) -> None:
    out, staging = tmp_path / "site", tmp_path / ".site.garden-build"
    (staging / "old").mkdir(parents=True)
    (staging / "old" / "a.html").write_text("old site")
    (staging / "site").mkdir()
    (staging / "site" / "a.html").write_text("new, never swapped in")
    emit.reclaim_staging(out, staging)
    assert (out / "a.html").read_text() == "old site"
    assert list(staging.iterdir()) == []

    (staging / "old").mkdir()  # OUT is there: a stale copy is deleted, not swapped in
    (staging / "old" / "a.html").write_text("stale")
    emit.reclaim_staging(out, staging)
    assert (out / "a.html").read_text() == "old site"
    assert list(staging.iterdir()) == []


def test_reclaim_never_follows_a_symlink_out_of_the_staging_folder(tmp_path: Path) -> None:
    out, staging, mine = tmp_path / "site", tmp_path / ".site.garden-build", tmp_path / "mine"
    staging.mkdir()
    mine.mkdir()
    (mine / "thesis.tex").write_text("precious")
    os.symlink(mine, staging / "old")
    os.symlink(mine, staging / "site")
    emit.reclaim_staging(out, staging)
    assert (mine / "thesis.tex").read_text() == "precious"
    assert list(staging.iterdir()) == [] and not out.exists()
    (staging / "site").write_text("a file where a folder was")
    emit.reclaim_staging(out, staging)
    assert list(staging.iterdir()) == []


# -- the swap --------------------------------------------------------------------------------------
class _FakeLibc:
    """``renameat2`` (Linux) and ``renamex_np`` (macOS) as a libc exposes them, recording calls."""

    def __init__(self, fail: int = 0) -> None:
        self.calls: list[tuple[int, bytes, int, bytes, int]] = []
        self.fail = fail

    def renameat2(self, fd1: int, a: bytes, fd2: int, b: bytes, flags: int) -> int:
        self.calls.append((fd1, a, fd2, b, flags))
        if self.fail:
            ctypes.set_errno(self.fail)
            return -1
        os.rename(a, b + b".tmp")
        os.rename(b, a)
        os.rename(b + b".tmp", b)
        return 0

    def renamex_np(self, a: bytes, b: bytes, flags: int) -> int:
        return self.renameat2(0, a, 0, b, flags)


def test_linux_swap_calls_renameat2_with_exchange(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    libc = _FakeLibc()
    swap = emit.atomic_swap("linux", libc)
    assert swap is not None and swap(a, b) is True
    assert libc.calls == [(-100, os.fsencode(a), -100, os.fsencode(b), 2)]  # AT_FDCWD, EXCHANGE


@pytest.mark.parametrize("platform", ["linux", "darwin"])
def test_a_swap_the_file_system_lacks_is_false_and_other_errors_are_raised(
    tmp_path: Path, platform: str
) -> None:
    for err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
        swap = emit.atomic_swap(platform, _FakeLibc(fail=err))
        assert swap is not None and swap(tmp_path / "a", tmp_path / "b") is False
    swap = emit.atomic_swap(platform, _FakeLibc(fail=errno.EACCES))
    assert swap is not None
    with pytest.raises(OutputError) as failed:
        swap(tmp_path / "a", tmp_path / "b")
    assert (
        str(failed.value) == f"cannot swap {tmp_path / 'a'} into place: {os.strerror(errno.EACCES)}"
    )


def test_the_real_swap_reports_the_systems_error(tmp_path: Path) -> None:
    swap = emit.atomic_swap("linux")
    assert swap is not None
    (tmp_path / "a").mkdir()
    with pytest.raises(OutputError) as failed:
        swap(tmp_path / "a", tmp_path / "missing")
    assert (
        str(failed.value) == f"cannot swap {tmp_path / 'a'} into place: No such file or directory"
    )


def test_macos_finds_renamex_np_in_the_system_libc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(emit, "_system_libc", lambda: _FakeLibc())
    assert emit.atomic_swap("darwin") is not None
    assert emit.atomic_swap("linux") is not None


def test_replace_out_swaps_where_it_can_and_renames_twice_elsewhere(tmp_path: Path) -> None:
    def sites(n: int) -> tuple[Path, Path]:
        new, out = tmp_path / f"new{n}", tmp_path / "out"
        new.mkdir()
        (new / "index.html").write_text(f"site {n}")
        if n == 1:
            out.mkdir()
            (out / "index.html").write_text("site 0")
        return new, out

    new, out = sites(1)
    old = emit.replace_out(new, out, tmp_path / "aside", platform="linux")
    assert old == new and (old / "index.html").read_text() == "site 0"  # exchanged
    assert (out / "index.html").read_text() == "site 1" and not (tmp_path / "aside").exists()
    new, out = sites(2)
    old = emit.replace_out(new, out, tmp_path / "aside", platform="darwin")  # no renamex_np
    assert old == tmp_path / "aside" and (old / "index.html").read_text() == "site 1"
    assert (out / "index.html").read_text() == "site 2" and not new.exists()


def test_only_windows_tries_a_refused_rename_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Elsewhere a refused rename will not go away by waiting: the build fails at once, OUT
    as it was, without a second try even when the clock has not moved since the first (a coarse
    clock)."""
    new, out = tmp_path / "new", tmp_path / "out"
    new.mkdir()
    out.mkdir()
    (out / "index.html").write_text("old")
    refusals = refuse_renames(monkeypatch, emit, 1)
    sleeps: list[float] = []
    frozen = types.SimpleNamespace(monotonic=lambda: 100.0, sleep=sleeps.append)
    monkeypatch.setattr(emit, "time", frozen)
    with pytest.raises(PermissionError):
        emit.replace_out(new, out, tmp_path / "aside", platform="darwin")
    assert (out / "index.html").read_text() == "old" and new.is_dir()
    assert sleeps == [] and refusals == [0]


def test_no_swap_without_the_call_or_a_libc(monkeypatch: pytest.MonkeyPatch) -> None:
    assert emit.atomic_swap("linux", object()) is None  # glibc before 2.28
    assert emit.atomic_swap("darwin", object()) is None  # macOS before 10.12
    assert emit.atomic_swap("freebsd13") is None
    monkeypatch.setattr(emit.ctypes.util, "find_library", lambda name: None)
    assert emit.atomic_swap("linux") is None


def test_a_libc_that_cannot_be_loaded_gives_no_swap(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(name: str, use_errno: bool = False) -> object:
        raise OSError("cannot load")

    monkeypatch.setattr(emit.ctypes, "CDLL", refuse)
    assert emit.atomic_swap("linux") is None
    assert emit.atomic_swap("darwin") is None


def test_the_old_site_is_deleted_beside_the_caller_when_it_asks(
    tmp_path: Path, staging: Path
) -> None:
    """With ``removals``, emit leaves the old site's deletion to a process the caller joins (the
    build saves its cache meanwhile): OUT is the new site at once, the old one gone after."""
    out = tmp_path / "site"
    emit.emit_site(_site(*[_page(f"p{i}.html", "old") for i in range(50)]), out, staging=staging)
    removals: list[emit.Removal] = []
    emit.emit_site(_site(_page("a.html", "new")), out, staging=staging, removals=removals)
    assert _tree(out) == {
        emit.SITE_MARKER: b"This folder is a site built by garden.\n",
        "a.html": b"new",
    }
    assert len(removals) == 1 and removals[0].process is not None
    removals[0].join()
    assert removals[0].process.exitcode == 0
    assert list(staging.iterdir()) == []  # the old site (swapped into the staging folder) is gone


def test_a_removal_that_could_not_delete_everything_is_finished_by_join(tmp_path: Path) -> None:
    """The staging folder goes with the lock: what a killed or missing process left is deleted
    when the build joins it."""
    folder = tmp_path / "old"
    (folder / "d").mkdir(parents=True)
    (folder / "d" / "a.html").write_text("a")
    emit.Removal(folder, None).join()
    assert not folder.exists()
