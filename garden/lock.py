"""One build at a time into one OUT, and the staging folder that build writes in.

A second build into the same OUT (a cron job overlapping a slow one, ``garden serve`` and a manual
``garden build``) would race on the staging folder and the swap. The lock is an advisory lock on
a file inside the build's staging folder ``.<OUT name>.garden-build/`` beside OUT: the one place
outside OUT a build may write while it runs, and the same for every build into OUT whatever its
cache folder or user. When the build ends the lock file and the folder are removed, so nothing of
garden's is left beside OUT.

The lock is ``flock`` (Linux, macOS) or ``msvcrt.locking`` (Windows), chosen at run time: the
system drops either when its holder dies, even by SIGKILL or a power cut, so a stale lock cannot
exist and there is nothing to detect. A killed build leaves its staging folder; the next build
takes the lock in it and empties it.

Removing a lock file while others wait on it needs care. On POSIX the holder unlinks the file
before closing it, and a waiter that then gets the lock checks that the path still names the file
it locked (else it starts again on the new one). Windows refuses to delete a file another process
has open, so there the holder closes first and then deletes: a waiter that opened it in between
makes the delete fail and simply owns the lock (and the cleanup) next.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from garden.errors import LockError, OutputError
from garden.stop_points import stop_point

STAGING_SUFFIX = ".garden-build"
LOCK_NAME = "lock"
_POLL = 0.05  # seconds between tries while waiting; neither lock has a timeout of its own
# msvcrt locks are mandatory: lock a byte far past the PID text so others can still read it.
_WINDOWS_LOCK_OFFSET = 1 << 30


def staging_folder(out: Path) -> Path:
    """The folder beside OUT that a build into OUT writes in (and locks) while it runs."""
    out = out.absolute()
    return out.parent / f".{out.name}{STAGING_SUFFIX}"


class _Flock:
    """POSIX: ``flock`` on the whole file; an open file can be unlinked."""

    deletes_open_files = True

    def __init__(self, fcntl: ModuleType) -> None:
        self.fcntl = fcntl

    def try_lock(self, fd: int) -> bool:
        try:
            self.fcntl.flock(fd, self.fcntl.LOCK_EX | self.fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EAGAIN):
                return False
            raise
        return True


class _Msvcrt:
    """Windows: ``msvcrt.locking`` on one byte; an open file cannot be deleted."""

    deletes_open_files = False

    def __init__(self, msvcrt: ModuleType) -> None:
        self.msvcrt = msvcrt

    def try_lock(self, fd: int) -> bool:
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            self.msvcrt.locking(fd, self.msvcrt.LK_NBLCK, 1)
        except OSError:  # PermissionError (EACCES) or EDEADLOCK: held by another process
            return False
        return True


def _backend(platform: str = sys.platform) -> _Flock | _Msvcrt:
    """The lock primitive of this system, imported only where it exists."""
    if platform == "win32":
        import msvcrt

        return _Msvcrt(msvcrt)
    import fcntl

    return _Flock(fcntl)


def _holder(fd: int) -> str:
    """The PID the current holder wrote, for the message only (never trusted for liveness)."""
    with contextlib.suppress(OSError, ValueError):
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 32).decode("ascii").strip()
        if text.isdigit():
            return f" (pid {text})"
    return ""


def _same_file(fd: int, path: Path) -> bool:
    """Whether ``path`` still names the open file ``fd`` (its holder may have removed it)."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    mine = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)


def _open_lock_file(folder: Path) -> int | None:
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return os.open(folder / LOCK_NAME, flags, 0o644)
    except FileNotFoundError:  # the last holder removed the folder just now: try again
        return None
    except OSError as exc:  # OUT's parent is not writable, say
        raise OutputError(f"cannot make the staging folder {folder}: {exc.strerror}") from None


def _acquire(out: Path, folder: Path, wait: float, backend: _Flock | _Msvcrt) -> int:
    """The open lock file, locked, with this process's PID written in it."""
    deadline = time.monotonic() + max(wait, 0.0)
    while True:
        fd = _open_lock_file(folder)
        if fd is None:
            continue
        if backend.try_lock(fd):
            if _same_file(fd, folder / LOCK_NAME):
                os.ftruncate(fd, 0)
                os.lseek(fd, 0, os.SEEK_SET)
                os.write(fd, f"{os.getpid()}\n".encode("ascii"))
                return fd
            os.close(fd)  # locked a file its holder had removed: take the new one
            continue
        holder = _holder(fd)
        os.close(fd)  # not held open between tries: Windows could not delete it otherwise
        if time.monotonic() >= deadline:
            waited = f" after waiting {wait:g}s" if wait > 0 else ""
            raise LockError(
                f"another garden build is writing {out}{holder}{waited}; "
                "nothing was built (use --wait SECONDS to wait for it)"
            )
        stop_point("lock-waiting")
        time.sleep(_POLL)


def _release(fd: int, folder: Path, backend: _Flock | _Msvcrt) -> None:
    """Empty and remove the staging folder, then give up the lock (see the module's notes)."""
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            if entry.name != LOCK_NAME:
                _remove(entry)
    lock_file = folder / LOCK_NAME
    if backend.deletes_open_files:
        with contextlib.suppress(OSError):
            lock_file.unlink()
        os.close(fd)
    else:
        os.close(fd)
        with contextlib.suppress(OSError):  # a waiter has it open: the lock is now theirs
            lock_file.unlink()
    with contextlib.suppress(OSError):
        folder.rmdir()  # only when empty: not when a waiter has made its lock file


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


@contextlib.contextmanager
def build_lock(out: Path, wait: float = 0.0, *, platform: str = sys.platform) -> Iterator[Path]:
    """Hold the lock on ``out`` for the ``with`` block, waiting up to ``wait`` seconds for it.

    Yields the staging folder, which this build alone uses until the block ends; whatever a
    killed build left in it is the caller's to clean. Raises ``LockError`` when another process
    still holds the lock after ``wait`` seconds. ``platform``: for tests of the other systems.
    """
    backend = _backend(platform)
    folder = staging_folder(out)
    fd = _acquire(out, folder, wait, backend)
    try:
        yield folder
    finally:
        _release(fd, folder, backend)
