"""The lock on OUT, driven directly: its messages, what it writes, what it removes, and how each
system's primitive is called. (A real second process: tests/test_cli.py.)"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import sys
import types
from pathlib import Path

import pytest

from garden import lock
from garden.errors import LockError, OutputError


def test_the_staging_folder_is_beside_out_and_named_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert lock.staging_folder(tmp_path / "public") == tmp_path / ".public.garden-build"
    monkeypatch.chdir(tmp_path)
    assert lock.staging_folder(Path("site")) == tmp_path / ".site.garden-build"


def test_the_holder_writes_its_pid_and_a_second_build_is_told_who_holds_it(
    tmp_path: Path,
) -> None:
    out = tmp_path / "site"
    with lock.build_lock(out) as staging:
        assert (staging / lock.LOCK_NAME).read_text() == f"{os.getpid()}\n"
        with pytest.raises(LockError) as busy, lock.build_lock(out):
            pass
        assert str(busy.value) == (
            f"another garden build is writing {out} (pid {os.getpid()}); "
            "nothing was built (use --wait SECONDS to wait for it)"
        )
        with pytest.raises(LockError) as waited, lock.build_lock(out, wait=0.2):
            pass
        assert f"(pid {os.getpid()}) after waiting 0.2s; nothing was built" in str(waited.value)
        with pytest.raises(LockError) as negative, lock.build_lock(out, wait=-5):
            pass
        assert "after waiting" not in str(negative.value)
    assert list(tmp_path.iterdir()) == []


def test_a_lock_file_without_a_pid_names_no_holder(tmp_path: Path) -> None:
    out = tmp_path / "site"
    staging = lock.staging_folder(out)
    staging.mkdir()
    (staging / lock.LOCK_NAME).write_text("not a pid\n")
    fd = os.open(staging / lock.LOCK_NAME, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held by "another build"
        with pytest.raises(LockError) as busy, lock.build_lock(out):
            pass
        assert str(busy.value).startswith(f"another garden build is writing {out}; nothing")
    finally:
        os.close(fd)


@pytest.mark.parametrize("text", [b"\xff\xfe not ascii", b"12345\n"])
def test_a_pid_that_cannot_be_read_is_left_out_of_the_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: bytes
) -> None:
    out = tmp_path / "site"
    staging = lock.staging_folder(out)
    staging.mkdir()
    (staging / lock.LOCK_NAME).write_bytes(text)
    if text.startswith(b"1"):  # readable text, but reading fails

        def unreadable(fd: int, n: int) -> bytes:
            raise OSError(errno.EIO, "I/O error")

        monkeypatch.setattr(lock.os, "read", unreadable)
    fd = os.open(staging / lock.LOCK_NAME, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(LockError) as busy, lock.build_lock(out):
            pass
        assert str(busy.value).startswith(f"another garden build is writing {out}; nothing")
    finally:
        os.close(fd)


def test_a_stale_lock_file_is_taken_over_and_rewritten(tmp_path: Path) -> None:
    out = tmp_path / "site"
    staging = lock.staging_folder(out)
    staging.mkdir()
    (staging / lock.LOCK_NAME).write_text("999999999 and more text than a pid\n")
    with lock.build_lock(out):
        assert (staging / lock.LOCK_NAME).read_text() == f"{os.getpid()}\n"


def test_a_staging_folder_removed_while_opening_the_lock_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build before removed its staging folder just as this one opened the lock file."""
    real_open, misses = lock._open_lock_file, [1]

    def racing(folder: Path) -> int | None:
        if misses[0]:
            misses[0] -= 1
            return None  # as _open_lock_file says when the folder went away under it
        return real_open(folder)

    monkeypatch.setattr(lock, "_open_lock_file", racing)
    out = tmp_path / "site"
    with lock.build_lock(out) as staging:
        assert misses == [0] and (staging / lock.LOCK_NAME).read_text() == f"{os.getpid()}\n"
    assert list(tmp_path.iterdir()) == []


