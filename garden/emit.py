"""Write the site: the only module that writes files.

Everything goes into a staging folder beside OUT, which is swapped in only when complete, so a
build that fails or is killed leaves OUT exactly as it was (on Linux the swap is one atomic
``renameat2(RENAME_EXCHANGE)``; elsewhere two renames). OUT is refused when it is the vault, inside
it, contains it, is ``/`` or the home folder, or is a non-empty folder garden did not create.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from garden.cache import RACY_NS, content_identity
from garden.errors import OutputError
from garden.model import Site
from garden.paths import is_inside

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


def _clean_dead_staging(out: Path) -> None:
    """Remove staging folders left by builds that were killed (their process is gone)."""
    prefix = f".{out.name}{_STAGING_TAG}"
    for entry in out.parent.glob(prefix + "*"):
        pid_text = entry.name[len(prefix) :].split("-", 1)[0]
        if not pid_text.isdigit() or not entry.is_dir() or entry.is_symlink():
            continue
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            shutil.rmtree(entry, ignore_errors=True)
        except PermissionError:
            pass  # alive, someone else's


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
        if isinstance(html, str):
            data = html.encode("utf-8")
            yield page.out_path, page.identity or content_identity(data), _bytes_writer(data)
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


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where the system cannot."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OutputError(f"cannot swap {a} into place: {os.strerror(err)}")


def emit_site(
    site: Site, out: Path, previous: Mapping[str, str] | None = None, *, in_place: bool = False
) -> dict[str, str]:
    """Write ``site`` to ``out`` atomically; return the identity of every file written.

    ``previous``: the identities the last build returned, when OUT is still that build's site;
    files that did not change are then hard-linked from OUT rather than written again.
    ``in_place``: with ``previous``, write only what changed straight into OUT (the preview)."""
    out = out.absolute()
    if in_place and previous is not None and out.is_dir():
        return _update_in_place(site, out, previous)
    out.parent.mkdir(parents=True, exist_ok=True)
    _clean_dead_staging(out)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{out.name}{_STAGING_TAG}{os.getpid()}-", dir=out.parent)
    )
    try:
        old_out = out if previous is not None and out.is_dir() else None
        identities = _write_all(site, staging, old_out, previous or {})
        os.chmod(staging, 0o755)  # mkdtemp makes it private; a served site must be readable
        if not out.exists():
            os.rename(staging, out)
            return identities
        if not _exchange(staging, out):
            old = staging.with_name(staging.name + "-old")
            os.rename(out, old)
            os.rename(staging, out)
            staging = old
        shutil.rmtree(staging)  # now holds the previous site
        return identities
    except BaseException:
        with contextlib.suppress(OSError):
            if staging.exists() and staging != out:
                shutil.rmtree(staging)
        raise
