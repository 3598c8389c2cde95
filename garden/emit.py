"""Write the site: the only module that writes files.

Everything goes into the staging folder beside OUT that the build holds the lock on
(``lock.build_lock``), and is swapped in only when complete, so a build that fails or is killed
leaves OUT exactly as it was. The swap is one atomic exchange where the system has one
(``renameat2(RENAME_EXCHANGE)`` on Linux, ``renamex_np(RENAME_SWAP)`` on macOS); elsewhere
(Windows) OUT is renamed aside and the new site renamed in. OUT is refused when it is the vault,
inside it, contains it, is ``/`` or the home folder, or is a non-empty folder garden did not
create.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import shutil
import stat
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from garden.cache import RACY_NS, content_identity
from garden.errors import OutputError
from garden.model import Site
from garden.parallel import start_context
from garden.paths import is_inside
from garden.stop_points import stop_point

SITE_MARKER = ".garden-site"
_STAGING_TAG = ".garden-tmp-"
_MARKER_TEXT = "This folder is a site built by garden.\n"


def check_output_dir(vault: Path, out: Path) -> None:
    vault = vault.resolve()
    target = out.resolve()
    home = Path.home().resolve()
    if target == Path(target.anchor):
        raise OutputError(f"refusing to write the site to the root folder {target}")
    if target == home:
        raise OutputError(f"refusing to write the site to your home folder {target}")
    if is_inside(target, vault):
        raise OutputError(f"refusing to write the site to {target}: it is inside the vault {vault}")
    if is_inside(vault, target):
        raise OutputError(f"refusing to write the site to {target}: it contains the vault {vault}")
    if target.exists() and not target.is_dir():
        raise OutputError(f"{target} exists and is not a folder")
    if target.is_dir() and not (target / SITE_MARKER).exists() and any(target.iterdir()):
        raise OutputError(
            f"{target} is not empty and was not made by garden ({SITE_MARKER} missing); "
            "choose an empty or new folder so nothing of yours is replaced"
        )


def _safe_dest(staging: Path, rel: str) -> Path:
    dest = staging / rel
    if ".." in Path(rel).parts or Path(rel).is_absolute():
        raise OutputError(f"refusing to write {rel!r}: it would leave the output folder")
    return dest


def _source_identity(source: Path) -> str:
    st = os.stat(source)
    if time.time_ns() - st.st_mtime_ns < RACY_NS:  # may change again within its mtime tick
        return "racy"
    return f"file:{source}:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}:{st.st_ctime_ns}"


Writer = Callable[[Path], object]


def _files(site: Site) -> Iterator[tuple[str, str, Writer]]:
    """Every file of the site: (OUT path, identity, how to write it). The identity is a content
    hash, or the source's stat for a copy; "racy" when that stat cannot be trusted."""
    for page in site.pages:
        html = page.html
        if isinstance(html, bytes):
            yield page.out_path, page.identity or content_identity(html), _bytes_writer(html)
        else:  # the last build's page, drawn again only if OUT no longer has it
            yield (
                page.out_path,
                page.identity,
                lambda dest, draw=html: dest.write_bytes(  # type: ignore[misc]
                    draw().encode("utf-8")
                ),
            )
    for rel, data in site.data.items():
        yield rel, content_identity(data), _bytes_writer(data)
    for copied in site.files:
        src = copied.source
        yield (
            copied.out_path,
            copied.identity or _source_identity(src),
            lambda dest, src=src: shutil.copyfile(src, dest),  # type: ignore[misc]
        )
    if site.variants:  # the image stage turns them into files before emit
        raise OutputError(f"{len(site.variants)} image variants were never made")


def _bytes_writer(data: bytes) -> Writer:
    return lambda dest: dest.write_bytes(data)