def test_a_lock_file_removed_by_its_last_holder_is_given_up_for_the_new_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file locked was unlinked by the build before (POSIX): closed, and the lock taken on
    the file now at the path."""
    real_same, stale, opened = lock._same_file, [1], []
    real_open = lock._open_lock_file

    def same_file(fd: int, path: Path) -> bool:
        if stale[0]:
            stale[0] -= 1
            return False
        return real_same(fd, path)

    def open_lock_file(folder: Path) -> int | None:
        opened.append(real_open(folder))
        return opened[-1]

    monkeypatch.setattr(lock, "_same_file", same_file)
    monkeypatch.setattr(lock, "_open_lock_file", open_lock_file)
    with lock.build_lock(tmp_path / "site") as staging:
        assert (staging / lock.LOCK_NAME).read_text() == f"{os.getpid()}\n"
        assert len(opened) == 2 and stale == [0]


def test_a_staging_folder_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("a file where OUT's parent should be")
    out = tmp_path / "file" / "site"
    with pytest.raises(OutputError) as failed, lock.build_lock(out):
        pass
    folder = tmp_path / "file" / ".site.garden-build"
    assert str(failed.value) == f"cannot make the staging folder {folder}: Not a directory"


def test_release_removes_what_the_build_left_but_never_follows_a_symlink(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("precious")
    out = tmp_path / "site"
    with lock.build_lock(out) as staging:
        (staging / "site" / "deep").mkdir(parents=True)
        (staging / "site" / "deep" / "a.html").write_text("half a site")
        (staging / "stray.txt").write_text("a file")
        os.symlink(mine, staging / "old")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]
    assert (mine / "thesis.tex").read_text() == "precious"


def test_a_file_the_release_cannot_delete_does_not_fail_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows refuses to delete a file another program holds open (a virus scan, an indexer):
    the build's site is in place all the same, the release deletes all it can, and the next
    build empties the staging folder."""
    real_unlink = os.unlink
    refused: list[str] = []

    def held(path: object, *args: object, **kwargs: object) -> None:
        name = os.fsdecode(path)  # type: ignore[arg-type]
        # "held.txt", and the first file of the half-written site, whichever rmtree takes first.
        if name == str(staging / "held.txt") or (kwargs.get("dir_fd") is not None and not refused):
            refused.extend([name] if kwargs.get("dir_fd") is not None else [])
            raise PermissionError(errno.EACCES, "held open")
        real_unlink(path, *args, **kwargs)  # type: ignore[arg-type]

    out = tmp_path / "site"
    with lock.build_lock(out) as staging:
        (staging / "site").mkdir()
        for i in range(5):
            (staging / "site" / f"{i}.html").write_text("a page")
        (staging / "held.txt").write_text("in use")
        (staging / "gone.txt").write_text("deleted")
        monkeypatch.setattr(os, "unlink", held)
    monkeypatch.undo()
    left = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*"))
    assert left == ["held.txt", "site", f"site/{refused[0]}"]
    with lock.build_lock(out):  # the next build takes the lock in the folder left behind
        pass
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("platform", "order"), [("linux", ["unlink", "close"]), ("win32", ["close", "unlink"])]
)
def test_the_lock_file_goes_while_held_on_posix_and_after_closing_on_windows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, platform: str, order: list[str]
) -> None:
    """POSIX may delete an open file: deleting it while still locked means no waiter can lock
    a file that is about to vanish. Windows may not: the holder closes it first."""
    msvcrt = types.SimpleNamespace(LK_NBLCK=2, locking=lambda fd, mode, nbytes: None)
    monkeypatch.setitem(__import__("sys").modules, "msvcrt", msvcrt)
    events: list[str] = []
    real_close, real_unlink = os.close, Path.unlink

    def close(fd: int) -> None:
        events.append("close")
        real_close(fd)

    def unlink(path: Path, missing_ok: bool = False) -> None:
        if path.name == lock.LOCK_NAME:
            events.append("unlink")
        real_unlink(path, missing_ok)

    with lock.build_lock(tmp_path / "site", platform=platform):
        monkeypatch.setattr(lock.os, "close", close)
        monkeypatch.setattr(Path, "unlink", unlink)
    monkeypatch.undo()
    assert events == order
    assert list(tmp_path.iterdir()) == []


