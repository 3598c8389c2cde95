"""One build at a time into one OUT: an advisory ``flock`` on a file beside OUT.

A second build into the same OUT (a cron job overlapping a slow one, ``garden serve`` and a manual
``garden build``) would race on the staging folder and the swap. The lock is ``flock`` on
``.<OUT name>.garden-lock`` beside OUT rather than a PID file because the kernel drops a ``flock``
when its holder dies, even by SIGKILL or a power cut: a stale lock cannot exist, so there is nothing
to detect or clean up. The file itself is left in place on release; deleting it would let a waiter
lock the unlinked file while a newcomer locks a fresh one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from garden.errors import LockError

LOCK_SUFFIX = ".garden-lock"
_POLL = 0.05  # seconds between tries while waiting; flock has no timeout of its own


def lock_path(out: Path) -> Path:
    out = out.absolute()
    return out.parent / f".{out.name}{LOCK_SUFFIX}"


def _holder(fd: int) -> str:
    """The PID the current holder wrote, for the message only (never trusted for liveness)."""
    with contextlib.suppress(OSError, ValueError):
        text = os.pread(fd, 32, 0).decode("ascii").strip()
        if text.isdigit():
            return f" (pid {text})"
    return ""


@contextlib.contextmanager
def build_lock(out: Path, wait: float = 0.0) -> Iterator[Path]:
    """Hold the lock on ``out`` for the ``with`` block, waiting up to ``wait`` seconds for it.

    Raises ``LockError`` when another process still holds it after ``wait`` seconds.
    """
    path = lock_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    waited = f" after waiting {wait:g}s" if wait > 0 else ""
                    raise LockError(
                        f"another garden build is writing {out}{_holder(fd)}{waited}; "
                        "nothing was built (use --wait SECONDS to wait for it)"
                    ) from None
                time.sleep(_POLL)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the flock
