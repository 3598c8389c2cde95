"""Where garden keeps things outside OUT: its cache, in the user's cache folder.

The cache folder is ``$XDG_CACHE_HOME/garden`` when that variable is set (on every system, so a
CI job or a test can point it anywhere), else the platform's: ``~/.cache/garden`` on Linux,
``~/Library/Caches/garden`` on macOS, ``%LOCALAPPDATA%\\garden`` on Windows (platformdirs knows
each). The config key ``cache_dir`` or ``--cache-dir`` moves it. In it::

    CACHEDIR.TAG                   marks a cache for backup tools (bford.info/cachedir)
    sites/<vault>-<hash>/          one folder per (vault, OUT) pair:
        site.json                      its vault and OUT, when last built (``garden cache info``)
        build/                         the build cache (``garden.cache``)
        images.json                    the images this site used, and their header facts
    images/store/ab/<key>.webp     image variants, by content: shared by every site
    serve/<vault>-<hash>/site      ``garden serve``'s site when it is given no ``-o``

Nothing in it is needed: deleting any of it (``garden cache clean``) makes the next build slower,
never different.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from garden import __version__
from garden.errors import OutputError
from garden.paths import is_inside, slugify_segment

APP = "garden"
SITES = "sites"
IMAGES = "images"
SERVE = "serve"
SITE_INFO = "site.json"
CACHEDIR_TAG = "CACHEDIR.TAG"
_TAG_TEXT = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file marks garden's cache folder: backup tools may skip it.\n"
    "# garden makes everything in it again when it is missing.\n"
)
# What ``garden cache clean`` may delete in a cache folder: only the names garden gives, so a
# --cache-dir pointing at a folder of the user's own loses nothing else.
OWN_NAMES = (SITES, IMAGES, SERVE, CACHEDIR_TAG)


def _platform_dirs(platform: str) -> type[platformdirs.PlatformDirsABC]:
    if platform == "win32":
        from platformdirs.windows import Windows

        return Windows
    if platform == "darwin":
        from platformdirs.macos import MacOS

        return MacOS
    from platformdirs.unix import Unix

    return Unix


def user_cache_root(platform: str = sys.platform, environ: Mapping[str, str] = os.environ) -> Path:
    """garden's folder in the user's cache folder (see the module's notes). ``platform`` and
    ``environ``: for tests of the other systems."""
    xdg = environ.get("XDG_CACHE_HOME", "")
    if xdg and os.path.isabs(xdg):  # the XDG spec: a relative value is to be ignored
        return Path(xdg) / APP
    dirs = _platform_dirs(platform)
    return Path(dirs(appname=APP, appauthor=False, opinion=False).user_cache_dir)


def cache_root(configured: Path | None = None) -> Path:
    """The cache folder: ``configured`` (``--cache-dir`` or the config's ``cache_dir``, made
    absolute by the caller), else the user's."""
    return configured.absolute() if configured is not None else user_cache_root()


def _named(path: Path, *parts: str | os.PathLike[str]) -> str:
    """``<folder name>-<hash>``: readable in a listing, unique by the full paths."""
    digest = hashlib.sha256(repr([os.fsdecode(p) for p in parts]).encode("utf-8", "surrogatepass"))
    name = slugify_segment(path.name or APP)[:40]
    return f"{name}-{digest.hexdigest()[:16]}"


def serve_out(vault: Path, root: Path | None = None) -> Path:
    """Where ``garden serve`` builds without ``-o``: a folder per vault in the cache folder.

    Not ``public/``: a preview must never replace the site being published. Not a temporary
    folder: the build cache then survives restarts. Never inside the vault (check_output_dir
    refuses that, and Obsidian would index the pages)."""
    vault = vault.resolve()
    root = root if root is not None else user_cache_root()
    return root / SERVE / _named(vault, vault) / "site"


@dataclass(frozen=True)
class SiteCache:
    """The cache of one (vault, OUT) pair, and the image store it shares."""

    root: Path
    folder: Path

    @property
    def build(self) -> Path:
        return self.folder / "build"

    @property
    def images_manifest(self) -> Path:
        return self.folder / "images.json"

    @property
    def image_store(self) -> Path:
        return self.root / IMAGES / "store"

    def manifests(self) -> Iterator[Path]:
        """The image manifests of every site in this cache folder."""
        yield from (self.root / SITES).glob(f"*/{self.images_manifest.name}")

    def prepare(self) -> None:
        """Make the folders, readable by their owner only: the build state names every note,
        published or not (titles, links, front matter)."""
        fresh = not self.root.exists()
        self.folder.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            for folder in (self.root / SITES, self.folder):
                os.chmod(folder, 0o700)
            if fresh:
                os.chmod(self.root, 0o700)
        tag = self.root / CACHEDIR_TAG
        if not tag.exists():
            with contextlib.suppress(OSError):
                tag.write_text(_TAG_TEXT, encoding="utf-8")

    def record(self, vault: Path, out: Path) -> None:
        """Say whose cache this is, for ``garden cache info``."""
        info = {
            "vault": str(vault),
            "out": str(out),
            "garden": __version__,
            "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        tmp = self.folder / f".{SITE_INFO}.{os.getpid()}.tmp"
        with contextlib.suppress(OSError):
            tmp.write_text(json.dumps(info, indent=1), encoding="utf-8")
            os.replace(tmp, self.folder / SITE_INFO)


def is_garden_cache(root: Path) -> bool:
    """Whether ``root`` is garden's to write in and clean: missing, empty, marked by garden's
    CACHEDIR.TAG, or holding nothing but the names garden gives (an older garden's cache)."""
    try:
        names = {p.name for p in root.iterdir()}
    except FileNotFoundError:
        return True
    except NotADirectoryError:
        return False
    with contextlib.suppress(OSError):
        if (root / CACHEDIR_TAG).read_text(encoding="utf-8") == _TAG_TEXT:
            return True
    return names <= set(OWN_NAMES)


def site_cache(root: Path, vault: Path, out: Path) -> SiteCache:
    """The cache of building ``vault`` into ``out`` under ``root``. Refused when it would be
    inside OUT (the site swap would delete it) or the vault (it would be published; a dot-folder
    of the vault is fine, as nothing in it is), or would contain either; and when ``root`` holds
    files garden did not make (``cache_dir`` naming a folder of the user's: ``garden cache
    clean`` must never delete their files, nor backup tools skip them for garden's tag)."""
    if not is_garden_cache(root):
        raise OutputError(
            f"refusing the cache folder {root}: it holds files garden did not make "
            f"({CACHEDIR_TAG} missing); choose an empty or new folder"
        )
    vault, out = vault.resolve(), out.resolve()
    cache = SiteCache(root, root / SITES / _named(vault, vault, out))
    for mine in (cache.folder, cache.image_store):
        mine = mine.resolve()
        if is_inside(mine, vault) and _in_dot_folder(mine, vault):
            continue  # never read nor published: a CI job caches a folder inside its checkout
        for other, what in ((out, "output folder"), (vault, "vault")):
            if is_inside(mine, other) or is_inside(other, mine):
                raise OutputError(f"refusing the cache folder {root}: it overlaps the {what}")
    return cache


def _in_dot_folder(path: Path, vault: Path) -> bool:
    """Inside a dot-folder of the vault (``.cache/``), which garden never reads or publishes and
    Obsidian does not index. Never OUT: OUT may not be inside the vault at all."""
    return any(part.startswith(".") for part in path.relative_to(vault).parts)


# -- garden cache info | clean -----------------------------------------------------------------
@dataclass(frozen=True)
class CachedSite:
    folder: Path
    vault: str  # "" when unknown (a site.json that could not be read)
    out: str
    built: str
    size: int


def folder_size(folder: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(dirpath, name)).st_size
    return total


def cached_sites(root: Path) -> list[CachedSite]:
    """Every site cached under ``root``, by vault then OUT."""
    sites = []
    for folder in sorted((root / SITES).glob("*/")):
        info: dict[str, Any] = {}
        with contextlib.suppress(OSError, ValueError):
            info = json.loads((folder / SITE_INFO).read_text(encoding="utf-8"))
        sites.append(
            CachedSite(
                folder,
                str(info.get("vault", "")),
                str(info.get("out", "")),
                str(info.get("built", "")),
                folder_size(folder),
            )
        )
    return sorted(sites, key=lambda s: (s.vault, s.out, s.folder.name))


def previews(root: Path) -> list[tuple[Path, int]]:
    """``garden serve``'s sites in ``root``, with their sizes."""
    return [(p, folder_size(p)) for p in sorted((root / SERVE).glob("*/"))]


def remove_site(site: CachedSite) -> None:
    shutil.rmtree(site.folder, ignore_errors=True)


def clean_all(root: Path) -> list[Path]:
    """Delete everything garden made in ``root`` (only the names it gives); return what went.
    Refused when ``root`` is not garden's cache folder (``is_garden_cache``)."""
    if not is_garden_cache(root):
        raise OutputError(
            f"{root} is not garden's cache folder ({CACHEDIR_TAG} missing): nothing deleted"
        )
    gone = []
    for name in OWN_NAMES:
        path = root / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        elif os.path.lexists(path):
            with contextlib.suppress(OSError):
                path.unlink()
        else:
            continue
        gone.append(path)
    with contextlib.suppress(OSError):
        root.rmdir()  # only when nothing else is in it
    return gone


def prune_store(root: Path) -> int:
    """Delete the image variants no cached site uses any more; return how many bytes went."""
    used: set[str] = set()
    for manifest in (root / SITES).glob("*/images.json"):
        with contextlib.suppress(OSError, ValueError):
            used.update(json.loads(manifest.read_text(encoding="utf-8")).get("used", ()))
    freed = 0
    store = root / IMAGES / "store"
    for entry in sorted(store.glob("*/*")):
        if entry.name not in used:
            with contextlib.suppress(OSError):
                size = entry.stat().st_size
                entry.unlink()
                freed += size
    return freed