class _Clock:
    """The lock's ``time``: a monotonic clock that moves only when the lock sleeps, so a test
    counts each try; it reads the same before and after a try, as a coarse clock often does
    (Windows' monotonic clock ticks every 15.6 ms before Python 3.13)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.mark.parametrize(("wait", "polls"), [(0, 0), (-5, 0), (0.25, 4)])
def test_a_second_build_tries_until_its_wait_is_over_and_no_longer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wait: float, polls: int
) -> None:
    """Without --wait (or with a negative one) a second build tries the lock once and gives up
    at once, even when the clock has not moved since it started; with --wait it tries again
    after each poll until the wait is over, and not once more."""
    out = tmp_path / "site"
    with lock.build_lock(out):
        clock = _Clock()
        monkeypatch.setattr(lock, "time", clock)
        monkeypatch.setattr(lock, "_POLL", 0.0625)  # a power of two: the sums are exact
        with pytest.raises(LockError) as busy, lock.build_lock(out, wait=wait):
            pass
        monkeypatch.undo()
    assert clock.sleeps == [0.0625] * polls
    waited = f" after waiting {wait:g}s" if polls else ""
    assert f"(pid {os.getpid()}){waited}; nothing was built" in str(busy.value)


def test_out_in_folders_not_made_yet_gets_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``garden build vault -o new/deeper/site``: the folders above OUT are made with the
    staging folder, and the lock file is opened at the first try."""
    real_open, tries = lock._open_lock_file, []

    def open_lock_file(folder: Path) -> int | None:
        tries.append(folder)
        assert len(tries) == 1, "the lock file could not be opened"
        return real_open(folder)

    monkeypatch.setattr(lock, "_open_lock_file", open_lock_file)
    out = tmp_path / "new" / "deeper" / "site"
    with lock.build_lock(out) as staging:
        assert staging == tmp_path / "new" / "deeper" / ".site.garden-build"
        assert (staging / lock.LOCK_NAME).read_text() == f"{os.getpid()}\n"
    assert list((tmp_path / "new" / "deeper").iterdir()) == []


def test_the_lock_file_is_read_write_for_its_owner_and_readable_by_others(tmp_path: Path) -> None:
    """Like the files of the site (under the usual umask 022): never executable, and only its
    owner may write in it."""
    umask = os.umask(0o022)
    try:
        with lock.build_lock(tmp_path / "site") as staging:
            mode = (staging / lock.LOCK_NAME).stat().st_mode & 0o777
    finally:
        os.umask(umask)
    assert oct(mode) == oct(0o644)