def _write_all(
    site: Site, staging: Path, old_out: Path | None, previous: Mapping[str, str]
) -> dict[str, str]:
    """Write every file into ``staging``; return each file's identity. A file whose identity is
    the one it had in ``old_out`` (the site being replaced) is hard-linked from there instead of
    written again."""
    made: set[Path] = set()
    identities: dict[str, str] = {}
    for rel, identity, write in _files(site):
        dest = _safe_dest(staging, rel)
        if dest.parent not in made:
            dest.parent.mkdir(parents=True, exist_ok=True)
            made.add(dest.parent)
        identities[rel] = identity
        if old_out is not None and identity != "racy" and previous.get(rel) == identity:
            old = old_out / rel
            with contextlib.suppress(OSError):
                if stat.S_ISREG(os.lstat(old).st_mode):  # never follow a planted symlink
                    os.link(old, dest, follow_symlinks=False)
                    continue
        write(dest)
    (staging / SITE_MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
    return identities


def _update_in_place(site: Site, out: Path, previous: Mapping[str, str]) -> dict[str, str]:
    """Bring OUT (the site whose identities are ``previous``) up to ``site`` by writing only the
    files that changed, each atomically, and removing those that went away. For the preview
    (``garden serve``), where a rebuild must show in a fraction of a second: a build killed
    half-way leaves a mix of two sites, which the next build mends."""
    root = out.resolve()
    # A new marker first: should this build die half-way, the next one sees an OUT that is not
    # the site its cache describes, and rebuilds it whole.
    marker = out / SITE_MARKER
    marker.with_name(SITE_MARKER + ".new").write_text(_MARKER_TEXT, encoding="utf-8")
    os.replace(marker.with_name(SITE_MARKER + ".new"), marker)
    stop_point("emit-updating")
    identities: dict[str, str] = {}
    for rel, identity, write in _files(site):
        identities[rel] = identity
        if identity != "racy" and previous.get(rel) == identity:
            with contextlib.suppress(OSError):
                if stat.S_ISREG(os.lstat(os.path.join(out, rel)).st_mode):
                    continue
        dest = _safe_dest(out, rel)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not is_inside(dest.parent.resolve(), root):  # a folder in OUT replaced by a symlink
            raise OutputError(f"refusing to write {rel!r}: its folder leads out of {out}")
        tmp = dest.with_name(f".{dest.name}{_STAGING_TAG}{os.getpid()}")
        write(tmp)
        os.replace(tmp, dest)
    stop_point("emit-updated")
    for rel in previous.keys() - identities.keys():
        gone = _safe_dest(out, rel)
        with contextlib.suppress(OSError):
            gone.unlink()
        folder = gone.parent
        while folder != out and is_inside(folder, out):
            try:
                folder.rmdir()  # only when empty
            except OSError:
                break
            folder = folder.parent
    return identities


# -- replacing OUT ---------------------------------------------------------------------------------
# ``Swap(a, b)`` exchanges two paths atomically: True when done, False when this file system cannot
# (nothing was changed then). Raises OutputError on any other failure.
Swap = Callable[[Path, Path], bool]
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2  # Linux renameat2 flag
_RENAME_SWAP = 2  # macOS renamex_np flag
_UNSUPPORTED = (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV)
# Windows: a file in OUT held open by another program (a web server, Explorer, an antivirus
# scan) makes renaming OUT fail for a moment; try again for this long before giving up.
WINDOWS_RENAME_RETRY_SECONDS = 5.0


def _system_libc() -> Any:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        return ctypes.CDLL(name, use_errno=True)
    except OSError:
        return None


def _checked(call: Callable[[], int], a: Path) -> bool:
    if call() == 0:
        return True
    err = ctypes.get_errno()
    if err in _UNSUPPORTED:
        return False
    raise OutputError(f"cannot swap {a} into place: {os.strerror(err)}")


def atomic_swap(platform: str = sys.platform, libc: Any = None) -> Swap | None:
    """The system's atomic exchange of two folders: ``renameat2(RENAME_EXCHANGE)`` on Linux
    (3.15+, glibc 2.28+), ``renamex_np(RENAME_SWAP)`` on macOS (10.12+); None elsewhere (Windows
    has none for folders). ``libc``: for tests of the other systems."""
    if platform.startswith("linux"):
        libc = libc if libc is not None else _system_libc()
        renameat2 = getattr(libc, "renameat2", None)
        if renameat2 is None:
            return None
        return lambda a, b: _checked(
            lambda: renameat2(
                _AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE
            ),
            a,
        )
    if platform == "darwin":
        libc = libc if libc is not None else _system_libc()
        renamex_np = getattr(libc, "renamex_np", None)
        if renamex_np is None:
            return None
        return lambda a, b: _checked(
            lambda: renamex_np(os.fsencode(a), os.fsencode(b), _RENAME_SWAP), a
        )
    return None


def _rename(source: Path, dest: Path, retry_seconds: float) -> None:
    deadline = time.monotonic() + retry_seconds
    while True:
        try:
            os.rename(source, dest)
            return
        except PermissionError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def _two_renames(new: Path, out: Path, aside: Path, retry_seconds: float) -> Path:
    """OUT renamed aside, the new site renamed in: a reader may find no OUT for the moment in
    between. If the second rename fails, the old site is put back. Returns the old site's path."""
    _rename(out, aside, retry_seconds)
    stop_point("emit-renamed-aside")
    try:
        _rename(new, out, retry_seconds)
    except BaseException:
        os.rename(aside, out)
        raise
    return aside


def replace_out(new: Path, out: Path, aside: Path, platform: str = sys.platform) -> Path:
    """Put the complete site ``new`` in OUT's place; return where the old site now is (to be
    deleted). ``aside``: a free path beside ``new`` for the old site when no atomic swap exists."""
    swap = atomic_swap(platform)
    if swap is not None and swap(new, out):
        return new
    retry = WINDOWS_RENAME_RETRY_SECONDS if platform == "win32" else 0.0
    return _two_renames(new, out, aside, retry)


_NEW, _OLD = "site", "old"


def reclaim_staging(out: Path, staging: Path) -> None:
    """Called with the lock held, before anything is built: a build killed between the two
    renames of ``_two_renames`` left no OUT and the old site in the staging folder, which goes
    back in place; anything else a killed build left in the staging folder is deleted."""
    out = out.absolute()
    old = staging / _OLD
    if old.is_dir() and not old.is_symlink() and not os.path.lexists(out):
        os.rename(old, out)
    for name in (_NEW, _OLD):
        leftover = staging / name
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover)
        elif os.path.lexists(leftover):
            leftover.unlink()