def test_a_system_without_o_cloexec_opens_the_lock_file_read_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows' ``os`` has no ``O_CLOEXEC``: the lock file is opened without it, still for
    reading and writing (the PID is written, and read back for a second build's message)."""
    monkeypatch.delattr(lock.os, "O_CLOEXEC")
    out = tmp_path / "site"
    with lock.build_lock(out) as staging:
        assert (staging / lock.LOCK_NAME).read_text() == f"{os.getpid()}\n"
        with pytest.raises(LockError, match=f"pid {os.getpid()}"), lock.build_lock(out):
            pass
    assert list(tmp_path.iterdir()) == []


def test_a_staging_folder_removed_during_the_build_does_not_fail_its_end(tmp_path: Path) -> None:
    """Something else removed the hidden folder beside OUT while the build ran (``git clean
    -fdx``, a clean-up of temporary files): the build still ends without an error, and leaves
    nothing beside OUT."""
    out = tmp_path / "site"
    with lock.build_lock(out) as staging:
        (staging / "site").mkdir()
        shutil.rmtree(staging)
    assert list(tmp_path.iterdir()) == []
    with lock.build_lock(out) as staging:  # and the next build locks OUT as ever
        assert (staging / lock.LOCK_NAME).read_text() == f"{os.getpid()}\n"


def test_on_windows_a_lock_file_a_waiter_has_open_is_left_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows refuses to delete a file another process has open: when a waiting build has the
    lock file open as the holder ends, the holder's build ends without an error and leaves the
    file and its folder to the waiter, which removes them when it ends."""
    msvcrt = types.SimpleNamespace(LK_NBLCK=2, locking=lambda fd, mode, nbytes: None)
    monkeypatch.setitem(sys.modules, "msvcrt", msvcrt)
    out = tmp_path / "site"
    real_unlink = os.unlink
    with lock.build_lock(out, platform="win32") as staging:
        lock_file = staging / lock.LOCK_NAME
        waiter = os.open(lock_file, os.O_RDWR)

        def windows_unlink(path: object, *args: object, **kwargs: object) -> None:
            if os.fsdecode(path) == str(lock_file):  # type: ignore[arg-type]
                raise PermissionError(errno.EACCES, "in use by another process")
            real_unlink(path, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(os, "unlink", windows_unlink)
    monkeypatch.setattr(os, "unlink", real_unlink)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.garden-build"]
    assert [p.name for p in staging.iterdir()] == [lock.LOCK_NAME]
    os.close(waiter)
    with lock.build_lock(out, platform="win32"):  # the waiter's build
        pass
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("then", ["folder removed", "new file made"])
def test_a_lock_got_on_a_file_the_last_holder_removed_is_given_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, then: str
) -> None:
    """The build before ended between this one's opening the lock file and locking it (POSIX:
    it removes the file while still holding it). The file this build locked is then one no
    other build can see: it must lock the file at the path instead (made again if the folder
    went too), or a third build would get in beside it."""
    real_open, opened = lock._open_lock_file, []

    def open_then_lose_it(folder: Path) -> int | None:
        fd = real_open(folder)
        if not opened:  # the last holder's release, just after this open
            (folder / lock.LOCK_NAME).unlink()
            if then == "folder removed":
                folder.rmdir()
            else:  # a third build has opened the path again since
                (folder / lock.LOCK_NAME).write_text("")
        opened.append(fd)
        return fd

    monkeypatch.setattr(lock, "_open_lock_file", open_then_lose_it)
    out = tmp_path / "site"
    with lock.build_lock(out) as staging:
        assert len(opened) == 2
        assert (staging / lock.LOCK_NAME).read_text() == f"{os.getpid()}\n"
        with pytest.raises(LockError, match=f"pid {os.getpid()}"), lock.build_lock(out):
            pass
    assert list(tmp_path.iterdir()) == []


# -- each system's primitive -----------------------------------------------------------------------
class _Fcntl(types.SimpleNamespace):
    """``fcntl.flock`` that records its calls and raises what it is told to."""

    def __init__(self, raises: BaseException | None = None) -> None:
        super().__init__(LOCK_EX=fcntl.LOCK_EX, LOCK_NB=fcntl.LOCK_NB, calls=[], raises=raises)

    def flock(self, fd: int, operation: int) -> None:
        self.calls.append((fd, operation))
        if self.raises is not None:
            raise self.raises


def test_flock_is_exclusive_and_does_not_block() -> None:
    fake = _Fcntl()
    assert lock._Flock(fake).try_lock(7) is True  # type: ignore[arg-type]
    assert fake.calls == [(7, fcntl.LOCK_EX | fcntl.LOCK_NB)]


@pytest.mark.parametrize(
    "raised",
    [BlockingIOError(), OSError(errno.EACCES, "held"), OSError(errno.EAGAIN, "held")],
)
def test_flock_held_by_another_process_is_false(raised: OSError) -> None:
    assert lock._Flock(_Fcntl(raised)).try_lock(7) is False  # type: ignore[arg-type]


def test_flock_failing_otherwise_is_an_error() -> None:
    with pytest.raises(OSError, match="disk"):
        lock._Flock(_Fcntl(OSError(errno.EIO, "disk"))).try_lock(7)  # type: ignore[arg-type]


def test_msvcrt_locks_one_byte_past_the_pid_and_does_not_block(tmp_path: Path) -> None:
    calls: list[tuple[int, int, int, int]] = []

    def locking(fd: int, mode: int, nbytes: int) -> None:
        calls.append((fd, os.lseek(fd, 0, os.SEEK_CUR), mode, nbytes))
        if len(calls) > 1:
            raise PermissionError(errno.EACCES, "held")

    fake = types.SimpleNamespace(LK_NBLCK=2, locking=locking)
    fd = os.open(tmp_path / "lock", os.O_RDWR | os.O_CREAT)
    try:
        assert lock._Msvcrt(fake).try_lock(fd) is True  # type: ignore[arg-type]
        assert lock._Msvcrt(fake).try_lock(fd) is False  # type: ignore[arg-type]
    finally:
        os.close(fd)
    assert calls == [(fd, 1 << 30, 2, 1)] * 2


def test_each_system_gets_its_primitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "msvcrt", types.ModuleType("msvcrt"))
    windows, posix = lock._backend("win32"), lock._backend("linux")
    assert isinstance(windows, lock._Msvcrt) and not windows.deletes_open_files
    assert isinstance(posix, lock._Flock) and posix.deletes_open_files
    assert posix.fcntl is fcntl
    assert isinstance(lock._backend("darwin"), lock._Flock)