class Removal:
    """A folder being deleted by a process of its own (``start``), done when ``join`` returns:
    in a thread, each file deleted would wait for the interpreter's lock while the build's
    process works (saving its cache), and the deletion would crawl until that work ended."""

    def __init__(self, folder: Path, process: BaseProcess | None) -> None:
        self.folder = folder
        self.process = process

    @classmethod
    def start(cls, folder: Path) -> Removal:
        context: Any = start_context()  # its Process is the start method's own class
        process: BaseProcess = context.Process(
            target=shutil.rmtree, args=(str(folder),), kwargs={"ignore_errors": True}
        )
        try:
            process.start()
        except OSError:  # no process to be had: ``join`` deletes the folder
            return cls(folder, None)
        return cls(folder, process)

    def join(self) -> None:
        if self.process is not None:
            self.process.join()
        # Whatever the process left (it was killed, or never started): the staging folder
        # must be empty when the lock goes.
        shutil.rmtree(self.folder, ignore_errors=True)


def emit_site(
    site: Site,
    out: Path,
    previous: Mapping[str, str] | None = None,
    *,
    staging: Path,
    in_place: bool = False,
    removals: list[Removal] | None = None,
) -> dict[str, str]:
    """Write ``site`` to ``out`` atomically; return the identity of every file written.

    ``staging``: the folder beside OUT this build holds the lock on (``lock.build_lock``); the
    new site is written in it and then swapped in for OUT.
    ``previous``: the identities the last build returned, when OUT is still that build's site;
    files that did not change are then hard-linked from OUT rather than written again.
    ``in_place``: with ``previous``, write only what changed straight into OUT (the preview).
    ``removals``: given, the old site (swapped out of OUT, into the staging folder) is deleted
    by a ``Removal`` added to it, while the caller goes on; the caller joins it before it lets
    the lock go. Deleting tens of thousands of files can take as long as writing them, and the
    build has other work meanwhile (saving its cache)."""
    out = out.absolute()
    if in_place and previous is not None and out.is_dir():
        return _update_in_place(site, out, previous)
    new = staging / _NEW
    new.mkdir(parents=True)
    try:
        stop_point("emit-writing")
        old_out = out if previous is not None and out.is_dir() else None
        identities = _write_all(site, new, old_out, previous or {})
        stop_point("emit-written")
        if not out.exists():
            os.rename(new, out)
            return identities
        # The previous site. Windows may refuse to delete a file a program holds open: the site
        # is in place all the same, and whatever stays goes with the staging folder or next time.
        old = replace_out(new, out, staging / _OLD)
        stop_point("emit-swapped")
        if removals is None:
            shutil.rmtree(old, ignore_errors=True)
        else:
            removals.append(Removal.start(old))
        return identities
    except BaseException:
        with contextlib.suppress(OSError):
            if new.exists():
                shutil.rmtree(new)
        raise
